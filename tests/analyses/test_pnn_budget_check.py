"""The 2021-22 K+ -> pi+ nu nubar background budget predicted with the shipped calibration against the
published 2021-22 budget (published_results.md A1c, S002 = NA62 talk summarising JHEP 02 (2025) 191),
and the quality of that calibration on the 2017 budget (A1b).

Calibration (scripts/calibrate_pnn_budget.py, analyses/pnn_calibration.py): 6 parameters, each with a
log-normal prior from the status of what it scales (R approx.: factor 3; D: factor 10), fitted to the 7
published 2017 numbers (K+ -> mu+ nu split into its mu+ nu (gamma) and mu+ -> e+ lines); errors and
correlations from the fit, propagated with their covariance.

Tolerance per source (``_check``): |predicted - published| <= 3 sigma, sigma^2 = (statistical error of
this check's weighted simulation)^2 + (calibration error, the fit covariance propagated)^2 + (published
error)^2: a 0.27% false-alarm rate per source for Gaussian errors (fixed seeds: the outcome is
deterministic). Further rules: (a) the comparison counts only if this check's own simulation has a
relative statistical error below 50%; (b) a source published below 0.05 events passes within an
absolute 0.05 events (0.5% of the 11-event total, irrelevant for the branching ratio); (c) the estimate
must not be carried by rare events whose particles all escape the vetoes (raw w_photon_veto = 1): more
than half of it from fewer than 10 effective such events (a Poisson fluctuation above 30% of that part,
and a sample of this size may as well contain none), in this check or in the 4x larger 2017
calibration sample (``_resolvable``).

Sources that this fast simulation + card cannot reproduce are strict xfails whose first assertion is the
precise cause (so the xfail turns into a failure the day the cause is fixed and the source agrees):
* K+ -> pi0 l+ nu: rule (c) fails in this check's sample (96% of its 0.004 events from ~8 effective
  events whose particles all escape the vetoes); predicted far below 0.05 events, irrelevant for the BR.

History of the K+ -> mu+ nu problem (fixed in the na62-2022 card): the RICH muon suppression (factor 100,
[RICH20] V) was applied only up to pid.rich_p_max = 35 GeV/c, its 2016-18 design range, so 35-45 GeV/c muons
were mis-identified at 1e-5 instead of the ~1e-7 the 2021-22 analysis quotes over its whole range (S002,
"> 1e7 muon rejection"): ~14 events instead of 1.70. The card now applies it up to 45 GeV/c (0.68 +- 0.18).

History of the escape problem (fixed in the cards): with the LKr photon-detection edge at the 150 mm
track-acceptance cut, photons escaped through the ring between the IRC (r < 145 mm about x = +12 mm)
and the LKr, and K+ -> pi+ pi0 (gamma), K+ -> pi+ pi- e+ nu and K+ -> pi+ gamma gamma were carried by
2-6 effective escape events (2021-22 pi+ pi0 predicted 144 +- 210). The cards now set
geometry.lkr.r_hole_photon = 0.105 m (LKr photon coverage down to 1 mrad, NP 1b 'Split of coverage', D);
after recalibration these three sources pass rules (a)-(c) and the 3-sigma comparison.
The total is tested with the same 3-sigma rule (its error: the run's propagated error and the published one).
"""

import math

import pytest

from kaonportal.analyses.pnn import needed_columns, pnn_compute, resolve_pnn
from kaonportal.analyses.pnn_budget import load_calibration
from kaonportal.analyses.pnn_calibration import PRIORS, calibration_config
from kaonportal.analyses.samples import SampleCache, card_key

SCALE = 0.25        # 1e6 pi+ pi0 and mu+ nu (+2.5e5 forced mu+ nu), 2.5e5 of the others
N_KE4 = 300_000     # K+ -> pi+ pi- e+ nu capped: slow generator
RELIABLE = ["K+ -> pi+ pi0", "K+ -> mu+ nu", "K+ -> pi+ pi+ pi-", "K+ -> pi+ pi- e+ nu", "K+ -> pi+ gamma gamma", "upstream"]
ESCAPE_DOMINATED = ["K+ -> pi0 l+ nu"]


@pytest.fixture(scope="module")
def budget_2022():
    cfg = calibration_config("pnn-2021-22", seed=2022, scale=SCALE)
    cfg.pnn.n_background["K+ -> pi+ pi- e+ nu"] = N_KE4
    cfg.pnn.calibration = "pnn-calibration.yaml"
    setup = resolve_pnn(cfg)
    res = pnn_compute(setup, SampleCache(None, setup.card_name, card_key(setup.card_name),
                                         columns=needed_columns(setup.selection)))
    return {c["source"]: c for c in res["budget_comparison"]}, res


def _rare_escapes(name, d):
    share, neff = d.get("escape_share") or 0.0, d.get("escape_effective_events") or 0.0
    return (share > 0.5 and neff < 10), f"{name}: {share:.0%} from {neff:.1f} effective escape events"


def _resolvable(c, est):
    """Rule (c): neither the 2017 calibration sample (4x this check's) nor this check has more than half
    of the source's estimate from fewer than 10 effective events whose particles all escaped the vetoes."""
    cal = load_calibration("pnn-calibration.yaml")
    rec = cal.details.get("sources", {}).get(c["source"], {})
    for name, d in ((f"2017 calibration, {c['source']}", rec), (f"this check, {c['source']}", est)):
        rare, msg = _rare_escapes(name, d)
        if rare:
            return False, msg
    return True, ""


