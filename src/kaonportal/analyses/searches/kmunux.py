"""K+ -> mu+ nu X (X invisible) and K+ -> mu+ nu nu nubar: counting in the muon missing-mass spectrum.

Published: NA62 PLB 816 (2021) 136259 (published_results.md A5): BR(K+ -> mu+ nu nu nubar) < 1.0e-6 and
BR(K+ -> mu+ nu X) upper limits from O(1e-5) to O(1e-7) for m_X = 10-370 MeV/c^2 (X scalar or vector,
invisible), 90% CL; no curve is shipped.

Method: the single-muon selection of the K+ -> mu+ N search (``hnl-kmu``) and its background model
(:func:`kaonportal.analyses.searches.hnl.background_model`, simulated SM decays as a kernel density in
``m2miss_mu``). The signal is a continuum in m2miss_mu = (P_K - P_mu)^2 >= m_X^2; for each m_X the counting
region is [x_lo, x_max] with x_max = (m_K - m_mu)^2 and x_lo chosen among signal-acceptance quantiles (not
below the K+ -> mu+ nu normalisation region, |m2miss| < 0.01 GeV^2/c^4, PR A6/S004) to minimise the
*expected* limit (the choice never looks at the data). SES = 1 / (N_K A(m_X) eps_trig), N_K from the
K+ -> mu+ nu peak as in :mod:`.hnl`. Counting limits with :func:`kaonportal.stats.upper_limit`.

Signal model: the K+ -> mu+ nu X decays are generated with uniform phase space (:mod:`kaonportal.decays`
generic generator) and reweighted event by event with the scalar or vector matrix element of
:mod:`.muonphilic` (weights in the true q^2 = (P_K - P_mu)^2, column ``true_m2miss``, normalised to phase-space
mean 1, so the weighted sample describes the same number of decays); ``x_models`` selects the models
(``"phase-space"`` keeps the unweighted sample). The same simulated events serve every model, so the limits of
the models differ only through the matrix element. **Approximation**: K+ -> mu+ nu nu nubar keeps flat phase space
(its SM spectrum is not implemented).

Backgrounds: those of :mod:`.hnl` for the muon mode, i.e. K+ -> mu+ nu, K+ -> pi0 mu+ nu, K+ -> pi+ pi0, and
K+ -> mu+ nu gamma (inner bremsstrahlung above 10 MeV with the photon-veto weight: E949 names it as the
major background of their K+ -> mu+ nu nu nubar and K+ -> mu+ nu_H searches, PRD 91 (2015) 052001 and
arXiv:1606.09054 abstracts), each with its accidental beam-track copy (:mod:`.accidentals`, p_mis = 1.3 % x
beam rate / 450 MHz, D): the redrawn GTK track smears the K+ -> mu+ nu peak into the low-m2miss regions.
N_K as the K+ -> mu+ N search (same paper: 2016-18 K+ decays / control-trigger downscaling 400, D).

Card: :func:`kmunux_section` uses the card of the 2016-18 data (``card``, default na62-2018, inputs/hnl.yaml).

Outcome (defaults, card na62-2022, seed 0; no tuning; na62-2018: the same within 5 %, p_mis 1.3 % instead of
1.7 %): expected median limits 6.1e-7 (vector) / 1.9e-7
(scalar) at m_X = 10 MeV falling to 2.0e-8 at 370 MeV; BR(K+ -> mu+ nu nu nubar) < 1.1e-7 expected (before the
K+ -> mu+ nu gamma and accidental backgrounds: 1.4e-7 / 6.3e-8 at 10 MeV, 5.3e-8). Still 5-50x stronger than
the published O(1e-5)-O(1e-7) and 1.0e-6 (0.11x for mu nu nu nubar). What it would take: the counting treats
the simulated background (1e3-5e5 events per region) as exactly known; a relative background uncertainty
delta gives s_up ~ 1.64 sqrt(b + (delta b)^2), and delta ~ 5-10 % would bring all three published numbers within
a factor 2-3 (an estimate, not a fit: NA62's background systematics are not found); beam-halo / upstream
muons are not simulated (no source for their flux and spectra here). The matrix elements act where the
published limits are weakest, at low m_X: the light vector is radiated soft (the conserved L_mu current gives
an eikonal enhancement, as for the photon in K_mu2gamma), its m2miss spectrum piles up towards the
K+ -> mu+ nu peak region, where the accidental K_mu2 background sits, and the acceptance above x_lo drops
from ~0.4 (phase space) to 0.2 at 10 MeV; the scalar stays within ~10 % of phase space up to ~300 MeV and
is harder above.

>>> KMUNUX_MASS_RANGE
(0.01, 0.37)
"""

