"""pi0 -> invisible with K+ -> pi+ pi0 tagging: a counting experiment on tagged pi0.

Inputs ([NA62:2020pwi], "pi0 -> invisible", JHEP 02 (2021) 201,
arXiv:2010.07644, abstract): N_pi0 = 4e9 tagged pi0, expected background (pi0 -> gamma gamma with
both photons undetected) 10 +22 -8 events, 12 observed, published BR < 4.4e-9 at 90% CL.

Signal: BR(pi0 -> inv) N_pi0 eps_s expected events, i.e. SES = 1 / (N_pi0 eps_s). The signal
efficiency relative to the tag, eps_s, is **not found** in the reference; the default is the card's
random-veto efficiency (the signal must survive the photon veto of the tagged event, whose random
losses the tag count does not contain; status D), overridable as ``signal_efficiency``.

Background cross-check from the simulation: the expected pi0 -> gamma gamma background is
N_pi0 <P(both photons undetected)>_tag, the mean of ``w_photon_veto`` over simulated K+ -> pi+ pi0
events passing the tag selection (the ``pnn-2022`` cuts without the photon veto, in the pi+ pi0
m2miss region: the selection's own normalisation definition).

K+ -> pi+ X in the pi0 region: an X of mass ~m_pi0 escaping detection gives the same signature, with
N_K BR(K+ -> pi+ X) A signal events where pi0 -> inv gives N_K BR(K+ -> pi+ pi0) A BR(pi0 -> inv), so
BR(K+ -> pi+ X) < BR_UL(pi0 -> inv) BR(K+ -> pi+ pi0) for m_X inside the tag window (the paper's
model-independent interpretation, same abstract; the shipped ALPaca curve has 9.06e-10 = 4.4e-9 x 0.2067
at its minimum).

>>> r = pi0_invisible_limits(Pi0InvisibleConfig(), signal_efficiency=1.0)
>>> round(r["observed_limit"] * 1e9, 2), r["observed"]
(3.27, 12)
"""

from __future__ import annotations

__all__ = ["Pi0InvisibleConfig", "pi0_invisible_limits", "tag_background_from_simulation", "pi0_invisible_section"]

import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ...constants import BR_K
from ...detector import load_card
from ...errors import InputError
from ...stats import Dataset, upper_limit
from ..samples import derive_seed
from ..agreement import agreement_of_limit, band_note
from .datasets import SEARCH_DATA, data_used, resolve_card
from .common import (load_search_config, plot_limit_curves, selection_columns, selection_weights, simulate_sample,
                     write_curve)


