"""Published limit curves shipped with the package (each file keeps its ``#`` provenance header: source paper, repository, commit).

Each CSV keeps its ``#`` provenance header (source, processing, quantity, units, caveats), which
:func:`load_curve` returns with the numbers so a plot or an export can cite it. Masses are given in
MeV/c^2 in the files; :attr:`PublishedCurve.mass_gev` converts to the package's GeV.

>>> names = list_curves()
>>> "NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData" in names
True
>>> c = load_curve("NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData")
>>> c.mass_column, c.limit_column
('m_N_MeV', 'Ue4sq_UL90')
>>> round(float(c.mass_gev[0]), 3)
0.144
"""

from __future__ import annotations

__all__ = ["SHIPPED_ONLY", "PublishedCurve", "list_curves", "load_curve", "read_curve_csv"]

import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import InputError

_PACKAGE_DIR = "data/curves"

#: Curves shipped here that are not from the project's reference curve collection (name -> origin; details in the
#: file's header). Issue #6 item 7 needs the BC2 pi0 -> gamma A' curve, which that collection lacks.
SHIPPED_ONLY = {
    "NA62_2019_pi0_to_gammaAprime_eps_UL90_DarkCast_digitized":
        "NA62 JHEP 05 (2019) 182 Fig. 7 (epsilon, observed 90% CL), third-party digitisation by DarkCast",
}


@dataclass(frozen=True)
class PublishedCurve:
    """A limit curve: named columns of floats and the provenance header lines (without ``#``)."""

    name: str
    header: tuple[str, ...]
    columns: dict[str, np.ndarray] = field(repr=False)

    @property
    def mass_column(self) -> str:
        return next(c for c in self.columns if c.startswith("m_"))

    @property
    def limit_column(self) -> str:
        return list(self.columns)[-1]

    @property
    def mass_gev(self) -> np.ndarray:
        m = self.columns[self.mass_column]
        return m * 1e-3 if self.mass_column.endswith("_MeV") else m

    @property
    def limit(self) -> np.ndarray:
        return self.columns[self.limit_column]

    @property
    def source(self) -> str:
        """The first provenance line (paper / HEPData record)."""
        return self.header[0] if self.header else ""


def read_curve_csv(text: str, name: str = "curve") -> PublishedCurve:
    """Parse a curve CSV: ``#`` header lines, one line of column names, numeric rows ('nan' allowed)."""
    header, body = [], []
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        (header if s.startswith("#") else body).append(s.lstrip("#").strip() if s.startswith("#") else s)
    if not body:
        raise InputError(name, "no column-name line and no data rows")
    names = [c.strip() for c in body[0].split(",")]
    try:
        data = np.loadtxt(io.StringIO("\n".join(body[1:])), delimiter=",", ndmin=2)
    except ValueError as exc:
        raise InputError(name, f"non-numeric value in the data rows ({exc})") from None
    if data.size == 0:
        raise InputError(name, "no data rows")
    if data.shape[1] != len(names):
        raise InputError(name, f"{data.shape[1]} values per row but {len(names)} column names {names}")
    return PublishedCurve(name, tuple(header), {n: data[:, i] for i, n in enumerate(names)})


def list_curves() -> list[str]:
    """Names (file stems) of the shipped published curves."""
    root = resources.files("kaonportal").joinpath(_PACKAGE_DIR)
    return sorted(Path(p.name).stem for p in root.iterdir() if p.name.endswith(".csv"))


def load_curve(name: str) -> PublishedCurve:
    """Load a shipped curve by name (see :func:`list_curves`)."""
    known = list_curves()
    if name not in known:
        raise InputError("curve", f"unknown curve {name!r}; known: {', '.join(known)}")
    text = resources.files("kaonportal").joinpath(f"{_PACKAGE_DIR}/{name}.csv").read_text()
    return read_curve_csv(text, name)
