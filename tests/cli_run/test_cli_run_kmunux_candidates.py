"""`kaonportal run --quick` with a user candidate file for the K+ -> mu+ nu X search (m2miss_mu, GeV^2/c^4):
the observed counts come from the file, the K+ -> mu+ nu nu nubar limit reaches the HEPData export; a file in
MeV^2 stops the run with exit code 2 and one line naming the field and the allowed range."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from kaonportal.analyses.searches import SECTIONS
from kaonportal.cli.main import app

runner = CliRunner()
ONLY_KMUNUX = {"pnn": False, "beamdump": False, **{n: n == "kmunux" for n in SECTIONS}}
TINY = {"masses": [0.3], "x_models": ["scalar"], "n_signal": 1000, "n_background": 8000, "n_normalisation": 1000}


def _run(tmp_path, kmunux, *extra):
    p = tmp_path / "run.yaml"
    p.write_text(yaml.safe_dump({"sections": ONLY_KMUNUX, "searches": {"kmunux": kmunux}}))
    return runner.invoke(app, ["run", "--quick", "--config", str(p), "--out", str(tmp_path / "out"), *extra])


def test_user_candidates_reach_kmunux(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                     # relative candidate path: from the working directory
    (tmp_path / "cands.csv").write_text("# two candidates\nm2miss_mu,p_mu\n0.13,25.0\n0.145,18.2\n")
    res = _run(tmp_path, {**TINY, "candidates_file": "cands.csv"}, "--json")
    assert res.exit_code == 0, res.stderr
    sec = json.loads(res.stdout)["sections"]["kmunux"]
    assert sec["status"] == "done" and sec["n_candidates"] == 2
    assert sec["observed_origin"].startswith("candidates: cands.csv")
    assert sec["kmununu"]["observed"] == sum(sec["kmununu"]["x_lo"] <= v for v in (0.13, 0.145))
    text = (tmp_path / "out" / "curves" / "kmunux_kmununu.csv").read_text()
    assert "# input: observed: candidates: cands.csv" in text
    assert (tmp_path / "out" / "hepdata" / "kmunux_kmununu.yaml").is_file()


def test_candidates_in_mev2_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mev.csv").write_text("m2miss_mu\n40000\n")
    res = _run(tmp_path, {**TINY, "candidates_file": "mev.csv"})
    assert res.exit_code == 2, res.stderr
    err = res.stderr.strip()
    assert "Traceback" not in err
    assert "config.searches.kmunux.candidates_file" in err and "outside the allowed range" in err, err


def test_candidates_in_mev2_stop_the_run_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mev.csv").write_text("m2miss_mu\n40000\n")
    res = _run(tmp_path, {**TINY, "candidates_file": "mev.csv"})
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_unknown_card_stops_the_run_before_anything_runs(tmp_path):
    res = _run(tmp_path, {**TINY, "card": "bogus"})
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "config.searches.kmunux.card" in res.stderr and "unknown card 'bogus'" in res.stderr
    assert not (tmp_path / "out").exists()
