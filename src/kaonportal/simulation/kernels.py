"""Compiled helpers of the simulation hot path (numba, no fastmath: bit-reproducible).

>>> import numpy as np
>>> p4 = np.array([[[1.0, 0.0, 0.0, 0.0]]])       # a 1 GeV particle at rest in the frame
>>> out = boost_events(p4, np.array([[0.0, 0.0, 0.6]]))
>>> out.round(6).tolist()                          # gamma = 1.25: E = 1.25, pz = 0.75
[[[1.25, 0.0, 0.0, 0.75]]]
"""

from __future__ import annotations

__all__ = ["boost_events", "norm3", "reconstruct_kernel", "RECO_ROWS"]

import numpy as np

from ..backend import njit


@njit
def _boost_kernel(p4, beta, out):  # pragma: no cover - numba
    # Lorentz boost rest frame -> lab with per-event velocity beta (kaonportal.kinematics.boost formula)
    n, k = p4.shape[0], p4.shape[1]
    for i in range(n):
        bx, by, bz = beta[i, 0], beta[i, 1], beta[i, 2]
        b2 = bx * bx + by * by + bz * bz
        gamma = 1.0 / np.sqrt(1.0 - b2)
        g2 = (gamma - 1.0) / b2 if b2 > 0.0 else 0.0
        for j in range(k):
            e = p4[i, j, 0]
            bp = bx * p4[i, j, 1] + by * p4[i, j, 2] + bz * p4[i, j, 3]
            f = g2 * bp + gamma * e
            out[i, j, 0] = gamma * (e + bp)
            out[i, j, 1] = p4[i, j, 1] + f * bx
            out[i, j, 2] = p4[i, j, 2] + f * by
            out[i, j, 3] = p4[i, j, 3] + f * bz


def boost_events(p4: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Boost (n, k, 4) rest-frame four-vectors by per-event velocities (n, 3) into the lab."""
    p4 = np.ascontiguousarray(p4, dtype=np.float64)
    beta = np.ascontiguousarray(beta, dtype=np.float64)
    out = np.empty_like(p4)
    _boost_kernel(p4, beta, out)
    return out


def norm3(v: np.ndarray) -> np.ndarray:
    """|v| over the last axis of (..., 3) arrays (cheaper than numpy.linalg.norm for small axes)."""
    return np.sqrt(v[..., 0] * v[..., 0] + v[..., 1] * v[..., 1] + v[..., 2] * v[..., 2])


#: rows of the array filled by :func:`reconstruct_kernel`
RECO_ROWS = ("p_beam", "beam_dxdz", "beam_dydz", "p_track", "track_dxdz", "track_dydz", "vertex_x",
             "vertex_y", "vertex_z", "cda", "m2miss_pi", "m2miss_mu", "m2miss_e", "m2miss_pi_nominal")


@njit
def _m2(p_b, tx_b, ty_b, m_b, p_t, tx_t, ty_t, m_t):  # pragma: no cover - numba
    # same expression as kaonportal.reco.missing_mass.m2miss
    nb = np.sqrt(1.0 + tx_b * tx_b + ty_b * ty_b)
    nt = np.sqrt(1.0 + tx_t * tx_t + ty_t * ty_t)
    cos = (tx_b * tx_t + ty_b * ty_t + 1.0) / (nb * nt)
    e_b = np.sqrt(p_b * p_b + m_b * m_b)
    e_t = np.sqrt(p_t * p_t + m_t * m_t)
    return m_b * m_b + m_t * m_t - 2.0 * (e_b * e_t - p_b * p_t * cos)


@njit
def reconstruct_kernel(g, beam_p, beam_tx, beam_ty, beam_x, beam_y, p_seen, seen_tx, seen_ty, fwd,
                       xs1, ys1, par, masses, out):  # pragma: no cover - numba
    """Fused GTK/STRAW smearing, closest approach and missing masses for one block.

    ``g``: (10, n) standard normals (GTK p, tx, ty, x, y; STRAW p, tx, ty, x, y).
    ``par``: gtk_p_rel, gtk_angle, gtk_position, straw_p_const, straw_p_slope, straw_angle_const,
    straw_angle_ms, straw_position, z_gtk3, z_straw1, nominal p, nominal dxdz, nominal dydz.
    ``masses``: parent, pi+, mu+, e+. Formulas: :func:`kaonportal.detector.response.straw_sigma_p_rel`,
    :func:`~kaonportal.detector.response.straw_sigma_angle`, :func:`kaonportal.reco.closest_approach`,
    :func:`kaonportal.reco.m2miss` (same expressions, fused in one pass over the events).
    """
    nan = np.nan
    for i in range(g.shape[1]):
        pb = beam_p[i] * (1.0 + par[0] * g[0, i])
        btx = beam_tx[i] + par[1] * g[1, i]
        bty = beam_ty[i] + par[1] * g[2, i]
        bx = beam_x[i] + par[2] * g[3, i]
        by = beam_y[i] + par[2] * g[4, i]
        out[0, i] = pb
        out[1, i] = btx
        out[2, i] = bty
        if not fwd[i]:
            for r in range(3, 14):
                out[r, i] = nan
            continue
        p = p_seen[i]
        sp = np.sqrt(par[3] * par[3] + (par[4] * p) ** 2)
        sa = np.sqrt(par[5] * par[5] + (par[6] / p) ** 2)
        pt = p * (1.0 + sp * g[5, i])
        ttx = seen_tx[i] + sa * g[6, i]
        tty = seen_ty[i] + sa * g[7, i]
        tx1 = xs1[i] + par[7] * g[8, i]
        ty1 = ys1[i] + par[7] * g[9, i]
        out[3, i] = pt
        out[4, i] = ttx
        out[5, i] = tty
        # closest approach of the beam line (at z_gtk3) and the track line (at z_straw1)
        wx = bx - tx1
        wy = by - ty1
        wz = par[8] - par[9]
        a = btx * btx + bty * bty + 1.0
        b = btx * ttx + bty * tty + 1.0
        c = ttx * ttx + tty * tty + 1.0
        d = btx * wx + bty * wy + wz
        e = ttx * wx + tty * wy + wz
        den = a * c - b * b
        if den > 0.0:
            t1 = (b * e - c * d) / den
            t2 = (a * e - b * d) / den
            c1x, c1y, c1z = bx + t1 * btx, by + t1 * bty, par[8] + t1
            c2x, c2y, c2z = tx1 + t2 * ttx, ty1 + t2 * tty, par[9] + t2
            out[6, i] = 0.5 * (c1x + c2x)
            out[7, i] = 0.5 * (c1y + c2y)
            out[8, i] = 0.5 * (c1z + c2z)
            out[9, i] = np.sqrt((c1x - c2x) ** 2 + (c1y - c2y) ** 2 + (c1z - c2z) ** 2)
        else:
            out[6, i] = nan
            out[7, i] = nan
            out[8, i] = nan
            out[9, i] = nan
        out[10, i] = _m2(pb, btx, bty, masses[0], pt, ttx, tty, masses[1])
        out[11, i] = _m2(pb, btx, bty, masses[0], pt, ttx, tty, masses[2])
        out[12, i] = _m2(pb, btx, bty, masses[0], pt, ttx, tty, masses[3])
        out[13, i] = _m2(par[10], par[11], par[12], masses[0], pt, ttx, tty, masses[1])
