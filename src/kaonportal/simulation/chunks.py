"""Chunks of a simulation run: blocks -> Arrow record batches -> chunk tables, and the chunk's way to the output.

:func:`run_chunk` is the whole per-chunk work of :func:`~.run.simulate` (in this process, optionally on threads);
with a dask client the chunks are tasks (:func:`_chunk_task`, :mod:`kaonportal.distributed`). A file's chunks are
narrowed to the file's columns, saved in the chunk store (resume) and appended to the output by
:func:`_emit_chunk` in a background thread (:class:`_Pipeline`) while the next chunk is simulated.
"""

from __future__ import annotations

__all__ = ["run_chunk"]

import functools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np
import pyarrow as pa

import pyarrow.parquet as pq

from ..backend import BLOCK_SIZE, BlockThreads
from ..distributed import ordered_map
from .engine import simulate_block
from .inflight import compile_in_flight
from .output import encode_chunk


_SUM_COLUMNS = ("weight_gen", "in_acceptance", "decay_prob")
_SERIAL = BlockThreads(1)       # no threads: the blocks in the caller's thread, the first of a kind alone


def _block_jobs(first_block: int, start: int, stop: int) -> list[tuple[int, int, int]]:
    return [(first_block + i, s, min(s + BLOCK_SIZE, stop)) for i, s in enumerate(range(start, stop, BLOCK_SIZE))]


def _block_batch(ctx, schema: pa.Schema, job: tuple[int, int, int]) -> pa.RecordBatch:
    cols = simulate_block(ctx, *job)
    # numeric columns are wrapped without a copy; bools are packed to bits
    return pa.RecordBatch.from_arrays([pa.array(cols[c]) for c in schema.names], schema=schema)


def _compile_key(ctx) -> tuple:
    """The kind of run, for :meth:`~kaonportal.backend.BlockThreads.ordered`: what decides which compiled kernels a
    block calls and with which argument types (numba compiles one specialisation per type signature).

    In it: the generator function (``simulate(generator=...)``); the decay and parent (the particles: array shapes,
    which kernels run); the options that choose code paths (sampling, secondary and muon decays, forced decays,
    veto averaging on or off, the optional columns); the mass by its type (None: no new particle; an int and a float
    are two signatures of the generator's kernels); the generator's options by value (a string option chooses a
    decay mode, a number may choose a branch); the columns of ``veto_average_where``: the windows only narrow a
    numpy mask today, but which columns they read is a choice of code, where a kernel would compile per choice.
    Left out: the numbers of the run (card, seed, ``z_range``, the window bounds, the LKr parameters,
    ``veto_average``'s K), which reach the kernels as float64 / int64 values of a fixed type."""
    gen = ctx.generator
    return ("simulate_block", f"{getattr(gen, '__module__', '')}.{getattr(gen, '__qualname__', repr(gen))}",
            ctx.decay, ctx.parent, ctx.sampling, ctx.secondary_decays, ctx.muon_decays, ctx.force_decays,
            ctx.veto_average > 0, tuple(ctx.extra_columns), type(ctx.mass).__name__,
            repr(sorted((str(k), repr(v)) for k, v in (ctx.decay_options or {}).items())),
            tuple(name for name, _, _ in ctx.veto_average_where))


def _assemble(batches: list[pa.RecordBatch], schema: pa.Schema) -> tuple[pa.Table, dict[str, np.ndarray]]:
    table = pa.Table.from_batches(batches, schema=schema)
    # run totals from the concatenated columns, exactly as before (same summation order)
    cols = {c: table.column(c).to_numpy() for c in _SUM_COLUMNS}
    return table, cols


