"""Visible X in K+ -> pi+ X: X -> gamma gamma (ALP) and X -> mu+ mu-, peak scans in the reconstructed pair mass.

Events come from the shared event record (:mod:`kaonportal.simulation.record`: generation in the K+ rest frame, the
card's beam and fiducial window, the detector response); this module is a selection and a pair-mass computation
over the record's objects and draws no random numbers for detector effects. Random streams
``block_rng(seed', block, 10..15)`` (generation and beam as before the move to the record; the detector-response
draws now come in the record's order, so seeded outputs moved within their statistical errors, see the tests).

Reconstruction (approximations, stated):

* gamma gamma: both photons give LKr clusters (E > 1 GeV, ``reco.smearing.LKR_CLUSTER_E_MIN``, D; farther than
  the card's ``photon_veto.lkr_min_distance`` (0.1 m, V) from the pi+ impact, as the photon rejection and
  :mod:`.pi0_gamma_x`; > 0.1 m apart, ``reco.smearing.LKR_CLUSTER_SEPARATION_M``, D); E smeared with
  :func:`~kaonportal.detector.lkr_sigma_e`, positions with ``lkr_position_m`` (U: not in the card;
  :func:`kaonportal.reco.smearing.lkr_cluster`); the vertex is the record's closest approach of the measured GTK
  beam line and the measured pi+ STRAW line (one measurement per track, as the momenta);
  m_gg^2 = 2 E1 E2 (1 - cos theta12) with directions from that vertex.
* mu+ mu-: three tracks in the STRAW acceptance, muons in MUV3, the pi+ in the RICH; momenta smeared
  (:func:`kaonportal.reco.smearing.smeared_track_p4`: sigma_p/p and per-projection slopes); in-flight
  pi/mu decays and PID inefficiency ignored.

The detector-response helpers live in :mod:`kaonportal.reco.smearing`; ``unit_vector`` and
``track_vertex`` stay importable from here for existing callers.

Normalisation: the exposure N_K x efficiencies is taken from the published yield of the background
channel itself ([NA62:2023olg]): K+ -> pi+ gamma gamma, 3984 candidates with 291 +- 14
background, BR (9.61 +- 0.17)e-7 (PLB 850 (2024) 138513, row "2017-2018 K+ -> pi+ gamma gamma"); K+ ->
pi+ mu+ mu-, 2.8e4 candidates, negligible background, BR 9.15e-8 (JHEP 11 (2022) 011, row "2017-2018 K+ ->
pi+ mu+ mu-"): N_K eps = (candidates - background) / (BR x A_bkg), SES(m) = 1 / (N_K eps A_X(m)).
The background in each window is the published candidate count times the simulated fraction in
that window (ChPT O(p^4) shape for pi gamma gamma -- the 291 other events are given the same shape,
approximation -- and phase space for pi mu mu). The NA62 selections are not public, so
the candidate region is the whole accepted sample. Prompt X only. Pseudo-data: Poisson count,
masses resampled from the simulated background (explicit seed); or the user's observed candidates
(config ``candidates_file: {gg: my.csv}``: a CSV with an ``m_gg`` / ``m_mumu`` column in GeV/c^2, read
with :func:`.common.read_candidates` and checked by :func:`check_visible_x_inputs` before anything is
simulated).

Signal acceptance near the upper edge: as m_X approaches m_K - m_pi the pi+ is produced at rest in the
K+ frame, so in the lab it flies along the beam and is lost in the STRAW/LKr beam holes; the acceptance
falls steeply over the last ~20 MeV/c^2 (about x3-6 between 300 and 350 MeV/c^2 with the na62-2022 card).
The simulated masses therefore include the upper edge of the range itself: linear interpolation
stops at it, never a flat extrapolation from an inner point.

>>> CHANNELS["gg"].mass_range
(0.207, 0.35)
"""

from __future__ import annotations

