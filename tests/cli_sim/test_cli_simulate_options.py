"""`kaonportal simulate --force-decays / --veto-average K`: passed through to kaonportal.simulation.simulate
unchanged (same columns as the library call), reported in the summary only when set, bad K -> exit 2."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kaonportal.cli.main import app
from kaonportal.simulation import simulate

runner = CliRunner()
BASE = ["-n", "3000", "--seed", "7", "--card", "na62-2018"]


def _run(tmp_path, decay, *extra):
    out = tmp_path / "ev.parquet"
    # --columns all: every column at full precision, compared exactly with the in-memory table below
    r = runner.invoke(app, ["simulate", decay, *BASE, "-o", str(out), "--json", "--columns", "all", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), pq.read_table(out)


def test_force_decays_passed_through(tmp_path):
    s, t = _run(tmp_path, "K+ -> mu+ nu", "--muon-decays", "--force-decays")
    assert s["force_decays"] is True and "veto_average" not in s
    assert t.schema.metadata[b"force_decays"] == b"True"
    ref = simulate("K+ -> mu+ nu", n=3000, seed=7, card="na62-2018", muon_decays=True, force_decays=True).events
    for c in ("weight_forced_decay", "track_decayed", "p_track", "m2miss_pi"):
        assert np.array_equal(t.column(c).to_numpy(), ref.column(c).to_numpy(), equal_nan=c != "track_decayed"), c
    w = t.column("weight_forced_decay").to_numpy()
    # forced: every muon that can decay before STRAW1 does, with its (small) probability as weight
    assert t.column("track_decayed").to_numpy().mean() > 0.5 and 0 < w.max() < 0.01


def test_veto_average_passed_through(tmp_path):
    s, t = _run(tmp_path, "K+ -> pi+ pi0", "--veto-average", "4")
    assert s["veto_average"] == 4 and "force_decays" not in s
    assert t.schema.metadata[b"veto_average"] == b"4"
    ref = simulate("K+ -> pi+ pi0", n=3000, seed=7, card="na62-2018", veto_average=4).events
    for c in ("w_photon_veto", "w_photon_veto_escape"):
        assert np.array_equal(t.column(c).to_numpy(), ref.column(c).to_numpy()), c
    plain = simulate("K+ -> pi+ pi0", n=3000, seed=7, card="na62-2018").events
    # the averaged veto probability differs from the single-orientation one (same kinematics)
    assert not np.array_equal(t.column("w_photon_veto").to_numpy(), plain.column("w_photon_veto").to_numpy())
    assert np.array_equal(t.column("p_track").to_numpy(), plain.column("p_track").to_numpy())


def test_default_summary_has_no_option_keys(tmp_path):
    out = tmp_path / "ev.parquet"
    r = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "10", "--seed", "1", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "force_decays" not in r.stdout and "veto_average" not in r.stdout
    assert b"veto_average" not in pq.read_schema(out).metadata
    r = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "10", "--seed", "1", "-o", str(out), "--force",
                            "--veto-average", "2"])
    assert r.exit_code == 0 and "veto_average: 2" in r.stdout


@pytest.mark.parametrize("extra, needle", [(["--veto-average", "-1"], "veto_average: must be an integer in [0, 4096]"),
                                           (["--veto-average", "4097"], "veto_average: must be an integer in [0, 4096]"),
                                           (["--veto-average", "2", "--sampling", "deletion"],
                                            "veto_average: needs sampling='weights'")])
def test_bad_veto_average_exit_2(tmp_path, extra, needle):
    out = tmp_path / "x.parquet"
    r = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "10", "--seed", "1", "-o", str(out), *extra])
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [f"error: {needle}" + r.stderr.strip().split(needle, 1)[1]]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_extra_columns_option(tmp_path):
    # optional simulation columns through the CLI: present when asked, unknown name -> exit 2 naming the field
    import pyarrow.parquet as pq
    from typer.testing import CliRunner
    from kaonportal.cli.main import app
    out = tmp_path / "x.parquet"
    res = CliRunner().invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "2000", "--seed", "3", "-o", str(out),
                                   "--extra-columns", "n_photons_lkr,m_gg_lkr", "--json"])
    assert res.exit_code == 0, res.stderr
    names = pq.read_schema(out).names
    assert names[-2:] == ["n_photons_lkr", "m_gg_lkr"]
    bad = CliRunner().invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "100", "--seed", "3", "-o",
                                   str(tmp_path / "y.parquet"), "--extra-columns", "n_photons"])
    assert bad.exit_code == 2 and "extra_columns" in bad.stderr and "n_photons_lkr" in bad.stderr
