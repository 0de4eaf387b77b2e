"""Measurement: ML value, profile-likelihood errors and significance against closed forms."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from kaonportal.stats import Dataset, measure


def _poisson_interval(n, b):
    """Delta(-2 ln L) = 1 points for Pois(n | s + b) in s (no nuisances), by brute force."""
    def rise(s):
        lam = s + b
        return 2 * ((lam - n * math.log(lam)) - (n - n * math.log(n))) - 1
    return brentq(rise, 1e-12 - b + 1e-9 if b > 0 else 1e-12, n - b), brentq(rise, n - b, 10 * n + 10)


@pytest.mark.parametrize("n,b", [(10, 2.0), (31, 11.0), (5, 0.5)])
def test_value_errors_and_significance_without_nuisances(n, b):
    ses = 3e-11
    m = measure([Dataset("a", n, b, ses=ses)])
    lo, hi = _poisson_interval(n, b)
    assert m.value == pytest.approx((n - b) * ses, rel=1e-8)
    assert m.value - m.error_low == pytest.approx(max(lo, 0.0) * ses, rel=1e-6)
    assert m.value + m.error_high == pytest.approx(hi * ses, rel=1e-6)
    # Z = sqrt(2 (n ln(n/b) - (n - b))): Cowan et al. EPJC 71 (2011) 1554, eq. 97
    assert m.significance == pytest.approx(math.sqrt(2 * (n * math.log(n / b) - (n - b))), rel=1e-6)


def test_zero_observed_gives_zero_with_positive_upper_error():
    m = measure([Dataset("a", 0, 1.0, ses=1.0)])
    assert m.value == 0.0 and m.error_low == 0.0 and m.significance == 0.0
    # profile curve 2 s = 1 -> s = 0.5 (nll = s + b for n = 0)
    assert m.error_high == pytest.approx(0.5, rel=1e-8)


def test_nuisances_widen_the_interval_and_reduce_the_significance():
    base = measure([Dataset("a", 31, 11.0, ses=1.0)])
    wide = measure([Dataset("a", 31, 11.0, ses=1.0, background_error_low=1.9, background_error_high=2.1,
                            ses_error=0.03)])
    assert wide.error_high > base.error_high and wide.error_low > base.error_low
    assert wide.significance < base.significance
    # exact discrete significance is reported for one dataset and is close to the asymptotic one here
    assert wide.significance_exact == pytest.approx(wide.significance, abs=0.3)


def test_combination_of_identical_datasets_halves_the_variance():
    one = measure([Dataset("a", 40, 10.0, ses=1.0)])
    two = measure([Dataset("a", 40, 10.0, ses=1.0), Dataset("b", 40, 10.0, ses=1.0)])
    assert two.value == pytest.approx(one.value, rel=1e-6)
    assert two.significance == pytest.approx(one.significance * np.sqrt(2), rel=1e-6)
