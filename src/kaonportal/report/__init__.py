"""Output of ``kaonportal run``: summary.json, plots, CSV tables, HEPData submission, README.md and
the rich summary table on the terminal.

>>> sorted(k for k in OUTPUT_LAYOUT if "/" not in k.rstrip("/"))[:3]    # the top-level entries
['README.md', 'beamdump/', 'cache/']
"""

from __future__ import annotations

__all__ = ["pnn_report", "write_budget_csv", "write_summary", "write_readme", "print_summary", "write_hepdata",
           "pnn_hepdata_tables", "OUTPUT_LAYOUT", "relative_paths"]

import json
from pathlib import Path

from .. import references
from .readme import OUTPUT_LAYOUT, write_readme
from .tables import pnn_card_label, pnn_hepdata_tables, pnn_summary_table, write_csv, write_hepdata

def pnn_report(summary: dict, plots: dict, out_dir: Path) -> list[str]:
    """Plots and CSV tables of the pnn section; returns the written paths."""
    from .plots import plot_budget, plot_cutflow, plot_m2miss_vs_p     # matplotlib: only when plotting
    out_dir = Path(out_dir)
    files = []
    title = (rf"$K^+\to\pi^+\nu\bar{{\nu}}$, {summary['dataset']} (card {summary['card']}, "
             f"selection {summary['selection']})")
    files += plot_m2miss_vs_p(plots["hists"], plots["regions"], plots["momentum_range"], title,
                              out_dir / "plots" / "pnn_m2miss_vs_p")
    files += plot_budget(summary["budget_comparison"], "Background budget, " + summary["dataset"],
                         out_dir / "plots" / "pnn_background_budget")
    files += plot_cutflow({r"$K^+\to\pi^+\nu\bar{\nu}$ (signal)": summary["cutflow_signal"],
                           r"$K^+\to\pi^+\pi^0$ (normalisation)": summary["cutflow_normalisation"]},
                          "Cut flow, selection " + summary["selection"], out_dir / "plots" / "pnn_cutflow")
    hdr = _pnn_header(summary)
    files.append(write_csv(out_dir / "tables" / "pnn_cutflow_signal.csv",
                           ["signal cut flow; weighted sums in K+ decays (base weight weight_gen*decay_prob); "
                            "efficiency relative to the previous cut, cumulative relative to fiducial decays", *hdr],
                           ["id", "label", "condition", "weighted", "error", "raw", "efficiency", "cumulative"],
                           summary["cutflow_signal"]))
    files.append(write_budget_csv(summary, out_dir))
    b = summary["momentum_bins_gev"]
    rows = [{"p_low_gev": b[i], "p_high_gev": b[i + 1],
             "signal_acceptance": summary["acceptance"]["signal_per_momentum_bin"][i],
             "pipi_acceptance": summary["acceptance"]["normalisation_pipi_per_momentum_bin"][i],
             "n_k": summary["normalisation"]["n_k_per_momentum_bin"][i],
             "ses": summary["ses"]["per_momentum_bin"][i]} for i in range(len(b) - 1)]
    files.append(write_csv(out_dir / "tables" / "pnn_momentum_bins.csv",
                           ["per pi+ momentum bin (GeV/c): acceptances per fiducial decay, N_K from the normalisation, "
                            "SES = 1/(N_K A eps_trig eps_RV)", *hdr],
                           ["p_low_gev", "p_high_gev", "signal_acceptance", "pipi_acceptance", "n_k", "ses"], rows))
    return files


def _pnn_header(summary: dict) -> list[str]:
    from .tables import intensity_label
    it, _ = intensity_label(summary)
    return [f"kaonportal run: dataset {summary['dataset']}, card {pnn_card_label(summary)}, selection {summary['selection']}, "
            f"seed {summary['seed']}{it}" + ("; published numbers at 1x" if it else "")]


