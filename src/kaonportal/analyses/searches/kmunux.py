"""K+ -> mu+ nu X (X invisible) and K+ -> mu+ nu nu nubar: counting in the muon missing-mass spectrum.

Published: NA62 PLB 816 (2021) 136259 [NA62:2021bji]: BR(K+ -> mu+ nu nu nubar) < 1.0e-6 and
BR(K+ -> mu+ nu X) upper limits from O(1e-5) to O(1e-7) for m_X = 10-370 MeV/c^2 (X scalar or vector,
invisible), 90% CL; no curve is shipped.

Method: the single-muon selection of the K+ -> mu+ N search (``hnl-kmu``) and its background model
(:func:`kaonportal.analyses.searches.hnl.background_model`, simulated SM decays as a kernel density in
``m2miss_mu``). The signal is a continuum in m2miss_mu = (P_K - P_mu)^2 >= m_X^2; for each m_X the counting
region is [x_lo, x_max] with x_max = (m_K - m_mu)^2 and x_lo chosen among signal-acceptance quantiles (not
below the K+ -> mu+ nu normalisation region, |m2miss| < 0.01 GeV^2/c^4, [NA62:2021bji]/S004) to minimise the
*expected* limit including the background uncertainty (ranked by its asymptotic median 1.645 sqrt(b + sigma_b^2)
SES when that exceeds 20 events, by the full calculation otherwise; the choice never looks at the data). SES = 1 / (N_K A(m_X) eps_trig), N_K from the
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
arXiv:1606.09054 abstracts), each with its accidental beam-track copy (:mod:`kaonportal.reco.accidentals`, p_mis = 1.3 % x
beam rate / 450 MHz, D): the redrawn GTK track smears the K+ -> mu+ nu peak into the low-m2miss regions.
N_K as the K+ -> mu+ N search (same paper: 2016-18 K+ decays / control-trigger downscaling 400, D).

Card: :func:`kmunux_section` uses the card of the 2016-18 data (``card``, default na62-2018, inputs/hnl.yaml).

Statistics: each region is one counting dataset of :mod:`kaonportal.stats` with a Gaussian background nuisance
sigma_b = ``background_rel_error`` x b (optionally (+) the simulation statistics, ``mc_stat_error``, off by
default as in :mod:`.hnl`: the background is taken as from a data-driven estimate; the simulation error is
reported as ``background_mc_error``). The stats engine fits the nuisances to the observation before building
expected bands (pyhf convention), so the expected limits are computed on the background-only Asimov count
n = round(b) (post-fit = pre-fit), the observed ones on the pseudo-data or the user's candidates.

Background uncertainty (``background_rel_error`` = 0.10, D; the argument, made before and without comparing to
the published limits): the counting regions hold K+ -> mu+ nu gamma (IB, 35-90 % of b) and K+ -> pi0 mu+ nu
(10-65 %, growing with x_lo) whose photons escape the vetoes, plus accidental K_mu2 pairings (~1 %; up to 30 % in
the lowest region, that of the 10 MeV vector). What the fast simulation does not model there:
(a) the photon-veto inefficiency scale (card, R approx.): scaling every inefficiency by 0.5 or 2 moves b by
< 1 % (checked: the surviving photons are lost below the detection thresholds or through the holes, not by
inefficiency), negligible; (b) those thresholds and hole radii themselves (LKr/IRC/SAC points below 1 GeV are D,
given to one significant digit): not varied here, the dominant unknown; (c) the accidental-pairing probability
(D, taken as +-50 %) times its share: <= 1 % in most regions, ~15 % in the lowest; (d) K_mu3 BR and the
tree-level IB rate without structure-dependent terms or O(alpha) corrections: a few %; (e) non-Gaussian tails
of the m2miss resolution and beam-halo / upstream muons: absent from the simulation, not an uncertainty on the
simulated b but missing components (no source for their flux and spectra here). A 10 % uncertainty on the
region content is the size assigned to (b)+(c)+(d) together; 2x and 0.5x are equally defensible, and in these
regions (delta b >> sqrt(b)) the limit scales ~linearly with it.

Observed: pseudo-data by default -- ONE dataset for all regions (the regions are nested, so their counts must be
correlated as real data's are): Poisson counts in the bins of the background model (``bkg["edges"]``, 400 bins
over [x_min - 0.01, x_max + 0.01]; a binned dataset, as :mod:`.hnl`, because one simulated event can stand for
1e5 decays), each region counting the bins whose centre lies in [x_lo, x_max] and comparing them with the
background summed over the same bins (the continuous integral differs by a fraction of a bin, i.e. by up to
~sqrt(b) at b ~ 1e5); ``inject = [m_X, events]`` adds selected signal events of the first model, drawn from its
simulated m2miss_mu spectrum and histogrammed in the same bins; or the user's candidates
(``candidates_file``: CSV with an ``m2miss_mu`` column in GeV^2/c^4, |value| <= m_K^2 as a units check, read
by :func:`check_kmunux_inputs` before anything is simulated). Per region the excess significance
z = (n - b) / sqrt(b + sigma_b^2) is reported (``None`` if b = sigma_b = 0). The K+ -> mu+ nu nu nubar limit is
also written as a one-row curve, ``curves/kmunux_kmununu.csv`` (hence a HEPData table).

Outcome (defaults: card na62-2018, seed 0, 2e5 background events; no tuning; re-checked after the accidental
copy stopped re-applying the CDA cut: within 3 %). Expected median limits for
background_rel_error = 0 / 0.10 (default) / 0.20:
BR(K+ -> mu+ nu nu nubar) < 1.05e-7 / 2.2e-6 / 4.5e-6 (published 1.0e-6);
K+ -> mu+ nu X at 10 MeV, scalar 1.9e-7 / 6.4e-6 / 1.3e-5, vector 5.8e-7 / 4.1e-5 / 8.1e-5 (published O(1e-5));
at 190-210 MeV (scalar) 7.2-7.8e-8 / 1.3-1.5e-6 / 2.6-3.1e-6; at 370 MeV 2.0e-8 / 7.1e-8 / 1.4e-7 (published O(1e-7)).
So without a background uncertainty the limits were 5-50x stronger than published; with the default they lie
within a factor ~4 of the published numbers in both directions (mu nu nu nubar 2.2x weaker, 10 MeV 0.64x
scalar / 4x vector, 370 MeV 0.7x). The counting regions move to higher x_lo (smaller b) when the systematic
dominates (acceptance 0.3 instead of 0.4-0.5). Simulation statistics: with 2e5 events per background the
region content has a relative MC error of 5 % (low x_lo) to 45 % (370 MeV; a few weighted K_mu3 events);
with ``mc_stat_error`` on (and 0.10) the 370 MeV limit becomes 3.1e-7 and mu nu nu nubar 3.5e-6. What remains:
the value of delta is an estimate, not a fit (NA62's background systematics are not found); halo/upstream
muons are absent. The matrix elements act where the published limits are weakest, at low m_X: the light vector
is radiated soft (the conserved L_mu current gives an eikonal enhancement, as for the photon in K_mu2gamma),
its m2miss spectrum piles up towards the K+ -> mu+ nu peak region, where the accidental K_mu2 background
sits, and the acceptance above x_lo drops from ~0.4 (phase space) to 0.2 at 10 MeV; the scalar stays within
~10 % of phase space up to ~300 MeV and is harder above.

Code: the counting-region choice, its limits and the pseudo-data bins are in :mod:`.kmunux_regions`.

>>> KMUNUX_MASS_RANGE
(0.01, 0.37)
"""

