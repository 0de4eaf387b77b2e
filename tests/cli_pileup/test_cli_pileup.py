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


def test_pileup_table_marks_the_random_veto_status():
    # the 2021-22 card's predicted eps_RV (0.66, library error ~0.2%) against the published (63.2 +- 0.6)%
    # ([NA62:2024pjp]): ~5 sigma, so tension or disagreement (registry area pileup) while the model misses
    # sources; the 1x row carries the mark, the 2x row does not (the published number is at 1x), and the
    # check is in the JSON output
    from kaonportal.validation.rule import MARKS
    res = runner.invoke(app, ["pileup", "--intensity-scale", "1,2"])
    assert res.exit_code == 0, res.output
    rows = [ln for ln in res.stdout.splitlines() if ln.split()[:1] in (["1"], ["2"])]
    d = json.loads(runner.invoke(app, ["pileup", "--intensity-scale", "1", "--json"]).stdout)
    st = d["random_veto_check"]["status"]
    assert st in ("tension", "disagree") and d["random_veto_check"]["pull"] > 3
    assert MARKS[st] in rows[0] and MARKS[st] not in rows[1]
    assert "published 0.632" in res.stdout and f": {st} (" in res.stdout
    assert d["random_veto_check"]["entry"] == "pileup-2122-eps-rv-predicted"
