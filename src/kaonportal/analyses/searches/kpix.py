"""K+ -> pi+ X, X invisible: a peak scan in m2miss on the K+ -> pi+ nu nubar selection.

Method (NA62 JHEP 03 (2021) 058, JHEP 06 (2021) 093, JHEP 11 (2025) 143; [NA62:2021kpix17; NA62:2021zjw; NA62:2025upx]):

* mass ranges 0-110 and 154-260 MeV/c^2 ([NA62:2021kpix17; NA62:2021zjw; NA62:2025upx]), scanned as hypotheses m_X^2 in ``m2miss_pi`` inside the
  pnn signal regions R1/R2 (selection ``pnn-2022`` by default);
* SES(m_X) = 1 / (N_K A_X(m_X) eps_trig eps_RV) (normalisation.ses formula; N_K, eps_trig, eps_RV of the
  dataset, ``analyses/config`` datasets.yaml; default ``pnn-2016-22``, the 2021-22 inputs
  ([NA62:2024pjp]) with N_K scaled to the 2016-22 exposure of the published curve it is compared with, and the 2016-22
  background total), with the acceptance A_X in R1+R2. Card and selection: the dataset's (``pnn-2017``:
  na62-2018 and pnn-2017), unless the run's top-level ``card:`` overrides the card (:mod:`.datasets`). A dataset
  published only through its SES (``pnn-2017``: 3.89e-11, JHEP 11 (2020) 042) is normalised through it:
  N_K eps_trig eps_RV = 1 / (SES_pnn A_pnn) with A_pnn the simulated K+ -> pi+ nu nubar acceptance in R1+R2,
  so SES(m_X) = SES_pnn A_pnn / A_X(m_X) (summary ``n_k``, ``n_k_origin``, ``ses_pnn``);
  and the Gaussian width sigma(m_X) of the m2miss peak (half the 16-84 % interval) from simulated
  K+ -> pi+ X at a few masses per range, interpolated linearly inside each range;
* X lifetime: an X decaying before the end of the detector (MUV3 plane, card geometry) is vetoed or
  changes the signature, so the signal is weighted per event by the survival probability
  P = exp(-L m_X / (|p_X| c tau)) along its flight path L from the true vertex to the MUV3 plane
  (exponential decay law, e.g. :func:`kaonportal.kinematics.reach_probability`); SES(m, tau) = SES(m) / <P>;
* background: SM K+ -> pi+ nu nubar (BR from ``constants.BR_K``; simulated m2miss shape) plus the dataset's
  published background total (18 +3 -2 for 2016-22, 11.0 +2.1 -1.9 for 2021-22) spread **uniformly in m2miss
  over R1+R2** (approximation: the per-source shapes inside the signal regions are not published);
* observed limits from a candidate list: pseudo-data (Poisson draws of the background model, seed) by
  default, or a user CSV file with an ``m2miss`` column (GeV^2/c^4; config ``candidates_file``, checked by
  :func:`check_kpix_inputs` before anything is simulated).

>>> MASS_RANGES
((0.0, 0.11), (0.154, 0.26))
"""

from __future__ import annotations

__all__ = ["KpixConfig", "MASS_RANGES", "M2MISS_ALLOWED", "check_kpix_inputs", "signal_model", "kpix_scan",
           "kpix_section"]

import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ...constants import BR_K, C_M_PER_S
from ...detector import load_card
from ...errors import InputError
from ...report.style import PI0_GAP_GEV, published_label
from ...published import load_curve
from ...reco.smearing import unit_vector
from ...selection import load_selection, signal_region_mask   # R1 or R2 of the pnn selection
from ...stats import peak_scan
from ..config import dataset_card, get_dataset
from ..samples import derive_seed
from ..agreement import agreement_of_curve, band_note
from .datasets import data_used, resolve_card
from .common import (M2MISS_ALLOWED_K, check_inject, check_mass_grid, inject_pair_problem, load_search_config, mass_grid, plot_limit_curves,
                     read_candidates, selection_columns, selection_weights, simulate_sample, use_sample_cache,
                     weighted_quantile, write_curve)

