"""Propagation through the card geometry and the response probabilities."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kaonportal.detector import load_card
from kaonportal.detector.propagation import (DETECTOR_CODES, in_octagon, photon_hits,
                                             propagate_charged)
from kaonportal.detector.response import pid_weights, veto_inefficiency

CARD = load_card("na62-2018")


def test_undecayed_beam_goes_through_straw_holes():
    # na62_parameters.md notes: the STRAW beam holes sit at x = 101.2, 114.4, 92.4, 52.8 mm because
    # the +1.2 mrad beam is bent back by the -270 MeV/c MNP33 kick. A 75 GeV/c beam particle must land
    # in each hole within ~10 mm (the thin-lens kick and the nominal beam make up the difference).
    t = propagate_charged(np.array([[0.0, 0.0, 102.4]]), np.array([[0.09, 0.0, 75.0]]), 1, CARD)
    for s in CARD.geometry.straw:
        assert abs(t.x[s.name][0] - s.hole_x) < 0.010, s.name
    assert not t.accept["straw"][0]


def test_wide_track_in_acceptance_and_negative_bends_other_way():
    o = np.array([[0.0, 0.0, 130.0]] * 2)
    p = np.array([[0.1, 0.05, 25.0]] * 2)
    t = propagate_charged(o, p, np.array([1, -1]), CARD)
    assert t.accept["straw"].all()
    assert t.dxdz_after[0] == pytest.approx((0.1 - 0.27) / 25.0, rel=1e-3)
    assert t.dxdz_after[1] == pytest.approx((0.1 + 0.27) / 25.0, rel=1e-3)
    back = propagate_charged(o, -p, 1, CARD)
    assert not back.forward.any() and not back.accept["straw"].any()


def test_photon_coverage_split():
    # JINST17 coverage split (na62_parameters.md 1b, R): LAV 8.5-50 mrad, LKr 1-8.5 mrad, IRC+SAC < 1 mrad
    o = np.zeros((6, 3))
    o[:, 2] = 110.0
    theta = np.array([0.030, 0.012, 0.006, 0.002, 0.0003, 0.3])
    p = np.stack([10 * theta, np.zeros(6), np.full(6, 10.0)], axis=1)
    det = photon_hits(o, p, CARD).detector.tolist()
    c = DETECTOR_CODES
    assert det == [c["lav"], c["lav"], c["lkr"], c["lkr"], c["sac"], c["none"]]
    # through the IRC ring (60-145 mm around x = +12 mm) at 239.7 m from 110 m: 0.77 mrad
    h = photon_hits(np.array([[0.0, 0.0, 110.0]]), np.array([[0.0, 0.0077, 10.0]]), CARD)
    assert h.detector[0] == c["irc"]


def test_octagon():
    assert in_octagon(np.array([1.0, 0.9, 0.1]), np.array([0.0, 0.9, 0.0]), 1.13, 0.15).tolist() == [True, False, False]


@settings(max_examples=60, deadline=None)
@given(st.floats(1e-3, 500.0))
def test_veto_inefficiency_is_probability_and_monotone(e):
    for key in ("lav", "lkr", "irc", "sac"):
        tab = getattr(CARD.photon_veto, key)
        a, b = veto_inefficiency(tab, np.array([e, e * 1.1]))
        assert 0 < a <= 1 and b <= a + 1e-15


def test_veto_inefficiency_table_points():
    tab = CARD.photon_veto.lkr
    vals = veto_inefficiency(tab, np.array(tab.energy))
    assert np.allclose(vals, tab.inefficiency, rtol=1e-12)
    assert veto_inefficiency(tab, np.array([tab.energy[0] * 0.5]))[0] == 1.0


def test_pid_muon_suppression_split():
    # total mu -> pi ~1e-7 inside the RICH range (S002), RICH factor 1e-2 (RICH20)
    wpi, wmu, we = pid_weights(np.array([-13, -13, 211, 11]), np.array([20.0, 60.0, 20.0, 20.0]), CARD)
    assert wpi[0] == pytest.approx(1e-7) and wpi[1] == pytest.approx(1e-5)
    assert wpi[2] == CARD.pid.pion_efficiency and we[3] == CARD.pid.electron_efficiency
    assert np.all(wpi + wmu + we <= 1.0)


def test_compiled_photon_inefficiency_matches_table_rule():
    from kaonportal.detector import photon_inefficiency
    e = np.geomspace(0.005, 300.0, 400)
    for key, code in DETECTOR_CODES.items():
        got = photon_inefficiency(np.full(e.shape, code, np.int8), e, CARD)
        want = np.ones_like(e) if key == "none" else veto_inefficiency(getattr(CARD.photon_veto, key), e)
        assert np.allclose(got, want, rtol=1e-12, atol=0)


def test_fused_veto_is_bit_identical_to_photon_one_rules():
    # the veto kernel re-writes photon_one's rules branch-free; it must give the same numbers exactly,
    # including backward photons, photons starting downstream of detectors and LKr merging
    from kaonportal.detector import photon_inefficiency
    from kaonportal.detector.response import photon_veto_update
    rng = np.random.default_rng(8)
    n = 20_000
    o = np.stack([rng.normal(0, 0.05, n), rng.normal(0, 0.05, n), rng.uniform(100, 260, n)], axis=1)
    th = rng.uniform(0, 0.12, n)
    ph = rng.uniform(0, 2 * np.pi, n)
    e = rng.uniform(0.005, 80, n)
    pz = e * np.where(rng.random(n) < 0.05, -1.0, 1.0)
    p4 = np.stack([e, e * th * np.cos(ph), e * th * np.sin(ph), pz], axis=1)
    hits = photon_hits(o, p4[:, 1:], CARD)
    tx, ty = hits.x + rng.normal(0, 0.1, n), hits.y + rng.normal(0, 0.1, n)
    merged = (hits.detector == DETECTOR_CODES["lkr"]) & ((hits.x - tx) ** 2 + (hits.y - ty) ** 2
                                                        < CARD.photon_veto.lkr_min_distance ** 2)
    w0 = rng.uniform(0.5, 1.0, n)
    want = w0 * np.where(merged, 1.0, photon_inefficiency(hits.detector, e, CARD))
    w = w0.copy()
    photon_veto_update(w, o, p4, tx, ty, CARD)
    assert merged.any() and len(np.unique(hits.detector)) == 5
    assert np.array_equal(w, want)


@pytest.mark.parametrize("card_name", ["na62-2018", "na62-2022"])
def test_lkr_photon_edge_closes_the_irc_ring(card_name):
    # Photons are detected by the LKr down to geometry.lkr.r_hole_photon (0.105 m), tracks are accepted only
    # outside r_hole (0.150 m, the [GA] cut). The IRC covers r < 0.145 m about x = +0.012 m, so with the
    # photon edge inside 0.133 m no straight photon can pass between the IRC and the LKr.
    card = load_card(card_name)
    lkr, irc = card.geometry.lkr, card.geometry.irc
    assert lkr.r_hole_photon < lkr.r_hole and lkr.r_hole_photon <= irc.r_max - abs(irc.x_center)
    # photons parallel to the axis from z = 200 m, on a ring r = 0.140 m at all azimuths (the old gap)
    phi = np.linspace(0.0, 2 * np.pi, 721)
    o = np.stack([0.140 * np.cos(phi), 0.140 * np.sin(phi), np.full(phi.shape, 200.0)], axis=1)
    hits = photon_hits(o, np.tile([0.0, 0.0, 10.0], (phi.size, 1)), card)
    assert np.all(hits.detector != DETECTOR_CODES["none"])
    # a charged track there is not in the LKr track acceptance
    assert not in_octagon(np.array([-0.140]), np.array([0.0]), lkr.apothem, lkr.r_hole)[0]
