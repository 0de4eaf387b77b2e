"""90% CL exclusion contours in the (mass, coupling) plane from a :class:`~.yields.YieldGrid`.

A cell is excluded when the expected signal N(m, g) exceeds the upper limit on the signal mean for the
observed count and the expected background, ``kaonportal.stats.poisson_upper_limit(observed, background,
cl)`` (CLs by default; 2.303 events for 0 observed and no background).

The observed count may depend on the mass hypothesis (:func:`observed_per_mass`): an observed event with a
reconstructed invariant mass m_obs passes the selection of hypothesis m_X only inside the signal's own
invariant-mass window, |m_obs - m_X| < n sigma_m(m_X) (:attr:`.yields.YieldGrid.mass_window_halfwidth`), so it
weakens the limit only near m_obs (the notch of NA62's mu mu contour at the event's 411 MeV,
[NA62:2023dpmumu; Peruzzo:2022discrete]). The background stays the published total of the signal region at every
mass: its distribution in m is not published, and the total is the conservative choice. Expected bands use the
background-only expectation: the limit for the count at the 2.3, 15.9, 50, 84.1, 97.7% quantiles of
Poisson(background) (a counting experiment's expected band). Projections to other N_POT scale the signal
linearly and, unless told otherwise, the background too.

Contour lines are traced by matplotlib's contouring (``Axes.contour(...).allsegs``) on the log10 grid of
N / N_UL at level 1 and returned in linear units.

>>> import numpy as np
>>> from kaonportal.beamdump.contours import contour_lines
>>> m = np.geomspace(0.1, 1, 20); g = np.geomspace(1e-8, 1e-4, 30)
>>> ratio = np.exp(-((np.log10(g)[None, :] + 6) ** 2)) * 10 * np.ones((20, 1))
>>> lines = contour_lines(m, g, ratio)
>>> len(lines) >= 1
True
"""

from __future__ import annotations

__all__ = ["Exclusion", "exclusion", "projection", "contour_lines", "expected_quantile_counts", "excluded_area",
           "observed_per_mass"]

from dataclasses import dataclass, field

import numpy as np
from scipy import stats as _st

from ..errors import InputError, check_range
from .yields import YieldGrid

_QUANTILES = {"minus2": 0.02275, "minus1": 0.15866, "median": 0.5, "plus1": 0.84134, "plus2": 0.97725}


def _poisson_ul(observed: int, background: float, cl: float, method: str) -> float:
    from ..stats import poisson_upper_limit
    return float(poisson_upper_limit(int(observed), float(background), cl=cl, method=method))


def expected_quantile_counts(background: float) -> dict[str, int]:
    """Counts at the background-only quantiles (band name -> n). ``minus`` = fewer events = stronger limit.

    >>> expected_quantile_counts(0.1)
    {'minus2': 0, 'minus1': 0, 'median': 0, 'plus1': 0, 'plus2': 1}
    """
    return {k: int(_st.poisson.ppf(q, background)) if background > 0 else 0 for k, q in _QUANTILES.items()}


