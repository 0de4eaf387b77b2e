"""Veto windows of the pnn selection for accidental hits (:mod:`kaonportal.simulation.pileup`, step 3).

Units: ns, GeV. An accidental's hit vetoes the event when its measured time lies within the half-window of
its detector (card ``pileup`` section): LAV, IRC, SAC, CHANTI, HASC, MUV0 fixed windows; the LKr window depends
on the cluster energy (:func:`lkr_window`, [FW PhotonRejectionLKr.cc]); the multiplicity coincidences NewCHOD-CHOD
(``chod``) and LKr-CHOD (``lkr_chod``) have fixed windows ([FW MultiplicitySelection.cc]).
"""

from __future__ import annotations

__all__ = ["HIT_DETECTORS", "lkr_window", "overlay_half_window", "veto_windows", "veto_sigmas"]

import numpy as np

from ..detector.card import Card
from ..detector.timing import LKR_MIP_ENERGY, TimeResolutions

#: columns of an accidental's hits (``lkr_chod``: one charged particle in the CHOD and the LKr)
HIT_DETECTORS = ("gtk", "chanti", "lav", "irc", "lkr", "sac", "chod", "muv3", "hasc", "muv0", "lkr_chod")


def lkr_window(card: Card, res: TimeResolutions, energy) -> np.ndarray:
    """Half-window (ns) in which an LKr cluster of ``energy`` (GeV) vetoes the event, 0 where ``energy`` <= 0
    (no cluster): the pnn photon rejection of every cluster > 100 mm from the track ([FW PhotonRejectionLKr.cc], V),
    ``lkr_window_low_ns`` below E1, then ``lkr_window_sigmas`` x sigma_t(E) in the bands E1-E2, E2-E3, above E3."""
    pu = card.pileup
    e = np.asarray(energy, float)
    (e1, e2, e3), (k1, k2, k3) = pu.lkr_window_energies_gev, pu.lkr_window_sigmas
    k = np.where(e < e2, k1, np.where(e < e3, k2, k3))
    w = np.where(e < e1, pu.lkr_window_low_ns, k * res.lkr(e))
    return np.where(e > 0, w, 0.0)


def overlay_half_window(card: Card, res: TimeResolutions) -> float:
    """Half-width (ns) of the overlay window: ``readout_half_window_ns``, widened if needed to cover the widest LKr
    window (the sigma_t(E) bands at their lower edges, or the high-energy limit) by 5 ns (> 8 sigma_t there)."""
    (e1, e2, e3), (k1, k2, k3) = card.pileup.lkr_window_energies_gev, card.pileup.lkr_window_sigmas
    widest = max(card.pileup.lkr_window_low_ns, k1 * res.lkr(e1), k2 * res.lkr(e2), k3 * res.lkr(e3),
                 k3 * res.lkr_a)
    return max(card.pileup.readout_half_window_ns, float(widest) + 5.0)


def veto_windows(card: Card, res: TimeResolutions, hits: np.ndarray, e_lkr: np.ndarray) -> np.ndarray:
    """(m, len(HIT_DETECTORS)) veto half-windows (ns) of each accidental's hits; 0 where no vetoing hit."""
    pu = card.pileup
    w = np.zeros(hits.shape)
    fixed = {"lav": pu.window_lav_ns, "irc": pu.window_irc_ns, "sac": pu.window_sac_ns,
             "chanti": pu.window_chanti_ns, "chod": pu.window_chod_ns, "muv3": pu.window_muv3_ns,
             "hasc": pu.window_hasc_ns, "muv0": pu.window_muv0_ns, "lkr_chod": pu.window_lkr_chod_ns}
    for j, d in enumerate(HIT_DETECTORS):
        if d not in pu.veto_detectors:
            continue
        win = lkr_window(card, res, e_lkr) if d == "lkr" else fixed[d]
        w[:, j] = np.where(hits[:, j], win, 0.0)
    return w


def veto_sigmas(res: TimeResolutions) -> np.ndarray:
    """Time resolution (ns) per column of :data:`HIT_DETECTORS` (LKr: NaN, energy dependent)."""
    # the LKr-CHOD coincidence is timed by the LKr MIP-like deposit
    return np.array([np.nan if d == "lkr" else float(res.lkr(LKR_MIP_ENERGY)) if d == "lkr_chod" else res.sigma(d)
                     for d in HIT_DETECTORS])