from __future__ import annotations

__all__ = ["KmunuxConfig", "KMUNUX_MASS_RANGE", "BACKGROUND_REL_ERROR", "X_MAX", "M2MISS_ALLOWED", "dataset_bins", "expected_limit",
           "check_kmunux_inputs", "kmunux_limits", "kmunux_section"]

import math
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ...constants import mass as pmass
from ...detector import load_card
from ...errors import check_range
from ...selection import cut_flow, event_base_weight, load_selection
from ..samples import derive_seed
from ..agreement import agreement_of_limit, band_note
from .datasets import SEARCH_DATA, data_used, resolve_card
from .common import (M2MISS_ALLOWED_K, check_inject, check_mass_grid, load_search_config, plot_limit_curves, read_candidates, selection_columns,
                     simulate_sample, weighted_quantile, write_curve)
from .hnl import CHANNELS, HnlConfig, background_model, channel_mismatch, default_n_parent, normalisation
from .kmunux_regions import (add_expected_limits, best_region, counting_limit, counting_limits, dataset_bins,  # noqa: F401
                             expected_limit)
from .lnv import search_inputs
from .muonphilic import q2_weight

KMUNUX_MASS_RANGE = (0.010, 0.370)     # GeV, [NA62:2021bji] (PLB 816 (2021) 136259 abstract)
#: relative background uncertainty per counting region, D: quadrature sum of the effects the fast simulation does
#: not model there (module docstring, "Background uncertainty"); chosen without looking at the published limits
BACKGROUND_REL_ERROR = 0.10
BANDS = ("minus2", "minus1", "median", "plus1", "plus2")
#: kinematic end of m2miss_mu = (P_K - P_mu)^2 for a K+ -> mu+ + invisible decay (GeV^2/c^4; PDG masses)
X_MAX = (pmass("K+") - pmass("mu+")) ** 2
M2MISS_ALLOWED = M2MISS_ALLOWED_K     # allowed candidate m2miss (GeV^2/c^4): common.M2MISS_ALLOWED_K