def observed_per_mass(grid: YieldGrid, events: dict, n_everywhere: int = 0) -> np.ndarray:
    """Observed count at each grid mass (int array, (n_mass,)).

    ``events``: channel -> reconstructed masses (GeV) of its observed events; an event counts at m_X when
    |m_obs - m_X| < the half-width of that channel's invariant-mass window at m_X (inf where the signal selection
    applied no mass cut, e.g. the window switched off: the event counts at every mass). Key ``None``: events
    whose channel is not given, counted inside the widest window of the grid's channels (any of their selections
    could have kept them). ``n_everywhere``: events without a mass, counted at every mass. A grid without
    window information counts every event at every mass.

    >>> import numpy as np
    >>> from kaonportal.beamdump.yields import YieldGrid
    >>> m = np.array([0.30, 0.40, 0.41, 0.42, 0.50])
    >>> g = YieldGrid("x", "eps", m, np.ones(2), np.zeros((5, 2)), np.zeros((5, 2)), channels=("mumu",),
    ...               mass_window_halfwidth={"mumu": 0.025 * m})      # 3 sigma_m, sigma_m ~ 0.8 % of m
    >>> observed_per_mass(g, {"mumu": [0.411]}).tolist()
    [0, 0, 1, 1, 0]
    >>> observed_per_mass(g, {"mumu": [0.411]}, n_everywhere=1).tolist()
    [1, 1, 2, 2, 1]
    """
    n_m = np.size(grid.masses)
    width = getattr(grid, "mass_window_halfwidth", None) or {}
    counts = np.full(n_m, int(n_everywhere), dtype=int)
    for ch, masses_obs in events.items():
        if not width:
            hw = np.full(n_m, np.inf)
        elif ch is None:
            hw = np.max([np.asarray(width[c], float) for c in grid.channels if c in width], axis=0)
        else:
            hw = np.asarray(width.get(ch, np.full(n_m, np.inf)), float)
        for m_obs in np.atleast_1d(np.asarray(masses_obs, float)):
            counts += np.abs(m_obs - np.asarray(grid.masses, float)) < hw
    return counts


def contour_lines(masses, couplings, ratio) -> list[np.ndarray]:
    """Closed/open lines where ``ratio`` (n_mass, n_coupling) crosses 1, as (k, 2) arrays (mass, coupling)."""
    from matplotlib.figure import Figure

    ratio = np.asarray(ratio, float)
    if ratio.shape != (np.size(masses), np.size(couplings)):
        raise InputError("ratio", f"shape {ratio.shape} does not match the grid")
    if np.size(masses) < 2 or np.size(couplings) < 2 or not np.any(ratio > 1) or not np.any(ratio <= 1):
        return []
    lm, lg = np.log10(masses), np.log10(couplings)
    with np.errstate(divide="ignore"):
        z = np.log10(np.maximum(ratio, 1e-300)).T
    fig = Figure()
    ax = fig.add_subplot()
    cs = ax.contour(lm, lg, z, levels=[0.0])
    segs = [10.0 ** np.asarray(s) for s in cs.allsegs[0] if len(s) > 1]
    return segs


def excluded_area(masses, couplings, excluded) -> float:
    """Excluded area in decades^2 of the (log10 m, log10 g) plane (cell-count estimate)."""
    lm, lg = np.log10(masses), np.log10(couplings)
    dm = np.gradient(lm) if lm.size > 1 else np.ones(1)
    dg = np.gradient(lg) if lg.size > 1 else np.ones(1)
    return float(np.sum(np.asarray(excluded, bool) * dm[:, None] * dg[None, :]))


