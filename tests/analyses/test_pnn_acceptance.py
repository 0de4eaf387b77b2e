"""K+ -> pi+ nu nubar signal acceptance and single event sensitivity against the published NA62 numbers.

The fast simulation models the geometry, the kinematics, the pi+ identification probability (card
``pid.pion_efficiency``) and the photon vetoes; the selections add the K-pi matching efficiency, the
upstream-rejection cut on the pi+ radius at STRAW1 versus the vertex z, and ONE documented
``unmodelled_selection_efficiency`` (status D) for every other NA62 selection loss. That factor is FIXED on
the 2021-22 acceptance A_pinunu = (7.62 +- 0.22)% (published_results.md A1c, S002), so the 2021-22
acceptance and SES tests below are consistency/regression checks, not validations. The validations:

* 2018 ("old") analysis, A_pinunu = (6.37 +- 0.64)% (S002, "OLD" column of the acceptance table; status S),
  with the na62-2018 card and the pnn-2022 kinematics with the 2017-18 MVA K-pi matching efficiency 0.81
  (the "new K-pi matching technique" is one of the 2021-22 gains S002 lists);
* the ratio A_pinunu / A_pipi, in which the unmodelled factor cancels (a test of the modelled cuts only):
  2018: 6.37% / 11.8% = 0.540 +- 0.054 (S002's errors on 6.37%); 2021-22: 7.62% / (11.8% x 1.15) = 0.562
  (S002's table is garbled; read as "normalisation 11.8% old, +15% new", a D reading).

NOT tested, reported as a residual: the 2016-17 analyses. With the same factor the pnn-2017 selection
(na62-2018 card) gives ~5.6%, while the 2016 analysis had ~4.0% (PLB 791 (2019) 156; recalled, status R).

Every test uses fixed seeds, so its outcome is deterministic; the false-alarm rate quoted with each
tolerance is the one a Gaussian error model would give for a random seed.
"""

import math

import numpy as np
import pytest

from kaonportal.analyses.config import load_config
from kaonportal.analyses.pnn import needed_columns, pnn_compute, resolve_pnn
from kaonportal.analyses.samples import SampleCache, card_key
from kaonportal.selection import column, cut_flow, load_selection, region_mask, signal_region_mask

N_SIG = 200_000        # stat. error of the acceptance ~0.4% relative; each sample simulates in ~1 s
SIGNAL = "K+ -> pi+ nu nubar"
PIPI = "K+ -> pi+ pi0"
F_REL_ERR = 0.22 / 7.62    # relative error of unmodelled_selection_efficiency: the published 2021-22 error


def _acceptance(card: str, sel, decay: str, n: int, seed: int):
    """(acceptance, stat. error, per-bin acceptances) in the selection's momentum bins and signal regions
    (normalisation region and cuts for K+ -> pi+ pi0)."""
    sc = SampleCache(None, card, card_key(card), columns=needed_columns(sel))
    ev = sc.get(decay, n, seed, sel.fiducial_z)
    if decay == PIPI:
        cf = cut_flow(sel, ev, skip=sel.normalisation.skip)
        reg = region_mask(sel, ev, sel.normalisation.region)
    else:
        cf = cut_flow(sel, ev)
        reg = signal_region_mask(sel, ev)
    p = column(ev, "p_track").astype(float)
    b = sel.momentum_bins
    a, e = cf.yield_in(reg & (p >= b[0]) & (p < b[-1]))
    idx = np.digitize(p, b) - 1
    per_bin = [cf.yield_in(reg & (idx == i))[0] for i in range(len(b) - 1)]
    return a, e, per_bin


def _efficiency(sel, cut_id: str) -> float:
    return next(c.efficiency for c in sel.cuts if c.id == cut_id)


def test_unmodelled_efficiency_is_one_parameter():
    """The same documented factor (status D) in both pnn selections, and it applies to the normalisation too."""
    s17, s22 = load_selection("pnn-2017"), load_selection("pnn-2022")
    f17, f22 = _efficiency(s17, "unmodelled_selection_efficiency"), _efficiency(s22, "unmodelled_selection_efficiency")
    assert f17 == f22
    for s in (s17, s22):
        cut = next(c for c in s.cuts if c.id == "unmodelled_selection_efficiency")
        assert cut.status == "D" and "7.62" in cut.source
        assert cut.id not in s.normalisation.skip


def test_acceptance_2021_22_reproduces_published():
    # Published (7.62 +- 0.22)% (A1c). The factor was fixed on this number with another seed and 1e6 events,
    # so the only differences are this sample's statistics (~0.03% abs.) and any later change of the
    # simulation; tolerance 3 sigma of (stat (+) published): false-alarm rate 0.3%.
    a, e, _ = _acceptance("na62-2022", load_selection("pnn-2022"), SIGNAL, N_SIG, 101)
    sigma = math.hypot(e, 0.0022)
    assert abs(a - 0.0762) < 3 * sigma, f"A_pinunu = {a:.4f} +- {e:.4f}, published 0.0762 +- 0.0022"


def test_acceptance_2018_old_analysis_independent_check():
    # Not fitted: S002 (6.37 +- 0.64)%. sigma = published (+) factor error (2.9%) (+) stat; 2 sigma (4.6%
    # false-alarm rate): the 2018 analysis differs from the 2021-22 one by more than the K-pi matching
    # ("re-tuned vertex conditions, relaxation of some vetoes", S002), which this check cannot model.
    a, e, _ = _acceptance("na62-2018", _selection_2018_old(), SIGNAL, N_SIG, 102)
    sigma = math.sqrt(e ** 2 + 0.0064 ** 2 + (a * F_REL_ERR) ** 2)
    assert abs(a - 0.0637) < 2 * sigma, f"A_pinunu(2018 old) = {a:.4f}, published 0.0637 +- 0.0064"


