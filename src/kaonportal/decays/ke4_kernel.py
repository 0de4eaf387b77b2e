"""Compiled proposal step of the Ke4 generator (K+ -> pi+ pi- e+ nu; GeV, c = 1).

One pass per proposal event that repeats, operation by operation and in the same order, the numpy
expressions of :func:`~kaonportal.decays.phasespace._genbod_raw` (four bodies) followed by
:func:`~kaonportal.decays.ke4.ke4_matrix_element`: GENBOD sub-system masses, two-body momenta
(Kallen function, PDG Kinematics review eq. 49.17), the boosts of J. D. Jackson eq. 11.19 and the
|M|^2 of Bijnens, Colangelo, Ecker, Gasser (hep-ph/9411311) with the [NA482:2010ke4] form factors.
The outputs are bit-identical to the numpy version (``tests/decays/test_decays_ke4_kernel.py``):
numpy sums a short last axis left to right, so the kernel does too; the random numbers and the
transcendental functions (cos, sin of the azimuths) stay in numpy, which decides their rounding.
The numpy version needed ~50 temporary arrays per round and ran at ~2e5 proposals/s; the Ke4
accept-reject keeps ~7% of them.
"""

from __future__ import annotations

__all__ = ["ke4_propose", "ke4_params"]

import math

import numpy as np

from ..backend import njit


def ke4_params(m_k: float, m_pi: float, masses: np.ndarray, ff: dict) -> np.ndarray:
    """Scalars of the kernel, computed with the same Python expressions as the numpy version."""
    m = np.asarray(masses, float)
    cum = np.cumsum(m)
    return np.array([m_k, m_k - m.sum(), cum[1], cum[2], m[0], m[1], m[2], m[3],
                     4.0 * m_pi**2, m_k**2, -(ff["hp"] / m_k**3),
                     ff["fs_q2"], ff["fs_q4"], ff["fe"], ff["fp"], ff["gp"], ff["gp_q2"]], float)


@njit(inline="always")
def _kallen(a, b, c):  # pragma: no cover - compiled
    return a * a + b * b + c * c - 2.0 * (a * b + a * c + b * c)


@njit(inline="always")
def _pstar(M, m1, m2):  # pragma: no cover - compiled
    num = math.sqrt(max(_kallen(M * M, m1 * m1, m2 * m2), 0.0))
    return num / (2.0 * M) if M > 0 else 0.0


@njit(inline="always")
def _dot(a, b):  # pragma: no cover - compiled
    return ((a[0] * b[0]) - (a[1] * b[1])) - (a[2] * b[2]) - (a[3] * b[3])


@njit(inline="always")
def _det3(b, c, d, i, j, k):  # pragma: no cover - compiled
    return (b[i] * (c[j] * d[k] - c[k] * d[j])
            - b[j] * (c[i] * d[k] - c[k] * d[i])
            + b[k] * (c[i] * d[j] - c[j] * d[i]))


@njit(inline="always")
def _cofactors(b, c, d, out):  # pragma: no cover - compiled
    out[0] = _det3(b, c, d, 1, 2, 3)
    out[1] = -_det3(b, c, d, 0, 2, 3)
    out[2] = _det3(b, c, d, 0, 1, 3)
    out[3] = -_det3(b, c, d, 0, 1, 2)


@njit(inline="always")
def _two_body_boost(ev, j, M, m_prev, m_j, cphi, sphi, u0):  # pragma: no cover - compiled
    """Step j of GENBOD: system (0..j-1) of mass m_prev and particle j from a parent of mass M,
    direction (cos theta = 2 u0 - 1, azimuth (cphi, sphi)); the first j particles are boosted."""
    c = 2.0 * u0 - 1.0
    s = math.sqrt(max(0.0, 1.0 - c * c))
    d0, d1, d2 = s * cphi, s * sphi, c
    lam = _kallen(M * M, m_prev * m_prev, m_j * m_j)
    p = math.sqrt(max(lam, 0.0)) / (2.0 * M)
    e1 = (M * M + m_prev * m_prev - m_j * m_j) / (2.0 * M)
    e2 = M - e1
    q0, q1, q2 = p * d0, p * d1, p * d2
    if j == 1:   # first pair: particle 0 along d, particle 1 opposite, no boost
        ev[0, 0], ev[0, 1], ev[0, 2], ev[0, 3] = e1, q0, q1, q2
        ev[1, 0], ev[1, 1], ev[1, 2], ev[1, 3] = e2, -q0, -q1, -q2
        return
    gam = e1 / m_prev
    ux, uy, uz = q0 / m_prev, q1 / m_prev, q2 / m_prev
    for i in range(j):
        e = ev[i, 0]
        up = ux * ev[i, 1] + uy * ev[i, 2] + uz * ev[i, 3]
        f = up / (1.0 + gam) + e
        ev[i, 0] = gam * e + up
        ev[i, 1] = ev[i, 1] + ux * f
        ev[i, 2] = ev[i, 2] + uy * f
        ev[i, 3] = ev[i, 3] + uz * f
    ev[j, 0], ev[j, 1], ev[j, 2], ev[j, 3] = e2, -q0, -q1, -q2