class Pi0InvisibleConfig(BaseModel):
    """Inputs of the pi0 -> invisible search (defaults: [NA62:2020pwi], JHEP 02 (2021) 201)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    n_pi0_tagged: float = Field(4.0e9, gt=0, description="tagged pi0 ([NA62:2020pwi], ABS)")
    background: float = Field(10.0, ge=0, description="expected pi0 -> gamma gamma background ([NA62:2020pwi], ABS)")
    background_error_low: float = Field(8.0, ge=0, description="[NA62:2020pwi], ABS")
    background_error_high: float = Field(22.0, ge=0, description="[NA62:2020pwi], ABS")
    observed: int | None = Field(12, ge=0, description="observed events ([NA62:2020pwi]); null: pseudo-data from the seed")
    inject: float | None = Field(None, ge=0, description="signal events added to background-only pseudo-data "
                                                         "(injection tests; the configured observed count is then "
                                                         "not used)")
    signal_efficiency: float | None = Field(None, gt=0, le=1, description="eps_s; null: card random-veto efficiency (D)")
    n_scale: float = Field(1.0, gt=0, description="projection: tagged pi0 and background x n_scale "
                                                   "(observed then comes from pseudo-data unless given)")
    cl: float = Field(0.9, gt=0, lt=1)
    method: str = Field("cls", pattern="^(cls|fc)$")
    published_limit: float = Field(4.4e-9, description="BR(pi0 -> inv) < 4.4e-9 at 90% CL ([NA62:2020pwi], ABS)")
    projection_n_pi0: list[float] = Field(default_factory=lambda: [1e8, 3e8, 1e9, 4e9, 1e10, 3e10, 1e11])
    selection: str = "pnn-2022"
    n_sim: int = Field(40_000, ge=1000, description="simulated K+ -> pi+ pi0 for the background cross-check")


def _signal_efficiency(cfg: Pi0InvisibleConfig, card) -> tuple[float, str]:
    if cfg.signal_efficiency is not None:
        return float(cfg.signal_efficiency), "config signal_efficiency"
    return float(card.run_conditions.random_veto_efficiency), "card run_conditions.random_veto_efficiency (D)"


def pi0_invisible_limits(cfg: Pi0InvisibleConfig, signal_efficiency: float, seed: int = 0) -> dict:
    """Observed and expected limits on BR(pi0 -> invisible) from ``cfg`` (counting, kaonportal.stats)."""
    n_pi0 = cfg.n_pi0_tagged * cfg.n_scale
    b, lo, hi = (cfg.background * cfg.n_scale, cfg.background_error_low * cfg.n_scale,
                 cfg.background_error_high * cfg.n_scale)
    observed = cfg.observed if cfg.n_scale == 1.0 and cfg.inject is None else None
    origin = "config (published by default)"
    s_inj = float(cfg.inject or 0.0)
    if observed is None:
        # pseudo-data: Poisson count of the expected background (plus the injected signal events)
        rng = np.random.default_rng(derive_seed(seed, "pi0-invisible pseudo-data"))
        observed = int(rng.poisson(b + s_inj))
        origin = (f"pseudo-data (background + {s_inj:g} injected signal events, seed {seed})" if s_inj
                  else f"pseudo-data (background only, seed {seed})")
    ses = 1.0 / (n_pi0 * signal_efficiency)
    lim = upper_limit([Dataset("pi0-invisible", int(observed), b, ses, background_error_low=lo,
                               background_error_high=hi)], cl=cfg.cl, method=cfg.method)
    return {"n_pi0_tagged": n_pi0, "background": b, "background_error_low": lo, "background_error_high": hi,
            "observed": int(observed), "observed_origin": origin, "signal_efficiency": signal_efficiency, "ses": ses,
            "injected_signal": s_inj, "injected_br": s_inj * ses,
            "observed_limit": lim.upper_limit, "signal_events_limit": lim.signal_events_limit,
            "expected_limit": lim.expected, "cl": cfg.cl, "method": cfg.method, "calculator": lim.calculator}


def tag_background_from_simulation(cfg: Pi0InvisibleConfig, card, seed: int, n: int) -> dict:
    """Mean probability that both photons of a tagged pi0 escape (simulation) and the implied background."""
    from ...selection import load_selection
    sel = load_selection(cfg.selection)
    ev = simulate_sample("K+ -> pi+ pi0", n, seed, card, sel.fiducial_z,
                         columns=selection_columns(sel, ["w_photon_veto"]))
    ns = sel.normalisation
    w, _ = selection_weights(sel, ev, region=ns.region, skip=ns.skip)
    if w.sum() <= 0:
        raise InputError("n_sim", "no simulated K+ -> pi+ pi0 event passes the tag selection; increase n_sim")
    pv = ev["w_photon_veto"]
    ineff = float(np.sum(w * pv) / np.sum(w))
    err = float(math.sqrt(np.sum((w * (pv - ineff)) ** 2)) / np.sum(w))
    return {"photon_pair_inefficiency": ineff, "photon_pair_inefficiency_error": err,
            "background_predicted": ineff * cfg.n_pi0_tagged * cfg.n_scale, "n_simulated": n,
            "tag_selection": f"{sel.name} without {', '.join(ns.skip)}, region {ns.region}"}


def pi0_invisible_section(out_dir: Path, *, card: str | None = None, seed: int = 0, quick: bool = False,
                          config=None) -> dict:
    """Run the search; write plots and curves under ``out_dir``; return the summary dict. ``card``: the run's
    card override, else the 2017-data card (:mod:`.datasets`)."""
    cfg = load_search_config(Pi0InvisibleConfig, config)
    card, card_origin = resolve_card("pi0-invisible", card)
    card_obj = load_card(card)
    eff, eff_origin = _signal_efficiency(cfg, card_obj)
    out_dir = Path(out_dir)
    res = pi0_invisible_limits(cfg, eff, seed)
    res["signal_efficiency_origin"] = eff_origin
    res["published_limit"] = cfg.published_limit
    res["ratio_to_published"] = res["observed_limit"] / cfg.published_limit
    # rule of analyses.agreement: the published limit inside the expected +-2 sigma band
    res.update(agreement_of_limit(res["expected_limit"]["median"], cfg.published_limit,
                                  res["expected_limit"]["minus2"], res["expected_limit"]["plus2"],
                                  f"signal efficiency {eff:g} ({eff_origin}); the paper's value not found"))
    # projection: expected limit versus the number of tagged pi0 (background scales with N_pi0)
    proj = {k: [] for k in ("minus2", "minus1", "median", "plus1", "plus2")}
    ns = np.asarray(cfg.projection_n_pi0, float)
    for n in ns:
        scale = n / cfg.n_pi0_tagged
        c = cfg.model_copy(update={"n_scale": scale})
        r = pi0_invisible_limits(c, eff, seed)
        for k in proj:
            proj[k].append(r["expected_limit"][k])
    inputs = [f"N_pi0 = {cfg.n_pi0_tagged:g} x {cfg.n_scale:g}; background {cfg.background:g} "
              f"+{cfg.background_error_high:g} -{cfg.background_error_low:g} ([NA62:2020pwi; CortinaGil:2019nuo])",
              f"signal efficiency {eff:g} ({eff_origin}); method {cfg.method}; seed {seed}",
              f"data: {SEARCH_DATA['pi0-invisible'].period}; card {card} ({card_origin}); selection {cfg.selection}"]
    files = [write_curve(out_dir / "curves" / "pi0_invisible_limit.csv",
                         "upper limit on BR(pi0 -> invisible): observed (this run's count) and expected bands, "
                         "next to the published limit", "counts; BR dimensionless", cfg.cl,
                         [*inputs, f"observed: {res['observed_origin']}",
                          f"published: BR < {cfg.published_limit:g} (JHEP 02 (2021) 201, [NA62:2020pwi; CortinaGil:2019nuo])",
                          band_note("the published limit", res["agreement"])],
                         {"n_pi0_tagged": [res["n_pi0_tagged"]], "ses": [res["ses"]],
                          "background": [res["background"]], "n_observed": [res["observed"]],
                          "br_ul_observed": [res["observed_limit"]],
                          **{f"br_ul_expected_{k}": [res["expected_limit"][k]] for k in proj},
                          "br_ul_published": [cfg.published_limit]}),
             write_curve(out_dir / "curves" / "pi0_invisible_expected_vs_npi0.csv",
                         "expected 90% CL upper limit on BR(pi0 -> invisible) versus the number of tagged pi0 "
                         "(background scaled with N_pi0)", "N_pi0 tagged (count); BR dimensionless", cfg.cl, inputs,
                         {"n_pi0_tagged": ns, **{f"br_ul_expected_{k}": proj[k] for k in proj}})]
    m_lo, m_hi = _tag_mass_window(cfg.selection)
    br_kpix = res["observed_limit"] * BR_K["K+ -> pi+ pi0"]
    res["kpix_pi0_region"] = {"m_x_gev": [m_lo, m_hi], "br_ul": br_kpix,
                              "formula": "BR_UL(pi0 -> inv) x BR(K+ -> pi+ pi0)"}
    files.append(write_curve(out_dir / "curves" / "kpix_pi0_region_from_pi0_invisible.csv",
                             "90% CL upper limit on BR(K+ -> pi+ X), X invisible (stable), in the pi0 tag window, "
                             "= BR_UL(pi0 -> inv) x BR(K+ -> pi+ pi0)", "m_X in GeV/c^2; BR dimensionless", cfg.cl,
                             inputs, {"m_x_gev": [m_lo, m_hi], "br_ul_observed": [br_kpix, br_kpix]}))
    files += plot_limit_curves(out_dir / "plots" / "pi0_invisible_projection", ns, None, proj,
                               xlabel=r"tagged $\pi^0$", ylabel=r"BR($\pi^0\to$ invisible) UL (90% CL)",
                               title="pi0 -> invisible: expected limit versus tagged pi0 (this run) and the "
                                     "published limit",
                               published=[("NA62 JHEP 02 (2021) 201 (4e9 tagged)", [cfg.n_pi0_tagged],
                                           [cfg.published_limit])], logx=True)
    n_sim = max(4000, cfg.n_sim // 10) if quick else cfg.n_sim
    res["background_simulation"] = tag_background_from_simulation(cfg, card, seed, n_sim)
    res["files"] = files
    res.update({"dataset": SEARCH_DATA["pi0-invisible"].period, "card": card, "card_origin": card_origin,
                "selection": cfg.selection, "n_k": None,
                "data_used": data_used(SEARCH_DATA["pi0-invisible"].period, card,
                                       f"n/a ({cfg.n_pi0_tagged * cfg.n_scale:.3g} tagged pi0)", cfg.selection)})
    res["status"] = "done"
    return res


def _tag_mass_window(selection: str) -> tuple[float, float]:
    from ...selection import load_selection
    sel = load_selection(selection)
    lo, hi = sel.region(sel.normalisation.region).windows["m2miss_pi"]
    return math.sqrt(max(lo, 0.0)), math.sqrt(hi)
