"""Detector response as probabilities: photon-veto inefficiency, particle identification, resolutions.

Rare suppressions are returned as per-particle probabilities so that the simulation can carry them
as event weights (a 1e-8 suppression is then estimated from 1e6 events with percent precision)
instead of deleting events at random.

>>> import numpy as np
>>> from kaonportal.detector import load_card
>>> card = load_card("na62-2018")
>>> float(veto_inefficiency(card.photon_veto.lav, np.array([1.0]))[0]).__round__(8)
0.0001
>>> straw_sigma_p_rel(card, np.array([25.0])).round(6).tolist()  # 0.30% (+) 0.005% x 25
[0.00325]
"""

from __future__ import annotations

__all__ = ["veto_inefficiency", "photon_inefficiency", "photon_veto_update", "pid_weights", "straw_sigma_p_rel",
           "straw_sigma_angle", "lkr_sigma_e"]

import numpy as np

from ..backend import njit
from .card import Card, VetoTable
from .propagation import DETECTOR_CODES, lav_first_hit


def veto_inefficiency(table: VetoTable, energy) -> np.ndarray:
    """Inefficiency at ``energy`` (GeV): log(ineff) linear in log(E) between the table points,
    1 below the first point (under threshold), the last value above the last point."""
    e = np.asarray(energy, float)
    le = np.log(np.asarray(table.energy))
    li = np.log(np.asarray(table.inefficiency))
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(np.where(e > 0, e, 1e-300))
    out = np.exp(np.interp(x, le, li))
    return np.where(e < table.energy[0], 1.0, out)


def photon_inefficiency(detector, energy, card: Card) -> np.ndarray:
    """Per-photon probability to escape detection given the detector code of
    :func:`~kaonportal.detector.propagation.photon_hits` (code 0 -> 1: undetectable).

    Same rule as :func:`veto_inefficiency` (log-log interpolation, 1 below the first point), compiled.
    """
    det = np.ascontiguousarray(detector, dtype=np.int8)
    e = np.ascontiguousarray(energy, dtype=float)
    le, li, nk = _veto_tables(card)
    out = np.empty(det.shape, float)
    _ineff_kernel(det.ravel(), e.ravel(), le, li, nk, out.ravel())
    return out


def _veto_tables(card: Card):
    """log(E) and log(inefficiency) tables packed by detector code (1 lav, 2 irc, 3 lkr, 4 sac)."""
    pv = card.photon_veto
    tabs = [None, pv.lav, pv.irc, pv.lkr, pv.sac]
    assert [DETECTOR_CODES[k] for k in ("lav", "irc", "lkr", "sac")] == [1, 2, 3, 4]
    m = max(len(t.energy) for t in tabs[1:])
    le = np.zeros((5, m))
    li = np.zeros((5, m))
    nk = np.zeros(5, np.int64)
    for c in range(1, 5):
        k = len(tabs[c].energy)
        le[c, :k] = np.log(tabs[c].energy)
        li[c, :k] = np.log(tabs[c].inefficiency)
        nk[c] = k
    return le, li, nk


@njit
def ineff_one(c, e, le, li, nk):  # pragma: no cover - numba
    """Inefficiency of detector code ``c`` at energy ``e`` (GeV) from packed log tables."""
    if c <= 0 or not (e > 0.0):
        return 1.0
    x = np.log(e)
    k = nk[c]
    if x < le[c, 0]:
        return 1.0
    if x >= le[c, k - 1]:
        return np.exp(li[c, k - 1])
    j = 1
    while le[c, j] <= x:
        j += 1
    f = (x - le[c, j - 1]) / (le[c, j] - le[c, j - 1])
    return np.exp(li[c, j - 1] + f * (li[c, j] - li[c, j - 1]))


@njit
def _ineff_kernel(det, e, le, li, nk, out):  # pragma: no cover - numba
    for i in range(det.shape[0]):
        out[i] = ineff_one(np.int64(det[i]), e[i], le, li, nk)   # int64 as in _veto_kernel: one signature


def photon_veto_update(w_veto, origin, p4, track_x, track_y, card: Card) -> None:
    """Multiply ``w_veto`` (n,) in place by each photon's probability to escape the vetoes.

    ``origin`` (n, 3), ``p4`` (n, 4): one photon per event; ``track_x/y``: the candidate track at the
    LKr front plane (NaN if none). A photon reaching the LKr closer than ``lkr_min_distance`` to the
    track is merged with the track cluster ([FW PhotonRejectionLKr.cc]: clusters
    > 100 mm from the track) and so escapes (factor 1). Same rules as :func:`photon_hits` and
    :func:`photon_inefficiency`, fused in one compiled pass.
    """
    from .propagation import _photon_geometry
    lav, lav_skip, irc, lkr, sac = _photon_geometry(card)
    le, li, nk = _veto_tables(card)
    # C-contiguous float64 inputs: one compiled signature of the kernel for every caller
    origin, p4 = np.ascontiguousarray(origin, dtype=float), np.ascontiguousarray(p4, dtype=float)
    track_x, track_y = np.ascontiguousarray(track_x, dtype=float), np.ascontiguousarray(track_y, dtype=float)
    _veto_kernel(w_veto, origin, p4, track_x, track_y, card.photon_veto.lkr_min_distance ** 2,
                 lav, lav_skip, irc, lkr, sac, le, li, nk)


