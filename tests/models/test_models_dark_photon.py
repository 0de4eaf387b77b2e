"""Dark photon BC1/BC2 against portal_formulas.md section 3 (check values, limits, consistency)."""

import numpy as np
import pytest

from kaonportal.constants import ALPHA_EM, HBARC_GEV_M, mass
from kaonportal.errors import InputError
from kaonportal.models import get_model
from kaonportal.models.dark_photon import hadronic_width, lepton_width
from kaonportal.models.rratio import r_ratio


@pytest.fixture(scope="module")
def dp():
    return get_model("dark-photon")


# FORESEE Models/DarkPhoton/model/ctau.txt (DarkCast-derived), portal_formulas.md section 3.3 [L].
# Below 2 m_pi the width is purely leptonic (exact formula): 0.1 % tolerance (table rounding).
@pytest.mark.parametrize("m, ctau", [(0.010022, 8.0948e-12), (0.050022, 1.62174e-12)])
def test_ctau_leptonic_region(dp, m, ctau):
    assert float(dp.ctau_m(m, 1.0)) == pytest.approx(ctau, rel=1e-3)


# Hadronic region: our R(s) is a parametrisation (models/rratio.py), not the DarkCast data fit.
# 2 % where hadrons are a small correction (300, 500 MeV: the section 3.3 [C] note shows the
# ee+mumu+R estimate is itself 2 % off at 500 MeV); 5 % on the rho/omega peak and at 1 GeV, where
# the width is dominated by resonance tails and the table's 1-MeV grid sits on a steep slope.
@pytest.mark.parametrize("m, ctau, tol", [(0.300022, 1.4202e-13, 0.02), (0.500022, 6.546e-14, 0.02),
                                          (0.770022, 8.862e-15, 0.05), (1.000022, 2.589e-14, 0.05)])
def test_ctau_hadronic_region(dp, m, ctau, tol):
    assert float(dp.ctau_m(m, 1.0)) == pytest.approx(ctau, rel=tol)


def test_gamma_ee_check_value():
    # section 3.3 [C]: Gamma_ee(50.022 MeV) = 1.2168e-4 eps^2 GeV
    assert float(lepton_width(0.050022, 1.0, mass("e-"))) == pytest.approx(1.2168e-4, rel=1e-4)


def test_hadronic_width_uses_massless_normalisation():
    # pitfall 4 (section 7): Gamma_had = eps^2 (alpha m / 3) R, not Gamma_mumu(massive) * R
    m = np.array([0.3, 0.5, 0.8, 1.2])
    assert np.allclose(hadronic_width(m, 1.0), ALPHA_EM * m / 3 * r_ratio(m**2), rtol=1e-12)


def test_widths_vanish_at_thresholds(dp):
    m_mu, m_pi = mass("mu-"), mass("pi+")
    w = dp.partial_widths(np.array([2 * m_mu * (1 - 1e-9), 2 * m_mu]), 1.0)
    assert np.all(w["A' -> mu+ mu-"] == 0.0)
    w = dp.partial_widths(2 * m_pi * (1 + 1e-6), 1.0)
    assert float(w["A' -> pi+ pi-"]) < 1e-9 * float(w["A' -> e+ e-"])
    assert float(dp.total_width(2 * mass("e-"), 1.0)) == 0.0
    assert np.isinf(float(dp.ctau_m(2 * mass("e-"), 1.0)))


def test_sum_of_partials_and_scaling(dp):
    m = np.linspace(0.002, 2.9, 57)
    w = dp.partial_widths(m, 1e-3)
    assert np.allclose(sum(w.values()), dp.total_width(m, 1e-3), rtol=1e-12)
    brs = dp.branching_ratios(m, 1e-3)
    assert np.allclose(sum(brs.values()), 1.0)
    assert np.allclose(dp.ctau_m(m, 1e-4) / dp.ctau_m(m, 1e-3), 100.0, rtol=1e-10)
    assert np.allclose(dp.lifetime_s(m, 1e-3) * 2.99792458e8, dp.ctau_m(m, 1e-3), rtol=1e-9)


def test_broadcasting(dp):
    out = dp.ctau_m(np.array([[0.1], [0.2]]), np.array([1e-3, 1e-4, 1e-5]))
    assert out.shape == (2, 3)


@pytest.mark.parametrize("key, m, expected", [("pi0 -> gamma A'", 0.05, 1.2694e-6),
                                              ("eta -> gamma A'", 0.3, 2.70e-7),
                                              ("eta' -> gamma A'", 0.5, 1.78e-8)])
def test_meson_production_check_values(key, m, expected):
    # section 3.5 [C] at eps = 1e-3 for the point-like vertex (F = 1; the default multiplies by the measured
    # transition form factor, tests/models/test_models_transition_ff.py); 3 significant digits (0.5 %; PDG BRs)
    point_like = get_model("dark-photon", transition_form_factor="none")
    assert float(point_like.production_br(m, 1e-3)[key]) == pytest.approx(expected, rel=5e-3)


@pytest.mark.parametrize("m, expected", [(0.05, 1.6e-5), (0.1, 6.0e-5), (0.2, 1.66e-4), (0.3, 1.04e-4)])
def test_k_to_pi_aprime_check_values(dp, m, expected):
    # section 3.5 [C]: BR(K+ -> pi+ A')/eps^2, 2-3 digits quoted -> 1 % tolerance
    assert float(dp.production_br(m, 1.0)["K+ -> pi+ A'"]) == pytest.approx(expected, rel=1e-2)


def test_production_closes_at_thresholds(dp):
    pb = dp.production_br(np.array([mass("pi0"), mass("eta") * 1.0001]), 1e-3)
    assert pb["pi0 -> gamma A'"][0] == 0.0 and pb["eta -> gamma A'"][1] == 0.0
    assert float(dp.production_br(0.36, 1e-3)["K+ -> pi+ A'"]) == 0.0
    # V -> P A' tends to eps^2 BR(V -> P gamma) as m -> 0
    assert float(dp.production_br(1.1e-3, 1.0)["omega -> pi0 A'"]) == pytest.approx(0.084, rel=1e-4)


def test_bc2_invisible_width_and_br():
    bc2 = get_model("BC2")
    m = np.array([0.05, 0.2, 1.0])
    inv = bc2.partial_widths(m, 1e-3)["A' -> chi chibar"]
    # section 3.4 [C]: 0.30366 alpha_D m (Dirac), alpha_D = 0.1
    assert np.allclose(inv, 0.30366 * 0.1 * m, rtol=1e-4)
    assert np.all(bc2.branching_ratios(m, 1e-3)["A' -> chi chibar"] > 0.999)
    assert np.all(bc2.visible_br(m, 1e-3) < 1e-3)
    scalar = get_model("dark-photon-invisible", chi_spin="scalar")
    assert float(scalar.partial_widths(1.0, 0.0)["A' -> chi chibar"]) == pytest.approx(0.03451 * 0.1, rel=1e-3)
    with pytest.raises(InputError, match="chi_spin"):
        get_model("BC2", chi_spin="vector")


@pytest.mark.parametrize("bad", [0.0005, 3.5, np.nan])
def test_bad_mass(dp, bad):
    with pytest.raises(InputError, match="mass"):
        dp.partial_widths(bad, 1e-3)


def test_bad_coupling_message(dp):
    with pytest.raises(InputError, match=r"epsilon: must be >= 0"):
        dp.ctau_m(0.1, -1e-3)