def run_chunk(ctx, schema: pa.Schema, first_block: int, start: int, stop: int,
              threads: BlockThreads | None = None,
              on_block: Callable[[int], None] | None = None) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """Events ``start..stop-1`` (blocks from ``first_block``) as a Table of one record batch per block,
    built on ``threads`` (None: in this thread; no concatenation copy), and the columns needed for the run totals.
    ``on_block(stop_event)`` is called (in this thread) as each block, in order, is done. The first block of each
    kind of run in this process runs alone (:func:`_compile_key`: numba compiles its kernels), threads or not: the
    chunks of a dask worker with several threads are run_chunk calls in those threads. Just before it, also alone,
    :func:`~.inflight.compile_in_flight` compiles the in-flight decay branch, which that block's events may miss.

    This is the whole per-chunk work of :func:`simulate` (generate, propagate, respond, reconstruct,
    table); ``benchmarks/simulation_throughput.py`` times it.
    """
    jobs = _block_jobs(first_block, start, stop)
    batches = []
    results = (threads or _SERIAL).ordered(functools.partial(_block_batch, ctx, schema), jobs, _compile_key(ctx),
                                           functools.partial(compile_in_flight, ctx))
    for job, batch in zip(jobs, results):
        batches.append(batch)
        if on_block is not None:
            on_block(job[2])
    return _assemble(batches, schema)


_SUMS_KEY = b"kaonportal.chunk_sums"


def _sums(cols: dict[str, np.ndarray]) -> tuple[float, float, float]:
    """The chunk's contributions to the run totals (sum of weights, of weights in acceptance, of decay_prob)."""
    w = cols["weight_gen"]
    return float(w.sum()), float(w[cols["in_acceptance"]].sum()), float(cols["decay_prob"].sum())


def _select(schema: pa.Schema, names: list[str]) -> pa.Schema:
    return pa.schema([schema.field(nm) for nm in names], metadata=schema.metadata)


def _narrow(table: pa.Table, fschema: pa.Schema) -> pa.Table:
    """The file's columns in the file's types (float64 -> float32 rounds to nearest; a no-op for "all")."""
    if table.schema.names == fschema.names and table.schema.types == fschema.types:
        return table
    return table.select(fschema.names).cast(fschema, safe=False)


def _encode(narrow: pa.Table, fschema: pa.Schema, sums) -> pa.Buffer:
    """Chunk (already in the file's columns) encoded as in the file, with its run totals (exact float reprs) in its
    metadata, so that a resumed run adds the same numbers without reading the chunk's columns back."""
    return encode_chunk(narrow, {**(fschema.metadata or {}), _SUMS_KEY: json.dumps(list(sums)).encode()})


def _emit_chunk(store, writer, first_block: int, chunk, fschema: pa.Schema, sums, saved: bool = False) -> None:
    """Append chunk ``first_block`` to the output: the stored chunk when ``chunk`` is None (resume), else ``chunk``,
    a Table (narrowed to the file's columns here) or its encoded bytes (:func:`_encode`, done by its dask task).
    A Parquet output gets the encoded chunk, copied (:meth:`~.output.EventWriter.write_encoded`): each chunk is
    encoded once, for the chunk store (if any) and the output alike. The chunk is first saved in the chunk store
    unless the dask task that made it reports it saved it there (``saved``). A chunk file merely existing is no
    proof: it may be a stale task's of another run."""
    if chunk is None:
        if writer.encoded:
            writer.write_encoded(store.load_encoded(first_block))
        else:
            writer.write(store.load(first_block).replace_schema_metadata(fschema.metadata))
        return
    table = data = None
    if isinstance(chunk, pa.Table):
        table = _narrow(chunk, fschema)
    else:
        data = chunk
    if data is None and (writer.encoded or (store is not None and not saved)):
        data = _encode(table, fschema, sums)
    if store is not None and not saved:
        store.save(first_block, data)
    if writer.encoded:
        writer.write_encoded(data)
    else:
        writer.write(table if table is not None else pq.read_table(pa.BufferReader(data)))


def _stored_sums(store, first_block: int, raw: bytes | None) -> tuple[float, float, float]:
    """The run totals of stored chunk ``first_block``; ``raw``: as recorded in its footer (:func:`_encode`), None if
    not recorded."""
    if raw is not None:
        return tuple(json.loads(raw))
    table = store.load(first_block)       # written without the totals: from the columns
    return _sums({c: table.column(c).to_numpy(zero_copy_only=False) for c in _SUM_COLUMNS})


