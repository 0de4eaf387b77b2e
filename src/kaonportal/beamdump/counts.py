"""Observed counts and expected backgrounds of the beam-dump counting experiments.

Published 2021 dump inputs (N_POT = 1.4e17; [NA62:2023dpmumu; NA62:2024dpll; NA62:2025fiphad] abstracts and
[S002]), used as defaults per channel as (observed, expected background):

* mu mu: 1 observed in the signal region, 0.016 +- 0.002 combinatorial background (JHEP 09 (2023) 035;
  S002, S004) [S]. The event's two-track invariant mass is "approximately 411 MeV/c^2" ([Peruzzo:2022discrete],
  S004) [S]: it is counted only for the mass hypotheses whose invariant-mass window contains it
  (:func:`.contours.observed_per_mass`), as the notch of NA62's published contour at 0.405-0.42 GeV shows NA62 did.
* e e: 0 observed, 0.0094 background (PRL 133 (2024) 111802; the seed rendering is garbled, "verify") [S].
* hadronic (EPJC 85 (2025) 571): backgrounds from the S002 table; "no signal" is read as 0 observed [S/D].

Several channels form one counting experiment: observed counts and backgrounds add. The background is the
published total of each channel's signal region at every mass hypothesis: how it spreads over the invariant mass is
not published, so it is not modelled (conservative: inside one mass window it can only be smaller; with the CLs
limit of 0 or 1 observed events over ~0.02 expected the limit barely depends on it).

User-given counts (``observed``, ``background``) replace the published ones; their events count at every mass
unless their reconstructed masses are given (``observed_masses``, GeV: then each counts inside the widest
invariant-mass window of the run's channels, any of whose selections could have kept it).
"""

from __future__ import annotations

__all__ = ["POT_2021", "POT_RUN2", "PUBLISHED_2021", "PUBLISHED_2021_EVENT_MASSES", "ObservedCounts",
           "observed_background", "check_observed_masses", "observed_event_block", "COUNTING_NOTE",
           "CHANNEL_NOT_GIVEN", "limit_statement"]

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, check_range

POT_2021 = 1.4e17       # [DPll; DPmumu] abstracts [V]
POT_RUN2 = 1.0e18       # "about 1e18 POT" planned for Run 2 (S002, S004) [S]
# channel -> (observed, background) for the 2021 data (see module docstring)
PUBLISHED_2021 = {
    "mumu": (1, 0.016), "ee": (0, 0.0094), "pipi": (0, 0.007), "pipigamma": (0, 0.007),
    "pipipi0": (0, 1.2e-7), "pipi2pi0": (0, 1.6e-8), "pipieta": (0, 7.0e-8), "KK": (0, 4.6e-7),
    "KKpi0": (0, 1.5e-9),
}
#: channel -> reconstructed invariant masses (GeV) of the 2021 observed events, one per event of PUBLISHED_2021:
#: mu mu "one event, with approximately 411 MeV/c^2 two-track invariant mass, in the SR" [Peruzzo:2022discrete] [S]
PUBLISHED_2021_EVENT_MASSES = {"mumu": (0.411,)}

#: how the observed events and the background enter the limit at each mass (summary ``inputs``)
COUNTING_NOTE = ("an observed event with a known invariant mass counts only for the mass hypotheses whose signal "
                 "invariant-mass window (|m_obs - m_X| < mass_window_sigma x sigma_m(m_X)) contains it, an event "
                 "without a mass at every hypothesis; the background is the published total of the signal region at "
                 "every mass (its mass distribution is not published: conservative)")


#: the summary's channel label of observed events whose channel is not known (a user's events on several channels)
CHANNEL_NOT_GIVEN = "an observed event (channel not given)"


@dataclass
class ObservedCounts:
    """The counts of one run: ``observed`` events in all over ``background``; ``events``: channel (None: any of the
    run's channels) -> reconstructed masses (GeV) of those events whose mass is known; ``source``: where from;
    ``published``: both numbers are NA62's 2021 ones (neither given by the user), the one flag every consumer reads
    (published-contour comparison, validation, POT scaling) instead of parsing ``source``."""
    observed: int
    background: float
    source: str
    events: dict = field(default_factory=dict)
    published: bool = False

    @property
    def n_without_mass(self) -> int:
        """Events counted at every mass hypothesis."""
        return self.observed - sum(len(v) for v in self.events.values())

    def event_masses(self) -> dict:
        """{channel: [masses, GeV]} for the summary; events whose channel is not known are under
        :data:`CHANNEL_NOT_GIVEN`."""
        return {(CHANNEL_NOT_GIVEN if k is None else k): [float(x) for x in v] for k, v in self.events.items()}


def _user_events(channels, observed_masses) -> dict:
    """The user's observed events of known mass by channel: a run on one channel saw them in that channel; with
    several the channel is not given (key None: counted inside the widest window, :func:`.contours.observed_per_mass`).
    """
    if not observed_masses:
        return {}
    chans = list(dict.fromkeys(channels or ()))
    return {(chans[0] if len(chans) == 1 else None): tuple(observed_masses)}


