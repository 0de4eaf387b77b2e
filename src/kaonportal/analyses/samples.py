"""Simulated samples for the run: one call of :func:`kaonportal.simulation.simulate` per
(decay, n, seed, card, z range, mass, decay options), cached as Parquet in ``DIR/cache`` so that an
interrupted run resumes where it stopped (files are written atomically: a partial file never looks complete).

File names are readable and unique: ``<decay>__<card>__z<z1>-<z2>__n<n>__s<seed>[__m<mass>][__<option>-<value>...]``,
e.g. ``Kp_to_pip_X__na62_2022__z105-165__n20000__s17__m0.1.parquet``. The mass is written with the
shortest representation that reads back as the same float; a decay option appears only when it differs
from the decay's default (:data:`SIMULATE_OPTIONS` over ``simulate``'s own defaults), so the samples of
the K+ -> pi+ nu nubar section keep their names. Optional simulation columns (option ``extra_columns``,
:data:`kaonportal.simulation.schema.OPTIONAL_COLUMNS`) appear as ``__extra_columns-<name>.<name>`` in the
schema order, and not at all when none is asked for.

>>> derive_seed(1, "K+ -> pi+ pi0") == derive_seed(1, "K+ -> pi+ pi0")
True
>>> derive_seed(1, "K+ -> pi+ pi0") != derive_seed(2, "K+ -> pi+ pi0")
True
>>> c = SampleCache("cache", "na62-2022", "na62_2022")
>>> c.path("K+ -> e+ N", 20000, 5, (105.0, 165.0), mass=0.3).name
'Kp_to_ep_N__na62_2022__z105-165__n20000__s5__m0.3.parquet'
>>> c.path("K+ -> mu+ nu", 1000, 5, (105.0, 165.0), muon_decays=False).name
'Kp_to_mup_nu__na62_2022__z105-165__n1000__s5__muon_decays-False.parquet'
>>> c.path("K+ -> mu+ nu", 1000, 5, (105.0, 165.0), muon_decays=True).name   # the decay's default
'Kp_to_mup_nu__na62_2022__z105-165__n1000__s5.parquet'
>>> c.path("K+ -> pi+ pi0", 1000, 5, (105.0, 165.0), extra_columns=("m_gg_lkr", "n_photons_lkr")).name
'Kp_to_pip_pi0__na62_2022__z105-165__n1000__s5__extra_columns-n_photons_lkr.m_gg_lkr.parquet'
"""

from __future__ import annotations

__all__ = ["MissingComponent", "SampleCache", "derive_seed", "require", "card_key", "SIMULATE_OPTIONS",
           "CACHE_MAX_BYTES"]

import contextlib
import hashlib
import importlib
import inspect
import json
import os
import re
import zlib
from pathlib import Path

import numpy as np

from ..atomic import temp_path
from ..backend import default_workers, derive_seed  # derive_seed also re-exported: its historical home


# Per-decay simulation options. K+ -> mu+ nu is simulated with muon decays in flight because
# "K+ -> mu+ nu, mu+ -> e+ decay" is part of the published mu+ nu budget ([NA62:2020eqcd] Table I).
SIMULATE_OPTIONS = {"K+ -> mu+ nu": {"muon_decays": True}, "K+ -> mu+ nu gamma": {"muon_decays": True}}

# Size budget of a run's sample cache (issue 17: <= 300 MB after a default run); see SampleCache.max_bytes.
CACHE_MAX_BYTES = 300_000_000

# Parquet schema metadata key: the columns the file was written for (JSON list, or null = all columns).
_COLUMNS_KEY = b"kaonportal.columns"
_MAX_NAME = 200          # file-name length above which the option part is replaced by its hash


class MissingComponent(RuntimeError):
    """A part of kaonportal this run needs is not available (reported as exit code 1 with its name)."""


def require(module: str, name: str):
    """``getattr(import_module(module), name)`` or :class:`MissingComponent` naming what is missing."""
    try:
        mod = importlib.import_module(module)
        return getattr(mod, name)
    except (ImportError, AttributeError) as exc:
        raise MissingComponent(f"{module}.{name} is not available in this installation ({exc}); "
                               "the K+ -> pi+ nu nubar section cannot run without it") from None


def _slug(text: str) -> str:
    text = text.replace("->", " to ").replace("+", "p").replace("-", "m")
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _num(x: float) -> str:
    """``:g`` when it reads back as the same float (short, the historical names), else ``repr``."""
    x = float(x)
    s = f"{x:g}"
    return s if float(s) == x else repr(x)


