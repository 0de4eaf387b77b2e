"""``--scheduler`` bad input (issue 17): ``local:0``, a malformed value, an unreachable scheduler and dask not
installed are one line naming the option, exit 2, before any simulation."""

import sys

import pytest
from typer.testing import CliRunner

from kaonportal import distributed
from kaonportal.cli.main import app
from kaonportal.errors import InputError

runner = CliRunner()


@pytest.mark.parametrize("spec, needle", [("local:0", "local:N needs N >= 1"), ("local:x", "local:N"),
                                          ("local", "local:N"),
                                          ("tcp://127.0.0.1:1", "cannot reach the dask scheduler")])
def test_bad_scheduler_exit_2(tmp_path, monkeypatch, spec, needle):
    pytest.importorskip("distributed")
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT_S", 1)
    out = tmp_path / "x.parquet"
    r = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "1000", "--seed", "1", "-o", str(out),
                            "--scheduler", spec])
    assert r.exit_code == 2, r.output
    assert "scheduler" in r.stderr and needle in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_without_dask_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)     # import distributed -> ImportError
    with pytest.raises(InputError, match=r'pip install "kaonportal\[distributed\]"'):
        distributed.check_scheduler("local:2")
    r = runner.invoke(app, ["simulate", "K+ -> pi+ pi0", "-n", "1000", "--seed", "1",
                            "-o", str(tmp_path / "y.parquet"), "--scheduler", "local:2"])
    assert r.exit_code == 2 and "kaonportal[distributed]" in r.stderr


def test_without_scheduler_runs_in_process():
    seen = list(distributed.ordered_map(lambda x, k: x * k, [1, 2, 3], 10))
    assert seen == [10, 20, 30] and distributed.active_client() is None


@pytest.mark.parametrize("command", [["run", "--quick"], ["beamdump", "--grid", "2x2"]])
def test_run_and_beamdump_refuse_bad_scheduler_before_work(tmp_path, command):
    out = tmp_path / "out"
    r = runner.invoke(app, [*command, "--out", str(out), "--scheduler", "local:0"])
    assert r.exit_code == 2, r.output
    assert "--scheduler" in r.stderr and "local:N needs N >= 1" in r.stderr and "Traceback" not in r.output
    assert not out.exists()


def test_unreachable_scheduler_fails_within_seconds():
    # issue 17 "Bad input": a refused connection is known at once; dask alone retried it for its whole connect
    # timeout (~18 s). The plain TCP probe says so within PROBE_TIMEOUT_S (2 s); 3 s leaves room for a busy machine.
    import socket
    import time

    pytest.importorskip("distributed")
    with socket.socket() as s:              # a port that is bound but not listening: connections are refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        t = time.perf_counter()
        with pytest.raises(InputError, match=rf"--scheduler: cannot reach the dask scheduler 'tcp://127.0.0.1:{port}'"):
            with distributed.use_scheduler(f"tcp://127.0.0.1:{port}"):
                pass
        assert time.perf_counter() - t < 3.0
    assert distributed.active_client() is None