def check_observed_masses(observed_masses, observed, mass_range) -> tuple[float, ...] | None:
    """The reconstructed masses (GeV) of user-given observed events, as a tuple; InputError (naming
    ``observed_masses``) unless there is one finite mass per ``observed`` event inside ``mass_range`` (the model's
    validity range, GeV). ``observed_masses`` may be a comma-separated string.

    >>> check_observed_masses("0.411", 1, (0.001, 2.0))
    (0.411,)
    >>> check_observed_masses([0.411, 0.3], 1, (0.001, 2.0))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: observed_masses: one mass per observed event is needed: 2 masses for --observed 1
    """
    if observed_masses is None:
        return None
    if isinstance(observed_masses, str):
        try:
            observed_masses = [float(x) for x in observed_masses.split(",") if x.strip()]
        except ValueError:
            raise InputError("observed_masses", f"expected comma-separated masses in GeV, got {observed_masses!r}") \
                from None
    arr = np.atleast_1d(np.asarray(observed_masses, float))
    if observed is None:
        raise InputError("observed_masses", "give the count with --observed (and --background) too")
    if arr.size != int(observed):
        raise InputError("observed_masses", f"one mass per observed event is needed: {arr.size} masses for "
                                            f"--observed {int(observed)}")
    lo, hi = mass_range
    for m in arr:          # one value at a time: the message names the offending mass
        check_range("observed_masses", float(m), lo, hi, unit="GeV (the model's mass range)")
    return tuple(float(x) for x in arr)


def observed_background(channels, observed=None, background=None, observed_masses=None) -> ObservedCounts:
    """The counts of a run on ``channels``: the user's when both ``observed`` and ``background`` are given (with the
    events' masses ``observed_masses`` if known, already checked by :func:`check_observed_masses`), else NA62's 2021
    numbers summed over the channels (either given one replacing its published counterpart)."""
    if observed is not None and background is not None:
        events = _user_events(channels, observed_masses)
        return ObservedCounts(int(observed), float(background), "user", events)
    missing = [c for c in channels if c not in PUBLISHED_2021]
    if missing:
        raise InputError("background", f"no published 2021 numbers for channel(s) {', '.join(missing)}; "
                                       "give --observed and --background")
    obs = sum(PUBLISHED_2021[c][0] for c in channels) if observed is None else int(observed)
    bkg = sum(PUBLISHED_2021[c][1] for c in channels) if background is None else float(background)
    if observed is None:
        events = {c: PUBLISHED_2021_EVENT_MASSES[c] for c in channels if c in PUBLISHED_2021_EVENT_MASSES}
    else:          # the user's count replaces the published one: its masses (if given) are the user's too
        events = _user_events(channels, observed_masses)
    src = "NA62 2021 dump data ([NA62:2023dpmumu; NA62:2024dpll; NA62:2025fiphad])"
    if observed is not None or background is not None:
        src += "; user-modified: " + ", ".join(f"{k} = {v:g}" for k, v in (("observed", observed),
                                                                         ("background", background)) if v is not None)
    return ObservedCounts(obs, bkg, src, events, published=observed is None and background is None)


def observed_event_block(grid, event_masses: dict) -> dict:
    """Where each observed event of known mass counts on ``grid`` (summary ``observed_events``): per event its channel
    (:data:`CHANNEL_NOT_GIVEN`: unknown), mass and the grid masses (GeV) whose invariant-mass window holds it, and a note for an
    event inside the grid's mass range that no grid mass counts: the window (~+-3 sigma_m, ~+-8 MeV for mu mu at
    0.41 GeV) then falls between two grid masses, and the notch it makes in the contour is not resolved."""
    from .contours import observed_per_mass

    events, notes = [], []
    masses = np.asarray(grid.masses, float)
    for ch, values in (event_masses or {}).items():
        for m_obs in values:
            hit = observed_per_mass(grid, {None if ch == CHANNEL_NOT_GIVEN else ch: [m_obs]}) > 0
            events.append({"channel": ch, "mass_gev": float(m_obs), "counted_at_masses_gev": masses[hit].tolist()})
            if not hit.any() and masses[0] < m_obs < masses[-1]:
                k = int(np.searchsorted(masses, m_obs))
                what = "observed event (channel not given)" if ch == CHANNEL_NOT_GIVEN else f"observed {ch} event"
                notes.append(f"the {what} at {m_obs:g} GeV lies in the invariant-mass window of no grid "
                             f"mass (neighbours {masses[k - 1]:.4g} and {masses[k]:.4g} GeV): the contour's notch "
                             "there is not resolved; a finer --grid or a narrower --mass-range resolves it")
    return {"events": events, "notes": notes}


def limit_statement(signal_limit: float, limits_per_mass, masses) -> str:
    """N_UL in words for a one-line summary: one value when it is the same at every mass, else the value at most
    masses and where (GeV) each other value applies (e.g. 2.30 everywhere but 3.87 in the notch of an observed event).

    >>> limit_statement(3.87, [2.3, 3.87, 3.87, 2.3], [0.39, 0.405, 0.411, 0.43])
    'N_UL = 2.3 at most masses, 3.87 at m = 0.405-0.411 GeV'
    >>> limit_statement(2.3, None, [0.3, 0.4])
    'N_UL = 2.3'
    """
    if limits_per_mass is None or len(set(float(v) for v in limits_per_mass)) <= 1:
        return f"N_UL = {float(signal_limit):.3g}"
    lim = np.asarray(limits_per_mass, float)
    m = np.asarray(masses, float)
    values, counts = np.unique(lim, return_counts=True)
    common = float(values[np.argmax(counts)])
    parts = []
    for v in values:
        if v == common:
            continue
        idx = np.flatnonzero(lim == v)
        runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)     # contiguous mass ranges
        where = ", ".join(f"{m[r[0]]:.3g}" if r.size == 1 else f"{m[r[0]]:.3g}-{m[r[-1]]:.3g}" for r in runs)
        parts.append(f"{float(v):.3g} at m = {where} GeV")
    return f"N_UL = {common:.3g} at most masses, " + ", ".join(parts)
