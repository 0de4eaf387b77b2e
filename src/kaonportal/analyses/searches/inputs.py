"""User inputs of the new-physics searches: mass grids, injected signals and observed-candidate files (bookkeeping
and units checks; every search cites its own physics). Re-exported by :mod:`.common`.

>>> check_mass_grid("masses", [0.05, 0.2], [(0.0, 0.110), (0.154, 0.260)]).tolist()
[0.05, 0.2]
>>> check_mass_grid("masses", [0.13], [(0.0, 0.110), (0.154, 0.260)])
Traceback (most recent call last):
...
kaonportal.errors.InputError: masses[0]: 0.13 GeV is outside the allowed range(s) [0, 0.11] or [0.154, 0.26] GeV
"""

from __future__ import annotations

__all__ = ["M2MISS_ALLOWED_K", "CANDIDATE_SUFFIXES", "check_mass_grid", "inject_pair_problem", "check_inject",
           "mass_grid", "read_candidates"]

import csv
import io
import math
from pathlib import Path
from typing import Sequence

import numpy as np

from ...constants import mass as _mass
from ...errors import InputError


def check_mass_grid(field: str, masses, ranges: Sequence[tuple[float, float]], unit: str = "GeV") -> np.ndarray:
    """Validate mass hypotheses: finite and each inside one of the closed ``ranges``."""
    try:
        m = np.atleast_1d(np.asarray(masses, dtype=float)).ravel()
    except (TypeError, ValueError):
        raise InputError(field, f"must be numbers ({unit}), got {masses!r}") from None
    if m.size == 0:
        raise InputError(field, "no mass hypotheses given")
    allowed = " or ".join(f"[{lo:.6g}, {hi:.6g}]" for lo, hi in ranges)
    for i, v in enumerate(m):
        if not math.isfinite(v):
            raise InputError(f"{field}[{i}]", f"must be finite, got {v!r}")
        if not any(lo - 1e-12 <= v <= hi + 1e-12 for lo, hi in ranges):
            raise InputError(f"{field}[{i}]", f"{v:.6g} {unit} is outside the allowed range(s) {allowed} {unit}")
    return m


def inject_pair_problem(inject) -> str | None:
    """What is wrong with an injected signal ``[mass GeV, selected signal events]`` as a pair (two numbers,
    finite events >= 0), None when nothing: the one check behind :func:`check_inject` and the configs that
    refuse a bad pair when they are loaded (``KpixConfig``).

    >>> inject_pair_problem([0.2, 5.0]) is None, inject_pair_problem([0.2])
    (True, 'must be [mass GeV, signal events >= 0], got [0.2]')
    """
    if len(inject) != 2 or not (math.isfinite(inject[1]) and inject[1] >= 0):
        return f"must be [mass GeV, signal events >= 0], got {inject!r}"
    return None


def check_inject(field: str, inject, ranges: Sequence[tuple[float, float]], with_candidates: bool) -> None:
    """Validate an injected signal ``[mass GeV, selected signal events]``: two numbers, finite events >= 0, the
    mass inside ``ranges``; refused together with a candidate file (``with_candidates``), because the signal is
    added to the pseudo-data that a candidate file replaces.

    >>> check_inject("inject", [0.2, 5.0], [(0.1, 0.3)], with_candidates=False)
    >>> check_inject("inject", [0.2, -1.0], [(0.1, 0.3)], with_candidates=False)
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: inject: must be [mass GeV, signal events >= 0], got [0.2, -1.0]
    """
    problem = inject_pair_problem(inject)
    if problem:
        raise InputError(field, problem)
    check_mass_grid(field, [inject[0]], ranges)
    if with_candidates:
        raise InputError(field, "adds signal to the pseudo-data; not allowed with candidates_file")


def mass_grid(ranges: Sequence[tuple[float, float]], step: float) -> np.ndarray:
    """Evenly spaced hypotheses covering each range (both ends included), GeV.

    >>> mass_grid([(0.0, 0.01), (0.02, 0.03)], 0.005).round(4).tolist()
    [0.0, 0.005, 0.01, 0.02, 0.025, 0.03]
    """
    parts = [np.linspace(lo, hi, max(2, int(round((hi - lo) / step)) + 1)) for lo, hi in ranges]
    return np.concatenate(parts)


