"""Weighted cut flow and region yields on an event table (pyarrow Table or dict of numpy arrays).

Each event carries a base weight ``weight_gen * decay_prob`` (generation weight times the exact
probability that the beam kaon decays in the generated z window, ``simulation/schema.py``), so
weighted sums count kaon decays. Efficiencies are relative to the weighted number of decays with
the *true* vertex inside the selection's fiducial z range, i.e. they are acceptances per K+ decay in
the fiducial volume, the quantity that multiplies N_K in the SES.

Statistical errors of weighted sums are sqrt(sum w^2).

>>> import numpy as np
>>> from kaonportal.selection import load_selection
>>> ev = demo_events(2000, seed=3)
>>> cf = cut_flow(load_selection("pnn-2022"), ev)
>>> cf.rows[0].id, 0.0 < cf.rows[0].cumulative < 1.0
('single_track', True)
>>> bool(cf.acceptance <= cf.rows[-2].cumulative)
True
"""

from __future__ import annotations

__all__ = ["CutFlowRow", "CutFlow", "cut_flow", "cut_weights", "region_mask", "column", "float_column",
           "event_base_weight", "demo_events"]

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .definition import Selection


def column(events, name: str) -> np.ndarray:
    """A column as a numpy array (float/bool), from a pyarrow Table or a mapping; InputError if absent.
    Names of :mod:`.derived` quantities absent from the table are computed from their source columns."""
    from .derived import DERIVED, derived_column
    if name in DERIVED and not _has(events, name):
        return derived_column(events, name)
    try:
        if hasattr(events, "column_names"):
            if name not in events.column_names:
                raise KeyError(name)
            col = events.column(name)
            arr = col.to_numpy(zero_copy_only=False) if hasattr(col, "to_numpy") else np.asarray(col)
        else:
            arr = np.asarray(events[name])
    except KeyError:
        raise InputError("events", f"event table has no column {name!r} (see kaonportal.simulation.schema)") from None
    return arr


def float_column(events, name: str) -> np.ndarray:
    """:func:`column` as float64: the column itself when it already is float64 (a view, no copy: memory of
    the pnn budget, issue 17), else a converted copy (float32 file columns, ints, bools)."""
    return np.asarray(column(events, name), dtype=float)


def _n_rows(events) -> int:
    return events.num_rows if hasattr(events, "num_rows") else len(next(iter(events.values())))


def event_base_weight(events) -> np.ndarray:
    """weight_gen * decay_prob (each factor 1 if the column is absent)."""
    n = _n_rows(events)
    w = np.ones(n)
    names = events.column_names if hasattr(events, "column_names") else list(events)
    for c in ("weight_gen", "decay_prob"):
        if c in names:
            w = w * float_column(events, c)
    return w


@dataclass(frozen=True)
class CutFlowRow:
    """One line of the cut-flow table (weighted sums in units of the base weight)."""

    id: str
    label: str
    condition: str
    weighted: float
    error: float
    raw: int
    efficiency: float        # relative to the previous step
    cumulative: float        # relative to fiducial decays


@dataclass
class CutFlow:
    """Result of :func:`cut_flow`: rows, the per-event final weights and the normalisation."""

    selection: str
    rows: list[CutFlowRow]
    weights: np.ndarray                       # per-event weight after every applied cut (0 if failed)
    total: float                              # weighted fiducial decays (denominator)
    skipped: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def acceptance(self) -> float:
        """Weighted fraction of fiducial decays passing every applied cut (no region requirement)."""
        return self.rows[-1].cumulative if self.rows else 1.0

    def yield_in(self, mask: np.ndarray) -> tuple[float, float]:
        """(acceptance, stat. error) of the selected events inside ``mask``, per fiducial decay."""
        w = self.weights[mask]
        if self.total <= 0:
            return 0.0, 0.0
        return float(w.sum() / self.total), float(math.sqrt(float(np.sum(w * w))) / self.total)

    def as_records(self) -> list[dict]:
        return [r.__dict__.copy() for r in self.rows]