__all__ = ["VisibleXConfig", "CHANNELS", "CANDIDATE_ALLOWED", "unit_vector", "track_vertex", "reconstruct_pairs",
           "check_visible_x_inputs", "simulate_channel", "scan_channel", "visible_x_scan", "visible_x_section"]

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ...backend import derive_seed
from ...constants import BR_K, mass
from ...detector import load_card
from ...errors import InputError
from ...published import load_curve
from ...reco.smearing import (LKR_CLUSTER_E_MIN, LKR_CLUSTER_SEPARATION_M, LKR_POSITION_M,  # noqa: F401
                              track_vertex, unit_vector)
from ...report.style import published_label
from ...simulation.record import Readout, decay_events, iter_record_blocks
from ...simulation.record_schema import CLUSTER_MECHANISMS, EventRecord
from ...stats import peak_scan
from ..agreement import agreement_of_curve, band_note
from .datasets import SEARCH_DATA, data_used, resolve_card
from .common import check_inject, check_mass_grid, load_search_config, mass_grid, plot_limit_curves, read_candidates, write_curve

BANDS = ("minus2", "minus1", "median", "plus1", "plus2")
_LKR_CODE = 3          # photon_hits detector code of the LKr (kaonportal.detector.photon_hits doctest)
_STREAMS = 10          # first random stream of this search's records (10-15: generation and beam as before the move)


@dataclass(frozen=True)
class Channel:
    x_decay: str
    background: str
    br_background: float
    candidates: float          # published candidates in the normalisation sample
    other_background: tuple    # (events, error) not from ``background``
    mass_range: tuple
    curve: str
    source: str
    column: str                # pair-mass column of a user candidate file (GeV/c^2)


CHANNELS = {
    "gg": Channel("gamma gamma", "K+ -> pi+ gamma gamma", BR_K["K+ -> pi+ gamma gamma"], 3984.0, (291.0, 14.0),
                  (0.207, 0.350), "NA62_Kp_to_pia_a_to_gg_BR_UL90_vs_mass_lifetime_ALPaca",
                  "[NA62:2023olg] '2017-2018 K+ -> pi+ gamma gamma' (PLB 850 (2024) 138513)", "m_gg"),
    "mumu": Channel("mu+ mu-", "K+ -> pi+ mu+ mu-", 9.15e-8, 2.8e4, (0.0, 0.0), (0.212, 0.350),
                    "NA62_Kp_to_piX_X_to_mumu_BR_UL90_vs_mass_lifetime_ALPaca",
                    "[NA62:2022qes] '2017-2018 K+ -> pi+ mu+ mu-' (JHEP 11 (2022) 011), BR 9.15e-8",
                    "m_mumu"),
}

# Units check of user candidates (D): the pair of a K+ -> pi+ X decay has m < m_K - m_pi (plus a few MeV of
# resolution), so a value >= m_K can only be a mistake (MeV instead of GeV, another column).
CANDIDATE_ALLOWED = (0.0, mass("K+"))


class VisibleXConfig(BaseModel):
    """Configuration of the visible-X scans (both channels)."""

    model_config = ConfigDict(extra="forbid")
    channels: list[str] = Field(default_factory=lambda: ["gg", "mumu"])
    mass_step: float = Field(0.0005, gt=0, description="scan step (GeV; 0.5 MeV as NA62, [NA62:2023olg])")
    masses: list[float] | None = Field(None, description="explicit hypotheses (GeV), used for every channel")
    n_signal_masses: int = Field(5, ge=2)
    n_signal: int = Field(20_000, ge=1000)
    n_background: int = Field(200_000, ge=5000)
    z_range: tuple[float, float] = Field((105.0, 165.0), description="fiducial decay z (m)")
    lkr_position_m: float = Field(LKR_POSITION_M, gt=0, description="U: LKr cluster position resolution (m), not in "
                                                                    "the card (reco.smearing.LKR_POSITION_M)")
    n_k_scale: float = Field(1.0, gt=0)
    window: float = Field(1.5, gt=0)
    cl: float = Field(0.9, gt=0, lt=1)
    inject: dict[str, list[float]] | None = Field(None, description="{channel: [mass GeV, signal events]} added "
                                                  "to the pseudo-data")
    candidates_file: dict[str, str] = Field(default_factory=dict, description="observed candidates per channel: "
                                            "{gg: file.csv, mumu: file.csv}, CSV (.csv/.txt) with an m_gg / m_mumu "
                                            "column (GeV/c^2); relative paths from the working directory; a "
                                            "channel without a file: pseudo-data")