@njit(inline="always")
def _matrix_element(ev, par, P, Q, L, a, b, cof):  # pragma: no cover - compiled
    m_k, c4, m_k2, coef_a = par[0], par[8], par[9], par[10]
    fs_q2, fs_q4, fe, fp, gp, gp_q2 = par[11], par[12], par[13], par[14], par[15], par[16]
    p1, p2, pe, pn = ev[0], ev[1], ev[2], ev[3]
    for mu in range(4):
        P[mu] = p1[mu] + p2[mu]
        Q[mu] = p1[mu] - p2[mu]
        L[mu] = pe[mu] + pn[mu]
    s_pi = _dot(P, P)
    s_e = _dot(L, L)
    q2 = s_pi / c4 - 1.0
    sigma = math.sqrt(max(1.0 - c4 / s_pi, 0.0))
    X = 0.5 * math.sqrt(max(_kallen(m_k2, s_pi, s_e), 0.0))
    sx = sigma * X
    cos_pi = _dot(Q, L) / sx if sx > 0 else 0.0
    F = 1.0 + fs_q2 * q2 + fs_q4 * q2 * q2 + fe * s_e / c4 + fp * cos_pi
    G = gp + gp_q2 * q2
    _cofactors(L, P, Q, cof)
    a[0] = coef_a * cof[0]
    for mu in range(1, 4):
        a[mu] = -(coef_a * cof[mu])
    for mu in range(4):
        b[mu] = (F * P[mu] + G * Q[mu]) / m_k
    S = 2.0 * (_dot(pn, a) * _dot(pe, a) + _dot(pn, b) * _dot(pe, b)) - _dot(pn, pe) * (_dot(a, a) + _dot(b, b))
    _cofactors(b, pn, pe, cof)
    eps = a[0] * cof[0] + a[1] * cof[1] + a[2] * cof[2] + a[3] * cof[3]
    return S + 2.0 * eps


@njit
def ke4_propose(r, u1, cs1, u2, cs2, u3, cs3, par, major, p4, ratio):  # pragma: no cover - compiled
    """Fill ``p4`` (n, 4, 4) and ``ratio`` (n,) = max(w |M|^2, 0) / major from the GENBOD uniforms.

    ``r`` (n, 2): the (unsorted) uniforms of the sub-system masses; ``u_j`` (n,): the cos-theta uniform of
    step j; ``cs_j`` (2, n): cos and sin of its azimuth. ``par``: :func:`ke4_params`.
    """
    m_k, tecm, cum1, cum2 = par[0], par[1], par[2], par[3]
    m0, m1, m2, m3 = par[4], par[5], par[6], par[7]
    work = np.empty((6, 4))
    P, Q, L, a, b, cof = work[0], work[1], work[2], work[3], work[4], work[5]
    for i in range(r.shape[0]):
        lo, hi = min(r[i, 0], r[i, 1]), max(r[i, 0], r[i, 1])   # np.sort of two numbers
        inv1 = cum1 + lo * tecm
        inv2 = cum2 + hi * tecm
        w = _pstar(inv1, m0, m1) * _pstar(inv2, inv1, m2) * _pstar(m_k, inv2, m3)
        ev = p4[i]
        _two_body_boost(ev, 1, inv1, m0, m1, cs1[0, i], cs1[1, i], u1[i])
        _two_body_boost(ev, 2, inv2, inv1, m2, cs2[0, i], cs2[1, i], u2[i])
        _two_body_boost(ev, 3, m_k, inv2, m3, cs3[0, i], cs3[1, i], u3[i])
        ratio[i] = max(w * _matrix_element(ev, par, P, Q, L, a, b, cof), 0.0) / major
