"""Escapes: events whose particles to veto all escape every veto detector, and the diagnostics built on them.

An event's raw ``w_photon_veto`` splits into a part a veto-inefficiency scale multiplies and an escape part,
where every particle to veto is undetectable (outside all veto detectors or below their energy
thresholds: geometry, not a detector inefficiency; :func:`scalable_veto`, :func:`escape_part`). A
source estimate carried by a few such rare events depends on whether a sample of its size happens to
contain them, whatever its statistical error says: :func:`escape_diagnostics` gives the share of the
estimate from escapes, the effective number of events (sum w)^2 / sum w^2 carrying it, and the
``reliability`` flag of summary.json.

>>> escape_diagnostics(1.0, 0.8, 0.16, 0.0, 0.0, 0.0)["reliability"]
'rare-escape dominated: 80% of the estimate from 4.0 effective events whose particles all escape the vetoes'
"""

from __future__ import annotations

__all__ = ["scalable_veto", "escape_part", "escape_fraction", "escape_event_weights", "escape_diagnostics",
           "RARE_SHARE", "RARE_EFFECTIVE_EVENTS"]

import numpy as np

#: flag thresholds: more than half of the estimate from fewer than 10 effective escapes (a Poisson
#: fluctuation above 30% of that part; another sample of this size may contain none, or more)
RARE_SHARE = 0.5
RARE_EFFECTIVE_EVENTS = 10


def scalable_veto(n_photons: np.ndarray, w_photon_veto: np.ndarray) -> np.ndarray:
    """Events whose ``w_photon_veto`` a veto-inefficiency scale changes: something to veto, and not every
    particle undetectable (w = 1: outside all veto detectors or below their energy thresholds, a
    geometric escape that no detector inefficiency describes).

    >>> scalable_veto(np.array([0, 2, 2]), np.array([1.0, 1e-4, 1.0])).tolist()
    [False, True, False]
    """
    return (np.asarray(n_photons) > 0) & (np.asarray(w_photon_veto, float) < 1.0 - 1e-9)


def escape_part(cols: dict) -> np.ndarray:
    """The part of each event's raw ``w_photon_veto`` where every particle to veto escapes: column
    ``w_photon_veto_escape`` (averaged with the simulation option ``veto_average``), or, in tables
    without it, w itself where nothing is detectable (w = 1, :func:`scalable_veto`)."""
    w = np.asarray(cols["w_photon_veto"], dtype=float)
    if "w_photon_veto_escape" in cols:
        return np.minimum(np.asarray(cols["w_photon_veto_escape"], dtype=float), w)
    has = cols["n_photons"] > 0
    return np.where(has & ~scalable_veto(cols["n_photons"], w), w, 0.0)


def escape_fraction(cols: dict, raw_w_photon_veto) -> np.ndarray:
    """Per event, the fraction f_esc of its (reweighted) weight that is escape: escape part of the raw
    ``raw_w_photon_veto`` over the reweighted ``cols["w_photon_veto"]`` (0 where nothing to veto or
    w = 0; 0 for tables without veto columns). f_esc + f_veto = 1 where there is something to veto."""
    n = len(next(iter(cols.values())))
    if "w_photon_veto" not in cols or "n_photons" not in cols:
        return np.zeros(n)
    has = cols["n_photons"] > 0
    wv = np.asarray(cols["w_photon_veto"], dtype=float)
    raw = {"w_photon_veto": raw_w_photon_veto, "n_photons": cols["n_photons"]}
    if "w_photon_veto_escape" in cols:
        raw["w_photon_veto_escape"] = cols["w_photon_veto_escape"]
    return np.where(has & (wv > 0), escape_part(raw) / np.where(wv > 0, wv, 1.0), 0.0)


def escape_event_weights(cols: dict, cf, mask: np.ndarray, scale: float) -> np.ndarray:
    """What each selected event in ``mask`` with something to veto would weigh if its particles escaped:
    ``scale`` x its cut-flow weight per fiducial decay without the veto factor (empty without veto
    columns or selected weight)."""
    if "w_photon_veto" not in cols or not cf.total > 0:
        return np.zeros(0)
    has = cols["n_photons"] > 0 if "n_photons" in cols else np.zeros(len(mask), bool)
    pv = np.asarray(cols["w_photon_veto"], dtype=float)
    m = mask & has & (cf.weights > 0) & (pv > 0)
    return scale * cf.weights[m] / pv[m] / cf.total


def escape_diagnostics(sim: float, unvetoable: float, unvetoable_var: float, region_unvetoable: float,
                       region_unvetoable_var: float, tail: float) -> dict:
    """``escape_share``, ``escape_effective_events`` and ``reliability`` of an estimate ``sim`` whose escape
    part is ``unvetoable`` (variance ``unvetoable_var``) plus ``tail`` x the region's escape part (module
    docstring; thresholds :data:`RARE_SHARE`, :data:`RARE_EFFECTIVE_EVENTS`)."""
    # the part of the estimate from events whose particles all escaped (incl. through the tail term), and
    # its effective number of events (sum w)^2 / sum w^2: a large share carried by few events = rare escapes
    esc = unvetoable + tail * region_unvetoable
    esc_var = unvetoable_var + tail * tail * region_unvetoable_var
    share = esc / sim if sim > 0 else 0.0
    n_eff = esc * esc / esc_var if esc_var > 0 else 0.0
    rare = share > RARE_SHARE and n_eff < RARE_EFFECTIVE_EVENTS
    reliability = ("rare-escape dominated: {:.0%} of the estimate from {:.1f} effective events whose "
                   "particles all escape the vetoes".format(share, n_eff) if rare else "ok")
    return {"escape_share": share, "escape_effective_events": n_eff, "reliability": reliability}
