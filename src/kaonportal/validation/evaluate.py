"""Registry entries -> validation records (one per entry), and the honest flags of a ``kaonportal run``.

A record (``validation.json``) holds: id, area, quantity, unit, dataset, the published value and errors, kaonportal's
value and error, where kaonportal's value came from, the ratio, the pull (where both have errors), the tolerance
and its reason, the deviation in tolerances, the status (:mod:`.rule`) and the citation.
"""

from __future__ import annotations

__all__ = ["evaluate_entry", "evaluate", "summarise", "annotate_summary", "area_verdict", "profile_for_summary",
           "pnn_reliability", "DEFAULT_BUDGET_TOLERANCE", "section_verdict", "beamdump_applies",
           "beamdump_validation", "tolerance_record"]

import json
import math
from pathlib import Path

from .registry import PROFILES, Registry, Tolerance, load_registry
from .resolve import curve_value, model_value, stats_value, summary_value
from .rule import RULE_TEXT, STATUS_ORDER, classify, tally, worst_counted

#: model-approximation allowance for a published background estimate without a registry entry and without a
#: registry entry for the other estimate of the same source (the registry's allowance for calibrated sources)
DEFAULT_BUDGET_TOLERANCE = {"factor": 1.5}


def _where(src) -> str:
    if src.kind == "stats":
        return f"kaonportal.stats {src.stats} on the published inputs {src.datasets}" + \
            (f" at {src.cl:g} CL ({src.stats_method})" if src.stats == "limit" else "")
    if src.kind == "model":
        return (f"kaonportal.models.get_model({src.model!r}).{src.method}(mass={src.mass:g} GeV, "
                f"coupling={src.coupling:g})" + (f"[{src.channel!r}]" if src.channel else ""))
    if src.kind == "curve":
        at = f"at {src.x_column} = {src.at:g}" if src.at is not None else \
            f"geometric mean over {src.x_column} in [{src.window[0]:g}, {src.window[1]:g}]"
        return f"run '{src.run}': {src.file} column {src.column} {at}"
    return f"run '{src.run}': summary.json sections.{src.section}.{src.key}"


def evaluate_entry(area: str, entry, summaries: dict, run_dirs: dict) -> dict:
    """One record. ``summaries``/``run_dirs``: run profile -> loaded summary.json / output directory (a profile
    missing from them, or a section not done, gives status ``missing``)."""
    src = entry.kaonportal
    value = error = None
    if src.kind == "model":
        value = model_value(src)
    elif src.kind == "stats":
        value, error = stats_value(src)
    elif src.run in summaries:
        summary = summaries[src.run]
        sec = (summary.get("sections") or {}).get(src.section)
        applies = isinstance(sec, dict) and sec.get("status", "done") == "done"
        if applies and src.section == "pnn":
            applies = sec.get("dataset") == PROFILES[src.run]["pnn_dataset"]
        if applies and src.kind == "summary":
            value, error = summary_value(summary, src)
        elif applies:
            value = curve_value(run_dirs[src.run], src)
    pub = entry.published
    same_data = entry.tolerance.same_data or src.kind == "stats"
    res = classify(value, error, pub.value, pub.error_low, pub.error_high, entry.tolerance.as_dict(), same_data)
    return {"id": entry.id, "area": area, "quantity": entry.quantity, "unit": entry.unit, "dataset": entry.dataset,
            "published": {"value": pub.value, "error_low": pub.error_low, "error_high": pub.error_high},
            "kaonportal": {"value": value, "error": error, "source": _where(src)},
            "ratio": res["ratio"], "pull": res["pull"], "deviation": res["deviation"],
            "tolerance": tolerance_record(res["tolerance"], entry.tolerance, same_data),
            "status": res["status"], "closure": entry.closure, "citation": entry.citation,
            "citation_key": entry.citation_key, "note": entry.note}


def _part_text(kind: str, v: float) -> str:
    return {"relative": f"{v:.0%}", "factor": f"{math.expm1(v):.0%}", "absolute": f"{v:.2g}"}[kind]


