"""Heavy neutral leptons: peak scans in K+ -> e+ N, K+ -> mu+ N and beam pi+ -> e+ N, limits on |U_l4|^2.

Method (published_results.md A6; na62_parameters.md section 7):

* m2miss = (P_parent - P_lepton)^2 (GTK parent, STRAW lepton, lepton mass hypothesis): simulated
  column ``m2miss_e`` / ``m2miss_mu``; selection ``hnl-ke`` / ``hnl-kmu`` / ``hnl-pie`` (single track,
  lepton identification as a weight, photon veto).
* Normalisation on the SM peak P+ -> l+ nu (``normalisation`` region of the selection): the expected
  count N_P BR(P -> l nu) A_norm is Poisson-fluctuated with the run's seed (the "measured" peak) and
  gives N_P back, N_P = N_norm / (BR A_norm) (same form as N_K of ``normalisation.ses``).
* Signal acceptance A_N(m) and the m2miss resolution sigma(m) (half the 16-84 % weighted interval of
  m2miss - m^2) from simulated P -> l N at a few masses, interpolated linearly in mass;
  SES(m) = 1 / (N_P A_N(m) eps_trig).
* Background: simulated SM decays with their BR (``constants.BR_K`` / ``BR_PI``) and the card's
  mis-identification and veto probabilities, as a weighted kernel density in m2miss (Silverman bandwidth,
  :func:`background_model`); the expected background in each window is its integral, with the simulation
  statistics as an uncertainty; pseudo-data are Poisson draws per bin (or a user candidate file).
* Peak scan (:func:`kaonportal.stats.peak_scan`) over m_N^2 in the m2miss variable, then
  |U_l4|^2 limits through the portal model (:func:`kaonportal.models.convert.coupling_limit`, production
  BR(P -> l N) = BR(P -> l nu) rho_l(m_N) |U|^2, Shrock; N required to survive the detector: published
  lifetime assumption tau_N > 50 ns, PR A6).

Normalisation defaults: beam pi+ decays N_pi = 6.5e12 (PR A6 pi+ -> e+ N row, S002; NP 7). For the K+
channels the published N_K is **not found** (PR A6): the default is the card's ``kaon_decays`` divided by
the control-trigger downscaling D of the pnn selection (400, a D placeholder), i.e. the exposure of a
downscaled minimum-bias trigger (status D); override ``n_parent`` or scale with ``n_scale``.

>>> sorted(CHANNELS)
['K+ -> e+ N', 'K+ -> mu+ N', 'pi+ -> e+ N']
>>> CHANNELS["pi+ -> e+ N"].mass_range
(0.095, 0.126)
"""

from __future__ import annotations

__all__ = ["HnlChannel", "HnlConfig", "CHANNELS", "signal_shape", "normalisation", "background_model", "window_background",
           "hnl_scan", "hnl_section"]

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ...constants import BR_K, BR_PI, mass as pmass
from ...detector import load_card
from ...errors import InputError
from ...models import get_model
from ...models.convert import coupling_limit
from ...published import load_curve
from ...selection import load_selection
from ...stats import peak_scan
from ..samples import derive_seed
from .common import (check_mass_grid, load_search_config, mass_grid, plot_limit_curves, read_candidates,
                     selection_columns, selection_weights, simulate_sample, weighted_quantile, write_curve)

BANDS = ("minus2", "minus1", "median", "plus1", "plus2")


@dataclass(frozen=True)
class HnlChannel:
    """Fixed description of one HNL production channel."""

    decay: str
    normalisation: str
    lepton: str
    mass_range: tuple[float, float]          # GeV, PR A6
    selection: str
    model: str
    backgrounds: tuple[tuple[str, bool], ...]  # (decay, muon decays in flight)
    published: tuple[str, ...]                 # shipped curves to compare with
    n_parent_default: float | None             # PR A6 where found

    @property
    def parent(self) -> str:
        return self.decay.split("->")[0].strip()

    @property
    def column(self) -> str:
        return "m2miss_e" if self.lepton == "e+" else "m2miss_mu"

    def br(self, decay: str) -> float:
        return BR_PI[decay] if decay.startswith("pi+") else BR_K[decay]

    @property
    def kinematic_max(self) -> float:
        return pmass(self.parent) - pmass(self.lepton)


