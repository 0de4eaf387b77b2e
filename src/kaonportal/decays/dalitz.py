"""Three-body decays by accept-reject in the Dalitz plot (two daughter energies in the parent rest frame).

Flat three-body phase space is flat in (E1, E3) (PDG Kinematics review, eq. 49.22), so a generator
only needs the matrix element |M|^2(E1, E3) and a safe majorant. The majorant is the maximum of
|M|^2 x (width of the E1 range) on a dense grid over the Dalitz plot times a safety factor
(1.15 by default): the matrix elements used here are smooth, and
:func:`~kaonportal.decays.phasespace.accept_reject` raises if the majorant is ever exceeded, so an
unsafe majorant cannot bias a sample silently.

>>> import numpy as np
>>> from kaonportal import constants as c
>>> m = [c.mass("pi+"), c.mass("pi+"), c.mass("pi-")]
>>> p = dalitz_generate(c.mass("K+"), m, lambda e1, e3: np.ones_like(e1), 3, np.random.default_rng(0))
>>> p.shape
(3, 3, 4)
"""

from __future__ import annotations

__all__ = ["dalitz_inside", "dalitz_grid_max", "dalitz_generate", "first_energy_range"]

from collections.abc import Callable, Sequence

import numpy as np

from .phasespace import _inside_dalitz, accept_reject, dalitz_energy_box, three_body

Density = Callable[[np.ndarray, np.ndarray], np.ndarray]


def dalitz_inside(m_parent: float, masses: Sequence[float], e1, e3) -> np.ndarray:
    """True where energies (E1 of daughter 1, E3 of daughter 3) are kinematically allowed."""
    return _inside_dalitz(m_parent, tuple(float(m) for m in masses), np.asarray(e1, float), np.asarray(e3, float))


def first_energy_range(m_parent: float, masses: Sequence[float], e3):
    """Allowed range ``(lo, hi)`` of E1 at fixed E3 (PDG Kinematics review, Dalitz-plot boundary).

    The (1 2) system has s12 = M^2 + m3^2 - 2 M E3; in its rest frame daughter 1 has fixed energy
    E1* and momentum p1*, and the boost to the parent frame spreads E1 uniformly over
    gamma (E1* -+ beta p1*), gamma = (M - E3)/sqrt(s12), gamma beta = |p3| / sqrt(s12).
    """
    m1, m2, m3 = (float(m) for m in masses)
    e3 = np.asarray(e3, float)
    s12 = m_parent**2 + m3**2 - 2.0 * m_parent * e3
    w = np.sqrt(np.maximum(s12, 0.0))
    e1s = (s12 + m1 * m1 - m2 * m2) / (2.0 * w)
    p1s = np.sqrt(np.maximum(e1s * e1s - m1 * m1, 0.0))
    gam = (m_parent - e3) / w
    gb = np.sqrt(np.maximum(e3 * e3 - m3 * m3, 0.0)) / w
    return gam * e1s - gb * p1s, gam * e1s + gb * p1s


def dalitz_grid_max(m_parent: float, masses: Sequence[float], density: Density, npts: int = 400) -> float:
    """Maximum of ``density(E1, E3) x w(E3)`` on a grid, w = width of the allowed E1 range at E3.

    This is the quantity bounded by the majorant of :func:`dalitz_generate` (its proposal is
    uniform in E3 and, at fixed E3, uniform over the allowed E1 range).
    """
    lo1, hi1, lo3, hi3 = dalitz_energy_box(m_parent, masses, 0, 2)
    e3 = np.linspace(lo3, hi3, npts)
    t = np.linspace(0.0, 1.0, npts)
    a, b = first_energy_range(m_parent, masses, e3)
    e1 = a[:, None] + (b - a)[:, None] * t[None, :]
    e3g = np.broadcast_to(e3[:, None], e1.shape)
    vals = density(e1.ravel(), e3g.ravel()).reshape(e1.shape) * (b - a)[:, None]
    return float(np.nanmax(vals))


def dalitz_generate(m_parent: float, masses: Sequence[float], density: Density, n: int,
                    rng: np.random.Generator, majorant: float | None = None, safety: float = 1.15) -> np.ndarray:
    """``(n, 3, 4)`` decays P -> 1 2 3 at rest distributed as ``density(E1, E3)`` x phase space.

    Proposal: E3 uniform over its range, then E1 uniform over the allowed range at that E3
    (:func:`first_energy_range`, width w(E3)); accepting with probability density x w / majorant
    gives density x flat phase space. ``majorant`` bounds density x w (default ``safety`` x
    :func:`dalitz_grid_max`); ``density`` must be >= 0.
    """
    masses = tuple(float(m) for m in masses)
    if majorant is None:
        majorant = safety * dalitz_grid_max(m_parent, masses, density)
    lo1, hi1, lo3, hi3 = dalitz_energy_box(m_parent, masses, 0, 2)

    def propose(size):
        u = rng.random((2, size))
        e3 = lo3 + (hi3 - lo3) * u[0]
        a, b = first_energy_range(m_parent, masses, e3)
        w = b - a
        e1 = a + w * u[1]
        return {"e1": e1, "e3": e3}, density(e1, e3) * w / majorant

    acc = accept_reject(n, propose, rng, efficiency=0.5)
    return three_body(m_parent, masses, acc["e1"], acc["e3"], rng)
