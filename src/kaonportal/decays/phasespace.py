"""Vectorised phase-space building blocks (rest frame of the decaying particle; GeV, c = 1).

Everything works on whole arrays of events: a Python loop runs at most over the number of
daughters or over accept-reject rounds, never over events.

* :func:`isotropic` -- unit vectors uniform on the sphere.
* :func:`two_body` -- P -> 1 2 at rest, isotropic (or with a given helicity angle).
* :func:`three_body` -- P -> 1 2 3 at rest from two daughter energies (Dalitz-plot variables),
  with a uniformly random orientation of the decay plane.
* :func:`decay_in_flight` -- a two-body decay of a moving system, with the helicity angle given
  in its rest frame, boosted into the frame where the system has four-momentum ``p4``.
* :func:`genbod` -- n-body phase space (Raubold-Lynch / GENBOD method, F. James, CERN 68-15),
  unweighted by accept-reject on the product of the two-body momenta.
* :func:`accept_reject` -- collect exactly ``n`` accepted proposals in bulk rounds.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> p = two_body(0.493677, 0.13957039, 0.1349768, 4, rng)
>>> p.shape, bool(np.allclose(p[:, 0, 1:] + p[:, 1, 1:], 0.0))
((4, 2, 4), True)
>>> q = genbod(0.493677, [0.13957039, 0.13957039, 0.000511, 0.0], 5, rng)
>>> bool(np.allclose(q.sum(axis=1), [0.493677, 0, 0, 0]))
True
"""

from __future__ import annotations

__all__ = ["sample_1d", "isotropic", "perpendicular_basis", "two_body", "two_body_p4", "three_body",
           "decay_in_flight", "boost_into", "genbod", "genbod_max_weight", "accept_reject",
           "dalitz_energy_box"]

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from ..kinematics import kallen
from .fast import three_body_fill


def isotropic(rng: np.random.Generator, n: int, length=1.0) -> np.ndarray:
    """``(n, 3)`` vectors of ``length`` (scalar or (n,); default unit vectors) uniform in direction
    (cos(theta) and phi uniform). The length multiplies sin(theta) before cos(phi) and sin(phi), so a scaled
    vector is bit-identical to ``length * sin(theta) * cos(phi)`` evaluated left to right; 1.0 changes nothing."""
    u = rng.random((2, n))
    c = 2.0 * u[0] - 1.0
    s = length * np.sqrt(np.maximum(0.0, 1.0 - c * c))
    phi = 2.0 * np.pi * u[1]
    return np.stack([s * np.cos(phi), s * np.sin(phi), length * c], axis=-1)


