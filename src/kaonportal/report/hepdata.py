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

__all__ = ["column_units", "reactions", "curve_table", "curve_tables", "observables", "write_hepdata", "KPNN_REACTION"]

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


def _plain(value):
    """YAML-safe Python objects: dicts (hepdata_lib's defaultdicts too), lists and numbers without numpy types."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _dump(docs: list, **kw) -> str:
    """YAML text of ``docs`` (one document each) with libyaml's emitter when PyYAML has it (issue 17: the
    pure-Python emitter hepdata_lib uses was half the HEPData time); block style, keys sorted as hepdata_lib."""
    import yaml
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump_all([_plain(d) for d in docs], Dumper=dumper, default_flow_style=False, **kw)


def _table_docs(table) -> tuple[str, dict, dict]:
    """(file name, data document, submission.yaml entry) of a hepdata_lib Table: the documents
    ``Table.write_yaml`` writes (hepdata_lib 0.21), built from the same ``Variable.make_dict``."""
    data = {"independent_variables": [], "dependent_variables": []}
    for var in table.variables:
        data["independent_variables" if var.is_independent else "dependent_variables"].append(var.make_dict())
    name = f"{table.name.lower().replace(' ', '_')}.yaml"
    entry = {"name": table.name, "description": table.description, "location": table.location}
    if table.related_tables:
        entry["related_to_table_dois"] = table.related_tables
    entry["data_file"] = name
    entry["keywords"] = [{"name": k, "values": v} for k, v in table.keywords.items()]
    if table.additional_resources:
        entry["additional_resources"] = table.additional_resources
    if table.data_license:
        entry["data_license"] = table.data_license
    return name, data, entry


def write_hepdata(out_dir: Path, tables: list, comment: str) -> list[str]:
    """Write a HEPData submission of hepdata_lib Tables into ``out_dir`` (submission.yaml and one YAML file per
    table, which ``hepdata-validate -d out_dir`` accepts as is) and its upload archive next to it as
    ``<out_dir>.tar.gz`` (an archive inside the directory is "not referenced in the submission" for the
    validator). Returns the paths written.

    The files are those of hepdata_lib's ``Submission.create_files`` (same documents, from the same
    ``make_dict``), written here with libyaml and each atomically, without its validation pass (which re-read
    every file through jsonschema): issue 17 measured both at ~90 % of the HEPData time. The tests run
    hepdata-validator on what this writes. Tables with image or extra files go through hepdata_lib."""
    import tarfile

    from hepdata_lib import Submission

    from .. import references
    from ..atomic import atomic_path, write_text_atomic
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    sub = Submission()
    sub.comment = "\n".join([comment, *references.header_lines(" ".join([comment, *(t.description for t in tables)]),
                                                               "Reference: ")])
    if any(t.image_files or t.files_to_copy for t in tables):
        return _write_with_hepdata_lib(out_dir, sub, tables)
    head = {"data_license": sub.get_license(), "comment": sub.comment}
    if sub.additional_resources:
        head["additional_resources"] = sub.additional_resources
    docs, files = [head], []
    for t in tables:
        name, data, entry = _table_docs(t)
        files.append(write_text_atomic(out_dir / name, _dump([data])))
        docs.append(entry)
    files.insert(0, write_text_atomic(out_dir / "submission.yaml", _dump(docs, explicit_start=True)))
    archive = out_dir.with_name(out_dir.name + ".tar.gz")
    with atomic_path(archive) as tmp, tarfile.open(tmp, "w:gz") as tar:
        for f in files:
            tar.add(f, arcname=Path(f).name)
    _remove_stale_yaml(out_dir, {Path(f).name for f in files})
    return sorted(files) + [str(archive)]


def _remove_stale_yaml(out_dir: Path, referenced: set[str]) -> None:
    """Remove the ``*.yaml`` of ``out_dir`` that this submission does not reference: tables of an earlier run into
    the same directory, which hepdata-validate flags ("not referenced") and summary.json must not list."""
    for p in out_dir.glob("*.yaml"):
        if p.name not in referenced:
            p.unlink(missing_ok=True)


def _write_with_hepdata_lib(out_dir: Path, sub, tables: list) -> list[str]:
    """hepdata_lib's own writer (images converted, extra files copied, the archive validated)."""
    import os
    for t in tables:
        sub.add_table(t)
    # hepdata_lib writes submission.tar.gz into the current directory (keep it inside out_dir) and
    # prints warnings on stdout (keep stdout for --json: send them to stderr).
    with contextlib.chdir(out_dir), contextlib.redirect_stdout(sys.stderr):
        sub.create_files(str(out_dir), validate=True, remove_old=False)
    archive = out_dir.with_name(out_dir.name + ".tar.gz")
    if (out_dir / "submission.tar.gz").is_file():
        os.replace(out_dir / "submission.tar.gz", archive)
    import yaml
    with open(out_dir / "submission.yaml") as fh:
        docs = [d for d in yaml.safe_load_all(fh) if isinstance(d, dict)]
    _remove_stale_yaml(out_dir, {"submission.yaml", *(d["data_file"] for d in docs if "data_file" in d)})
    return sorted(str(p) for p in out_dir.iterdir()) + ([str(archive)] if archive.is_file() else [])
