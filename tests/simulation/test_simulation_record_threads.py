"""Event-record blocks built on threads (kaonportal.backend.ordered_blocks, issue 17; its own tests:
tests/test_backend_threads.py): the same record, bit for bit, as the serial build, whatever the number of threads or
the number of events cut into blocks."""

import threading
from dataclasses import fields

import numpy as np
import pytest

from kaonportal.backend import BLOCK_SIZE
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


def test_heap_trimmed_when_the_caller_stops_early(monkeypatch):
    # the block threads' freed memory goes back to the system however the iteration ends (as simulate's finally)
    from kaonportal.simulation import record
    trims = []
    monkeypatch.setattr(record, "trim_heap", lambda: trims.append(1))
    blocks = iter_record_blocks(DALITZ, BLOCK_SIZE + 1, 11, CARD, READOUT, workers=2)
    next(blocks)
    assert trims == []
    blocks.close()
    assert trims == [1]