def region_mask(selection: Selection, events, region_id: str) -> np.ndarray:
    """Events inside region ``region_id`` (every window ``low <= x < high`` holds)."""
    reg = selection.region(region_id)
    m = np.ones(_n_rows(events), dtype=bool)
    for col, (lo, hi) in reg.windows.items():
        x = float_column(events, col)
        m &= (x >= lo) & (x < hi)
    return m


def signal_region_mask(selection: Selection, events) -> np.ndarray:
    """Events inside any of the selection's signal regions (e.g. R1 or R2 of the pnn selections)."""
    m = np.zeros(_n_rows(events), dtype=bool)
    for r in selection.signal_regions():
        m |= region_mask(selection, events, r.id)
    return m


def cut_flow(selection: Selection, events, *, skip=(), extra_weights=(), base_weight=None) -> CutFlow:
    """Apply ``selection``'s cuts in order (minus the ids in ``skip``), weighting each step.

    Parameters
    ----------
    skip: cut ids to leave out (control samples, normalisation sample).
    extra_weights: further weight columns to multiply in at the end (e.g. ``w_pid_mu``).
    base_weight: per-event starting weight (default :func:`event_base_weight`).
    """
    w, total, steps = _start(selection, events, skip, extra_weights, base_weight, None)
    rows: list[CutFlowRow] = []
    prev = total
    for cut in steps:
        w = _apply(cut, events, w, None)
        s = float(w.sum())
        rows.append(CutFlowRow(id=cut.id, label=cut.label, condition=cut.describe(), weighted=s,
                               error=float(math.sqrt(float(np.sum(w * w)))), raw=int(np.count_nonzero(w)),
                               efficiency=s / prev if prev > 0 else 0.0,
                               cumulative=s / total if total > 0 else 0.0))
        prev = s
    return CutFlow(selection=selection.name, rows=rows, weights=w, total=total, skipped=tuple(skip))


def cut_weights(selection: Selection, events, *, skip=(), extra_weights=(), base_weight=None,
                memo: dict | None = None) -> CutFlow:
    """:func:`cut_flow` without its table: the same final per-event weights and fiducial total (the same
    operations in the same order, so the same bits), ``rows`` empty. For analyses that need only weighted
    yields, block by block (the pnn budget: issue 17, the per-cut sums were a third of its cost).

    ``memo``: a dict that lives as long as ``events`` (and is used with no other table): the per-cut pass
    masks and cleaned weight factors are computed once and reused by every call with the same dict (e.g. the
    full selection and its control selection without one cut on the same block).
    """
    w, total, steps = _start(selection, events, skip, extra_weights, base_weight, memo)
    if not steps:       # w may be the memo's own array: the caller must not get (and modify) it
        w = w.copy()
    for cut in steps:
        w = _apply(cut, events, w, memo)
    return CutFlow(selection=selection.name, rows=[], weights=w, total=total, skipped=tuple(skip))


def _start(selection: Selection, events, skip, extra_weights, base_weight, memo):
    """(fiducial base weights, their sum, the steps to apply) of :func:`cut_flow`."""
    ids = selection.cut_ids()
    unknown = [s for s in skip if s not in ids]
    if unknown:
        raise InputError("skip", f"unknown cut id(s) {unknown}; known: {', '.join(ids)}")
    steps = [c for c in selection.cuts if c.id not in skip]
    steps += [_WeightStep(x) for x in extra_weights]
    key = ("base", tuple(selection.fiducial_z))
    if base_weight is None and memo is not None and key in memo:
        w, total = memo[key]
        return w, total, steps
    n = _n_rows(events)
    w = event_base_weight(events) if base_weight is None else np.asarray(base_weight, dtype=float).copy()
    if w.shape != (n,):
        raise InputError("base_weight", f"needs one weight per event ({n}), got shape {w.shape}")
    zt = float_column(events, "true_vertex_z") if _has(events, "true_vertex_z") else None
    if zt is not None:
        z1, z2 = selection.fiducial_z
        w = np.where((zt >= z1) & (zt <= z2), w, 0.0)
    total = float(w.sum())
    if base_weight is None and memo is not None:
        memo[key] = (w, total)      # never modified in place: every step makes a new array
    return w, total, steps


