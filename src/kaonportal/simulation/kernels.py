"""Compiled helpers of the simulation hot path (numba, no fastmath: bit-reproducible).

>>> import numpy as np
>>> p4 = np.array([[[1.0, 0.0, 0.0, 0.0]]])       # a 1 GeV particle at rest in the frame
>>> out = boost_events(p4, np.array([[0.0, 0.0, 0.6]]))
>>> out.round(6).tolist()                          # gamma = 1.25: E = 1.25, pz = 0.75
[[[1.25, 0.0, 0.0, 0.75]]]
"""

from __future__ import annotations

__all__ = ["boost_events", "norm3", "reconstruct_kernel", "RECO_ROWS", "beam_kernel", "vertex_lab_kernel",
           "candidate_kernel", "flight_kernel", "seen_kernel", "photon_pair_kernel"]

import numpy as np

from ..backend import njit
from ..kinematics import norm3  # noqa: F401  (re-exported: its home is kaonportal.kinematics)


@njit
def _boost_kernel(p4, beta, out):  # pragma: no cover - numba
    # Lorentz boost rest frame -> lab with per-event velocity beta (kaonportal.kinematics.boost formula)
    for i in range(p4.shape[0]):
        _boost_row(p4, out, i, beta[i, 0], beta[i, 1], beta[i, 2])


@njit
def _boost_row(p4, out, i, bx, by, bz):  # pragma: no cover - numba
    # event i of p4 (n, k, 4) boosted by velocity (bx, by, bz) into out[i] (kaonportal.kinematics.boost)
    b2 = bx * bx + by * by + bz * bz
    gamma = 1.0 / np.sqrt(1.0 - b2)
    g2 = (gamma - 1.0) / b2 if b2 > 0.0 else 0.0
    for j in range(p4.shape[1]):
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


# --- fused per-event stages of :func:`kaonportal.simulation.engine.simulate_block` -------------------------
# Each kernel repeats, operation by operation and in the same order, the numpy expression it replaces
# (cited in its docstring), so the results are bit-identical; transcendental functions (exp, expm1,
# log1p) stay in numpy between the kernels because numpy's SIMD versions may differ from libm's in
# the last bit. error_model="numpy": a division by zero gives inf/nan as in numpy instead of raising.


@njit(error_model="numpy")
def beam_kernel(g, par, beam, k, s1, lam, a1, a2):  # pragma: no cover - numba
    """Beam at GTK3 and the arguments of the truncated-exponential vertex (first half).

    Same expressions as :func:`kaonportal.beam.profile.sample_beam` (momentum, spot, slopes from the
    (5, n) normals ``g``) and :func:`kaonportal.beam.profile.sample_decay_vertex` (k, s1, lambda,
    a1 = -(s2 - s1)/lambda, a2 = -s1/lambda). ``par``: momentum, momentum_spread, x0, spot_x, y0,
    spot_y, dxdz, divergence_x, dydz, divergence_y, z1 - z_gtk3, z2 - z_gtk3, m, c tau.
    Fills ``beam`` (5, n) rows p, x, y, dxdz, dydz; returns False if a momentum is not positive.
    """
    ok = True
    for i in range(g.shape[1]):
        p = par[0] * (1.0 + par[1] * g[0, i])
        tx = par[6] + par[7] * g[3, i]
        ty = par[8] + par[9] * g[4, i]
        beam[0, i] = p
        beam[1, i] = par[2] + par[3] * g[1, i]
        beam[2, i] = par[4] + par[5] * g[2, i]
        beam[3, i] = tx
        beam[4, i] = ty
        if p <= 0.0:
            ok = False
        kk = np.sqrt(1.0 + tx * tx + ty * ty)
        a = kk * par[10]
        b = kk * par[11]
        la = p / par[12] * par[13]
        k[i] = kk
        s1[i] = a
        lam[i] = la
        a1[i] = -(b - a) / la
        a2[i] = -a / la
    return ok


@njit(error_model="numpy")
def vertex_lab_kernel(beam, k, s1, lam, log_term, exp_a2, frac, z_gtk3, m2_parent, p4, vtx, prob, pb3,
                      eb, lab):  # pragma: no cover - numba
    """Decay vertex, window probability, beam four-momentum and the decay products in the lab.

    Second half of :func:`kaonportal.beam.profile.sample_decay_vertex` (s = s1 - lambda log1p(...),
    z = z_gtk3 + s/k, P = exp(-s1/lambda) (-expm1(-(s2 - s1)/lambda)) with ``frac`` = -expm1(...)),
    the vertex on the beam line, :meth:`kaonportal.beam.profile.BeamSample.p3`,
    E = sqrt(p^2 + m^2) and the boost of :func:`boost_events` with beta = p3/E.
    ``vtx`` (n, 3) and ``pb3`` (n, 3) may be strided views.
    """
    for i in range(beam.shape[1]):
        p, x, y, tx, ty = beam[0, i], beam[1, i], beam[2, i], beam[3, i], beam[4, i]
        s = s1[i] - lam[i] * log_term[i]
        z = z_gtk3 + s / k[i]
        prob[i] = exp_a2[i] * frac[i]
        dz = z - z_gtk3
        vtx[i, 0] = x + tx * dz
        vtx[i, 1] = y + ty * dz
        vtx[i, 2] = z
        pz = p / np.sqrt(1.0 + tx * tx + ty * ty)
        px = pz * tx
        py = pz * ty
        pb3[i, 0] = px
        pb3[i, 1] = py
        pb3[i, 2] = pz
        e_b = np.sqrt(p * p + m2_parent)
        eb[i] = e_b
        _boost_row(p4, lab, i, px / e_b, py / e_b, pz / e_b)


