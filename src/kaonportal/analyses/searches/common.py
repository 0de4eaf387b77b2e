"""Shared plumbing of the new-physics searches: configuration, simulated samples, limit-curve CSVs and plots;
the user-input checks (mass grids, injected signals, candidate files) are in :mod:`.inputs`, re-exported here.

Nothing here is physics beyond bookkeeping; every search module (:mod:`.pi0_invisible`, :mod:`.lnv`,
:mod:`.hnl`, :mod:`.kpix`) cites its own formulas.
"""

from __future__ import annotations

__all__ = ["M2MISS_ALLOWED_K", "load_search_config", "sample_key", "simulate_sample", "selection_columns", "check_mass_grid", "check_inject", "inject_pair_problem", "read_candidates", "CANDIDATE_SUFFIXES", "write_curve",
           "plot_limit_curves", "weighted_quantile", "selection_weights", "mass_grid", "clear_sample_memo",
           "use_sample_cache", "SampleStore"]

import math
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from pydantic import BaseModel, ValidationError

from ...errors import InputError
from ...yamlio import read_yaml
from ...report.style import latex_text, save, split_at_gaps, styled
from ...report.tables import write_csv
from ...selection import cut_flow, load_selection, region_mask
from ..samples import SampleCache, card_key, derive_seed
# the user-input checks live in .inputs; re-exported here, where every search imports them from
from .inputs import (CANDIDATE_SUFFIXES, M2MISS_ALLOWED_K, check_inject, check_mass_grid, inject_pair_problem,  # noqa: F401
                     mass_grid, read_candidates)

# ------------------------------------------------------------------------------------------------
# configuration


def load_search_config(cls: type[BaseModel], config: str | Path | dict | BaseModel | None = None,
                       field: str = "config") -> BaseModel:
    """A search configuration: the class defaults updated by a YAML file or a mapping (only the keys
    it gives change); :class:`InputError` naming the key on a bad value."""
    if isinstance(config, cls):
        return config
    data: dict[str, Any] = {}
    if isinstance(config, (str, Path)):
        data = read_yaml(config, field)
    elif isinstance(config, dict):
        data = dict(config)
    elif config is not None:
        raise InputError(field, f"must be a YAML path or a mapping, got {type(config).__name__}")
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        msg = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InputError(field, msg) from None


# ------------------------------------------------------------------------------------------------
# simulated samples: Parquet files in the run's cache directory (resumable, as the pnn section) when a
# cache is active (:func:`use_sample_cache`), plus an in-process memo (the searches re-use their samples)


@dataclass
class SampleStore:
    """The active sample cache of the searches and what it did (decays loaded from files / simulated /
    taken from the in-process memo, files written)."""

    cache_dir: Path
    loaded_from_cache: list = field(default_factory=list)
    from_memory: list = field(default_factory=list)
    simulated: list = field(default_factory=list)
    written: list = field(default_factory=list)


_STORE: "ContextVar[SampleStore | None]" = ContextVar("kaonportal_search_sample_store", default=None)
_MEMO: "OrderedDict[tuple, dict[str, np.ndarray]]" = OrderedDict()
_MEMO_MAX = 96


def clear_sample_memo() -> None:
    """Forget the samples kept in memory (the Parquet cache files stay)."""
    _MEMO.clear()


@contextmanager
def use_sample_cache(cache_dir: str | Path | None):
    """Within the block, :func:`simulate_sample` keeps every sample as Parquet in ``cache_dir`` (the
    run's ``DIR/cache``, as :class:`~kaonportal.analyses.samples.SampleCache` does for the pnn section),
    so that a search interrupted and run again simulates nothing it already has. ``None``: memory only.
    Yields the :class:`SampleStore` (``None`` without a directory); nested blocks with the same
    directory share it.

    >>> import tempfile
    >>> with use_sample_cache(tempfile.mkdtemp()) as store:
    ...     store.written
    []
    """
    current = _STORE.get()
    if cache_dir is None:
        store = None
    elif current is not None and current.cache_dir == Path(cache_dir):
        store = current
    else:
        store = SampleStore(Path(cache_dir))
    token = _STORE.set(store)
    try:
        yield store
    finally:
        _STORE.reset(token)