MASS_RANGES = ((0.0, 0.110), (0.154, 0.260))   # GeV, [NA62:2021kpix17; NA62:2021zjw; NA62:2025upx] (S002; JHEP 11 (2025) 143)
M2MISS_ALLOWED = M2MISS_ALLOWED_K     # allowed candidate m2miss (GeV^2/c^4): common.M2MISS_ALLOWED_K
BANDS = ("minus2", "minus1", "median", "plus1", "plus2")
_TRUTH = ("true_p_beam", "true_beam_dxdz", "true_beam_dydz", "true_p_track", "true_track_dxdz",
          "true_track_dydz", "true_vertex_z")


class KpixConfig(BaseModel):
    """Configuration of the K+ -> pi+ X (invisible) scan."""

    model_config = ConfigDict(extra="forbid")
    dataset: str = Field("pnn-2016-22", description="named dataset (analyses/config datasets.yaml); the default is the 2016-22 exposure of the published curve it is compared with")
    selection: str | None = Field(None, description="null: the dataset's selection")
    n_k_scale: float = Field(1.0, gt=0, description="projections: N_K and the background budget x n_k_scale")
    mass_step: float = Field(0.002, gt=0, description="scan step (GeV)")
    masses: list[float] | None = Field(None, description="explicit mass hypotheses (GeV)")
    n_signal_masses: int = Field(6, ge=2, description="simulated masses per range")
    n_signal: int = Field(20_000, ge=1000)
    n_sm: int = Field(60_000, ge=2000, description="simulated K+ -> pi+ nu nubar for the SM background shape")
    lifetimes_ns: list[float] = Field(default_factory=lambda: [0.1, 1.0, 10.0],
                                      description="proper lifetimes of X (ns, > 0) besides the stable case")
    window: float = Field(1.5, gt=0)
    cl: float = Field(0.9, gt=0, lt=1)
    candidates_file: str | None = Field(None, description="observed candidates: CSV (.csv/.txt) with an m2miss "
                                        "column (GeV^2/c^4); relative paths from the working directory; null: "
                                        "pseudo-data")
    inject: list[float] | None = Field(None, description="[mass GeV, signal events] added to the pseudo-data")
    ntoys: int = Field(0, ge=0)

    @field_validator("lifetimes_ns")
    @classmethod
    def _positive_lifetimes(cls, v):
        for i, t in enumerate(v):
            if not (math.isfinite(t) and t > 0):
                raise ValueError(f"lifetimes_ns[{i}] must be a finite lifetime > 0 ns, got {t!r}")
        return v

    @field_validator("inject")
    @classmethod
    def _inject_pair(cls, v):
        # refused when the config is loaded, with the check check_kpix_inputs repeats (common.check_inject)
        problem = None if v is None else inject_pair_problem(v)
        if problem:
            raise ValueError(problem)
        return v


def check_kpix_inputs(cfg: KpixConfig) -> np.ndarray | None:
    """Validate what the configuration points at before anything is simulated: dataset and selection
    names, the mass grid and the injected mass inside :data:`MASS_RANGES`, the candidate file readable
    with finite ``m2miss`` in :data:`M2MISS_ALLOWED`; ``inject`` together with ``candidates_file`` is refused
    (injected signal goes into the pseudo-data the file replaces). Returns the user candidates (``None``:
    pseudo-data).

    >>> check_kpix_inputs(KpixConfig(masses=[0.13]))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: masses[0]: 0.13 GeV is outside the allowed range(s) [0, 0.11] or [0.154, 0.26] GeV
    """
    ds = get_dataset(cfg.dataset)                  # unknown names: InputError listing the known ones
    load_selection(cfg.selection or ds.selection)
    if cfg.masses is not None:
        check_mass_grid("masses", cfg.masses, MASS_RANGES)
    if cfg.inject is not None:
        check_inject("inject", cfg.inject, MASS_RANGES, with_candidates=cfg.candidates_file is not None)
    if cfg.candidates_file is None:
        return None
    return read_candidates(cfg.candidates_file, "m2miss", allowed=M2MISS_ALLOWED, field="candidates_file")


def survival(ev: dict, m_x: float, tau_s: float, z_end: float) -> np.ndarray:
    """Per-event probability that X (mass ``m_x`` GeV, proper lifetime ``tau_s``) does not decay before ``z_end``."""
    if not math.isfinite(tau_s) or m_x <= 0:
        return np.ones(len(ev["true_vertex_z"]))
    pk = ev["true_p_beam"][:, None] * unit_vector(ev["true_beam_dxdz"], ev["true_beam_dydz"])
    ppi = ev["true_p_track"][:, None] * unit_vector(ev["true_track_dxdz"], ev["true_track_dydz"])
    px = pk - ppi
    p = np.linalg.norm(px, axis=1)
    cos = np.clip(px[:, 2] / np.where(p > 0, p, 1.0), 1e-6, 1.0)
    path = np.maximum(z_end - ev["true_vertex_z"], 0.0) / cos
    decay_length = p / m_x * C_M_PER_S * tau_s
    return np.exp(-path / np.where(decay_length > 0, decay_length, 1e-300))


