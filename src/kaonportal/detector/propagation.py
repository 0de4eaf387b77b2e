"""Straight-line propagation of charged tracks and photons through the card geometry (the photons'
rules in :mod:`.photons`, re-exported here).

Tracks are straight lines between magnets; the MNP33 spectrometer dipole is a thin-lens horizontal
pT kick at its centre (``card.geometry.mnp33``: -270 MeV/c for charge +1, [BEATCH; MCgeo:Spectrometer],
[MCgeo:Spectrometer; BEATCH]). The thin-lens approximation displaces tracks downstream of the magnet
by at most ~(L/2)^2 kick/p/... i.e. below a millimetre for the 1.3 m magnet, small against the apertures.
Multiple scattering and energy loss are not propagated (they enter through the resolution terms).

Arrays in, arrays out: ``origin`` (n, 3) in metres, ``p3`` (n, 3) in GeV/c, ``charge`` (n,) or scalar.

>>> import numpy as np
>>> from kaonportal.detector import load_card
>>> card = load_card("na62-2018")
>>> # a 75 GeV/c beam particle continuing along the beam axis lands in the STRAW beam holes:
>>> t = propagate_charged(np.array([[0.0, 0.0, 102.4]]), np.array([[0.09, 0.0, 75.0]]), 1, card)
>>> bool(t.accept["straw"][0])
False
>>> round(float(t.x["STRAW1"][0]), 4)  # +1.2 mrad x 81.1 m; the hole is centred at 101.2 mm
0.0973
"""

from __future__ import annotations

__all__ = ["ChargedTrack", "PhotonHits", "propagate_charged", "charged_acceptance", "photon_hits", "in_ring", "in_octagon",
           "in_square", "track_planes", "DETECTOR_CODES"]

from dataclasses import dataclass

import numpy as np

from ..backend import njit
from ..errors import InputError
from .card import Card
# the photons' rules (re-exported: the detector modules and the engine import them from here)
from .photons import PhotonHits, _photon_geometry, _photon_kernel, lav_first_hit, photon_hits, photon_one  # noqa: F401

#: detector codes returned by :func:`photon_hits` (0 = escapes / no active detector).
DETECTOR_CODES = {"none": 0, "lav": 1, "irc": 2, "lkr": 3, "sac": 4}


def in_ring(x, y, r_min: float, r_max: float, x_center: float = 0.0):
    """r_min < R < r_max with R measured from (x_center, 0)."""
    r2 = (x - x_center) ** 2 + y * y
    return (r2 > r_min * r_min) & (r2 < r_max * r_max)


def in_octagon(x, y, apothem: float, r_hole: float = 0.0):
    """Regular octagon with flat sides at |x| = a, |y| = a, |x|+|y| = a sqrt(2); outside a central hole."""
    ax, ay = np.abs(x), np.abs(y)
    return (ax < apothem) & (ay < apothem) & (ax + ay < apothem * np.sqrt(2.0)) & (x * x + y * y > r_hole * r_hole)


def in_square(x, y, half_side: float, r_min: float = 0.0):
    """|x|, |y| < half_side and R > r_min."""
    return (np.abs(x) < half_side) & (np.abs(y) < half_side) & (x * x + y * y > r_min * r_min)


def track_planes(card: Card) -> dict[str, float]:
    """z of every plane where a charged track's position is recorded (metres)."""
    g = card.geometry
    planes = {s.name: s.z for s in g.straw}
    planes.update(RICH=g.rich.z, NEWCHOD=g.newchod.z, CHOD=g.chod.z, LKR=g.lkr.z,
                  MUV1=g.muv1.z, MUV2=g.muv2.z, MUV3=g.muv3.z)
    return planes


@dataclass
class ChargedTrack:
    """Positions of charged tracks at each plane and acceptance flags.

    ``x[name]``, ``y[name]``: (n,) positions in metres at the planes of :func:`track_planes`.
    ``accept``: flags ``straw`` (all chambers), ``rich``, ``newchod``, ``chod``, ``lkr``, ``muv1``,
    ``muv2``, ``muv3``. ``forward``: the track moves downstream and starts upstream of STRAW1.
    ``dxdz_after``, ``dydz_after``: slopes downstream of MNP33.
    """
    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    accept: dict[str, np.ndarray]
    forward: np.ndarray
    dxdz_after: np.ndarray
    dydz_after: np.ndarray


