"""Output of ``kaonportal run``: summary.json, plots, CSV tables, HEPData submission, README.md and
the rich summary table on the terminal.

>>> sorted(OUTPUT_LAYOUT)[:3]
['README.md', 'beamdump/', 'cache/']
"""

from __future__ import annotations

__all__ = ["pnn_report", "write_summary", "write_readme", "print_summary", "write_hepdata", "pnn_hepdata_tables",
           "OUTPUT_LAYOUT"]

import json
from pathlib import Path

from .plots import plot_budget, plot_cutflow, plot_m2miss_vs_p
from .tables import pnn_hepdata_tables, pnn_summary_table, write_csv, write_hepdata

OUTPUT_LAYOUT = {
    "summary.json": "every number of the run (N_K, SES, acceptances, per-source backgrounds with errors, BR, SM "
                    "prediction, cut flows), the configuration and the seed",
    "plots/pnn_m2miss_vs_p.png|pdf": "m2miss versus pi+ momentum: simulated signal after the selection (grey scale), "
                                     "background kinematics (contours), signal regions R1/R2 and control regions",
    "plots/pnn_background_budget.png|pdf": "background per source: this run (simulation and data-driven) next to the "
                                           "published budget",
    "plots/pnn_cutflow.png|pdf": "weighted cumulative efficiency after each cut (signal and normalisation)",
    "tables/pnn_cutflow_signal.csv": "signal cut flow (weighted, per fiducial K+ decay)",
    "tables/pnn_background_budget.csv": "background budget per source with the published numbers",
    "tables/pnn_momentum_bins.csv": "acceptance, N_K and SES per pi+ momentum bin",
    "plots/<search>_*.png|pdf": "new-physics searches (pi0 -> invisible, LNV/LFV, HNL, K+ -> pi+ X, K+ -> mu+ nu X) "
                                "and their portal-coupling interpretation next to the published curves",
    "curves/*.csv": "every limit curve of the searches, with a '#' header: what, units, CL, inputs",
    "beamdump/": "beam-dump section: contour and projection CSVs, plot, yields and its own summary.json",
    "hepdata/": "HEPData submission (hepdata_lib): YAML tables and submission.tar.gz",
    "cache/": "simulated event samples (Parquet), reused when the run is repeated or resumed",
    "README.md": "this description",
}


def pnn_report(summary: dict, plots: dict, out_dir: Path) -> list[str]:
    """Plots and CSV tables of the pnn section; returns the written paths."""
    out_dir = Path(out_dir)
    files = []
    title = f"K+ -> pi+ nu nubar, {summary['dataset']} (card {summary['card']}, selection {summary['selection']})"
    files += plot_m2miss_vs_p(plots["hists"], plots["regions"], plots["momentum_range"], title,
                              out_dir / "plots" / "pnn_m2miss_vs_p")
    files += plot_budget(summary["budget_comparison"], "Background budget, " + summary["dataset"],
                         out_dir / "plots" / "pnn_background_budget")
    files += plot_cutflow({"K+ -> pi+ nu nubar (signal)": summary["cutflow_signal"],
                           "K+ -> pi+ pi0 (normalisation)": summary["cutflow_normalisation"]},
                          "Cut flow, selection " + summary["selection"], out_dir / "plots" / "pnn_cutflow")
    hdr = [f"kaonportal run: dataset {summary['dataset']}, card {summary['card']}, selection {summary['selection']}, "
           f"seed {summary['seed']}"]
    files.append(write_csv(out_dir / "tables" / "pnn_cutflow_signal.csv",
                           ["signal cut flow; weighted sums in K+ decays (base weight weight_gen*decay_prob); "
                            "efficiency relative to the previous cut, cumulative relative to fiducial decays", *hdr],
                           ["id", "label", "condition", "weighted", "error", "raw", "efficiency", "cumulative"],
                           summary["cutflow_signal"]))
    files.append(write_csv(out_dir / "tables" / "pnn_background_budget.csv",
                           ["expected background events in R1+R2 per source; published = na62 numbers "
                            "(published_results.md A1b/A1c)", *hdr],
                           ["source", "simulation", "simulation_error", "data_driven", "data_driven_error",
                            "published", "published_error_low", "published_error_high"], summary["budget_comparison"]))
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


def write_summary(path: Path, summary: dict) -> str:
    """summary.json (numpy values converted, non-finite floats as strings)."""
    from ..cli._common import to_jsonable
    Path(path).write_text(json.dumps(to_jsonable(summary), indent=2) + "\n")
    return str(path)


def write_readme(path: Path, summary: dict) -> str:
    """README.md of the output directory: what each file is."""
    lines = ["# kaonportal run output", "",
             f"Produced by kaonportal {summary.get('kaonportal_version', '?')} with seed {summary.get('seed')} "
             f"(config: {summary.get('config_source', 'built-in default')}).", "",
             "| file | what it is |", "|---|---|"]
    present = set()
    out = Path(path).parent
    for key, desc in OUTPUT_LAYOUT.items():
        first = key.split("|")[0]
        if (out / first.rstrip("/")).exists() or (out / (first + ".png")).exists() or key == "README.md":
            lines.append(f"| `{key}` | {desc} |")
            present.add(key)
    for name, sec in summary.get("sections", {}).items():
        if name != "pnn" and isinstance(sec, dict):
            files = sec.get("files") or []
            items = files.items() if isinstance(files, dict) else ((None, f) for f in files)
            for key, f in items:
                f = Path(str(f))
                try:
                    f = f.resolve().relative_to(out.resolve())
                except ValueError:
                    pass
                what = f"section {name}" + (f": {key.replace('_', ' ')}" if key else "")
                lines.append(f"| `{f}` | {what} |")
    lines += ["", "Units: GeV, GeV/c, metres, ns; m2miss in GeV^2/c^4. Numbers marked published come from",
              "NA62 papers/talks (see the kaonportal reference files); all other numbers are from this run's fast",
              "simulation, which approximates the NA62 detector (parameters with status R/D/U in the card)."]
    Path(path).write_text("\n".join(lines) + "\n")
    return str(path)


def print_summary(console, summary: dict) -> None:
    """A rich table of the key numbers (to the given console, i.e. stderr or stdout)."""
    pnn = summary.get("sections", {}).get("pnn")
    if isinstance(pnn, dict) and "ses" in pnn:
        console.print(pnn_summary_table(pnn))
    for name, sec in summary.get("sections", {}).items():
        if name != "pnn":
            status = sec.get("status", "done") if isinstance(sec, dict) else sec
            console.print(f"section {name}: {status}")
