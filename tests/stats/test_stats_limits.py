"""CLs upper limits: defining property, known values, multi-dataset combination, bands."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kaonportal.stats import Dataset, cls_value, poisson_upper_limit, upper_limit


def test_zero_observed_zero_background_is_2_303_events():
    # CLs at n = 0: exp(-s) = 1 - CL  ->  s = -ln(0.1) = 2.3026 at 90% CL (Read, J. Phys. G 28 (2002) 2693)
    assert poisson_upper_limit(0, 0.0, 0.9) == pytest.approx(-math.log(0.1), abs=1e-6)
    lim = upper_limit([Dataset("z", 0, 0.0, ses=2e-10)], cl=0.9)
    assert lim.signal_events_limit == pytest.approx(2.302585, abs=1e-5)
    assert lim.upper_limit == pytest.approx(2.302585 * 2e-10, rel=1e-6)


@pytest.mark.parametrize("b", [0.0, 0.5, 3.0, 20.0])
def test_cls_limit_at_zero_observed_does_not_depend_on_background(b):
    # with n = 0, CLs = exp(-(s+b)) / exp(-b) = exp(-s): a known property of CLs
    assert poisson_upper_limit(0, b, 0.95) == pytest.approx(-math.log(0.05), abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 60), b=st.floats(0.0, 50.0), cl=st.floats(0.5, 0.99),
       berr=st.sampled_from([0.0, 0.1, 0.3]), serr=st.sampled_from([0.0, 0.1]))
def test_cls_equals_one_minus_cl_at_the_limit(n, b, cl, berr, serr):
    """The defining property: at the returned limit CLs = 1 - CL (to 1e-4), with and without nuisances."""
    d = Dataset("h", n, b, ses=1.0, background_error=berr * b, ses_error=serr)
    lim = upper_limit([d], cl=cl, calculator="exact", expected=False)
    assert cls_value([d], lim.upper_limit)[0] == pytest.approx(1.0 - cl, abs=1e-4)


def test_known_background_values():
    # n = 1, b = 0: CLs+b = e^-s (1+s) = 0.1 -> s = 3.8897 (CL_b = 1)
    assert poisson_upper_limit(1, 0.0, 0.9) == pytest.approx(3.88972, abs=1e-4)
    # limits grow with n and shrink with b
    lims = [poisson_upper_limit(n, 2.0, 0.9) for n in range(6)]
    assert all(np.diff(lims) > 0)
    assert poisson_upper_limit(3, 1.0) > poisson_upper_limit(3, 2.0)


def test_two_datasets_with_equal_sensitivity_ratio_equal_the_merged_dataset():
    # With s_i / b_i equal in both datasets the LEP statistic is proportional to n1 + n2, so the
    # combination must reproduce the single dataset with summed counts (tests the convolution).
    a = Dataset("a", 2, 1.0, ses=2e-10)
    b = Dataset("b", 3, 2.0, ses=1e-10)
    merged = Dataset("ab", 5, 3.0, ses=1.0 / (1 / 2e-10 + 1 / 1e-10))
    assert upper_limit([a, b], expected=False).upper_limit == pytest.approx(
        upper_limit([merged], expected=False).upper_limit, rel=1e-6)


def test_toys_calculator_agrees_with_exact():
    d = [Dataset("a", 2, 1.5, ses=1.0, background_error=0.3), Dataset("b", 1, 0.5, ses=2.0)]
    exact = upper_limit(d, cl=0.9, expected=False).upper_limit
    toys = upper_limit(d, cl=0.9, calculator="toys", ntoys=20000, seed=3, expected=False).upper_limit
    # 20000 toys: CLs+b ~ 0.1 known to ~2% -> limit to ~1.5%; 4% keeps the false-alarm rate negligible
    assert toys == pytest.approx(exact, rel=0.04)


def test_background_uncertainty_weakens_the_limit():
    base = upper_limit([Dataset("a", 3, 2.0, 1.0)], expected=False).upper_limit
    for kw in ({"background_error": 1.0}, {"background_error": 1.0, "background_model": "lognormal"},
               {"background_error_low": 0.5, "background_error_high": 1.5}, {"ses_error": 0.2}):
        assert upper_limit([Dataset("a", 3, 2.0, 1.0, **kw)], expected=False).upper_limit > base


def test_expected_band_is_ordered_and_median_matches_median_count():
    lim = upper_limit([Dataset("a", 5, 4.0, ses=1.0)], cl=0.9)
    e = lim.expected
    assert e["minus2"] <= e["minus1"] <= e["median"] <= e["plus1"] <= e["plus2"]
    # median of Poisson(4) is 4: the median expected limit is the limit for n = 4
    assert e["median"] == pytest.approx(poisson_upper_limit(4, 4.0, 0.9), rel=1e-9)
    # +-1 sigma: smallest n with CDF >= Phi(-1) = 0.1587 is 2, with CDF >= 0.8413 is 6
    assert e["minus1"] == pytest.approx(poisson_upper_limit(2, 4.0, 0.9), rel=1e-9)
    assert e["plus1"] == pytest.approx(poisson_upper_limit(6, 4.0, 0.9), rel=1e-9)


def test_multi_dataset_expected_band_is_reproducible_and_ordered():
    d = [Dataset("a", 1, 0.5, ses=1.0), Dataset("b", 2, 1.5, ses=0.5, background_error=0.3)]
    e1 = upper_limit(d, seed=5, ntoys=300).expected
    e2 = upper_limit(d, seed=5, ntoys=300).expected
    assert e1 == e2
    assert e1["minus2"] <= e1["minus1"] <= e1["median"] <= e1["plus1"] <= e1["plus2"]


def test_large_counts_use_the_asymptotic_calculator_and_agree_with_exact():
    d = [Dataset("big", 900, 880.0, ses=1.0)]
    auto = upper_limit(d, cl=0.95, expected=False)
    assert auto.calculator == "asymptotic"
    exact = upper_limit(d, cl=0.95, calculator="exact", expected=False)
    # at ~900 events the asymptotic and exact discrete CLs differ by the discreteness only (< 2%)
    assert auto.upper_limit == pytest.approx(exact.upper_limit, rel=0.02)


@settings(max_examples=10, deadline=None)
@given(n=st.lists(st.integers(0, 6), min_size=2, max_size=3), seed=st.integers(0, 10_000))
@example(n=[4, 0, 0], seed=720)
def test_cls_equals_one_minus_cl_at_the_limit_several_datasets(n, seed):
    rng = np.random.default_rng(seed)
    ds = [Dataset(f"d{i}", k, float(rng.uniform(0.0, 4.0)), ses=float(rng.uniform(0.5, 2.0)),
                  background_error=float(rng.uniform(0.0, 0.5))) for i, k in enumerate(n)]
    lim = upper_limit(ds, cl=0.9, expected=False).upper_limit
    # With several datasets CLs(BR) can jump where an outcome's statistic crosses the observed one
    # (e.g. n = [4, 0, 0], seed 720: 0.1011 -> 0.0989); the limit is then the crossing point: CLs is
    # 1 - CL (1e-4) there, or 1 - CL lies within the jump at that point.
    below, at, above = (cls_value(ds, lim * f)[0] for f in (1 - 1e-9, 1.0, 1 + 1e-9))
    assert at == pytest.approx(0.1, abs=1e-4) or (below >= 0.1 - 1e-4 and above <= 0.1 + 1e-4)


def test_profiled_efficiency_that_can_vanish_gives_no_asymptotic_limit():
    # a 90% SES error truncated at eps >= 0: the profile likelihood can switch the signal off at a cost of
    # (1/0.9)^2 / 2 in -ln L, so q~ never reaches the 90% CL value -> no limit (inf), not a huge number
    d = [Dataset("a", 4, 1.0, ses=1.0, ses_error=0.9)]
    assert math.isinf(upper_limit(d, calculator="asymptotic", expected=False).upper_limit)
    assert math.isfinite(upper_limit(d, calculator="exact", expected=False).upper_limit)


def test_fc_refuses_large_counts_with_a_clear_message():
    from kaonportal.errors import InputError

    with pytest.raises(InputError, match="use method=cls"):
        upper_limit([Dataset("big", 5000, 4900.0, ses=1.0)], method="fc")
    with pytest.raises(InputError, match="joint outcomes"):
        upper_limit([Dataset(f"d{i}", 40, 30.0, 1.0) for i in range(4)], method="fc")


@pytest.mark.parametrize("kw", [dict(background_error=0.19),                     # truncated at b = 0 (-0.8 sigma)
                                dict(background_error=0.1, background_model="lognormal"),
                                dict(background_error_low=0.05, background_error_high=0.12),
                                dict(ses_error=0.3)])
def test_nuisance_quadrature_against_adaptive_integration(kw):
    """CLs+b averaged over the constraint (Cousins-Highland) vs scipy.integrate.quad of the same integral."""
    from scipy.integrate import quad
    from scipy.stats import norm, poisson

    d = Dataset("q", 1, 0.15, ses=1.0, **kw)
    s = 3.0
    _, clsb, _ = cls_value([d], s)
    lo, hi = d.error_pair()
    if "ses_error" in kw:
        r = kw["ses_error"]
        num = quad(lambda t: poisson.cdf(1, s * (1 + r * t) + 0.15) * norm.pdf(t), -1 / r, 8)[0]
        ref = num / norm.sf(-1 / r)
    elif kw.get("background_model") == "lognormal":
        k = 1 + hi / 0.15
        ref = quad(lambda t: poisson.cdf(1, s + 0.15 * k**t) * norm.pdf(t), -8, 8)[0]
    else:
        beta = lambda t: 0.15 + (hi if t > 0 else lo) * t  # noqa: E731
        t0 = -0.15 / lo
        ref = quad(lambda t: poisson.cdf(1, s + beta(t)) * norm.pdf(t), t0, 8, points=[0.0])[0] / norm.sf(t0)
    assert clsb == pytest.approx(ref, rel=1e-6)
