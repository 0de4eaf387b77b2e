"""Which veto detector a charged particle outside the spectrometer acceptance reaches, with MNP33 bending.

Units: metres, GeV/c. A charged particle the STRAW chambers do not measure must be vetoed by the
detector it reaches, as a photon would. Unlike a photon it is bent by the MNP33 spectrometer dipole,
modelled as in :func:`~kaonportal.detector.propagation.propagate_charged` (thin-lens horizontal kick
``charge * geometry.mnp33.pt_kick`` at the magnet centre, |p| conserved, [BEATCH; MCgeo:Spectrometer]):

1. from its origin to the magnet centre on a straight line: the first LAV station upstream of the magnet
   it reaches (the rules of :func:`~kaonportal.detector.propagation.lav_first_hit`; beyond a station's
   outer radius it has left the vacuum tank and is lost);
2. from the magnet centre with the kicked slopes: the LAV stations downstream of the magnet, then the
   IRC ring and the LKr octagon outside its photon hole (the rules of
   :func:`~kaonportal.detector.propagation.photon_one`);
3. if none of those: MUV0 (off-axis, x > 1.5 m: negative particles bent outwards) on the same line; then the
   beam-deflecting dipole in front of the SAC (``geometry.beam_dipole``, thin-lens kick, 248.2-250.2 m,
   pT -990 MeV/c, [BEATCH]), after which the HASC (``geometry.hasc``, at negative x) and the SAC on the line bent
   again. The dipole sweeps any charged particle below ~100 GeV/c (all of them: the beam is 75 GeV/c) more than
   the SAC half-side away (0.99/p x 11 m > 0.1 m), so beam-like muons never reach the SAC; the HASC catches the
   positive ones that went down the beam pipe ([FW MultiplicitySelection.cc]: HASC and MUV0 are multiplicity
   vetoes of the pnn selection).

Particles produced downstream of the magnet centre are not kicked (as in ``propagate_charged``).
Returns the codes of :data:`~kaonportal.detector.propagation.DETECTOR_CODES` (0: reaches no veto), or
:data:`STRAW_SEGMENT` where the particle reaches none of those detectors but crosses at least
:data:`SEGMENT_MIN_CHAMBERS` STRAW chambers inside their active area (R < r_max, outside the beam hole)
before it is swept out: it leaves a track segment in the spectrometer, which the pnn multiplicity
rejection of extra in-time activity vetoes (D: the rejection of extra STRAW segments is not in the
reference, whose multiplicity cuts list LKr, CHOD/NewCHOD, HASC, MUV0 [FW MultiplicitySelection.cc]; two
chambers are the fewest that define a straight segment upstream of the magnet). Without this rule the
soft e+ of K+ -> pi+ pi- e+ nu swept out of the acceptance by MNP33 after STRAW1-2 (10% of them, median
3.3 GeV/c) would all escape.

>>> import numpy as np
>>> from kaonportal.detector import load_card
>>> card = load_card("na62-2022")
>>> # a 70 GeV/c mu+ along the beam (+1.2 mrad): a straight line reaches the IRC; bent, it reaches nothing
>>> o, p = np.array([[0.0, 0.0, 110.0]]), np.array([[0.084, 0.0, 70.0]])
>>> charged_veto_hits(o, p, 1, card).tolist()
[0]
>>> # 20 mrad: LAV before the magnet, as a photon would
>>> charged_veto_hits(o, np.array([[0.4, 0.0, 20.0]]), 1, card).tolist()
[1]
"""

from __future__ import annotations

__all__ = ["charged_veto_hits", "charged_veto_geometry", "straw_chambers_crossed", "STRAW_SEGMENT",
           "SEGMENT_MIN_CHAMBERS", "MUV0", "HASC"]

import numpy as np

from ..backend import njit
from .card import Card
from .propagation import _photon_geometry, lav_first_hit, photon_one, propagate_charged

#: code of a particle seen only as a track segment in the STRAW chambers (module docstring)
STRAW_SEGMENT = 5
#: codes of the off-axis vetoes (module docstring, item 3)
MUV0, HASC = 6, 7
#: fewest STRAW chambers crossed inside the active area that leave a segment (D, module docstring)
SEGMENT_MIN_CHAMBERS = 2


def _skip(lav: np.ndarray) -> np.ndarray:
    """(z of the last back face, smallest inner radius squared) of a LAV table (see ``lav_first_hit``);
    an empty table is never reached."""
    if lav.shape[0] == 0:
        return np.array([-np.inf, np.inf])
    return np.array([lav[:, 1].max(), (lav[:, 2] ** 2).min()])


def charged_veto_geometry(card: Card) -> tuple:
    """Card geometry packed for :func:`charged_veto_kernel` (once per run)."""
    lav, _, irc, lkr, sac = _photon_geometry(card)
    zm, kick = card.geometry.mnp33.z, card.geometry.mnp33.pt_kick
    up = np.ascontiguousarray(lav[lav[:, 1] <= zm])
    down = np.ascontiguousarray(lav[lav[:, 1] > zm])
    no_sac = sac.copy()
    no_sac[2] = 0.0            # item 3 of the module docstring: the SAC only after the beam dipole
    g = card.geometry
    boxes = np.array([[b.z, b.x_min, b.x_max, b.half_y] for b in (g.muv0, g.hasc)], float)
    dip = np.array([g.beam_dipole.z, g.beam_dipole.pt_kick], float)
    return float(zm), float(kick), up, _skip(up), down, _skip(down), irc, lkr, no_sac, sac, boxes, dip