from __future__ import annotations

__all__ = ["KmunuxConfig", "KMUNUX_MASS_RANGE", "kmunux_limits", "kmunux_section"]

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ...constants import mass as pmass
from ...selection import cut_flow, event_base_weight, load_selection
from ...stats import Dataset, upper_limit
from ..samples import derive_seed
from .common import (check_mass_grid, load_search_config, plot_limit_curves, selection_columns, simulate_sample,
                     weighted_quantile, write_curve)
from .hnl import (CHANNELS, HnlConfig, background_model, channel_mismatch, default_n_parent, normalisation,
                  window_background)
from .lnv import search_inputs
from .muonphilic import q2_weight

KMUNUX_MASS_RANGE = (0.010, 0.370)     # GeV, PR A5 (PLB 816 (2021) 136259 abstract)
BANDS = ("minus2", "minus1", "median", "plus1", "plus2")


class KmunuxConfig(BaseModel):
    """Configuration of the K+ -> mu+ nu X / K+ -> mu+ nu nu nubar counting search."""

    model_config = ConfigDict(extra="forbid")
    masses: list[float] = Field(default_factory=lambda: [round(0.01 + 0.02 * i, 3) for i in range(19)])
    n_parent: float | None = Field(None, gt=0, description="K+ decays; null: as the K+ -> mu+ N search "
                                   "(hnl.default_n_parent: 2016-18 K+ decays / 400, D; same paper, PR A5)")
    n_scale: float = Field(1.0, gt=0)
    n_signal: int = Field(10_000, ge=1000)
    n_background: int = Field(200_000, ge=2000)
    n_normalisation: int = Field(40_000, ge=1000)
    eps_trig: float = Field(1.0, gt=0, le=1)
    x_min: float = Field(0.01, description="lowest m2miss_mu of a counting region (GeV^2/c^4): above the "
                                           "K+ -> mu+ nu peak region |m2miss| < 0.01 (PR A6, S004)")
    published_kmununu: float = Field(1.0e-6, description="BR(K+ -> mu+ nu nu nubar) < 1.0e-6, PR A5 (ABS)")
    published_kmunux_range: tuple[float, float] = Field(
        (1.0e-7, 1.0e-5), description="BR(K+ -> mu+ nu X) ULs 'from O(1e-5) to O(1e-7)' over 10-370 MeV, PR A5 (ABS)")
    x_models: list[Literal["scalar", "vector", "phase-space"]] = Field(
        default_factory=lambda: ["scalar", "vector"], min_length=1,
        description="K+ -> mu+ nu X signal models (matrix elements of .muonphilic, or flat phase space)")
    cl: float = Field(0.9, gt=0, lt=1)
    e_gamma_min: float = Field(default_factory=lambda: float(search_inputs("hnl")["radiative"]["e_gamma_min"]),
                               gt=0, lt=0.2, description="photon-energy cut (GeV, kaon frame) of the K+ -> mu+ nu gamma "
                               "background (inputs/hnl.yaml, D: every radiative event above x_min is generated)")
    card: str | None = Field(default_factory=lambda: search_inputs("hnl")["cards"].get("K+ -> mu+ N"),
                             description="detector card in kmunux_section: that of the 2016-18 data (na62-2018, "
                                         "inputs/hnl.yaml); null: the run's card")
    accidentals: bool = Field(True, description="add the accidental beam-track copy of every background "
                                                "(.accidentals)")
    mismatch: float | None = Field(None, ge=0, le=1, description="K-track mismatch probability; null: 1.3% x beam "
                                   "rate / 450 MHz (.accidentals, inputs/hnl.yaml)")


