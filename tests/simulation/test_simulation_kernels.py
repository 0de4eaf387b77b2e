"""The fused reconstruction kernel agrees with the public numpy reconstruction functions."""

import math

import numpy as np

from kaonportal import constants
from kaonportal.detector import load_card
from kaonportal.detector.response import straw_sigma_angle, straw_sigma_p_rel
from kaonportal.kinematics import boost
from kaonportal.reco import closest_approach, m2miss
from kaonportal.simulation.kernels import RECO_ROWS, photon_pair_kernel, reconstruct_kernel


def test_reconstruct_kernel_matches_numpy():
    card = load_card("na62-2018")
    r, b = card.resolution, card.beam
    rng = np.random.default_rng(3)
    n = 500
    g = rng.standard_normal((10, n))
    bp, btx, bty = 75 + rng.normal(0, 0.7, n), 1.2e-3 + rng.normal(0, 1e-4, n), rng.normal(0, 1e-4, n)
    bx, by = rng.normal(0, 0.01, n), rng.normal(0, 0.005, n)
    p = rng.uniform(10, 60, n)
    tx, ty = rng.normal(0, 5e-3, n), rng.normal(0, 5e-3, n)
    xs1, ys1 = rng.normal(0, 0.3, n), rng.normal(0, 0.3, n)
    fwd = rng.random(n) < 0.9
    par = np.array([r.gtk_p_rel, r.gtk_angle, r.gtk_position, r.straw_p_const, r.straw_p_slope,
                    r.straw_angle_const, r.straw_angle_ms, r.straw_position, b.z_gtk3, 183.508,
                    b.momentum, b.dxdz, b.dydz])
    mk = constants.mass("K+")
    masses = np.array([mk, constants.mass("pi+"), constants.mass("mu+"), constants.mass("e+")])
    out = np.empty((len(RECO_ROWS), n))
    reconstruct_kernel(g, bp, btx, bty, bx, by, p, tx, ty, fwd, xs1, ys1, par, masses, out)
    got = dict(zip(RECO_ROWS, out))
    pb = bp * (1 + r.gtk_p_rel * g[0])
    b_tx, b_ty = btx + r.gtk_angle * g[1], bty + r.gtk_angle * g[2]
    pt = p * (1 + straw_sigma_p_rel(card, p) * g[5])
    sa = straw_sigma_angle(card, p)
    t_tx, t_ty = tx + sa * g[6], ty + sa * g[7]
    v, cda = closest_approach(bx + r.gtk_position * g[3], by + r.gtk_position * g[4], b.z_gtk3, b_tx, b_ty,
                              xs1 + r.straw_position * g[8], ys1 + r.straw_position * g[9], 183.508, t_tx, t_ty)
    want = {"p_beam": pb, "p_track": pt, "track_dxdz": t_tx, "vertex_z": v[:, 2], "cda": cda,
            "m2miss_pi": m2miss(pb, b_tx, b_ty, mk, pt, t_tx, t_ty, masses[1]),
            "m2miss_e": m2miss(pb, b_tx, b_ty, mk, pt, t_tx, t_ty, masses[3]),
            "m2miss_pi_nominal": m2miss(np.full(n, 75.0), 1.2e-3, 0.0, mk, pt, t_tx, t_ty, masses[1])}
    for key, w in want.items():
        sel = fwd if key != "p_beam" else np.ones(n, bool)
        assert np.allclose(got[key][sel], w[sel], rtol=1e-12, atol=1e-15), key
        if key != "p_beam":
            assert np.isnan(got[key][~fwd]).all()


# --- veto averaging: the compiled photon pair repeats the numpy expressions it replaced, bit for bit ---
def _numpy_pair(h, beta, u):
    """The former numpy code of ``average_pi0_vetoes`` for one orientation."""
    cost = 2.0 * u[0] - 1.0
    sint = np.sqrt(np.maximum(0.0, 1.0 - cost * cost))
    phi = 2.0 * math.pi * u[1]
    rest = np.stack([h, h * sint * np.cos(phi), h * sint * np.sin(phi), h * cost], axis=-1)
    g1 = boost(rest, beta)
    rest[:, 1:] *= -1.0
    return g1, boost(rest, beta)


def test_photon_pair_bit_identical_to_numpy_boost():
    rng = np.random.default_rng(3)
    n = 50_000
    p = rng.normal(0.0, 0.3, (n, 3)) + np.array([0.0, 0.0, 30.0]) * rng.random((n, 1))
    p[:10] = 0.0                                   # pi0 at rest: beta = 0 takes the b2 = 0 branch
    m = 0.1349768
    beta = p / np.sqrt(m * m + np.sum(p * p, axis=-1))[:, None]
    h = np.full(n, 0.5 * m)
    u = rng.random((2, n))
    ref1, ref2 = _numpy_pair(h, beta, u)
    phi = 2.0 * math.pi * u[1]
    g1, g2 = np.empty((n, 4)), np.empty((n, 4))
    photon_pair_kernel(h, beta, u[0], np.cos(phi), np.sin(phi), g1, g2)
    assert np.array_equal(g1, ref1) and np.array_equal(g2, ref2)
    # and the physics: the pair adds up to the pi0 four-momentum (to rounding)
    assert np.allclose(g1 + g2, np.column_stack([m / np.sqrt(1 - np.sum(beta**2, axis=-1)),
                                                 m * beta / np.sqrt(1 - np.sum(beta**2, axis=-1))[:, None]]),
                       rtol=1e-12, atol=1e-12)