def signal_model(sel, masses, n: int, seed: int, card, lifetimes_s, z_end: float) -> dict:
    """Acceptance in R1+R2 (per K+ decay in the FV) versus mass and lifetime, and sigma(m2miss)."""
    acc = np.zeros((len(masses), 1 + len(lifetimes_s)))
    sig = np.zeros(len(masses))
    for i, m in enumerate(masses):
        ev = simulate_sample("K+ -> pi+ X", n, seed, card, sel.fiducial_z, mass=float(m),
                             columns=selection_columns(sel, _TRUTH + ("m2miss_pi",)))
        w, total = selection_weights(sel, ev)
        w = np.where(signal_region_mask(sel, ev), w, 0.0)
        acc[i, 0] = w.sum() / total
        for j, tau in enumerate(lifetimes_s):
            acc[i, j + 1] = np.sum(w * survival(ev, float(m), tau, z_end)) / total
        q16, q84 = weighted_quantile(ev["m2miss_pi"] - m * m, w, [0.16, 0.84])
        sig[i] = 0.5 * (q84 - q16)
    if np.any(acc[:, 0] <= 0) or not np.all(np.isfinite(sig)):
        raise InputError("n_signal", "a simulated K+ -> pi+ X mass has no event in R1/R2; increase n_signal")
    return {"mass_gev": np.asarray(masses, float), "acceptance": acc, "sigma_m2": sig}


def _interp_in_ranges(m, xs, ys):
    out = np.empty(len(m))
    for lo, hi in MASS_RANGES:
        sel = (m >= lo - 1e-12) & (m <= hi + 1e-12)
        k = (xs >= lo - 1e-12) & (xs <= hi + 1e-12)
        out[sel] = np.interp(m[sel], xs[k], ys[k])
    return out


def _exposure(ds, card_obj, acc_pnn: float, et: float, erv: float) -> tuple[float, str]:
    """N_K of the dataset (K+ decays in the FV) and where it comes from: the published N_K; else, for a
    dataset published only through its SES (pnn-2017: SES = 1 / (N_K A_pnn eps_trig eps_RV), JHEP 11 (2020)
    042), the N_K that reproduces that SES with this run's simulated K+ -> pi+ nu nubar acceptance ``acc_pnn``
    in R1+R2 (so the K+ -> pi+ X SES is SES_pnn x A_pnn / A_X, as in JHEP 03 (2021) 058); else the card's."""
    if ds.n_k:
        return float(ds.n_k[0]), f"published N_K of {ds.name}"
    if ds.ses:
        if acc_pnn <= 0:
            raise InputError("n_sm", "no simulated K+ -> pi+ nu nubar event in R1/R2: the published SES cannot "
                                     "be turned into an exposure; increase n_sm")
        return 1.0 / (ds.ses[0] * acc_pnn * et * erv), (
            f"from the published SES {ds.ses[0]:.3g} of {ds.name} and the simulated K+ -> pi+ nu nubar "
            f"acceptance {acc_pnn:.4g} in R1+R2")
    if card_obj.run_conditions.kaon_decays:
        return float(card_obj.run_conditions.kaon_decays), f"card {card_obj.name} run_conditions.kaon_decays"
    raise InputError("dataset", f"{ds.name!r} gives neither N_K nor a published SES, and card {card_obj.name!r} "
                                "has no kaon_decays")