def write_budget_csv(summary: dict, out_dir: Path) -> str:
    """tables/pnn_background_budget.csv; ``validation_status`` and ``reliability`` are filled once ``kaonportal run``
    has compared the budget with the published one (kaonportal.validation), empty before."""
    return write_csv(Path(out_dir) / "tables" / "pnn_background_budget.csv",
                     ["expected background events in R1+R2 per source; published = na62 numbers "
                      "([NA62:2020eqcd] Table I; [Blazek:2025patras]); validation_status/reliability: kaonportal validate's rule",
                      *_pnn_header(summary)],
                     ["source", "simulation", "simulation_error", "data_driven", "data_driven_error",
                      "published", "published_error_low", "published_error_high", "validation_status", "reliability"],
                     summary["budget_comparison"])


def relative_paths(summary: dict, out_dir: Path, skip: tuple[str, ...] = ("config", "config_source")) -> dict:
    """A copy of ``summary`` in which every string naming an existing file or directory inside ``out_dir``
    (absolute, or relative to the working directory as the sections return them) is made relative to
    ``out_dir`` (POSIX form), so that summary.json and the README stay valid wherever the directory is
    moved and whatever ``--out`` was. Top-level keys in ``skip`` (the user's configuration, whose paths
    are relative to the working directory by definition) are kept as they are.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "plots").mkdir(), (d / "plots" / "a.png").write_bytes(b"")
    >>> relative_paths({"files": [str(d / "plots" / "a.png"), "not a path"], "config": {"x": str(d)}}, d)["files"]
    ['plots/a.png', 'not a path']
    """
    root = Path(out_dir).resolve()

    def conv(v):
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        if isinstance(v, str) and v and len(v) < 4096 and "\n" not in v:
            try:
                full = Path(v).resolve()
                rel = full.relative_to(root)
            except (ValueError, OSError, RuntimeError):
                return v
            if full.exists():
                return rel.as_posix()
        return v

    return {k: (v if k in skip else conv(v)) for k, v in summary.items()}


def write_summary(path: Path, summary: dict) -> str:
    """summary.json (numpy values converted, non-finite floats as strings); adds ``references`` (key -> full
    citation of every key its text fields cite) to ``summary``."""
    from ..cli._common import to_jsonable
    refs = references.cited(json.dumps(to_jsonable(summary)))   # every cited key -> its full citation
    if refs:
        summary["references"] = refs    # in place: what --json prints is what the file holds
    from ..atomic import write_text_atomic
    return write_text_atomic(path, json.dumps(to_jsonable(summary), indent=2) + "\n")


def _validation_line(sec: dict) -> str:
    """`` — validation: 3 agree, 1 tension (~), 2 disagree (!!), 2 closure; worst: ...`` for a section with flags
    (an agreeing closure entry counts as closure, not agree)."""
    from ..validation.rule import MARKS
    v = sec.get("validation") if isinstance(sec, dict) else None
    if not isinstance(v, dict) or not v.get("entries"):
        return ""
    c = v["counts"]
    parts = [f"{c.get('agree', 0)} agree"] + [f"{c[s]} {s} {MARKS[s]}" for s in ("tension", "disagree") if c.get(s)]
    if c.get("closure"):
        parts.append(f"{c['closure']} closure")
    if c.get("missing"):
        parts.append(f"{c['missing']} not produced")
    bad = sorted((e for e in v["entries"] if e["status"] in MARKS and e.get("ratio")),
                 key=lambda e: (e["status"] != "disagree", -abs(__import__("math").log(e["ratio"]))))
    worst = f"; worst: {bad[0]['quantity']} at {bad[0]['ratio']:.3g}x published" if bad else ""
    return " — validation: " + ", ".join(parts) + worst


def print_summary(console, summary: dict) -> None:
    """A rich table of the key numbers (to the given console, i.e. stderr or stdout); numbers in tension or
    disagreement with a published value (``validation`` in summary.json) carry a mark (``MARKS``)."""
    from rich.markup import escape
    pnn = summary.get("sections", {}).get("pnn")
    if isinstance(pnn, dict) and "ses" in pnn:
        console.print(pnn_summary_table(pnn))
    for name, sec in summary.get("sections", {}).items():
        if name != "pnn":
            status = sec.get("status", "done") if isinstance(sec, dict) else sec
            console.print(escape(f"section {name}: {status}{_validation_line(sec)}"), highlight=False,
                          soft_wrap=True)
