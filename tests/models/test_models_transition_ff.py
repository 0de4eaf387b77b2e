"""Meson transition form factors in dark-photon production (kaonportal.models.transition_ff): the rate
BR(P -> gamma A') = 2 eps^2 BR(P -> gamma gamma) (1 - m^2/M^2)^3 |F(m^2)|^2 with the measured single-pole F."""

import numpy as np
import pytest

from kaonportal.constants import mass
from kaonportal.errors import InputError
from kaonportal.models import get_model
from kaonportal.models.transition_ff import LAMBDA_INV2_GEV2, kinematic_limit, transition_ff2

KEYS = {"pi0": "pi0 -> gamma A'", "eta": "eta -> gamma A'", "eta'": "eta' -> gamma A'",
        "omega": "omega -> pi0 A'", "phi": "phi -> eta A'"}


@pytest.mark.parametrize("parent", sorted(KEYS))
def test_form_factor_is_one_at_small_mass(parent):
    # F(0) = 1 by definition (normalised to the real-photon decay): at m = 1.1 MeV (the model starts at 2 m_e) the
    # correction is < 1e-5
    assert float(transition_ff2(parent, 1.1e-3)) == pytest.approx(1.0, abs=1e-5)
    pole = get_model("dark-photon").production_br(1.1e-3, 1e-4)[KEYS[parent]]
    flat = get_model("dark-photon", transition_form_factor="none").production_br(1.1e-3, 1e-4)[KEYS[parent]]
    assert float(pole) == pytest.approx(float(flat), rel=1e-5)


@pytest.mark.parametrize("parent", sorted(KEYS))
def test_rate_vanishes_at_threshold(parent):
    # the form factor stays finite up to the kinematic limit (every pole lies above it, the eta' uses the
    # Breit-Wigner fit) and the phase space (1 - m^2/M^2)^3 (or lambda^3/2) takes the rate to zero there
    dp = get_model("dark-photon")
    lim = kinematic_limit(parent)
    m = lim * np.array([0.3, 0.6, 0.9, 0.99, 1.0 - 1e-12])
    ff = transition_ff2(parent, m)
    assert np.all(np.isfinite(ff)) and np.all(ff >= 1.0)
    br = np.array([float(dp.production_br(x, 1e-4)[KEYS[parent]]) for x in m])
    assert br[-1] < 1e-3 * br.max()
    assert float(dp.production_br(lim * 1.001, 1e-4)[KEYS[parent]]) == 0.0


def test_eta_at_300_mev_is_the_na60_pole():
    # NA60 (PLB 757 (2016) 437): Lambda_eta^-2 = 1.934 GeV^-2, |F(0.09 GeV^2)|^2 = (1 - 0.09 x 1.934)^-2 = 1.466;
    # the model's eta -> gamma A' BR carries exactly that factor over the point-like formula
    m = 0.3
    ratio = (get_model("dark-photon").production_br(m, 1e-6)["eta -> gamma A'"]
             / get_model("dark-photon", transition_form_factor="none").production_br(m, 1e-6)["eta -> gamma A'"])
    assert float(ratio) == pytest.approx(1.0 / (1.0 - m * m * 1.934) ** 2, rel=1e-12)
    assert float(ratio) == pytest.approx(1.466, abs=1e-3)
    assert LAMBDA_INV2_GEV2["eta"] == 1.934


def test_pi0_slope_is_na62s():
    # NA62 (PLB 768 (2017) 38): F(q^2) = 1 + a q^2/m_pi0^2, a = 0.0368; the pole with Lambda^-2 = a/m_pi0^2 has that
    # slope at q^2 = 0
    q2 = 1e-6
    slope = (np.sqrt(float(transition_ff2("pi0", np.sqrt(q2)))) - 1.0) / q2 * mass("pi0") ** 2
    assert slope == pytest.approx(0.0368, rel=1e-4)


def test_choice_is_validated_before_use():
    with pytest.raises(InputError, match="transition_form_factor"):
        get_model("dark-photon", transition_form_factor="vmd")
