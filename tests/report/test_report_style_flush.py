"""Deferred plot writers (report.style._flush): a writer process that dies does not hang the run (the plots are
then written in this process, the same files), and no process is forked while other threads or a dask client
run (a forked child inherits their locks held)."""

import os
import signal
import threading
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from kaonportal import distributed
from kaonportal.report import style
from kaonportal.report.style import deferred_saves, flush_deferred, save, save_tag

_REAL_WRITE = style._write_job
_PARENT = os.getpid()


def _dying_write_job(i, jobs=None):
    """A forked writer killed while writing (as by the OOM killer): exits without a word to its parent."""
    if os.getpid() != _PARENT:
        os._exit(9)
    return _REAL_WRITE(i, jobs)


def _hold(d: Path) -> dict:
    pending = {}
    for i in range(4):
        with deferred_saves(pending), save_tag(f"s{i}"):
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.plot([0, 1], [i, 1])
            save(fig, d / f"p{i}")
    return pending


def _alarm(signum, frame):
    raise TimeoutError("the flush hung on a dead writer")


def test_flush_in_two_writer_processes_writes_the_same_files(tmp_path, monkeypatch):
    """Deferred plots written by two forked writers (when a core is idle) are the files one process writes, each
    with its stamp, returned in the order held."""
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    assert style._flush_workers(3) == 1         # few plots: no fork
    serial = flush_deferred(_hold(tmp_path / "one"), lambda tag: f"verdict {tag}")
    monkeypatch.setattr(style, "_flush_workers", lambda n: 2)
    forked = flush_deferred(_hold(tmp_path / "two"), lambda tag: f"verdict {tag}")
    assert [Path(w["plot"]).name for w in forked] == [f"p{i}.png" for i in range(4)]
    assert [w["note"] for w in forked] == [w["note"] for w in serial] == [f"verdict s{i}" for i in range(4)]
    for a, b in zip(serial, forked):
        assert Path(a["plot"]).read_bytes() == Path(b["plot"]).read_bytes()


def test_dead_writer_falls_back_to_writing_here(tmp_path, monkeypatch):
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    serial = flush_deferred(_hold(tmp_path / "one"), lambda tag: f"verdict {tag}")
    monkeypatch.setattr(style, "_flush_workers", lambda n: 2)
    monkeypatch.setattr(style, "_write_job", _dying_write_job)
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)            # a multiprocessing.Pool waits forever for the lost task: fail instead of hanging
    try:
        fallback = flush_deferred(_hold(tmp_path / "two"), lambda tag: f"verdict {tag}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert [Path(w["plot"]).name for w in fallback] == [f"p{i}.png" for i in range(4)]
    assert [w["note"] for w in fallback] == [w["note"] for w in serial]
    for a, b in zip(serial, fallback):
        assert Path(a["plot"]).read_bytes() == Path(b["plot"]).read_bytes()


def test_no_fork_while_threads_or_a_client_run(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))     # an idle 2-core machine: 2 writers
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert style._flush_workers(40) == 2
    monkeypatch.setattr(distributed, "_STATE", {**distributed._STATE, "client": object()})
    assert style._flush_workers(40) == 1
    monkeypatch.undo()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert threading.active_count() > 1 and style._flush_workers(40) == 1
    finally:
        stop.set()
        t.join()
