"""kaonportal.beamdump.detection.detect draws every random number for the whole sample and reconstructs the accepted
events only (issue 14 benchmark: the contour's time was in detect). The defining property: the result is bit for bit
that of the straightforward full-sample algorithm with the random numbers drawn where the detector consumes them
(the implementation before the speed-up, kept here as the oracle)."""

import numpy as np
import pytest

from kaonportal import constants
from kaonportal.beamdump import detection as D
from kaonportal.beamdump.brems import brems_sample
from kaonportal.beamdump.phasespace import boost_to_lab, nbody, two_body_at_rest
from kaonportal.beamdump.production import meson_decay_sample
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.detector import load_card
from kaonportal.detector.propagation import DETECTOR_CODES, photon_hits, propagate_charged
from kaonportal.detector.response import lkr_sigma_e, straw_sigma_angle, straw_sigma_p_rel

CARD = load_card("na62-2022")


def _oracle(sample, channel, card, setup, rng):
    """Full-sample detect: (accept, CDA_TAX, Z_TAX, m_reco), randomness drawn as it is consumed."""
    daughters, n, m, x4 = D.CHANNELS[channel], sample.n, sample.mass, sample.p4
    fwd = x4[:, 3] > 0
    pz = np.where(fwd, x4[:, 3], 1.0)
    z1, z2 = setup.decay_volume
    z0 = sample.vertex[:, 2]
    zdec = z1 + (z2 - z1) * rng.random(n)
    dec = np.stack([sample.vertex[:, 0] + x4[:, 1] / pz * (zdec - z0),
                    sample.vertex[:, 1] + x4[:, 2] / pz * (zdec - z0), zdec], 1)
    rest, w = nbody(np.full(n, m), [constants.mass(d) for d in daughters], rng)
    if len(daughters) > 2:
        w = w / w.mean()
    lab = boost_to_lab(rest, x4)
    names, p4s = [], []
    for k, name in enumerate(daughters):
        if name in ("pi0", "eta"):
            gg = boost_to_lab(two_body_at_rest(np.full(n, constants.mass(name)), 0.0, 0.0, rng), lab[:, k])
            names += ["gamma", "gamma"]
            p4s += [gg[:, 0], gg[:, 1]]
            w = w * D._BR_TO_GG[name]
        else:
            names.append(name)
            p4s.append(lab[:, k])
    ok = fwd & (w > 0)
    tracks, masses, lkr_xy, photons = [], [], [], []
    for name, p4 in zip(names, p4s):
        if name == "gamma":
            continue
        p3 = p4[:, 1:]
        tr = propagate_charged(dec, p3, D._CHARGE[name], card)
        ok &= tr.accept["straw"] & tr.accept["chod"] & tr.accept[D._PID_DETECTOR[name.rstrip("+-")]]
        ok &= np.linalg.norm(p3, axis=1) > setup.p_track_min
        lkr_xy.append((tr.x["LKR"], tr.y["LKR"]))
        s1 = card.geometry.straw[0]
        pos = np.nan_to_num(np.stack([tr.x[s1.name], tr.y[s1.name], np.full(n, s1.z)], axis=1))
        noise = (rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, n), rng.normal(0.0, 1.0, n),
                 rng.normal(0.0, card.resolution.straw_position, (n, 3)))
        tracks.append(D._smear_track(pos, p3, card, noise))
        masses.append(constants.mass(name))
    for name, p4 in zip(names, p4s):
        if name != "gamma":
            continue
        hit = photon_hits(dec, p4[:, 1:], card)
        ok &= (hit.detector == DETECTOR_CODES["lkr"]) & (p4[:, 0] > setup.e_photon_min)
        hx, hy = np.nan_to_num(hit.x), np.nan_to_num(hit.y)
        for xt, yt in lkr_xy:
            ok &= np.hypot(hx - np.nan_to_num(xt), hy - np.nan_to_num(yt)) > card.photon_veto.lkr_min_distance
        e_reco = p4[:, 0] + rng.normal(0.0, 1.0, n) * lkr_sigma_e(card, p4[:, 0])
        photons.append((np.stack([hx, hy, np.full(n, card.geometry.lkr.z)], 1), e_reco))
    m_reco = D._invariant_mass(tracks, masses, photons, dec if len(tracks) < 2 else None)
    vtx = D._two_line_vertex(*tracks[0], *tracks[1]) if len(tracks) >= 2 else dec.copy()
    ptot = sum(p3 for _, p3 in tracks) if tracks else np.zeros((n, 3))
    for pos, e_reco in photons:
        d = np.nan_to_num(pos - vtx)
        ptot = ptot + d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12) * e_reco[:, None]
    with np.errstate(invalid="ignore"):
        cda, ztax = D.pointing(vtx, ptot, setup.y_dump)
        ok &= (cda < setup.cda_tax_max) & (ztax > setup.z_tax_window[0]) & (ztax < setup.z_tax_window[1])
        ok &= (vtx[:, 2] > z1) & (vtx[:, 2] < z2)
    ok &= D.mass_window(m_reco, m, ok, setup.mass_window_sigma)
    return np.where(ok, w, 0.0), cda, ztax, m_reco


