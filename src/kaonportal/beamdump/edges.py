"""Excluded regions that reach the boundary of the (mass, coupling) grid.

A contour is traced only inside the grid: where excluded cells lie on the grid's first or last row or column, the
true contour continues outside and the drawn line is clipped there (e.g. BC4 with ee, mu mu, pi pi, K K at 1.4e17 POT
excludes up to the top of the default sin^2 theta range, 0.01). Such an open contour is stated on the result
(summary.json ``contour_open_at_grid_edge``, a note on the plot, a printed line) with the option to extend, never
drawn as if closed.

>>> import numpy as np
>>> ex = np.zeros((4, 5), bool); ex[1:3, 3:] = True           # excluded up to the largest coupling
>>> sides = grid_edge_contacts(ex, np.array([0.1, 0.2, 0.3, 0.4]), np.geomspace(1e-6, 1e-2, 5))
>>> sides
{'coupling_high': [0.2, 0.3]}
>>> note = edge_notes("observed", sides, [0.1, 0.4], np.geomspace(1e-6, 1e-2, 5), "epsilon", (0.01, 2))[0]
>>> note.split(", ")[0]
'observed: the excluded region reaches the top of the coupling grid (epsilon = 0.01) at m = 0.2-0.3 GeV'
>>> note.endswith("extend --coupling-range")
True
"""

from __future__ import annotations

__all__ = ["grid_edge_contacts", "edge_notes", "band_edges", "band_mass_reach"]

import numpy as np

#: side -> (index into the excluded map, what the grid edge is, option that moves it)
_SIDES = {
    "coupling_high": ((slice(None), -1), "top of the coupling grid", "--coupling-range"),
    "coupling_low": ((slice(None), 0), "bottom of the coupling grid", "--coupling-range"),
    "mass_low": ((0, slice(None)), "lowest mass of the grid", "--mass-range"),
    "mass_high": ((-1, slice(None)), "highest mass of the grid", "--mass-range"),
}


def grid_edge_contacts(excluded, masses, couplings) -> dict[str, list[float]]:
    """{side: [low, high]} for each grid side with excluded cells on it: along a coupling edge the mass range
    (GeV) of those cells, along a mass edge their coupling range. Sides not touched are absent."""
    ex = np.asarray(excluded, bool)
    out = {}
    for side, (index, _, _) in _SIDES.items():
        hit = ex[index]
        if hit.any():
            along = np.asarray(masses if side.startswith("coupling") else couplings, float)[hit]
            out[side] = [float(along.min()), float(along.max())]
    return out


def edge_notes(label: str, contacts: dict, masses, couplings, coupling_name: str, model_mass_range) -> list[str]:
    """One line per touched side: where the ``label`` exclusion is open and which option to extend.

    A mass edge at the model's validity limit (``model_mass_range``, GeV) cannot be extended: said so instead."""
    notes = []
    for side, (a, b) in contacts.items():
        _, where, option = _SIDES[side]
        if side.startswith("coupling"):
            c = float(couplings[-1] if side == "coupling_high" else couplings[0])
            place = f"{where} ({coupling_name} = {c:.3g}) at m = {a:.3g}-{b:.3g} GeV"
        else:
            m = float(masses[0] if side == "mass_low" else masses[-1])
            place = f"{where} (m = {m:.3g} GeV) at {coupling_name} = {a:.3g}-{b:.3g}"
            limit = model_mass_range[0 if side == "mass_low" else 1]
            if np.isclose(m, limit, rtol=0.01):
                notes.append(f"{label}: the excluded region reaches the {place}, the model's validity limit: the "
                             "contour is cut there by the model")
                continue
        notes.append(f"{label}: the excluded region reaches the {place}, the contour is open there: extend {option}")
    return notes


def _log_ratio_at(masses, ratio, at: float) -> np.ndarray | None:
    """log(N/N_UL) along the coupling axis at mass ``at`` (GeV): linear in log m between the two grid columns
    around it (None outside the grid). The yield is smooth in m away from thresholds, so log-log interpolation
    between columns 2-6 % apart is good to a few % in N, i.e. ~1 % in epsilon at the lower edge."""
    lm = np.log(np.asarray(masses, float))
    x = np.log(at)
    if not lm[0] <= x <= lm[-1]:
        return None
    i = int(np.clip(np.searchsorted(lm, x) - 1, 0, lm.size - 2))
    t = (x - lm[i]) / (lm[i + 1] - lm[i])
    with np.errstate(divide="ignore"):
        lr = np.log(np.maximum(np.asarray(ratio, float), 1e-300))
    return (1 - t) * lr[i] + t * lr[i + 1]


def band_edges(masses, couplings, ratio, at: float) -> dict:
    """Lower and upper edge of the excluded coupling band at mass ``at`` (GeV) from ``ratio`` = N/N_UL on the grid
    (n_mass, n_coupling): the outermost couplings where N = N_UL, log-linearly interpolated between grid points.
    An edge the exclusion reaches the grid boundary with is None (open, see :func:`grid_edge_contacts`), as are
    both when nothing is excluded at ``at``.

    >>> m, g = np.array([0.2, 0.4]), np.geomspace(1e-8, 1e-4, 5)
    >>> r = np.tile([0.1, 10.0, 10.0, 10.0, 0.1], (2, 1))        # excluded at 1e-7 .. 1e-5
    >>> e = band_edges(m, g, r, 0.3)
    >>> round(e["lower"] * 1e8, 2), round(e["upper"] * 1e5, 2)
    (3.16, 3.16)
    """
    out = {"mass_gev": float(at), "lower": None, "upper": None}
    lr = _log_ratio_at(masses, ratio, at)
    if lr is None or not np.any(lr > 0):
        return out
    lg = np.log(np.asarray(couplings, float))
    pos = np.nonzero(lr > 0)[0]

    def cross(k):          # N = N_UL between couplings k and k + 1
        return float(np.exp(lg[k] + (0.0 - lr[k]) / (lr[k + 1] - lr[k]) * (lg[k + 1] - lg[k])))

    if pos[0] > 0:
        out["lower"] = cross(pos[0] - 1)
    if pos[-1] < lg.size - 1:
        out["upper"] = cross(pos[-1])
    return out


def band_mass_reach(masses, ratio) -> float | None:
    """Largest mass (GeV) excluded at any coupling: where the column maximum of N/N_UL falls through 1 above the
    last excluded grid mass (log-log interpolation between the two columns); None when nothing is excluded or the
    exclusion reaches the grid's highest mass (open there)."""
    with np.errstate(divide="ignore"):
        top = np.log(np.maximum(np.asarray(ratio, float), 1e-300)).max(axis=1)
    pos = np.nonzero(top > 0)[0]
    if pos.size == 0 or pos[-1] == top.size - 1:
        return None
    k = pos[-1]
    lm = np.log(np.asarray(masses, float))
    return float(np.exp(lm[k] + top[k] / (top[k] - top[k + 1]) * (lm[k + 1] - lm[k])))
