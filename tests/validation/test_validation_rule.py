"""The status rule (kaonportal.validation.rule): agree / tension / disagree from the deviation in tolerances and the
pull; a value outside its tolerance is never 'agree'."""

import math

import numpy as np
import pytest

from kaonportal.validation.rule import classify, deviation, pull, tolerance_parts, worst

TOLERANCES = [{"relative": 0.1}, {"factor": 2.0}, {"absolute": 0.05}]


@pytest.mark.parametrize("tol", TOLERANCES)
def test_outside_tolerance_or_large_pull_is_never_agree(tol):
    rng = np.random.default_rng(13)
    for _ in range(2000):
        p = float(rng.uniform(0.1, 10.0))
        x = float(p * np.exp(rng.normal(0, 1.0)))
        x_err = float(rng.choice([0.0, rng.uniform(0, 5 * p)]))
        p_err = float(rng.choice([0.0, rng.uniform(0, 5 * p)]))
        same = bool(rng.random() < 0.2)
        r = classify(x, x_err or None, p, p_err or None, p_err or None, tol, same)
        # the deviation in units of the effective tolerance (allowance (+) both errors), recomputed here
        parts = tolerance_parts(x, x_err or None, p, p_err or None, p_err or None, tol, same)
        d = deviation(x, p, parts["effective"])
        z = None if same else pull(x, x_err or None, p, p_err or None, p_err or None)
        if d > 1 or (z is not None and abs(z) > 2):
            assert r["status"] != "agree", (x, p, tol, r)
        if d > 2 or (z is not None and abs(z) > 3):
            assert r["status"] == "disagree", (x, p, tol, r)
        if r["status"] == "agree":
            assert d <= 1 and (z is None or abs(z) <= 2)
        # the errors only widen the tolerance: never narrower than the stated allowance
        assert parts["total"] >= parts["model"]
        if same:
            assert r["pull"] is None and parts["total"] == parts["model"]


def test_tolerance_parts_add_in_quadrature():
    # K+ -> pi+ pi0 2021-22 (issue #13 audit): 1.32 +- 0.245 against 0.83 +- 0.05 with a x/÷1.5 allowance
    t = tolerance_parts(1.32, 0.245, 0.83, 0.05, 0.05, {"factor": 1.5})
    assert t["published"] == pytest.approx(math.log1p(0.05 / 0.83))
    assert t["kaonportal"] == pytest.approx(math.log1p(0.245 / 1.32))
    assert t["total"] == pytest.approx(math.sqrt(math.log(1.5) ** 2 + t["published"] ** 2 + t["kaonportal"] ** 2))
    r = tolerance_parts(1.1, 0.03, 1.0, 0.04, 0.04, {"relative": 0.05})
    assert r["total"] == pytest.approx(math.sqrt(0.05**2 + 0.04**2 + 0.03**2))
    a = tolerance_parts(0.03, 0.02, 0.0, 0.01, 0.01, {"absolute": 0.01})
    assert a["total"] == pytest.approx(math.sqrt(0.01**2 + 0.01**2 + 0.02**2))


def test_audit_pipi0_example_is_not_agree():
    # issue #13 audit: 1.59x the published 0.83 +- 0.05 with a pull of 1.9 was 'agree' with a bare factor 2
    r = classify(1.32, 0.245, 0.83, 0.05, 0.05, {"factor": 1.5})
    assert r["pull"] == pytest.approx(0.49 / math.hypot(0.245, 0.05)) and r["deviation"] > 1 and r["status"] == "tension"


def test_pull_between_2_and_3_inside_tolerance_is_tension():
    r = classify(1.05, 0.02, 1.0, 0.01, 0.01, {"relative": 0.2})
    assert r["deviation"] < 1 and 2 < r["pull"] < 3 and r["status"] == "tension"


def test_deviation_units():
    assert deviation(1.1, 1.0, {"relative": 0.1}) == pytest.approx(1.0)
    assert deviation(4.0, 1.0, {"factor": 2.0}) == pytest.approx(2.0)    # x4 = two factors of 2
    assert deviation(0.25, 1.0, {"factor": 2.0}) == pytest.approx(2.0)   # symmetric in ratio
    assert deviation(0.03, 0.0, {"absolute": 0.01}) == pytest.approx(3.0)
    assert math.isinf(deviation(0.0, 1.0, {"factor": 2.0}))


def test_pull_uses_the_published_error_on_the_side_of_x():
    # published 11.0 +2.1 -1.9: a value above uses 2.1, below uses 1.9
    assert pull(13.0, 1.0, 11.0, 1.9, 2.1) == pytest.approx(2.0 / math.hypot(1.0, 2.1))
    assert pull(9.0, 1.0, 11.0, 1.9, 2.1) == pytest.approx(-2.0 / math.hypot(1.0, 1.9))
    assert pull(9.0, None, 11.0, 1.9, 2.1) is None           # a kaonportal number without error: no pull
    assert pull(9.0, 1.0, 11.0, None, None) is None          # a published limit: no pull


def test_inside_tolerance_but_large_pull_is_disagree():
    # N_K closure: 1% off (inside 3%) but 10 sigma with tiny errors: statistics cannot explain it
    r = classify(1.01, 0.001, 1.0, 0.0005, 0.0005, {"relative": 0.03})
    assert r["deviation"] < 1 and r["pull"] > 3 and r["status"] == "disagree"


def test_far_outside_but_statistically_compatible_is_disagree():
    # 5x with 60% errors: the errors widen the tolerance (x/÷2.3) but 5x is still more than two tolerances away
    r = classify(5.0, 3.0, 1.0, 0.5, 0.5, {"factor": 1.5})
    assert r["deviation"] > 2 and abs(r["pull"]) < 3 and r["status"] == "disagree"


def test_same_data_has_no_pull_and_allowance_only():
    r = classify(1.06, 0.3, 1.0, 0.3, 0.3, {"relative": 0.1}, same_data=True)
    assert r["pull"] is None and r["tolerance"]["total"] == pytest.approx(0.1) and r["status"] == "agree"


def test_issue_example_pipi0_data_driven_disagrees():
    # issue #13: a data-driven K+ -> pi+ pi0 background of 10.7 +- 1.7 events against the published 0.83 +- 0.05
    r = classify(10.7, 1.7, 0.83, 0.05, 0.05, {"factor": 2.0})
    assert r["status"] == "disagree" and r["ratio"] == pytest.approx(12.9, rel=0.01)


def test_missing_value():
    for x in (None, float("nan"), float("inf")):
        assert classify(x, None, 1.0, None, None, {"factor": 2})["status"] == "missing"


def test_worst():
    assert worst(["agree", "missing", "tension", "disagree"]) == "disagree"
    assert worst(["agree", "missing"]) == "missing"
