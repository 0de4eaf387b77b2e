"""`kaonportal pileup`."""

import json

import pytest
from typer.testing import CliRunner

from kaonportal.cli.main import app

runner = CliRunner()


def test_pileup_json_versus_intensity():
    res = runner.invoke(app, ["pileup", "--intensity-scale", "1,2", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    p1, p2 = d["predictions"]
    assert (p1["beam_rate_mhz"], p2["beam_rate_mhz"]) == (600.0, 1200.0)
    assert p2["random_veto_efficiency"] < p1["random_veto_efficiency"]
    assert d["published_random_veto_efficiency"] == 0.632
    assert set(d["random_veto_loss_by_species_and_detector"]["1.0"]) == {"K+", "pi+", "p", "halo"}


@pytest.mark.parametrize("bad", ["0", "1,-1", "nan", "x"])
def test_pileup_bad_scale_one_line_exit_2(bad):
    res = runner.invoke(app, ["pileup", "--intensity-scale", bad])
    assert res.exit_code == 2
    assert "--intensity-scale" in res.output and "Traceback" not in res.output
