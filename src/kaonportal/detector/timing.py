"""Detector time response: per-detector time resolutions and measured times of the simulated event.

Times are in nanoseconds. The event time is the time at which the decaying beam particle crosses GTK3
(t = 0 by definition); every measured time below is already corrected for the time of flight to its
detector (the analysis does the same with the reconstructed track), so a measured time is the event
time plus the detector's Gaussian time noise. Two hits belong to the same event when their measured
times agree within the analysis window (``card.pileup.window_*``).

Resolutions come from the card (``resolution.*_time_ns``; the sources and status of each value are
on its line of the built-in YAML):

=========== ============================== ================================================
detector    card field                     value of the built-in cards, source (status)
=========== ============================== ================================================
KTAG        ``ktag_time_ns``               70 ps [RICH20; LNV24] (V)
GTK         ``gtk_time_ns``                100 ps, track time [RICH20] (V)
STRAW       ``straw_time_ns``              1.2 ns leading time [FW DownstreamTrackBuilder.cc] (V)
RICH        ``rich_time_ns``               ~100 ps [NA62web:2026rich] (V)
CHOD        ``chod_time_ns``               200 ps [JINST17] (R)
NewCHOD     ``newchod_time_ns``            1 ns, not found (D)
LKr         ``lkr_time_{a,b,c}_ns``        sigma_t(E) = a + b/E + c/sqrt(E), E in GeV [FW PhotonRejectionLKr.cc] (V)
LAV         ``lav_time_ns``                1 ns, not found (D)
IRC, SAC    ``irc_sac_time_ns``            560 ps after slewing [FW SAVMatching.cc] (V)
MUV3        ``muv3_time_ns``               0.5 ns [FW MUV3T0.cc] (V; [JINST17] ~400 ps R)
CHANTI      ``chanti_time_ns``             1 ns (D)
HASC, MUV0  ``hasc_time_ns``, ``muv0_time_ns`` 1 ns, not found (D)
=========== ============================== ================================================

The LKr sigma_t(E) is a resolution, not a cut window: the pnn code takes it as the width of the cluster - track
time difference and cuts at k sigma_t per energy band ([FW PhotonRejectionLKr.cc], EvaluateLKrCluster; the k
are the card's ``pileup.lkr_window_sigmas``). It is measured from 1 GeV up (below, the code uses a fixed
+-5 ns window): the 2.8 ns it gives at the 0.6 GeV MIP-like deposit of a pi+ or mu+ is an extrapolation (D).
Cross-check (R): 0.64 ns at 10 GeV, sub-nanosecond above ~3 GeV as the NA48 calorimeter ([Ocariz:1999lkr]).

>>> from kaonportal.detector import load_card
>>> res = TimeResolutions.from_card(load_card("na62-2022"))
>>> res.ktag, res.sigma("irc")
(0.07, 0.56)
>>> round(float(res.lkr(1.0)), 3)          # 0.56 + 1.53 - 0.233 ns at 1 GeV
1.857
"""

from __future__ import annotations

__all__ = ["TimeResolutions", "DETECTORS", "TIME_COLUMNS", "LKR_MIP_ENERGY", "candidate_times"]

from dataclasses import dataclass

import numpy as np

from .card import Card

DETECTORS = ("ktag", "gtk", "straw", "rich", "chod", "newchod", "lkr", "lav", "irc", "sac", "muv3", "chanti", "hasc",
             "muv0")

#: optional event-table columns of measured times (see :mod:`kaonportal.simulation.schema`)
TIME_COLUMNS = ("t_ktag_ns", "t_gtk_ns", "t_straw_ns", "t_rich_ns", "t_chod_ns", "t_newchod_ns", "t_lkr_ns",
                "t_muv3_ns")

LKR_MIP_ENERGY = 0.6
"""GeV deposited in the LKr by a pi+ or mu+ (MIP-like), which sets its cluster time resolution
([FW TrackCalorimetricEnergyAssociation.cc] "LKr ~0.6 GeV MIP-like", V for the pi+ response; used for
muons too, D). Electrons deposit their full energy."""


