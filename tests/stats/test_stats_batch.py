"""stats.batch.upper_limits equals upper_limit called once per problem, bit for bit: the batched asymptotic
problems converge each on its own (element-wise operations only), the others go through upper_limit."""

import numpy as np
import pytest

from kaonportal.errors import InputError
from kaonportal.stats import Dataset, upper_limit
from kaonportal.stats.batch import upper_limits


def _problems(seed: int, k: int) -> list:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(k):
        b = float(10 ** rng.uniform(2.7, 6.0))               # asymptotic (b > 500) over 3 decades
        n = int(rng.poisson(b))
        err = float(b * rng.choice([0.0, 0.01, 0.1, 0.3]))
        out.append([Dataset(f"p{i}", n, b, float(10 ** rng.uniform(-9, -5)), background_error=err)])
    return out


def test_batched_asymptotic_limits_equal_single_calls_bit_for_bit():
    probs = _problems(1, 24)
    probs.append([Dataset("asimov", 20000, 20000.0, 1e-7, background_error=2000.0)])   # kmunux's expected count
    probs.append([Dataset("deficit", 700, 1000.0, 1e-7, background_error=10.0)])       # limit below the median
    got = upper_limits(probs, cl=0.9)
    for p, lim in zip(probs, got):
        ref = upper_limit(p, cl=0.9)
        assert lim == ref                                   # every field, floats bit for bit
        assert lim.calculator == "asymptotic"
    obs_only = upper_limits(probs[:5], cl=0.95, expected=False)
    assert [lim.upper_limit for lim in obs_only] == [upper_limit(p, cl=0.95, expected=False).upper_limit
                                                     for p in probs[:5]]
    assert all(lim.expected == {} for lim in obs_only)


def test_other_problems_go_through_upper_limit_in_order():
    probs = [[Dataset("exact", 3, 1.2, 1e-9)],                                    # small counts: exact
             [Dataset("ses", 2000, 2100.0, 1e-8, background_error=50.0, ses_error=1e-9)],   # Newton nuisances
             _problems(2, 1)[0],
             [Dataset("a", 900, 1000.0, 1.0), Dataset("b", 1200, 1100.0, 2.0, background_error=30.0)]]
    got = upper_limits(probs, cl=0.9)
    assert [g.calculator for g in got] == ["exact", "asymptotic", "asymptotic", "asymptotic"]
    for p, lim in zip(probs, got):
        assert lim == upper_limit(p, cl=0.9)


def test_bad_input_names_the_field():
    with pytest.raises(InputError, match="cl"):
        upper_limits(_problems(3, 2), cl=1.5)
    with pytest.raises(InputError, match=r"datasets\[0\].observed"):
        upper_limits([[{"observed": -1, "background": 1.0, "ses": 1.0}]])
