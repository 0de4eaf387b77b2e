"""Event-record blocks built on threads (kaonportal.backend.ordered_blocks, issue 17): the same record, bit for bit,
as the serial build, whatever the number of threads or the number of events cut into blocks."""

import threading
import time
from dataclasses import fields

import numpy as np
import pytest

from kaonportal.backend import BLOCK_SIZE, COMPILE_LOCK, ordered_blocks
from kaonportal.detector import load_card
from kaonportal.detector.conversions import ConversionModel
from kaonportal.detector.photonuclear import PhotonuclearModel
from kaonportal.simulation.record import Readout, build_record, decay_events, iter_record_blocks
from kaonportal.simulation.record_schema import EventRecord

CARD = load_card("na62-2022")
DALITZ = decay_events("K+ -> pi+ pi0", pi0_decay="dalitz")
# every stage of the record on: conversions, photonuclear clusters and times each draw from their own stream
READOUT = Readout(conversion=ConversionModel(), photonuclear=PhotonuclearModel())
N = 3 * BLOCK_SIZE + 700          # four blocks, the last one short


def _same(a: EventRecord, b: EventRecord) -> None:
    for f in fields(EventRecord):
        x, y = np.asarray(getattr(a, f.name)), np.asarray(getattr(b, f.name))
        assert x.dtype == y.dtype and x.shape == y.shape, f.name
        assert x.tobytes() == y.tobytes(), f.name           # bit for bit (NaN payloads and signed zeros too)


@pytest.fixture(scope="module")
def serial():
    return build_record(DALITZ, N, 11, CARD, READOUT, workers=1)


@pytest.mark.parametrize("workers", [2, 3])
def test_threaded_record_is_the_serial_one(serial, workers):
    _same(build_record(DALITZ, N, 11, CARD, READOUT, workers=workers), serial)


def test_threaded_blocks_come_in_block_order(serial):
    # block by block (what a search consumes, accumulating its sums in this order), and a record of whole blocks,
    # two of the four (other jobs, a different last block), is the serial record's head
    rows = 0
    for rec in iter_record_blocks(DALITZ, N, 11, CARD, READOUT, workers=2):
        assert np.array_equal(rec.vertex_true, serial.vertex_true[rows:rows + rec.n])
        rows += rec.n
    assert rows == N
    head = build_record(DALITZ, 2 * BLOCK_SIZE, 11, CARD, READOUT, workers=3)
    for name in ("track_p4", "cluster_e", "photon_p_convert", "cluster_time_ns", "weight"):
        x, y = getattr(head, name), getattr(serial, name)[:2 * BLOCK_SIZE]
        assert x.tobytes() == np.ascontiguousarray(y).tobytes(), name


def test_ordered_blocks_keeps_the_job_order_whatever_finishes_first():
    def slow_first(j):
        time.sleep(0.02 * (5 - j % 5))          # later jobs finish first
        return j * j
    assert list(ordered_blocks(slow_first, range(12), workers=3)) == [j * j for j in range(12)]


def _compile_lock_held_elsewhere() -> bool:
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


def test_ordered_blocks_runs_the_first_job_alone_and_bounds_the_jobs_in_flight():
    running, seen, lock = set(), [], threading.Lock()

    def job(j):
        with lock:
            if j == 0:
                assert _compile_lock_held_elsewhere()     # numba compiles the kernels in the first job, alone
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
    assert not _compile_lock_held_elsewhere()


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


def test_a_record_call_with_a_compiled_key_builds_its_first_block_on_the_threads(serial):
    # the first call of a key builds block 0 alone in the caller (numba compiles there); a second call with the same
    # key builds both blocks on the threads, the same records bit for bit
    key = ("test record", object())
    calls = []
    for _ in range(2):
        where = []
        recs = list(iter_record_blocks(DALITZ, 2 * BLOCK_SIZE, 11, CARD, READOUT, workers=2, compile_key=key,
                                       per_block=lambda rec: where.append(threading.get_ident()) or rec))
        calls.append((where, recs))
    assert calls[0][0][0] == threading.get_ident()
    assert threading.get_ident() not in calls[1][0]
    for recs in (calls[0][1], calls[1][1]):
        assert np.array_equal(np.concatenate([r.vertex_true for r in recs]), serial.vertex_true[:2 * BLOCK_SIZE])
        want = np.ascontiguousarray(serial.cluster_e[BLOCK_SIZE:2 * BLOCK_SIZE])
        assert recs[1].cluster_e.tobytes() == want.tobytes()
