"""`kaonportal run`: the README written into the output directory lists exactly what the run wrote (with the
search options of the run), the visible-X user candidate file reaches the search through the run configuration,
and --clean-cache deletes DIR/cache after a successful run only."""

import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from kaonportal.analyses.searches import SECTIONS
from kaonportal.cli.main import app

runner = CliRunner()
ONLY = {"pnn": False, "beamdump": False}
# two cheap searches: visible-x (user candidates for gg) and a small kpix, whose samples go to DIR/cache
SEARCHES = {
    "visible-x": {"masses": [0.25, 0.27, 0.3], "n_signal": 2000, "n_background": 10000, "n_signal_masses": 2,
                  "candidates_file": {"gg": "g.csv"}},
    "kpix": {"masses": [0.06, 0.2], "n_signal": 2000, "n_sm": 4000, "n_signal_masses": 2, "lifetimes_ns": [1.0]},
}


def _run(work, cfg, *extra):
    p = work / "run.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return runner.invoke(app, ["run", "--quick", "--config", str(p), "--out", str(work / "out"), *extra])


def _config(enabled=("visible-x", "kpix")):
    return {"sections": {**ONLY, **{n: n in enabled for n in SECTIONS}}, "searches": SEARCHES}


@pytest.fixture(scope="module")
def cleaned_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("outputs")
    (work / "g.csv").write_text("# two candidates\nm_gg\n0.2702\n0.3001\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)                      # candidate paths are relative to the working directory
        res = _run(work, _config(), "--json", "--clean-cache")
    return work, res


def test_clean_cache_after_a_successful_run(cleaned_run):
    work, res = cleaned_run
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)                      # --json: still exactly one JSON object, with the cleaning
    cc = summary["cache_cleaned"]
    assert cc["path"] == "cache"                          # relative to the output directory, as every path
    assert cc["files_removed"] >= 2 and cc["bytes_freed"] > 10_000       # kpix wrote its Parquet samples
    assert not (work / "out" / "cache").exists()
    assert re.search(r"--clean-cache: deleted .*cache \(\d+ files, [\d.]+ [kMG]?B freed\)", res.stderr), res.stderr
    assert json.loads((work / "out" / "summary.json").read_text()) == summary


def test_visible_x_candidate_file_through_the_run_config(cleaned_run):
    work, res = cleaned_run
    sec = json.loads(res.stdout)["sections"]["visible-x"]
    assert sec["status"] == "done"
    assert sec["gg"]["candidates"] == "g.csv" and sec["gg"]["n_candidates"] == 2
    assert sec["mumu"]["candidates"].startswith("pseudo-data")          # no file for mumu: pseudo-data
    text = (work / "out" / "curves" / "visible_x_gg_br.csv").read_text()
    assert "# input: candidates: g.csv" in text
    assert (work / "out" / "hepdata" / "visible_x_gg_br.yaml").is_file()


def test_readme_lists_what_the_run_wrote(cleaned_run):
    work, _ = cleaned_run
    out = work / "out"                                    # an absolute --out
    summary = json.loads((out / "summary.json").read_text())
    paths = [f for sec in summary["sections"].values() for f in (sec.get("files") or [])] + summary["hepdata_files"]
    assert paths and all(not f.startswith(("/", "out/")) and (out / f).is_file() for f in paths), paths
    readme = (out / "README.md").read_text()
    listed = set(re.findall(r"`([^`]+)`", readme))        # the README puts paths, and only paths, in backticks
    missing = [p for p in listed if not (out / p).exists()]
    assert not missing, missing
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written <= listed, sorted(written - listed)    # every file of the run is described
    assert "cache/" not in listed and "--clean-cache" in readme
    # the search options of this run, with where they came from
    assert "**candidates_file** = {'gg': 'g.csv'} (set in the config)" in readme
    assert "**n_k_scale** = 1 (default)" in readme and "**inject** = none (default)" in readme
    # each curve CSV with its HEPData table on the same line
    assert re.search(r"\| `curves/visible_x_gg_br.csv` \| upper limit on BR\(K\+ -> pi\+ X, X -> gamma gamma\).*"
                     r"3 rows, m_x_gev from 0.25 to 0.3.*\| `hepdata/visible_x_gg_br.yaml` \|", readme)


def test_failed_or_interrupted_run_keeps_the_cache(tmp_path, monkeypatch):
    def failing(exc):
        def section(out_dir, **kw):
            (out_dir / "cache").mkdir(parents=True, exist_ok=True)
            (out_dir / "cache" / "sample.parquet").write_bytes(b"PAR1" * 100)
            raise exc
        return section

    cfg = _config(enabled=("kpix",))
    cfg["searches"] = {}
    monkeypatch.setitem(SECTIONS, "kpix", failing(RuntimeError("boom")))
    res = _run(tmp_path, cfg, "--json", "--clean-cache")
    assert res.exit_code == 1, res.stderr
    assert (tmp_path / "out" / "cache" / "sample.parquet").is_file()
    assert "cache_cleaned" not in json.loads(res.stdout) and "kept because the run failed" in res.stderr
    monkeypatch.setitem(SECTIONS, "kpix", failing(KeyboardInterrupt()))
    res = _run(tmp_path, cfg, "--clean-cache", "--force")
    assert res.exit_code == 130, res.stderr
    assert (tmp_path / "out" / "cache" / "sample.parquet").is_file()


@pytest.mark.parametrize("content,needle", [
    ("m_mumu\n0.25\n", "config.searches.visible-x.candidates_file.gg: "),
    ("m_gg\n270\n", "outside the allowed range [0, 0.493677] GeV/c^2"),
])
def test_bad_visible_x_candidate_file_exits_2_before_simulating(tmp_path, monkeypatch, content, needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.csv").write_text(content)
    res = _run(tmp_path, {"searches": {"visible-x": {"candidates_file": {"gg": "g.csv"}}}})   # pnn on: checked first
    assert res.exit_code == 2, res.stderr
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and needle in err, err
    assert not (tmp_path / "out").exists()