def _samples(mass, setup):
    yield brems_sample(mass, 3000, np.random.default_rng(21), setup)
    if mass < 0.5:
        yield meson_decay_sample("eta", ("gamma",), mass, 3000, np.random.default_rng(22), setup)


@pytest.mark.parametrize("channel,mass", [("ee", 0.1), ("mumu", 0.4), ("pipi", 0.7), ("pipipi0", 0.9),
                                          ("pipi2pi0", 1.3), ("KKpi0", 1.6), ("gg", 0.3), ("pipigamma", 0.45),
                                          ("pipieta", 1.2), ("pimu", 0.45)])
def test_detect_equals_the_full_sample_algorithm_bit_for_bit(channel, mass):
    setup = BeamDumpSetup().resolved([channel])
    for sample in _samples(mass, setup):
        got = D.detect(sample, channel, CARD, setup, np.random.default_rng(5))
        acc, cda, ztax, m_reco = _oracle(sample, channel, CARD, setup, np.random.default_rng(5))
        sel = acc > 0
        assert sel.sum() > 20                                # the comparison is not of empty selections
        assert np.array_equal(got.accept, acc)
        for a, b in ((got.cda_tax, cda), (got.z_tax, ztax), (got.m_reco, m_reco)):
            assert np.array_equal(a[sel], b[sel])
        assert np.isfinite(got.m_reco[sel]).all() and np.isnan(got.m_reco).any()  # NaN: not reconstructed


def test_random_stream_position_does_not_depend_on_the_acceptance():
    # a tighter track momentum cut rejects more events but consumes exactly the same random numbers
    s = brems_sample(0.4, 2000, np.random.default_rng(1), BeamDumpSetup().resolved(["mumu"]))
    after = []
    for p_min in (1.0, 40.0):
        rng = np.random.default_rng(9)
        D.detect(s, "mumu", CARD, BeamDumpSetup(p_track_min=p_min).resolved(["mumu"]), rng)
        after.append(rng.random())
    assert after[0] == after[1]


def test_decay_weights_are_the_density_formula_bit_for_bit():
    # D = (L / lambda) exp(-l / lambda), lambda = (p/m) c tau; 0 where it is not finite (p = 0, l = inf)
    rng = np.random.default_rng(3)
    n = 500
    p = rng.exponential(30.0, n)
    p[:3] = 0.0
    l_to = np.where(rng.random(n) < 0.05, np.inf, rng.uniform(80.0, 160.0, n))
    det = D.Detection(np.ones(n), p, l_to, rng.uniform(70.0, 80.0, n), None, None)
    ctau = np.geomspace(1e-6, 1e6, 40)
    lam = (p / 0.3)[:, None] * ctau[None, :]
    with np.errstate(all="ignore"):
        ref = det.flight_in_volume[:, None] / lam * np.exp(-l_to[:, None] / lam)
    ref = np.where(np.isfinite(ref), ref, 0.0)
    got = D.decay_weights(det, 0.3, ctau)
    assert np.array_equal(got, ref) and np.any(got > 0) and np.all(got[:3] == 0.0)