def _acceptance_in(ev, w, total, lo, hi):
    x = ev["m2miss_mu"]
    return np.sum(np.where((x >= lo) & (x <= hi), w, 0.0)) / total


def _best_region(ev, w, total, kern, lo_candidates, x_max, n_k, eps_trig, cl):
    """Counting region (lowest expected median limit) among the candidate lower edges."""
    best = None
    for lo in lo_candidates:
        a = _acceptance_in(ev, w, total, lo, x_max)
        if a <= 0:
            continue
        b = float(window_background(kern, [lo], [x_max])[0][0])
        ses = 1.0 / (n_k * a * eps_trig)
        lim = upper_limit([Dataset("kmunux", 0, b, ses)], cl=cl)
        if best is None or lim.expected["median"] < best["expected"]["median"]:
            best = {"x_lo": lo, "acceptance": a, "background": b, "ses": ses, "expected": lim.expected}
    return best


def kmunux_limits(cfg: KmunuxConfig, card, seed: int, quick: bool = False) -> dict:
    """Expected and pseudo-data limits on BR(K+ -> mu+ nu X) per mass and on BR(K+ -> mu+ nu nu nubar)."""
    masses = check_mass_grid("masses", cfg.masses, [KMUNUX_MASS_RANGE])
    if quick:
        masses = masses[::3]
    ch = CHANNELS["K+ -> mu+ N"]
    sel = load_selection(ch.selection)
    f = 0.25 if quick else 1.0
    n_sig, n_bkg, n_norm = (max(1000, int(cfg.n_signal * f)), max(2000, int(cfg.n_background * f)),
                            max(2000, int(cfg.n_normalisation * f)))
    if cfg.n_parent is not None:
        n_true, origin = cfg.n_parent * cfg.n_scale, "config n_parent"
    else:
        n_true, origin = default_n_parent("K+ -> mu+ N")
        n_true *= cfg.n_scale
        origin = "as K+ -> mu+ N (same paper): " + origin
    norm = normalisation(ch, n_true, n_norm, seed, card)
    n_k = norm["n_parent_measured"]
    x_max = (pmass("K+") - pmass("mu+")) ** 2
    hcfg = HnlConfig(accidentals=["K+ -> mu+ N"] if cfg.accidentals else [], mismatch=cfg.mismatch)
    p_mis = channel_mismatch("K+ -> mu+ N", hcfg, card)
    bkg = background_model(ch, n_k, n_bkg, seed, card, (cfg.x_min - 0.01, x_max + 0.01),
                           e_gamma_min=cfg.e_gamma_min, mismatch=p_mis)
    cols = selection_columns(sel, ["m2miss_mu"])
    rng = np.random.default_rng(derive_seed(seed, "kmunux pseudo-data"))
    rows = []
    signals = [("K+ -> mu+ nu nu nubar", None, "phase-space")] + [
        ("K+ -> mu+ nu X", float(m), model) for m in masses for model in cfg.x_models]
    for decay, m, model in signals:
        ev = simulate_sample(decay, n_sig, seed, card, sel.fiducial_z, mass=m, columns=cols + ["true_m2miss"])
        base = event_base_weight(ev)
        if model != "phase-space":
            base = base * q2_weight(ev["true_m2miss"], m, model)
        cf = cut_flow(sel, ev, base_weight=base)
        w, total = cf.weights, cf.total
        q = weighted_quantile(ev["m2miss_mu"], w, [0.0, 0.05, 0.1, 0.2, 0.3, 0.5])
        lows = sorted({max(cfg.x_min, float(v)) for v in q if np.isfinite(v) and v < x_max})
        best = _best_region(ev, w, total, bkg["kernels"], lows or [cfg.x_min], x_max, n_k, cfg.eps_trig, cfg.cl)
        if best is None:
            rows.append({"decay": decay, "m_x_gev": m, "model": model, "acceptance": 0.0})
            continue
        n_obs = int(rng.poisson(best["background"]))
        lim = upper_limit([Dataset(decay, n_obs, best["background"], best["ses"])], cl=cfg.cl)
        rows.append({"decay": decay, "m_x_gev": m, "model": model, **best, "observed": n_obs,
                     "observed_limit": lim.upper_limit})
    return {"rows": rows, "n_k": n_k, "n_k_origin": origin, "normalisation": norm, "x_max": x_max,
            "mismatch": p_mis, "background_per_source": bkg["per_source_in_range"]}


