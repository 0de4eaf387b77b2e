"""Usage errors, bad-input files and --json errors: one line on stderr, exit 2 (issue 12 items 13, 16)."""

import json

import pytest
from typer.testing import CliRunner

from kaonportal.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize("args,needle", [
    (["run", "--seed", "x"], "--seed"),
    (["runn"], "No such command"),
    (["stats", "limit", "--bogus"], "No such option: --bogus"),
    (["stats", "limit"], "Missing argument"),
    (["simulate", "K+ -> pi+ pi0", "-n", "many"], "-n"),
])
def test_usage_errors_are_one_line_exit_2(args, needle):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], res.stderr
    assert "Traceback" not in res.stderr and "╭" not in res.stderr


def test_usage_error_with_json_is_one_json_object_on_stdout():
    res = runner.invoke(app, ["run", "--seed", "x", "--json"])
    assert res.exit_code == 2
    err = json.loads(res.stdout)["error"]
    assert err["kind"] == "usage" and err["field"] == "--seed" and err["exit_code"] == 2


def _bomb():
    return ("a0: &a0 [" + ", ".join(["lol"] * 10) + "]\n"
            + "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9)))


@pytest.mark.parametrize("args,text", [
    (["stats", "limit"], _bomb()),
    (["stats", "limit"], "datasets: " + "[" * 20000 + "]" * 20000),
    (["run", "--quick", "--config"], _bomb()),
    (["run", "--quick", "--config"], "seed: " + "[" * 20000 + "]" * 20000),
])
def test_hostile_yaml_is_bad_input_with_json_error(tmp_path, args, text):
    p = tmp_path / "in.yaml"
    p.write_text(text)
    res = runner.invoke(app, [*args, str(p), "--json"] + (["--out", str(tmp_path / "o")] if args[0] == "run" else []))
    assert res.exit_code == 2, res.output
    err = json.loads(res.stdout)["error"]
    assert err["kind"] == "bad_input" and len(err["message"]) < 700
    assert not (tmp_path / "o").exists()          # refused before the output directory is touched


def test_card_bomb_is_bad_input(tmp_path):
    p = tmp_path / "card.yaml"
    p.write_text(_bomb())
    res = runner.invoke(app, ["cards", "show", str(p)])
    assert res.exit_code == 2 and "aliases" in res.stderr


def test_simulate_refuses_absurd_event_counts(tmp_path):
    # 1e12 events used to start a ~200 TB simulation; the bound is analyses.bounds.MAX_EVENTS
    res = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "1000000000000", "--seed", "1",
                              "-o", str(tmp_path / "x.parquet")])
    assert res.exit_code == 2 and "n: must be an integer in [1, 1e+09] events" in res.stderr, res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["cards"], ["stats"], ["decays"]])
def test_group_without_subcommand_shows_help_not_an_error(args):
    res = runner.invoke(app, args)
    assert "Usage" in res.output and "error:" not in res.output
