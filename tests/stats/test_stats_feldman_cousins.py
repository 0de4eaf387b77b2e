"""Feldman-Cousins: the published Table IV and coverage by pseudo-experiments."""

import numpy as np
import pytest

from kaonportal.stats import Dataset, poisson_upper_limit, upper_limit
from kaonportal.stats.feldman_cousins import fc_interval

# G. J. Feldman and R. D. Cousins, PRD 57 (1998) 3873, Table IV (90% C.L. intervals for the Poisson
# signal mean, known background b). Printed with two decimals -> tolerance 0.005 (+ rounding slack 0.001).
TABLE_IV = [
    (0, 0.0, 0.00, 2.44), (1, 0.0, 0.11, 4.36), (2, 0.0, 0.53, 5.91), (3, 0.0, 1.10, 7.42),
    (4, 0.0, 1.47, 8.60), (5, 0.0, 1.84, 9.99),
    (0, 0.5, 0.00, 1.94), (1, 0.5, 0.00, 3.86),
    (0, 1.0, 0.00, 1.61),
]


# More Table IV entries where the paper's table is the plain construction (n0 not below the region where
# the table is adjusted, see the module docstring): the b = 0 column, n0 = 6..10, and the b = 3.0 column,
# n0 = 1..10 (the b = 3.0, n0 = 0 entry is adjusted: test_table_iv_adjusted_entries_are_the_envelope_in_b).
TABLE_IV += [
    (6, 0.0, 2.21, 11.47), (7, 0.0, 3.56, 12.53), (8, 0.0, 3.96, 13.99), (9, 0.0, 4.36, 15.30), (10, 0.0, 5.50, 16.50),
    (1, 3.0, 0.00, 1.88), (2, 3.0, 0.00, 3.04), (3, 3.0, 0.00, 4.42), (4, 3.0, 0.00, 5.60), (5, 3.0, 0.00, 6.99),
    (6, 3.0, 0.15, 8.47), (7, 3.0, 0.89, 9.53), (8, 3.0, 1.51, 10.99), (9, 3.0, 1.88, 12.30), (10, 3.0, 2.63, 13.50),
]


@pytest.mark.parametrize("n0,b,lo,hi", TABLE_IV)
def test_feldman_cousins_table_iv(n0, b, lo, hi):
    got_lo, got_hi = fc_interval(n0, [b], [1.0], [1.0], 0.9)
    assert got_lo == pytest.approx(lo, abs=0.006)
    assert got_hi == pytest.approx(hi, abs=0.006)


def test_fc_through_the_public_api():
    assert poisson_upper_limit(0, 0.0, 0.9, method="fc") == pytest.approx(2.44, abs=0.006)
    lim = upper_limit([Dataset("a", 0, 0.0, ses=1e-10)], cl=0.9, method="fc")
    assert lim.method == "fc" and lim.upper_limit == pytest.approx(2.44e-10, rel=0.003)


@pytest.mark.parametrize("b", [0.5, 3.0])
@pytest.mark.parametrize("s_true", [0.5, 2.0, 4.0])
def test_fc_coverage_with_toys(s_true, b):
    """Coverage >= 90% on a small grid (b x s), from 3000 pseudo-experiments per point.

    Binomial error of the coverage estimate at 0.9: sqrt(0.09/3000) = 0.0055; requiring >= 0.9 - 3 sigma
    gives a false-alarm rate of 0.13% per point for a method with exact coverage.
    """
    rng = np.random.default_rng(20260101 + int(10 * s_true) + int(100 * b))
    n = rng.poisson(s_true + b, 3000)
    cache = {k: fc_interval(int(k), [b], [1.0], [1.0], 0.9) for k in np.unique(n)}
    covered = np.array([cache[k][0] <= s_true <= cache[k][1] for k in n])
    assert covered.mean() >= 0.9 - 3 * np.sqrt(0.09 / 3000)


def test_fc_with_background_uncertainty_stays_close_to_known_background():
    from kaonportal.stats.hybrid import nuisance_nodes
    from kaonportal.stats.model import build_arrays

    beta, eps, w = (x[0, 0] for x in nuisance_nodes(build_arrays([Dataset("a", 3, 1.0, 1.0, background_error=0.5)]),
                                                     kb=16, ks=1))
    lo_u, hi_u = fc_interval(3, beta, eps, w, 0.9)
    lo_k, hi_k = fc_interval(3, [1.0], [1.0], [1.0], 0.9)
    # The averaged upper end need not be larger (the truncated prior raises the mean background, cf.
    # Conrad et al., PRD 67 (2003) 012002); the lower end moves down, and a 50% error changes the
    # interval by O(10%) only.
    assert lo_u <= lo_k + 1e-3
    assert hi_u == pytest.approx(hi_k, rel=0.15)