def _pair_mass(rec: EventRecord, card) -> np.ndarray:
    """Reconstructed pair mass (GeV/c^2, NaN when rejected) of the events of an event record (module docstring)."""
    straw = rec.track_accept("straw")
    ipi = rec.track_index("pi+")
    ok = straw[:, ipi].copy()
    if rec.photon_detector.shape[1]:
        dmin = float(card.photon_veto.lkr_min_distance)
        cl = []
        for j in np.flatnonzero(rec.cluster_mechanism == CLUSTER_MECHANISMS["photon"]):
            e, xy = rec.cluster_e[:, j], np.column_stack([rec.cluster_x[:, j], rec.cluster_y[:, j]])
            ok &= (rec.cluster_detector[:, j] == _LKR_CODE) & (e > LKR_CLUSTER_E_MIN)
            ok &= np.hypot(xy[:, 0] - rec.track_x_lkr[:, ipi], xy[:, 1] - rec.track_y_lkr[:, ipi]) > dmin
            cl.append((e, xy, rec.cluster_z[:, j]))
        ok &= np.hypot(*(cl[0][1] - cl[1][1]).T) > LKR_CLUSTER_SEPARATION_M
        # photon directions from the vertex of the GTK beam line and the pi+ STRAW line (track 0 of the record)
        d = [np.column_stack([c[1], c[2]]) - rec.vertex for c in cl]
        cos = np.sum(d[0] * d[1], axis=1) / (np.linalg.norm(d[0], axis=1) * np.linalg.norm(d[1], axis=1))
        m2 = 2.0 * cl[0][0] * cl[1][0] * (1.0 - cos)
    else:
        muv3 = rec.track_accept("muv3")
        tot = np.zeros((rec.n, 4))
        for nm in ("mu+", "mu-"):
            k = rec.track_index(nm)
            ok &= straw[:, k] & muv3[:, k]
            tot += rec.track_p4[:, k]
        ok &= rec.track_accept("rich")[:, ipi]
        m2 = tot[:, 0] ** 2 - np.sum(tot[:, 1:] ** 2, axis=1)
    return np.where(ok & (m2 > 0), np.sqrt(np.abs(m2)), np.nan)


def reconstruct_pairs(decay: str, n: int, seed: int, card, z_range=(105.0, 165.0),
                      lkr_position_m: float = LKR_POSITION_M,
                      **decay_options) -> tuple[np.ndarray, np.ndarray]:
    """Reconstructed pair mass (GeV/c^2, NaN if rejected) and weight of ``n`` ``decay`` events.

    >>> m, w = reconstruct_pairs("K+ -> pi+ X", 2000, 1, "na62-2022", mass=0.3, x_decay="mu+ mu-")
    >>> bool(abs(np.nanmedian(m) - 0.3) < 0.002)
    True
    """
    card = load_card(card) if isinstance(card, (str, Path)) else card
    s = derive_seed(seed, f"visible-x|{decay}|{sorted(decay_options.items())!r}")
    readout = Readout(tuple(z_range), lkr_position_m, stream_base=_STREAMS, timing=False)   # no time read
    m, w = [], []
    # what selects code: the decay and its string options (x_decay); a number (the mass) only by its type
    kinds = tuple(sorted((k, v if isinstance(v, str) else type(v).__name__) for k, v in decay_options.items()))
    for mb, wb in iter_record_blocks(decay_events(decay, **decay_options), n, s, card, readout,
                                     per_block=lambda rec: (_pair_mass(rec, card), rec.weight),
                                     compile_key=("visible-x pairs", decay, kinds)):
        m.append(mb)
        w.append(wb)
    return np.concatenate(m), np.concatenate(w)


