"""Tables of the K+ -> pi+ nu nubar section: CSV, HEPData (hepdata_lib) and the rich summary table.

The rich table (:func:`pnn_summary_table`) flags with the footnote marker ``(*)`` each background source whose estimate
is not ``reliability: ok`` in summary.json (computed by ``kaonportal.validation.evaluate.pnn_reliability`` from the
status rule against the published value, plus ``analyses.pnn_budget``'s diagnostics, e.g. "rare-escape dominated")
and prints the reason per flagged source in the caption below the table; every number in tension or disagreement
with its published value carries ``(~)`` or ``(!!)`` (``kaonportal.validation.rule.MARKS``); a legend below the
table explains every marker used.
"""

from __future__ import annotations

__all__ = ["write_csv", "pnn_hepdata_tables", "write_hepdata", "pnn_summary_table", "pnn_card_label", "RELIABILITY_FLAG"]

import contextlib
import csv
import sys
from pathlib import Path

from .. import references
from .hepdata import write_hepdata  # noqa: F401 - its home until issue 17; kept importable from here


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
    from ..atomic import atomic_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:    # atomic: never half a table
        for line in [*header_lines, *references.header_lines(" ".join(header_lines), "reference ")]:
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


def pnn_card_label(summary: dict) -> str:
    """The pnn section's card as reports name it: with the dataset's card_overrides when it had some.

    >>> pnn_card_label({"card": "na62-2022"})
    'na62-2022'
    >>> pnn_card_label({"card": "na62-2018", "card_overrides": {"pid.rich_p_max": 45.0}, "card_origin": "o"})
    'na62-2018 (o)'
    """
    return summary["card"] + (f" ({summary['card_origin']})" if summary.get("card_overrides") else "")


def _pnn_hepdata_tables(summary: dict) -> list:
    from hepdata_lib import Table, Uncertainty, Variable

    from .hepdata import KPNN_REACTION

    tables = []
    src = f"kaonportal simulation, dataset {summary['dataset']}, card {pnn_card_label(summary)}, seed {summary['seed']}"
    # background budget
    t = Table("pnn background budget")
    t.description = ("Expected background events in R1+R2 per source for " + summary["dataset"] +
                     ": weighted simulation and data-driven method (kaonportal), and the published NA62 values. " + src)
    t.location = "kaonportal prediction (this run): tables/pnn_background_budget.csv, plots/pnn_background_budget"
    t.keywords["observables"] = ["N"]
    t.keywords["reactions"] = [KPNN_REACTION]
    comp = summary["budget_comparison"]
    x = Variable("Source", is_independent=True, is_binned=False)
    x.values = [c["source"] for c in comp]
    t.add_variable(x)
    for key, name in (("simulation", "Expected events (simulation)"), ("data_driven", "Expected events (data-driven)"),
                      ("published", "Expected events (published)")):
        v = Variable(name, is_independent=False, is_binned=False, units="events")
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
    t.description = ("Signal acceptance (R1+R2, per fiducial K+ decay) and single-event sensitivity "
                     "SES = 1/(N_K A eps_trig eps_RV) per pi+ momentum bin. " + src)
    t.location = "kaonportal prediction (this run): tables/pnn_momentum_bins.csv"
    t.keywords["observables"] = ["ACC", "SES"]
    t.keywords["reactions"] = [KPNN_REACTION]
    x = Variable("p(pi+)", is_independent=True, is_binned=True, units="GeV/c")
    x.values = [(b[i], b[i + 1]) for i in range(len(b) - 1)]
    t.add_variable(x)
    a = Variable("Signal acceptance", is_independent=False, is_binned=False, units="dimensionless")
    a.values = summary["acceptance"]["signal_per_momentum_bin"]
    t.add_variable(a)
    s = Variable("SES", is_independent=False, is_binned=False, units="dimensionless")
    s.values = [v if v != float("inf") else "-" for v in summary["ses"]["per_momentum_bin"]]
    t.add_variable(s)
    tables.append(t)
    # cut flow
    t = Table("pnn signal cut flow")
    t.description = ("Weighted cumulative efficiency of the signal selection after each cut, per fiducial "
                     "K+ -> pi+ nu nubar decay. " + src)
    t.location = "kaonportal prediction (this run): tables/pnn_cutflow_signal.csv, plots/pnn_cutflow"
    t.keywords["observables"] = ["EFF"]
    t.keywords["reactions"] = [KPNN_REACTION]
    x = Variable("Cut", is_independent=True, is_binned=False)
    x.values = [r["id"] for r in summary["cutflow_signal"]]
    t.add_variable(x)
    e = Variable("Cumulative efficiency", is_independent=False, is_binned=False, units="dimensionless")
    e.values = [r["cumulative"] for r in summary["cutflow_signal"]]
    t.add_variable(e)
    tables.append(t)
    # BR
    br = summary["branching_ratio"]
    if br:
        t = Table("pnn branching ratio")
        t.description = ("BR(K+ -> pi+ nu nubar) from the statistics engine (kaonportal.stats) for each input set: "
                         "observed NA62 candidates with this run's or the published SES and background, or "
                         "pseudo-data. " + src)
        t.location = "kaonportal prediction (this run): summary.json, sections.pnn.branching_ratio"
        t.keywords["observables"] = ["BR"]
        t.keywords["reactions"] = [KPNN_REACTION]
        x = Variable("Input", is_independent=True, is_binned=False)
        x.values = list(br)
        t.add_variable(x)
        v = Variable("BR(K+ -> pi+ nu nubar)", is_independent=False, is_binned=False, units="dimensionless")
        v.values = [r["br"] for r in br.values()]
        u = Uncertainty("total", is_symmetric=False)
        u.values = [(-r["br_error_low"], r["br_error_high"]) for r in br.values()]
        v.add_uncertainty(u)
        t.add_variable(v)
        tables.append(t)
    return tables