@dataclass(frozen=True)
class TimeResolutions:
    """Gaussian time resolutions (ns) of every detector; LKr through :meth:`lkr`."""
    ktag: float
    gtk: float
    straw: float
    rich: float
    chod: float
    newchod: float
    lav: float
    irc_sac: float
    muv3: float
    chanti: float
    lkr_a: float
    lkr_b: float
    lkr_c: float
    hasc: float = 1.0
    muv0: float = 1.0

    @classmethod
    def from_card(cls, card: Card) -> "TimeResolutions":
        r = card.resolution
        return cls(ktag=r.ktag_time_ns, gtk=r.gtk_time_ns, straw=r.straw_time_ns, rich=r.rich_time_ns,
                   chod=r.chod_time_ns, newchod=r.newchod_time_ns, lav=r.lav_time_ns, irc_sac=r.irc_sac_time_ns,
                   muv3=r.muv3_time_ns, chanti=r.chanti_time_ns, lkr_a=r.lkr_time_a_ns, lkr_b=r.lkr_time_b_ns,
                   lkr_c=r.lkr_time_c_ns, hasc=r.hasc_time_ns, muv0=r.muv0_time_ns)

    def lkr(self, energy) -> np.ndarray:
        """LKr cluster time resolution (ns) at cluster energy ``energy`` (GeV), floored at 0.1 GeV
        (the parametrisation is for photon-veto clusters above ~1 GeV; below, it only grows)."""
        e = np.maximum(np.asarray(energy, float), 0.1)
        return self.lkr_a + self.lkr_b / e + self.lkr_c / np.sqrt(e)

    def sigma(self, detector: str, energy=None):
        """Resolution (ns) of ``detector`` (one of :data:`DETECTORS`); LKr needs ``energy`` (GeV)."""
        if detector == "lkr":
            return self.lkr(1.0 if energy is None else energy)
        if detector in ("irc", "sac"):
            return self.irc_sac
        return getattr(self, detector)


def candidate_times(cols: dict[str, np.ndarray], res: TimeResolutions, rng: np.random.Generator,
                    kaon_beam: bool = True) -> dict[str, np.ndarray]:
    """Measured times (ns, event time 0) of the beam particle (KTAG, GTK) and of the candidate track in each
    downstream detector: :data:`TIME_COLUMNS`. ``cols`` are event-table columns (``in_*`` flags,
    ``p_track``, ``track_true_pdgid``). A detector the track misses gives NaN; ``t_ktag_ns`` is NaN when the
    decaying beam particle is not a kaon (``kaon_beam`` False: the KTAG does not tag it).

    Draws: one (8, n) standard-normal array from ``rng``, in the order of :data:`TIME_COLUMNS`, for every
    event (independent of which detectors are hit, so the values do not depend on the acceptance).
    """
    n = cols["p_track"].shape[0]
    g = rng.standard_normal((len(TIME_COLUMNS), n))
    has_track = np.isfinite(cols["p_track"])
    electron = np.abs(cols["track_true_pdgid"]) == 11
    e_lkr = np.where(electron, np.nan_to_num(cols["p_track"], nan=1.0), LKR_MIP_ENERGY)
    sig = {"t_ktag_ns": res.ktag, "t_gtk_ns": res.gtk, "t_straw_ns": res.straw, "t_rich_ns": res.rich,
           "t_chod_ns": res.chod, "t_newchod_ns": res.newchod, "t_lkr_ns": res.lkr(e_lkr), "t_muv3_ns": res.muv3}
    seen = {"t_ktag_ns": np.full(n, bool(kaon_beam)), "t_gtk_ns": np.ones(n, bool), "t_straw_ns": cols["in_straw"] & has_track,
            "t_rich_ns": cols["in_rich"] & has_track, "t_chod_ns": cols["in_chod"] & has_track,
            "t_newchod_ns": cols["in_newchod"] & has_track, "t_lkr_ns": cols["in_lkr"] & has_track,
            "t_muv3_ns": cols["in_muv3"] & has_track}
    return {nm: np.where(seen[nm], g[i] * sig[nm], np.nan) for i, nm in enumerate(TIME_COLUMNS)}
