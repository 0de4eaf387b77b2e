"""Compiled (numba) kernels for the highest-rate decays: isotropic two-body, pi0 -> gamma gamma and
the three-body construction from Dalitz-plot energies.

K+ -> mu+ nu and K+ -> pi+ pi0 (pi0 -> gamma gamma) are ~85% of kaon decays, so they get
single-pass loops that turn uniform random numbers straight into four-momenta (numpy would
allocate a temporary array per operation). The physics is the same as
:func:`~kaonportal.decays.phasespace.two_body_p4` and :func:`~kaonportal.decays.phasespace.boost_into`:
isotropic direction (cos(theta) = 2 u0 - 1, phi = 2 pi u1), E1 = (M^2 + m1^2 - m2^2)/2M, E2 = M - E1,
and for pi0 -> gamma gamma the first photon boosted by beta = p_pi0/E_pi0, the second photon
p_pi0 - p_gamma1 (exact four-momentum conservation).

>>> import numpy as np
>>> out = np.empty((2, 2, 4))
>>> two_body_iso(0.493677, 0.1056583755, 0.0, np.array([[0.5, 0.25], [0.0, 0.5]]), out)
>>> round(float(out[0, 0, 0] + out[0, 1, 0]), 6), bool(abs(out[0, 0, 3]) < 1e-12)
(0.493677, True)
"""

from __future__ import annotations

__all__ = ["two_body_iso", "pi0_gg", "three_body_fill"]

import math


from ..backend import njit


@njit
def _cos_sin_2pi(v):  # pragma: no cover - compiled
    """(cos, sin) of phi = 2 pi v with one libm call: sin = +-sqrt(1 - cos^2), negative for v > 1/2."""
    c = math.cos(2.0 * math.pi * v)
    s = math.sqrt(max(0.0, 1.0 - c * c))
    return c, (-s if v > 0.5 else s)


@njit
def _iso_angles(u0, u1):  # pragma: no cover - compiled
    """(sin theta, cos phi, sin phi, cos theta) with cos(theta) = 2 u0 - 1 and phi = 2 pi u1 (isotropic
    for uniform u0, u1); callers form p * s * cphi etc. themselves, keeping the original rounding."""
    c = 2.0 * u0 - 1.0
    s = math.sqrt(max(0.0, 1.0 - c * c))
    cphi, sphi = _cos_sin_2pi(u1)
    return s, cphi, sphi, c


@njit
def two_body_iso(m_parent, m1, m2, u, out):  # pragma: no cover - compiled
    """Fill ``out[:, 0:2, :]`` with isotropic P -> 1 2 decays at rest from uniforms ``u`` (n, 2)."""
    lam = (m_parent * m_parent - (m1 + m2) ** 2) * (m_parent * m_parent - (m1 - m2) ** 2)
    p = math.sqrt(max(lam, 0.0)) / (2.0 * m_parent)
    e1 = (m_parent * m_parent + m1 * m1 - m2 * m2) / (2.0 * m_parent)
    e2 = m_parent - e1
    for i in range(u.shape[0]):
        s, cphi, sphi, c = _iso_angles(u[i, 0], u[i, 1])
        px = p * s * cphi
        py = p * s * sphi
        pz = p * c
        out[i, 0, 0] = e1
        out[i, 0, 1] = px
        out[i, 0, 2] = py
        out[i, 0, 3] = pz
        out[i, 1, 0] = e2
        out[i, 1, 1] = -px
        out[i, 1, 2] = -py
        out[i, 1, 3] = -pz