def check_visible_x_inputs(cfg: VisibleXConfig) -> dict[str, np.ndarray]:
    """Validate what the configuration points at before anything is simulated: channel names, mass grid
    and injected masses inside each channel's range, candidate files readable with a finite pair-mass
    column in :data:`CANDIDATE_ALLOWED`. Returns the user candidates ``{channel: masses GeV}``.

    >>> check_visible_x_inputs(VisibleXConfig(channels=["mumu"], masses=[0.21]))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: masses (channel mumu)[0]: 0.21 GeV is outside the allowed range(s) [0.212, 0.35] GeV
    """
    bad = [c for c in cfg.channels if c not in CHANNELS]
    if bad or not cfg.channels:
        raise InputError("channels", f"unknown or empty {bad!r}; known: {', '.join(CHANNELS)}")
    for field, mapping in (("inject", cfg.inject or {}), ("candidates_file", cfg.candidates_file)):
        for k in mapping:
            if k not in CHANNELS:
                raise InputError(field, f"unknown channel {k!r}; known: {', '.join(CHANNELS)}")
    if cfg.masses is not None:
        for key in cfg.channels:
            check_mass_grid(f"masses (channel {key})", cfg.masses, [CHANNELS[key].mass_range])
    for key, inj in (cfg.inject or {}).items():
        check_inject(f"inject.{key}", inj, [CHANNELS[key].mass_range], with_candidates=key in cfg.candidates_file)
    return {key: read_candidates(path, CHANNELS[key].column, allowed=CANDIDATE_ALLOWED, unit="GeV/c^2",
                                 field=f"candidates_file.{key}")
            for key, path in cfg.candidates_file.items()}


def simulate_channel(key: str, cfg: VisibleXConfig, card, seed: int, quick: bool = False) -> dict:
    """The simulated inputs of one channel's scan: signal acceptance and pair-mass resolution at
    ``signal_masses`` (GeV/c^2) and the accepted background sample (pair masses, weights, acceptance)."""
    ch = CHANNELS[key]
    lo, hi = ch.mass_range
    card = load_card(card) if isinstance(card, (str, Path)) else card
    f = 0.15 if quick else 1.0
    n_sig, n_bkg = max(1000, int(cfg.n_signal * f)), max(5000, int(cfg.n_background * f))
    # inner points as before (the endpoint m_K - m_pi has no phase space) plus the edge ``hi`` itself,
    # where the acceptance has fallen steeply (module docstring): no flat extrapolation over hi-2 MeV..hi
    sim_m = np.append(np.linspace(lo, hi - 0.002, cfg.n_signal_masses), hi)
    acc, sig = np.zeros(len(sim_m)), np.zeros(len(sim_m))
    for i, mx in enumerate(sim_m):
        m, w = reconstruct_pairs("K+ -> pi+ X", n_sig, seed, card, cfg.z_range, cfg.lkr_position_m,
                                 mass=float(mx), x_decay=ch.x_decay)
        ok = np.isfinite(m)
        if ok.sum() < 20:
            raise InputError("n_signal", f"too few reconstructed K+ -> pi+ X ({key}) events at {mx:.4g} GeV")
        acc[i] = w[ok].sum() / w.sum()
        q16, q84 = np.quantile(m[ok], [0.16, 0.84])
        sig[i] = 0.5 * (q84 - q16)
    mb, wb = reconstruct_pairs(ch.background, n_bkg, seed, card, cfg.z_range, cfg.lkr_position_m)
    okb = np.isfinite(mb)
    return {"signal_masses": sim_m, "signal_acceptance": acc, "signal_sigma": sig,
            "background_masses": mb[okb], "background_weights": wb[okb],
            "acceptance_background": wb[okb].sum() / wb.sum()}