@njit
def charged_veto_kernel(origin, p3, q, zm, kick, lav_up, skip_up, lav_down, skip_down, irc, lkr, no_sac, sac,
                        boxes, dip, det):  # pragma: no cover - numba
    """Per-particle loop of :func:`charged_veto_hits`; ``q`` (n,) charges, ``det`` (n,) int8 output."""
    for i in range(origin.shape[0]):
        x0, y0, z0 = origin[i, 0], origin[i, 1], origin[i, 2]
        px, py, pz = p3[i, 0], p3[i, 1], p3[i, 2]
        det[i] = 0
        if pz <= 0.0:
            continue
        if z0 < zm:
            tx, ty = px / pz, py / pz
            code, j, xf, yf, zf = lav_first_hit(x0, y0, z0, tx, ty, lav_up, skip_up)
            if code == 1:
                det[i] = 1
                continue
            if code == 0:
                continue
            x0, y0, z0 = x0 + tx * (zm - z0), y0 + ty * (zm - z0), zm
            px2 = px + q[i] * kick
            pz2sq = px * px + pz * pz - px2 * px2
            if pz2sq <= 0.0:        # turned back by the magnet (p below the kick): reaches nothing
                continue
            px, pz = px2, np.sqrt(pz2sq)
        code, j, xf, yf, zf = photon_one(x0, y0, z0, px, py, pz, lav_down, skip_down, irc, lkr, no_sac)
        if code != 0:
            det[i] = code
            continue
        tx, ty = px / pz, py / pz
        if z0 < boxes[0, 0]:
            x, y = x0 + tx * (boxes[0, 0] - z0), y0 + ty * (boxes[0, 0] - z0)
            if boxes[0, 1] < x < boxes[0, 2] and abs(y) < boxes[0, 3]:
                det[i] = 6              # MUV0
                continue
        if z0 < dip[0]:                 # beam dipole: second thin-lens kick
            x0, y0, z0 = x0 + tx * (dip[0] - z0), y0 + ty * (dip[0] - z0), dip[0]
            px2 = px + q[i] * dip[1]
            pz2sq = px * px + pz * pz - px2 * px2
            if pz2sq <= 0.0:
                continue
            px, pz = px2, np.sqrt(pz2sq)
            tx = px / pz
        for b, c, zb in ((1, 7, boxes[1, 0]), (-1, 4, sac[0])):
            if z0 >= zb:
                continue
            x, y = x0 + tx * (zb - z0), y0 + ty * (zb - z0)
            if b == 1 and boxes[1, 1] < x < boxes[1, 2] and abs(y) < boxes[1, 3]:
                det[i] = c              # HASC
                break
            if b == -1 and abs(x) < sac[2] and abs(y) < sac[2] and x * x + y * y > sac[1] * sac[1]:
                det[i] = c              # SAC
                break


def straw_chambers_crossed(track, card: Card, index: np.ndarray | None = None) -> np.ndarray:
    """Number of STRAW chambers each track of ``track`` (:func:`~.propagation.propagate_charged`) crosses
    inside the active area (R < r_max, outside the beam hole); ``index``: of those tracks only."""
    count = np.zeros(track.forward.shape[0] if index is None else index.shape[0], np.int8)
    for s in card.geometry.straw:
        x, y = track.x[s.name], track.y[s.name]
        if index is not None:
            x, y = x[index], y[index]
        with np.errstate(invalid="ignore"):      # NaN positions (backward tracks) compare False
            hole = (np.abs(x - s.hole_x) < s.hole_half) & (np.abs(y) < s.hole_half)
            count += (x * x + y * y < s.r_max * s.r_max) & ~hole
    return count


def charged_veto_hits(origin, p3, charge, card: Card, geometry: tuple | None = None, track=None) -> np.ndarray:
    """Veto detector code (module docstring) of charged particles from ``origin`` (n, 3) with momentum ``p3``
    (n, 3) and ``charge`` (scalar or (n,)); ``geometry`` = :func:`charged_veto_geometry` (packed once),
    ``track`` = their :func:`~.propagation.propagate_charged` result if already computed."""
    origin = np.ascontiguousarray(origin, float)
    p3 = np.ascontiguousarray(p3, float)
    n = origin.shape[0]
    # always a writeable copy: a read-only q (broadcast view of an (n,) charge) is a second compiled signature
    q = np.array(np.broadcast_to(np.asarray(charge, float), (n,)), order="C")
    det = np.zeros(n, np.int8)
    charged_veto_kernel(origin, p3, q, *(geometry or charged_veto_geometry(card)), det)
    if track is None:
        track = propagate_charged(origin, p3, q, card)
    none = np.flatnonzero(det == 0)         # the segment rule applies only where no veto detector is reached
    det[none[straw_chambers_crossed(track, card, none) >= SEGMENT_MIN_CHAMBERS]] = STRAW_SEGMENT
    return det
