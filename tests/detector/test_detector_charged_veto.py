"""Charged particles outside the spectrometer reach the vetoes on their track bent by MNP33
(detector/charged_veto.py)."""

import numpy as np
import pytest

from kaonportal.detector import DETECTOR_CODES, load_card, photon_hits, propagate_charged
from kaonportal.detector.charged_veto import HASC, MUV0, STRAW_SEGMENT, charged_veto_hits, straw_chambers_crossed

CARD = load_card("na62-2022")


def _beamlike(n=2000, seed=1):
    """Beam-like muons: 60-78 GeV/c along the +1.2 mrad beam, produced in the fiducial volume."""
    rng = np.random.default_rng(seed)
    o = np.stack([rng.normal(0, 0.01, n), rng.normal(0, 0.005, n), rng.uniform(105, 165, n)], axis=1)
    p = rng.uniform(60, 78, n)
    p3 = np.stack([p * (1.2e-3 + rng.normal(0, 1e-4, n)), p * rng.normal(0, 1e-4, n), p], axis=1)
    return o, p3


def test_beamlike_muons_never_reach_the_sac():
    o, p3 = _beamlike()
    det = charged_veto_hits(o, p3, 1, CARD)
    assert not np.any(det == DETECTOR_CODES["sac"])
    # on a straight line (the engine's bug) many of them did reach the small-angle vetoes
    straight = photon_hits(o, p3, CARD).detector
    assert np.mean(np.isin(straight, [DETECTOR_CODES["irc"], DETECTOR_CODES["sac"]])) > 0.5


def test_particles_after_the_magnet_see_the_photon_rules_except_sac():
    # produced downstream of the MNP33 centre: not kicked, so the same detector as a photon (SAC excluded)
    rng = np.random.default_rng(2)
    n = 5000
    o = np.stack([rng.normal(0, 0.2, n), rng.normal(0, 0.2, n), np.full(n, 200.0)], axis=1)
    p3 = np.stack([rng.normal(0, 0.3, n), rng.normal(0, 0.3, n), np.full(n, 10.0)], axis=1)
    det = charged_veto_hits(o, p3, 1, CARD)
    ph = photon_hits(o, p3, CARD).detector
    photon_like = np.where(ph == DETECTOR_CODES["sac"], 0, ph)
    # where the photon rules find nothing (or the SAC), the charged particle may still leave a STRAW segment or
    # reach MUV0 / HASC / the SAC after the beam dipole
    assert np.all((det == photon_like) | ((photon_like == 0) & np.isin(det, [STRAW_SEGMENT, MUV0, HASC, 4])))
    assert np.any(det == MUV0) and np.any(det == HASC)


def test_off_axis_vetoes_catch_swept_particles():
    # 4 GeV/c pi- along the axis from 180 m: MNP33 bends it outwards by +67.5 mrad, beyond the LAV11 outer radius
    # at 217.5 m (1.38 m) and into MUV0 at 237.4 m (x = 2.72 m); the pi+ of 20 GeV/c from 240 m goes down the
    # beam pipe and the beam dipole (-49.5 mrad) puts it 0.21 m off axis at the HASC
    o = np.array([[0.0, 0.0, 180.0]])
    p3 = np.array([[0.0, 0.0, 4.0]])
    assert charged_veto_hits(o, p3, -1, CARD)[0] == MUV0
    assert charged_veto_hits(o, p3, 1, CARD)[0] != MUV0
    assert charged_veto_hits(np.array([[0.0, 0.0, 240.0]]), np.array([[0.0, 0.0, 20.0]]), 1, CARD)[0] == HASC
    assert charged_veto_hits(np.array([[0.0, 0.0, 240.0]]), np.array([[0.0, 0.0, 20.0]]), -1, CARD)[0] != HASC


def test_opposite_charges_are_bent_opposite_ways():
    # a 10 GeV/c particle at -30 mrad in x from z = 180 m: straight, it hits the LKr at x ~ -1.8 m (outside);
    # the kick of -0.27 GeV/c for q = +1 bends it further out, for q = -1 back by 27 mrad towards the axis
    o = np.array([[0.0, 0.0, 180.0]])
    p3 = np.array([[-0.3, 0.0, 10.0]])
    t_pos, t_neg = propagate_charged(o, p3, 1, CARD), propagate_charged(o, p3, -1, CARD)
    assert t_pos.x["LKR"][0] < t_neg.x["LKR"][0]
    assert t_neg.dxdz_after[0] == pytest.approx(-0.003, abs=2e-3)


def test_track_swept_out_after_two_chambers_leaves_a_segment():
    # 2 GeV/c e+ at 5 mrad from the middle of the fiducial volume: crosses STRAW1-2 in the active area,
    # then the -135 mrad kick sweeps it out of STRAW3-4 and of every veto
    o = np.array([[0.0, 0.0, 150.0]])
    p3 = np.array([[0.0, 0.010, 2.0]])
    t = propagate_charged(o, p3, 1, CARD)
    assert not t.accept["straw"][0]
    assert straw_chambers_crossed(t, CARD)[0] >= 2
    assert charged_veto_hits(o, p3, 1, CARD, track=t)[0] == STRAW_SEGMENT