@dataclass
class Exclusion:
    """Exclusion for one N_POT: maps (n_mass, n_coupling) and contour lines."""
    pot: float
    observed: int                       # observed count (counts per mass: the largest, see observed_per_mass)
    background: float
    cl: float
    method: str
    signal_limit: float                 # N_UL, signal events (the largest over masses: every counted event)
    n_expected: np.ndarray              # signal events per cell
    mc_error: np.ndarray
    excluded: np.ndarray                # bool
    lines: list = field(default_factory=list)
    expected_limits: dict = field(default_factory=dict)   # band -> N_UL
    expected_lines: dict = field(default_factory=dict)    # band -> lines
    masses: np.ndarray | None = None
    couplings: np.ndarray | None = None
    observed_per_mass: np.ndarray | None = None   # N_obs at each mass (None: ``observed`` at every mass)
    limit_per_mass: np.ndarray | None = None      # N_UL at each mass (None: ``signal_limit`` at every mass)

    @property
    def ratio(self) -> np.ndarray:
        """N / N_UL per cell (> 1: excluded), with the mass-dependent limit when the count depends on the mass."""
        lim = self.signal_limit if self.limit_per_mass is None else np.asarray(self.limit_per_mass)[:, None]
        return self.n_expected / lim

    @property
    def area(self) -> float:
        return excluded_area(self.masses, self.couplings, self.excluded)

    def summary(self) -> dict:
        ex = self.excluded
        d = {"pot": self.pot, "observed": self.observed, "background": self.background, "cl": self.cl,
             "method": self.method, "signal_events_limit": self.signal_limit,
             "expected_signal_events_limit": self.expected_limits,
             "excluded_cells": int(ex.sum()), "excluded_area_decades2": self.area,
             "n_lines": len(self.lines)}
        if self.observed_per_mass is not None:
            d["observed_per_mass"] = [int(v) for v in self.observed_per_mass]
            d["signal_events_limit_per_mass"] = [float(v) for v in self.limit_per_mass]
        if ex.any():
            im, ig = np.nonzero(ex)
            d["excluded_mass_range_gev"] = [float(self.masses[im.min()]), float(self.masses[im.max()])]
            d["excluded_coupling_range"] = [float(self.couplings[ig.min()]), float(self.couplings[ig.max()])]
            # relative MC uncertainty of the cells next to the contour (|N/N_UL - 1| < 50%)
            r = self.ratio
            edge = (r > 0.5) & (r < 2.0)
            if edge.any():
                d["contour_mc_rel_error_median"] = float(np.median(self.mc_error[edge] / self.n_expected[edge]))
                d["contour_mc_rel_error_max"] = float(np.max(self.mc_error[edge] / self.n_expected[edge]))
        return d


def exclusion(grid: YieldGrid, pot: float, observed=0, background: float = 0.0, *, cl: float = 0.9,
              method: str = "cls", bands: bool = True) -> Exclusion:
    """Exclusion for ``pot`` protons on target with ``observed`` events over ``background`` expected.

    ``observed``: one count for every mass, or one per grid mass (:func:`observed_per_mass`); the expected bands
    are background-only and do not depend on it."""
    check_range("pot", pot, 0.0, None, unit="POT")
    check_range("background", background, 0.0, None, unit="events")
    per_mass = np.ndim(observed) > 0
    counts = np.atleast_1d(np.asarray(observed, float))
    if per_mass and counts.shape != np.shape(grid.masses):
        raise InputError("observed", f"one count per mass is needed: {counts.size} for {np.size(grid.masses)} masses")
    if np.any(~np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise InputError("observed", f"must be a non-negative integer, got {observed}")
    limits = {int(n): _poisson_ul(int(n), background, cl, method) for n in np.unique(counts)}
    lim_m = np.array([limits[int(n)] for n in counts]) if per_mass else None
    s_ul = max(limits.values())
    n_exp = grid.events(pot)
    err = grid.mc_error(pot)
    ratio = n_exp / (s_ul if lim_m is None else lim_m[:, None])
    excluded = ratio > 1
    lines = contour_lines(grid.masses, grid.couplings, ratio) if pot > 0 else []
    exp_lim, exp_lines = {}, {}
    if bands:
        for name, n in expected_quantile_counts(background).items():
            lim = _poisson_ul(n, background, cl, method)
            exp_lim[name] = lim
            exp_lines[name] = contour_lines(grid.masses, grid.couplings, n_exp / lim) if pot > 0 else []
    n_obs = int(counts.max()) if per_mass else int(counts[0])
    return Exclusion(float(pot), n_obs, float(background), cl, method, s_ul, n_exp, err, excluded,
                     lines, exp_lim, exp_lines, grid.masses, grid.couplings,
                     counts.astype(int) if per_mass else None, lim_m)


def projection(grid: YieldGrid, pot: float, background_per_pot: float = 0.0, *, cl: float = 0.9,
               method: str = "cls") -> Exclusion:
    """Expected (median, background-only) exclusion at ``pot``, with background scaled linearly in POT."""
    b = float(background_per_pot) * float(pot)
    n_med = expected_quantile_counts(b)["median"]
    return exclusion(grid, pot, n_med, b, cl=cl, method=method)

