"""``simulate()``: run the chain chunk by chunk, in memory or to a Parquet/ROOT file.

>>> res = simulate("K+ -> pi+ pi0", n=2000, seed=1, card="na62-2018")
>>> res.events.num_rows, round(res.decay_fraction, 4)
(2000, 0.1005)
>>> 0.0 < res.accepted < 1.0
True
"""

from __future__ import annotations

__all__ = ["simulate", "SimulationResult", "read_events", "run_chunk"]

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa

from .. import __version__
from ..backend import BLOCK_SIZE, BlockThreads, block_ranges
from ..distributed import check_scheduler, use_scheduler
from ..beam.profile import check_z_range, decay_fraction as beam_decay_fraction
from ..detector.card import Card, load_card
from ..errors import InputError, check_choice
from .chunks import _chunk_tables, _emit_chunk, _Pipeline, _select, run_chunk  # noqa: F401 (run_chunk: API)
from .engine import CANDIDATE_RULE, LKR_CLUSTER_E_MIN, LKR_POSITION_M, make_context, release_scratch, species_of
from .scratch import trim_heap
from .output import ChunkStore, EventWriter, output_format
from .schema import arrow_schema, check_columns, check_extra_columns, file_schema

MAX_EVENTS = 10 ** 12


@dataclass
class SimulationResult:
    """Outcome of :func:`simulate`.

    ``events``: the pyarrow Table (``None`` when written to ``output``); ``generated``: number of events;
    ``decay_fraction``: probability for a beam particle of the parent species at GTK3 to decay in the
    z window (quadrature over the momentum spread); ``decay_fraction_mc``: the sample mean of
    ``decay_prob``; ``accepted``: weighted fraction with ``in_acceptance``; ``metadata``: run metadata.
    """
    events: pa.Table | None
    generated: int
    decay_fraction: float
    decay_fraction_mc: float
    accepted: float
    output: Path | None
    metadata: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (the ``--json`` object of ``kaonportal simulate``)."""
        md = self.metadata
        return {"decay": md.get("decay"), "card": md.get("card"), "seed": int(md.get("seed", 0)),
                "z_range": json.loads(md.get("z_range", "null")), "mass": json.loads(md.get("mass", "null")),
                "generated": self.generated, "decay_fraction": self.decay_fraction,
                "decay_fraction_mc": self.decay_fraction_mc, "accepted": self.accepted,
                "sampling": md.get("sampling"), "output": str(self.output) if self.output else None,
                "version": md.get("kaonportal_version")}


def _default_generator():
    try:
        from ..decays import generate
    except ImportError as exc:  # pragma: no cover - decays is part of the package
        raise RuntimeError(f"kaonportal.decays is not available: {exc}") from None
    return generate


def _validate_decay(decay: str, mass: float | None):
    try:
        from ..decays import parse_decay
    except ImportError:  # pragma: no cover
        return decay
    return str(parse_decay(decay))


def simulate(decay: str, n: int, seed: int, card: str | Path | Card = "na62-2022",
             z_range: tuple[float, float] | None = None, mass: float | None = None,
             sampling: str = "weights", chunk_blocks: int = 4, output: str | Path | None = None,
             force: bool = False, secondary_decays: bool = True, muon_decays: bool = False,
             progress: Callable[[int], None] | None = None, workers: int = 1, resume: bool = True,
             generator: Callable[..., Any] | None = None, force_decays: bool = False,
             veto_average: int = 0, extra_columns=(), lkr_cluster_e_min: float = LKR_CLUSTER_E_MIN,
             lkr_position_m: float = LKR_POSITION_M, scheduler: str | None = None, columns="lean",
             keep_columns=None, veto_average_where=None,
             **decay_options) -> SimulationResult:
    """Simulate ``n`` decays ``decay`` of beam particles at GTK3 inside ``z_range`` (metres).

    Parameters
    ----------
    decay: decay string, e.g. ``"K+ -> pi+ pi0"`` (parent K+ or pi+: the beam species).
    n: number of events (>= 1). seed: run seed; event i depends only on (seed, i // BLOCK_SIZE).
    card: card name, YAML path or :class:`~kaonportal.detector.Card`.
    z_range: decay window (default ``card.beam.z_range_default``).
    mass: GeV, for decays to new-physics particles.
    sampling: ``"weights"`` (rare suppressions as per-event probabilities) or ``"deletion"``
        (each probability realised as a random 0/1 outcome).
    chunk_blocks: blocks of ``BLOCK_SIZE`` events per chunk (memory ~ chunk size when writing a file; the unit
        of resume; a file's chunk k is encoded and written while chunk k+1 is simulated). Default 4 (was 16:
        smaller chunks overlap more of the writing; the events do not depend on it).
    output: ``.parquet``/``.pq`` or ``.root`` file; ``None`` returns the table in memory.
    force: overwrite an existing output.
    secondary_decays / muon_decays: in-flight decays of the candidate (see :mod:`.engine`).
    force_decays: force those in-flight decays before STRAW1, with their probability in the column
        ``weight_forced_decay`` (importance sampling; see :mod:`.engine`). Off: output unchanged.
    veto_average: average the veto probability of each pi0's photons over this many isotropic
        orientations (0 = off; see :mod:`.engine`). Off: output unchanged.
    veto_average_where: with ``veto_average``, average only the events inside these windows, a mapping
        {column: (low, high)} on reconstructed columns (e.g. ``{"p_track": (15, 45)}``; ``None`` bound: open),
        besides the acceptance (see :mod:`.vetoes`); the other events keep the veto of their generated photons.
        ``None``: the acceptance only, output unchanged.
    extra_columns: names of optional columns (:data:`~.schema.OPTIONAL_COLUMNS`, e.g.
        ``("n_photons_lkr", "m_gg_lkr")``) appended to the table; computed only when asked, from their own
        random stream (see :mod:`.engine`). Empty: the default table, unchanged. Unknown name: InputError.
    lkr_cluster_e_min / lkr_position_m: GeV / m, parameters of the optional LKr photon columns
        (defaults :data:`.engine.LKR_CLUSTER_E_MIN` D, :data:`.engine.LKR_POSITION_M` U); ignored without them.
    columns: event files only (``output``): ``"lean"`` (default) writes :data:`~.schema.FILE_COLUMNS` in narrowed
        types (float32 for measured quantities, which changes their stored values by < 6e-8 relative; see
        :mod:`.schema`), plus the columns of the options that are on; ``"all"`` writes every column exactly as the
        in-memory table; a list of names writes those. The in-memory table (no ``output``) always has all columns.
    keep_columns: in-memory result only: keep just these columns (names the run does not produce are ignored),
        dropped chunk by chunk as the blocks are done (memory); the run totals use the full columns. ``None``: all.
    progress: callback receiving the number of events done, after each block.
    workers: threads running the blocks of a chunk concurrently (numpy and the numba kernels release
        the GIL); the output does not depend on it.
    scheduler: ``"local:N"`` or the address of a dask scheduler (:mod:`kaonportal.distributed`): the
        chunks run as dask tasks on its workers (``workers`` is then ignored; the workers save the chunks of
        the resume store themselves when they share the filesystem); the output is bit-identical.
        Without it, a client made active by an enclosing :func:`kaonportal.distributed.use_scheduler`
        (``kaonportal run --scheduler``) is used.
    resume: with ``output``, keep finished chunks in ``OUTPUT.partial/`` so that an interrupted run
        resumes where it stopped when rerun with the same arguments (see :class:`.output.ChunkStore`);
        ``False`` streams straight into the output (nothing kept on failure).
    generator: replacement for :func:`kaonportal.decays.generate` (same signature).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InputError("n", f"must be an integer number of events, got {n!r}")
    if not 1 <= int(n) <= MAX_EVENTS:
        raise InputError("n", f"must be in [1, {MAX_EVENTS:g}], got {n}")
    n = int(n)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("seed", f"must be a non-negative integer, got {seed!r}")
    if isinstance(chunk_blocks, bool) or not isinstance(chunk_blocks, (int, np.integer)) or chunk_blocks < 1:
        raise InputError("chunk_blocks", f"must be a positive integer, got {chunk_blocks!r}")
    check_choice("sampling", sampling, ("weights", "deletion"))
    check_scheduler(scheduler, field="scheduler")
    columns = check_columns(columns)
    extra = check_extra_columns(extra_columns)
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not 1 <= workers <= 256:
        raise InputError("workers", f"must be an integer in [1, 256], got {workers!r}")
    card_obj = load_card(card)
    zr = check_z_range(card_obj.beam.z_range_default if z_range is None else z_range, card_obj)
    if mass is not None and not (isinstance(mass, (int, float)) and math.isfinite(mass) and mass >= 0):
        raise InputError("mass", f"must be a finite non-negative number (GeV), got {mass!r}")
    decay = _validate_decay(decay, mass)
    parent = species_of(decay.split("->")[0].strip())
    gen = generator or _default_generator()
    # Fail on bad physics input (mass above threshold, unknown options) before touching any file.
    gen(decay, 1, np.random.default_rng(0), mass=mass, **decay_options)

    out_path = None
    if output is not None:
        out_path = Path(output)
        output_format(out_path)
        if out_path.exists() and not force:
            raise InputError("output", f"{out_path} exists; pass --force (force=True) to overwrite")
        if out_path.is_dir():
            raise InputError("output", f"{out_path} is a directory")
        parent_dir = out_path.parent if str(out_path.parent) else Path(".")
        if not parent_dir.is_dir():
            raise InputError("output", f"directory {parent_dir} does not exist")
        if not os.access(parent_dir, os.W_OK):
            raise InputError("output", f"directory {parent_dir} is not writable")

    ctx = make_context(decay, seed, card_obj, zr, mass, sampling, secondary_decays, muon_decays, gen,
                       decay_options, force_decays=bool(force_decays), veto_average=veto_average,
                       veto_average_where=veto_average_where, extra_columns=extra,
                       lkr_cluster_e_min=lkr_cluster_e_min, lkr_position_m=lkr_position_m)
    metadata = {"decay": decay, "card": card_obj.name, "card_source": str(card_obj.source),
                "card_json": card_obj.model_dump_json(exclude={"source"}), "seed": str(int(seed)),
                "n": str(n), "z_range": json.dumps(list(zr)), "mass": json.dumps(mass),
                "sampling": sampling, "secondary_decays": str(bool(secondary_decays)),
                "muon_decays": str(bool(muon_decays)), "decay_options": json.dumps(decay_options, default=str),
                "block_size": str(BLOCK_SIZE), "candidate_rule": CANDIDATE_RULE,
                "kaonportal_version": __version__,
                "units": "GeV, GeV/c, m; m2miss in GeV^2/c^4; see kaonportal.simulation.schema"}
    if generator is None:   # a decay without a matrix element says so in the file (only then: unchanged otherwise)
        from ..decays import decay_model
        _, model, has_me = decay_model(decay)
        if not has_me:
            metadata["decay_model"] = model
    if force_decays:    # only when set, so that the metadata of ordinary runs is unchanged
        metadata["force_decays"] = "True"
    if veto_average:
        metadata["veto_average"] = str(int(veto_average))
    if ctx.veto_average_where:
        metadata["veto_average_where"] = json.dumps([list(w) for w in ctx.veto_average_where])
    if extra:           # likewise: only with optional columns
        metadata["extra_columns"] = json.dumps(list(extra))
        metadata["lkr_cluster_e_min"] = repr(float(lkr_cluster_e_min))
        metadata["lkr_position_m"] = repr(float(lkr_position_m))
    schema = arrow_schema(metadata, extra)
    fschema = file_schema(schema, columns, force_decays=bool(force_decays), veto_average=veto_average,
                          extra_columns=extra)
    store = writer = None
    if out_path is not None and resume:
        identity = {**metadata, "chunk_blocks": str(int(chunk_blocks))}
        if fschema is not schema:   # the stored chunks hold the file's columns and types
            identity["file_columns"] = json.dumps([f"{f.name}:{f.type}" for f in fschema])
        store = ChunkStore(out_path, identity, force=force)
    if out_path is not None:
        writer = EventWriter(out_path, fschema, metadata)
    tables: list[pa.Table] = []
    keep = None if keep_columns is None else [c for c in schema.names if c in set(keep_columns)]
    kept = _KeptColumns(_select(schema, keep), n) if keep is not None and out_path is None else None
    sum_w = sum_wacc = sum_p = 0.0
    chunks = list(block_ranges(n, chunk_blocks))
    threads = None
    # each chunk is narrowed, encoded, stored (resume) and appended to the output in this background thread,
    # in chunk order, while the next chunk is simulated: no merge pass at the end, nothing read back
    io = _Pipeline() if out_path is not None else None
    try:
        with use_scheduler(scheduler, field="scheduler") as client:
            threads = BlockThreads(workers) if workers > 1 and client is None else None
            out_schema = fschema if out_path is not None else (schema if keep is None else _select(schema, keep))
            encode = writer is not None and writer.encoded
            for first_block, start, stop, table, sums, saved in _chunk_tables(ctx, schema, chunks, store, threads,
                                                                              client, progress, out_schema, encode):
                sum_w += sums[0]
                sum_wacc += sums[1]
                sum_p += sums[2]
                if io is not None:
                    io.submit(_emit_chunk, store, writer, first_block, table, fschema, sums, saved)
                elif keep is not None:
                    kept.put(start, table)
                else:
                    tables.append(table)
                del table
                if progress is not None:
                    progress(stop)
            if io is not None:
                io.drain()
        if writer is not None:
            writer.close()
            if store is not None:
                store.cleanup()
    except BaseException:
        if io is not None:
            io.abandon()
        if writer is not None:
            writer.abort()
        raise
    finally:
        if threads is not None:
            threads.close()
        release_scratch()
        if threads is not None:
            trim_heap()     # the worker threads' arenas (scratch.trim_heap)
    if kept is not None:
        events = kept.table()
    else:
        events = None if out_path is not None else pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    return SimulationResult(events=events, generated=n,
                            decay_fraction=beam_decay_fraction(parent, card_obj, zr),
                            decay_fraction_mc=sum_p / n, accepted=sum_wacc / sum_w if sum_w > 0 else 0.0,
                            output=out_path, metadata=metadata)


class _KeptColumns:
    """The kept columns of an in-memory run (``simulate(keep_columns=...)``), copied chunk by chunk into arrays of
    the whole run: the table then has one contiguous chunk per column, made with one copy of the kept columns
    only, and each chunk's full simulation output is freed as soon as it is copied (issue 17: peak memory; the
    consumers no longer concatenate the chunks, a second copy of the sample)."""

    def __init__(self, schema: pa.Schema, n: int):
        self.schema = schema
        # bool columns as numpy bools (Arrow packs them to bits at the end); np.empty: pages touched when written
        self.arrays = {f.name: np.empty(n, dtype=np.bool_ if pa.types.is_boolean(f.type) else f.type.to_pandas_dtype())
                       for f in schema}

    def put(self, start: int, table: pa.Table) -> None:
        for name, arr in self.arrays.items():
            pos = start
            for chunk in table.column(name).chunks:
                m = len(chunk)
                arr[pos:pos + m] = chunk.to_numpy(zero_copy_only=False)
                pos += m

    def table(self) -> pa.Table:
        return pa.Table.from_arrays([pa.array(self.arrays[f.name], type=f.type) for f in self.schema],
                                    schema=self.schema)


def read_events(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """Read an event file written by :func:`simulate` (Parquet or ROOT) as a pyarrow Table."""
    path = Path(path)
    fmt = output_format(path, field="file")
    if not path.is_file():
        raise InputError("file", f"{path} does not exist or is not a file")
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq
            return pq.read_table(path, columns=columns)
        import uproot
        with uproot.open(path) as f:
            arrays = f["events"].arrays(columns, library="np")
        return pa.table(arrays)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file, said in one line
        raise InputError("file", f"{path} is not a readable {fmt} event file "
                                 f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None
