"""`kaonportal decays list` and the flat-phase-space warning of `kaonportal simulate` (issue 12 item 19)."""

import json

from typer.testing import CliRunner

from kaonportal.cli.main import app
from kaonportal.decays import FLAT_PHASE_SPACE, MODES, decay_model
from kaonportal.simulation.output import read_metadata

runner = CliRunner()


def test_decays_list_shows_every_mode_and_its_model():
    res = runner.invoke(app, ["decays", "list", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    listed = {r["decay"]: r["model"] for r in out["decays"]}
    assert listed == {m.decay: m.model for m in MODES.values()}
    assert "Kroll-Wada" in listed["pi0 -> e+ e- gamma"] and "ChPT" in listed["K+ -> pi+ gamma gamma"]
    assert out["default"]["model"] == FLAT_PHASE_SPACE and out["default"]["matrix_element"] is False
    text = runner.invoke(app, ["decays", "list"]).stdout
    assert "K+ -> pi+ nu nubar" in text and FLAT_PHASE_SPACE in text


def test_decay_model_lookup_any_daughter_order():
    assert decay_model("K+ -> pi0 pi+")[2] is True
    assert decay_model("K+ -> e+ e- pi+") == ("K+ -> e+ e- pi+", FLAT_PHASE_SPACE, False)


def test_simulate_without_matrix_element_warns_and_records_it(tmp_path):
    out = tmp_path / "pee.parquet"
    res = runner.invoke(app, ["simulate", "K+ -> pi+ e+ e-", "-n", "200", "--seed", "1", "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert "warning: K+ -> pi+ e+ e- has no matrix element" in res.stderr
    assert json.loads(res.stdout)["decay_model"] == FLAT_PHASE_SPACE
    assert read_metadata(out)["decay_model"] == FLAT_PHASE_SPACE


def test_simulate_with_matrix_element_is_silent(tmp_path):
    out = tmp_path / "k3pi.parquet"
    res = runner.invoke(app, ["simulate", "K+ -> pi+ pi+ pi-", "-n", "200", "--seed", "1", "-o", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert "warning" not in res.stderr and "decay_model" not in json.loads(res.stdout)
    assert "decay_model" not in read_metadata(out)
