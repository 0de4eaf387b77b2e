"""`kaonportal simulate`, `cards list/show`, `plot m2miss` through typer's CliRunner."""

import json

import yaml
from typer.testing import CliRunner

from kaonportal.cli.main import app
from kaonportal.detector.card import CARD_DIR

runner = CliRunner()


def test_simulate_json_summary(tmp_path):
    out = tmp_path / "kpi2.parquet"
    r = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "2000", "--seed", "1", "--card", "na62-2018",
                            "--z-range", "105", "165", "-o", str(out), "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert {"generated", "decay_fraction", "accepted", "output"} <= set(s)
    assert s["generated"] == 2000 and abs(s["decay_fraction"] - 0.1005) < 5e-5
    assert 0 < s["accepted"] < 1 and s["output"] == str(out) and out.exists()
    # plot of the file
    png = tmp_path / "kpi2.png"
    r = runner.invoke(app, ["plot", "m2miss", str(out), "-o", str(png)])
    assert r.exit_code == 0, r.output
    assert png.stat().st_size > 1000
    r = runner.invoke(app, ["plot", "m2miss", str(out), "-o", str(png)])
    assert r.exit_code == 2 and "exists" in r.stderr


def _fails_cleanly(args, tmp_path, needle):
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    assert needle in r.stderr and "Traceback" not in r.output + r.stderr
    assert r.stdout == ""
    return r


def test_simulate_bad_input_exit_2(tmp_path):
    out = str(tmp_path / "x.parquet")
    base = ["-n", "10", "--seed", "1", "-o", out]
    _fails_cleanly(["simulate", "K+ -> pi+ pion", *base], tmp_path, "decay")
    _fails_cleanly(["simulate", "K+ -> pi+ pi0", "-n", "-5", "--seed", "1", "-o", out], tmp_path, "n:")
    _fails_cleanly(["simulate", "K+ -> pi+ X", "--mass", "0.6", *base], tmp_path, "mass")
    _fails_cleanly(["simulate", "K+ -> pi+ pi0", "-n", "10", "--seed", "1", "-o",
                    str(tmp_path / "missing" / "x.parquet")], tmp_path, "output")
    d = yaml.safe_load((CARD_DIR / "na62-2018.yaml").read_text())
    del d["geometry"]["lkr"]["apothem"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(d))
    _fails_cleanly(["simulate", "K+ -> pi+ pi0", *base, "--card", str(bad)], tmp_path, "card.geometry.lkr.apothem")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_cards_list_and_show():
    r = runner.invoke(app, ["cards", "list", "--json"])
    assert r.exit_code == 0
    names = [c["name"] for c in json.loads(r.stdout)["cards"]]
    assert names == ["na62-2018", "na62-2022"]
    r = runner.invoke(app, ["cards", "show", "na62-2022"])
    assert r.exit_code == 0 and "pt_kick: -0.270" in r.stdout and "[S000, JHEP25]" in r.stdout
    r = runner.invoke(app, ["cards", "show", "na62-2018", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["beam"]["momentum"] == 75.0
    r = runner.invoke(app, ["cards", "show", "na62-1999"])
    assert r.exit_code == 2 and "na62-2018" in r.stderr


def test_plot_bad_input_file_names_the_file_field(tmp_path):
    """A wrong suffix or a corrupt event file: one line naming `file`, exit 2 (not the output field)."""
    from typer.testing import CliRunner

    from kaonportal.cli.main import app

    wrong = tmp_path / "events.yaml"
    wrong.write_text("a: 1\n")
    corrupt = tmp_path / "events.parquet"
    corrupt.write_bytes(b"not a parquet file at all" * 20)
    for f in (wrong, corrupt):
        res = CliRunner().invoke(app, ["plot", "m2miss", str(f), "-o", str(tmp_path / "x.png")])
        assert res.exit_code == 2, res.output
        assert res.stderr.startswith("error: file:"), res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "x.png").exists()
