"""Primakoff production of photon-coupled ALPs (BC9) and its use in the yield grid."""

import numpy as np
import pytest
from scipy import integrate

from kaonportal import constants
from kaonportal.beamdump import BeamDumpSetup, expected_events
from kaonportal.beamdump.primakoff import (_form_factor, primakoff_cross_section_cm2, primakoff_sample,
                                           sigma_abs_cm2)
from kaonportal.models.base import PortalModel


def test_cross_section_matches_independent_quadrature():
    # adaptive quadrature in ln(theta) of the same dsigma/dtheta (portal_formulas.md 6.2) at E = 50 GeV,
    # m = 0.2 GeV: the 600-point trapezoid agrees to 1e-3.
    e, m, g, z = 50.0, 0.2, 1e-4, 29

    def f(lnth):
        th = np.exp(lnth)
        t = e * e * th * th + m**4 / (4 * e * e)
        return (g * g * constants.ALPHA_EM * z * z / 4) * _form_factor(t) ** 2 * (e * e - m * m) ** 2 \
            * np.sin(th) ** 3 / t**2 * th

    ref, _ = integrate.quad(f, np.log(1e-12), np.log(0.3), limit=500, epsrel=1e-8,
                            points=[np.log(m * m / (2 * e * e))])
    assert primakoff_cross_section_cm2([e], m, g)[0] == pytest.approx(ref * 0.3893794e-27, rel=1e-3)


def test_cross_section_scaling_and_threshold():
    s1 = primakoff_cross_section_cm2([20.0, 200.0], 0.1, 1e-4)
    s2 = primakoff_cross_section_cm2([20.0, 200.0], 0.1, 2e-4)
    assert np.allclose(s2, 4 * s1)
    assert s1[1] > s1[0] > 0
    assert primakoff_cross_section_cm2([0.05], 0.1, 1e-4)[0] == 0.0
    # the conversion probability is tiny at g = 1e-4 GeV^-1 (O(1e-11)), as a feeble coupling must be
    assert 1e-13 < s1[1] / sigma_abs_cm2() < 1e-10


def test_sample_kinematics():
    s = primakoff_sample(0.15, 4000, np.random.default_rng(2), BeamDumpSetup())
    assert s.n == 8000                       # two photons per meson decay
    ok = s.weight > 0
    assert ok.mean() > 0.1
    m2 = s.p4[ok, 0] ** 2 - (s.p4[ok, 1:] ** 2).sum(1)
    assert np.allclose(m2, 0.15**2, rtol=1e-6)


class _PhotonALP(PortalModel):
    """Test double for BC9: a -> gamma gamma only, Gamma = g^2 m^3/(64 pi) (portal_formulas.md 6.1)."""
    name, label, particle, coupling_name = "alp-photon", "BC9", "a", "g_agg"
    mass_range = (0.001, 3.0)

    def _widths(self, m, c):
        return {"a -> gamma gamma": c * c * m**3 / (64 * np.pi)}

    def _production(self, m, c):
        return {}


def test_primakoff_feeds_the_grid_for_bc9():
    g = expected_events(_PhotonALP(), [0.1, 0.3], np.geomspace(1e-6, 1e-3, 4), ["gg"], n_per_mass=2000, seed=1)
    assert list(g.by_mechanism) == ["gamma Cu -> a Cu (Primakoff)"]
    assert g.per_pot.max() > 0
    # no Primakoff for a model that is not BC9
    dp = expected_events("dark-photon", [0.3], [1e-6], ["ee"], n_per_mass=300, seed=1)
    assert "gamma Cu -> a Cu (Primakoff)" not in dp.by_mechanism
