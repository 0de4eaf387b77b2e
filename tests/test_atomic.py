"""kaonportal.atomic: atomic result files, unique temporary names, stale temporaries, output locks (issue 12, 17)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from kaonportal.atomic import OutputLock, atomic_path, remove_stale_temps, temp_path, write_text_atomic
from kaonportal.cli.main import app
from kaonportal.errors import InputError

runner = CliRunner()


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    (tmp_path / "r.json").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "r.json") as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert (tmp_path / "r.json").read_text() == "old"          # the previous result is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
    write_text_atomic(tmp_path / "r.json", "new")
    assert (tmp_path / "r.json").read_text() == "new"


def test_temporary_names_are_unique_and_keep_the_suffix(tmp_path):
    names = {temp_path(tmp_path / "summary.json") for _ in range(1000)}
    assert len(names) == 1000 and all(p.suffix == ".json" and p.name.startswith(".summary.json.") for p in names)


def test_remove_stale_temps_only_touches_temporaries(tmp_path):
    keep = [tmp_path / "summary.json", tmp_path / "cache" / "k.parquet", tmp_path / "tables" / "a.csv"]
    stale = [temp_path(tmp_path / "summary.json"), tmp_path / "cache" / "k.tmp4242",
             tmp_path / "tables" / ".a.csv.77.partial", tmp_path / "cache" / "m.tmp"]
    for p in keep + stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    assert sorted(remove_stale_temps(tmp_path)) == sorted(stale)
    assert all(p.exists() for p in keep) and not any(p.exists() for p in stale)


_HOLDER = ("import sys, time; from kaonportal.atomic import OutputLock; "
           "OutputLock(sys.argv[1], 'output').acquire(); print('locked', flush=True); time.sleep(60)")


def test_lock_excludes_a_second_process_and_dies_with_its_holder(tmp_path):
    lock = tmp_path / ".x.lock"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(lock)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(InputError, match=rf"another kaonportal process \(pid {holder.pid}\) is writing"):
            OutputLock(lock, "output").acquire()
    finally:
        holder.send_signal(signal.SIGKILL)         # a killed run: the OS releases its lock
        holder.wait()
    OutputLock(lock, "output").acquire().release()
    assert not lock.exists()


def test_simulate_same_output_twice_second_exits_2(tmp_path):
    out = tmp_path / "k.parquet"
    with OutputLock(tmp_path / ".k.parquet.lock", "output", out):    # a first `simulate -o k.parquet` running
        res = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "100", "--seed", "1", "-o", str(out)])
    assert res.exit_code == 2 and "another kaonportal process" in res.stderr, res.output
    assert not out.exists() and not (tmp_path / "k.parquet.partial").exists()
    # lock released: the same command runs, cleans a killed run's event-file temporary and leaves no lock file
    stale = tmp_path / ".k.parquet.999.partial"
    stale.write_text("half")
    res = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "100", "--seed", "1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.parquet"]


def test_run_same_out_twice_second_exits_2(tmp_path):
    out = tmp_path / "res"
    out.mkdir()
    with OutputLock(out / ".kaonportal.lock", "--out", out):
        res = runner.invoke(app, ["run", "--quick", "--out", str(out), "--force", "--json"])
    assert res.exit_code == 2, res.output
    assert "another kaonportal process" in json.loads(res.stdout)["error"]["message"]


def test_run_resume_cleans_stale_temporaries_and_keeps_the_cache(tmp_path):
    from kaonportal.cli.run import LOCK_NAME, _prepare_out
    from kaonportal.cli._common import _release_held
    out = tmp_path / "res"
    (out / "cache").mkdir(parents=True)
    (out / "cache" / "sample.parquet").write_text("x")
    (out / "cache" / "sample.tmp31337").write_text("half")          # samples.py's temporary of a killed run
    (out / ".summary.json.31337.0a1b2c3d.tmp.json").write_text("{")
    try:
        assert _prepare_out(out, force=False) is True
        assert (out / LOCK_NAME).exists()
        assert sorted(p.name for p in out.rglob("*") if p.is_file()) == [LOCK_NAME, "sample.parquet"]
    finally:
        _release_held()
    assert not (out / LOCK_NAME).exists()


def test_result_writers_leave_no_temporaries(tmp_path):
    import matplotlib.pyplot as plt

    from kaonportal.report import write_summary
    from kaonportal.report.plots import save
    from kaonportal.report.tables import write_csv
    write_summary(tmp_path / "summary.json", {"x": float("nan")})
    write_csv(tmp_path / "t.csv", ["what: demo"], ["a"], [{"a": 1}])
    fig, _ = plt.subplots()
    save(fig, tmp_path / "p", formats=["png", "pdf"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.pdf", "p.png", "summary.json", "t.csv"]
    assert json.loads((tmp_path / "summary.json").read_text()) == {"x": None}
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "p.pdf").read_bytes()[:4] == b"%PDF"