def _opt_value(v) -> str:
    """A decay option value in a file name: readable, and a short hash where the text is not exact."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    text = str(v) if isinstance(v, str) else repr(v)
    s = _slug(text)
    return s if s == text else f"{s}_{zlib.crc32(text.encode()):08x}"


def _simulate_defaults(decay: str) -> dict:
    """Options a cache name leaves out: ``simulate``'s keyword defaults updated by :data:`SIMULATE_OPTIONS`."""
    try:
        sig = inspect.signature(require("kaonportal.simulation", "simulate"))
        # the on/off switches (secondary_decays, muon_decays, force_decays, ...) at their defaults
        base = {k: p.default for k, p in sig.parameters.items() if isinstance(p.default, bool)}
    except MissingComponent:
        base = {}
    return {**base, **SIMULATE_OPTIONS.get(decay, {})}


def _extra_columns(names) -> tuple[str, ...]:
    """Optional simulation columns in their schema order (validated: unknown names are an InputError)."""
    if not names:
        return ()
    check = require("kaonportal.simulation.schema", "check_extra_columns")
    return check(names)


class SampleCache:
    """Simulate-or-load event tables.

    Parameters
    ----------
    cache_dir: directory for the Parquet files (``None``: no caching).
    card: card name, path or object passed to ``simulate``; ``card_key`` names it in file names.
    columns: keep only these columns (memory and cache size); ``None`` keeps all. The file records the
        columns it was written for; a later request for columns it lacks re-simulates (same events: the
        simulation is deterministic) and rewrites the file with the union.
    max_part: samples larger than this are simulated in parts of at most ``max_part`` events, each
        with a seed derived from (seed, part index), and concatenated.
    max_bytes: size budget of the Parquet files in ``cache_dir`` (all SampleCaches sharing it); a sample
        that would exceed it is not stored and is simulated again when asked for in a later run (default
        :data:`CACHE_MAX_BYTES`; ``None``: no limit). Simulating costs about as much as encoding, writing and
        reading the same events back (issue 17: the kernels run at ~3e6 events/s on 2 cores, the cache files
        hold ~90 bytes/event), so the large samples are cheaper to regenerate than to store.

    workers: threads per simulated part (:func:`~kaonportal.backend.default_workers` when ``None``); the events do not depend on it.

    ``loaded_from_cache``, ``simulated`` and ``written`` list the decays served from files, simulated,
    and the files written, in call order; ``not_stored`` the decays left out of the cache by ``max_bytes``.
    """

    def __init__(self, cache_dir: Path | None, card, card_key: str, chunk_blocks: int = 4,
                 columns=None, max_part: int = 1_000_000, max_bytes: int | None = CACHE_MAX_BYTES,
                 workers: int | None = None):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.card = card
        self.card_key = card_key
        self.chunk_blocks = chunk_blocks
        self.columns = set(columns) if columns is not None else None
        self.max_part = int(max_part)
        self.max_bytes = max_bytes
        self.workers = default_workers() if workers is None else int(workers)
        self.on_part = None
        self.not_stored: list[str] = []
        self.loaded_from_cache: list[str] = []
        self.simulated: list[str] = []
        self.written: list[Path] = []

    def path(self, decay: str, n: int, seed: int, z_range, mass: float | None = None,
             **decay_options) -> Path | None:
        """Cache file of one sample (``None`` without a cache directory); see the module docstring."""
        if self.cache_dir is None:
            return None
        name = f"{_slug(decay)}__{self.card_key}__z{_num(z_range[0])}-{_num(z_range[1])}__n{int(n)}__s{int(seed)}"
        if mass is not None:
            name += f"__m{_num(mass)}"
        defaults = _simulate_defaults(decay)
        decay_options = dict(decay_options)
        extra = _extra_columns(decay_options.pop("extra_columns", ()))
        opts = [f"{k}-{_opt_value(v)}" for k, v in sorted(decay_options.items())
                if not (k in defaults and defaults[k] == v)]
        if extra:       # a sample with optional columns is another file; without them, the name is unchanged
            opts.append("extra_columns-" + ".".join(extra))
        if opts:
            tail = "__" + "__".join(opts)
            if len(name) + len(tail) > _MAX_NAME:
                tail = "__o" + hashlib.sha1(tail.encode()).hexdigest()[:12]
            name += tail
        return self.cache_dir / f"{name}.parquet"

    def get(self, decay: str, n: int, seed: int, z_range, mass: float | None = None, **decay_options):
        """Event table (pyarrow) of ``n`` simulated ``decay`` events in ``z_range``.

        ``mass`` (GeV) and ``decay_options`` (e.g. ``muon_decays=False``, generator options) go to
        :func:`kaonportal.simulation.simulate` over the per-decay defaults of :data:`SIMULATE_OPTIONS`,
        and into the cache key.
        """
        import pyarrow.parquet as pq
        p = self.path(decay, n, seed, z_range, mass, **decay_options)
        keep = self.columns
        if p is not None and p.is_file():
            try:
                table = pq.read_table(p)
            except Exception:  # noqa: BLE001 - a corrupt cache file is simply regenerated
                p.unlink(missing_ok=True)
            else:
                written_for = _written_columns(table)
                if written_for is _ALL or (keep is not None and keep <= written_for):
                    self.loaded_from_cache.append(decay)
                    return self._select(table)
                # the file lacks requested columns: simulate again, keep the union
                keep = None if keep is None else keep | written_for
        table = self._simulate(decay, n, seed, z_range, mass, decay_options, keep)
        self.simulated.append(decay)
        if p is not None:
            self._write(p, table, keep)
        return self._select(table)

    def put(self, table, decay: str, n: int, seed: int, z_range, mass: float | None = None, **decay_options):
        """Store an already simulated sample (the same arguments as :meth:`get`) if its file is missing;
        returns the path (``None`` without a cache directory)."""
        p = self.path(decay, n, seed, z_range, mass, **decay_options)
        if p is not None and not p.is_file():
            self._write(p, self._select(table), self.columns)
        return p

    def iter_blocks(self, decay: str, n: int, seed: int, z_range, mass: float | None = None, **decay_options):
        """The events of :meth:`get` (same arguments) as consecutive tables of at most ``max_part`` events,
        in event order, never the whole sample at once (memory): a cached file is read ``max_part`` rows at
        a time, a simulated sample one simulation part at a time, written to the cache part by part (within
        ``max_bytes``; the file is renamed into place only when complete). The blocks are the simulation's
        parts, so an analysis summing block by block adds in the same order whether or not the sample came
        from the cache."""
        import pyarrow.parquet as pq
        p = self.path(decay, n, seed, z_range, mass, **decay_options)
        keep = self.columns
        if p is not None and p.is_file():
            try:
                pf = pq.ParquetFile(p)
                written_for = _written_columns(pf.schema_arrow)
            except Exception:  # noqa: BLE001 - a corrupt cache file is simply regenerated
                p.unlink(missing_ok=True)
            else:
                if written_for is _ALL or (keep is not None and keep <= written_for):
                    self.loaded_from_cache.append(decay)
                    yield from self._read_blocks(pf)
                    return
                keep = None if keep is None else keep | written_for
        self.simulated.append(decay)
        writer = None
        n_parts = max(1, -(-int(n) // self.max_part))
        try:
            for table in self._simulate_parts(decay, n, seed, z_range, mass, decay_options, keep):
                if p is not None and writer is None:
                    writer = self._open_writer(p, table.schema, keep, table.nbytes * n_parts)
                if writer:
                    writer.add(table)
                block = self._select(table)
                del table
                yield block
                del block   # before the next part is simulated (memory)
        except BaseException:       # also GeneratorExit: a partial sample is never stored
            if writer:
                writer.abort()
            raise
        if writer:
            writer.close()

    def _read_blocks(self, pf):
        """Tables of exactly ``max_part`` rows (the last one shorter) from a Parquet file."""
        import pyarrow as pa
        names = [c for c in pf.schema_arrow.names if self.columns is None or c in self.columns]
        buf, n_buf = [], 0
        for batch in pf.iter_batches(batch_size=min(self.max_part, 1 << 16), columns=names):
            buf.append(batch)
            n_buf += batch.num_rows
            if n_buf >= self.max_part:      # batches are <= max_part rows: at most one full block here
                t = pa.Table.from_batches(buf)
                yield t.slice(0, self.max_part).combine_chunks()
                rest = t.slice(self.max_part)
                buf, n_buf = rest.to_batches(), rest.num_rows
        if n_buf:
            yield pa.Table.from_batches(buf).combine_chunks()

    def _simulate_parts(self, decay, n, seed, z_range, mass, decay_options, keep):
        """The sample's simulation parts (tables of at most ``max_part`` events), one at a time."""
        simulate = require("kaonportal.simulation", "simulate")
        options = {**SIMULATE_OPTIONS.get(decay, {}), **decay_options}
        if mass is not None:
            options["mass"] = float(mass)
        n_parts = max(1, -(-int(n) // self.max_part))
        for i in range(n_parts):
            n_i = min(self.max_part, int(n) - i * self.max_part)
            # one simulate() call per part (memory); part seeds derived from (seed, part index)
            seed_i = int(seed) if n_parts == 1 else derive_seed(seed, f"part{i}")
            # only the kept columns are accumulated, chunk by chunk (memory: ~half of the 45 columns)
            res = simulate(decay, n=n_i, seed=seed_i, card=self.card, z_range=tuple(z_range),
                           sampling="weights", chunk_blocks=self.chunk_blocks, workers=self.workers,
                           **({"keep_columns": sorted(keep)} if keep is not None else {}), **options)
            table = res.events
            if keep is not None:
                table = table.select([c for c in table.column_names if c in keep])
            del res
            # one chunk per column, made here so that no consumer holds the part twice (chunked + combined)
            table = table.combine_chunks()
            yield table
            del table       # before the next part is simulated (memory)
            if self.on_part is not None:
                self.on_part(decay, i + 1, n_parts)

    def _simulate(self, decay, n, seed, z_range, mass, decay_options, keep):
        import pyarrow as pa
        parts = list(self._simulate_parts(decay, n, seed, z_range, mass, decay_options, keep))
        return parts[0] if len(parts) == 1 else pa.concat_tables(parts)

    def _select(self, table):
        if self.columns is not None:
            table = table.select([c for c in table.column_names if c in self.columns])
        # one contiguous chunk per column: the analyses' column() reads are then zero-copy views instead of a
        # fresh concatenation of ~60 block chunks on every read (memory and time of the pnn budget)
        return table.combine_chunks()

    def _cache_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.cache_dir.glob("*.parquet")) if self.cache_dir.is_dir() else 0

    def _write(self, p: Path, table, keep) -> None:
        writer = self._open_writer(p, table.schema, keep, table.nbytes)
        if writer:
            writer.add(table)
            writer.close()

    def _open_writer(self, p: Path, schema, keep, arrow_bytes: int):
        """A :class:`_CacheWriter` for ``p``, or ``None`` (recorded in ``not_stored``) when a sample of
        ``arrow_bytes`` in memory cannot fit the cache budget."""
        budget = None if self.max_bytes is None else self.max_bytes - self._cache_bytes()
        # encoded size ~0.7-0.9 of the Arrow size (floats barely compress): skip hopeless ones before encoding
        if budget is not None and 0.6 * arrow_bytes > budget:
            self.not_stored.append(p.name)
            return None
        return _CacheWriter(self, p, schema, keep, budget)


class _CacheWriter:
    """One cache file written part by part under a unique temporary name (``kaonportal.atomic``), renamed
    into place by :meth:`close` if within the budget; :meth:`abort` leaves nothing."""

    def __init__(self, cache: SampleCache, p: Path, schema, keep, budget):
        import pyarrow.parquet as pq
        # lossless zstd + byte-stream-split floats (simulation.output.parquet_options): ~30% smaller than the
        # default snappy, and faster to write and read
        from ..simulation.output import parquet_options
        self.cache, self.p, self.budget = cache, p, budget
        meta = dict(schema.metadata or {})
        meta[_COLUMNS_KEY] = json.dumps(None if keep is None else sorted(keep)).encode()
        self.schema = schema.with_metadata(meta)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temp_path(p)
        self.writer = pq.ParquetWriter(self.tmp, self.schema, **parquet_options(schema))

    def add(self, table) -> None:
        # one row group per simulation part (iter_blocks reads the same blocks back)
        self.writer.write_table(table.replace_schema_metadata(self.schema.metadata),
                                row_group_size=self.cache.max_part)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()

    def close(self) -> None:
        try:
            self.writer.close()
            if self.budget is not None and self.tmp.stat().st_size > self.budget:
                self.tmp.unlink()           # over the cache budget: regenerated when asked for
                self.cache.not_stored.append(self.p.name)
                return
            os.replace(self.tmp, self.p)
        except BaseException:
            self.abort()
            raise
        self.cache.written.append(self.p)


_ALL = object()


def _written_columns(table_or_schema):
    """Columns a cache file was written for: a set, or ``_ALL`` (all columns). A file from before this
    record existed counts as written for the columns it holds (a request for others re-simulates once)."""
    schema = getattr(table_or_schema, "schema", table_or_schema)
    raw = (schema.metadata or {}).get(_COLUMNS_KEY)
    if raw is None:
        return set(schema.names)
    cols = json.loads(raw)
    return _ALL if cols is None else set(cols)


def card_key(card) -> str:
    """Short key of a card for cache file names: its name; name + content hash for a YAML file or a
    :class:`~kaonportal.detector.Card` object (an edited card never reuses the samples of another)."""
    if hasattr(card, "model_dump_json"):
        return _slug(str(getattr(card, "name", "card"))) + "_" + \
            hashlib.sha1(card.model_dump_json().encode()).hexdigest()[:10]
    p = Path(str(card))
    if p.is_file():
        return _slug(p.stem) + "_" + hashlib.sha1(p.read_bytes()).hexdigest()[:10]
    return _slug(str(card))
