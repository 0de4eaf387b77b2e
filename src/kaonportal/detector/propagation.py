"""Straight-line propagation of charged tracks and photons through the card geometry.

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
    q = np.ascontiguousarray(np.broadcast_to(np.asarray(charge, float), (n,)))
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


@dataclass
class PhotonHits:
    """Where each photon (straight line) is absorbed: ``detector`` code (see :data:`DETECTOR_CODES`),
    ``station`` (LAV index 0-11, -1 otherwise) and the impact point ``x, y, z`` (NaN if none)."""
    detector: np.ndarray
    station: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray


def photon_hits(origin, p3, card: Card) -> PhotonHits:
    """Find the first active veto detector each photon (or neutral straight-line particle) reaches.

    Order along z: LAV1-12 (the first station whose inner radius the photon crosses; if it passes
    outside that station's outer radius it left the vacuum tank and is lost), IRC ring, LKr octagon
    outside the central hole, SAC square. Photons reaching none of these are not detectable
    (code 0, inefficiency 1). Coverage split LAV 8.5-50 mrad / LKr 1-8.5 / IRC+SAC < 1 mrad follows
    from the geometry ([JINST17], "Split of coverage").

    >>> import numpy as np
    >>> from kaonportal.detector import load_card
    >>> card = load_card("na62-2018")
    >>> o = np.array([[0.0, 0.0, 120.0]] * 3)
    >>> p = np.array([[0.2, 0.0, 10.0], [0.05, 0.0, 10.0], [0.001, 0.0, 10.0]])  # 20, 5, 0.1 mrad
    >>> photon_hits(o, p, card).detector.tolist()
    [1, 3, 4]
    """
    origin = np.asarray(origin, dtype=float)
    p3 = np.asarray(p3, dtype=float)
    lav, lav_skip, irc, lkr, sac = _photon_geometry(card)
    n = origin.shape[0]
    det = np.zeros(n, np.int8)
    station = np.full(n, -1, np.int8)
    xh, yh, zh = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    _photon_kernel(origin[:, 0], origin[:, 1], origin[:, 2], p3[:, 0], p3[:, 1], p3[:, 2],
                   lav, lav_skip, irc, lkr, sac, det, station, xh, yh, zh)
    return PhotonHits(det, station, xh, yh, zh)


def _photon_geometry(card: Card):
    g = card.geometry
    lav = np.array([[s.z_front, s.z_back, s.r_inner, s.r_outer] for s in g.lav], float)
    lav_skip = np.array([lav[:, 1].max(), (lav[:, 2] ** 2).min()])
    irc = np.array([g.irc.z, g.irc.r_min, g.irc.r_max, g.irc.x_center], float)
    # photons are detected down to the LKr photon-veto edge, tracks only inside the track acceptance
    r_photon = g.lkr.r_hole if g.lkr.r_hole_photon is None else g.lkr.r_hole_photon
    lkr = np.array([g.lkr.z, r_photon, g.lkr.apothem], float)
    sac = np.array([g.sac.z, g.sac.r_min, g.sac.half_side], float)
    return lav, lav_skip, irc, lkr, sac


@njit
def lav_first_hit(x0, y0, z0, tx, ty, lav, lav_skip):  # pragma: no cover - numba
    """First LAV station a straight line from (x0, y0, z0) with slopes (tx, ty) reaches.

    Returns (code, station, x, y, z): code 1 = enters the station's front face (or starts inside it)
    within the outer radius; 0 = reaches the station's inner radius only beyond its outer radius (lost
    between the vetoes); -1 = passes every station inside the inner radius. Shared by
    :func:`photon_one` and the photon-veto kernel of :mod:`kaonportal.detector.response`.
    """
    nan = np.nan
    # R^2(z) along a line is convex, so its maximum over [z0, last LAV back face] is at an end: if both
    # ends are inside the smallest inner radius, no LAV station can be reached (skip the loop).
    zl = lav_skip[0]
    rmin2 = lav_skip[1]
    xl = x0 + tx * (zl - z0)
    yl = y0 + ty * (zl - z0)
    nloop = lav.shape[0] if (x0 * x0 + y0 * y0 >= rmin2 or xl * xl + yl * yl >= rmin2) else 0
    for j in range(nloop):
        zf, zb, rin, rout = lav[j, 0], lav[j, 1], lav[j, 2], lav[j, 3]
        if z0 >= zb:
            continue
        z = max(zf, z0)
        xf = x0 + tx * (z - z0)
        yf = y0 + ty * (z - z0)
        xb = x0 + tx * (zb - z0)
        yb = y0 + ty * (zb - z0)
        rf2 = xf * xf + yf * yf
        rb2 = xb * xb + yb * yb
        if max(rf2, rb2) >= rin * rin:
            if rf2 <= rout * rout:
                return 1, j, xf, yf, z
            return 0, -1, nan, nan, nan
    return -1, -1, nan, nan, nan


@njit
def photon_one(x0, y0, z0, px, py, pz, lav, lav_skip, irc, lkr, sac):  # pragma: no cover - numba
    """Rules of :func:`photon_hits` for one photon: returns (code, LAV station, x, y, z) of the hit.

    ``lav_skip`` = (z of the last LAV back face, smallest LAV inner radius squared)."""
    nan = np.nan
    if pz <= 0.0:
        return 0, -1, nan, nan, nan
    tx = px / pz
    ty = py / pz
    code, j, xf, yf, zf = lav_first_hit(x0, y0, z0, tx, ty, lav, lav_skip)
    if code == 1:
        return 1, j, xf, yf, zf
    if code == 0:
        return 0, -1, nan, nan, nan
    if z0 < irc[0]:
        x = x0 + tx * (irc[0] - z0)
        y = y0 + ty * (irc[0] - z0)
        r2 = (x - irc[3]) ** 2 + y * y
        if r2 > irc[1] * irc[1] and r2 < irc[2] * irc[2]:
            return 2, -1, x, y, irc[0]
    if z0 < lkr[0]:
        x = x0 + tx * (lkr[0] - z0)
        y = y0 + ty * (lkr[0] - z0)
        ax = abs(x)
        ay = abs(y)
        a = lkr[2]
        if ax < a and ay < a and ax + ay < a * np.sqrt(2.0) and x * x + y * y > lkr[1] * lkr[1]:
            return 3, -1, x, y, lkr[0]
    if z0 < sac[0]:
        x = x0 + tx * (sac[0] - z0)
        y = y0 + ty * (sac[0] - z0)
        if abs(x) < sac[2] and abs(y) < sac[2] and x * x + y * y > sac[1] * sac[1]:
            return 4, -1, x, y, sac[0]
    return 0, -1, nan, nan, nan


@njit
def _photon_kernel(x0, y0, z0, px, py, pz, lav, lav_skip, irc, lkr, sac, det, station, xh, yh, zh):  # pragma: no cover - numba
    """Per-photon loop of :func:`photon_hits`."""
    for i in range(x0.shape[0]):
        c, j, x, y, z = photon_one(x0[i], y0[i], z0[i], px[i], py[i], pz[i], lav, lav_skip, irc, lkr, sac)
        det[i] = c
        station[i] = j
        xh[i] = x
        yh[i] = y
        zh[i] = z
