"""SM prediction of BR(K+ -> pi+ nu nubar) and the Grossman-Nir bound (analyses.sm)."""

import math

import pytest

from kaonportal.analyses.sm import (GROSSMAN_NIR_FACTOR, grossman_nir_bound, sm_prediction, tension_sigma)
from kaonportal.errors import InputError


def test_sm_reproduces_buras_2015():
    # (8.4 +- 1.0)e-11: Buras et al. JHEP 11 (2015) 033, the SM value NA62 uses (published_results.md C).
    # Published to two significant digits, so value and error must agree within half a unit of the last
    # digit (0.05e-11).
    for method in ("parametric", "full"):
        r = sm_prediction(method=method)
        assert abs(r.value - 8.4e-11) < 0.05e-11, method
        assert abs(r.error - 1.0e-11) < 0.05e-11, method


def test_full_and_parametric_agree():
    # BBGK's parametric formula is a fit to their full expression: within 1% at the reference point.
    a, b = sm_prediction(method="parametric").value, sm_prediction(method="full").value
    assert abs(a / b - 1) < 0.01


def test_monte_carlo_propagation_matches_linear():
    # 20000 draws: MC statistical precision on the 68% half-width ~0.5%; the parametric formula is
    # mildly non-linear (|V_cb|^2.8), so allow 5% between the two propagation methods.
    lin = sm_prediction(propagation="linear")
    mc = sm_prediction(propagation="mc", seed=3)
    assert abs(mc.error / lin.error - 1) < 0.05
    assert abs(mc.value / lin.value - 1) < 0.02
    assert sm_prediction(propagation="mc", seed=3).value == mc.value


def test_overrides_propagate():
    up = sm_prediction({"v_cb": (0.0422, 0.0008)})
    # BR scales as |V_cb|^2.8 in the parametric formula
    assert math.isclose(up.value / sm_prediction().value, (42.2 / 40.7) ** 2.8, rel_tol=1e-9)
    assert up.error < sm_prediction().error
    with pytest.raises(InputError):
        sm_prediction({"v_cb": (-0.04, 0.001)})
    with pytest.raises(InputError):
        sm_prediction(method="lattice")


def test_grossman_nir():
    # Grossman & Nir PLB 398 (1997) 163: BR(KL) < 4.3 BR(K+) with current kappa_L/kappa_+ (BBGK 2015).
    assert abs(GROSSMAN_NIR_FACTOR - 4.3) < 0.05
    b = grossman_nir_bound(13.0e-11, 3.3e-11)
    assert math.isclose(b["bound"], GROSSMAN_NIR_FACTOR * 13.0e-11)
    assert b["bound_plus1sigma"] > b["bound"]


def test_tension_uses_facing_error():
    # NA62 2016-22 BR (13.0 +3.3 -3.0)e-11 vs SM: the lower error faces the prediction.
    t = tension_sigma(13.0e-11, 3.0e-11, 3.3e-11, 8.4e-11, 1.0e-11)
    assert math.isclose(t, 4.6 / math.hypot(3.0, 1.0), rel_tol=1e-9)
    assert tension_sigma(5e-11, 1e-11, 2e-11, 8.4e-11, 0.0) == pytest.approx(-3.4 / 2.0)