CHANNELS = {
    "K+ -> e+ N": HnlChannel("K+ -> e+ N", "K+ -> e+ nu", "e+", (0.144, 0.462), "hnl-ke", "hnl-e",
                             (("K+ -> pi0 e+ nu", False), ("K+ -> mu+ nu", True), ("K+ -> pi+ pi0", False),
                              ("K+ -> e+ nu", False)),
                             ("NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData", "T2K_2019_Ue4sq_90CL_profiled_by_HNLimits"),
                             None),
    "K+ -> mu+ N": HnlChannel("K+ -> mu+ N", "K+ -> mu+ nu", "mu+", (0.200, 0.384), "hnl-kmu", "hnl-mu",
                              (("K+ -> pi0 mu+ nu", False), ("K+ -> pi+ pi0", False), ("K+ -> mu+ nu", False)),
                              ("NA62_2021_Kp_to_muN_Umu4sq_90CL_HEPData", "E949_2015_Kp_to_muN_Umu4sq_90CL_digitized",
                               "T2K_2019_Umu4sq_90CL_profiled_by_HNLimits"), None),
    # N_pi+ = 6.5e12 pi+ decays in the FV: PR A6 row pi+ -> e+ N (S002), NP 7
    "pi+ -> e+ N": HnlChannel("pi+ -> e+ N", "pi+ -> e+ nu", "e+", (0.095, 0.126), "hnl-pie", "hnl-e",
                              (("pi+ -> mu+ nu", True), ("pi+ -> e+ nu", False)),
                              ("NA62_2025_pip_to_eN_Ue4sq_90CL_digitized", "PIENU_2018_pip_to_eN_Ue4sq_90CL_HEPData"),
                              6.5e12),
}


class HnlConfig(BaseModel):
    """Configuration of the HNL searches (one block for all channels)."""

    model_config = ConfigDict(extra="forbid")
    channels: list[str] = Field(default_factory=lambda: list(CHANNELS))
    n_parent: dict[str, float] = Field(default_factory=dict, description="decays in the FV per channel; "
                                       "default PR A6 (pi+) or card kaon_decays / pnn downscaling (K+, D)")
    n_scale: float = Field(1.0, gt=0, description="projections: parent decays x n_scale")
    eps_trig: float = Field(1.0, gt=0, le=1, description="trigger efficiency (not found: 1, D)")
    mass_step: dict[str, float] = Field(default_factory=lambda: {"K+ -> e+ N": 0.002, "K+ -> mu+ N": 0.002,
                                                                 "pi+ -> e+ N": 0.0005})
    masses: dict[str, list[float]] | None = Field(None, description="explicit mass grids (GeV) per channel")
    n_signal_masses: int = Field(8, ge=3, description="simulated signal masses per channel")
    n_signal: int = Field(20_000, ge=1000, description="simulated events per signal mass")
    n_background: dict[str, int] = Field(default_factory=lambda: {"K+ -> e+ N": 200_000, "K+ -> mu+ N": 200_000,
                                                                  "pi+ -> e+ N": 500_000},
                                         description="simulated events per background decay, per channel "
                                                     "(pi+ -> e+ N: mu+ -> e+ decays in flight are rare)")
    n_normalisation: int = Field(40_000, ge=1000)
    window: float = Field(1.5, gt=0, description="counting window half-width in sigma")
    cl: float = Field(0.9, gt=0, lt=1)
    candidates_file: dict[str, str] = Field(default_factory=dict, description="observed m2miss per channel (CSV)")
    inject: dict[str, list[float]] = Field(default_factory=dict,
                                           description="channel -> [mass GeV, signal events]: add a peak to pseudo-data")
    ntoys: int = Field(0, ge=0, description="toys for the global significance (0: Sidak correction)")
    mc_stat_error: bool = Field(False, description="include the simulation statistics of the background "
                                "template as a background uncertainty (default: background taken as known, as "
                                "from a data-driven estimate; the error is reported in the curves)")