class KmunuxConfig(BaseModel):
    """Configuration of the K+ -> mu+ nu X / K+ -> mu+ nu nu nubar counting search."""

    model_config = ConfigDict(extra="forbid")
    masses: list[float] = Field(default_factory=lambda: [round(0.01 + 0.02 * i, 3) for i in range(19)])
    n_parent: float | None = Field(None, gt=0, description="K+ decays; null: as the K+ -> mu+ N search "
                                   "(hnl.default_n_parent: 2016-18 K+ decays / 400, D; same paper, [NA62:2021bji])")
    n_scale: float = Field(1.0, gt=0)
    n_signal: int = Field(10_000, ge=1000)
    n_background: int = Field(200_000, ge=2000)
    n_normalisation: int = Field(40_000, ge=1000)
    eps_trig: float = Field(1.0, gt=0, le=1)
    x_min: float = Field(0.01, ge=M2MISS_ALLOWED[0], lt=X_MAX,
                         description="lowest m2miss_mu of a counting region (GeV^2/c^4): above the K+ -> mu+ nu "
                                     "peak region |m2miss| < 0.01 ([NA62:2021bji], S004), below the kinematic end X_MAX")
    published_kmununu: float = Field(1.0e-6, description="BR(K+ -> mu+ nu nu nubar) < 1.0e-6, [NA62:2021bji] (ABS)")
    published_kmunux_range: tuple[float, float] = Field(
        (1.0e-7, 1.0e-5), description="BR(K+ -> mu+ nu X) ULs 'from O(1e-5) to O(1e-7)' over 10-370 MeV, [NA62:2021bji] (ABS)")
    x_models: list[Literal["scalar", "vector", "phase-space"]] = Field(
        default_factory=lambda: ["scalar", "vector"], min_length=1,
        description="K+ -> mu+ nu X signal models (matrix elements of .muonphilic, or flat phase space)")
    cl: float = Field(0.9, gt=0, lt=1)
    e_gamma_min: float = Field(default_factory=lambda: float(search_inputs("hnl")["radiative"]["e_gamma_min"]),
                               gt=0, lt=0.2, description="photon-energy cut (GeV, kaon frame) of the K+ -> mu+ nu gamma "
                               "background (inputs/hnl.yaml, D: every radiative event above x_min is generated)")
    card: str | None = Field(default_factory=lambda: search_inputs("hnl")["cards"].get("K+ -> mu+ N"),
                             description="detector card in kmunux_section: that of the 2016-18 data (na62-2018, "
                                         "inputs/hnl.yaml); set by the user it wins over the run's card "
                                         "override; null: the run's card override, else na62-2018")
    accidentals: bool = Field(True, description="add the accidental beam-track copy of every background "
                                                "(reco.accidentals)")
    mismatch: float | None = Field(None, ge=0, le=1, description="K-track mismatch probability at the card's "
                                   "nominal rate; null: 1.3% x beam rate / 450 MHz (reco.accidentals, inputs/hnl.yaml)")
    intensity_scale: float = Field(1.0, gt=0, allow_inf_nan=False,
                                   description="beam intensity / the card's nominal rate: the mismatch follows "
                                               "the pile-up model (reco.accidentals.mismatch_at_intensity)")
    background_rel_error: float = Field(
        BACKGROUND_REL_ERROR, ge=0, le=2,
        description="relative uncertainty of the simulated background in each counting region (D; argument in the "
                    "module docstring, 'Background uncertainty'); Gaussian nuisance of the stats engine")
    mc_stat_error: bool = Field(False, description="add the simulation-statistics error of the background "
                                "(hnl.window_background) in quadrature (default, as hnl: the background is taken "
                                "as from a data-driven estimate; the error is reported in the outputs)")
    candidates_file: str | None = Field(
        None, description="observed candidates: CSV (.csv/.txt) with an m2miss_mu column in GeV^2/c^4; null: "
                          "pseudo-data")
    inject: list[float] | None = Field(
        None, description="[m_X GeV, selected signal events]: K+ -> mu+ nu X events of the first x_models model "
                          "added to the pseudo-data (not with candidates_file)")


