"""Variance reduction of the budget's samples (both unbiased): forced in-flight decays and veto averaging.

Forced in-flight decays: the decays in :data:`FORCED_DECAYS` are simulated a second time with the
simulation option ``force_decays`` (every candidate decays before STRAW1, the probability in
``weight_forced_decay``; ``simulation.engine``). A source's yield is then the sum of the ordinary
sample without its ``track_decayed`` events and the forced sample's ``track_decayed`` events weighted
by ``weight_forced_decay`` (:func:`sample_pieces`): both are unbiased for their part, so the sum is
unbiased, and the decayed part has every forced event instead of ~3e-4 of the muons. This is where the
K+ -> mu+ nu budget comes from (mu+ -> e+ nu nubar before STRAW1 and a positron taken for a pi+).

Veto averaging: the samples of the decays in :data:`VETO_AVERAGE` are simulated with the option
``veto_average`` (``simulation.engine``): the veto probability of each pi0 -> gamma gamma pair is
averaged over isotropic orientations in the pi0 rest frame, on which the pi+ kinematics does not
depend. Where both photons can escape every veto (w = 1, gaps of the veto coverage) this turns a
handful of full-weight events into many fractional ones.

>>> sample_options("K+ -> pi0 e+ nu"), forced_sample_size("K+ -> mu+ nu", 8)
({'veto_average': 8}, 2)
"""

from __future__ import annotations

__all__ = ["FORCED_DECAYS", "VETO_AVERAGE", "sample_options", "forced_sample_size", "sample_pieces", "apply_multiplier",
           "undecayed_multiplier", "forced_multiplier"]

from dataclasses import replace

import numpy as np

from ...selection import column

#: decay -> size of its forced-decay sample relative to the ordinary one (module docstring). K+ -> mu+ nu
#: only: elsewhere the decayed candidates (pi+ -> mu+ nu) are suppressed by the mu -> pi mis-ID ~1e-7 and
#: contribute < 1e-4 of the source (2017 samples: 3e-6 of the 0.27 K+ -> pi+ pi0 (gamma) events)
FORCED_DECAYS = {"K+ -> mu+ nu": 0.25}


#: decay -> number of pi0 -> gamma gamma orientations its veto probability is averaged over (simulation
#: option ``veto_average``; unbiased, module docstring): the decays with a pi0, whose estimates are
#: otherwise carried by a few events where both photons escape every veto (~1.5e-5 of K+ -> pi+ pi0).
#: 8 orientations: up to 8x more effective escape events for +2 s per 1e6 events (~+20 s on the default
#: ``kaonportal run``; 16 would double both). Since 2026-12 only the events whose candidate is in the acceptance
#: are averaged (simulation.vetoes; the selections' estimates are unchanged to the bit): ~15% less. The pnn section
#: averages only inside its selection's windows before the photon veto (pnn_setup.veto_average_windows, simulate
#: option veto_average_where; bit-identical summary): the pnn section ~20% less CPU (issue 17).
VETO_AVERAGE = {"K+ -> pi+ pi0": 8, "K+ -> pi+ pi0 gamma": 8, "K+ -> pi0 e+ nu": 8, "K+ -> pi0 mu+ nu": 8}


def sample_options(decay: str) -> dict:
    """Simulation options of the budget's samples of ``decay`` (veto averaging, :data:`VETO_AVERAGE`).

    >>> sample_options("K+ -> pi+ pi0"), sample_options("K+ -> mu+ nu")
    ({'veto_average': 8}, {})
    """
    k = VETO_AVERAGE.get(decay)
    return {"veto_average": k} if k else {}


def forced_sample_size(decay: str, n: int) -> int:
    """Events of the forced-decay sample that goes with ``n`` ordinary ``decay`` events (0: none).

    >>> forced_sample_size("K+ -> mu+ nu", 4_000_000), forced_sample_size("K+ -> pi+ pi0", 10)
    (1000000, 0)
    """
    f = FORCED_DECAYS.get(decay)
    return max(1, int(round(n * f))) if f else 0


def sample_pieces(events, forced) -> list[tuple[object, np.ndarray | None]]:
    """(events, per-event multiplier) pieces whose yields add up to the decay's yield: the sample as is,
    or, with a forced-decay sample, its undecayed events plus the forced sample's decayed events
    weighted by their decay probability (module docstring)."""
    if forced is None:
        return [(events, None)]
    return [(events, undecayed_multiplier(events)), (forced, forced_multiplier(forced))]


def undecayed_multiplier(events) -> np.ndarray:
    """Multiplier of an ordinary sample that has a forced-decay sample: 1 for its undecayed candidates."""
    return (~column(events, "track_decayed").astype(bool)).astype(float)


def forced_multiplier(forced) -> np.ndarray:
    """Multiplier of a forced-decay sample: the decay probability of its decayed candidates, else 0."""
    return np.where(column(forced, "track_decayed").astype(bool), column(forced, "weight_forced_decay"), 0.0)


def apply_multiplier(cf, mult):
    """The cut flow ``cf`` with its per-event weights times a piece's multiplier (``None``: unchanged)."""
    return cf if mult is None else replace(cf, weights=cf.weights * mult)