def tolerance_record(parts: dict, tolerance, same_data: bool) -> dict:
    """The record's tolerance: the effective total (``{"factor": ...}`` as the registry's form), its three parts
    (the model allowance as the registry states it, the published and kaonportal errors in the allowance's units,
    :func:`.rule.tolerance_parts`), a text and the allowance's reason."""
    kind = parts["kind"]
    eff = parts["effective"][kind]
    total = {"relative": f"±{eff:.0%}", "factor": f"×/÷{eff:.3g}", "absolute": f"±{eff:.2g}"}[kind]
    text = f"{total} = model {tolerance.describe()}"
    if same_data:
        text += " (same events as the published number: errors not added)"
    else:
        text += "".join(f" ⊕ {name} {_part_text(kind, parts[key])}" for key, name in
                        (("published", "published"), ("kaonportal", "kaonportal")) if parts[key] > 0)
    return {kind: eff, "model": tolerance.as_dict()[kind], "published_error": parts["published"],
            "kaonportal_error": parts["kaonportal"], "same_data": same_data, "text": text,
            "reason": tolerance.reason}


def evaluate(registry: Registry, summaries: dict, run_dirs: dict) -> list[dict]:
    """Records of every entry, in registry order."""
    return [evaluate_entry(area, e, summaries, run_dirs) for area, e in registry.entries]


def summarise(records: list[dict]) -> dict:
    """Counts per status (an agreeing closure entry as ``closure``, :func:`.rule.tally`), overall and per area."""
    areas = {}
    for r in records:
        areas.setdefault(r["area"], []).append(r)
    return {"rule": RULE_TEXT, "total": len(records), "counts": tally(records),
            "areas": {a: tally(rs) for a, rs in areas.items()}}


def _sort_key(r: dict):
    return (STATUS_ORDER[r["status"]], -(r["deviation"] or 0.0))


def area_verdict(area: str, records: list[dict]) -> str:
    """One line: how far to trust an area's numbers (counts and the worst entry)."""
    recs = sorted((r for r in records if r["area"] == area), key=_sort_key)
    if not recs:
        return f"{area}: no entries"
    c = tally(recs)
    produced = len(recs) - c["missing"]
    head = {"agree": "trust", "tension": "use with care", "disagree": "do not trust without checking",
            "closure": "closure checks only (no independent agreement)",
            "missing": "not validated"}[worst_counted(recs) or "missing"]
    text = (f"{area}: {head} — {c['agree']}/{produced} agree, {c['tension']} in tension, {c['disagree']} disagree"
            + (f", {c['closure']} closure (normalised through the published number)" if c["closure"] else "")
            + (f", {c['missing']} not produced" if c["missing"] else ""))
    w = recs[0]
    if w["status"] in ("disagree", "tension") and w["ratio"] is not None:
        text += f"; worst: {w['quantity']} at {w['ratio']:.3g}x the published value"
    return text


def profile_for_summary(summary: dict) -> str:
    """The run profile a ``kaonportal run`` summary corresponds to (by its pnn dataset; default otherwise)."""
    ds = ((summary.get("sections") or {}).get("pnn") or {}).get("dataset")
    return next((name for name, p in PROFILES.items() if p["pnn_dataset"] == ds), "default")


def annotate_summary(summary: dict, out_dir: Path, registry: Registry | None = None) -> dict:
    """Honest flags for a ``kaonportal run``: evaluate the registry entries this run produces (its profile; model
    entries excluded) and store, in each section of ``summary`` (in place), ``validation``: counts, the worst
    status and one compact record per entry (id, quantity, key, value, published, ratio, pull, status).
    Returns ``{"profile", "rule", "counts"}`` for the summary's top level. Never raises on a bad run output:
    an entry the run did not produce is ``missing``."""
    registry = registry or load_registry()
    profile = profile_for_summary(summary)
    # every profile's entries are evaluated against this run: a 2017 entry applies only if pnn ran on 2017
    summaries = {name: summary for name in PROFILES}
    dirs = {name: Path(out_dir) for name in PROFILES}
    records = []
    per_section: dict[str, list] = {}
    # the published pnn numbers are at the card's nominal beam rate: a run at another intensity gets no status
    # for them, only for the 1x predictions it records under "intensity" (analyses.intensity)
    pnn_x = float((((summary.get("sections") or {}).get("pnn") or {}).get("intensity") or {})
                  .get("intensity_scale", 1.0))
    for area, e in registry.entries:
        src = e.kaonportal
        if src.kind in ("model", "stats") or src.section not in (summary.get("sections") or {}):
            continue
        if src.section == "beamdump" and beamdump_applies(summary["sections"]["beamdump"] or {}, src.key):
            continue
        if src.section == "pnn" and pnn_x != 1.0 and not (src.key or "").startswith("intensity."):
            continue
        if src.section == "pnn" and PROFILES[src.run]["pnn_dataset"] != \
                (summary["sections"].get("pnn") or {}).get("dataset"):
            continue
        r = evaluate_entry(area, e, summaries, dirs)
        records.append(r)
        per_section.setdefault(src.section, []).append(
            {"id": r["id"], "quantity": r["quantity"], "key": src.key or f"{src.file}:{src.column}",
             "value": r["kaonportal"]["value"], "published": r["published"]["value"], "ratio": r["ratio"],
             "pull": r["pull"], "tolerance": r["tolerance"]["text"],
             "tolerance_value": {k: v for k, v in r["tolerance"].items() if k in ("relative", "factor", "absolute")},
             "tolerance_model": e.tolerance.as_dict(),
             "status": r["status"], "closure": e.closure})
    pnn = (summary.get("sections") or {}).get("pnn")
    if isinstance(pnn, dict) and isinstance(pnn.get("budget_comparison"), list):
        pnn_reliability(pnn, per_section.get("pnn", []))
    for name, recs in per_section.items():
        sec = summary["sections"].get(name)
        if isinstance(sec, dict):
            sec["validation"] = {"counts": tally(recs), "worst": worst_counted(recs),
                                 "entries": recs}
    return {"profile": profile, "rule": RULE_TEXT, "counts": tally(records),
            "note": "statuses computed from kaonportal's reference registry (kaonportal/data/validation) against "
                    "this run's numbers" + (" (a --quick run: small samples)" if summary.get("quick") else "")
                    + (f"; pnn at intensity {pnn_x:g}x: its published numbers are at 1x and get no status"
                       if pnn_x != 1.0 else "")}