CANDIDATE_SUFFIXES = (".csv", ".txt")


#: allowed squared missing mass of a user candidate in a K+ search (GeV^2/c^4): |m2miss| <= m_K^2. A units
#: check (D): every K+ -> (charged) + invisible candidate lies far inside it, and a file in MeV^2 fails it.
M2MISS_ALLOWED_K = (-_mass("K+") ** 2, _mass("K+") ** 2)


def read_candidates(path: str | Path, column: str, allowed: tuple[float, float] | None = None,
                    unit: str = "GeV^2/c^4", field: str = "candidates") -> np.ndarray:
    """Observed candidates from a CSV text file (``.csv`` or ``.txt``; ``#`` comment lines, a header
    line naming the columns, one candidate per line).

    The values of ``column`` are returned (e.g. ``m2miss`` in GeV^2/c^4); ``allowed = (low, high)``: every
    value must lie in it (a units check, e.g. MeV^2 instead of GeV^2). A header with no data line is a
    valid list of zero candidates. A missing or unreadable (binary, not UTF-8) file, another extension,
    a missing column, a short line or a non-numeric, non-finite or out-of-range value is an
    :class:`InputError` naming ``field``, the file, the line and the column.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = p.write_text("# candidates\\nm2miss,p_track\\n0.004,20\\n0.05,31\\n")
    >>> read_candidates(p, "m2miss").tolist()
    [0.004, 0.05]
    >>> read_candidates(p, "m2miss", allowed=(-0.1, 0.01))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: candidates: ..., data line 3: m2miss = 0.05 GeV^2/c^4 is outside the allowed range [-0.1, 0.01] GeV^2/c^4
    >>> _ = p.write_text("p_track\\n20\\n")
    >>> read_candidates(p, "m2miss")
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: candidates: ... has no column 'm2miss' (columns: p_track)
    """
    p = Path(path)
    if not p.exists():
        raise InputError(field, f"file {p} does not exist")
    if not p.is_file():
        raise InputError(field, f"{p} is not a file")
    if p.suffix.lower() not in CANDIDATE_SUFFIXES:
        raise InputError(field, f"{p}: expected a CSV text file ({' or '.join(CANDIDATE_SUFFIXES)}) with a "
                                f"{column!r} column, got a {p.suffix or 'file without extension'!r}")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(field, f"{p} is not a UTF-8 CSV text file (binary or corrupt?); expected a header "
                                f"line with a {column!r} column") from None
    if "\x00" in text:
        raise InputError(field, f"{p} is not a CSV text file (NUL bytes: binary or corrupt?)")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError(field, f"{p} is empty (no header line; expected a {column!r} column)")
    reader = csv.reader(io.StringIO("\n".join(lines)))
    rows = list(reader)
    header = [h.strip() for h in rows[0]]
    if column not in header:
        raise InputError(field, f"{p} has no column {column!r} (columns: {', '.join(header)})")
    j = header.index(column)
    rng = None if allowed is None else f"[{allowed[0]:.6g}, {allowed[1]:.6g}] {unit}"
    vals = []
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InputError(field, f"{p}, data line {i}: {len(row)} values for {len(header)} columns")
        try:
            v = float(row[j])
        except ValueError:
            raise InputError(field, f"{p}, data line {i}: non-numeric {column} value {row[j]!r}"
                                    + (f" (allowed range {rng})" if rng else "")) from None
        if not math.isfinite(v):
            raise InputError(field, f"{p}, data line {i}: {column} must be finite, got {row[j]!r}"
                                    + (f" (allowed range {rng})" if rng else ""))
        if allowed is not None and not allowed[0] <= v <= allowed[1]:
            raise InputError(field, f"{p}, data line {i}: {column} = {v:.6g} {unit} is outside the allowed range {rng}")
        vals.append(v)
    return np.asarray(vals, dtype=float)
