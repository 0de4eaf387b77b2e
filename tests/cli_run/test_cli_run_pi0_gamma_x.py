"""`kaonportal run --quick --config` with a user candidate file for the pi0-gamma-x search (pi0 -> gamma A',
pi0 -> gamma nu nubar): the observed counts come from the file; a file in the wrong units is bad input (exit 2)."""

import csv
import json

import yaml
from typer.testing import CliRunner

from kaonportal.analyses.searches import SECTIONS
from kaonportal.cli.main import app

runner = CliRunner()
# only the pi0-gamma-x section, with small samples (quick: x 0.2, at least 1000 signal / 5000 background events)
SECTIONS_ON = {"pnn": False, "beamdump": False, **{n: n == "pi0-gamma-x" for n in SECTIONS}}
SMALL = {"masses": [0.075, 0.105], "n_signal": 1000, "n_background": 10_000, "n_background_extra": 5000,
         "n_signal_masses": 2}


def _run(tmp_path, search):
    p = tmp_path / "run.yaml"
    p.write_text(yaml.safe_dump({"sections": SECTIONS_ON, "searches": {"pi0-gamma-x": search}}))
    return runner.invoke(app, ["run", "--quick", "--json", "--config", str(p), "--out", str(tmp_path / "out")])


def _rows(path):
    return list(csv.DictReader(ln for ln in path.read_text().splitlines() if not ln.startswith("#")))


def test_user_candidates_reach_pi0_gamma_x(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                 # the candidate path is relative to the working directory
    # m_miss^2 in GeV^2/c^4: two near m_A'^2 = 0.075^2 = 0.005625, one near 0.105^2 = 0.011025, one on the
    # gamma gamma peak (below the gamma nu nubar region m_miss^2 > 0.004)
    (tmp_path / "cands.csv").write_text("# my candidates\nm2miss,e_gamma\n0.00560,12.1\n0.00565,8.0\n"
                                        "0.01101,3.3\n0.0001,20.5\n")
    res = _run(tmp_path, {**SMALL, "candidates_file": "cands.csv"})
    assert res.exit_code == 0, res.stderr
    sec = json.loads(res.stdout)["sections"]["pi0-gamma-x"]
    assert sec["candidates"] == "cands.csv" and sec["n_candidates"] == 4
    assert sec["gamma_nu_nubar"]["observed"] == 3
    curves = tmp_path / "out" / "curves"
    text = (curves / "pi0_gamma_x_aprime.csv").read_text()
    assert "# input: candidates: cands.csv" in text
    assert [float(r["n_observed"]) for r in _rows(curves / "pi0_gamma_x_aprime.csv")] == [2.0, 1.0]
    assert float(_rows(curves / "pi0_gamma_x_nunu.csv")[0]["n_observed"]) == 3.0
    # ~200 background events per window (photonuclear continuum) and 1-2 observed: a strong deficit, so the
    # observed limit lies below the expected -2 sigma band
    row = _rows(curves / "pi0_gamma_x_aprime.csv")[0]
    assert float(row["br_ul_observed"]) < float(row["br_ul_expected_minus2"])


def test_candidates_in_wrong_units_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mev.csv").write_text("m2miss\n5625.0\n")            # MeV^2/c^4 instead of GeV^2/c^4
    res = _run(tmp_path, {**SMALL, "candidates_file": "mev.csv"})
    assert res.exit_code == 2, (res.exit_code, res.stderr)
    err = res.stderr.strip()
    # the error line names the field and the allowed range (the section checks its file before simulating;
    # check_section_inputs does not read this search's file yet, so the line may follow the run's section list)
    last = err.splitlines()[-1]
    assert "Traceback" not in err and "config.searches.pi0-gamma-x.candidates_file" in last, err
    assert "outside the allowed range [-0.243717, 0.243717] GeV^2/c^4" in last, err


def test_bad_photonuclear_range_stops_the_run_before_anything_runs(tmp_path):
    # the photonuclear / conversion models are built in the pre-run check: exit 2, one line, nothing written
    res = _run(tmp_path, {**SMALL, "photonuclear_visible_range": [0.6, 0.2]})
    assert res.exit_code == 2, res.stderr
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "config.searches.pi0-gamma-x.photonuclear_visible_range" in err, err
    assert not (tmp_path / "out").exists()