def kmunux_section(out_dir: Path, *, card: str = "na62-2022", seed: int = 0, quick: bool = False,
                   config=None) -> dict:
    """Run the counting searches; write one limit curve (CSV) and plot per X model; return the summary."""
    cfg = load_search_config(KmunuxConfig, config)
    out_dir = Path(out_dir)
    card = cfg.card or card
    r = kmunux_limits(cfg, card, seed, quick)
    nununu = r["rows"][0]
    files, by_model = [], {}
    for model in cfg.x_models:
        x_rows = [row for row in r["rows"][1:] if row["model"] == model and row.get("acceptance", 0) > 0]
        m = [row["m_x_gev"] for row in x_rows]
        sig = ("uniform phase space (no matrix element)" if model == "phase-space" else
               f"{model} X: phase-space events reweighted with the .muonphilic matrix element")
        inputs = [f"N_K = {r['n_k']:.4g} ({r['n_k_origin']}), measured on the K+ -> mu+ nu peak", f"signal: {sig}",
                  f"selection hnl-kmu; background: simulated SM decays (kernel density); card {card}; seed {seed}; "
                  "observed: pseudo-data"]
        stem = f"kmunux_br_{model.replace('-', '_')}"
        files.append(write_curve(
            out_dir / "curves" / f"{stem}.csv", f"upper limit on BR(K+ -> mu+ nu X), X invisible {model}, versus "
            "m_X (counting above x_lo in m2miss_mu)", "m_X in GeV/c^2; m2miss in GeV^2/c^4; BR", cfg.cl, inputs,
            {"m_x_gev": m, "x_lo": [row["x_lo"] for row in x_rows], "acceptance": [row["acceptance"] for row in x_rows],
             "background": [row["background"] for row in x_rows], "observed": [row["observed"] for row in x_rows],
             "br_ul_observed": [row["observed_limit"] for row in x_rows],
             **{f"br_ul_expected_{k}": [row["expected"][k] for row in x_rows] for k in BANDS}}))
        files += plot_limit_curves(out_dir / "plots" / stem, m, [row["observed_limit"] for row in x_rows],
                                   {k: [row["expected"][k] for row in x_rows] for k in BANDS},
                                   xlabel=r"$m_X$ [GeV/$c^2$]", ylabel=r"BR($K^+\to\mu^+\nu X$) upper limit (90% CL)",
                                   title=f"K+ -> mu+ nu X ({model}), this run; NA62 PLB 816 (2021): O(1e-5)-O(1e-7)")
        by_model[model] = [{k: row.get(k) for k in ("m_x_gev", "x_lo", "acceptance", "background", "expected",
                                                   "observed_limit")} for row in x_rows]
    return {"n_k": r["n_k"], "n_k_origin": r["n_k_origin"], "card": card, "seed": seed, "files": files,
            "mismatch": r["mismatch"],
            "kmununu": {k: nununu.get(k) for k in ("acceptance", "x_lo", "background", "ses", "expected",
                                                    "observed", "observed_limit")},
            "kmununu_published_limit": cfg.published_kmununu,
            "kmunux_published_range": list(cfg.published_kmunux_range),
            "kmunux": by_model[cfg.x_models[0]], "kmunux_by_model": by_model,
            "approximation": "K+ -> mu+ nu nu nubar: uniform phase space; K+ -> mu+ nu X: matrix elements of "
                             ".muonphilic (tree level, derived in-house) unless 'phase-space' is chosen",
            "status": "done"}
