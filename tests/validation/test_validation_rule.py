"""The status rule (kaonportal.validation.rule): agree / tension / disagree from the deviation in tolerances and the
pull; a value outside its tolerance is never 'agree'."""

import math

import numpy as np
import pytest

from kaonportal.validation.rule import classify, deviation, pull, worst

TOLERANCES = [{"relative": 0.1}, {"factor": 2.0}, {"absolute": 0.05}]


@pytest.mark.parametrize("tol", TOLERANCES)
def test_outside_tolerance_is_never_agree(tol):
    rng = np.random.default_rng(13)
    for _ in range(2000):
        p = float(rng.uniform(0.1, 10.0))
        x = float(p * np.exp(rng.normal(0, 1.0)))
        x_err = float(rng.choice([0.0, rng.uniform(0, 5 * p)]))
        p_err = float(rng.choice([0.0, rng.uniform(0, 5 * p)]))
        r = classify(x, x_err or None, p, p_err or None, p_err or None, tol)
        d = deviation(x, p, tol)
        if d > 1:
            assert r["status"] != "agree", (x, p, tol, r)
        if r["status"] == "agree":
            assert d <= 1 and (r["pull"] is None or abs(r["pull"]) <= 3)
        if r["status"] == "disagree":
            assert d > 2 and (r["pull"] is None or abs(r["pull"]) > 3)


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


def test_inside_tolerance_but_large_pull_is_tension():
    # N_K closure: 1% off (inside 3%) but 10 sigma with tiny errors
    r = classify(1.01, 0.001, 1.0, 0.0005, 0.0005, {"relative": 0.03})
    assert r["status"] == "tension" and r["pull"] > 3


def test_far_outside_but_statistically_compatible_is_tension():
    r = classify(5.0, 3.0, 1.0, 0.5, 0.5, {"factor": 1.5})
    assert r["deviation"] > 2 and abs(r["pull"]) < 3 and r["status"] == "tension"


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