def signal_shape(ch: HnlChannel, masses, n: int, seed: int, card) -> dict:
    """Acceptance A_N(m) per parent decay in the FV and the m2miss resolution sigma(m) (GeV^2) at ``masses``."""
    sel = load_selection(ch.selection)
    acc, sig = [], []
    for m in masses:
        ev = simulate_sample(ch.decay, n, seed, card, sel.fiducial_z, mass=float(m),
                             columns=selection_columns(sel, [ch.column]))
        w, total = selection_weights(sel, ev)
        acc.append(float(w.sum() / total) if total > 0 else 0.0)
        q16, q84 = weighted_quantile(ev[ch.column] - m * m, w, [0.16, 0.84])
        sig.append(0.5 * (q84 - q16) if np.isfinite(q16) else np.nan)
    acc, sig = np.array(acc), np.array(sig)
    if not np.any(acc > 0):
        raise InputError("n_signal", f"no simulated {ch.decay} event passes {ch.selection}; increase n_signal")
    good = np.isfinite(sig) & (sig > 0)
    sig = np.where(good, sig, np.interp(masses, np.asarray(masses)[good], sig[good]))
    return {"mass_gev": np.asarray(masses, float), "acceptance": acc, "sigma_m2": sig}


def normalisation(ch: HnlChannel, n_parent_true: float, n: int, seed: int, card) -> dict:
    """SM peak: acceptance, expected and Poisson-fluctuated count, and N_parent measured from it."""
    sel = load_selection(ch.selection)
    ev = simulate_sample(ch.normalisation, n, seed, card, sel.fiducial_z, columns=selection_columns(sel, [ch.column]))
    w, total = selection_weights(sel, ev, region=sel.normalisation.region)
    a = float(w.sum() / total)
    if a <= 0:
        raise InputError("n_normalisation", f"no {ch.normalisation} event in the normalisation region")
    br = ch.br(ch.normalisation)
    expected = n_parent_true * br * a
    observed = int(np.random.default_rng(derive_seed(seed, "hnl norm " + ch.decay)).poisson(expected))
    if observed <= 0:
        raise InputError("n_parent", f"no {ch.normalisation} normalisation event expected: N_parent too small")
    n_meas = observed / (br * a)
    return {"decay": ch.normalisation, "acceptance": a, "br": br, "expected": expected, "observed": observed,
            "n_parent_measured": n_meas, "n_parent_error": n_meas / math.sqrt(observed), "n_parent_input": n_parent_true}


def _bandwidth(x: np.ndarray, w: np.ndarray, floor: float) -> float:
    """Silverman's bandwidth h = 0.9 min(sd, IQR/1.34) n_eff^(-1/5), n_eff = (sum w)^2 / sum w^2
    (B. W. Silverman, "Density Estimation", 1986, eq. 3.31) for weighted events; at least ``floor``."""
    n_eff = w.sum() ** 2 / np.sum(w * w)
    q25, q75 = weighted_quantile(x, w, [0.25, 0.75])
    mean = np.sum(w * x) / w.sum()
    sd = math.sqrt(max(np.sum(w * (x - mean) ** 2) / w.sum(), 0.0))
    spread = min(sd, (q75 - q25) / 1.34) if q75 > q25 else sd
    return max(0.9 * spread * n_eff ** -0.2, floor)


_PART = 250_000


def background_model(ch: HnlChannel, n_parent: float, n: int, seed: int, card, x_range: tuple[float, float],
                     nbins: int = 400) -> dict:
    """Background as a weighted Gaussian kernel density of the simulated SM decays (per source, Silverman
    bandwidth, :func:`_bandwidth`): a sparse source (a few simulated events standing for 1e8 decays) is
    spread over a wide kernel instead of leaving zero-background windows between spikes. Returns the
    kernel centres/weights/widths of all sources (events per parent decays ``n_parent``), the expected
    events per bin of ``x_range`` and the per-source totals in the range."""
    from scipy.special import ndtr
    sel = load_selection(ch.selection)
    edges = np.linspace(x_range[0], x_range[1], nbins + 1)
    span = x_range[1] - x_range[0]
    xs, ws, hs, per_source, bandwidth = [], [], [], {}, {}
    cols = selection_columns(sel, [ch.column])
    for decay, mu_dec in ch.backgrounds:
        # large samples in parts of <= 250k events (memory), each with its own derived seed
        parts = [simulate_sample(decay, min(_PART, n - i), derive_seed(seed, f"part{i}"), card, sel.fiducial_z,
                                 columns=cols, muon_decays=mu_dec) for i in range(0, n, _PART)]
        ev = {c: np.concatenate([p[c] for p in parts]) for c in cols}
        w, total = selection_weights(sel, ev)
        x = ev[ch.column]
        # events near the scan range (the kernel of a far-away event does not reach it)
        ok = np.isfinite(x) & (w > 0) & (x > x_range[0] - span) & (x < x_range[1] + span)
        if not np.any(ok):
            per_source[decay] = 0.0
            continue
        wk = w[ok] * n_parent * ch.br(decay) / total
        h = _bandwidth(x[ok], wk, span / nbins)
        xs.append(x[ok])
        ws.append(wk)
        hs.append(np.full(int(ok.sum()), h))
        per_source[decay] = float(np.sum(wk * (ndtr((x_range[1] - x[ok]) / h) - ndtr((x_range[0] - x[ok]) / h))))
        bandwidth[decay] = h
    kern = {"x": np.concatenate(xs) if xs else np.zeros(0), "w": np.concatenate(ws) if ws else np.zeros(0),
            "h": np.concatenate(hs) if hs else np.ones(0)}
    counts = window_background(kern, edges[:-1], edges[1:])[0]
    return {"edges": edges, "counts": counts, "kernels": kern, "per_source_in_range": per_source,
            "bandwidth_m2": bandwidth}