def scan_channel(key: str, sim: dict, cfg: VisibleXConfig, seed: int, quick: bool = False,
                 candidates: np.ndarray | None = None) -> dict:
    """Limits of one channel from :func:`simulate_channel`'s inputs: SES(m), background per window, the
    candidates (``candidates`` given: the user's; else pseudo-data, plus ``cfg.inject``) and the peak scan.
    The exposure enters only here (``cfg.n_k_scale`` scales N_K eps and the background)."""
    ch = CHANNELS[key]
    masses = (check_mass_grid("masses", cfg.masses, [ch.mass_range]) if cfg.masses is not None
              else mass_grid([ch.mass_range], cfg.mass_step * (4.0 if quick else 1.0)))
    masses = np.sort(masses)
    sim_m, sig = sim["signal_masses"], sim["signal_sigma"]
    a_x, s_m = np.interp(masses, sim_m, sim["signal_acceptance"]), np.interp(masses, sim_m, sig)
    a_b = sim["acceptance_background"]
    other, other_err = ch.other_background
    n_k_eff = (ch.candidates - other) / (ch.br_background * a_b) * cfg.n_k_scale
    ses = 1.0 / (n_k_eff * a_x)
    xb, wb = sim["background_masses"], sim["background_weights"]
    pb = wb / wb.sum()
    order = np.argsort(xb)
    xb, cum = xb[order], np.concatenate([[0.0], np.cumsum(pb[order])])
    frac = cum[np.searchsorted(xb, masses + cfg.window * s_m)] - cum[np.searchsorted(xb, masses - cfg.window * s_m)]
    total = ch.candidates * cfg.n_k_scale
    b, b_err = total * frac, other_err * cfg.n_k_scale * frac
    if candidates is not None:
        cand = np.asarray(candidates, dtype=float)
        origin = str(cfg.candidates_file.get(key, "user candidates"))
    else:
        rng = np.random.default_rng(derive_seed(seed, f"visible-x pseudo-data {key}"))
        cand = rng.choice(xb, size=rng.poisson(total), p=pb[order])
        origin = f"pseudo-data ({ch.background} shape, {total:.4g} expected, seed {seed})"
        inj = (cfg.inject or {}).get(key)
        if inj is not None:
            check_inject(f"inject.{key}", inj, [ch.mass_range], with_candidates=False)
            m0 = float(inj[0])
            ns = rng.poisson(float(inj[1]))
            cand = np.concatenate([cand, m0 + float(np.interp(m0, sim_m, sig)) * rng.standard_normal(ns)])
            origin += f", injected {inj[1]:g} events at {m0:g} GeV"
    sc = peak_scan(masses, candidates=cand, resolution=s_m, background=b, background_error=b_err, ses=ses,
                   window=cfg.window, cl=cfg.cl, calculator="exact", n_jobs=1, seed=seed)
    return {"masses_gev": masses, "ses": ses, "acceptance": a_x, "sigma_m": s_m, "background": b,
            "background_error": b_err, "scan": sc, "n_k_eff": n_k_eff, "acceptance_background": a_b,
            "candidates": cand, "candidates_origin": origin, "signal_masses": sim_m, "signal_sigma": sig}


def visible_x_scan(cfg: VisibleXConfig, card, seed: int, quick: bool = False) -> dict:
    """Peak scans for each configured channel: ``{channel: result}`` (inputs checked first)."""
    user = check_visible_x_inputs(cfg)
    card_obj = load_card(card) if isinstance(card, (str, Path)) else card
    return {k: scan_channel(k, simulate_channel(k, cfg, card_obj, seed, quick), cfg, seed, quick, user.get(k))
            for k in cfg.channels}