def _check(c, est):
    pub, lo, hi = c["published"], c["published_error_low"], c["published_error_high"]
    pred, err = c["simulation"], c["simulation_error"]
    msg = f"{c['source']}: predicted {pred:.3g} +- {err:.2g}, published {pub} (+{hi} -{lo})"
    diff = abs(pred - pub)
    if pub < 0.05 and diff < 0.05:
        return True, msg
    stat = est.get("statistical_error")
    if stat is not None and pred > 0 and stat / pred >= 0.5:
        return False, msg + f": simulation statistics too poor to compare ({stat / pred:.0%})"
    sigma = math.hypot(err, hi if pred > pub else lo)
    return diff <= 3 * sigma, msg + f" ({diff / sigma:.1f} sigma)"


def _assert_reproduced(budget_2022, source):
    comp, res = budget_2022
    ok, msg = _resolvable(comp[source], res["backgrounds"][source])
    assert ok, msg
    ok, msg = _check(comp[source], res["backgrounds"][source])
    assert ok, msg


@pytest.mark.parametrize("source", RELIABLE)
def test_budget_2021_22_within_tolerance(budget_2022, source):
    _assert_reproduced(budget_2022, source)


@pytest.mark.parametrize("source", ESCAPE_DOMINATED)
@pytest.mark.xfail(strict=True, reason="estimate carried by a few rare events escaping the card's veto "
                                       "geometry (rule (c); module docstring)")
def test_escape_dominated_2021_22(budget_2022, source):
    _assert_reproduced(budget_2022, source)


def test_mu_nu_2021_22_not_from_the_unsuppressed_range(budget_2022):
    # with RICH suppression to 45 GeV/c, the 35-45 GeV/c muons must not dominate K+ -> mu+ nu any more
    # (they were > 90% of it with the 35 GeV/c cut-off)
    _, res = budget_2022
    est = res["backgrounds"]["K+ -> mu+ nu"]
    above = sum(v for v, lo in zip(est["simulation_per_momentum_bin"], res["momentum_bins_gev"]) if lo >= 35.0)
    assert above < 0.5 * est["simulation"], f"{above:.3g} of {est['simulation']:.3g} events from p > 35 GeV/c"


def test_total_budget_2021_22(budget_2022):
    # published total 11.0 +2.1 -1.9 (A1c); 3-sigma rule with the run's total error (0.27% false-alarm rate)
    _, res = budget_2022
    tot, err, pub = res["background_total"], res["background_total_error"], 11.0
    sigma = math.hypot(err, 2.1 if tot > pub else 1.9)
    assert abs(tot - pub) <= 3 * sigma, f"total {tot:.3g} +- {err:.2g} vs 11.0 (+2.1 -1.9)"


def test_both_methods_reported(budget_2022):
    comp, res = budget_2022
    for src in ("K+ -> pi+ pi0", "K+ -> mu+ nu", "K+ -> pi+ pi+ pi-"):
        assert comp[src]["data_driven"] is not None and comp[src]["data_driven"] >= 0
    assert res["background_total"] == pytest.approx(sum(c["simulation"] for c in comp.values()))


def test_2017_calibration_is_well_posed():
    # the shipped fit: converged, ndf = number of published numbers (one prior per parameter), every
    # published 2017 number within 3.29 sigma (two-sided 1e-3), every parameter's ln-error within its prior
    # width, and the two mis-identification scales pinned by the 2017 K+ -> mu+ nu lines (the mu+ -> e+
    # part from the forced-decay sample) to better than half their prior width. The photon-veto and
    # extra-charged scales and the tail fractions are not: their 2017 terms are escape-dominated or
    # degenerate (pi+ pi0: scale x tail), so their errors stay near the prior (module docstring).
    cal = load_calibration("pnn-calibration.yaml")
    d = cal.details
    assert d["fit_success"] and d["ndf"] == d["n_sources"] >= 7
    for name, s in d["sources"].items():
        assert abs(s["pull"]) < 3.29, (name, s)
    names = cal.log_covariance["names"]
    ln_err = {n: math.sqrt(cal.log_covariance["matrix"][i][i]) for i, n in enumerate(names)}
    for n, e in ln_err.items():
        assert e <= PRIORS[n][1] * (1 + 1e-6), (n, e, PRIORS[n][1])
    for n in ("muon_as_pion", "electron_as_pion"):
        assert ln_err[n] < 0.5 * PRIORS[n][1], (n, ln_err[n])


def test_data_driven_pipi0_against_published(budget_2022):
    # issue #12 item 5: with the inner-bremsstrahlung sample in the control sample, f_kin was 2.3e-3 (99.99% from
    # K+ -> pi+ pi0 gamma) and the data-driven estimate 10.0 +- 1.7 against 0.83 +- 0.05 published (--quick run),
    # flagged "ok". Now the radiative events are simulated (pnn_budget.data_driven); checked here at 3 combined
    # sigma, the check the simulation estimates get in this module (the summary's band rule is 2 sigma and its
    # reliability the registry's; both are stated on the run's outputs).
    comp, res = budget_2022
    c = comp["K+ -> pi+ pi0"]
    assert res["backgrounds"]["K+ -> pi+ pi0"]["data_driven_simulated_radiative"] > 0
    assert res["backgrounds"]["K+ -> pi+ pi0"]["tail_fraction"] < 2e-3
    sigma = math.hypot(c["data_driven_error"], 0.05)
    assert abs(c["data_driven"] - 0.83) <= 3 * sigma, f"{c['data_driven']:.3g} +- {c['data_driven_error']:.2g}"