def beamdump_applies(section: dict, key: str | None = None) -> str | None:
    """None when the beam-dump registry entries (the published 2021 dark-photon search) apply to a beam-dump
    summary, else why they do not (another model, channels, exposure or counts than the published search).
    ``key``: an entry's summary key; one of a single channel's published contour (``band_edges.mumu...``: that
    channel alone with its published counts) applies to any run containing the channel, the others (the abstracts'
    combined ee + mumu numbers) only to the ee + mumu run. The model is matched by family
    (:func:`~kaonportal.beamdump.disagreements.model_family`): an exported dark-photon table is the dark photon."""
    from ..beamdump.disagreements import model_family

    if model_family(section.get("model")) != "dark-photon":
        from ..beamdump.published_contours import published_not_shipped

        # BC4/BC10/BC11 contours are published (EPJC 85 (2025) 571) but not shipped: say that, not "none exists"
        return (f"model {section.get('model')!r}: " + (published_not_shipped(section.get("model"))
                or "no published NA62 beam-dump number of this model ships with kaonportal: not compared"))
    chans = sorted(section.get("channels") or [])
    parts = (key or "").split(".")
    if parts[0] == "band_edges" and len(parts) > 1 and parts[1] != "combined":
        if parts[1] not in chans:
            return f"channels {section.get('channels')}: no {parts[1]} channel"
    elif chans != ["ee", "mumu"]:
        return f"channels {section.get('channels')}: the published numbers combine ee and mumu"
    inputs = section.get("inputs") or {}
    if not inputs.get("published_counts") or inputs.get("cl") != 0.9:
        return "not the published 2021 exposure, counts and 90% CL"
    return None


def beamdump_validation(summary: dict, registry: Registry | None = None) -> dict:
    """The ``validation`` block of the ``kaonportal beamdump`` command's own summary.json: the statuses of the
    beam-dump registry entries it produces (as :func:`annotate_summary` gives each section of ``kaonportal run``),
    or ``applies: false`` and why. ``summary`` is not modified."""
    why = beamdump_applies(summary)
    keys = [e.kaonportal.key for a, e in (registry or load_registry()).entries if e.kaonportal.section == "beamdump"]
    if why and all(beamdump_applies(summary, k) for k in keys):
        return {"applies": False, "reason": why, "rule": RULE_TEXT}
    wrapped = {"sections": {"beamdump": dict(summary)}}
    top = annotate_summary(wrapped, Path("."), registry)
    block = wrapped["sections"]["beamdump"].get("validation") or {"counts": top["counts"], "worst": None,
                                                                  "entries": []}
    return {"applies": True, **block, "rule": RULE_TEXT, "note": top["note"]}


