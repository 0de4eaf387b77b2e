"""HEPData tables that pass ``hepdata-validate`` as written, with what a reader of the record needs:
a location (the kaonportal file and plot, or the publication a converted curve comes from),
keywords (observables, reactions), units on every numeric variable and a description.

Units follow the package conventions (GeV, GeV/c, ns; masses in GeV/c^2, m2miss in GeV^2/c^4);
dimensionless numbers (branching ratios, couplings, acceptances, efficiencies) say ``dimensionless``
so that no variable is left without units; text columns (a decay, a cut, a background source) have none.
Reactions are written in HEPData's style (``K+ --> PI+ NU NUBAR``).

>>> column_units("m_x_gev"), column_units("inv_fG_observed"), column_units("background_in_window")
('GeV/c^2', 'GeV^-1', 'events')
>>> reactions("upper limit on BR(K+ -> pi+ X, X -> gamma gamma), prompt X, versus m_X")
['K+ --> PI+ X', 'X --> GAMMA GAMMA']
"""

from __future__ import annotations

__all__ = ["column_units", "reactions", "curve_table", "curve_tables", "observables", "KPNN_REACTION"]

import contextlib
import re
import sys
from pathlib import Path

import numpy as np

KPNN_REACTION = "K+ --> PI+ NU NUBAR"

# (regular expression on a curve column name, units); first match wins
_UNIT_RULES = (
    (r"^(m2|sigma_m2).*_gev2$|^sigma_m2miss$|^x_(lo|max)$", "GeV^2/c^4"),   # x_lo/x_max: m2miss_mu window edges
    (r"^(m|sigma_m)(_[a-z]+)?_gev$", "GeV/c^2"),
    (r"^tau_ns$", "ns"),
    (r"^inv_fG", "GeV^-1"),
    (r"^(background|n_observed|observed$|n_pi0_tagged)", "events"),
    (r"significance", "standard deviations"),
)

_PARTICLES = {"K+", "K-", "pi+", "pi-", "pi0", "mu+", "mu-", "e+", "e-", "nu", "nubar", "gamma", "N", "X", "A'",
              "a", "S", "invisible", "eta", "l+", "l-"}


def column_units(name: str) -> str:
    """Units of a kaonportal curve column from its name (see the module docstring)."""
    for pattern, units in _UNIT_RULES:
        if re.search(pattern, name):
            return units
    return "dimensionless"


def _hepdata_decay(parent: str, rest: str) -> str | None:
    daughters = []
    for tok in rest.split():
        if tok not in _PARTICLES:
            break
        daughters.append(tok)
    if parent not in _PARTICLES or not daughters:
        return None
    return f"{parent.upper()} --> {' '.join(d.upper() for d in daughters)}"


def reactions(text: str) -> list[str]:
    """Every decay written ``A -> b c`` in ``text``, in HEPData style, once each."""
    found = []
    for m in re.finditer(r"([A-Za-z0-9+\-']+) -> ([^,;()]*)", text):
        r = _hepdata_decay(m.group(1), m.group(2))
        if r and r not in found:
            found.append(r)
    return found


def observables(columns: list[str]) -> list[str]:
    """The observables of a curve table from its dependent columns (upper limits on a BR, a coupling...)."""
    names = {"br": "BR", "u2": "|U|^2", "eps2": "EPSILON^2", "epsilon": "EPSILON", "g_Y": "G_Y",
             "inv_fG": "1/F_G", "sin2theta": "SIN^2(THETA)", "acceptance": "ACC", "ses": "SES"}
    out = []
    for c in columns:
        for key, obs in names.items():
            if c == key or c.startswith(key + "_"):
                if obs not in out:
                    out.append(obs)
                break
    return out


def _parse_curve(path: Path) -> tuple[dict, list[str], list[list[str]]]:
    text = path.read_text()
    header = {}
    for ln in text.splitlines():
        if ln.startswith("#"):
            key, _, value = ln[1:].strip().partition(":")
            header.setdefault(key.strip(), []).append(value.strip())
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return header, lines[0].split(","), [ln.split(",") for ln in lines[1:]]


def _location(path: Path, header: dict, published: bool) -> str:
    if published:
        m = next((re.search(r"kaonportal curve (\w+)", s) for s in header.get("input", [])
                  if "kaonportal curve" in s), None)
        if m:
            from .style import published_label
            try:
                return f"{published_label(m.group(1))}, converted by kaonportal (file curves/{path.name})"
            except Exception:  # noqa: BLE001 - an unknown curve name: say where the numbers are
                pass
        return f"published curve converted by kaonportal (file curves/{path.name})"
    return f"kaonportal prediction (this run), file curves/{path.name}"


def curve_table(path: Path, location: str | None = None):
    """A hepdata_lib Table of a curve CSV written by a search section (``DIR/curves/NAME.csv``): first
    column independent, every other column dependent, each with units; location, keywords and the
    description from the CSV's own ``#`` header."""
    from hepdata_lib import Table, Variable
    path = Path(path)
    header, cols, rows = _parse_curve(path)
    what = "; ".join(header.get("what", [path.stem]))
    t = Table(path.stem)
    published = path.stem.endswith("_published")
    t.location = location or _location(path, header, published)
    parts = [what, "units: " + "; ".join(header.get("units", ["see the column units"]))]
    if header.get("confidence level", ["n/a"])[0] not in ("n/a", ""):
        parts.append(f"confidence level {header['confidence level'][0]}")
    parts += header.get("input", [])
    t.description = ". ".join(parts)[:2000]
    text_cols = set()
    for j, col in enumerate(cols):
        vals = [r[j] if j < len(r) else "" for r in rows]
        try:
            num = [float(v) for v in vals]
            vals = [v if np.isfinite(v) else "-" for v in num]
            units = column_units(col)
        except ValueError:
            text_cols.add(col)
            units = ""
        v = Variable(col, is_independent=(j == 0), is_binned=False, units=units)
        v.values = vals
        t.add_variable(v)
    reacts = reactions(what)
    if "decay" in text_cols:    # a table of decays (LNV/LFV): every row's reaction
        j = cols.index("decay")
        reacts += [r for r in (reactions(row[j]) for row in rows) for r in r if r not in reacts]
    t.keywords["observables"] = observables(cols[1:]) or ["limit"]
    if reacts:
        t.keywords["reactions"] = reacts
    return t


def curve_tables(out_dir: Path, prefixes: tuple[str, ...]) -> list:
    """:func:`curve_table` for every ``out_dir/curves/*.csv`` whose name starts with one of ``prefixes``."""
    tables = []
    with contextlib.redirect_stdout(sys.stderr):     # hepdata_lib prints warnings on stdout
        for path in sorted((Path(out_dir) / "curves").glob("*.csv")):
            if path.stem.startswith(prefixes):
                tables.append(curve_table(path))
    return tables
