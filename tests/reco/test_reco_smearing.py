"""kaonportal.reco.smearing: the detector-response helpers moved out of analyses/searches/visible_x.py.

The draw order is part of the contract (callers' seeded outputs must not change): each helper is
compared bit for bit with the inline expressions it replaced, with the same generator."""

import numpy as np
import pytest

from kaonportal.beam import sample_beam
from kaonportal.constants import mass
from kaonportal.detector import lkr_sigma_e, load_card, straw_sigma_angle, straw_sigma_p_rel, track_planes
from kaonportal.reco import closest_approach
from kaonportal.reco.smearing import lkr_cluster, smeared_track_p4, track_vertex, unit_vector

CARD = load_card("na62-2022")
N = 5000


def _tracks(seed):
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(0, 0.1, N), rng.normal(0, 0.1, N), 10 + 40 * rng.random(N)])


def test_smeared_track_matches_the_replaced_expressions():
    p3 = _tracks(1)
    got = smeared_track_p4(p3, mass("mu+"), CARD, np.random.default_rng(7))
    rng = np.random.default_rng(7)     # visible_x's former mu+ mu- code, line by line
    p = np.linalg.norm(p3, axis=1)
    ps = p * (1.0 + straw_sigma_p_rel(CARD, p) * rng.standard_normal(N))
    sa = straw_sigma_angle(CARD, p)
    sx = p3[:, 0] / p3[:, 2] + sa * rng.standard_normal(N)
    sy = p3[:, 1] / p3[:, 2] + sa * rng.standard_normal(N)
    ref = np.column_stack([np.sqrt(ps ** 2 + mass("mu+") ** 2), ps[:, None] * unit_vector(sx, sy)])
    assert np.array_equal(got, ref)


def test_lkr_cluster_matches_the_replaced_expressions():
    rng0 = np.random.default_rng(2)
    e_true, x, y = 1 + 30 * rng0.random(N), rng0.normal(0, 0.5, N), rng0.normal(0, 0.5, N)
    e, xy = lkr_cluster(e_true, x, y, CARD, np.random.default_rng(8), 0.001)
    rng = np.random.default_rng(8)
    assert np.array_equal(e, e_true + lkr_sigma_e(CARD, e_true) * rng.standard_normal(N))
    assert np.array_equal(xy, np.stack([x, y], axis=1) + 0.001 * rng.standard_normal((N, 2)))


def _beam_and_vertex(card, seed=3):
    rng = np.random.default_rng(seed)
    beam = sample_beam(N, rng, card)
    z = 105.0 + 60.0 * rng.random(N)
    dz = z - card.beam.z_gtk3
    return beam, np.stack([beam.x + beam.dxdz * dz, beam.y + beam.dydz * dz, z], axis=1)


def test_track_vertex_exact_without_smearing():
    zero = {k: 0.0 for k in ("gtk_angle", "gtk_position", "straw_angle_const", "straw_angle_ms", "straw_position")}
    card = CARD.model_copy(update={"resolution": CARD.resolution.model_copy(update=zero)})
    beam, vtx = _beam_and_vertex(card)
    r = track_vertex(vtx, beam, _tracks(4), card, np.random.default_rng(9))
    # both lines pass through the true vertex. Rounding: ~1e-16 relative on 1 - cos(opening angle) ~ theta^2,
    # amplified by 1/theta^2 (theta down to ~1e-3 here) over the ~80 m lever arm: ~1e-6 m along z, times the
    # track slope (< 0.01) across
    d = np.abs(r - vtx)
    assert d[:, :2].max() < 1e-6 and d[:, 2].max() < 1e-4