@njit(error_model="numpy")
def candidate_kernel(lab, cand, eb, pb3, origin, p_true, tx_true, ty_true, m2_true, seen_p4,
                     seen_origin):  # pragma: no cover - numba
    """Truth of the candidate ``lab[:, cand]``: |p| (:func:`norm3`), slopes, true m2miss
    ((E_b - E)^2 - (p_b - p)^2 term by term as in the engine), and copies of its four-momentum and
    origin as the starting point of the track the spectrometer sees."""
    for i in range(lab.shape[0]):
        e, px, py, pz = lab[i, cand, 0], lab[i, cand, 1], lab[i, cand, 2], lab[i, cand, 3]
        p_true[i] = np.sqrt(px * px + py * py + pz * pz)
        tx_true[i] = px / pz
        ty_true[i] = py / pz
        de = eb[i] - e
        dx = pb3[i, 0] - px
        dy = pb3[i, 1] - py
        dzz = pb3[i, 2] - pz
        m2_true[i] = de * de - dx * dx - dy * dy - dzz * dzz
        seen_p4[i, 0] = e
        seen_p4[i, 1] = px
        seen_p4[i, 2] = py
        seen_p4[i, 3] = pz
        seen_origin[i, 0] = origin[i, 0]
        seen_origin[i, 1] = origin[i, 1]
        seen_origin[i, 2] = origin[i, 2]


@njit(error_model="numpy")
def flight_kernel(p, pz, z0, expo, scale, z_end, dist, sel):  # pragma: no cover - numba
    """In-flight decay length dist = p/m c tau x Exp(1) (``scale`` = (m, c tau), evaluated as
    ``p / m * ctau * e``) and the flag of a decay before ``z_end`` of a forward track; returns the
    number of flagged tracks."""
    m, ct = scale[0], scale[1]
    count = 0
    for i in range(p.shape[0]):
        d = p[i] / m * ct * expo[i]
        dist[i] = d
        s = z0[i] + d * pz[i] / p[i] < z_end and pz[i] > 0.0
        sel[i] = s
        count += s
    return count


@njit(error_model="numpy")
def seen_kernel(seen_p4, p, tx, ty):  # pragma: no cover - numba
    """|p| (:func:`norm3`) and slopes px/pz, py/pz of the track the spectrometer sees."""
    for i in range(seen_p4.shape[0]):
        px, py, pz = seen_p4[i, 1], seen_p4[i, 2], seen_p4[i, 3]
        p[i] = np.sqrt(px * px + py * py + pz * pz)
        tx[i] = px / pz
        ty[i] = py / pz


@njit
def photon_pair_kernel(h, beta, u0, cphi, sphi, g1, g2):  # pragma: no cover - numba
    """pi0 -> gamma gamma at one isotropic orientation per event, boosted into the lab (veto averaging).

    Same expressions, in the same order, as ``average_pi0_vetoes`` did in numpy: cos(theta) = 2 u0 - 1,
    sin(theta) = sqrt(max(0, 1 - cos^2)), photon 1 = h (1, sin(theta) cos(phi), sin(theta) sin(phi), cos(theta))
    with h = m/2, photon 2 with the opposite momentum, each through :func:`kaonportal.kinematics.boost` by
    the pi0 velocity ``beta`` (n, 3). ``cphi``, ``sphi``: cos and sin of the azimuth (numpy).
    """
    for i in range(u0.shape[0]):
        c = 2.0 * u0[i] - 1.0
        s = np.sqrt(max(0.0, 1.0 - c * c))
        hi = h[i]
        hs = hi * s
        r1, r2, r3 = hs * cphi[i], hs * sphi[i], hi * c
        bx, by, bz = beta[i, 0], beta[i, 1], beta[i, 2]
        b2 = bx * bx + by * by + bz * bz
        gamma = 1.0 / np.sqrt(1.0 - b2)
        g2f = (gamma - 1.0) / b2 if b2 > 0 else 0.0
        for out, sg in ((g1, 1.0), (g2, -1.0)):
            q1, q2, q3 = r1 * sg, r2 * sg, r3 * sg
            bp = bx * q1 + by * q2 + bz * q3
            out[i, 0] = gamma * (hi + bp)
            f = g2f * bp + gamma * hi
            out[i, 1] = q1 + f * bx
            out[i, 2] = q2 + f * by
            out[i, 3] = q3 + f * bz