def check_kmunux_inputs(cfg: KmunuxConfig) -> np.ndarray | None:
    """Validate the mass grid, ``x_min``, the detector ``card``, ``inject`` and the candidate file (column
    ``m2miss_mu``, GeV^2/c^4; every value in :data:`M2MISS_ALLOWED`, a units check (D): a file in MeV^2 fails)
    before anything is simulated; returns the candidates' m2miss_mu (``None``: pseudo-data).

    >>> check_kmunux_inputs(KmunuxConfig(card="bogus"))     # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: card: unknown card 'bogus'; ...
    """
    check_mass_grid("masses", cfg.masses, [KMUNUX_MASS_RANGE])
    # the pydantic bounds hold for a validated configuration; checked again for one built with model_construct
    check_range("x_min", cfg.x_min, M2MISS_ALLOWED[0], X_MAX, high_inclusive=False, unit="GeV^2/c^4")
    if cfg.card is not None:
        load_card(cfg.card)
    if cfg.inject is not None:
        check_inject("inject", cfg.inject, [KMUNUX_MASS_RANGE], with_candidates=cfg.candidates_file is not None)
    if cfg.candidates_file is None:
        return None
    return read_candidates(cfg.candidates_file, "m2miss_mu", allowed=M2MISS_ALLOWED, field="candidates_file")


def _injected_events(cfg, n_sig, seed, card, sel, cols, rng) -> np.ndarray:
    """m2miss_mu of Poisson(events) selected K+ -> mu+ nu X events at ``cfg.inject`` (model x_models[0]),
    drawn from the simulated, selected and reweighted signal sample."""
    m, n = float(cfg.inject[0]), float(cfg.inject[1])
    ev = simulate_sample("K+ -> mu+ nu X", n_sig, seed, card, sel.fiducial_z, mass=m, columns=cols + ["true_m2miss"])
    base = event_base_weight(ev)
    if cfg.x_models[0] != "phase-space":
        base = base * q2_weight(ev["true_m2miss"], m, cfg.x_models[0])
    w = cut_flow(sel, ev, base_weight=base).weights
    x = np.asarray(ev["m2miss_mu"], float)
    ok = np.isfinite(x) & (w > 0)
    return rng.choice(x[ok], size=int(rng.poisson(n)), p=w[ok] / np.sum(w[ok]))


