"""The K+ -> pi+ nu nubar section of ``kaonportal run``: simulation -> selection -> normalisation ->
background budget -> branching ratio, compared with the published NA62 numbers.

Steps (each documented where it is implemented):

1. signal acceptance A_pinunu per pi+ momentum bin (weighted cut flow, ``selection``),
2. K+ -> pi+ pi0 normalisation: A_pipi, the expected control-trigger count N_pipi = N_K BR A_pipi / D
   (Poisson-fluctuated with the run's seed: the "measured" normalisation), N_K back from it,
   and the SES (``normalisation.ses``),
3. background budget per source, simulation and data-driven, plus the upstream model
   (``analyses.pnn_budget``),
4. BR through ``kaonportal.stats.measure``: from the observed count (published by default) and
   from pseudo-data simulated at ``pseudo_data_br``; SM prediction, tension and Grossman-Nir
   bound (``analyses.sm``).
"""

from __future__ import annotations

__all__ = ["PnnSetup", "resolve_pnn", "pnn_section", "pnn_compute", "needed_columns", "sample_card"]

import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .ahead import Ahead
from .pnn_budget.compare import compare_row
from ..constants import BR_K
from ..errors import InputError
from ..normalisation import single_event_sensitivity
from ..selection import column, cut_flow, float_column, region_mask, signal_region_mask
from .config import BACKGROUND_SOURCES
from .pnn_budget import (SourceAccumulator, forced_multiplier, forced_sample_size, sample_options,
                         undecayed_multiplier, upstream_estimate)
from .pnn_setup import PnnSetup, needed_columns, resolve_pnn, sample_card, veto_average_windows  # noqa: F401
from .samples import MissingComponent, SampleCache, card_key, derive_seed, require  # noqa: F401
from .sm import grossman_nir_bound, sm_prediction, tension_sigma

SIGNAL = "K+ -> pi+ nu nubar"
NORMALISATION = "K+ -> pi+ pi0"
# BR of sources not in constants.BR_K: K+ -> pi0 l+ nu is the sum of its two decays (constants.BR_K).


def _upstream(setup: PnnSetup, sel, n_k_eff: float, cal, seed: int) -> dict:
    """The upstream source (``pnn.upstream_model``): mechanisms at the run's beam rate, or the scale model."""
    cfg = setup.config
    if cfg.pnn.upstream_model == "scale":
        up, up_err = upstream_estimate(cal, n_k_eff, setup.beam_rate_mhz)
        return {"source": "upstream", "simulation": up, "simulation_error": up_err,
                "model": "p_up * N_K,eff * R_beam / R_ref (analyses.pnn_budget.upstream)",
                "beam_rate_mhz": setup.beam_rate_mhz, "data_driven": None}
    from ..simulation.pileup import scaled_card
    from .pnn_budget.upstream_physics import upstream_physics
    card = scaled_card(setup.card, setup.beam_rate_mhz / setup.card.run_conditions.beam_rate_mhz)
    r = upstream_physics(card, sel, n_k_eff, cal, cfg.pnn.n_upstream, derive_seed(seed, "upstream"))
    return {"source": "upstream", "simulation": r.value, "simulation_error": r.error,
            "model": "upstream K+ decays + GTK3 interactions matched to accidental beam tracks "
                     "(analyses.pnn_budget.upstream_physics)", "beam_rate_mhz": setup.beam_rate_mhz,
            "data_driven": None, "detail": r.as_dict()}


def _per_bin(cf, events, mask, bins) -> tuple[np.ndarray, np.ndarray]:
    p = float_column(events, "p_track")
    idx = np.digitize(p, bins) - 1
    a = np.zeros(len(bins) - 1)
    e = np.zeros(len(bins) - 1)
    for i in range(len(bins) - 1):
        a[i], e[i] = cf.yield_in(mask & (idx == i))
    return a, e


def branching_ratio(decay: str) -> float:
    """BR of a simulated decay: ``constants.BR_K``, or for the inner-bremsstrahlung samples
    radiative_fraction(E_gamma > generator cut) x BR(non-radiative mode) (``decays.radiative``).

    >>> round(branching_ratio("K+ -> mu+ nu gamma") / branching_ratio("K+ -> mu+ nu"), 4)
    0.0067
    """
    if decay in BR_K:
        return BR_K[decay]
    if decay in ("K+ -> mu+ nu gamma", "K+ -> pi+ pi0 gamma"):
        frac = require("kaonportal.decays.radiative", "radiative_fraction")
        return frac(decay) * BR_K[decay.rsplit(" gamma", 1)[0]]
    raise InputError("pnn.n_background", f"no branching ratio known for {decay!r}")


