"""Vectorised decay kinematics: isotropic two-body decays and weighted n-body phase space.

Momenta in GeV, four-vectors ``(..., 4)`` = (E, px, py, pz). The n-body generator is the standard
sequential (Raubold-Lynch / GENBOD) construction: intermediate invariant masses are drawn uniformly and
each event carries the phase-space weight prod_i p*_i (F. James, CERN 68-15 (1968), "Monte Carlo phase
space"), normalised here to a maximum of 1 over the sample's kinematic bound.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> p4, w = nbody(np.full(4, 0.5), [0.105658, 0.105658], rng)
>>> bool(np.allclose(p4[:, 0, 0] + p4[:, 1, 0], 0.5)), bool(np.allclose(w, 1.0))
(True, True)
"""

from __future__ import annotations

__all__ = ["isotropic_directions", "two_body_at_rest", "nbody", "boost_to_lab", "boost_rows_to_lab"]

import numpy as np

from ..backend import njit
from ..kinematics import boost, two_body_momentum


def isotropic_directions(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` unit vectors uniform on the sphere, shape (n, 3)."""
    cos_t = 2.0 * rng.random(n) - 1.0
    phi = 2.0 * np.pi * rng.random(n)
    sin_t = np.sqrt(np.maximum(0.0, 1.0 - cos_t * cos_t))
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=-1)


def two_body_at_rest(m_parent, m1: float, m2: float, rng: np.random.Generator):
    """Four-momenta (n, 2, 4) of an isotropic decay parent -> 1 2 at rest (parent mass array (n,))."""
    m_parent = np.asarray(m_parent, float)
    n = m_parent.size
    p = two_body_momentum(m_parent, m1, m2)
    d = isotropic_directions(n, rng) * p[:, None]
    out = np.empty((n, 2, 4))
    out[:, 0, 0] = np.sqrt(p * p + m1 * m1)
    out[:, 0, 1:] = d
    out[:, 1, 0] = np.sqrt(p * p + m2 * m2)
    out[:, 1, 1:] = -d
    return out


def boost_to_lab(p4_rest: np.ndarray, p4_parent: np.ndarray) -> np.ndarray:
    """Boost daughters ``(n, k, 4)`` from the parent rest frame to the frame where it has ``(n, 4)``."""
    e = p4_parent[:, :1]
    beta = p4_parent[:, 1:] / np.where(e > 0, e, 1.0)    # zero four-vectors (closed channels) stay put
    return boost(p4_rest, beta[:, None, :])


def boost_rows_to_lab(p4_rest: np.ndarray, col: int, rows, p4_parent: np.ndarray, parent_rows=None) -> np.ndarray:
    """:func:`boost_to_lab` of daughter ``col`` of ``p4_rest`` (n, k, 4) for a subset of events, without copying
    the subset first: ``p4_rest[rows, col]`` (m, 4) boosted by ``p4_parent[parent_rows]`` (all of ``p4_parent``, in
    order, when ``parent_rows`` is None). The same floating-point operations in the same order as
    ``boost_to_lab(p4_rest[rows, col:col + 1], p4_parent[parent_rows])[:, 0]``, so the same numbers bit for bit.
    """
    rows = np.ascontiguousarray(rows, np.intp)
    prow = np.arange(rows.size) if parent_rows is None else np.ascontiguousarray(parent_rows, np.intp)
    out = np.empty((rows.size, 4))
    # C-contiguous arguments only: one compiled signature whoever calls (first-run compile time, issue 17)
    _boost_rows(np.ascontiguousarray(p4_rest, float), int(col), rows, np.ascontiguousarray(p4_parent, float), prow,
                out)
    return out


@njit(error_model="numpy")      # IEEE division like numpy (b2 = 0 is guarded as in kinematics.boost)
def _boost_rows(rest, col, rows, parent, prow, out):  # pragma: no cover - numba
    """Per-event loop of :func:`boost_to_lab` / :func:`kaonportal.kinematics.boost` (their operation order:
    beta = p/E, b2 and beta.p summed x, y, z in turn, gamma = 1/sqrt(1 - b2))."""
    for i in range(rows.shape[0]):
        r, q = rows[i], prow[i]
        e_par = parent[q, 0]
        den = e_par if e_par > 0 else 1.0
        bx, by, bz = parent[q, 1] / den, parent[q, 2] / den, parent[q, 3] / den
        e0, px, py, pz = rest[r, col, 0], rest[r, col, 1], rest[r, col, 2], rest[r, col, 3]
        b2 = bx * bx + by * by + bz * bz
        gamma = 1.0 / np.sqrt(1.0 - b2)
        bp = bx * px + by * py + bz * pz
        g2 = (gamma - 1.0) / b2 if b2 > 0 else 0.0
        out[i, 0] = gamma * (e0 + bp)
        f = g2 * bp + gamma * e0
        out[i, 1] = px + f * bx
        out[i, 2] = py + f * by
        out[i, 3] = pz + f * bz


def _two_body(m_parent, masses, ok, rng):
    """:func:`nbody` for two daughters: the same draws and the same operations as its general construction with
    k = 2 (intermediate mass m_0, daughter 0 recoiling along -d), without the weight machinery (w = 1 above
    threshold)."""
    m0, m1 = masses
    n = m_parent.size
    p = np.nan_to_num(two_body_momentum(np.where(ok, m_parent, np.cumsum(masses)[-1]), m0, m1))
    d = isotropic_directions(n, rng)
    p4 = np.empty((n, 2, 4))
    p4[:, 0, 0] = np.sqrt(p * p + m0 ** 2)
    p4[:, 0, 1:] = -d * p[:, None]
    p4[:, 1, 0] = np.sqrt(p * p + m1 ** 2)
    p4[:, 1, 1:] = d * p[:, None]
    p4[~ok] = 0.0
    return p4, ok.astype(float)


def nbody(m_parent, masses, rng: np.random.Generator):
    """Weighted n-body phase space for parents at rest: returns (p4 (n, k, 4), weight (n,)).

    Weights are prod_i p*_i divided by its kinematic maximum (so 0 < w <= 1); for two bodies w = 1.
    Events below threshold get weight 0 and zero momenta.
    """
    m_parent = np.asarray(m_parent, float)
    masses = [float(m) for m in masses]
    k = len(masses)
    n = m_parent.size
    if k < 2:
        raise ValueError("nbody needs at least two daughters")
    excess = m_parent - sum(masses)
    ok = excess > 0
    if k == 2:
        return _two_body(m_parent, masses, ok, rng)
    excess = np.where(ok, excess, 0.0)
    # Sorted uniforms give the intermediate masses M_i = sum_{j<=i} m_j + r_i * excess.
    r = np.sort(rng.random((n, k - 2)), axis=1)
    cum_m = np.cumsum(masses)
    inv = [np.full(n, masses[0])]
    for i in range(1, k - 1):
        inv.append(cum_m[i] + r[:, i - 1] * excess)
    inv.append(np.where(ok, m_parent, cum_m[-1]))
    # p*_i: momentum of daughter i+1 in the frame of inv[i+1] -> inv[i] + m_{i+1}
    pst = [np.nan_to_num(two_body_momentum(inv[i + 1], inv[i], masses[i + 1])) for i in range(k - 1)]
    weight = np.prod(np.stack(pst), axis=0)
    # Maximum of prod p* (upper bound from the massless-limit estimate at the largest excess, GENBOD).
    emmax = excess + masses[0]
    emmin = 0.0
    wtmax = 1.0
    for i in range(1, k):
        emmin += masses[i - 1]
        emmax += masses[i]
        wtmax = wtmax * np.nan_to_num(two_body_momentum(emmax, emmin, masses[i]))
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(ok & (wtmax > 0), weight / np.where(wtmax > 0, wtmax, 1.0), 0.0)
    # Build momenta: start with daughter 0 in frame of inv[0] trivially, then add one at a time.
    p4 = np.zeros((n, k, 4))
    p4[:, 0, 0] = masses[0]
    every = np.arange(n)
    for i in range(1, k):
        d = isotropic_directions(n, rng)
        p = pst[i - 1]
        sub = np.empty((n, 4))                 # the (i)-system so far, recoiling along -d
        sub[:, 0] = np.sqrt(p * p + inv[i - 1] ** 2)
        sub[:, 1:] = -d * p[:, None]
        new = np.empty((n, 4))
        new[:, 0] = np.sqrt(p * p + masses[i] ** 2)
        new[:, 1:] = d * p[:, None]
        if i == 1:      # the first daughter is the whole old subsystem (also valid when massless)
            p4[:, 0] = sub
        else:           # boost the existing daughters (at rest in the old subsystem) into the new frame
            if np.all(sub[:, 0] > 0):       # beta = p/E as below: the compiled boost, daughter by daughter
                for j in range(i):
                    p4[:, j] = boost_rows_to_lab(p4, j, every, sub)
            else:
                beta = sub[:, 1:] / sub[:, :1]
                p4[:, :i] = boost(p4[:, :i], beta[:, None, :])
        p4[:, i] = new
    p4[~ok] = 0.0
    return p4, weight