def kmunux_limits(cfg: KmunuxConfig, card, seed: int, quick: bool = False) -> dict:
    """Expected and observed (pseudo-data or ``candidates_file``) limits on BR(K+ -> mu+ nu X) per mass and on
    BR(K+ -> mu+ nu nu nubar); per row also the excess significance z = (n - b) / sqrt(b + sigma_b^2)."""
    candidates = check_kmunux_inputs(cfg)
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
    x_max = X_MAX
    hcfg = HnlConfig(accidentals=["K+ -> mu+ N"] if cfg.accidentals else [], mismatch=cfg.mismatch,
                     intensity_scale=cfg.intensity_scale)
    p_mis = channel_mismatch("K+ -> mu+ N", hcfg, card)
    bkg = background_model(ch, n_k, n_bkg, seed, card, (cfg.x_min - 0.01, x_max + 0.01),
                           e_gamma_min=cfg.e_gamma_min, mismatch=p_mis)
    cols = selection_columns(sel, ["m2miss_mu"])
    injected = None
    if cfg.inject is not None:
        injected = _injected_events(cfg, n_sig, seed, card, sel, cols,
                                    np.random.default_rng(derive_seed(seed, "kmunux injection")))
    signals = [("K+ -> mu+ nu nu nubar", None, "phase-space")] + [
        ("K+ -> mu+ nu X", float(m), model) for m in masses for model in cfg.x_models]
    regions = []        # the counting regions are chosen first, never looking at the data
    for decay, m, model in signals:
        ev = simulate_sample(decay, n_sig, seed, card, sel.fiducial_z, mass=m, columns=cols + ["true_m2miss"])
        base = event_base_weight(ev)
        if model != "phase-space":
            base = base * q2_weight(ev["true_m2miss"], m, model)
        cf = cut_flow(sel, ev, base_weight=base)
        w, total = cf.weights, cf.total
        q = weighted_quantile(ev["m2miss_mu"], w, [0.0, 0.05, 0.1, 0.2, 0.3, 0.5])
        lows = sorted({max(cfg.x_min, float(v)) for v in q if np.isfinite(v) and v < x_max})
        regions.append(best_region(ev, w, total, bkg["kernels"], lows or [cfg.x_min], x_max, n_k, cfg.eps_trig,
                                    cfg.cl, cfg.background_rel_error, cfg.mc_stat_error))
    add_expected_limits(regions, cfg.cl)
    if candidates is None:
        # one binned pseudo-dataset for every region (module docstring, "Observed")
        edges, expected = dataset_bins(bkg, [r_["x_lo"] for r_ in regions if r_ is not None] + [x_max])
        rng = np.random.default_rng(derive_seed(seed, "kmunux pseudo-data"))
        data = rng.poisson(expected)
        inj_hist = None if injected is None else np.histogram(injected, bins=edges)[0]
        if inj_hist is not None:
            data = data + inj_hist
    rows, observed = [], []
    for (decay, m, model), best in zip(signals, regions):
        if best is None:
            rows.append({"decay": decay, "m_x_gev": m, "model": model, "acceptance": 0.0})
            continue
        b, b_err = best["background"], best["background_error"]
        n_inj = 0
        if candidates is not None:
            n_obs = int(np.count_nonzero((candidates >= best["x_lo"]) & (candidates <= x_max)))
        else:
            # the region's bins of the one dataset: x_lo and x_max are bin edges, so their expected content is b
            i0, i1 = np.searchsorted(edges, [best["x_lo"], x_max])
            n_obs = int(np.sum(data[i0:i1]))
            if inj_hist is not None:
                n_inj = int(np.sum(inj_hist[i0:i1]))
        observed.append((n_obs, b, b_err, best["ses"], decay))
        var = b + b_err ** 2
        rows.append({"decay": decay, "m_x_gev": m, "model": model, **best, "observed": n_obs,
                     "injected_in_region": n_inj, "significance": (n_obs - b) / math.sqrt(var) if var > 0 else None})
    # the observed limits of every region in one pass (the same numbers as one counting_limit call each)
    lims = iter(counting_limits(observed, cfg.cl, expected=False))
    for row in rows:
        if "observed" in row:
            row["observed_limit"] = next(lims).upper_limit
    origin_obs = (f"candidates: {cfg.candidates_file} ({len(candidates)} candidates)" if candidates is not None else
                  f"pseudo-data (seed {seed})" + (f", injected {cfg.inject[1]:g} {cfg.x_models[0]} events at m_X = "
                                                  f"{cfg.inject[0]:g} GeV" if cfg.inject is not None else ""))
    return {"rows": rows, "n_k": n_k, "n_k_origin": origin, "normalisation": norm, "x_max": x_max,
            "mismatch": p_mis, "background_per_source": bkg["per_source_in_range"], "observed_origin": origin_obs,
            "n_candidates": None if candidates is None else int(len(candidates)),
            "injected_events": None if injected is None else int(len(injected))}


