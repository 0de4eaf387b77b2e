"""Invariant-mass selection of the beam-dump signal: |m_reco - m_X| < n sigma_m, sigma_m estimated from the simulated
sample itself (:mod:`.detection` applies it; its half-width also decides where an observed event counts,
:func:`.contours.observed_per_mass`).

>>> import numpy as np
>>> m = 0.4 + 0.002 * np.random.default_rng(1).standard_normal(10000)
>>> round(mass_window_halfwidth(m, 0.4, np.ones(m.size, bool), 3.0), 3)
0.006
"""

from __future__ import annotations

__all__ = ["MIN_EVENTS_FOR_RESOLUTION", "mass_window_halfwidth", "mass_window"]

import numpy as np

#: fewest selected events for which the mass resolution is estimated from the sample (fewer: no mass cut)
MIN_EVENTS_FOR_RESOLUTION = 20


def mass_window_halfwidth(m_reco, m_true: float, selected, n_sigma: float) -> float:
    """Half-width n_sigma sigma_m (GeV) of the invariant-mass window; inf when the cut is not applied.

    sigma_m is the resolution of this very sample: 1.4826 x the median absolute deviation of m_reco - m_X over
    the events passing every other cut (``selected``). It follows from the card's STRAW momentum/angle and LKr
    energy resolutions used to smear the tracks and photons (no separate mass-resolution parameter exists in the
    card); with ``n_sigma`` = 0 (cut off) or fewer than MIN_EVENTS_FOR_RESOLUTION such events the cut is not
    applied (inf).
    """
    if n_sigma <= 0:
        return float("inf")
    dm = (np.asarray(m_reco) - m_true)[np.asarray(selected, bool) & np.isfinite(m_reco)]
    if dm.size < MIN_EVENTS_FOR_RESOLUTION:
        return float("inf")
    sigma = 1.4826 * float(np.median(np.abs(dm - np.median(dm))))
    return n_sigma * max(sigma, 1e-9)


def mass_window(m_reco, m_true: float, selected, n_sigma: float):
    """Boolean mask |m_reco - m_X| < n_sigma sigma_m (:func:`mass_window_halfwidth`); True everywhere when the cut
    is not applied (``n_sigma`` 0, or too few events to estimate sigma_m)."""
    halfwidth = mass_window_halfwidth(m_reco, m_true, selected, n_sigma)
    if not np.isfinite(halfwidth):
        return np.ones(np.shape(m_reco), bool)
    with np.errstate(invalid="ignore"):
        return np.abs(np.asarray(m_reco) - m_true) < halfwidth