def test_track_vertex_is_the_closest_approach_of_reco_vertex():
    """The same geometry as kaonportal.reco.closest_approach (which takes slopes, not unit vectors): equal up
    to rounding, which the small opening angle (~mrad) amplifies to micrometres along z."""
    beam, vtx = _beam_and_vertex(CARD)
    p_pi = _tracks(5)
    r = track_vertex(vtx, beam, p_pi, CARD, np.random.default_rng(10))
    rng, res = np.random.default_rng(10), CARD.resolution
    a = np.column_stack([beam.x, beam.y]) + res.gtk_position * rng.standard_normal((N, 2))
    ux, uy = beam.dxdz + res.gtk_angle * rng.standard_normal(N), beam.dydz + res.gtk_angle * rng.standard_normal(N)
    zs = track_planes(CARD)["STRAW1"]
    tx, ty = p_pi[:, 0] / p_pi[:, 2], p_pi[:, 1] / p_pi[:, 2]
    b = np.column_stack([vtx[:, 0] + tx * (zs - vtx[:, 2]), vtx[:, 1] + ty * (zs - vtx[:, 2])])
    b += res.straw_position * rng.standard_normal((N, 2))
    sa = straw_sigma_angle(CARD, np.linalg.norm(p_pi, axis=1))
    vx, vy = tx + sa * rng.standard_normal(N), ty + sa * rng.standard_normal(N)
    ref, _ = closest_approach(a[:, 0], a[:, 1], CARD.beam.z_gtk3, ux, uy, b[:, 0], b[:, 1], zs, vx, vy)
    assert np.abs(r[:, :2] - ref[:, :2]).max() < 1e-6 and np.abs(r[:, 2] - ref[:, 2]).max() < 1e-3


def test_old_names_still_importable_from_visible_x():
    from kaonportal.analyses.searches import visible_x
    assert visible_x.track_vertex is track_vertex and visible_x.unit_vector is unit_vector
    assert {"track_vertex", "unit_vector"} <= set(visible_x.__all__)


@pytest.mark.parametrize("p", [5.0, 50.0])
def test_smeared_track_resolution(p):
    p3 = np.tile([0.0, 0.0, p], (20000, 1))
    ps = np.linalg.norm(smeared_track_p4(p3, mass("pi+"), CARD, np.random.default_rng(11))[:, 1:], axis=1)
    # std of 20000 Gaussian draws: relative precision 1/sqrt(2 x 20000) = 0.5%; 3% margin
    assert np.std(ps) / p == pytest.approx(float(straw_sigma_p_rel(CARD, np.array([p]))[0]), rel=0.03)


def test_lkr_cluster_energy_and_position_resolution():
    # pulls of 20000 clusters against the card's sigma_E(E) and the given position resolution: unit width
    # (std of 20000 unit Gaussians known to 0.5%; 3% margin), no bias (mean within 5 standard errors)
    e_true = np.full(20000, 10.0)
    e, xy = lkr_cluster(e_true, np.zeros(20000), np.zeros(20000), CARD, np.random.default_rng(12), 0.002)
    pull = (e - e_true) / lkr_sigma_e(CARD, e_true)
    assert np.std(pull) == pytest.approx(1.0, rel=0.03) and abs(np.mean(pull)) < 5 / np.sqrt(20000)
    assert np.std(xy / 0.002, axis=0) == pytest.approx([1.0, 1.0], rel=0.03)


def test_track_vertex_uses_given_slope_measurements():
    # with the caller's measured slopes the vertex uses them (one measurement per track): the slopes that
    # track_vertex would itself draw, passed in, give the same vertex; and no slope draws are consumed
    beam, vtx = _beam_and_vertex(CARD)
    p_pi = _tracks(6)
    res = CARD.resolution
    rng = np.random.default_rng(13)
    gpos = res.gtk_position * rng.standard_normal((N, 2))
    bs = (beam.dxdz + res.gtk_angle * rng.standard_normal(N), beam.dydz + res.gtk_angle * rng.standard_normal(N))
    spos = res.straw_position * rng.standard_normal((N, 2))
    sa = straw_sigma_angle(CARD, np.linalg.norm(p_pi, axis=1))
    ts = (p_pi[:, 0] / p_pi[:, 2] + sa * rng.standard_normal(N), p_pi[:, 1] / p_pi[:, 2] + sa * rng.standard_normal(N))
    ref = track_vertex(vtx, beam, p_pi, CARD, np.random.default_rng(13))
    # the same position draws (gtk (n, 2), then straw (n, 2)) from a generator that skips the slope draws
    draws = iter([gpos / res.gtk_position, spos / res.straw_position])

    class _Positions:
        def standard_normal(self, shape):
            return next(draws)
    got = track_vertex(vtx, beam, p_pi, CARD, _Positions(), beam_slopes=bs, track_slopes=ts)
    assert np.allclose(got, ref, rtol=0, atol=1e-9)
