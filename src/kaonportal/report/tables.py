"""CSV tables and HEPData tables (hepdata_lib) of the K+ -> pi+ nu nubar section."""

from __future__ import annotations

__all__ = ["write_csv", "pnn_hepdata_tables", "write_hepdata"]

import contextlib
import csv
import sys
from pathlib import Path


def write_csv(path: Path, header_lines: list[str], fieldnames: list[str], rows: list[dict]) -> str:
    """CSV with ``#`` comment lines first (what, units, inputs); returns the path written.

    >>> import tempfile, pathlib
    >>> p = write_csv(pathlib.Path(tempfile.mkdtemp()) / "t.csv", ["what: demo", "units: events"],
    ...               ["region", "n"], [{"region": "R1", "n": 3}, {"region": "R2", "n": None}])
    >>> print(pathlib.Path(p).read_text().strip())
    # what: demo
    # units: events
    region,n
    R1,3
    R2,
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        for line in header_lines:
            fh.write(f"# {line}\n")
        w = csv.DictWriter(fh, fieldnames=fieldnames, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in fieldnames})
    return str(path)


def pnn_hepdata_tables(summary: dict) -> list:
    """hepdata_lib Tables: background budget, SES/acceptance per momentum bin, cut flow, BR."""
    with contextlib.redirect_stdout(sys.stderr):   # hepdata_lib prints warnings on stdout
        tables = _pnn_hepdata_tables(summary)
    for t in tables:
        for v in t.variables:
            # a zero error (a source with no simulated event in R1+R2) is a legitimate value here
            v.zero_uncertainties_warning = False
    return tables


def _pnn_hepdata_tables(summary: dict) -> list:
    from hepdata_lib import Table, Uncertainty, Variable

    tables = []
    src = f"kaonportal simulation, dataset {summary['dataset']}, card {summary['card']}, seed {summary['seed']}"
    # background budget
    t = Table("pnn background budget")
    t.description = ("Expected background events in R1+R2 per source for " + summary["dataset"] +
                     ": weighted simulation and data-driven method (kaonportal), and the published values. " + src)
    t.keywords["observables"] = ["N"]
    comp = summary["budget_comparison"]
    x = Variable("Source", is_independent=True, is_binned=False)
    x.values = [c["source"] for c in comp]
    t.add_variable(x)
    for key, name in (("simulation", "Expected events (simulation)"), ("data_driven", "Expected events (data-driven)"),
                      ("published", "Expected events (published)")):
        v = Variable(name, is_independent=False, is_binned=False)
        v.values = [c[key] if c[key] is not None else "-" for c in comp]
        if key != "published":
            u = Uncertainty("stat+calib", is_symmetric=True)
            u.values = [c.get(f"{key}_error") or 0.0 for c in comp]
        else:
            u = Uncertainty("total", is_symmetric=False)
            u.values = [(-(c["published_error_low"] or 0.0), c["published_error_high"] or 0.0) for c in comp]
        v.add_uncertainty(u)
        t.add_variable(v)
    tables.append(t)
    # per momentum bin
    b = summary["momentum_bins_gev"]
    t = Table("pnn acceptance and SES per momentum bin")
    t.description = "Signal acceptance (R1+R2, per fiducial K+ decay) and SES per pi+ momentum bin. " + src
    x = Variable("p(pi+)", is_independent=True, is_binned=True, units="GeV/c")
    x.values = [(b[i], b[i + 1]) for i in range(len(b) - 1)]
    t.add_variable(x)
    a = Variable("Signal acceptance", is_independent=False, is_binned=False)
    a.values = summary["acceptance"]["signal_per_momentum_bin"]
    t.add_variable(a)
    s = Variable("SES", is_independent=False, is_binned=False)
    s.values = [v if v != float("inf") else "-" for v in summary["ses"]["per_momentum_bin"]]
    t.add_variable(s)
    tables.append(t)
    # cut flow
    t = Table("pnn signal cut flow")
    t.description = "Weighted cumulative efficiency of the signal selection after each cut. " + src
    x = Variable("Cut", is_independent=True, is_binned=False)
    x.values = [r["id"] for r in summary["cutflow_signal"]]
    t.add_variable(x)
    e = Variable("Cumulative efficiency", is_independent=False, is_binned=False)
    e.values = [r["cumulative"] for r in summary["cutflow_signal"]]
    t.add_variable(e)
    tables.append(t)
    # BR
    br = summary["branching_ratio"]
    if br:
        t = Table("pnn branching ratio")
        t.description = "BR(K+ -> pi+ nu nubar) from the statistics engine for each input set. " + src
        x = Variable("Input", is_independent=True, is_binned=False)
        x.values = list(br)
        t.add_variable(x)
        v = Variable("BR(K+ -> pi+ nu nubar)", is_independent=False, is_binned=False)
        v.values = [r["br"] for r in br.values()]
        u = Uncertainty("total", is_symmetric=False)
        u.values = [(-r["br_error_low"], r["br_error_high"]) for r in br.values()]
        v.add_uncertainty(u)
        t.add_variable(v)
        tables.append(t)
    return tables


def write_hepdata(out_dir: Path, tables: list, comment: str) -> list[str]:
    """Write a hepdata_lib Submission (YAML files and submission.tar.gz) into ``out_dir``."""
    from hepdata_lib import Submission

    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    sub = Submission()
    sub.comment = comment
    for t in tables:
        sub.add_table(t)
    # hepdata_lib writes submission.tar.gz into the current directory (keep it inside out_dir) and
    # prints warnings on stdout (keep stdout for --json: send them to stderr).
    with contextlib.chdir(out_dir), contextlib.redirect_stdout(sys.stderr):
        sub.create_files(str(out_dir), validate=True, remove_old=False)
    return sorted(str(p) for p in out_dir.iterdir())
