"""Threaded jobs in order (kaonportal.backend.ordered_blocks / BlockThreads): the first job of a kind of call runs alone
once per process (numba compiles its kernels there), later calls with its compile key run every job on the threads,
a call nested in a pool thread runs serially there (no lock, no deadlock), and the results never depend on the
number of threads."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import kaonportal
from kaonportal import backend
from kaonportal.backend import COMPILE_LOCK, BlockThreads, block_rng, ordered_blocks, ordered_results

TIMEOUT_S = 20.0       # a barrier that the old behaviour never reaches fails after this, instead of hanging


def _lock_held_elsewhere() -> bool:
    """The compile lock (re-entrant: only another thread sees it taken) is held by some thread."""
    out = []

    def probe():
        out.append(COMPILE_LOCK.acquire(blocking=False))
        if out[0]:
            COMPILE_LOCK.release()
    t = threading.Thread(target=probe)
    t.start()
    t.join()
    return not out[0]


def test_ordered_blocks_keeps_the_job_order_whatever_finishes_first():
    def slow_first(j):
        time.sleep(0.02 * (5 - j % 5))          # later jobs finish first
        return j * j
    assert list(ordered_blocks(slow_first, range(12), workers=3)) == [j * j for j in range(12)]


def test_ordered_blocks_runs_the_first_job_alone_and_bounds_the_jobs_in_flight():
    running, seen, lock = set(), [], threading.Lock()

    def job(j):
        with lock:
            if j == 0:
                assert _lock_held_elsewhere()     # numba compiles the kernels in the first job, alone
            running.add(j)
            seen.append(frozenset(running))
        time.sleep(0.01)
        with lock:
            running.discard(j)
        return j

    got = []
    for r in ordered_blocks(job, range(10), workers=2):
        got.append(r)
        time.sleep(0.03)           # a slow consumer: the threads run ahead at most workers + 1 jobs
    assert got == list(range(10))
    assert seen[0] == {0} and all(0 not in s for s in seen[1:])
    assert max(len(s) for s in seen) == 2
    assert not _lock_held_elsewhere()


def test_ordered_blocks_nested_in_a_first_job_does_not_deadlock():
    # a first job (under the compile lock) that runs threaded work of its own
    def outer(i):
        return sum(ordered_blocks(lambda j: i * 10 + j, range(4), workers=2))
    assert list(ordered_blocks(outer, range(3), workers=2)) == [sum(i * 10 + j for j in range(4)) for i in range(3)]


def test_ordered_blocks_raises_the_failing_jobs_error_in_the_caller():
    def job(j):
        if j == 3:
            raise ValueError("block 3")
        return j
    out = []
    with pytest.raises(ValueError, match="block 3"):
        for r in ordered_blocks(job, range(8), workers=2):
            out.append(r)
    assert out == [0, 1, 2]


def _fresh_key() -> tuple:
    return ("test", uuid.uuid4().hex)


def test_first_call_runs_the_first_job_alone_and_a_compiled_key_runs_it_concurrently():
    key, caller = _fresh_key(), threading.get_ident()
    running, log, lock = set(), [], threading.Lock()

    def job(j):
        with lock:
            running.add(j)
            log.append((j, threading.get_ident(), frozenset(running), _lock_held_elsewhere()))
        time.sleep(0.01)
        with lock:
            running.discard(j)
        return j

    assert list(ordered_blocks(job, range(6), workers=2, compile_key=key)) == list(range(6))
    j0 = log[0]
    assert j0[0] == 0 and j0[1] == caller and j0[2] == {0} and j0[3]        # alone, in the caller, under the lock
    assert all(0 not in entry[2] for entry in log[1:])
    assert key in backend._COMPILED

    # second call: job 0 can only pass the barrier while job 1 runs (both on the pool's threads)
    meet = threading.Barrier(2, timeout=TIMEOUT_S)
    idents = {}

    def job2(j):
        idents[j] = threading.get_ident()
        if j < 2:
            meet.wait()
        return j * j

    assert list(ordered_blocks(job2, range(6), workers=2, compile_key=key)) == [j * j for j in range(6)]
    assert caller not in idents.values()


def test_without_a_key_every_call_runs_its_first_job_alone():
    for _ in range(2):
        seen = []

        def job(j):
            seen.append((j, threading.get_ident(), _lock_held_elsewhere()))
            return j
        assert list(ordered_blocks(job, range(4), workers=2)) == [0, 1, 2, 3]
        assert seen[0] == (0, threading.get_ident(), True)


def test_a_failing_first_job_does_not_mark_its_key_compiled():
    key = _fresh_key()

    def job(j):
        raise RuntimeError("compile failed")
    with pytest.raises(RuntimeError):
        list(ordered_blocks(job, range(3), workers=2, compile_key=key))
    assert key not in backend._COMPILED


def test_a_serial_call_with_a_new_key_runs_its_first_job_under_the_lock():
    # run_chunk without threads (a dask worker's task thread): another thread's first job may be compiling
    key = _fresh_key()
    held = []
    out = list(BlockThreads(1).ordered(lambda j: held.append(_lock_held_elsewhere()) or j, range(3), key))
    assert out == [0, 1, 2] and held == [True, False, False] and key in backend._COMPILED


def test_the_compile_job_runs_under_the_lock_just_before_the_first_job_of_a_key_only():
    key = _fresh_key()
    events = []

    def compile_job():
        events.append(("compile", _lock_held_elsewhere()))

    def job(j):
        events.append(j)
        return j

    threads = BlockThreads(2)
    try:
        for _call in range(2):
            assert list(threads.ordered(job, range(3), key, compile_job)) == [0, 1, 2]
    finally:
        threads.close()
    # first call: the compile job, then job 0 alone, then 1 and 2 in either order; second call: no compile job
    assert events[:2] == [("compile", True), 0] and sorted(events[2:4]) == [1, 2] and sorted(events[4:]) == [0, 1, 2]


def _draws(job):
    time.sleep(0.003 * ((7 - job) % 4))          # later jobs often finish first
    return block_rng(5, job, 1).standard_normal(2000)


@pytest.mark.parametrize("keyed", [False, True])
def test_results_in_order_and_identical_for_1_2_3_workers(keyed):
    key = _fresh_key() if keyed else None
    runs = {w: [r.tobytes() for r in ordered_blocks(_draws, range(9), workers=w, compile_key=key)]
            for w in (1, 2, 3, 2)}
    assert runs[1] == runs[2] == runs[3]
    assert runs[1] == [_draws(j).tobytes() for j in range(9)]


def test_a_kept_pool_serves_many_calls_on_the_same_threads():
    # the Thread objects, not their idents: the OS reuses the ident of a thread that has ended, so a pool made anew
    # per call could show the same idents
    threads = BlockThreads(2)
    key, seen = _fresh_key(), set()
    try:
        for call in range(3):
            out = list(threads.ordered(lambda j: seen.add(threading.current_thread()) or j + call, range(5), key))
            assert out == [j + call for j in range(5)]
    finally:
        threads.close()
    assert len(seen - {threading.current_thread()}) <= 2


def test_nested_calls_in_pool_threads_run_there_concurrently():
    # two outer jobs on the pool, each starting threaded work of its own whose first job waits for the other's:
    # only possible if neither nested call waits for the compile lock (or for the other's threads)
    key = _fresh_key()
    list(ordered_blocks(lambda j: j, range(2), workers=2, compile_key=key))      # the outer kind has run
    meet = threading.Barrier(2, timeout=TIMEOUT_S)

    def inner(job):
        outer_ident, j = job
        assert threading.get_ident() == outer_ident          # serially, in the outer job's thread
        if j == 0:
            meet.wait()
        return j

    def outer(i):
        me = threading.get_ident()
        return sum(ordered_blocks(inner, [(me, j) for j in range(3)], workers=2)) + 10 * i

    assert list(ordered_blocks(outer, range(2), workers=2, compile_key=key)) == [3, 13]


NESTED_THREE_DEEP = """
from kaonportal.backend import ordered_blocks
def inner(j): return j
def mid(j): return sum(ordered_blocks(inner, range(3), workers=2))
def outer(i): return sum(ordered_blocks(mid, range(3), workers=2))
print(list(ordered_blocks(outer, range(2), workers=2)))
"""


def test_three_deep_nesting_does_not_deadlock():
    # outer's first job holds the compile lock while it waits for mid's jobs on the pool; each of those starts
    # threaded work: had their first jobs waited for the lock, the process would hang (hence a subprocess, killed
    # after the timeout)
    src = str(Path(kaonportal.__file__).resolve().parents[1])
    env = {"PYTHONPATH": src, "PATH": "/usr/bin:/bin"}
    env.update({k: v for k, v in os.environ.items() if k.startswith(("NUMBA_", "HOME"))})
    done = subprocess.run([sys.executable, "-c", NESTED_THREE_DEEP], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[9,", "9]"]


class _Future:
    def __init__(self, value):
        self.value, self.cancelled = value, False

    def result(self):
        return self.value

    def cancel(self):
        self.cancelled = True


def test_ordered_results_keeps_a_window_and_cancels_what_is_left():
    submitted = []

    def submit(item):
        submitted.append(_Future(item * 2))
        return submitted[-1]

    it = ordered_results(submit, range(10), window=3)
    assert len(submitted) == 3                       # the first window is submitted at once
    assert next(it) == 0 and len(submitted) == 4     # refilled before the result is handed over
    assert next(it) == 2
    it.close()
    assert [f.cancelled for f in submitted] == [False, False, True, True, True]
    assert list(ordered_results(submit, range(4), window=2)) == [0, 2, 4, 6]


@pytest.mark.parametrize("keyed", [False, True])
def test_after_the_first_job_the_others_run_on_the_threads(keyed):
    # two jobs: the second on a pool thread (a keyed call's lone job too, once its kind has run: a chunk of one block)
    key = _fresh_key() if keyed else None
    where = []
    list(ordered_blocks(lambda j: where.append(threading.get_ident()), range(2), workers=2, compile_key=key))
    assert where[0] == threading.get_ident() != where[1]
    if keyed:
        where.clear()
        list(ordered_blocks(lambda j: where.append(threading.get_ident()), range(1), workers=2, compile_key=key))
        assert where[0] != threading.get_ident()