def test_fc_several_datasets_reduces_to_one_when_the_other_has_no_signal():
    from kaonportal.stats.feldman_cousins import fc_interval_multi

    # the second dataset carries no signal: its counts factor out of the likelihood ratio
    lo, hi = fc_interval_multi([1, 3], [1.0, 0.0], [[0.5], [2.0]], [[1.0], [1.0]], [[1.0], [1.0]], 0.9,
                               br_max=11.0)
    lo1, hi1 = fc_interval(1, [0.5], [1.0], [1.0], 0.9)
    assert (lo, hi) == pytest.approx((lo1, hi1), abs=1e-5)


def test_fc_several_datasets_coverage_with_toys():
    """Two datasets (signal 1.0 and 0.5 events per unit BR, b = 0.5 and 1.0), true BR = 2: coverage >= 90%
    from 2000 pseudo-experiments (binomial error 0.0067, 3 sigma -> false-alarm rate 0.13%)."""
    from kaonportal.stats.feldman_cousins import FCMulti

    spb, b, br_true = np.array([1.0, 0.5]), np.array([0.5, 1.0]), 2.0
    rng = np.random.default_rng(77)
    n = rng.poisson(br_true * spb + b, size=(2000, 2))
    belt = FCMulti(spb, b[:, None], np.ones((2, 1)), np.ones((2, 1)), 0.9, br_max=12.0, n_min=n.max(axis=0))
    rows, inverse = np.unique(n, axis=0, return_inverse=True)
    intervals = np.array([belt.interval(r) for r in rows])[inverse.ravel()]
    covered = (intervals[:, 0] <= br_true) & (br_true <= intervals[:, 1])
    assert covered.mean() >= 0.9 - 3 * np.sqrt(0.09 / 2000)


def test_fc_combination_through_the_api():
    d = [Dataset("a", 1, 0.2, ses=1.0), Dataset("b", 2, 1.5, ses=0.5, background_error=0.3)]
    lim = upper_limit(d, method="fc", cl=0.9)
    assert lim.method == "fc" and np.isfinite(lim.upper_limit) and lim.upper_limit > 0
    e = lim.expected
    assert e["minus2"] <= e["median"] <= e["plus2"]


def _upper_envelope_in_b(n0, b, span=1.0, db=0.01, dmu=0.002):
    """max over b' in [b, b + span] (grid db) of the largest signal (grid dmu) whose 90% acceptance region
    contains n0: the module's construction, maximised over larger backgrounds. Both grids make this a
    lower bound of the supremum, by < 0.004 here (upper ends move by < 0.4 per unit b' near the maximum)."""
    from kaonportal.stats.feldman_cousins import _Model, fc_acceptance

    mu = np.arange(0.0, 2.0, dmu)
    best = 0.0
    for bp in np.arange(b, b + span + 1e-9, db):
        acc = fc_acceptance(mu, _Model([bp], [1.0], [1.0]), 0.9, 45, n0)   # P(n > 45 | mu + b' <= 13) < 1e-9
        best = max(best, float(mu[acc].max()))
    return best


# FC Tables IV (b <= 5) and V (b >= 6), 90% CL: entries printed larger than the construction for the given
# b. (n0, b, this module's upper end, FC's printed upper end)
ADJUSTED = [(0, 3.0, 0.953, 1.08),          # Table IV, b = 3.0, n0 = 0: the entry of the closing note
            (0, 2.0, 1.081, 1.26),          # Table IV, b = 2.0, n0 = 0
            (0, 5.0, 0.771, 0.98),          # Table IV, b = 5.0, n0 = 0
            (0, 10.0, 0.748, 0.93)]         # Table V, b = 10.0, n0 = 0


@pytest.mark.parametrize("n0,b,ours,printed", ADJUSTED)
def test_table_iv_adjusted_entries_are_the_envelope_in_b(n0, b, ours, printed):
    """The documented convention: fc_interval is the construction for the given b (pinned to 0.002, its
    refinement is 1e-6 and the values above are rounded to 0.001); FC's printed entry is its supremum over
    backgrounds b' >= b. The table's upper ends decrease with b (its b + 1 columns are lower), so the
    supremum is searched in [b, b + 1]. Tolerance 0.01: printed to 0.01 (+-0.005) plus the grids' < 0.004
    underestimate of the supremum."""
    assert fc_interval(n0, [b], [1.0], [1.0], 0.9)[1] == pytest.approx(ours, abs=0.002)
    assert ours < printed - 0.1                                  # a real difference, not rounding
    assert _upper_envelope_in_b(n0, b) == pytest.approx(printed, abs=0.01)
