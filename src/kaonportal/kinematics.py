"""Relativistic kinematics shared by every stage (natural units: GeV, c = 1; lengths in metres).

Four-vectors are numpy arrays with the last axis ``(E, px, py, pz)``.

>>> import numpy as np
>>> round(float(two_body_momentum(0.493677, 0.13957039, 0.1349768)), 6)
0.205138
>>> round(float(decay_probability(100.0, 0.5, 1.0, 79.36, 156.93)), 3)
0.216
"""

from __future__ import annotations

__all__ = ["kallen", "two_body_momentum", "invariant_mass2", "boost", "dot3", "norm3", "decay_length_m",
           "decay_probability", "reach_probability"]

import numpy as np


def kallen(a, b, c):
    """Kallen function lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2ac - 2bc ([PDG] kinematics review)."""
    a, b, c = np.asarray(a, float), np.asarray(b, float), np.asarray(c, float)
    return a * a + b * b + c * c - 2.0 * (a * b + a * c + b * c)


def two_body_momentum(m_parent, m1, m2):
    """Daughter momentum in the rest frame of P -> 1 2: p* = lambda^1/2(M^2, m1^2, m2^2) / (2M).

    Returns NaN below threshold (callers validate masses first).
    """
    m_parent = np.asarray(m_parent, float)
    lam = kallen(m_parent**2, np.asarray(m1, float) ** 2, np.asarray(m2, float) ** 2)
    with np.errstate(invalid="ignore"):
        return np.where(lam >= 0, np.sqrt(np.maximum(lam, 0.0)), np.nan) / (2.0 * m_parent)


def invariant_mass2(p4):
    """m^2 = E^2 - |p|^2 for four-vectors ``(..., 4)``."""
    p4 = np.asarray(p4, float)
    return p4[..., 0] ** 2 - np.sum(p4[..., 1:] ** 2, axis=-1)


def boost(p4, beta):
    """Lorentz-boost four-vectors ``p4`` (..., 4) by velocity ``beta`` (..., 3) (rest frame -> lab).

    A particle at rest in the frame moving with ``beta`` gets lab momentum gamma*m*beta.
    """
    p4 = np.asarray(p4, float)
    beta = np.asarray(beta, float)
    b2 = np.sum(beta * beta, axis=-1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p4[..., 1:], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        g2 = np.where(b2 > 0, (gamma - 1.0) / b2, 0.0)
    e = gamma * (p4[..., 0] + bp)
    p = p4[..., 1:] + (g2 * bp + gamma * p4[..., 0])[..., None] * beta
    return np.concatenate([e[..., None], p], axis=-1)


def dot3(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """u . v over the last axis of (..., 3) arrays: the numbers of ``np.sum(u * v, axis=-1)`` (x, y, z products
    summed in turn) without numpy's reduction machinery, several times cheaper for such short axes."""
    return u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1] + u[..., 2] * v[..., 2]


def norm3(v: np.ndarray) -> np.ndarray:
    """|v| over the last axis of (..., 3) arrays: numpy.linalg.norm's numbers (sqrt of :func:`dot3`)."""
    return np.sqrt(dot3(v, v))


def decay_length_m(p, m, ctau_m):
    """Mean lab decay length beta*gamma*c*tau = (p/m) c tau in metres ([PDG] kinematics review)."""
    return np.asarray(p, float) / np.asarray(m, float) * np.asarray(ctau_m, float)


def reach_probability(p, m, ctau_m, z1):
    """Probability to survive a flight distance ``z1`` (metres): exp(-z1 / lambda_dec)."""
    return np.exp(-np.asarray(z1, float) / decay_length_m(p, m, ctau_m))


def decay_probability(p, m, ctau_m, z1, z2):
    """Probability to decay between flight distances z1 < z2 (metres) from the production point.

    P = exp(-z1/lambda) - exp(-z2/lambda), lambda = (p/m) c tau
    ([FORESEE:2021code] foresee.py L1955, [FW HNLFunctions.cc] L151-167).
    Written with ``expm1`` so that long-lived particles (lambda >> z2) keep full precision.
    """
    lam = decay_length_m(p, m, ctau_m)
    z1 = np.asarray(z1, float)
    z2 = np.asarray(z2, float)
    return np.exp(-z1 / lam) * -np.expm1(-(z2 - z1) / lam)
