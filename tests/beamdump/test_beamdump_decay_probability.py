"""Closed-form checks of the decay probability and of the importance-sampled decay weights."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaonportal.beamdump.detection import Detection, decay_weights
from kaonportal.kinematics import decay_probability

# NA62 dump geometry of portal_formulas.md section 1 ([C] rows): production at the TAX front,
# z1 = 79.36 m, z2 = 156.93 m from it.
Z1, Z2 = 79.36, 156.93


def test_check_value_p100_m05_ctau1():
    # portal_formulas.md section 1 [C]: p = 100 GeV, m = 0.5 GeV, c tau = 1 m -> P = 0.216 (3 digits quoted)
    assert decay_probability(100.0, 0.5, 1.0, Z1, Z2) == pytest.approx(0.216, abs=5e-4)


def test_maximum_probability_and_its_decay_length():
    # [C]: lambda* = (z2 - z1)/ln(z2/z1) = 113.8 m and P_max = 0.246 (quoted to 3-4 digits)
    lam_star = (Z2 - Z1) / np.log(Z2 / Z1)
    assert lam_star == pytest.approx(113.8, abs=0.05)
    lam = np.linspace(20, 600, 20001)
    p = decay_probability(lam, 1.0, 1.0, Z1, Z2)       # p/m = 1 so lambda = c tau
    assert lam[np.argmax(p)] == pytest.approx(lam_star, rel=1e-3)
    assert p.max() == pytest.approx(0.246, abs=5e-4)


def test_long_lifetime_limit_is_linear_in_width():
    # lambda >> z2: P -> (z2 - z1)/lambda (portal_formulas.md section 1, "useful limits")
    lam = 1e9
    assert decay_probability(lam, 1.0, 1.0, Z1, Z2) == pytest.approx((Z2 - Z1) / lam, rel=1e-6)


def _det(p, flight_to, flight_in):
    n = np.size(p)
    return Detection(np.ones(n), np.asarray(p, float), np.asarray(flight_to, float),
                     np.asarray(flight_in, float), np.zeros(n), np.zeros(n))


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=1.0, max_value=1e5), st.floats(min_value=-2, max_value=4))
def test_uniform_decay_point_weights_average_to_decay_probability(p, log_ctau):
    # Mean of (L/lambda) exp(-l/lambda) over l uniform in [z1, z2] equals exp(-z1/lambda) - exp(-z2/lambda).
    # Midpoint-rule quadrature with 4000 points: relative error < 1e-5 whenever P is not vanishingly small.
    ctau, m = 10.0 ** log_ctau, 0.3
    n = 4000
    l = Z1 + (Z2 - Z1) * (np.arange(n) + 0.5) / n
    det = _det(np.full(n, p), l, np.full(n, Z2 - Z1))
    mean = decay_weights(det, m, ctau)[:, 0].mean()
    exact = float(decay_probability(p, m, ctau, Z1, Z2))
    if exact > 1e-200:
        assert mean == pytest.approx(exact, rel=2e-4)
    else:
        assert mean < 1e-150


def test_decay_weights_vectorised_over_ctau():
    det = _det([50.0, 200.0], [100.0, 150.0], [75.0, 75.0])
    w = decay_weights(det, 0.5, [0.1, 1.0, 10.0])
    assert w.shape == (2, 3)
    lam = np.array([50.0, 200.0])[:, None] / 0.5 * np.array([0.1, 1.0, 10.0])[None, :]
    expect = 75.0 / lam * np.exp(-np.array([100.0, 150.0])[:, None] / lam)
    assert np.allclose(w, expect, rtol=1e-12)