def _apply(cut, events, w: np.ndarray, memo: dict | None) -> np.ndarray:
    """The weights ``w`` after one step of the cut flow (a new array; ``memo``: see :func:`cut_weights`)."""
    if cut.kind == "efficiency":
        return w * cut.efficiency
    key = (cut.kind, getattr(cut, "column", None), getattr(cut, "versus", None), getattr(cut, "slope", None),
           getattr(cut, "low", None), getattr(cut, "high", None), getattr(cut, "flag", None), cut.weight)
    factor = memo.get(key) if memo is not None else None
    if factor is None:
        factor = _factor(cut, events)
        if memo is not None:
            memo[key] = factor
    if cut.kind == "weight":
        f, clean, all_finite, in_range = factor
        if (not all_finite and np.any(~np.isfinite(f[w > 0]))) or not in_range:
            raise InputError(f"events.{cut.weight}", "weight column must be a probability in [0, 1]")
        return w * clean
    return np.where(factor, w, 0.0)


def _factor(cut, events):
    """Pass mask of a column or flag cut; (column, cleaned column, all finite, inside [0, 1]) of a weight."""
    if cut.kind == "column":
        x = float_column(events, cut.column)
        ok = np.isfinite(x)
        # bounds linear in another quantity when ``versus`` is given: low + slope * versus, ...
        shift = 0.0
        if cut.versus is not None:
            v = float_column(events, cut.versus)
            ok &= np.isfinite(v)
            shift = cut.slope * np.where(np.isfinite(v), v, 0.0)
        if cut.low is not None:
            ok &= x >= cut.low + shift
        if cut.high is not None:
            ok &= x <= cut.high + shift
        return ok
    if cut.kind == "flag":
        return column(events, cut.flag).astype(bool)
    f = float_column(events, cut.weight)
    finite = np.isfinite(f)
    in_range = not (np.any(f < 0) or np.any(f > 1 + 1e-9))
    return f, np.where(finite, f, 0.0), bool(finite.all()), in_range


def _has(events, name: str) -> bool:
    names = events.column_names if hasattr(events, "column_names") else list(events)
    return name in names


@dataclass(frozen=True)
class _WeightStep:
    weight: str

    @property
    def kind(self) -> str:
        return "weight"

    @property
    def id(self) -> str:
        return f"extra:{self.weight}"

    @property
    def label(self) -> str:
        return f"control-sample weight {self.weight}"

    def describe(self) -> str:
        return f"x {self.weight}"


def demo_events(n: int, seed: int) -> dict[str, np.ndarray]:
    """A small synthetic table with the contract columns, for examples and unit tests of the
    cut-flow machinery only (flat/Gaussian toy distributions, *not* a physics simulation).

    >>> sorted(demo_events(3, seed=1))[:3]
    ['beam_dxdz', 'beam_dydz', 'cda']
    """
    rng = np.random.default_rng(seed)
    z = rng.uniform(100.0, 170.0, n)
    return {
        "weight_gen": np.ones(n), "decay_prob": np.full(n, 0.1),
        "true_vertex_z": z, "vertex_z": z + rng.normal(0, 0.5, n),
        "n_tracks": rng.choice([1, 1, 1, 2, 3], n), "in_acceptance": rng.random(n) < 0.7,
        "p_beam": rng.normal(75.0, 0.75, n), "beam_dxdz": rng.normal(1.2e-3, 1e-4, n),
        "beam_dydz": rng.normal(0.0, 1e-4, n), "cda": np.abs(rng.normal(0, 0.01, n)),
        "p_track": rng.uniform(5, 60, n), "m2miss_pi": rng.uniform(-0.06, 0.2, n),
        "track_x_straw1": rng.uniform(-0.9, 1.0, n), "track_y_straw1": rng.uniform(-0.9, 0.9, n),
        "m2miss_pi_nominal": rng.uniform(-0.06, 0.2, n),
        "w_pid_pi": rng.uniform(0.5, 1, n), "w_pid_mu": rng.uniform(0, 0.01, n),
        "w_photon_veto": rng.uniform(0, 1, n), "n_photons": rng.integers(0, 3, n),
    }