def _selection_2018_old():
    """The shipped pnn-2018 selection: pnn-2022 kinematics with the 2017-18 K-pi matching (the pnn-2017 value)."""
    return load_selection("pnn-2018")


def test_pnn_2018_selection_is_2022_with_the_2017_18_kpi_matching():
    s18, s22, s17 = load_selection("pnn-2018"), load_selection("pnn-2022"), load_selection("pnn-2017")
    assert _efficiency(s18, "kpi_timing") == _efficiency(s17, "kpi_timing") == 0.81
    assert (s18.fiducial_z, s18.momentum_range) == (s22.fiducial_z, s22.momentum_range)
    strip = lambda sel: [c.model_dump() for c in sel.cuts if c.id != "kpi_timing"]   # noqa: E731
    assert strip(s18) == strip(s22)
    assert s18.regions == s22.regions and s18.normalisation == s22.normalisation and s18.control == s22.control


def test_ratio_to_normalisation_acceptance_independent_of_unmodelled_factor():
    # A_pinunu / A_pipi: the constant efficiencies cancel, the modelled cuts (R1/R2 vs pi+pi0 region, the
    # R(STRAW1)-vs-z cut, which removes more signal than pi+ pi0 at high momentum) do not.
    # 2018: 0.540 +- 0.054 (S002); 2021-22: 0.562 with the 2.9% error of 7.62% (D reading of S002).
    # Tolerance 2 sigma of (published (+) stat), 4.6% false-alarm rate.
    for card, sel, pub, err, seed in [("na62-2018", _selection_2018_old(), 0.0637 / 0.118, 0.0064 / 0.118, 104),
                                      ("na62-2022", load_selection("pnn-2022"), 0.0762 / (0.118 * 1.15),
                                       0.0762 / (0.118 * 1.15) * F_REL_ERR, 105)]:
        a, ea, bins_a = _acceptance(card, sel, SIGNAL, N_SIG, seed)
        n, en, bins_n = _acceptance(card, sel, PIPI, N_SIG, seed + 1)
        r = a / n
        sigma = math.hypot(err, r * math.hypot(ea / a, en / n))
        assert abs(r - pub) < 2 * sigma, f"{card}: A_pinunu/A_pipi = {r:.3f}, published {pub:.3f} +- {err:.3f}"
        assert sum(bins_a) == pytest.approx(a, rel=1e-12) and sum(bins_n) == pytest.approx(n, rel=1e-12)


@pytest.fixture(scope="module")
def run_2022():
    """The pnn section of ``kaonportal run`` on the 2021-22 dataset, signal and normalisation only."""
    cfg = load_config(overrides={"seed": 2022, "sections": {"pnn": True, "beamdump": False},
                                 "pnn": {"n_signal": N_SIG, "n_normalisation": N_SIG, "n_background": {},
                                         "pseudo_data_br": None}})
    setup = resolve_pnn(cfg)
    samples = SampleCache(None, setup.card_name, card_key(setup.card_name), columns=needed_columns(setup.selection))
    return pnn_compute(setup, samples)


def test_run_ses_2021_22(run_2022):
    # Published SES (8.48 +- 0.29)e-12 (A1c). The run's SES = 1 / (N_K A eps_trig eps_RV) with N_K measured
    # from the simulated K+ -> pi+ pi0 count; its error (N_K, acceptance, eps_trig, eps_RV) (+) the
    # published error, 3 sigma (0.3% false-alarm rate). A is fixed on 2021-22, so this checks the chain.
    ses = run_2022["ses"]
    sigma = math.hypot(ses["error"], 0.29e-12)
    assert abs(ses["value"] - 8.48e-12) < 3 * sigma, f"SES = {ses['value']:.3e} +- {ses['error']:.1e}"
    # the expected SM signal follows: published 9.91 +- 0.34 (A1c); the run's SM BR (8.39e-11, BBGK 2015
    # inputs) vs the 8.4e-11 behind the published number adds < 1%; same 3 sigma rule
    n_sm = run_2022["expected_sm_signal"]
    sigma_n = math.hypot(n_sm * ses["error"] / ses["value"], 0.34)
    assert abs(n_sm - 9.91) < 3 * sigma_n, f"expected SM signal {n_sm:.2f}, published 9.91"


def test_run_cutflow_shows_every_efficiency(run_2022):
    rows = {r["id"]: r for r in run_2022["cutflow_signal"]}
    sel = load_selection("pnn-2022")
    for c in sel.cuts:
        if c.kind == "efficiency":
            assert rows[c.id]["efficiency"] == pytest.approx(c.efficiency, rel=1e-12)
    factors = run_2022["acceptance"]["efficiency_factors"]
    assert set(factors) == {c.id for c in sel.cuts if c.kind == "efficiency"}
    assert factors["unmodelled_selection_efficiency"]["status"] == "D"
    norm_rows = {r["id"] for r in run_2022["cutflow_normalisation"]}
    assert "unmodelled_selection_efficiency" in norm_rows and "photon_veto" not in norm_rows


def test_run_per_bin_acceptances_sum_to_total(run_2022):
    acc = run_2022["acceptance"]
    assert sum(acc["signal_per_momentum_bin"]) == pytest.approx(acc["signal"], rel=1e-12)
    assert sum(acc["normalisation_pipi_per_momentum_bin"]) == pytest.approx(acc["normalisation_pipi"], rel=1e-12)
    # and the signal total equals the last line of the cut flow (R1+R2 inside the momentum bins)
    assert run_2022["cutflow_signal"][-1]["cumulative"] == pytest.approx(acc["signal"], rel=1e-12)
    assert len(acc["signal_per_momentum_bin"]) == len(run_2022["momentum_bins_gev"]) - 1