def propagate_charged(origin, p3, charge, card: Card) -> ChargedTrack:
    """Propagate charged particles from ``origin`` with momentum ``p3`` through the spectrometer.

    Straight line to the MNP33 centre, thin-lens kick ``charge * pt_kick`` in px (|p| conserved),
    straight line downstream. Particles produced downstream of the magnet are not kicked.
    Backward-going particles (pz <= 0) get NaN positions and no acceptance.
    """
    # C-contiguous copies of views (e.g. one particle of an (n, k, 4) array): the kernel is then compiled for
    # one array layout only, whoever calls (first-run compile time, issue 17)
    origin = np.ascontiguousarray(origin, dtype=float)
    p3 = np.ascontiguousarray(p3, dtype=float)
    n = origin.shape[0]
    # always a writeable copy: a read-only q (broadcast view of an (n,) charge) is a second compiled signature
    q = np.array(np.broadcast_to(np.asarray(charge, float), (n,)), order="C")
    geo = _charged_geometry(card)
    names = list(track_planes(card))
    xs = np.empty((n, len(names)))
    ys = np.empty((n, len(names)))
    acc = np.zeros((n, len(_ACCEPT_KEYS)), np.bool_)
    fwd = np.zeros(n, np.bool_)
    tx2 = np.empty(n)
    ty2 = np.empty(n)
    _charged_kernel(origin, p3, q, *geo, xs, ys, acc, fwd, tx2, ty2)
    return ChargedTrack({nm: xs[:, i] for i, nm in enumerate(names)}, {nm: ys[:, i] for i, nm in enumerate(names)},
                        {k: acc[:, i] for i, k in enumerate(_ACCEPT_KEYS)}, fwd, tx2, ty2)


_ACCEPT_KEYS = ("straw", "rich", "newchod", "chod", "lkr", "muv1", "muv2", "muv3")


def _charged_geometry(card: Card):
    """Card geometry packed as arrays for :func:`_charged_kernel` (plane order of :func:`track_planes`)."""
    g = card.geometry
    plane_z = np.array(list(track_planes(card).values()), float)
    straw = np.array([[s.r_max, s.hole_half, s.hole_x] for s in g.straw], float)
    rings = np.array([[r.r_min, r.r_max, r.x_center] for r in (g.rich, g.newchod, g.chod)], float)
    lkr = np.array([g.lkr.r_hole, g.lkr.apothem], float)
    squares = np.array([[m.r_min, m.half_side] for m in (g.muv1, g.muv2, g.muv3)], float)
    return g.mnp33.z, g.mnp33.pt_kick, plane_z, straw, rings, lkr, squares


@njit
def _charged_kernel(origin, p3, q, zm, kick, plane_z, straw, rings, lkr, squares,
                    xs, ys, acc, fwd, tx2o, ty2o):  # pragma: no cover - numba
    """Per-track loop of :func:`propagate_charged`. Planes: straw chambers, then RICH, NewCHOD, CHOD,
    LKr, MUV1, MUV2, MUV3 (the order of :func:`track_planes`)."""
    ns = straw.shape[0]
    zs1 = plane_z[0]
    sqrt2 = np.sqrt(2.0)
    for i in range(origin.shape[0]):
        x0, y0, z0 = origin[i, 0], origin[i, 1], origin[i, 2]
        px, py, pz = p3[i, 0], p3[i, 1], p3[i, 2]
        kicked = z0 < zm
        px2 = px + q[i] * kick if kicked else px
        pz2sq = px * px + pz * pz - px2 * px2
        ok = pz > 0.0 and pz2sq > 0.0 and z0 < zs1
        fwd[i] = ok
        if not ok:
            for j in range(plane_z.shape[0]):
                xs[i, j] = np.nan
                ys[i, j] = np.nan
            tx2o[i] = np.nan
            ty2o[i] = np.nan
            continue
        tx, ty = px / pz, py / pz
        pz2 = np.sqrt(pz2sq)
        tx2, ty2 = px2 / pz2, py / pz2
        tx2o[i] = tx2
        ty2o[i] = ty2
        zref = zm if kicked else z0
        xm = x0 + tx * (zref - z0)
        ym = y0 + ty * (zref - z0)
        for j in range(plane_z.shape[0]):
            z = plane_z[j]
            if z < zm:
                xs[i, j] = x0 + tx * (z - z0)
                ys[i, j] = y0 + ty * (z - z0)
            else:
                xs[i, j] = xm + tx2 * (z - zref)
                ys[i, j] = ym + ty2 * (z - zref)
        good = True
        for j in range(ns):
            x, y = xs[i, j], ys[i, j]
            in_hole = abs(x - straw[j, 2]) < straw[j, 1] and abs(y) < straw[j, 1]
            if not (x * x + y * y < straw[j, 0] * straw[j, 0]) or in_hole:
                good = False
        acc[i, 0] = good
        for r in range(3):
            x, y = xs[i, ns + r], ys[i, ns + r]
            r2 = (x - rings[r, 2]) ** 2 + y * y
            acc[i, 1 + r] = r2 > rings[r, 0] * rings[r, 0] and r2 < rings[r, 1] * rings[r, 1]
        x, y = xs[i, ns + 3], ys[i, ns + 3]
        ax, ay = abs(x), abs(y)
        a = lkr[1]
        acc[i, 4] = ax < a and ay < a and ax + ay < a * sqrt2 and x * x + y * y > lkr[0] * lkr[0]
        for m in range(3):
            x, y = xs[i, ns + 4 + m], ys[i, ns + 4 + m]
            acc[i, 5 + m] = (abs(x) < squares[m, 1] and abs(y) < squares[m, 1]
                             and x * x + y * y > squares[m, 0] * squares[m, 0])


