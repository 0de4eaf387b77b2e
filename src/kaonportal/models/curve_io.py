r"""Reading limit curves (``#``-commented CSV, as in ``shared/reference/curves``) and writing coupling limits.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
>>> _ = path.write_text("# demo\nm_X_MeV,tau_ps,BR_UL90\n100,0,1e-9\n100,100,2e-9\n")
>>> c = read_curve(path)
>>> c.mass_gev.tolist(), c.tau_s.tolist(), c.kind
([0.1, 0.1], [0.0, 1e-10], 'br')
"""

from __future__ import annotations

__all__ = ["Curve", "read_curve", "write_limit_csv"]

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import write_text_atomic
from ..errors import InputError
from ..published import read_curve_csv
from ..yamlio import read_text


@dataclass
class Curve:
    """A limit curve read from a ``#``-commented CSV file."""

    path: str
    mass_gev: np.ndarray
    limit: np.ndarray
    value_column: str
    kind: str                            # "br" or "coupling"
    tau_s: np.ndarray | None = None      # proper lifetime column (s), when present
    header: list[str] = field(default_factory=list)

    @property
    def has_lifetime(self) -> bool:
        return self.tau_s is not None


def read_curve(path) -> Curve:
    """Read a curve CSV like those in ``shared/reference/curves`` (``#`` header, then named columns).

    Mass column: a name starting with ``m`` and ending in ``_MeV`` or ``_GeV`` (converted to GeV).
    Lifetime column (optional): ``tau_ps``, ``tau_ns`` or ``tau_s``. Limit column: the last column;
    it is a branching-ratio limit if its name starts with ``BR``, otherwise a coupling limit.
    """
    path = Path(path)
    parsed = read_curve_csv(read_text(path, "curve"), f"curve {path}")
    header, columns = list(parsed.header), list(parsed.columns)
    data = np.column_stack([parsed.columns[c] for c in columns])
    mass_col = next((i for i, c in enumerate(columns)
                     if c.lower().startswith("m") and re.search(r"_(mev|gev)$", c.lower())), None)
    if mass_col is None:
        raise InputError("curve", f"{path}: no mass column (expected a name like m_X_MeV or m_GeV); "
                                  f"columns: {', '.join(columns)}")
    scale = 1e-3 if columns[mass_col].lower().endswith("_mev") else 1.0
    tau_units = {"tau_ps": 1e-12, "tau_ns": 1e-9, "tau_s": 1.0}
    tau_col = next((i for i, c in enumerate(columns) if c.lower() in tau_units), None)
    value_col = len(columns) - 1
    kind = "br" if columns[value_col].upper().startswith("BR") else "coupling"
    tau = None if tau_col is None else data[:, tau_col] * tau_units[columns[tau_col].lower()]
    masses, limits = data[:, mass_col] * scale, data[:, value_col]
    # a negative/NaN mass or a non-positive limit is a broken file, not "no limit here" (that is nan);
    # caught here so it is not silently dropped as out of range or turned into NaN by log(limit)
    bad_m = ~(np.isfinite(masses) & (masses >= 0))
    if bad_m.any():
        i = int(np.argmax(bad_m))
        raise InputError("curve", f"{path}: column {columns[mass_col]!r} must hold finite masses >= 0, "
                                  f"data row {i + 1} has {float(data[i, mass_col]):g}")
    bad_l = np.isinf(limits) | (limits <= 0)
    if bad_l.any():
        i = int(np.argmax(bad_l))
        raise InputError("curve", f"{path}: column {columns[value_col]!r} must hold limits > 0 (or nan where "
                                  f"there is none), data row {i + 1} has {float(limits[i]):g}")
    return Curve(str(path), masses, limits, columns[value_col], kind, tau, header)


def write_limit_csv(res, path, model, cl_text: str = "as the input") -> None:
    """Write a coupling-limit curve with a ``#`` provenance header."""
    from .. import __version__
    lines = [f"# kaonportal {__version__} models convert: coupling limit for {model.name} ({model.label})",
             f"# model reference: {model.reference}",
             f"# coupling: {res.coupling_name} {model.coupling_unit}".rstrip(),
             f"# confidence level: {cl_text}"]
    for k, v in res.notes.items():
        if k == "input_header":
            lines += [f"# input header: {h}" for h in v]
        else:
            lines.append(f"# {k}: {v}")
    lines.append("# excluded band: coupling_low <= coupling <= coupling_high (inf: up to the scan top; "
                 "nan: nothing excluded)")
    lines.append(f"m_GeV,{res.coupling_name}_low,{res.coupling_name}_high")
    for m, a, b in zip(res.mass_gev, res.coupling_low, res.coupling_high):
        lines.append(f"{m:.6g},{a:.6g},{b:.6g}")
    write_text_atomic(path, "\n".join(lines) + "\n")        # atomic: a killed run leaves no half curve