def window_background(kern: dict, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Expected background in windows [lo, hi) and its simulation-statistics error:
    b = sum_i w_i f_i, var = sum_i w_i^2 f_i^2 with f_i the kernel fraction of event i in the window."""
    from scipy.special import ndtr
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    b, var = np.zeros(len(lo)), np.zeros(len(lo))
    x, w, h = kern["x"], kern["w"], kern["h"]
    for s in range(0, len(x), 4096):      # bounded memory: events x windows in blocks
        xx, ww, hh = x[s:s + 4096, None], w[s:s + 4096, None], h[s:s + 4096, None]
        f = ndtr((hi[None, :] - xx) / hh) - ndtr((lo[None, :] - xx) / hh)
        b += np.sum(ww * f, axis=0)
        var += np.sum((ww * f) ** 2, axis=0)
    return b, np.sqrt(var)


def _pseudo_data(bkg: dict, seed: int, label: str, inject=None, sigma_fn=None) -> np.ndarray:
    """Pseudo-data as counts in the background-model bins: Poisson per bin (the background of a
    single simulated event can stand for 1e8 decays, so individual candidates are not drawn), plus an
    optional Gaussian peak of ``inject = (mass GeV, events)`` at m2miss = m^2 with width sigma_fn(m)."""
    rng = np.random.default_rng(derive_seed(seed, "pseudo-data " + label))
    edges = bkg["edges"]
    k = rng.poisson(bkg["counts"]).astype(float)
    if inject:
        m, n_sig = float(inject[0]), float(inject[1])
        x = m * m + sigma_fn(m) * rng.standard_normal(int(rng.poisson(n_sig)))
        k += np.histogram(x, bins=edges)[0]
    return k


def hnl_scan(channel: str, cfg: HnlConfig, card, seed: int, quick: bool = False) -> dict:
    """Peak scan of one channel: BR limits (observed, expected bands), |U|^2 limits, inputs."""
    if channel not in CHANNELS:
        raise InputError("channels", f"unknown HNL channel {channel!r}; known: {', '.join(CHANNELS)}")
    ch = CHANNELS[channel]
    card_obj = load_card(card) if isinstance(card, (str, Path)) else card
    lo, hi = ch.mass_range
    if cfg.masses and channel in cfg.masses:
        masses = check_mass_grid(f"masses[{channel}]", cfg.masses[channel], [ch.mass_range])
    else:
        step = cfg.mass_step.get(channel, 0.002) * (2.5 if quick else 1.0)
        masses = mass_grid([ch.mass_range], step)
    # parent decays in the FV
    if channel in cfg.n_parent:
        n_true, origin = float(cfg.n_parent[channel]), "config n_parent"
    elif ch.n_parent_default is not None:
        n_true, origin = ch.n_parent_default, "published_results.md A6 (S002)"
    else:
        nk = card_obj.run_conditions.kaon_decays
        if nk is None:
            raise InputError("n_parent", f"card {card_obj.name} has no kaon_decays: set n_parent[{channel!r}]")
        d = load_selection("pnn-2022").normalisation.downscaling
        n_true, origin = float(nk) / d, f"card kaon_decays / control-trigger downscaling {d:g} (D)"
    n_true *= cfg.n_scale
    f = 0.2 if quick else 1.0
    n_sig, n_bkg, n_norm = (max(1000, int(cfg.n_signal * f)),
                            max(2000, int(cfg.n_background.get(channel, 200_000) * (0.4 if quick else 1.0))),
                            max(2000, int(cfg.n_normalisation * f)))
    n_sm = max(3, cfg.n_signal_masses // (2 if quick else 1))
    sim_m = np.linspace(lo, hi, n_sm)
    shape = signal_shape(ch, sim_m, n_sig, seed, card)
    norm = normalisation(ch, n_true, n_norm, seed, card)
    n_meas = norm["n_parent_measured"]

    def acc(m):
        return np.interp(m, shape["mass_gev"], shape["acceptance"])

    def sigma(m):
        return np.interp(m, shape["mass_gev"], shape["sigma_m2"])

    if np.any(acc(masses) <= 0):
        bad = float(masses[np.argmax(acc(masses) <= 0)])
        raise InputError("masses", f"zero simulated acceptance at m_N = {bad:g} GeV for {channel}")
    ses = 1.0 / (n_meas * acc(masses) * cfg.eps_trig)
    s2 = sigma(masses)
    x_range = (lo * lo - 8 * float(s2.max()), hi * hi + 8 * float(s2.max()))
    bkg = background_model(ch, n_meas, n_bkg, seed, card, x_range)
    wlo, whi = masses ** 2 - cfg.window * s2, masses ** 2 + cfg.window * s2
    b, b_mc_err = window_background(bkg["kernels"], wlo, whi)
    b_err = b_mc_err if cfg.mc_stat_error else np.zeros_like(b_mc_err)
    centres = 0.5 * (bkg["edges"][1:] + bkg["edges"][:-1])
    cand = counts = None
    if channel in cfg.candidates_file:
        cand = read_candidates(cfg.candidates_file[channel], ch.column)
        cand_origin = cfg.candidates_file[channel]
    else:
        inj = cfg.inject.get(channel)
        if inj is not None:
            check_mass_grid(f"inject[{channel}]", [inj[0]], [ch.mass_range])
        counts = _pseudo_data(bkg, seed, channel, inj, sigma)
        cand_origin = f"pseudo-data (seed {seed})" + (f", injected {inj[1]:g} events at {inj[0]:g} GeV" if inj else "")
    dens = bkg["counts"] / np.diff(bkg["edges"])
    if cand is not None:
        data = {"candidates": cand}
    else:
        # binned pseudo-data: peak_scan counts the bins whose centre is in a window, so the background
        # expectation must be summed over the same bins (a continuous integral would differ by a fraction
        # of a bin, i.e. by many sqrt(b) when b ~ 1e6)
        data = {"histogram": (bkg["edges"], counts)}
        csum = np.concatenate([[0.0], np.cumsum(bkg["counts"])])
        b = csum[np.searchsorted(centres, whi)] - csum[np.searchsorted(centres, wlo)]
    calc = "exact" if float(np.max(b)) < 300 else "asymptotic"
    scan = peak_scan(masses ** 2, **data, resolution=s2, background=b, background_error=b_err, ses=ses,
                     window=cfg.window, cl=cfg.cl, calculator=calc, n_jobs=1,
                     background_density=(lambda x: np.interp(x, centres, dens)) if cfg.ntoys else None,
                     scan_range=x_range if cfg.ntoys else None, ntoys=cfg.ntoys, seed=seed)
    model = get_model(ch.model)
    u2 = {}
    for key, br_ul in [("observed", scan.observed_limit), *((k, scan.expected[k]) for k in BANDS)]:
        cl_res = coupling_limit(model, masses, br_ul, production=ch.decay, final_state="invisible",
                                momentum_gev=None)
        u2[key] = np.interp(masses, cl_res.mass_gev, cl_res.coupling_low)
    return {"channel": channel, "masses_gev": masses, "n_parent_input": n_true, "n_parent_origin": origin,
            "normalisation": norm, "signal_shape": shape, "ses": ses, "sigma_m2": s2, "background": b,
            "background_error": b_err, "background_mc_error": b_mc_err, "background_per_source_in_range": bkg["per_source_in_range"],
            "candidates_origin": cand_origin,
            "n_candidates": int(len(cand)) if cand is not None else int(counts.sum()), "scan": scan, "u2": u2,
            "calculator": calc, "model": ch.model}


def _published_u2(name: str):
    c = load_curve(name)
    return c.mass_gev, c.limit, c.source


def hnl_section(out_dir: Path, *, card: str = "na62-2022", seed: int = 0, quick: bool = False, config=None) -> dict:
    """Run the HNL scans of ``config.channels``; write BR and |U|^2 curves and plots."""
    cfg = load_search_config(HnlConfig, config)
    out_dir = Path(out_dir)
    summary, files = {}, []
    for channel in cfg.channels:
        r = hnl_scan(channel, cfg, card, seed, quick)
        ch = CHANNELS[channel]
        scan, m = r["scan"], r["masses_gev"]
        slug = {"K+ -> e+ N": "kp_eN", "K+ -> mu+ N": "kp_muN", "pi+ -> e+ N": "pip_eN"}[channel]
        inputs = [f"N_parent = {r['n_parent_input']:.4g} ({r['n_parent_origin']}); measured from the "
                  f"{ch.normalisation} peak: {r['normalisation']['n_parent_measured']:.4g}",
                  f"card {card}; selection {ch.selection}; seed {seed}; candidates: {r['candidates_origin']}",
                  f"peak scan in {ch.column} (window +-{cfg.window:g} sigma, {r['calculator']} CLs); "
                  f"model {ch.model} (kaonportal.models), N surviving the detector"]
        files.append(write_curve(out_dir / "curves" / f"hnl_{slug}_br.csv",
                                 f"upper limit on BR({channel}) versus m_N", "m_N in GeV/c^2; BR dimensionless", cfg.cl,
                                 inputs, {"m_n_gev": m, "ses": r["ses"], "background_in_window": r["background"],
                                          "background_mc_error": r["background_mc_error"],
                                          "n_observed": scan.n_observed, "br_ul_observed": scan.observed_limit,
                                          **{f"br_ul_expected_{k}": scan.expected[k] for k in BANDS},
                                          "local_significance": scan.local_significance}))
        lep = "e" if ch.lepton == "e+" else r"\mu"
        files.append(write_curve(out_dir / "curves" / f"hnl_{slug}_U2.csv",
                                 f"upper limit on |U_{ch.lepton[:-1]}4|^2 from {channel} (model {ch.model})",
                                 "m_N in GeV/c^2; |U|^2 dimensionless", cfg.cl, inputs,
                                 {"m_n_gev": m, "u2_ul_observed": r["u2"]["observed"],
                                  **{f"u2_ul_expected_{k}": r["u2"][k] for k in BANDS}}))
        pub = []
        for name in ch.published:
            pm, pl, _ = _published_u2(name)
            pub.append((name.replace("_", " "), pm, pl))
        files += plot_limit_curves(out_dir / "plots" / f"hnl_{slug}_U2", m, r["u2"]["observed"],
                                   {k: r["u2"][k] for k in BANDS}, xlabel=r"$m_N$ [GeV/$c^2$]",
                                   ylabel=rf"$|U_{{{lep}4}}|^2$ upper limit (90% CL)",
                                   title=f"{channel}: this run (N = {r['n_parent_input']:.3g}) vs published",
                                   published=pub)
        pm, pl, psrc = _published_u2(ch.published[0])
        ratio = np.interp(m, pm, pl, left=np.nan, right=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = r["u2"]["median"] / ratio
        summary[channel] = {
            "mass_range_gev": list(ch.mass_range), "n_masses": int(len(m)), "n_parent_input": r["n_parent_input"],
            "n_parent_origin": r["n_parent_origin"], "normalisation": r["normalisation"],
            "signal_acceptance": {"mass_gev": r["signal_shape"]["mass_gev"], "acceptance": r["signal_shape"]["acceptance"],
                                  "sigma_m2": r["signal_shape"]["sigma_m2"]},
            "background_per_source_in_scan_range": r["background_per_source_in_range"],
            "candidates": r["candidates_origin"], "n_candidates": r["n_candidates"],
            "max_local_significance": float(np.nanmax(scan.local_significance)),
            "max_excess_mass_gev": math.sqrt(max(scan.max_excess_mass, 0.0)),
            "global_significance": scan.global_significance, "global_method": scan.global_method,
            "u2_expected_median_range": [float(np.nanmin(r["u2"]["median"])), float(np.nanmax(r["u2"]["median"]))],
            "u2_observed_range": [float(np.nanmin(r["u2"]["observed"])), float(np.nanmax(r["u2"]["observed"]))],
            "published_curve": ch.published[0],
            "median_ratio_expected_to_published": float(np.nanmedian(ratio)) if np.any(np.isfinite(ratio)) else None}
    return {"channels": summary, "card": card, "seed": seed, "files": files, "status": "done"}