def _in_bins(events, bins) -> np.ndarray:
    p = float_column(events, "p_track")
    return (p >= bins[0]) & (p < bins[-1])


def _region_row(cf, mask, rid: str, condition: str) -> dict:
    """Cut-flow record for the final m2miss-region requirement."""
    a, e = cf.yield_in(mask)
    prev = cf.rows[-1].cumulative if cf.rows else 1.0
    return {"id": f"region {rid}", "label": f"kinematic region {rid}", "condition": condition,
            "weighted": a * cf.total, "error": e * cf.total, "raw": int(np.count_nonzero(cf.weights[mask])),
            "efficiency": a / prev if prev > 0 else 0.0, "cumulative": a}


def _hist2d(events, weights):
    """Weighted (p_track, m2miss_pi) histogram with variances for the report plot (``report.plots.m2miss_hist``)."""
    from ..report.plots import m2miss_hist
    return m2miss_hist(column(events, "p_track"), column(events, "m2miss_pi"), weights)


def pnn_compute(setup: PnnSetup, samples: SampleCache, progress=None) -> dict:
    """Run the analysis on simulated samples; returns the summary dict and (under ``_plots``) plot data."""
    cfg, sel, bins, cal = setup.config, setup.selection, setup.bins, setup.calibration
    seed = cfg.seed
    z_range = tuple(sel.fiducial_z)
    task = None
    jobs = [(SIGNAL, cfg.pnn.n_signal), (NORMALISATION, cfg.pnn.n_normalisation)]
    # the pi+ pi0 background reuses the normalisation sample when the sizes agree
    jobs += [(d, n) for d, n in cfg.pnn.n_background.items() if not (d == NORMALISATION and n == cfg.pnn.n_normalisation)]
    # forced in-flight-decay samples of the budget (analyses.pnn_budget.FORCED_DECAYS)
    jobs += [(d, forced_sample_size(d, n)) for d, n in cfg.pnn.n_background.items() if forced_sample_size(d, n)]
    def n_parts(n):
        return max(1, -(-int(n) // samples.max_part))

    if progress is not None:
        task = progress.add_task("pnn: simulating", total=sum(n_parts(n) for _, n in jobs))

        def on_part(decay, i, n):
            progress.update(task, advance=1, description=f"pnn: {decay} ({i}/{n})")
        samples.on_part = on_part

    def get(decay, n, label=None, options=None):
        before = len(samples.loaded_from_cache)
        t = samples.get(decay, n, derive_seed(seed, label or decay), z_range, **(options or {}))
        if progress is not None and len(samples.loaded_from_cache) > before:
            progress.update(task, advance=n_parts(n), description=f"pnn: {decay} (cached)")
        return t

    def blocks(decay, n, label=None, options=None):
        """The sample of :func:`get`, one simulation part at a time (``SampleCache.iter_blocks``)."""
        before = len(samples.loaded_from_cache)
        yield from samples.iter_blocks(decay, n, derive_seed(seed, label or decay), z_range, **(options or {}))
        if progress is not None and len(samples.loaded_from_cache) > before:
            progress.update(task, advance=n_parts(n), description=f"pnn: {decay} (cached)")

    needed = dict(cfg.pnn.n_background)
    reuse_norm = NORMALISATION in needed and needed[NORMALISATION] == cfg.pnn.n_normalisation
    veto_windows = veto_average_windows(sel)

    def samples_in_order():
        """The section's samples in the serial order: signal, normalisation, then (source, decay, forced, block)
        per budget block. Iterated through :class:`.ahead.Ahead`: the next part is simulated (and its cache
        file written) while this thread post-processes the current one (issue 17)."""
        yield get(SIGNAL, cfg.pnn.n_signal)
        norm_t = get(NORMALISATION, cfg.pnn.n_normalisation)
        yield norm_t
        if not reuse_norm:
            norm_t = None   # memory: the caller holds it only while it computes the normalisation
        for source, decays in BACKGROUND_SOURCES.items():
            for dcy in (d for d in decays if d in needed):
                n_forced = forced_sample_size(dcy, needed[dcy])
                if n_forced:
                    for block in blocks(dcy, n_forced, label=dcy + "/forced-decays", options={"force_decays": True}):
                        yield source, dcy, True, block
                if dcy == NORMALISATION and reuse_norm:
                    yield source, dcy, False, norm_t
                    norm_t = None
                    continue
                # with the budget's simulation options (veto averaging, analyses.pnn_budget.VETO_AVERAGE)
                opts = sample_options(dcy)
                if opts.get("veto_average") and veto_windows:   # only inside the windows before the veto (issue 17)
                    opts["veto_average_where"] = veto_windows
                for block in blocks(dcy, needed[dcy], label=dcy + "/background" if dcy == NORMALISATION else None,
                                    options=opts):
                    yield source, dcy, False, block

    items = Ahead(samples_in_order())
    # the upstream source (its own samples and seeds; ~1 s, mostly one core) runs in this other thread from the
    # moment N_K is known, beside the budget: the section no longer ends with it alone (issue 17)
    with items, ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaonportal-upstream") as side:
        # ---- 1. signal acceptance ------------------------------------------------------------------
        sig = next(items)
        cf_sig = cut_flow(sel, sig)
        sr_sig = signal_region_mask(sel, sig)
        a_sig_bin, a_sig_bin_err = _per_bin(cf_sig, sig, sr_sig, bins)
        a_sig = float(a_sig_bin.sum())        # acceptance inside the momentum bins
        a_sig_err = float(math.sqrt(np.sum(a_sig_bin_err ** 2)))
        if a_sig <= 0:
            raise InputError("selection", f"no simulated signal event passes selection {sel.name!r} in R1/R2")
        acc_regions = {r.id: cf_sig.yield_in(region_mask(sel, sig, r.id))[0] for r in sel.signal_regions()}
        sig_rows = cf_sig.as_records() + [_region_row(cf_sig, sr_sig & _in_bins(sig, bins), "R1+R2",
                                                      "m2miss in R1 or R2, p in the momentum bins")]
        hists = {"signal": _hist2d(sig, cf_sig.weights)}
        del sig         # memory: only the cut-flow weights of the signal are needed further on

        # ---- 2. normalisation ------------------------------------------------------------------------
        br_pipi = BR_K[NORMALISATION]
        norm = next(items)
        ns = sel.normalisation
        cf_norm = cut_flow(sel, norm, skip=ns.skip)
        reg_norm = region_mask(sel, norm, ns.region)
        a_pipi_bin, a_pipi_bin_err = _per_bin(cf_norm, norm, reg_norm, bins)
        norm_rows = cf_norm.as_records() + [_region_row(cf_norm, reg_norm & _in_bins(norm, bins), ns.region,
                                                        f"m2miss in the {ns.region} region")]
        del norm        # memory: samples_in_order hands it over again when it is also the pi+ pi0 background
        a_pipi = float(a_pipi_bin.sum())
        if a_pipi <= 0:
            raise InputError("pnn.n_normalisation", "zero normalisation events selected: N_K cannot be measured "
                                                    "(increase n_normalisation)")
        et, ert = setup.eps_trig
        erv, erv_err = setup.eps_rv
        ds = setup.dataset
        if ds.n_k is not None or setup.card.run_conditions.kaon_decays is not None:
            n_k_true = float(ds.n_k[0]) if ds.n_k is not None else float(setup.card.run_conditions.kaon_decays)
            n_k_origin = "dataset N_K" if ds.n_k is not None else "card run_conditions.kaon_decays"
        else:
            # No published N_K: the one that reproduces the published SES with the simulated acceptance.
            n_k_true = 1.0 / (ds.ses[0] * a_sig * et * erv)
            n_k_origin = "published SES / simulated acceptance"
        d = ns.downscaling
        n_pipi_exp = n_k_true * br_pipi * a_pipi_bin / d
        rng = np.random.default_rng(derive_seed(seed, "normalisation-counts"))
        n_pipi_obs = rng.poisson(n_pipi_exp)
        if n_pipi_obs.sum() <= 0:
            raise InputError("pnn.normalisation", "zero normalisation events observed: N_K cannot be measured")
        n_k = float(n_pipi_obs.sum() * d / (br_pipi * a_pipi))
        n_k_err = n_k * math.hypot(1 / math.sqrt(n_pipi_obs.sum()), float(np.sqrt(np.sum(a_pipi_bin_err ** 2))) / a_pipi)
        ses = single_event_sensitivity(n_k, a_sig_bin, et, erv, n_k_error=n_k_err, acceptance_error=a_sig_bin_err,
                                       eps_trig_error=ert, eps_rv_error=erv_err)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_k_bin = np.where(a_pipi_bin > 0, n_pipi_obs * d / (br_pipi * np.where(a_pipi_bin > 0, a_pipi_bin, 1)), 0.0)
            ses_bin = np.where(a_sig_bin > 0, 1.0 / (n_k * a_sig_bin * et * erv), np.inf)
        n_k_eff = n_k * et * erv
        upstream = side.submit(_upstream, setup, sel, n_k_eff, cal, seed)

        # ---- 3. background budget ----------------------------------------------------------------
        # block by block (analyses.pnn_budget.SourceAccumulator): no background sample is held whole (memory)
        accs = {}
        for source, dcy, forced, ev in items:
            if source not in accs:
                accs[source] = SourceAccumulator(source, sel, n_k_eff, cal, bins)
            acc, br = accs[source], branching_ratio(dcy)
            if forced:
                acc.forced_decays.add(dcy)
                acc.add(dcy, ev, br, mult=forced_multiplier(ev), piece=1)
            else:
                n_forced = forced_sample_size(dcy, needed[dcy])
                kin = acc.add(dcy, ev, br, mult=undecayed_multiplier(ev) if n_forced else None, kinematic=True)
                h = _hist2d(ev, kin * br)     # the selection without its weight cuts
                hists[dcy] = h if dcy not in hists else hists[dcy] + h
            del ev      # before the next block is handed over (memory)
    sources = {source: accs[source].finish().as_dict() if source in accs else
               {"source": source, "simulation": None, "note": "not simulated (no sample size in config)"}
               for source in BACKGROUND_SOURCES}
    sources["upstream"] = upstream.result()
    total = sum(v["simulation"] or 0.0 for v in sources.values())
    total_err = math.sqrt(sum((v.get("simulation_error") or 0.0) ** 2 for v in sources.values()))

    # ---- 4. branching ratio ---------------------------------------------------------------------
    sm = sm_prediction(setup.sm_inputs, method=cfg.pnn.sm_method)
    measure = require("kaonportal.stats", "measure")
    StatsDataset = require("kaonportal.stats", "Dataset")
    observed = cfg.pnn.observed if cfg.pnn.observed is not None else ds.observed
    results = {}

    def _measure(name, n_obs, bkg, bkg_lo, bkg_hi, ses_v, ses_e):
        m = measure([StatsDataset(name, int(n_obs), float(bkg), float(ses_v), background_error_low=float(bkg_lo),
                                  background_error_high=float(bkg_hi), ses_error=float(ses_e))])
        out = {"observed": int(n_obs), "background": bkg, "ses": ses_v, "br": float(m.value),
               "br_error_low": float(m.error_low), "br_error_high": float(m.error_high),
               "significance": float(m.significance)}
        out["tension_with_sm_sigma"] = tension_sigma(m.value, m.error_low, m.error_high, sm.value, sm.error)
        out["grossman_nir"] = grossman_nir_bound(max(float(m.value), 0.0), float(m.error_high))
        return out

    if observed is not None:
        results["observed_with_simulated_inputs"] = _measure("pnn-observed", observed, total, total_err, total_err,
                                                              ses.value, ses.error)
        if ds.background_total is not None and ds.ses is not None and cfg.pnn.observed is None:
            bt = ds.background_total
            lo_e, hi_e = (bt[1], bt[2]) if len(bt) > 2 else (bt[1], bt[1])
            results["observed_with_published_inputs"] = _measure("pnn-published", observed, bt[0], lo_e, hi_e,
                                                                 ds.ses[0], ds.ses[1])
    if cfg.pnn.pseudo_data_br is not None:
        mu = cfg.pnn.pseudo_data_br / ses.value + total
        n_pd = int(np.random.default_rng(derive_seed(seed, "pseudo-data")).poisson(mu))
        r = _measure("pnn-pseudo-data", n_pd, total, total_err, total_err, ses.value, ses.error)
        r["true_br"] = cfg.pnn.pseudo_data_br
        r["expected_events"] = mu
        results["pseudo_data"] = r

    # ---- comparison with the published numbers ---------------------------------------------------
    comparison = []
    for source, est in sources.items():
        pub = ds.backgrounds.get(source)
        # agreement with the published value by rule (pnn_budget.compare): a disagreement is flagged
        comparison.append(compare_row({"source": source, "simulation": est.get("simulation"),
                           "simulation_error": est.get("simulation_error"),
                           "data_driven": est.get("data_driven"), "data_driven_error": est.get("data_driven_error"),
                           "reliability": est.get("reliability"),
                           # the simulation's own diagnostic (rare escapes), kept apart from the agreement verdicts
                           "simulation_diagnostic": est.get("reliability"),
                           "published": pub[0] if pub else None,
                           "published_error_low": pub[1] if pub else None,
                           "published_error_high": (pub[2] if pub and len(pub) > 2 else (pub[1] if pub else None))}))
    summary = {
        "dataset": ds.name, "dataset_description": ds.description, "card": setup.card_name,
        "card_origin": setup.card_origin, "card_overrides": dict(setup.card_overrides), "selection": sel.name,
        "seed": seed, "fiducial_z_m": list(z_range), "momentum_bins_gev": bins,
        "n_simulated": {SIGNAL: cfg.pnn.n_signal, NORMALISATION: cfg.pnn.n_normalisation, **needed},
        "acceptance": {"signal": a_sig, "signal_error": a_sig_err, "signal_per_momentum_bin": a_sig_bin.tolist(),
                       "signal_per_region": acc_regions,
                       "normalisation_pipi": a_pipi, "normalisation_pipi_per_momentum_bin": a_pipi_bin.tolist(),
                       "published_signal": ds.acceptance,
                       # constant factors for what the simulation does not model, with their provenance
                       "efficiency_factors": {c.id: {"value": c.efficiency, "status": c.status, "source": c.source}
                                              for c in sel.cuts if c.kind == "efficiency"}},
        "normalisation": {"n_k": n_k, "n_k_error": n_k_err, "n_k_input": n_k_true, "n_k_input_origin": n_k_origin,
                          "n_k_per_momentum_bin": n_k_bin.tolist(), "downscaling": d,
                          "n_pipi_expected_per_bin": n_pipi_exp.tolist(), "n_pipi_observed_per_bin": n_pipi_obs.tolist(),
                          "br_pipi": br_pipi, "eps_trig": et, "eps_trig_error": ert, "eps_rv": erv, "eps_rv_error": erv_err,
                          "published_n_k": ds.n_k},
        "ses": {**ses.as_dict(), "per_momentum_bin": ses_bin.tolist(), "published": ds.ses},
        "expected_sm_signal": sm.value / ses.value, "expected_sm_signal_published": ds.expected_sm,
        "cutflow_signal": sig_rows, "cutflow_normalisation": norm_rows,
        "backgrounds": sources, "background_total": total, "background_total_error": total_err,
        "background_total_published": ds.background_total, "budget_comparison": comparison,
        "calibration": cal.model_dump(), "branching_ratio": results, "sm_prediction": sm.as_dict(),
        "samples_from_cache": list(samples.loaded_from_cache),
    }
    from .intensity import intensity_summary
    summary["intensity"] = intensity_summary(setup)     # always: the predicted eps_RV and its stated check
    summary["_plots"] = {"hists": hists, "regions": [(r.id, r.windows["m2miss_pi"], r.signal) for r in sel.regions],
                         "momentum_range": sel.momentum_range}
    return summary


def pnn_section(cfg: RunConfig, out_dir: Path, *, setup: PnnSetup | None = None, progress=None,
                cache: bool = True) -> dict:
    """Compute the pnn section and write its plots, tables and HEPData tables under ``out_dir``."""
    from ..report import pnn_report
    setup = setup or resolve_pnn(cfg)
    sim_card = sample_card(setup)
    samples = SampleCache(Path(out_dir) / "cache" if cache else None, sim_card,
                          card_key(sim_card), chunk_blocks=cfg.chunk_blocks, columns=needed_columns(setup.selection))
    summary = pnn_compute(setup, samples, progress=progress)
    plots = summary.pop("_plots")
    summary["files"] = pnn_report(summary, plots, Path(out_dir))
    if cfg.pnn.intensity_projection:     # opt-in: the default outputs do not change
        from .intensity import pnn_projection
        summary["intensity_projection"] = pnn_projection(summary, setup.card, cfg.pnn.intensity_projection,
                                                         cfg.seed, out_dir)
    return summary
