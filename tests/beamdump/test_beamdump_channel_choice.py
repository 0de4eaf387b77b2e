"""Default channels follow the model (published NA62 2021 counts), and a channel asked for that is closed on the
whole mass grid is refused before any simulation (issue 14 audit, items 3 and 4)."""

import json

import pytest
from typer.testing import CliRunner

from kaonportal.beamdump.analysis import PUBLISHED_2021
from kaonportal.beamdump.channel_choice import default_channels, resolve_channels
from kaonportal.cli.main import app
from kaonportal.errors import InputError

runner = CliRunner()


@pytest.mark.parametrize("model, expected, left", [
    ("BC1", ["ee", "mumu"], {"pipi", "pipipi0", "pipi2pi0", "pipieta", "KK", "KKpi0"}),
    ("BC4", ["ee", "mumu", "pipi", "pipi2pi0", "KK"], set()),
    ("BC10", ["ee", "mumu", "pipigamma", "pipipi0", "pipieta"], {"gg"}),
    ("BC11", ["pipigamma", "pipipi0", "pipieta"], {"gg"}),
])
def test_default_channels_are_the_models_published_ones(model, expected, left):
    chans, left_out = default_channels(model, 2.0)
    assert chans == expected and set(left_out) == left
    assert all(c in PUBLISHED_2021 for c in chans)
    if "gg" in left_out:
        assert "no published" in left_out["gg"]


def test_default_drops_channels_closed_on_the_grid_and_says_so():
    chans, left_out = default_channels("BC4", 0.5)
    assert chans == ["ee", "mumu", "pipi"]
    assert "0.9874" in left_out["KK"] and "closed" in left_out["KK"]


def test_model_without_published_channel_defaults_to_all_of_them():
    assert default_channels("BC9", 2.0) == (["gg"], {})


def test_asked_channel_closed_on_the_whole_grid_is_refused():
    with pytest.raises(InputError, match=r"KK \(asked in --channels\) opens only at m > 0.987"):
        resolve_channels("BC1", "ee,KK", 0.5)
    assert resolve_channels("BC1", "ee,KK", 1.2) == (["ee", "KK"], {})


def test_cli_refuses_a_closed_channel_before_simulating(tmp_path, monkeypatch):
    import kaonportal.beamdump.analysis as analysis

    def no_simulation(*a, **k):
        raise AssertionError("simulated although a channel is closed on the whole grid")

    monkeypatch.setattr(analysis, "expected_events", no_simulation)
    res = runner.invoke(app, ["beamdump", "--model", "BC1", "--channels", "ee,KK", "--mass-range", "0.1,0.5",
                              "--grid", "3x3", "--n-per-mass", "50", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2, res.stdout
    line = " ".join(res.stderr.split())
    assert "--channels" in line and "0.9874 GeV" in line and "Traceback" not in res.stderr
    assert not (tmp_path / "x").exists()


def test_cli_bc11_default_channels_follow_the_model(tmp_path):
    out = tmp_path / "bc11"
    res = runner.invoke(app, ["beamdump", "--model", "BC11", "--grid", "3x3", "--n-per-mass", "50",
                              "--out", str(out), "--json"])
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["channels"] == ["pipigamma", "pipipi0", "pipieta"]   # BC11 decays to 1 GeV
    assert "no published" in summary["inputs"]["channels_left_out"]["gg"]
    assert "left out gg: no published" in " ".join(res.stderr.split())


def test_explain_without_channels_uses_and_names_the_default():
    res = runner.invoke(app, ["beamdump", "--explain", "0.3,4e-7", "--n-per-mass", "100", "--json"])
    assert res.exit_code == 0, res.stderr
    budget = json.loads(res.stdout)
    assert {r["channel"] for r in budget["rows"]} == {"ee", "mumu"}
    assert "pipi" in budget["channels_left_out"] and budget["stated_disagreements"]
