"""`kaonportal models` command line."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaonportal.cli.main import app

runner = CliRunner()
CURVES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "curves"


def test_br_json():
    r = runner.invoke(app, ["models", "br", "hnl-e", "--mass", "0.3", "--coupling", "1e-8", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert set(out) >= {"production", "width_gev", "ctau_m", "lifetime_s", "branching_ratios"}
    assert out["production"]["K+ -> e+ N"] == pytest.approx(2.17e-8, rel=1e-2)
    assert out["ctau_m"] == pytest.approx(0.0805 / 1e-8, rel=5e-3)
    assert sum(out["branching_ratios"].values()) == pytest.approx(1.0)


@pytest.mark.parametrize("args, text", [
    (["models", "br", "hnl-e", "--mass", "7", "--coupling", "1e-8"], "[0.001, 5] GeV"),
    (["models", "br", "dark-fotone", "--mass", "0.1", "--coupling", "1e-3"], "allowed: dark-photon"),
    (["models", "br", "BC1", "--mass", "0.1", "--coupling", "-1e-3"], "epsilon"),
])
def test_br_bad_input(args, text):
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert text in r.stderr


def test_list_json_and_alias():
    r = runner.invoke(app, ["models", "list", "--json"])
    assert r.exit_code == 0
    names = [m["name"] for m in json.loads(r.stdout)["models"]]
    assert "alp-gluon" in names and "dark-photon-invisible" in names
    r = runner.invoke(app, ["models", "br", "BC9", "--mass", "0.1", "--coupling", "1e-4", "--json"])
    assert json.loads(r.stdout)["model"] == "alp-photon"


@pytest.mark.skipif(not CURVES.is_dir(), reason="shared/reference/curves not available")
def test_convert_cli(tmp_path):
    curve = CURVES / "NA62_Kp_to_piX_X_to_mumu_BR_UL90_vs_mass_lifetime_ALPaca.csv"
    out = tmp_path / "dp.csv"
    r = runner.invoke(app, ["models", "convert", str(curve), "--model", "dark-photon", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["coupling_name"] == "epsilon" and len(res["mass_gev"]) == len(res["coupling_low"])
    assert out.read_text().startswith("#")
    r = runner.invoke(app, ["models", "convert", str(curve), "--model", "dark-photon", "--out", str(out)])
    assert r.exit_code == 2 and "--force" in r.stderr
    r = runner.invoke(app, ["models", "convert", str(tmp_path / "nope.csv"), "--model", "dark-photon"])
    assert r.exit_code == 2


def test_br_params():
    base = json.loads(runner.invoke(app, ["models", "br", "BC11", "--mass", "0.1", "--coupling", "1e-3",
                                          "--json"]).stdout)
    alt = runner.invoke(app, ["models", "br", "BC11", "--mass", "0.1", "--coupling", "1e-3", "--json",
                              "--param", "normalisation=1/4fG"])
    assert alt.exit_code == 0, alt.stderr
    ratio = json.loads(alt.stdout)["production"]["K+ -> pi+ a"] / base["production"]["K+ -> pi+ a"]
    assert 4e3 < ratio < 6e3
    bad = runner.invoke(app, ["models", "br", "BC2", "--mass", "0.1", "--coupling", "1e-3", "--param", "spin=1"])
    assert bad.exit_code == 2 and "params" in bad.stderr