@njit
def pi0_gg(m_pi0, parent, jp, u, ku, out, j):  # pragma: no cover - compiled
    """pi0 -> gamma gamma for pi0 four-momenta ``parent[:, jp]`` ((n, k, 4)) and uniforms ``u[:, ku:ku+2]``;
    photons into ``out[:, j]``, ``out[:, j+1]`` (``out`` may be ``parent``: the pi0 slot is only read).
    Slots and columns are arguments, not views, so every caller passes C-contiguous arrays and the kernel
    is compiled once."""
    h = 0.5 * m_pi0
    for i in range(u.shape[0]):
        s, cphi, sphi, c = _iso_angles(u[i, ku], u[i, ku + 1])
        kx = h * s * cphi
        ky = h * s * sphi
        kz = h * c
        e = parent[i, jp, 0]
        px, py, pz = parent[i, jp, 1], parent[i, jp, 2], parent[i, jp, 3]
        bx = px / e
        by = py / e
        bz = pz / e
        b2 = bx * bx + by * by + bz * bz
        gam = 1.0 / math.sqrt(1.0 - b2)
        bp = bx * kx + by * ky + bz * kz
        g2 = (gam - 1.0) / b2 if b2 > 0.0 else 0.0
        f = g2 * bp + gam * h
        ge = gam * (h + bp)
        out[i, j, 0] = ge
        out[i, j, 1] = kx + f * bx
        out[i, j, 2] = ky + f * by
        out[i, j, 3] = kz + f * bz
        out[i, j + 1, 0] = e - ge
        out[i, j + 1, 1] = px - out[i, j, 1]
        out[i, j + 1, 2] = py - out[i, j, 2]
        out[i, j + 1, 3] = pz - out[i, j, 3]


@njit
def three_body_fill(m_parent, m1, m2, m3, e1, e3, u, out):  # pragma: no cover - compiled
    """Fill ``out`` (n, 3, 4) with P -> 1 2 3 at rest from energies E1, E3 and uniforms ``u`` (n, 3).

    Same construction as :func:`kaonportal.decays.phasespace.three_body`: daughter 1 isotropic
    (u0, u1), daughter 3 at the opening angle fixed by the energies with azimuth 2 pi u2 around it,
    daughter 2 = P - 1 - 3.
    """
    for i in range(e1.shape[0]):
        p1 = math.sqrt(max(e1[i] * e1[i] - m1 * m1, 0.0))
        p3 = math.sqrt(max(e3[i] * e3[i] - m3 * m3, 0.0))
        e2 = m_parent - e1[i] - e3[i]
        p2sq = e2 * e2 - m2 * m2
        den = 2.0 * p1 * p3
        c13 = (p2sq - p1 * p1 - p3 * p3) / den if den > 0.0 else 1.0
        c13 = min(1.0, max(-1.0, c13))
        s13 = math.sqrt(1.0 - c13 * c13)
        c = 2.0 * u[i, 0] - 1.0
        s = math.sqrt(max(0.0, 1.0 - c * c))
        cphi, sphi = _cos_sin_2pi(u[i, 1])
        ax = s * cphi
        ay = s * sphi
        az = c
        # e1 = (h x a)/|h x a| with h = z (or x near the poles), e2 = a x e1
        if abs(az) > 0.9:
            bx, by, bz = 0.0, -az, ay          # x-hat cross a
        else:
            bx, by, bz = -ay, ax, 0.0          # z-hat cross a
        nb = math.sqrt(bx * bx + by * by + bz * bz)
        bx /= nb
        by /= nb
        bz /= nb
        cx = ay * bz - az * by
        cy = az * bx - ax * bz
        cz = ax * by - ay * bx
        cpsi, spsi = _cos_sin_2pi(u[i, 2])
        cp = s13 * cpsi
        sp = s13 * spsi
        dx = c13 * ax + cp * bx + sp * cx
        dy = c13 * ay + cp * by + sp * cy
        dz = c13 * az + cp * bz + sp * cz
        out[i, 0, 0] = e1[i]
        out[i, 0, 1] = p1 * ax
        out[i, 0, 2] = p1 * ay
        out[i, 0, 3] = p1 * az
        out[i, 2, 0] = e3[i]
        out[i, 2, 1] = p3 * dx
        out[i, 2, 2] = p3 * dy
        out[i, 2, 3] = p3 * dz
        out[i, 1, 0] = e2
        out[i, 1, 1] = -(out[i, 0, 1] + out[i, 2, 1])
        out[i, 1, 2] = -(out[i, 0, 2] + out[i, 2, 2])
        out[i, 1, 3] = -(out[i, 0, 3] + out[i, 2, 3])