def kpix_scan(cfg: KpixConfig, card, seed: int, quick: bool = False) -> dict:
    """Expected and observed BR(K+ -> pi+ X) limits versus m_X (stable X and each lifetime)."""
    user_candidates = check_kpix_inputs(cfg)
    ds = get_dataset(cfg.dataset)
    sel = load_selection(cfg.selection or ds.selection)
    if card is None:
        # the dataset's card with its card_overrides (config.dataset_card): simulated as the object if overridden
        card_obj, card, card_origin = dataset_card(ds)
        card = card_obj if ds.card_overrides else card
    elif isinstance(card, (str, Path)):
        # the run's top-level card, used as given (searches.datasets.resolve_card)
        card, card_origin = resolve_card("kpix", card, default=ds.card)
        card_obj = load_card(card)
    else:
        card_obj, card_origin = card, "card object given by the caller"
    if cfg.masses is not None:
        masses = check_mass_grid("masses", cfg.masses, MASS_RANGES)
    else:
        masses = mass_grid(MASS_RANGES, cfg.mass_step * (2.5 if quick else 1.0))
    masses = np.sort(masses)
    et = ds.eps_trig[0] if ds.eps_trig else card_obj.run_conditions.trigger_efficiency_pnn
    erv = ds.eps_rv[0] if ds.eps_rv else card_obj.run_conditions.random_veto_efficiency
    z_end = card_obj.geometry.muv3.z
    taus = [t * 1e-9 for t in cfg.lifetimes_ns]
    f = 0.25 if quick else 1.0
    n_sig, n_sm = max(1000, int(cfg.n_signal * f)), max(2000, int(cfg.n_sm * f))
    n_per = max(2, cfg.n_signal_masses // (2 if quick else 1))
    sim_m = np.concatenate([np.linspace(lo, hi, n_per) for lo, hi in MASS_RANGES])
    shape = signal_model(sel, sim_m, n_sig, seed, card, taus, z_end)
    acc = np.stack([_interp_in_ranges(masses, sim_m, shape["acceptance"][:, j])
                    for j in range(shape["acceptance"].shape[1])], axis=1)
    s2 = _interp_in_ranges(masses, sim_m, shape["sigma_m2"])
    # --- SM K+ -> pi+ nu nubar: background shape and, for an SES-normalised dataset, the exposure ----------
    sm = simulate_sample("K+ -> pi+ nu nubar", n_sm, seed, card, sel.fiducial_z,
                         columns=selection_columns(sel, ["m2miss_pi"]))
    w_sm, total_sm = selection_weights(sel, sm)
    in_sr = signal_region_mask(sel, sm) & (w_sm > 0)
    acc_pnn = float(w_sm[in_sr].sum() / total_sm)
    n_k, n_k_origin = _exposure(ds, card_obj, acc_pnn, et, erv)
    n_k *= cfg.n_k_scale
    ses = 1.0 / (n_k * acc * et * erv)             # (M, 1 + n_tau)
    # --- background model ------------------------------------------------------------------------
    x_sm = sm["m2miss_pi"][in_sr]
    ev_sm = n_k * et * erv * BR_K["K+ -> pi+ nu nubar"] * w_sm[in_sr] / total_sm
    order = np.argsort(x_sm)
    x_sm, ev_sm = x_sm[order], ev_sm[order]
    sr = [r.windows["m2miss_pi"] for r in sel.signal_regions()]
    sr_width = sum(hi - lo for lo, hi in sr)
    bt = ds.background_total or [0.0, 0.0]
    b_budget = bt[0] * cfg.n_k_scale
    b_budget_err = 0.5 * (bt[1] + (bt[2] if len(bt) > 2 else bt[1])) * cfg.n_k_scale
    wlo, whi = masses ** 2 - cfg.window * s2, masses ** 2 + cfg.window * s2
    cum = np.concatenate([[0.0], np.cumsum(ev_sm)])
    b_sm = cum[np.searchsorted(x_sm, whi)] - cum[np.searchsorted(x_sm, wlo)]
    overlap = sum(np.clip(np.minimum(whi, hi) - np.maximum(wlo, lo), 0.0, None) for lo, hi in sr) / sr_width
    b = b_sm + b_budget * overlap
    b_err = b_budget_err * overlap
    # --- candidates ------------------------------------------------------------------------------------
    rng = np.random.default_rng(derive_seed(seed, "kpix pseudo-data"))
    if user_candidates is not None:
        cand = user_candidates
        origin = cfg.candidates_file
    else:
        n1 = rng.poisson(ev_sm.sum())
        c_sm = rng.choice(x_sm, size=n1, p=ev_sm / ev_sm.sum()) if n1 and len(x_sm) else np.zeros(0)
        n2 = rng.poisson(b_budget)
        lens = np.array([hi - lo for lo, hi in sr])
        k = rng.choice(len(sr), size=n2, p=lens / lens.sum())
        c_b = np.array([sr[i][0] for i in k]) + rng.random(n2) * lens[k]
        cand = np.concatenate([c_sm, c_b])
        origin = f"pseudo-data (SM + budget, seed {seed})"
        if cfg.inject is not None:
            m0 = float(check_mass_grid("inject", [cfg.inject[0]], MASS_RANGES)[0])
            ns = rng.poisson(float(cfg.inject[1]))
            sig0 = float(_interp_in_ranges(np.array([m0]), sim_m, shape["sigma_m2"])[0])
            cand = np.concatenate([cand, m0 * m0 + sig0 * rng.standard_normal(ns)])
            origin += f", injected {cfg.inject[1]:g} events at m_X = {m0:g} GeV"
    scans = {}
    labels = ["stable"] + [f"tau_{t:g}ns" for t in cfg.lifetimes_ns]
    for j, lab in enumerate(labels):
        scans[lab] = peak_scan(masses ** 2, candidates=cand, resolution=s2, background=b, background_error=b_err,
                               ses=ses[:, j], window=cfg.window, cl=cfg.cl, calculator="exact", n_jobs=1,
                               ntoys=cfg.ntoys, seed=seed,
                               scan_range=(sr[0][0], sr[-1][1]) if cfg.ntoys else None,
                               background_density=(lambda x: np.full_like(x, b_budget / sr_width)) if cfg.ntoys else None)
    return {"masses_gev": masses, "ses": ses, "acceptance": acc, "sigma_m2": s2, "background": b,
            "background_sm": b_sm, "background_budget": b_budget * overlap, "background_error": b_err,
            "scans": scans, "labels": labels, "candidates": cand, "candidates_origin": origin, "n_k": n_k,
            "eps_trig": et, "eps_rv": erv, "dataset": ds.name, "selection": sel.name,
            "card": getattr(card_obj, "name", str(card)), "card_origin": card_origin, "n_k_origin": n_k_origin,
            "acceptance_pnn": acc_pnn,
            "signal_shape": shape, "expected_sm_events": float(ev_sm.sum()), "budget": b_budget}


def kpix_section(out_dir: Path, *, card: str | None = None, seed: int = 0, quick: bool = False, config=None) -> dict:
    """Run the scan; write BR-limit curves (stable X and lifetimes) and the comparison plot. The simulated
    samples are kept as Parquet in ``out_dir/cache`` (:func:`.common.use_sample_cache`): a second run
    (an interrupted one resumed) reads them instead of simulating again."""
    cfg = load_search_config(KpixConfig, config)
    out_dir = Path(out_dir)
    with use_sample_cache(out_dir / "cache") as store:
        r = kpix_scan(cfg, card, seed, quick)
    m = r["masses_gev"]
    st = r["scans"]["stable"]
    card = r["card"]
    inputs = [f"dataset {r['dataset']} (N_K = {r['n_k']:.4g} {r['n_k_origin']}, eps_trig {r['eps_trig']:g}, "
              f"eps_RV {r['eps_rv']:g}; [Blazek:2025patras]; analyses/config datasets.yaml)",
              f"selection {r['selection']}; card {card} ({r['card_origin']}); seed {seed}",
              f"background: SM K+ -> pi+ nu nubar (simulated shape) + budget {r['budget']:.3g} uniform in R1+R2",
              f"candidates: {r['candidates_origin']}"]
    pub = load_curve("NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca")
    tau_col = pub.columns["tau_ps"]
    sel_pub = (tau_col == tau_col.max()) & np.isfinite(pub.limit)
    pub_m = np.interp(m, pub.mass_gev[sel_pub], pub.limit[sel_pub])
    ratio = st.expected["median"] / pub_m
    agree = agreement_of_curve(st.expected, pub_m, f"dataset {r['dataset']} against the 2016-22 curve; background "
                               "budget spread uniformly in m2miss (per-source shapes in R1/R2 not published)")
    # the verdict travels with the curve files, as in the other searches (analyses.agreement)
    inputs.append(band_note(published_label(pub.name, "tau = 10 ns"), agree["agreement"]))
    files = [write_curve(out_dir / "curves" / "kpix_invisible_br_stable.csv",
                         "upper limit on BR(K+ -> pi+ X), X invisible and stable, versus m_X",
                         "m_X in GeV/c^2; BR dimensionless; m2miss in GeV^2/c^4", cfg.cl, inputs,
                         {"m_x_gev": m, "ses": r["ses"][:, 0], "sigma_m2miss": r["sigma_m2"],
                          "background_in_window": r["background"], "n_observed": st.n_observed,
                          "br_ul_observed": st.observed_limit, **{f"br_ul_expected_{k}": st.expected[k] for k in BANDS},
                          "local_significance": st.local_significance})]
    rows = {"m_x_gev": [], "tau_ns": [], "ses": [], "br_ul_observed": [],
            **{f"br_ul_expected_{k}": [] for k in BANDS}}
    for j, lab in enumerate(r["labels"][1:], start=1):
        sc = r["scans"][lab]
        tau = cfg.lifetimes_ns[j - 1]
        rows["m_x_gev"] += list(m)
        rows["tau_ns"] += [tau] * len(m)
        rows["ses"] += list(r["ses"][:, j])
        rows["br_ul_observed"] += list(sc.observed_limit)
        for k in BANDS:
            rows[f"br_ul_expected_{k}"] += list(sc.expected[k])
    files.append(write_curve(out_dir / "curves" / "kpix_invisible_br_vs_lifetime.csv",
                             "upper limit on BR(K+ -> pi+ X) versus m_X and the proper lifetime of X (decays before "
                             "the MUV3 plane vetoed)", "m_X in GeV/c^2; tau in ns; BR dimensionless", cfg.cl, inputs, rows))
    extra = [(f"observed, tau = {cfg.lifetimes_ns[j - 1]:g} ns", m, r["scans"][lab].observed_limit)
             for j, lab in enumerate(r["labels"][1:], start=1)]
    # split at the gap between the two ranges so that no line is drawn across 110-154 MeV
    gap = np.where(np.diff(m) > 0.02)[0]
    def split(y):
        y = np.array(y, float)
        if gap.size:
            y = np.insert(y, gap[0] + 1, np.nan)
        return y
    mp = split(m)
    files += plot_limit_curves(out_dir / "plots" / "kpix_invisible_br", mp, split(st.observed_limit),
                               {k: split(st.expected[k]) for k in BANDS}, xlabel=r"$m_X$ [GeV/$c^2$]",
                               ylabel=r"BR($K^+\to\pi^+X$) upper limit (90% CL)",
                               title=f"K+ -> pi+ X (invisible), {r['dataset']} x{cfg.n_k_scale:g}: this run vs NA62",
                               gaps=(PI0_GAP_GEV,),
                               published=[(published_label(pub.name, r"$\tau = 10$ ns"), pub.mass_gev[sel_pub],
                                           pub.limit[sel_pub])],
                               extra=[(lab, mp, split(y)) for lab, _, y in extra])
    return {"dataset": r["dataset"], "selection": r["selection"], "card": card, "seed": seed, "n_k": r["n_k"],
            "card_origin": r["card_origin"], "n_k_origin": r["n_k_origin"], "acceptance_pnn": r["acceptance_pnn"],
            "ses_pnn": 1.0 / (r["n_k"] * r["acceptance_pnn"] * r["eps_trig"] * r["eps_rv"]),
            "data_used": data_used(r["dataset"], card, r["n_k"], r["selection"]),
            "n_masses": int(len(m)), "mass_ranges_gev": [list(x) for x in MASS_RANGES],
            "expected_sm_events_in_sr": r["expected_sm_events"], "budget_events": r["budget"],
            "n_candidates": int(len(r["candidates"])), "candidates": r["candidates_origin"],
            "ses_range": [float(np.min(r["ses"][:, 0])), float(np.max(r["ses"][:, 0]))],
            "br_ul_expected_median_range": [float(np.min(st.expected["median"])), float(np.max(st.expected["median"]))],
            "br_ul_observed_range": [float(np.min(st.observed_limit)), float(np.max(st.observed_limit))],
            "median_ratio_expected_to_published": float(np.nanmedian(ratio)), **agree,
            "max_local_significance": float(np.max(st.local_significance)),
            "max_excess_mass_gev": math.sqrt(max(st.max_excess_mass, 0.0)),
            "global_significance": st.global_significance, "global_method": st.global_method,
            "lifetimes_ns": cfg.lifetimes_ns, "files": files,
            "samples": {"cache": str(store.cache_dir), "loaded_from_cache": len(store.loaded_from_cache),
                        "simulated": len(store.simulated), "from_memory": len(store.from_memory)},
            "status": "done"}