def _budget_status(row: dict, which: str, by_key: dict) -> tuple[str, str] | None:
    """(status, reason) of one estimate (``simulation`` / ``data_driven``) of a budget row: from its registry record
    when there is one, else from the rule against the row's published value with the allowance of the other
    estimate's record (the same source) or :data:`DEFAULT_BUDGET_TOLERANCE`. An agreeing closure record (an
    estimate fitted to this very published value, e.g. the 2017 simulation scales) is ``closure``, never agree."""
    rec = by_key.get(f"backgrounds.{row['source']}.{which}")
    if rec is not None:
        status, ratio, tol = rec["status"], rec["ratio"], rec["tolerance"]
        if status == "agree" and rec.get("closure"):
            return "closure", (f"{which.replace('_', '-')} closure: fitted to (or normalised through) the published "
                               f"{row['published']:g}, not an independent check")
    elif row.get("published") is not None and row.get(which) is not None:
        other = by_key.get(f"backgrounds.{row['source']}.{'data_driven' if which == 'simulation' else 'simulation'}")
        allowance = other["tolerance_model"] if other is not None else DEFAULT_BUDGET_TOLERANCE
        res = classify(row[which], row.get(f"{which}_error"), row["published"], row.get("published_error_low"),
                       row.get("published_error_high"), allowance)
        status, ratio = res["status"], res["ratio"]
        tol = tolerance_record(res["tolerance"], Tolerance(**allowance, reason="-"), False)["text"] + \
            (" (as the other estimate's entry)" if other is not None else " (default)")
    else:
        return None
    if status in ("agree", "missing"):
        return status, ""
    label = which.replace("_", "-")
    ratio_txt = f"{ratio:.3g}x the published {row['published']:g}" if ratio else \
        f"{row[which]:.3g} against the published {row['published']:g}"
    return status, f"{label} {status}: {ratio_txt} (tolerance {tol})"


def pnn_reliability(pnn: dict, records: list[dict]) -> None:
    """The ``reliability`` key of each pnn budget row (the pnn table), computed from the status rule: "ok" only when
    both estimates agree with the published value (or none is published) and the simulation's own diagnostic (rare
    escapes, :mod:`kaonportal.analyses.pnn_budget.escapes`) is "ok"; otherwise the reasons (an estimate that is a
    closure, fitted to the published value, is one). Adds ``validation_status`` (worst of the two estimates;
    ``closure`` when every rated estimate is an agreeing closure, :func:`.rule.worst_counted`), ``estimate_status``
    (each estimate's) and keeps the diagnostic as ``simulation_diagnostic``."""
    by_key = {r["key"]: r for r in records}
    for row in pnn["budget_comparison"]:
        diag = row.get("simulation_diagnostic", row.get("reliability"))
        per = {w: r for w in ("simulation", "data_driven") if (r := _budget_status(row, w, by_key)) is not None}
        results = list(per.values())
        reasons = [why for _, why in results if why]
        # each estimate's own status (the printed table marks both, with or without a registry entry)
        row["estimate_status"] = {w: st for w, (st, _) in per.items()}
        if diag not in (None, "ok"):
            reasons.append(diag)
        row["simulation_diagnostic"] = diag
        row["validation_status"] = worst_counted([{"status": "agree" if st == "closure" else st,
                                                   "closure": st == "closure"} for st, _ in results])
        row["reliability"] = "; ".join(reasons) if reasons else "ok"
        # the per-source entry of the pnn table says the same (one rule for every reliability key)
        bkg = (pnn.get("backgrounds") or {}).get(row.get("source"))
        if isinstance(bkg, dict):
            bkg["reliability"] = row["reliability"]
            bkg["validation_status"] = row["validation_status"]


def load_summary(run_dir: Path) -> dict | None:
    p = Path(run_dir) / "summary.json"
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def section_verdict(validation: dict | None) -> str | None:
    """One line for a section's plots: its registry entries' statuses (the ``validation`` block
    :func:`annotate_summary` stores in the section); None when the section has no entry.

    >>> section_verdict({"counts": {"agree": 2, "tension": 1, "disagree": 0, "missing": 0}, "worst": "tension"})
    "validation against published numbers (kaonportal validate's rule): tension - 2 agree, 1 tension, 0 disagree"
    >>> section_verdict({"counts": {"agree": 1, "tension": 0, "disagree": 0, "closure": 2}, "worst": "agree"}).endswith("0 disagree, 2 closure")
    True
    """
    counts = (validation or {}).get("counts") or {}
    if not sum(counts.values()):
        return None
    text = (f"validation against published numbers (kaonportal validate's rule): {validation.get('worst')} - "
            f"{counts.get('agree', 0)} agree, {counts.get('tension', 0)} tension, {counts.get('disagree', 0)} disagree"
            + (f", {counts['closure']} closure" if counts.get("closure") else ""))
    return text + (f", {counts['missing']} not produced" if counts.get("missing") else "")