@njit
def charged_summary_kernel(origin, p3, q, zm, kick, plane_z, straw, rings, lkr, squares, keep,
                           xk, yk, acc, fwd):  # pragma: no cover - numba
    """:func:`_charged_kernel` for one charge ``q`` keeping the positions at the planes ``keep`` only
    (indices into :func:`track_planes`), as rows of ``xk``/``yk`` (len(keep), n), and the flags as rows
    of ``acc`` (8, n) in ``ChargedTrack.accept`` order, so that every output row is a contiguous column
    and the (n, planes) position arrays are never written. Same statements as :func:`_charged_kernel`
    (kept line for line; tests/simulation/test_simulation_parallel.py compares the two exactly)."""
    ns = straw.shape[0]
    npl = plane_z.shape[0]
    nkeep = keep.shape[0]
    zs1 = plane_z[0]
    sqrt2 = np.sqrt(2.0)
    xs = np.empty(npl)
    ys = np.empty(npl)
    for i in range(origin.shape[0]):
        x0, y0, z0 = origin[i, 0], origin[i, 1], origin[i, 2]
        px, py, pz = p3[i, 0], p3[i, 1], p3[i, 2]
        kicked = z0 < zm
        px2 = px + q * kick if kicked else px
        pz2sq = px * px + pz * pz - px2 * px2
        ok = pz > 0.0 and pz2sq > 0.0 and z0 < zs1
        fwd[i] = ok
        if not ok:
            for j in range(nkeep):
                xk[j, i] = np.nan
                yk[j, i] = np.nan
            for j in range(acc.shape[0]):
                acc[j, i] = False
            continue
        tx, ty = px / pz, py / pz
        pz2 = np.sqrt(pz2sq)
        tx2, ty2 = px2 / pz2, py / pz2
        zref = zm if kicked else z0
        xm = x0 + tx * (zref - z0)
        ym = y0 + ty * (zref - z0)
        for j in range(npl):
            z = plane_z[j]
            if z < zm:
                xs[j] = x0 + tx * (z - z0)
                ys[j] = y0 + ty * (z - z0)
            else:
                xs[j] = xm + tx2 * (z - zref)
                ys[j] = ym + ty2 * (z - zref)
        for j in range(nkeep):
            xk[j, i] = xs[keep[j]]
            yk[j, i] = ys[keep[j]]
        good = True
        for j in range(ns):
            x, y = xs[j], ys[j]
            in_hole = abs(x - straw[j, 2]) < straw[j, 1] and abs(y) < straw[j, 1]
            if not (x * x + y * y < straw[j, 0] * straw[j, 0]) or in_hole:
                good = False
        acc[0, i] = good
        for r in range(3):
            x, y = xs[ns + r], ys[ns + r]
            r2 = (x - rings[r, 2]) ** 2 + y * y
            acc[1 + r, i] = r2 > rings[r, 0] * rings[r, 0] and r2 < rings[r, 1] * rings[r, 1]
        x, y = xs[ns + 3], ys[ns + 3]
        ax, ay = abs(x), abs(y)
        a = lkr[1]
        acc[4, i] = ax < a and ay < a and ax + ay < a * sqrt2 and x * x + y * y > lkr[0] * lkr[0]
        for m in range(3):
            x, y = xs[ns + 4 + m], ys[ns + 4 + m]
            acc[5 + m, i] = (abs(x) < squares[m, 1] and abs(y) < squares[m, 1]
                             and x * x + y * y > squares[m, 0] * squares[m, 0])


def charged_acceptance(origin, p3, charge, card: Card,
                       detectors: tuple[str, ...] = ("straw", "rich", "chod", "newchod", "lkr", "muv3")) -> np.ndarray:
    """True where a charged particle from ``origin`` is inside the acceptance of every listed detector
    (keys of :attr:`ChargedTrack.accept`). For a two-track vertex, AND the result of both tracks.

    >>> import numpy as np
    >>> from kaonportal.detector import load_card
    >>> card = load_card("na62-2018")
    >>> o = np.array([[0.0, 0.0, 150.0], [0.0, 0.0, 150.0]])
    >>> p = np.array([[0.15, 0.1, 20.0], [-0.15, -0.1, 20.0]])
    >>> (charged_acceptance(o, p, 1, card, ("straw",)) & charged_acceptance(o, p, -1, card, ("straw",))).tolist()
    [True, True]
    """
    t = propagate_charged(origin, p3, charge, card)
    out = t.forward.copy()
    for d in detectors:
        if d not in t.accept:
            raise InputError("detectors", f"unknown detector {d!r}; allowed: {', '.join(t.accept)}")
        out &= t.accept[d]
    return out