#: footnote marker of a background source whose estimate summary.json does not call reliable (distinct from the
#: validation marks ``(~)`` / ``(!!)``: it points to the source's note below the table)
RELIABILITY_FLAG = "(*)"


def intensity_label(pnn: dict) -> tuple[str, str]:
    """(", intensity 2x (1200 MHz)", " (at 1x)") for a pnn summary run at an intensity other than 1, else ("", "").

    >>> intensity_label({"intensity": {"intensity_scale": 2.0, "beam_rate_mhz": 1200.0}})
    (', intensity 2x (beam rate 1200 MHz)', ' (at 1x)')
    """
    it = pnn.get("intensity") or {}
    x = float(it.get("intensity_scale", 1.0))
    if x == 1.0:
        return "", ""
    return f", intensity {x:g}x (beam rate {it.get('beam_rate_mhz', float('nan')):g} MHz)", " (at 1x)"


def pnn_summary_table(pnn: dict):
    """The rich Table of the key numbers of a pnn summary (``summary["sections"]["pnn"]``).

    >>> from rich.console import Console
    >>> pnn = {"dataset": "demo", "seed": 1, "normalisation": {"n_k": 1e12, "n_k_error": 0, "published_n_k": None},
    ...        "acceptance": {"signal": 0.07, "signal_error": 0, "published_signal": None},
    ...        "ses": {"value": 1e-11, "error": 0, "published": None}, "expected_sm_signal": 8.4,
    ...        "expected_sm_signal_published": None, "background_total": 0.3, "background_total_error": 0,
    ...        "background_total_published": None, "branching_ratio": {}, "sm_prediction": {"value": 8.4e-11, "error": 0},
    ...        "budget_comparison": [{"source": "K+ -> mu+ nu", "simulation": 0.3, "simulation_error": 0.1,
    ...                               "published": None, "reliability": "rare-escape dominated: 60% ..."}]}
    >>> import io
    >>> con = Console(width=100, record=True, file=io.StringIO())
    >>> con.print(pnn_summary_table(pnn))
    >>> for line in con.export_text().splitlines()[-2:]:
    ...     print(line.rstrip())
    (*) K+ -> mu+ nu: rare-escape dominated: 60% ...
    (*) see the source's reliability note above
    """
    from rich.markup import escape
    from rich.table import Table

    title, published_at = intensity_label(pnn)
    t = Table(title=f"K+ -> pi+ nu nubar, {pnn['dataset']} (seed {pnn['seed']}{title})")
    t.add_column("quantity", max_width=46)
    t.add_column("this run", justify="right")
    t.add_column("published" + published_at, justify="right")

    def fmt(v, e=None, spec=".3g"):
        if v is None:
            return "-"
        return f"{v:{spec}}" + (f" ± {e:{spec}}" if e else "")

    def pub(x):
        if not x:
            return "-"
        return fmt(x[0], x[1]) if len(x) == 2 else f"{x[0]:.3g} +{x[2]:.2g} -{x[1]:.2g}"

    from ..validation.rule import MARKS
    # validation status per summary key (kaonportal.validation, computed by `kaonportal run`)
    vstat = {e["key"]: e["status"] for e in (pnn.get("validation") or {}).get("entries", [])}

    def mark(key):
        return f" {MARKS[vstat[key]]}" if vstat.get(key) in MARKS else ""

    t.add_row("N_K", fmt(pnn["normalisation"]["n_k"], pnn["normalisation"]["n_k_error"]) + mark("normalisation.n_k"),
              pub(pnn["normalisation"]["published_n_k"]))
    t.add_row("signal acceptance", fmt(pnn["acceptance"]["signal"], pnn["acceptance"]["signal_error"])
              + mark("acceptance.signal"), pub(pnn["acceptance"]["published_signal"]))
    t.add_row("SES", fmt(pnn["ses"]["value"], pnn["ses"]["error"]) + mark("ses.value"), pub(pnn["ses"]["published"]))
    t.add_row("expected SM signal", fmt(pnn["expected_sm_signal"]) + mark("expected_sm_signal"),
              pub(pnn["expected_sm_signal_published"]))
    notes = []
    for c in pnn["budget_comparison"]:
        pe = None
        if c["published"] is not None:
            pe = [c["published"], c["published_error_low"], c["published_error_high"]]
        sim = fmt(c["simulation"], c["simulation_error"]) + mark(f"backgrounds.{c['source']}.simulation")
        if c.get("data_driven") is not None:
            # an estimate without its own registry entry is rated against the published value too
            # (kaonportal.validation.evaluate.pnn_reliability): its status is in the row
            dd_status = vstat.get(f"backgrounds.{c['source']}.data_driven",
                                  (c.get("estimate_status") or {}).get("data_driven"))
            dd_mark = f" {MARKS[dd_status]}" if dd_status in MARKS else ""
            sim += f" (dd {c['data_driven']:.3g}{dd_mark})"
        rel = c.get("reliability")
        if rel not in (None, "ok"):     # summaries written before the key existed have None
            sim += f" {RELIABILITY_FLAG}"
            notes.append(escape(f"{RELIABILITY_FLAG} {c['source']}: {rel}"))
        t.add_row(f"  bkg {c['source']}", sim, pub(pe) if pe else "-")
    t.add_row("total background",
              fmt(pnn["background_total"], pnn["background_total_error"]) + mark("background_total"),
              pub(pnn["background_total_published"]))
    for name, r in pnn["branching_ratio"].items():
        label = {"observed_with_simulated_inputs": "BR (observed, this run's SES and background)",
                 "observed_with_published_inputs": "BR (observed, published SES and background)",
                 "pseudo_data": f"BR (pseudo-data at {r.get('true_br', 0):.3g})"}.get(name, name)
        t.add_row(escape(label), f"{r['br']:.3g} +{r['br_error_high']:.2g} -{r['br_error_low']:.2g}"
                  + mark(f"branching_ratio.{name}.br") +
                  f" ({r['significance']:.1f} sigma; {r['tension_with_sm_sigma']:+.1f} sigma vs SM)",
                  f"n_obs = {r['observed']}")
    gn_src = pnn["branching_ratio"].get("observed_with_published_inputs") or next(
        iter(pnn["branching_ratio"].values()), None)
    if gn_src:
        gn = gn_src["grossman_nir"]
        t.add_row("Grossman-Nir: BR(KL -> pi0 nu nubar) <", f"{gn['bound']:.3g} (central), "
                  f"{gn['bound_plus1sigma']:.3g} (+1 sigma)", f"factor {gn['factor']:.2f}")
    sm = pnn["sm_prediction"]
    t.add_row("SM BR (Buras et al. 2015)", fmt(sm["value"], sm["error"]), "(8.4 ± 1.0)e-11")
    it = pnn.get("intensity") or {}
    if it.get("eps_rv_predicted_1x") is not None:
        chk = it.get("random_veto_check") or {}
        pm = f" {MARKS[chk['status']]}" if chk.get("status") in MARKS else ""
        t.add_row("eps_RV predicted by the pile-up model at 1x", f"{it['eps_rv_predicted_1x']:.3f}{pm}",
                  "-" if chk.get("published") is None else f"{chk['published']:.3g}")
        if pm:
            notes.append(escape(f"{pm.strip()} eps_RV: {chk['note']}"))
    if published_at:
        notes.append(f"published numbers are at 1x (the card's nominal beam rate); this run at "
                     f"{it['intensity_scale']:g}x: no agreement status for them")
    legend = []
    if any(st in MARKS for st in vstat.values()) or (it.get("random_veto_check") or {}).get("status") in MARKS:
        legend.append(f"{MARKS['tension']} tension, {MARKS['disagree']} disagreement with the published value "
                      "(kaonportal validate's rule; summary.json sections.pnn.validation)")
    if any(n.startswith(RELIABILITY_FLAG) for n in notes):
        legend.append(f"{RELIABILITY_FLAG} see the source's reliability note above")
    notes += [escape(line) for line in legend]
    if notes:
        t.caption = "\n".join(notes)
        t.caption_justify = "left"
    return t
