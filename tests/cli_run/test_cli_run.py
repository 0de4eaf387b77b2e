"""`kaonportal run`: the quick end-to-end run writes every promised file; bad input exits 2 and
writes nothing."""

import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kaonportal.cli.main import app

runner = CliRunner()

PROMISED = ["summary.json", "README.md",
            "plots/pnn_m2miss_vs_p.png", "plots/pnn_background_budget.png", "plots/pnn_cutflow.png",
            "tables/pnn_cutflow_signal.csv", "tables/pnn_background_budget.csv", "tables/pnn_momentum_bins.csv",
            "hepdata/submission.yaml", "hepdata.tar.gz"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One `run --quick --json` in a fresh working directory (pnn section only)."""
    work = tmp_path_factory.mktemp("clean")
    cfg = work / "cfg.yaml"
    # the beam-dump and search sections have their own tests; switch them off here
    from kaonportal.analyses.searches import SECTIONS
    cfg.write_text(yaml.safe_dump({"sections": {"beamdump": False, **{n: False for n in SECTIONS}}}))
    cwd = os.getcwd()
    os.chdir(work)
    try:
        res = runner.invoke(app, ["run", "--quick", "--json", "--config", str(cfg), "--out", "out"])
    finally:
        os.chdir(cwd)
    return work, res


def test_quick_run_writes_every_file(quick_run):
    work, res = quick_run
    assert res.exit_code == 0, res.stderr + res.stdout
    out = work / "out"
    for f in PROMISED:
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f
    assert list((out / "hepdata").glob("*.yaml")).__len__() >= 4     # submission + >= 3 tables
    assert not (work / "submission.tar.gz").exists()                 # hepdata_lib's tarball kept inside out/
    assert not list((out / "plots").glob("*.pdf"))                   # --plot-formats default: PNG only
    summary = json.loads((out / "summary.json").read_text())
    assert json.loads(res.stdout) == summary                         # --json: exactly one JSON object
    pnn = summary["sections"]["pnn"]
    assert summary["seed"] == pnn["seed"] == 20250207
    for key in ("normalisation", "ses", "acceptance", "backgrounds", "branching_ratio", "sm_prediction"):
        assert key in pnn
    assert pnn["normalisation"]["n_k"] > 0 and 0 < pnn["ses"]["value"] < 1e-10
    for src in ("K+ -> pi+ pi0", "K+ -> mu+ nu", "K+ -> pi+ pi+ pi-", "K+ -> pi+ pi- e+ nu",
                "K+ -> pi+ gamma gamma", "K+ -> pi0 l+ nu", "upstream"):
        assert pnn["backgrounds"][src]["simulation"] is not None, src
    br = pnn["branching_ratio"]["observed_with_published_inputs"]
    # published inputs only (31 observed, B = 11.0 +2.1 -1.9, SES = 8.48e-12: shared/reference/
    # published_results.md table A1c, JHEP 02 (2025) 191): deterministic, and at the maximum of the
    # likelihood the nuisances sit at their nominal values, so BR = (31 - 11) * 8.48e-12 = 1.696e-10;
    # 1e-6 covers the profile minimiser's tolerance only.
    assert br["br"] == pytest.approx((31 - 11.0) * 8.48e-12, rel=1e-6)
    assert br["observed"] == 31 and br["background"] == pytest.approx(11.0)
    readme = (out / "README.md").read_text()
    assert "summary.json" in readme and "hepdata/" in readme


def test_readme_and_summary_paths_with_a_relative_out(quick_run):
    """--out out (relative): every path in summary.json is relative to out/ and exists there; the README
    lists only files that exist, and every file written (the sample cache aside)."""
    import re
    work, res = quick_run
    out = work / "out"
    summary = json.loads((out / "summary.json").read_text())
    files = summary["sections"]["pnn"]["files"] + summary["hepdata_files"]
    assert files and all(not Path(f).is_absolute() and not f.startswith("out/") for f in files), files
    assert all((out / f).is_file() for f in files)
    readme = (out / "README.md").read_text()
    listed = set(re.findall(r"`([^`]+)`", readme))
    assert not [p for p in listed if not (out / p).exists()]
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.parts[len(out.parts)] != "cache"}
    assert written <= listed, sorted(written - listed)
    assert "tables/pnn_background_budget.csv" in listed and "plots/pnn_cutflow.png" in listed


def test_hepdata_directory_passes_the_validator(quick_run):
    import warnings
    work, _ = quick_run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from hepdata_validator.full_submission_validator import FullSubmissionValidator
        v = FullSubmissionValidator()
        assert v.validate(directory=str(work / "out" / "hepdata")), {
            f: [m.message for m in ms] for f, ms in v.get_messages().items() if ms}


def test_bad_plot_format_exits_2_before_anything_runs(tmp_path):
    res = runner.invoke(app, ["run", "--quick", "--plot-formats", "png,gif", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "--plot-formats" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_existing_output_needs_force(quick_run):
    work, _ = quick_run
    out = work / "out"
    before = (out / "summary.json").stat().st_mtime_ns
    res = runner.invoke(app, ["run", "--quick", "--out", str(out)])
    assert res.exit_code == 2
    assert "--force" in res.stderr
    assert (out / "summary.json").stat().st_mtime_ns == before


@pytest.mark.parametrize("cfg, field", [
    ({"selection": "pnn-1999"}, "selection"),
    ({"card": "na62-1999"}, "card"),
    ({"dataset": "pnn-1999"}, "dataset"),
    ({"pnn": {"momentum_bins": [15, 30, 20, 45]}}, "momentum_bins"),
    ({"pnn": {"momentum_bins": [10, 30, 45]}}, "momentum_bins"),
    ({"pnn": {"n_normalisation": 0}}, "n_normalisation"),
    ({"pnn": {"sm_inputs": {"v_cb": [-1, 0.1]}}}, "v_cb"),
    ({"seeed": 3}, "seeed"),
    # search options are checked before the first simulation (not when the section runs, after pnn)
    ({"searches": {"kpix": {"mass_step": -1}}}, "config.searches.kpix"),     # bad option of a search
    ({"searches": {"kpix": {"foo": 1}}}, "config.searches.kpix"),            # unknown option
    ({"searches": {"kpixx": {}}}, "config.searches.kpixx"),                  # typo in a search name
    ({"sections": {"kpixx": False}}, "config.sections.kpixx"),               # typo would not disable kpix
    ({"searches": {"interpretation": {"a": 1}}}, "config.searches.interpretation"),   # takes no options
])
def test_bad_config_exits_2_and_writes_nothing(tmp_path, cfg, field):
    p = tmp_path / "c.yaml"
    p.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", "--quick", "--config", str(p), "--out", str(out)])
    assert res.exit_code == 2, res.stderr
    assert field in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_missing_config_file(tmp_path):
    res = runner.invoke(app, ["run", "--config", str(tmp_path / "none.yaml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "config" in res.stderr


def test_resume_from_cache_reproduces_the_run(quick_run, tmp_path):
    # An interrupted run leaves only cache/; rerunning resumes from it and, with the same seed,
    # reproduces every number of the uninterrupted run.
    import shutil
    work, _ = quick_run
    out = tmp_path / "resumed"
    shutil.copytree(work / "out" / "cache", out / "cache")
    res = runner.invoke(app, ["run", "--quick", "--json", "--config", str(work / "cfg.yaml"), "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    assert "resuming" in res.stderr
    new = json.loads(res.stdout)["sections"]["pnn"]
    old = json.loads((work / "out" / "summary.json").read_text())["sections"]["pnn"]
    assert new["samples_from_cache"]
    for key in ("normalisation", "ses", "acceptance", "background_total", "branching_ratio", "cutflow_signal"):
        assert new[key] == old[key], key


@pytest.mark.parametrize("content,needle", [
    (b"\xff\xfe\x00binary", "not UTF-8"),
    (b"seed: [1, 2\n  b: {", "not valid YAML"),
])
def test_unreadable_config_file_exits_2_in_one_line(tmp_path, content, needle):
    p = tmp_path / "c.yaml"
    p.write_bytes(content)
    res = runner.invoke(app, ["run", "--quick", "--config", str(p), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.stderr
    assert needle in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not (tmp_path / "o").exists()



@pytest.mark.parametrize("bad", ["0", "-1", "nan"])
def test_bad_intensity_scale_one_line_exit_2(tmp_path, bad):
    res = runner.invoke(app, ["run", "--quick", "--intensity-scale", bad, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "intensity_scale" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()          # refused before any simulation or output


def test_quick_run_records_the_predicted_random_veto(quick_run):
    # issue 15 F2: at 1x the pnn summary always carries the pile-up model's eps_RV and its check against the
    # published (63.2 +- 0.6)% ([NA62:2024pjp]), with its status (registry area pileup, ~5 sigma: never agree
    # while the model misses sources), marked in the table
    work, res = quick_run
    pnn = json.loads((work / "out" / "summary.json").read_text())["sections"]["pnn"]
    it = pnn["intensity"]
    assert it["intensity_scale"] == 1.0 and it["beam_rate_mhz"] == 600.0
    assert it["eps_rv_predicted"] == it["eps_rv_predicted_1x"] and 0.632 < it["eps_rv_predicted_1x"] < 1.0
    st = it["random_veto_check"]["status"]
    assert st in ("tension", "disagree") and it["eps_rv_predicted_1x_error"] > 0
    rec = next(e for e in pnn["validation"]["entries"] if e["id"] == "pileup-2122-eps-rv-predicted")
    assert rec["status"] == st
    assert "eps_RV predicted" in res.stderr and "eps_RV: predicted" in " ".join(res.stderr.split())


def test_intensity_scale_2_says_so_and_projects_absolute_rows(tmp_path):
    # issue 15 F1/F3: a run at 2x names its intensity in the table, the README and the CSV headers; the
    # published pnn numbers (at 1x) get no status; the projection rows are labelled by the absolute intensity
    from kaonportal.analyses.searches import SECTIONS
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(yaml.safe_dump({"sections": {"beamdump": False, **{n: False for n in SECTIONS}},
                                   "pnn": {"intensity_projection": [1, 2, 3]}}))
    res = runner.invoke(app, ["run", "--quick", "--json", "--intensity-scale", "2", "--config", str(cfg),
                              "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.stderr
    out = tmp_path / "o"
    pnn = json.loads((out / "summary.json").read_text())["sections"]["pnn"]
    text = " ".join(res.stderr.split())      # the rich table wraps its title and headers
    assert "intensity 2x (beam rate 1200 MHz)" in text and "published (at 1x)" in text
    assert "Beam intensity: 2x" in (out / "README.md").read_text()
    assert "intensity 2x" in (out / "tables" / "pnn_background_budget.csv").read_text()
    assert {e["id"] for e in pnn["validation"]["entries"]} == {"pileup-2122-eps-rv-predicted"}
    rows = pnn["intensity_projection"]["rows"]
    assert [(r["intensity_scale"], r["beam_rate_mhz"], r["run_intensity"]) for r in rows] == \
        [(1.0, 600.0, False), (2.0, 1200.0, True), (3.0, 1800.0, False)]
    # the 1x row is the run's own numbers moved back once: its eps_RV is the published 0.632
    assert rows[0]["eps_rv"] == pytest.approx(0.632, rel=1e-9)


def test_command_turns_numpy_huge_page_hint_off_unless_the_user_set_it():
    # issue 17: the hint cost system CPU in the per-block temporaries; it must be set before numpy is imported,
    # and a user's own choice wins
    import subprocess
    import sys

    code = "import kaonportal.cli.main; import numpy as np; m = (np._core if hasattr(np, '_core') else np.core).multiarray; print(int(m._get_madvise_hugepage()))"
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
    env["NUMPY_MADVISE_HUGEPAGE"] = "1"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