@njit
def _veto_kernel(w, origin, p4, tx, ty, dmin2, lav, lav_skip, irc, lkr, sac, le, li, nk):  # pragma: no cover - numba
    """Per-photon loop of :func:`photon_veto_update`.

    The detector rules are those of :func:`~kaonportal.detector.propagation.photon_one`, with the same
    expressions (so the same hit codes and LKr impact points to the last bit; a test compares the two),
    written as one straight pass: the IRC, LKr and SAC impact points are all computed and the first
    detector hit is selected without branching, which runs several times faster than the early-return
    form on these unpredictable outcomes.
    """
    sqrt2 = np.sqrt(2.0)
    for i in range(w.shape[0]):
        x0, y0, z0 = origin[i, 0], origin[i, 1], origin[i, 2]
        px, py, pz = p4[i, 1], p4[i, 2], p4[i, 3]
        if pz <= 0.0:
            continue                    # code 0: undetectable, inefficiency 1
        tx0 = px / pz
        ty0 = py / pz
        c = lav_first_hit(x0, y0, z0, tx0, ty0, lav, lav_skip)[0]
        if c < 0:
            xi = x0 + tx0 * (irc[0] - z0)
            yi = y0 + ty0 * (irc[0] - z0)
            r2 = (xi - irc[3]) ** 2 + yi * yi
            hit_irc = (z0 < irc[0]) & (r2 > irc[1] * irc[1]) & (r2 < irc[2] * irc[2])
            xk = x0 + tx0 * (lkr[0] - z0)
            yk = y0 + ty0 * (lkr[0] - z0)
            ax = abs(xk)
            ay = abs(yk)
            a = lkr[2]
            hit_lkr = ((z0 < lkr[0]) & (ax < a) & (ay < a) & (ax + ay < a * sqrt2)
                       & (xk * xk + yk * yk > lkr[1] * lkr[1]))
            xs = x0 + tx0 * (sac[0] - z0)
            ys = y0 + ty0 * (sac[0] - z0)
            hit_sac = (z0 < sac[0]) & (abs(xs) < sac[2]) & (abs(ys) < sac[2]) & (xs * xs + ys * ys > sac[1] * sac[1])
            c = 2 if hit_irc else (3 if hit_lkr else (4 if hit_sac else 0))
            # a photon reaching the LKr next to the track joins its cluster: not vetoed (factor 1)
            if c == 3 and (xk - tx[i]) ** 2 + (yk - ty[i]) ** 2 < dmin2:
                continue
        w[i] *= ineff_one(c, p4[i, 0], le, li, nk)


def pid_weights(true_pdgid, p, card: Card) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probabilities ``(w_pi, w_mu, w_e)`` that a track of true species ``true_pdgid`` (|id| 211, 13, 11)
    and momentum ``p`` (GeV/c) is identified as pi, mu or e.

    Muon -> pion: ``muon_as_pion_rich`` (inside [rich_p_min, rich_p_max], 1 outside, where the RICH
    cannot separate) times ``muon_as_pion_calo`` (calorimeters + MUV3). Other species (protons,
    kaons) and absent tracks get zeros.

    >>> import numpy as np
    >>> from kaonportal.detector import load_card
    >>> w = pid_weights(np.array([-13, -13]), np.array([25.0, 50.0]), load_card("na62-2018"))
    >>> [float(x).__round__(12) for x in w[0]]
    [1e-07, 1e-05]
    """
    ids = np.ascontiguousarray(true_pdgid, dtype=np.int64)
    # a writable C copy: a broadcast view is read-only, a second compiled signature of the kernel
    p = np.array(np.broadcast_to(np.asarray(p, float), ids.shape), dtype=float, order="C")
    c = card.pid
    par = np.array([c.rich_p_min, c.rich_p_max, c.pion_efficiency, c.pion_as_muon, c.pion_as_electron,
                    c.muon_efficiency, c.muon_as_pion_rich, c.muon_as_pion_calo, c.muon_as_electron,
                    c.electron_efficiency, c.electron_as_pion, c.electron_as_muon])
    out = np.zeros((3,) + ids.shape)
    _pid_kernel(ids.ravel(), p.ravel(), par, out.reshape(3, -1))
    return out[0], out[1], out[2]


@njit
def _pid_kernel(ids, p, c, out):  # pragma: no cover - numba
    for i in range(ids.shape[0]):
        a = abs(ids[i])
        if a == 211:
            out[0, i], out[1, i], out[2, i] = c[2], c[3], c[4]
        elif a == 13:
            rich = c[6] if (p[i] >= c[0] and p[i] <= c[1]) else 1.0
            out[0, i], out[1, i], out[2, i] = rich * c[7], c[5], c[8]
        elif a == 11:
            out[0, i], out[1, i], out[2, i] = c[10], c[11], c[9]


def straw_sigma_p_rel(card: Card, p) -> np.ndarray:
    """STRAW sigma_p/p = a (+) b p (quadrature; [JINST17], R)."""
    r = card.resolution
    p = np.asarray(p, float)
    return np.hypot(r.straw_p_const, r.straw_p_slope * p)


def straw_sigma_angle(card: Card, p) -> np.ndarray:
    """STRAW angular resolution per projection, a (+) b/p (rad); card fit to the JINST17 row (D)."""
    r = card.resolution
    p = np.asarray(p, float)
    with np.errstate(divide="ignore"):
        return np.hypot(r.straw_angle_const, r.straw_angle_ms / p)


def lkr_sigma_e(card: Card, e) -> np.ndarray:
    """LKr sigma_E (GeV): E x (a/sqrt(E) (+) b/E (+) c) ([JINST17], R)."""
    r = card.resolution
    e = np.asarray(e, float)
    return np.sqrt((r.lkr_e_stochastic ** 2) * e + r.lkr_e_noise ** 2 + (r.lkr_e_const * e) ** 2)
