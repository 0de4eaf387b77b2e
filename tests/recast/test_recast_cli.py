"""`kaonportal recast` and `kaonportal models export` command lines: outputs, and bad input (exit 2, one line,
before any simulation)."""

import json
from importlib import resources
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kaonportal.cli.main import app

runner = CliRunner()
EXAMPLE = Path(str(resources.files("kaonportal") / "data" / "models" / "examples" / "leptophilic_scalar.yaml"))


@pytest.fixture(scope="module")
def bc4_yaml(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "bc4.yaml"
    r = runner.invoke(app, ["models", "export", "BC4", "-o", str(path), "--n-masses", "120"])
    assert r.exit_code == 0, r.output
    return path


def test_recast_exported_bc4(search_dir, bc4_yaml, tmp_path):
    out = tmp_path / "r"
    r = runner.invoke(app, ["recast", str(bc4_yaml), "--out", str(out), "--searches", "kpix,visible-x-mumu",
                            "--searches-from", str(search_dir), "--grid", "12x12", "--mass-range", "0.01,0.3",
                            "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["model"] == "dark-scalar-tabulated"
    assert set(summary["searches"]) == {"kpix", "visible-x-mumu"}
    assert summary["union"] is not None
    rows = [ln for ln in (out / "combined.csv").read_text().splitlines() if not ln.startswith("#")]
    assert rows[0] == "mass_gev,coupling_low,coupling_high" and len(rows) > 1


def test_hand_written_example_is_recast(search_dir, tmp_path):
    """The shipped example populates K+ -> mu+ nu X only: every other search is skipped with its reason."""
    out = tmp_path / "ex"
    kmunux = search_dir / "curves" / "kmunux_br_scalar.csv"
    ul = ",".join(["br_ul_observed"] + [f"br_ul_expected_{b}" for b in ("minus2", "minus1", "median", "plus1",
                                                                        "plus2")])
    kmunux.write_text("m_x_gev," + ul + "\n" + "".join(f"{m},{','.join(['2e-6'] * 6)}\n"
                                                         for m in (0.01, 0.1, 0.2, 0.3, 0.37)))
    r = runner.invoke(app, ["recast", str(EXAMPLE), "--out", str(out), "--searches", "all", "--searches-from",
                            str(search_dir), "--grid", "10x10", "--n-per-mass", "100", "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert "kmunux" in summary["searches"]
    assert "kpix" in summary["skipped"] and "K+ -> pi+ X" in summary["skipped"]["kpix"]
    # BR(K+ -> mu+ nu X) = 5e-3 g^2 at 0.1 GeV vs a 2e-6 limit: g_mu >~ 0.02 excluded while X escapes
    k = summary["searches"]["kmunux"]["excluded"]
    assert k is not None and k["g_mu"][0] < 0.05


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["widths"]["S -> e+ e-"].__setitem__(4, -2.0), "model.widths[S -> e+ e-][4]"),
    (lambda d: d["widths"]["S -> e+ e-"].__setitem__(4, float("nan")), "model.widths.S -> e+ e-.4"),
    (lambda d: d["mass_grid"].__setitem__(3, d["mass_grid"][1]), "model.mass_grid"),
    (lambda d: d["production"].__setitem__("Lambda -> p S", d["production"]["K+ -> pi+ S"]),
     "model.production[Lambda -> p S]"),
    (lambda d: (d["production"].__setitem__("B+ -> K+ S", [2.0] * len(d["mass_grid"])),
                d["production_powers"].__setitem__("B+ -> K+ S", 0)), "model.production[B+ -> K+ S][0]"),
])
def test_bad_model_files(bc4_yaml, tmp_path, edit, field):
    data = yaml.safe_load(bc4_yaml.read_text())
    edit(data)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    out = tmp_path / "never"
    r = runner.invoke(app, ["recast", str(bad), "--out", str(out)])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and field in lines[0], r.output
    assert not out.exists()          # refused before any simulation or output


def test_entry_point_that_does_not_import(tmp_path):
    out = tmp_path / "never"
    r = runner.invoke(app, ["recast", "not_a_module_abc:Model", "--out", str(out)])
    assert r.exit_code == 2 and "does not import" in r.output and not out.exists()


@pytest.mark.parametrize("args, field", [
    (["--searches", "kpix,lnv"], "searches"), (["--pot", "-1"], "pot"), (["--grid", "1x5"], "grid"),
    (["--projection", "nope-xyz"], "config"), (["--mass-range", "0.5,9"], "mass_range"),
])
def test_bad_options(args, field, tmp_path):
    r = runner.invoke(app, ["recast", "BC4", "--out", str(tmp_path / "never"), *args])
    assert r.exit_code == 2, r.output
    assert f"{field}:" in r.output and not (tmp_path / "never").exists()


@pytest.mark.parametrize("spec", ["local:0", "local", "tcp://host:port"])
def test_bad_scheduler_is_one_line_before_anything(spec, tmp_path):
    r = runner.invoke(app, ["recast", "BC4", "--out", str(tmp_path / "never"), "--scheduler", spec])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "--scheduler" in lines[0], r.output
    assert not (tmp_path / "never").exists()


def test_scheduler_local_gives_the_same_recast(search_dir, tmp_path):
    """--scheduler local:2 sends the beam-dump mass columns to two worker processes (ordered_map): the files
    are identical to the in-process recast (bit-identical for a seed, kaonportal.distributed docstring)."""
    pytest.importorskip("distributed")     # the test extra installs it (pyproject [test])
    args = ["recast", "BC4", "--searches", "kpix,dump", "--searches-from", str(search_dir), "--grid", "6x6",
            "--mass-range", "0.05,0.3", "--n-per-mass", "50", "--seed", "3"]
    plain = runner.invoke(app, [*args, "--out", str(tmp_path / "plain")])
    assert plain.exit_code == 0, plain.output
    dist = runner.invoke(app, [*args, "--out", str(tmp_path / "dist"), "--scheduler", "local:2"])
    assert dist.exit_code == 0, dist.output
    files = sorted(p.relative_to(tmp_path / "plain") for p in (tmp_path / "plain").rglob("*.csv"))
    assert any("dump" in str(f) for f in files), "the beam dump ran"
    for f in files:
        assert (tmp_path / "dist" / f).read_text() == (tmp_path / "plain" / f).read_text(), f


def test_models_export_json(tmp_path):
    # the README: every command takes --json (one JSON object on stdout, the file still written)
    path = tmp_path / "bc4.yaml"
    r = runner.invoke(app, ["models", "export", "BC4", "-o", str(path), "--n-masses", "20", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out == {"model": "dark-scalar", "label": "BC4", "output": str(path), "n_masses": 20} and path.is_file()