def kmunux_section(out_dir: Path, *, card: str | None = None, seed: int = 0, quick: bool = False,
                   config=None) -> dict:
    """Run the counting searches; write one limit curve (CSV) and plot per X model, and the K+ -> mu+ nu nu nubar
    limit as a one-row table (``curves/kmunux_kmununu.csv``, read by the HEPData export); return the summary."""
    cfg = load_search_config(KmunuxConfig, config)
    out_dir = Path(out_dir)
    # the user's searches.kmunux.card > the run's card override > the 2016-18 card (.datasets)
    user = cfg.card if "card" in cfg.model_fields_set else None
    default = KmunuxConfig.model_fields["card"].get_default(call_default_factory=True)
    card, card_origin = resolve_card("kmunux", card, user_value=user, default=default)
    r = kmunux_limits(cfg, card, seed, quick)
    nununu = r["rows"][0]
    files, by_model = [], {}
    bkg_text = (f"background uncertainty: {cfg.background_rel_error:g} x b (background_rel_error, D)"
                + (" (+) simulation statistics" if cfg.mc_stat_error else ""))
    common_inputs = [f"N_K = {r['n_k']:.4g} ({r['n_k_origin']}), measured on the K+ -> mu+ nu peak",
                     f"selection hnl-kmu; background: simulated SM decays (kernel density); card {card}; seed {seed}",
                     bkg_text, f"observed: {r['observed_origin']}",
                     "expected limits on the background-only Asimov count n = round(b)"]
    for model in cfg.x_models:
        x_rows = [row for row in r["rows"][1:] if row["model"] == model and row.get("acceptance", 0) > 0]
        m = [row["m_x_gev"] for row in x_rows]
        sig = ("uniform phase space (no matrix element)" if model == "phase-space" else
               f"{model} X: phase-space events reweighted with the .muonphilic matrix element")
        stem = f"kmunux_br_{model.replace('-', '_')}"
        files.append(write_curve(
            out_dir / "curves" / f"{stem}.csv", f"upper limit on BR(K+ -> mu+ nu X), X invisible {model}, versus "
            "m_X (counting above x_lo in m2miss_mu)", "m_X in GeV/c^2; m2miss in GeV^2/c^4; BR", cfg.cl,
            [common_inputs[0], f"signal: {sig}", *common_inputs[1:]],
            {"m_x_gev": m, "x_lo": [row["x_lo"] for row in x_rows], "acceptance": [row["acceptance"] for row in x_rows],
             "background": [row["background"] for row in x_rows],
             "background_error": [row["background_error"] for row in x_rows],
             "observed": [row["observed"] for row in x_rows],
             "br_ul_observed": [row["observed_limit"] for row in x_rows],
             **{f"br_ul_expected_{k}": [row["expected"][k] for row in x_rows] for k in BANDS}}))
        files += plot_limit_curves(out_dir / "plots" / stem, m, [row["observed_limit"] for row in x_rows],
                                   {k: [row["expected"][k] for row in x_rows] for k in BANDS},
                                   xlabel=r"$m_X$ [GeV/$c^2$]", ylabel=r"BR($K^+\to\mu^+\nu X$) upper limit (90% CL)",
                                   title=f"K+ -> mu+ nu X ({model}), this run; NA62 PLB 816 (2021): O(1e-5)-O(1e-7)")
        by_model[model] = [{k: row.get(k) for k in ("m_x_gev", "x_lo", "acceptance", "background",
                                                   "background_error", "expected", "observed", "significance",
                                                   "observed_limit")} for row in x_rows]
    # rule of analyses.agreement: the published K+ -> mu+ nu nu nubar limit inside the expected +-2 sigma band
    agree = ({"published_ratio": None, "agreement": "n/a (no accepted K+ -> mu+ nu nu nubar event)"}
             if not nununu.get("acceptance", 0) > 0 else agreement_of_limit(
                 nununu["expected"]["median"], cfg.published_kmununu, nununu["expected"]["minus2"],
                 nununu["expected"]["plus2"], "uniform phase space instead of the SM spectrum; N_K of the search "
                 "not found (years' N_K / control-trigger downscaling, D); background uncertainty "
                 f"{cfg.background_rel_error:g} x b (D)"))
    if nununu.get("acceptance", 0) > 0:
        # one row: the counting region [x_lo, x_max] of K+ -> mu+ nu nu nubar and its limits (same conventions as
        # the curves, so hepdata_tables exports it: independent variable x_lo)
        files.append(write_curve(
            out_dir / "curves" / "kmunux_kmununu.csv", "upper limit on BR(K+ -> mu+ nu nu nubar) (counting in "
            "m2miss_mu from x_lo to x_max; one row)", "m2miss in GeV^2/c^4; BR", cfg.cl,
            ["signal: uniform phase space (approximation: SM spectrum not implemented)", *common_inputs,
             f"published: BR < {cfg.published_kmununu:g} (NA62 PLB 816 (2021) 136259, 90% CL)",
             band_note("the published limit", agree["agreement"])],
            {"x_lo": [nununu["x_lo"]], "x_max": [r["x_max"]], "acceptance": [nununu["acceptance"]],
             "background": [nununu["background"]], "background_error": [nununu["background_error"]],
             "observed": [nununu["observed"]], "ses": [nununu["ses"]],
             "br_ul_observed": [nununu["observed_limit"]],
             **{f"br_ul_expected_{k}": [nununu["expected"][k]] for k in BANDS}}))
    return {"n_k": r["n_k"], "n_k_origin": r["n_k_origin"], "card": card, "seed": seed, "files": files,
            "card_origin": card_origin, "dataset": SEARCH_DATA["kmunux"].period, "selection": "hnl-kmu",
            "data_used": data_used(SEARCH_DATA["kmunux"].period, card, r["n_k"], "hnl-kmu"),
            "mismatch": r["mismatch"], "background_rel_error": cfg.background_rel_error,
            "mc_stat_error": cfg.mc_stat_error, "observed_origin": r["observed_origin"],
            "n_candidates": r["n_candidates"], "injected_events": r["injected_events"],
            "kmununu": {k: nununu.get(k) for k in ("acceptance", "x_lo", "background", "background_error", "ses",
                                                    "expected", "observed", "significance", "observed_limit")},
            "kmununu_published_limit": cfg.published_kmununu, **agree,
            "kmunux_published_range": list(cfg.published_kmunux_range),
            "kmunux": by_model[cfg.x_models[0]], "kmunux_by_model": by_model,
            "approximation": "K+ -> mu+ nu nu nubar: uniform phase space; K+ -> mu+ nu X: matrix elements of "
                             ".muonphilic (tree level, derived in-house) unless 'phase-space' is chosen; "
                             "no beam-halo / upstream muon background",
            "status": "done"}
