"""Chunk store ownership (simulation/chunks.py): a dask task saves its chunk only into the store of ITS run, and
the client saves every chunk its task did not report saved, whatever file it finds there."""

import numpy as np
import pyarrow as pa

from kaonportal.simulation import chunks
from kaonportal.simulation.output import ChunkStore

SCHEMA = pa.schema([("weight_gen", pa.float64()), ("in_acceptance", pa.bool_()), ("decay_prob", pa.float64())])


def _table(value: float) -> pa.Table:
    return pa.table({"weight_gen": [value, 2.0], "in_acceptance": [True, False], "decay_prob": [0.5, 0.25]},
                    schema=SCHEMA)


def _fake_run_chunk(value):
    def run_chunk(ctx, schema, first_block, start, stop, threads=None, on_block=None):
        t = _table(value)
        return t, {c: t.column(c).to_numpy() for c in chunks._SUM_COLUMNS}
    return run_chunk


def test_stale_task_does_not_save_into_a_new_runs_store(tmp_path, monkeypatch):
    out = tmp_path / "x.parquet"
    old = ChunkStore(out, {"seed": "1"})
    # the old run is interrupted; a new run with other parameters takes over the directory (--force)
    new = ChunkStore(out, {"seed": "2"}, force=True)
    monkeypatch.setattr(chunks, "run_chunk", _fake_run_chunk(7.0))
    table, sums, saved = chunks._chunk_task((0, 0, 2), None, SCHEMA, SCHEMA, old)   # the old run's leftover task
    assert not saved and not new.has(0)
    assert sums == (9.0, 7.0, 0.75)
    # the new run's own task saves, and says so
    monkeypatch.setattr(chunks, "run_chunk", _fake_run_chunk(3.0))
    _, _, saved = chunks._chunk_task((0, 0, 2), None, SCHEMA, SCHEMA, new)
    assert saved and new.load(0).column("weight_gen").to_pylist() == [3.0, 2.0]
    # a store whose directory is gone is not owned either
    new.cleanup()
    assert not new.owns_dir()


class _Writer:
    encoded = False         # takes tables (as the ROOT writer)

    def __init__(self):
        self.tables = []

    def write(self, table):
        self.tables.append(table)


def test_client_saves_unless_its_task_did(tmp_path):
    store = ChunkStore(tmp_path / "x.parquet", {"seed": "2"})
    store.save(0, _table(7.0))           # a stale chunk file (e.g. an old task that saved before the check existed)
    writer = _Writer()
    chunks._emit_chunk(store, writer, 0, _table(3.0), SCHEMA, (5.0, 3.0, 0.75), saved=False)
    assert store.load(0).column("weight_gen").to_pylist() == [3.0, 2.0]     # replaced by this run's chunk
    store.save(1, _table(4.0))           # saved by this run's task, which reports it: not encoded a second time
    mtime = store.path(1).stat().st_mtime_ns
    chunks._emit_chunk(store, writer, 1, _table(4.0), SCHEMA, (6.0, 4.0, 0.75), saved=True)
    assert store.path(1).stat().st_mtime_ns == mtime
    assert np.array_equal(store.load(1).column("weight_gen").to_numpy(), [4.0, 2.0])
    assert [t.column("weight_gen")[0].as_py() for t in writer.tables] == [3.0, 4.0]