def sample_key(decay: str, n: int, seed: int, card, z_range, mass: float | None = None,
               muon_decays: bool = False, **decay_options) -> tuple[str, tuple, dict]:
    """The one identity of a search sample, ``(card_key, args, options)``: ``args`` and ``options`` are
    what :meth:`SampleCache.get <kaonportal.analyses.samples.SampleCache.get>` takes (so they name the
    Parquet file, :meth:`SampleCache.path`), and the in-process memo key is built from the same triple
    (:func:`_memo_key`): the two cache layers cannot disagree on what a sample is. The simulation seed
    is derived from ``(seed, decay, mass, options)`` (:func:`~kaonportal.analyses.samples.derive_seed`),
    except ``extra_columns`` (optional simulation columns, e.g. ``("n_photons_lkr", "m_gg_lkr")``): they
    add columns to the same events (their own random stream), so they key the sample but not its seed.

    >>> ckey, args, options = sample_key("K+ -> pi+ X", 1000, 7, "na62-2022", (105, 165), mass=0.1)
    >>> ckey, args[0], args[1], args[3:], options
    ('na62m2022', 'K+ -> pi+ X', 1000, ((105.0, 165.0), 0.1), {'muon_decays': False})
    >>> k2 = sample_key("K+ -> pi+ X", 1000, 7, "na62-2022", (105, 165), mass=0.1, extra_columns=["m_gg_lkr"])
    >>> k2[1] == args, k2[2]["extra_columns"]
    (True, ('m_gg_lkr',))
    """
    extra = decay_options.pop("extra_columns", ())
    label = f"{decay}|{mass!r}|{sorted(decay_options.items())!r}|{muon_decays}"
    args = (decay, int(n), derive_seed(seed, label), tuple(float(z) for z in z_range), mass)
    if extra:
        from ...simulation.schema import check_extra_columns
        decay_options["extra_columns"] = check_extra_columns(extra)
    return card_key(card), args, {"muon_decays": muon_decays, **decay_options}


def _memo_key(ckey: str, args: tuple, options: dict, columns) -> tuple:
    """Hashable memo key of :func:`sample_key`'s triple plus the columns kept in memory."""
    return (ckey, args, tuple(sorted((k, repr(v)) for k, v in options.items())), tuple(columns or ()))


def simulate_sample(decay: str, n: int, seed: int, card, z_range, mass: float | None = None,
                    columns: Sequence[str] | None = None, muon_decays: bool = False,
                    **decay_options) -> dict[str, np.ndarray]:
    """Columns of ``n`` simulated ``decay`` events (:func:`kaonportal.simulation.simulate`, weights mode)
    identified by :func:`sample_key`, through
    :meth:`SampleCache.get <kaonportal.analyses.samples.SampleCache.get>`: read from / written to the
    active Parquet cache (:func:`use_sample_cache`), and kept in memory for re-use in the process.
    ``columns``: only these (those the simulation produces), in this order.
    """
    ckey, args, options = sample_key(decay, n, seed, card, z_range, mass, muon_decays, **decay_options)
    key = _memo_key(ckey, args, options, columns)
    store = _STORE.get()
    cache = SampleCache(store.cache_dir if store is not None else None, card, ckey, columns=columns)
    if key in _MEMO:
        _MEMO.move_to_end(key)
        out = _MEMO[key]
        if store is not None:
            store.from_memory.append(decay)
            if not cache.path(*args, **options).is_file():
                import pyarrow as pa
                store.written.append(cache.put(pa.table(out), *args, **options))
        return out
    t = cache.get(*args, **options)
    if store is not None:
        store.loaded_from_cache += cache.loaded_from_cache
        store.simulated += cache.simulated
        store.written += cache.written
    names = t.column_names if columns is None else [c for c in columns if c in t.column_names]
    out = {c: t.column(c).to_numpy(zero_copy_only=False) for c in names}
    _MEMO[key] = out
    while len(_MEMO) > _MEMO_MAX:
        _MEMO.popitem(last=False)
    return out


def selection_columns(selection, extra=()) -> list[str]:
    """Event columns a selection reads (cuts, regions, base weight, true vertex) plus ``extra``: the
    samples kept in memory hold only these."""
    sel = load_selection(selection) if isinstance(selection, (str, Path)) else selection
    try:    # quantities derived from other columns (selection.derived) need their source columns
        from ...selection.derived import source_columns
    except ImportError:  # pragma: no cover - older selection package without derived quantities
        def source_columns(name):
            return (name,)
    names = {"weight_gen", "decay_prob", "true_vertex_z", *extra}
    for c in sel.cuts:
        names |= {x for x in (c.column, c.flag, c.weight, getattr(c, "versus", None)) if x}
    for r in sel.regions:
        names |= set(r.windows)
    return sorted({s for x in names for s in (*source_columns(x), x)})


