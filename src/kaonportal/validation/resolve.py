"""kaonportal's value for a registry entry: from a run's summary.json, from a curve CSV the run wrote, or from
a portal model (see :mod:`.registry` for the three kinds of source).

>>> lookup({"a": [{"source": "x", "v": 2.0}]}, "a[source=x].v")
2.0
>>> lookup({"a": {"b": [1, 5]}}, "a.b[1]")
5
>>> lookup({"a": {}}, "a.missing") is None
True
"""

from __future__ import annotations

__all__ = ["lookup", "split_key", "summary_value", "curve_value", "model_value", "read_run_curve",
           "published_curve_value", "stats_value"]

import math
import re
from pathlib import Path

import numpy as np

def split_key(key: str) -> list[str]:
    """Dotted path split on '.' outside brackets: ``'a.b[source=x.y].c'`` -> ``['a', 'b[source=x.y]', 'c']``."""
    parts, depth, cur = [], 0, ""
    for ch in key:
        if ch == "." and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"[": 1, "]": -1}.get(ch, 0)
        cur += ch
    parts.append(cur)
    return parts


def _step(obj, part: str):
    name, _, rest = part.partition("[")
    if name:
        obj = obj.get(name) if isinstance(obj, dict) else None
    for sel in re.findall(r"\[([^\]]*)\]", "[" + rest if rest else ""):
        if obj is None:
            return None
        if "=" in sel:
            field, _, want = sel.partition("=")
            obj = next((x for x in obj if isinstance(x, dict) and str(x.get(field)) == want), None) \
                if isinstance(obj, list) else None
        else:
            try:
                obj = obj[int(sel)]
            except (ValueError, IndexError, TypeError, KeyError):
                return None
    return obj


def lookup(data, key: str):
    """The value at dotted ``key`` in nested dicts/lists (None when any step is missing)."""
    obj = data
    for part in split_key(key):
        if obj is None:
            return None
        obj = _step(obj, part)
    return obj


def _as_float(v) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (list, tuple)) and v:        # published-style [value, error]: take the value
        v = v[0]
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def summary_value(summary: dict, src) -> tuple[float | None, float | None]:
    """(value, error) of a summary source in a run's summary.json (None when not produced)."""
    sec = (summary.get("sections") or {}).get(src.section)
    if not isinstance(sec, dict) or sec.get("status", "done") != "done":
        return None, None
    v = _as_float(lookup(sec, src.key))
    e = _as_float(lookup(sec, src.error_key)) if src.error_key else None
    scale = src.scale
    return (v * scale if v is not None else None), (abs(e * scale) if e is not None else None)


def read_run_curve(path: Path) -> dict[str, np.ndarray] | None:
    """Numeric columns of a curve CSV the run wrote (``#`` header skipped): the searches' reader
    (:func:`kaonportal.analyses.searches.interpretation.read_run_curve`), None if absent or unreadable (an entry
    whose curve the run did not write is ``missing``, not an error)."""
    from ..analyses.searches.interpretation import read_run_curve as read_curve
    from ..errors import InputError
    try:
        return read_curve(path)
    except InputError:
        return None


def _loglin(x: np.ndarray, y: np.ndarray, at: float) -> float | None:
    ok = np.isfinite(x) & np.isfinite(y) & (y > 0)
    x, y = x[ok], y[ok]
    if x.size == 0 or at < x.min() or at > x.max():
        return None
    order = np.argsort(x)
    return float(np.exp(np.interp(at, x[order], np.log(y[order]))))


def window_geomean(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float | None:
    """Geometric mean of the positive finite ``y`` at ``lo <= x <= hi`` (a limit curve's level over a window:
    robust to the point-to-point fluctuations of observed limits and to the grid spacing)."""
    ok = np.isfinite(x) & np.isfinite(y) & (y > 0) & (x >= lo) & (x <= hi)
    return float(np.exp(np.mean(np.log(y[ok])))) if ok.any() else None


def curve_value(run_dir: Path, src) -> float | None:
    """A curve source's value: ``column`` at ``at`` (log-linear interpolation) or its window geometric mean."""
    cols = read_run_curve(Path(run_dir) / src.file)
    if cols is None or src.x_column not in cols or src.column not in cols:
        return None
    x, y = cols[src.x_column], cols[src.column]
    v = _loglin(x, y, src.at) if src.at is not None else window_geomean(x, y, *src.window)
    return v * src.scale if v is not None else None


def model_value(src) -> float | None:
    """A portal model quantity: ``get_model(model, **params).<method>(mass, coupling)`` [``[channel]``]."""
    from ..errors import InputError
    from ..models import get_model
    try:
        m = get_model(src.model, **src.params)
        out = getattr(m, src.method)(src.mass, src.coupling)
    except InputError:          # e.g. a mass outside the model's range: the entry is not produced
        return None
    if isinstance(out, dict):
        out = out.get(src.channel) if src.channel else None
    v = _as_float(np.asarray(out).reshape(-1)[0]) if out is not None else None
    return v * src.scale if v is not None else None


def published_curve_value(spec) -> float | None:
    """The value a :class:`~.registry.CurveRead` describes, re-read from the shipped published curve."""
    from ..published import load_curve
    c = load_curve(spec.name)
    keep = np.ones(c.limit.size, bool)
    for col, val in spec.where.items():
        keep &= np.isclose(c.columns[col], val)
    x, y = c.mass_gev[keep], c.limit[keep]
    return _loglin(x, y, spec.at) if spec.at is not None else window_geomean(x, y, *spec.window)


def stats_value(src) -> tuple[float | None, float | None]:
    """(value, error) of a stats source: kaonportal.stats on the entry's published counting inputs."""
    from ..errors import InputError
    from ..stats import Dataset, measure, upper_limit
    try:
        ds = [Dataset(**d) for d in src.datasets]
        if src.stats == "limit":
            return upper_limit(ds, cl=src.cl, method=src.stats_method, expected=False).upper_limit * src.scale, None
        m = measure(ds)
        if src.stats == "significance":
            return m.significance, None
        return m.value * src.scale, 0.5 * (m.error_low + m.error_high) * src.scale
    except (InputError, TypeError):
        return None, None