def perpendicular_basis(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors ``e1, e2`` with ``(e1, e2, a)`` right-handed orthonormal, for unit ``a`` (n, 3)."""
    helper = np.zeros_like(a)
    use_x = np.abs(a[:, 2]) > 0.9
    helper[use_x, 0] = 1.0
    helper[~use_x, 2] = 1.0
    e1 = np.cross(helper, a)
    e1 /= np.linalg.norm(e1, axis=1)[:, None]
    e2 = np.cross(a, e1)
    return e1, e2


def two_body_p4(m_parent, m1, m2, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Four-momenta of 1 and 2 for P -> 1 2 at rest, particle 1 along unit ``direction`` (n, 3).

    Energies are E1 = (M^2 + m1^2 - m2^2) / 2M and E2 = M - E1 so that energy is conserved
    to rounding; |p| = lambda^{1/2}(M^2, m1^2, m2^2) / 2M (PDG Kinematics review, eq. 49.17).
    ``m_parent``, ``m1``, ``m2`` may be scalars or arrays of length n.
    """
    m_parent = np.asarray(m_parent, float)
    m1 = np.asarray(m1, float)
    m2 = np.asarray(m2, float)
    lam = kallen(m_parent**2, m1**2, m2**2)
    p = np.sqrt(np.maximum(lam, 0.0)) / (2.0 * m_parent)
    e1 = (m_parent**2 + m1**2 - m2**2) / (2.0 * m_parent)
    e2 = m_parent - e1
    n = direction.shape[0]
    p3 = np.broadcast_to(p, (n,))[:, None] * direction
    a = np.empty((n, 4))
    b = np.empty((n, 4))
    a[:, 0] = e1
    a[:, 1:] = p3
    b[:, 0] = e2
    b[:, 1:] = -p3
    return a, b


def two_body(m_parent: float, m1: float, m2: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 2, 4)`` isotropic two-body decays P -> 1 2 in the P rest frame."""
    a, b = two_body_p4(m_parent, m1, m2, isotropic(rng, n))
    return np.stack([a, b], axis=1)


def boost_into(p4_rest: np.ndarray, p4_frame: np.ndarray, m_frame=None) -> np.ndarray:
    """Boost ``p4_rest`` (n, [k,] 4), given in the rest frame of a system, into the frame in which
    that system has four-momentum ``p4_frame`` (n, 4) and mass ``m_frame`` (scalar or (n,);
    computed from ``p4_frame`` if omitted -- pass it when known, it is more precise for light systems).

    With gamma = E/m and u = gamma beta = p/m (no 1 - beta^2 cancellation):
    E' = gamma E* + u.p*,  p' = p* + u (u.p* / (1 + gamma) + E*)  (J. D. Jackson, Classical
    Electrodynamics, 3rd ed., eq. 11.19, written with u = gamma beta).
    """
    if m_frame is None:
        m_frame = np.sqrt(np.maximum(p4_frame[:, 0] ** 2 - np.sum(p4_frame[:, 1:] ** 2, axis=1), 0.0))
    m_frame = np.broadcast_to(np.asarray(m_frame, float), p4_frame.shape[:1])
    gam = p4_frame[:, 0] / m_frame
    u = p4_frame[:, 1:] / m_frame[:, None]
    if p4_rest.ndim == 3:
        gam = gam[:, None]
        u = u[:, None, :]
    e = p4_rest[..., 0]
    up = np.sum(u * p4_rest[..., 1:], axis=-1)
    out = np.empty_like(p4_rest)
    out[..., 0] = gam * e + up
    out[..., 1:] = p4_rest[..., 1:] + u * (up / (1.0 + gam) + e)[..., None]
    return out


def decay_in_flight(p4_parent: np.ndarray, m1, m2, cos_theta: np.ndarray, phi: np.ndarray,
                    m_parent=None) -> tuple[np.ndarray, np.ndarray]:
    """Two-body decay of a system with four-momentum ``p4_parent`` (n, 4).

    ``cos_theta`` is the angle of daughter 1 in the parent rest frame relative to the parent's
    flight direction (the helicity axis; for a parent at rest the z axis), ``phi`` its azimuth.
    Returns the daughters' four-momenta in the frame of ``p4_parent``. Parent masses ``m_parent``
    (scalar or (n,)) are computed from ``p4_parent`` if not given.
    """
    n = p4_parent.shape[0]
    if m_parent is None:
        m_par = np.sqrt(np.maximum(p4_parent[:, 0] ** 2 - np.sum(p4_parent[:, 1:] ** 2, axis=1), 0.0))
    else:
        m_par = np.broadcast_to(np.asarray(m_parent, float), (n,))
    pabs = np.linalg.norm(p4_parent[:, 1:], axis=1)
    axis = np.zeros((n, 3))
    axis[:, 2] = 1.0
    moving = pabs > 0
    axis[moving] = p4_parent[moving, 1:] / pabs[moving, None]
    e1, e2 = perpendicular_basis(axis)
    s = np.sqrt(np.maximum(0.0, 1.0 - cos_theta * cos_theta))
    d = (cos_theta[:, None] * axis + (s * np.cos(phi))[:, None] * e1
         + (s * np.sin(phi))[:, None] * e2)
    a, b = two_body_p4(m_par, m1, m2, d)
    return boost_into(a, p4_parent, m_par), boost_into(b, p4_parent, m_par)


def dalitz_energy_box(m_parent: float, masses: Sequence[float], i: int, j: int) -> tuple[float, float, float, float]:
    """Rectangle ``(Ei_min, Ei_max, Ej_min, Ej_max)`` enclosing the Dalitz plot of daughters i, j.

    E_i max = (M^2 + m_i^2 - (sum of the other two masses)^2) / 2M (PDG Kinematics review).
    """
    m = list(masses)
    others_i = sum(m) - m[i]
    others_j = sum(m) - m[j]
    M2 = m_parent**2
    return (m[i], (M2 + m[i] ** 2 - others_i**2) / (2 * m_parent),
            m[j], (M2 + m[j] ** 2 - others_j**2) / (2 * m_parent))


def _inside_dalitz(m_parent, masses, e_a, e_b):
    """Mask of energy pairs (daughters 0 and 2 of ``masses``) that are kinematically allowed."""
    ma, mb, mc = masses
    pa2 = e_a * e_a - ma * ma
    pc2 = e_b * e_b - mc * mc
    e_mid = m_parent - e_a - e_b
    pb2 = e_mid * e_mid - mb * mb
    ok = (pa2 >= 0) & (pc2 >= 0) & (pb2 >= 0) & (e_mid >= mb)
    pa = np.sqrt(np.maximum(pa2, 0.0))
    pc = np.sqrt(np.maximum(pc2, 0.0))
    return ok & (np.abs(pb2 - pa2 - pc2) <= 2.0 * pa * pc)


def three_body(m_parent: float, masses: Sequence[float], e_first: np.ndarray, e_last: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """``(n, 3, 4)`` four-momenta of P -> 1 2 3 at rest with given energies E1 and E3.

    The middle daughter takes E2 = M - E1 - E3 and p2 = -(p1 + p3), so four-momentum is conserved
    to rounding; the opening angle of 1 and 3 follows from |p2|^2 = |p1|^2 + |p3|^2 + 2 p1.p3.
    The orientation of the decay plane is uniformly random (daughter 1 isotropic, azimuth of 3
    around it uniform; compiled loop :func:`~kaonportal.decays.fast.three_body_fill`), which
    together with a flat density in (E1, E3) is flat three-body phase space (PDG Kinematics
    review, eq. 49.22: dGamma ~ |M|^2 dE1 dE3).
    """
    m1, m2, m3 = (float(x) for x in masses)
    n = e_first.shape[0]
    out = np.empty((n, 3, 4))
    three_body_fill(float(m_parent), m1, m2, m3, np.ascontiguousarray(e_first, dtype=float),
                    np.ascontiguousarray(e_last, dtype=float), rng.random((n, 3)), out)
    return out


def _pstar(M, m1, m2):
    # p* -> 0 as M -> 0 (a massless sub-system of massless daughters, e.g. nu nubar in pi0 -> gamma nu nubar)
    M = np.asarray(M, dtype=float)
    num = np.sqrt(np.maximum(kallen(M * M, m1 * m1, m2 * m2), 0.0))
    return np.divide(num, 2.0 * M, out=np.zeros(np.broadcast(num, M).shape), where=M > 0)


def genbod_max_weight(m_parent: float, masses: Sequence[float]) -> float:
    """Upper bound of the GENBOD weight prod_k p*(M_k; M_{k-1}, m_k) (GeV^(k-1)).

    Analytic bound (as in GENBOD): each factor grows with its parent mass and falls with its
    daughter masses, so it is at most its value at the largest allowed M_k = M - sum_{j>k} m_j and
    the smallest M_{k-1} = sum_{j<k} m_j. That bound is loose (efficiency ~ 5% for K+ -> 4 bodies),
    so for up to five daughters the maximum is also searched on a grid of the k-2 free sub-system
    masses; the bound returned is min(analytic, 1.1 x grid maximum). The weight is a smooth product
    of square roots of Kallen functions, and accept-reject raises if it is ever exceeded.
    """
    m = np.asarray(masses, float)
    k = len(m)
    w = 1.0
    for j in range(1, k):
        m_hi = m_parent - m[j + 1:].sum()
        m_lo = m[:j].sum()
        w *= float(_pstar(m_hi, m_lo, m[j]))
    if k < 3 or k > 5:
        return w
    npts = {3: 2001, 4: 301, 5: 61}[k]
    tecm = m_parent - m.sum()
    cum = np.cumsum(m)
    axes = np.meshgrid(*([np.linspace(0.0, 1.0, npts)] * (k - 2)), indexing="ij")
    r = np.stack([a.ravel() for a in axes], axis=1)
    r = r[np.all(np.diff(r, axis=1) >= 0, axis=1)] if k > 3 else r
    inv = np.empty((len(r), k))
    inv[:, 0] = m[0]
    inv[:, 1:k - 1] = cum[1:k - 1] + r * tecm
    inv[:, k - 1] = m_parent
    wt = np.ones(len(r))
    for j in range(1, k):
        wt *= _pstar(inv[:, j], inv[:, j - 1], m[j])
    return min(w, 1.1 * float(wt.max()))


@lru_cache(maxsize=64)
def _cached_max_weight(m_parent: float, masses: tuple[float, ...]) -> float:
    return genbod_max_weight(m_parent, masses)


def _genbod_raw(m_parent: float, m: np.ndarray, n: int, rng: np.random.Generator):
    """Weighted GENBOD events: returns (p4 (n, k, 4), weight (n,))."""
    k = len(m)
    tecm = m_parent - m.sum()
    r = np.sort(rng.random((n, k - 2)), axis=1) if k > 2 else np.empty((n, 0))
    # invariant masses of the sub-systems (1..j), j = 1..k
    cum = np.cumsum(m)
    inv = np.empty((n, k))
    inv[:, 0] = m[0]
    if k > 2:
        inv[:, 1:k - 1] = cum[1:k - 1] + r * tecm
    inv[:, k - 1] = m_parent
    pst = np.empty((n, k - 1))
    for j in range(1, k):
        pst[:, j - 1] = _pstar(inv[:, j], inv[:, j - 1], m[j])
    w = np.prod(pst, axis=1)
    p4 = np.zeros((n, k, 4))
    # start: particles 0 and 1 back to back in the frame of system (0, 1)
    d = isotropic(rng, n)
    a, b = two_body_p4(inv[:, 1], m[0], m[1], d)
    p4[:, 0] = a
    p4[:, 1] = b
    for j in range(2, k):
        d = isotropic(rng, n)
        sys_p4, new = two_body_p4(inv[:, j], inv[:, j - 1], m[j], d)
        p4[:, :j] = boost_into(p4[:, :j], sys_p4, inv[:, j - 1])
        p4[:, j] = new
    return p4, w


def genbod(m_parent: float, masses: Sequence[float], n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, k, 4)`` unweighted k-body phase-space events (k >= 2) of a parent at rest.

    Raubold-Lynch method as in GENBOD (F. James, "Monte Carlo phase space", CERN 68-15 (1968)):
    ordered uniform numbers give the sub-system invariant masses, the event weight is the product of
    the two-body momenta, and events are unweighted here by accept-reject against
    :func:`genbod_max_weight` (efficiency ~ 40-50% for 3-5 bodies with the grid majorant).
    """
    m = np.asarray(masses, float)
    if len(m) < 2:
        raise ValueError("genbod needs at least two daughters")
    if len(m) == 2:
        return two_body(m_parent, m[0], m[1], n, rng)
    wmax = _cached_max_weight(float(m_parent), tuple(float(x) for x in m))

    def propose(size):
        p4, w = _genbod_raw(m_parent, m, size, rng)
        return {"p4": p4}, w / wmax

    return accept_reject(n, propose, rng, efficiency=0.3)["p4"]


_MAX_ROUND = 1 << 17   # proposals per accept-reject round


def accept_reject(n: int, propose: Callable[[int], tuple[dict, np.ndarray]], rng: np.random.Generator,
                  efficiency: float = 0.5) -> dict:
    """Draw proposals in bulk until exactly ``n`` are accepted.

    ``propose(size)`` returns ``(fields, ratio)`` with ``ratio = density / majorant`` in [0, 1]
    for each proposal; a proposal is kept when a uniform number is below ``ratio``. A ratio above 1
    means the majorant was not safe: that is a bug and raises ``RuntimeError`` rather than biasing
    the sample silently. Returns the accepted fields, each trimmed to ``n`` rows.
    """
    chunks: dict[str, list] = {}
    have = 0
    eff = max(efficiency, 1e-3)
    while have < n:
        # bounded rounds keep the temporaries in cache-friendly sizes and memory modest
        size = min(int((n - have) / eff * 1.1) + 16, _MAX_ROUND)
        fields, ratio = propose(size)
        if np.any(ratio > 1.0 + 1e-12):
            raise RuntimeError(f"accept-reject majorant exceeded (max ratio {float(np.max(ratio)):.4f})")
        keep = rng.random(size) < ratio
        got = int(keep.sum())
        if got:
            for key, val in fields.items():
                chunks.setdefault(key, []).append(val[keep])
        have += got
        eff = max(got / size, 1e-3)
    if n == 0:
        fields, _ = propose(1)
        return {k: v[:0] for k, v in fields.items()}
    return {k: np.concatenate(v)[:n] for k, v in chunks.items()}


def sample_1d(n: int, rng: np.random.Generator, density: Callable[[np.ndarray], np.ndarray], upper: float,
              efficiency: float = 0.3) -> np.ndarray:
    """``n`` draws of x in [0, upper] from an unnormalised 1-D ``density`` by :func:`accept_reject`
    (uniform proposals; majorant 1.1 x the maximum on a 4001-point grid, checked at every proposal).

    >>> x = sample_1d(1000, np.random.default_rng(1), lambda x: x, 1.0)
    >>> bool((x >= 0).all() and (x <= 1).all()), round(float(x.mean()), 1)
    (True, 0.7)
    """
    major = 1.1 * float(density(np.linspace(0.0, upper, 4001)).max())

    def propose(size):
        x = upper * rng.random(size)
        return {"x": x}, density(x) / major

    return accept_reject(n, propose, rng, efficiency=efficiency)["x"]
