"""Straight-line propagation of photons (and neutral particles) to the veto detectors: LAV, IRC, LKr, SAC
(split out of :mod:`.propagation`, which re-exports it). Units: metres, GeV/c.
"""

from __future__ import annotations

__all__ = ["PhotonHits", "photon_hits", "lav_first_hit", "photon_one"]

from dataclasses import dataclass

import numpy as np

from ..backend import njit
from .card import Card


@dataclass
class PhotonHits:
    """Where each photon (straight line) is absorbed: ``detector`` code (see :data:`.propagation.DETECTOR_CODES`),
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
    # contiguous column copies: one compiled signature (a column view is 'A' layout, or 'C' when n == 1)
    cols = [np.ascontiguousarray(a[:, k]) for a in (origin, p3) for k in range(3)]
    _photon_kernel(*cols, lav, lav_skip, irc, lkr, sac, det, station, xh, yh, zh)
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
