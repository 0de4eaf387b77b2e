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
from kaonportal.detector.charged_veto import MUV0, STRAW_SEGMENT, charged_veto_hits
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


def _lepton(x0, y0, chamber, energy, charge):
    pt = np.array([[x0, y0, CARD.geometry.straw[chamber].z]])
    return propagate_pair_lepton(pt, np.array([[0.0, 0.0, 1.0]]), np.array([energy]), charge, CARD,
                                 np.array([chamber]), ConversionModel())


def test_lepton_entering_a_lav_through_its_inner_radius_is_vetoed():
    # the charged-veto LAV rule (detector.charged_veto, lav_first_hit): a station is reached when the line is
    # outside its inner radius at the front OR the back face. A 24 GeV e- from STRAW2 at x = 0.6 m is bent by
    # +0.27/24 = 11 mrad: at LAV12 (card: front 238.313 m, back 238.783 m, inner radius 1.07 m) it is at 1.065 m
    # at the front and 1.070 m at the back: LAV12, not the LKr behind it (the front-face rule said LKr)
    g = CARD.geometry
    lav12 = max(g.lav, key=lambda s: s.z_front)
    tx = np.tan(np.arcsin(abs(g.mnp33.pt_kick) / 24.0))
    x_front, x_back = (0.6 + tx * (z - g.mnp33.z) for z in (lav12.z_front, lav12.z_back))
    assert x_front < lav12.r_inner < x_back
    t = _lepton(0.6, 0.0, 1, 24.0, -1.0)
    assert t["detector"][0] == DETECTOR_CODES["lav"] and np.isnan(t["x"][0])


def test_lepton_segment_and_muv0_reject_the_event():
    # an 8 GeV e+ from STRAW1 at (-0.7, 0.3) m crosses STRAW2 and STRAW3 (R = 0.76, 0.996 m < 1 m) and is swept
    # out before STRAW4 (-34 mrad: x = -1.44 m): a 2-chamber segment (charged_veto.SEGMENT_MIN_CHAMBERS), not a
    # reconstructible 3-chamber track; STRAW1, where the photon converted, does not count
    seg = _lepton(-0.7, 0.3, 0, 8.0, 1.0)
    assert seg["code"][0] == STRAW_SEGMENT and seg["detector"][0] == 0
    assert not seg["reconstructible"][0] and seg["track"][0]
    # a 5 GeV e- from STRAW2 at x = -0.6 m is bent by +54 mrad to x > 1.5 m at MUV0 (card off-axis box)
    muv0 = _lepton(-0.6, 0.3, 1, 5.0, -1.0)
    assert muv0["code"][0] == MUV0 and muv0["detector"][0] == 0 and muv0["track"][0]


def test_lepton_follows_the_charged_veto_of_a_particle_on_its_line():
    # a STRAW1 conversion lepton goes where a charged particle of the same momentum from the photon's vertex
    # goes (charged_veto_hits), but for the STRAW segment rule (STRAW1 does not see the lepton)
    rng = np.random.default_rng(17)
    n = 4000
    th, ph = rng.uniform(0, 0.006, n), rng.uniform(0, 2 * np.pi, n)
    u = np.column_stack([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])
    vtx = np.column_stack([np.zeros((n, 2)), np.full(n, 150.0)])
    z1 = CARD.geometry.straw[0].z
    pt = vtx + u * ((z1 - 150.0) / u[:, 2])[:, None]
    e = np.exp(rng.uniform(np.log(0.3), np.log(40.0), n))
    for q in (1.0, -1.0):
        mine = propagate_pair_lepton(pt, u, e, q, CARD, np.zeros(n, int), ConversionModel())["code"]
        ref = charged_veto_hits(vtx, e[:, None] * u, q, CARD)
        keep = ~np.isin(ref, (0, STRAW_SEGMENT)) | ~np.isin(mine, (0, STRAW_SEGMENT))
        assert keep.sum() > n // 4           # ~half reach a veto detector (the rest: nothing or a segment)
        np.testing.assert_array_equal(mine[keep], ref[keep])


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


