"""`kaonportal validate`: outputs (validation.json, report.md, overlays), --json, --only, --registry, --from-run,
bad input (one line, exit 2), and that every registry entry resolves to a quantity a quick run produces."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from kaonportal.cli.main import app
from kaonportal.validation.registry import load_registry
from kaonportal.validation.resolve import lookup, read_run_curve

runner = CliRunner()


def _invoke(*args):
    return runner.invoke(app, ["validate", *map(str, args)])


def _one_line_error(res, *words):
    assert res.exit_code == 2, (res.exit_code, res.stdout, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), res.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_models_only_needs_no_run(tmp_path):
    res = _invoke("--only", "models", "--out", tmp_path / "v", "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    n = len([e for a, e in load_registry().entries if a == "models"])
    assert out["summary"]["total"] == n == len(out["records"]) and out["runs"] == {}
    for r in out["records"]:
        assert r["status"] in ("agree", "tension", "disagree") and r["citation"]
    saved = json.loads((tmp_path / "v" / "validation.json").read_text())
    assert saved["records"] == out["records"]
    assert "## models" in (tmp_path / "v" / "report.md").read_text()


@pytest.mark.parametrize("args, words", [
    (["--only", "pnn,nosuch"], ["--only", "unknown area nosuch", "known: "]),
    (["--registry", "missing.yaml"], ["--registry", "does not exist"]),
])
def test_bad_options(tmp_path, args, words):
    _one_line_error(_invoke(*args, "--out", tmp_path / "v"), *words)
    assert not (tmp_path / "v").exists()          # checked before anything is written or run


def test_registry_entry_without_citation(tmp_path):
    reg = {"area": "demo", "description": "d", "entries": [
        {"id": "x", "quantity": "q", "published": {"value": 1.0}, "unit": "1", "citation_key": "k", "dataset": "d",
         "kaonportal": {"model": "hnl-e", "method": "ctau_m", "mass": 0.2, "coupling": 1.0},
         "tolerance": {"relative": 0.1, "reason": "r"}}]}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(reg))
    _one_line_error(_invoke("--registry", tmp_path / "r.yaml", "--out", tmp_path / "v"), "--registry",
                    "entry 'x' has no citation")
    (tmp_path / "bad.yaml").write_text("entries: [{id: x\n")
    _one_line_error(_invoke("--registry", tmp_path / "bad.yaml", "--out", tmp_path / "v"), "not valid YAML")


def test_registry_naming_an_unknown_section(tmp_path):
    reg = {"area": "demo", "description": "d", "entries": [
        {"id": "y", "quantity": "q", "published": {"value": 1.0}, "unit": "1", "citation": "c", "citation_key": "k",
         "dataset": "d", "kaonportal": {"section": "nosuch", "key": "a.b"},
         "tolerance": {"factor": 2.0, "reason": "r"}}]}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(reg))
    _one_line_error(_invoke("--registry", tmp_path / "r.yaml", "--out", tmp_path / "v"), "y: unknown section 'nosuch'")
    assert not (tmp_path / "v").exists()


def test_existing_results_need_force(tmp_path):
    assert _invoke("--only", "models", "--out", tmp_path / "v").exit_code == 0
    _one_line_error(_invoke("--only", "models", "--out", tmp_path / "v"), "--out", "--force")
    assert _invoke("--only", "models", "--out", tmp_path / "v", "--force").exit_code == 0


def test_every_entry_resolves_in_a_quick_run(full_quick_run_session):
    """Every summary key and curve column of the registry exists in what `kaonportal run --quick` writes (2017
    entries: the same keys in the pnn section, which has one layout for every dataset)."""
    out, res = full_quick_run_session
    assert res.exit_code == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text())
    for _, e in load_registry().entries:
        src = e.kaonportal
        if src.kind in ("model", "stats"):
            continue
        sec = summary["sections"][src.section]
        if src.kind == "summary":
            v = lookup(sec, src.key)
            assert isinstance(v, (int, float)), (e.id, src.key, v)
            if src.error_key:
                assert isinstance(lookup(sec, src.error_key), (int, float)), (e.id, src.error_key)
        else:
            cols = read_run_curve(out / src.file)
            assert cols is not None and src.x_column in cols and src.column in cols, (e.id, src.file)


def test_from_run_reports_the_runs_own_numbers(full_quick_run_session, tmp_path):
    out, _ = full_quick_run_session
    res = _invoke("--from-run", out, "--out", tmp_path / "v", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    recs = {r["id"]: r for r in data["records"]}
    summary = json.loads((out / "summary.json").read_text())
    assert data["quick"] is True
    assert recs["pnn-2122-ses"]["kaonportal"]["value"] == summary["sections"]["pnn"]["ses"]["value"]
    assert recs["pi0inv-br-ul"]["kaonportal"]["value"] == summary["sections"]["pi0-invisible"]["observed_limit"]
    # every default-profile entry is produced by the run; only the 2017 and 2018 profiles are missing
    missing = {i for i, r in recs.items() if r["status"] == "missing"}
    assert missing == {e.id for _, e in load_registry().entries if e.kaonportal.run in ("pnn-2017", "pnn-2018")}
    _assert_records_are_the_runs_values(recs, summary, out)
    # the run's own flags (summary.json) agree with validate's records
    for name, sec in summary["sections"].items():
        for e in (sec.get("validation") or {}).get("entries", []):
            assert e["status"] == recs[e["id"]]["status"], e["id"]
    # the run's tables carry the statuses: tables/validation.csv, and the budget CSV per published source
    import csv
    rows = list(csv.DictReader(ln for ln in (out / "tables" / "pnn_background_budget.csv").read_text().splitlines()
                               if not ln.startswith("#")))
    for row in rows:
        if row["published"]:
            assert row["validation_status"] in ("agree", "tension", "disagree"), row
            if row["validation_status"] != "agree":        # never "ok" when out of tolerance
                assert row["reliability"].startswith(("simulation", "data-driven")), row
    assert "pnn-2122-ses" in (out / "tables" / "validation.csv").read_text()
    # an overlay plot per registry overlay, named in the report
    report = (tmp_path / "v" / "report.md").read_text()
    for _, ov in load_registry().overlays:
        assert (tmp_path / "v" / "plots" / f"overlay_{ov.id}.png").is_file(), ov.id
        assert f"plots/overlay_{ov.id}.png" in report
    # report: per area a verdict line, rows worst first
    assert report.count("**Verdict**") == len(load_registry().areas)


def _curve_value(path, src):
    """A curve entry's number recomputed here from the CSV the run wrote (issue #13 "How it will be checked"):
    log-linear interpolation at ``at``, or the geometric mean of the positive values over ``window``."""
    import csv

    import numpy as np
    rows = list(csv.DictReader(ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")))
    x = np.array([float(r[src.x_column]) for r in rows])
    y = np.array([float(r[src.column]) for r in rows])
    ok = np.isfinite(x) & np.isfinite(y) & (y > 0)
    if src.at is not None:
        o = np.argsort(x[ok])
        return float(np.exp(np.interp(src.at, x[ok][o], np.log(y[ok][o])))) * src.scale
    ok &= (x >= src.window[0]) & (x <= src.window[1])
    return float(np.exp(np.log(y[ok]).mean())) * src.scale


def _assert_records_are_the_runs_values(recs, summary, out):
    """Every produced record's kaonportal value (and error) is the run's own number: summary.json for summary
    entries, the curve CSV for curve entries; the ratio is that value over the published one."""
    for _, e in load_registry().entries:
        r, src = recs[e.id], e.kaonportal
        if r["status"] == "missing" or src.kind in ("model", "stats"):
            continue
        if src.kind == "summary":
            sec = summary["sections"][src.section]
            want = lookup(sec, src.key)
            want = (want[0] if isinstance(want, list) else want) * src.scale
            assert r["kaonportal"]["value"] == pytest.approx(want, rel=1e-12), e.id
            if src.error_key and lookup(sec, src.error_key) is not None:
                assert r["kaonportal"]["error"] == pytest.approx(abs(lookup(sec, src.error_key) * src.scale),
                                                                 rel=1e-12), e.id
        else:
            assert r["kaonportal"]["value"] == pytest.approx(_curve_value(out / src.file, src), rel=1e-9), e.id
        if e.published.value:
            assert r["ratio"] == pytest.approx(r["kaonportal"]["value"] / e.published.value, rel=1e-12), e.id


def test_validate_quick_runs_the_run_machinery(tmp_path):
    """`validate --quick --only kmunux`: one real `kaonportal run --quick` with only the kmunux section, into
    DIR/runs/default (CI: a few seconds)."""
    res = _invoke("--quick", "--only", "kmunux", "--out", tmp_path / "v", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    run_summary = json.loads((tmp_path / "v" / "runs" / "default" / "summary.json").read_text())
    assert run_summary["quick"] is True and run_summary["sections"]["kmunux"]["status"] == "done"
    assert "pnn" not in run_summary["sections"]           # only the sections the entries need ran
    rec = data["records"][0]
    assert rec["id"] == "kmunux-mununu-br-ul" and rec["status"] != "missing"
    assert rec["kaonportal"]["value"] == run_summary["sections"]["kmunux"]["kmununu"]["expected"]["median"]


def test_from_run_refuses_two_runs_of_one_profile(full_quick_run_session, tmp_path):
    """--from-run is repeatable (one run directory per profile); a profile given twice is ambiguous: exit 2."""
    out, _ = full_quick_run_session
    res = _invoke("--from-run", out, "--from-run", out, "--out", tmp_path / "v")
    assert res.exit_code == 2
    assert "--from-run" in res.stderr and "one per profile" in res.stderr
    assert not (tmp_path / "v" / "validation.json").exists()


def test_report_lists_the_notes_of_entries_not_in_agreement(tmp_path):
    from kaonportal.validation.report import write_report_md
    base = {"area": "pnn", "quantity": "q", "unit": "1", "published": {"value": 1.0, "error_low": None,
            "error_high": None}, "kaonportal": {"value": 2.5, "error": None}, "ratio": 2.5, "pull": None,
            "deviation": 3.0, "tolerance": {"text": "x/÷2", "reason": "r"}, "citation": "c"}
    recs = [{**base, "id": "bad", "status": "disagree", "note": "cause found: the RICH range"},
            {**base, "id": "fine", "status": "agree", "note": "not shown", "ratio": 1.0, "deviation": 0.0}]
    write_report_md(tmp_path / "report.md", recs, {"pnn": "d"}, {}, {})
    text = (tmp_path / "report.md").read_text()
    assert "- `bad`: cause found: the RICH range" in text and "not shown" not in text