def visible_x_section(out_dir: Path, *, card: str | None = None, seed: int = 0, quick: bool = False,
                      config=None) -> dict:
    """Run the scans; write BR-limit curves and plots against the published prompt curves. ``card``: the run's
    card override, else the 2017-18 card (:mod:`.datasets`)."""
    cfg = load_search_config(VisibleXConfig, config)
    card, card_origin = resolve_card("visible-x", card)
    out_dir = Path(out_dir)
    res = visible_x_scan(cfg, card, seed, quick)
    period = SEARCH_DATA["visible-x"].period
    summary: dict = {"card": card, "seed": seed, "files": [], "status": "done", "dataset": period,
                     "card_origin": card_origin, "n_k": None, "selection": "three tracks / pi+ + two LKr photons "
                     "(module docstring)", "data_used": data_used(period, card, "n/a (exposure from the "
                     "background channels' published yields)", "visible-x reconstruction")}
    for key, r in res.items():
        ch, sc, m = CHANNELS[key], res[key]["scan"], r["masses_gev"]
        label = f"K+ -> pi+ X, X -> {ch.x_decay}"
        inputs = [f"normalisation: {ch.source}; N_K x efficiency = {r['n_k_eff']:.4g}",
                  f"background: {ch.background} simulated shape; card {card}; seed {seed}",
                  f"candidates: {r['candidates_origin']}", "prompt X; reconstruction approximations in the module docstring"]
        pub = load_curve(ch.curve)
        keep = (pub.columns["tau_ps"] == 0) & np.isfinite(pub.limit)
        inside = (m >= pub.mass_gev[keep].min()) & (m <= pub.mass_gev[keep].max())
        pub_m = np.interp(m[inside], pub.mass_gev[keep], pub.limit[keep])
        # rule of analyses.agreement: the published curve inside the expected +-2 sigma band (medians over masses)
        agree = agreement_of_curve({k: sc.expected[k][inside] for k in BANDS}, pub_m,
                                   f"exposure from the {ch.background} published yield; the NA62 selection is not "
                                   "public (whole accepted sample as the candidate region)")
        inputs.append(band_note("NA62 (ALPaca, prompt)", agree["agreement"]))
        summary["files"].append(write_curve(
            out_dir / "curves" / f"visible_x_{key}_br.csv", f"upper limit on BR({label}), prompt X, versus m_X",
            "m_X in GeV/c^2; BR dimensionless", cfg.cl, inputs,
            {"m_x_gev": m, "ses": r["ses"], "sigma_m_gev": r["sigma_m"], "background_in_window": r["background"],
             "n_observed": sc.n_observed, "br_ul_observed": sc.observed_limit,
             **{f"br_ul_expected_{k}": sc.expected[k] for k in BANDS}, "local_significance": sc.local_significance}))
        summary["files"] += plot_limit_curves(
            out_dir / "plots" / f"visible_x_{key}_br", m, sc.observed_limit, {k: sc.expected[k] for k in BANDS},
            xlabel=r"$m_X$ [GeV/$c^2$]", ylabel="BR upper limit (90% CL)", title=f"{label} (prompt): this run vs NA62",
            published=[(published_label(ch.curve, "prompt"), pub.mass_gev[keep], pub.limit[keep])])
        ratio = sc.expected["median"][inside] / pub_m
        summary[key] = {
            "mass_range_gev": list(ch.mass_range), "n_masses": int(len(m)), "n_k_eff": r["n_k_eff"],
            "acceptance_background": r["acceptance_background"], "n_candidates": int(len(r["candidates"])),
            "candidates": r["candidates_origin"],
            "sigma_m_mev_range": [1e3 * float(r["sigma_m"].min()), 1e3 * float(r["sigma_m"].max())],
            "br_ul_expected_median_range": [float(np.min(sc.expected["median"])), float(np.max(sc.expected["median"]))],
            "br_ul_observed_range": [float(np.min(sc.observed_limit)), float(np.max(sc.observed_limit))],
            "median_ratio_expected_to_published": float(np.nanmedian(ratio)) if ratio.size else math.nan,
            "max_local_significance": float(np.max(sc.local_significance)),
            "max_excess_mass_gev": float(sc.max_excess_mass), **agree}
    return summary