def selection_weights(selection, events, region: str | None = None, skip=()) -> tuple[np.ndarray, float]:
    """Per-event weights after ``selection``'s cuts (and inside ``region`` if given) and the weighted
    number of fiducial decays (the acceptance denominator), from :func:`kaonportal.selection.cut_flow`."""
    sel = load_selection(selection) if isinstance(selection, (str, Path)) else selection
    cf = cut_flow(sel, events, skip=skip)
    w = cf.weights
    if region is not None:
        w = np.where(region_mask(sel, events, region), w, 0.0)
    return w, cf.total


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles ``q`` of ``x`` with weights ``w`` (linear interpolation of the weighted CDF).

    >>> float(weighted_quantile(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]), 0.5))
    2.0
    """
    x, w = np.asarray(x, float), np.asarray(w, float)
    ok = np.isfinite(x) & (w > 0)
    if not np.any(ok):
        return np.full(np.shape(q), np.nan)
    order = np.argsort(x[ok])
    xs, ws = x[ok][order], w[ok][order]
    c = (np.cumsum(ws) - 0.5 * ws) / ws.sum()
    return np.interp(q, c, xs)


# ------------------------------------------------------------------------------------------------
# outputs


def write_curve(path: Path, what: str, units: str, cl: float | None, inputs: Sequence[str],
                columns: dict[str, Sequence]) -> str:
    """A limit curve as CSV with a ``#`` header: what, units, CL, inputs (as every CSV of :mod:`kaonportal.report`)."""
    names = list(columns)
    n = len(next(iter(columns.values())))
    rows = [{k: _fmt(columns[k][i]) for k in names} for i in range(n)]
    header = [f"what: {what}", f"units: {units}", f"confidence level: {'n/a' if cl is None else f'{cl:g}'}",
              *(f"input: {s}" for s in inputs)]
    from ... import __version__
    header.append(f"produced by kaonportal {__version__}")
    return write_csv(Path(path), header, names, rows)


def _fmt(v):
    if isinstance(v, str):
        return v
    v = float(v)
    return f"{v:.6g}" if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))


@styled
def plot_limit_curves(path_stem: Path, x, observed=None, expected: dict | None = None, *, xlabel: str, ylabel: str,
                      title: str, published: Sequence[tuple[str, Any, Any]] = (), logy: bool = True, logx: bool = False,
                      extra: Sequence[tuple] = (), extra_bands: Sequence[tuple] = (),
                      gaps: Sequence[tuple[float, float]] = ()) -> list[str]:
    """Observed (line) and expected (dashed, +-1/2 sigma bands) limits versus mass next to published
    curves, in the formats of :func:`kaonportal.report.style.plot_formats` (:func:`kaonportal.report.style.save`).

    ``extra``: more curves of this run, ``(label, x, y)`` or ``(label, x, y, style)`` with ``style`` a
    mapping of matplotlib line options (e.g. ``{"color": "C1", "ls": "--"}``); ``extra_bands``:
    ``(label, x, low, high[, style])`` shaded (e.g. another channel's expected +-1 sigma band). The published curves
    are dash-dotted in colours kept apart from this run's extra curves; their labels should be citations
    (:func:`kaonportal.report.style.published_label`). ``gaps``: mass ranges without points (e.g.
    :data:`kaonportal.report.style.PI0_GAP_GEV`) across which no curve or band is drawn."""
    import matplotlib.pyplot as plt

    def cut(xs, *ys):
        return split_at_gaps(xs, ys, gaps)

    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    x = np.asarray(x, float)
    if expected:
        xe, (m2, p2, m1, p1, med) = cut(x, *(expected[k] for k in ("minus2", "plus2", "minus1", "plus1", "median")))
        ax.fill_between(xe, m2, p2, color="#F0E442", lw=0, label=r"expected $\pm 2\sigma$")
        ax.fill_between(xe, m1, p1, color="#009E73", alpha=0.8, lw=0, label=r"expected $\pm 1\sigma$")
        ax.plot(xe, med, "k--", lw=1.2, label="expected (this run)")
    if observed is not None:
        xo, (yo,) = cut(x, observed)
        ax.plot(xo, yo, "k-", lw=1.6, label="observed (this run)")
    own = ["#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#009E73", "#F0E442"]
    for i, item in enumerate(extra_bands):
        label, xs, lo, hi = item[:4]
        style = {"lw": 0, "alpha": 0.25, "color": own[i % len(own)], **(dict(item[4]) if len(item) > 4 else {})}
        xb, (lo, hi) = cut(xs, lo, hi)
        ax.fill_between(xb, lo, hi, label=latex_text(label), **style)
    for i, item in enumerate(extra):
        label, xs, ys = item[:3]
        style = {"lw": 1.4, "color": own[i % len(own)], **(dict(item[3]) if len(item) > 3 else {})}
        xx, (yy,) = cut(xs, ys)
        ax.plot(xx, yy, label=latex_text(label), **style)
    styles = ["#D55E00", "#882255", "#999933", "0.45", "#332288"]      # kept apart from this run's colours
    for i, (label, xs, ys) in enumerate(published):
        xs, (ys,) = cut(xs, ys)
        ax.plot(xs, ys, color=styles[i % len(styles)], lw=1.3, ls="-.", marker="*" if xs.size == 1 else None,
                ms=10, label=latex_text(label))
    if logy:
        ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(latex_text(xlabel))
    ax.set_ylabel(latex_text(ylabel))
    ax.set_title(latex_text(title), fontsize=9)
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=7, loc="best")
    return save(fig, Path(path_stem))
