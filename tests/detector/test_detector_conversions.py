"""Detector response moved from the pi0 -> gamma A' search: photon conversions upstream of MNP33
(kaonportal.detector.conversions) and the photonuclear LKr response (kaonportal.detector.photonuclear)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaonportal.detector.conversions import (ConversionModel, conversion_probability, missing_mass2, pair_fraction_cdf,
                                             propagate_pair_lepton, sample_pair_fraction)
from kaonportal.detector.photonuclear import (KRYPTON_A, KRYPTON_X0_G_CM2, PhotonuclearModel, photonuclear_probability,
                                              visible_fraction)
from kaonportal.constants import mass
from kaonportal.decays import generate
from kaonportal.detector import DETECTOR_CODES, load_card
from kaonportal.errors import InputError

CARD = load_card("na62-2022")


@given(st.floats(0.0, 2.0))
def test_conversion_probability(t):
    # PDG RPP pair production: sigma = 7/9 A/(X0 N_A), so P = 1 - exp(-7/9 x/X0); two layers compose
    p = conversion_probability(t)
    assert p == pytest.approx(1.0 - np.exp(-7.0 / 9.0 * t), rel=1e-12, abs=1e-15)
    assert 1.0 - conversion_probability(2 * t) == pytest.approx((1.0 - p) ** 2, rel=1e-12)


@settings(max_examples=50)
@given(st.floats(0.0, 1.0))
def test_pair_fraction_inverse(u):
    assert float(pair_fraction_cdf(sample_pair_fraction(np.array([u]))[0])) == pytest.approx(u, abs=1e-12)


def test_pair_fraction_spectrum():
    x = sample_pair_fraction(np.random.default_rng(4).random(200_000))
    # density (9/7)(1 - 4/3 x(1-x)): symmetric (mean 1/2) and E[x(1-x)] = 9/7 (1/6 - 4/3 x 1/30) = 11/70 = 0.15714
    # (0.16667 for a flat spectrum); MC errors 6e-4 and 1.8e-4 on 2e5 draws: tolerances ~4 sigma
    assert abs(x.mean() - 0.5) < 2.5e-3 and abs(np.mean(x * (1 - x)) - 11 / 70) < 7e-4


def test_pair_split_by_magnet():
    # a 20 GeV photon along z from STRAW2 (x = 0.4 m, outside the beam hole), x = 1/2: each lepton carries 10 GeV
    # (energy conserved), and MNP33's thin-lens kick (card pt_kick -0.270 GeV/c for charge +1) deflects them by
    # -+27 mrad: at the LKr, (z_LKr - z_MNP33) x 0.027 = 1.19 m on each side of the photon line, symmetric
    zc, e = CARD.geometry.straw[1].z, np.array([10.0])
    pt = np.array([[0.4, 0.0, zc]])
    u = np.array([[0.0, 0.0, 1.0]])
    model = ConversionModel()
    plus = propagate_pair_lepton(pt, u, e, 1.0, CARD, np.array([1]), model)
    minus = propagate_pair_lepton(pt, u, e, -1.0, CARD, np.array([1]), model)
    g = CARD.geometry
    dz = g.lkr.z - g.mnp33.z
    kick = abs(g.mnp33.pt_kick) / 10.0
    # e+ goes to -x: 0.4 - 1.19 = -0.79 m, inside the LKr; e- to +x: 0.95 m at LAV11 (inside its 0.98 m inner
    # radius), 1.52 m at LAV12 (outside its 1.44 m outer radius: left the tank) -> lost
    assert plus["detector"][0] == DETECTOR_CODES["lkr"]
    assert plus["x"][0] == pytest.approx(0.4 - np.tan(np.arcsin(kick)) * dz, rel=1e-6)
    assert minus["detector"][0] == 0 and np.isnan(minus["x"][0])
    # a STRAW2 conversion crosses only STRAW3-4: no reconstructed track (3 chambers needed); from STRAW1 it does
    assert not plus["track"][0]
    pt1 = np.array([[0.3, 0.0, g.straw[0].z]])
    assert propagate_pair_lepton(pt1, u, np.array([40.0]), 1.0, CARD, np.array([0]), model)["track"][0]


@settings(max_examples=30, deadline=None)
@given(st.floats(-0.9, 0.5))
def test_missing_mass_shift_from_energy_scale(eps):
    # pi0 -> gamma gamma, the seen photon measured as (1 + eps) k1 along its true direction:
    # m_miss^2 = (k1 + k2 - (1 + eps) k1)^2 = -2 eps k1.k2 = -eps m_pi0^2 exactly
    d = generate("pi0 -> gamma gamma", 50, np.random.default_rng(1))
    k1, k2 = d.p4[:, 0], d.p4[:, 1]
    m2 = missing_mass2(k1 + k2, (1.0 + eps) * k1[:, 0], k1[:, 1:] / k1[:, :1])
    np.testing.assert_allclose(m2, -eps * mass("pi0") ** 2, atol=1e-12)


def test_photonuclear_probability():
    # sigma_gammaA / sigma_pair = A^0.91 x 0.12 mb / (7/9 A / (X0 N_A)) for krypton: 6.75 mb / 9.52 b = 7.1e-4
    p = photonuclear_probability()
    ratio = KRYPTON_A ** 0.91 * 0.12e-27 / (7 / 9 * KRYPTON_A / (KRYPTON_X0_G_CM2 * 6.02214076e23))
    assert p / (1 - p) == pytest.approx(ratio, rel=1e-12) and 6e-4 < p < 8e-4
    assert visible_fraction(np.array([1.0]), PhotonuclearModel())[0] == 1.0
    with pytest.raises(InputError, match="photonuclear_visible_range"):
        PhotonuclearModel(visible_range=(0.6, 0.2))
    with pytest.raises(InputError, match="straw_chamber_x0"):
        ConversionModel(straw_chamber_x0=-0.1)