class _Pipeline:
    """One background thread running submitted calls in order, at most one waiting behind the running one
    (bounded memory); errors surface in the caller at the next :meth:`submit` or :meth:`drain`."""

    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._last = None

    def submit(self, func, *args) -> None:
        if self._last is not None:
            self._last.result()
        self._last = self._pool.submit(func, *args)

    def drain(self) -> None:
        if self._last is not None:
            self._last.result()
            self._last = None
        self._pool.shutdown()

    def abandon(self) -> None:
        self._pool.shutdown(wait=True)     # a chunk already handed over is still saved (resume keeps it)


def _chunk_task(chunk: tuple[int, int, int], ctx, schema: pa.Schema, out_schema: pa.Schema,
                store=None, encode: bool = False) -> tuple[pa.Table | bytes, tuple[float, float, float], bool]:
    """One chunk as a dask task (runs in a worker process): the whole per-chunk work of a local run
    (:func:`run_chunk`, one thread), the chunk's run totals computed here exactly as a local run computes them
    (three floats travel, not the full-precision columns), and the table in the columns and types the client keeps
    (``out_schema``: the file's, or the kept columns; ~4x fewer bytes to send). ``encode`` (a Parquet output): the
    chunk is encoded here, once, as the file encodes it (:func:`_encode`; ~2x fewer bytes again) and the client
    only copies the bytes into the output. With a chunk store that this worker sees (same filesystem: a
    LocalCluster, a shared disk) the worker saves the chunk there itself and returns ``saved`` True; the client
    saves the chunks whose task did not. The worker saves only into a store whose manifest is still this run's
    (:meth:`~.output.ChunkStore.owns_dir`): a leftover task of an interrupted run on a long-lived cluster must not
    put its chunk into the store of a new run (after ``--force`` or new parameters) at the same path.

    Chunks, not blocks, are the tasks: a few tenths of a second of work each, so that the per-task cost of dask
    (scheduling, one message each way) stays small, and the totals need no concatenation on the client."""
    first_block, start, stop = chunk
    table, cols = run_chunk(ctx, schema, first_block, start, stop)
    sums = _sums(cols)
    del cols
    if out_schema is not schema:
        table = _narrow(table, out_schema)
    saved = store is not None and store.owns_dir()
    if not (encode or saved):
        return table, sums, False
    data = _encode(table, out_schema, sums)
    if saved:
        store.save(first_block, data)
    # bytes, not the Arrow buffer: dask sends bytes as they are (it pickles what it does not know)
    return (data.to_pybytes() if encode else table), sums, saved


def _chunk_tables(ctx, schema, chunks, store, threads, client, progress, out_schema=None, encode=False):
    """``(first_block, start, stop, table, sums, saved)`` per chunk, in order: ``table`` None and the totals from
    the chunk store when the chunk is there, else simulated here (:class:`~kaonportal.backend.BlockThreads`
    ``threads``) or as one dask task per chunk (``client``; :func:`_chunk_task`; ``encode``: the task returns the
    chunk encoded, bytes, in place of the table); ``saved``: the chunk is in the chunk store already (stored, or
    saved by its dask task). A stored chunk found damaged (:meth:`~.output.ChunkStore.footer`) is simulated again,
    as a missing one."""
    stored_schema = out_schema or schema
    stored = {}     # first_block of each chunk stored whole -> its totals as its footer records them (or None)
    for c in chunks if store is not None else ():
        md = store.footer(c[0], stored_schema)
        if md is not None:
            stored[c[0]] = (md.metadata or {}).get(_SUMS_KEY)     # kept: these bytes, not every chunk's footer
    todo = [c for c in chunks if c[0] not in stored]
    results = None
    if client is not None:
        results = ordered_map(_chunk_task, todo, ctx, schema, out_schema or schema, store, encode, client=client)
    for first_block, start, stop in chunks:
        if first_block in stored:
            yield first_block, start, stop, None, _stored_sums(store, first_block, stored[first_block]), True
            continue
        saved = False
        if results is None:
            table, cols = run_chunk(ctx, schema, first_block, start, stop, threads, on_block=progress)
            sums = _sums(cols)
        else:
            table, sums, saved = next(results)
            if progress is not None:
                progress(stop)
        yield first_block, start, stop, table, sums, saved
