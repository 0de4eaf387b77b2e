"""Chunk-by-chunk writers for event tables: Parquet (pyarrow) and ROOT (uproot).

Parquet outputs are made of chunks encoded once, where they are made (a dask worker, the output thread), and
joined by copying their bytes (:mod:`.parquet_concat`): the resume store keeps the same bytes.
Files are written under a temporary name in the target directory and renamed into place only when
complete (``os.replace``), so a failure or an interruption never leaves a half-written output.
Run metadata (card, seed, package version, decay, z range, mass, ...) goes into the Parquet key-value
metadata, and into a ``metadata`` string (JSON) next to the ``events`` TTree in ROOT files.

ROOT files hold a classic ``TTree`` (uproot's ``mktree``), which every ROOT version and most user code
reads; uproot >= 5.5 would otherwise write an RNTuple when handed a mapping of arrays.
"""

from __future__ import annotations

__all__ = ["EventWriter", "ChunkStore", "output_format", "read_metadata", "parquet_options", "encode_chunk"]

import json
import os
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_path, remove_stale_temps, write_text_atomic
from ..errors import InputError
from .parquet_concat import ParquetConcat, encode_table

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".root": "root"}


def output_format(path: str | Path, field: str = "output") -> str:
    """'parquet' or 'root' from the suffix; anything else is an :class:`InputError` naming ``field``."""
    suf = Path(path).suffix.lower()
    if suf not in FORMATS:
        raise InputError(field, f"unknown file type {suf or '(none)'!r} for {path}; allowed suffixes: "
                                   + ", ".join(FORMATS))
    return FORMATS[suf]


class EventWriter:
    """Append pyarrow tables (or, Parquet only, encoded chunks: :meth:`write_encoded`) chunk by chunk;
    :meth:`close` renames into place, :meth:`abort` cleans up."""

    def __init__(self, path: str | Path, schema: pa.Schema, metadata: dict[str, str]):
        self.path = Path(path)
        self.fmt = output_format(self.path)
        self.schema = schema
        self.metadata = metadata
        self.tmp = None
        self._w = None
        self._tree = None
        try:
            if self.fmt == "parquet":
                self._w = ParquetConcat(self.path, schema, parquet_options(schema))
                self.tmp = self._w.tmp
            else:
                import uproot
                # unique per process and writer (kaonportal.atomic): two runs writing one output never share it
                self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
                self._w = uproot.recreate(self.tmp)
                self._w["metadata"] = json.dumps(metadata)
        except OSError as exc:
            self.abort()
            raise InputError("output", f"cannot write {self.path}: {exc.strerror or exc}") from None

    @property
    def encoded(self) -> bool:
        """Whether chunks can be appended encoded (:meth:`write_encoded`): Parquet outputs."""
        return self.fmt == "parquet"

    def write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            self._w.append(encode_table(table, parquet_options(self.schema)))
            return
        data = {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}
        if self._tree is None:
            # mktree: an explicit TTree (assigning the mapping would make an RNTuple in uproot >= 5.5)
            self._tree = self._w.mktree("events", {name: arr.dtype for name, arr in data.items()},
                                        title="kaonportal events")
        self._tree.extend(data)

    def write_encoded(self, data) -> None:
        """Append a chunk already encoded by :func:`encode_chunk` (bytes-like), copied, not re-encoded."""
        self._w.append(data)

    def close(self) -> Path:
        if self.fmt == "parquet":
            return self._w.close()
        if self._w is not None:
            self._w.close()
            self._w = None
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        if isinstance(self._w, ParquetConcat):
            self._w.abort()
            return
        try:
            if self._w is not None:
                self._w.close()
        except Exception:  # noqa: BLE001 - best-effort cleanup
            pass
        self._w = None
        try:
            if self.tmp is not None:
                self.tmp.unlink()
        except FileNotFoundError:
            pass


def parquet_options(schema: pa.Schema) -> dict:
    """Parquet encoding of event tables: zstd; floating-point columns BYTE_STREAM_SPLIT (their bytes grouped by
    significance, so the exponent and high mantissa bytes compress; lossless) without dictionaries, the other
    columns with dictionaries (flags, ids, counts). Measured on K+ -> mu+ nu samples: 31% smaller and 3x faster
    to write than snappy with dictionaries everywhere (issue 17). No page index (``write_page_index`` False, pinned
    rather than left to pyarrow's default): chunks are joined by copying their bytes (:mod:`.parquet_concat`), and
    a page index holds absolute offsets that copying would not move."""
    floats = [f.name for f in schema if pa.types.is_floating(f.type)]
    others = [f.name for f in schema if not pa.types.is_floating(f.type)]
    return {"compression": "zstd", "use_byte_stream_split": floats or False, "use_dictionary": others or False,
            "write_page_index": False}


def encode_chunk(table: pa.Table, metadata: dict | None = None) -> pa.Buffer:
    """A chunk of an event file (``table`` in the file's columns and types) encoded as the file encodes it
    (:func:`parquet_options`), with key-value ``metadata`` (default: the table's), for the resume store and for
    :meth:`EventWriter.write_encoded`."""
    if metadata is not None:
        table = table.replace_schema_metadata(metadata)
    return encode_table(table, parquet_options(table.schema))


def read_metadata(path: str | Path) -> dict[str, str]:
    """Run metadata of an event file written by :class:`EventWriter`."""
    path = Path(path)
    if output_format(path) == "parquet":
        md = pq.read_schema(path).metadata or {}
        return {k.decode(): v.decode() for k, v in md.items()}
    import uproot
    with uproot.open(path) as f:
        return json.loads(str(f["metadata"]))


class ChunkStore:
    """``OUT.partial/``: one Parquet file per finished chunk plus ``manifest.json`` (the run identity).

    A run writing ``OUT`` stores every chunk here as soon as it is done (atomically: temporary name,
    then rename). If the run is interrupted, rerunning the same command finds the manifest, checks it
    describes the same run (decay, card, seed, n, chunking, options, package version) and skips the
    chunks already present. When all chunks exist they are merged into ``OUT`` and the directory is
    removed. A directory left by a *different* run is refused unless ``force``.
    """

    def __init__(self, out_path: str | Path, identity: dict[str, str], force: bool = False):
        import shutil
        self.dir = Path(out_path).with_name(Path(out_path).name + ".partial")
        self.identity = identity
        manifest = self.dir / "manifest.json"
        if self.dir.exists():
            try:
                old = json.loads(manifest.read_text())
            except (OSError, ValueError):
                old = None
            if old != identity:
                if not force:
                    raise InputError("output", f"{self.dir} holds chunks of a different run; remove it or pass "
                                               "--force (force=True) to start afresh")
                shutil.rmtree(self.dir)
        try:
            self.dir.mkdir(exist_ok=True)
            # temporaries of a killed run (a chunk being written): the run resuming rewrites those chunks
            remove_stale_temps(self.dir, recursive=False)
            if not manifest.exists():
                write_text_atomic(manifest, json.dumps(identity, indent=1, sort_keys=True))
        except OSError as exc:
            raise InputError("output", f"cannot write {self.dir}: {exc.strerror or exc}") from None

    def owns_dir(self) -> bool:
        """Whether ``manifest.json`` still describes this store's run: False once the directory is gone or was
        taken over by another run (after ``--force`` or new parameters); a leftover dask task of an interrupted run
        on a long-lived cluster then must not save its chunk there."""
        try:
            return json.loads((self.dir / "manifest.json").read_text()) == self.identity
        except (OSError, ValueError):
            return False

    def path(self, first_block: int) -> Path:
        return self.dir / f"chunk-{first_block:010d}.parquet"

    def has(self, first_block: int) -> bool:
        return self.path(first_block).exists()

    def footer(self, first_block: int, schema: pa.Schema) -> pq.FileMetaData | None:
        """The Parquet footer of chunk ``first_block`` if the chunk is stored whole, else None; checked cheaply
        (the footer only, no page decoded): a readable Parquet footer, the columns and types of ``schema``
        (key-value metadata aside), and every column chunk inside the bytes before the footer. A chunk file
        truncated or damaged there (a full disk, a copy cut short) is then treated as missing: the resumed run
        simulates that chunk again and overwrites it, where copying its bytes unread would make a broken output.
        The footer is returned so that a resumed run reads what it needs of it (the chunk's totals) from this one
        read."""
        path = self.path(first_block)
        try:
            md = pq.read_metadata(path)
            size = path.stat().st_size
        except (OSError, pa.ArrowException):
            return None
        if not md.schema.to_arrow_schema().equals(schema, check_metadata=False):
            return None
        footer = size - 8 - md.serialized_size
        for i in range(md.num_row_groups):
            rg = md.row_group(i)
            for j in range(rg.num_columns):
                c = rg.column(j)
                first = c.dictionary_page_offset if c.has_dictionary_page else c.data_page_offset
                if first < 4 or first + c.total_compressed_size > footer:
                    return None
        return md

    def save(self, first_block: int, data) -> None:
        """Chunk ``first_block``: a Table (encoded here, :func:`encode_chunk`) or its encoded bytes."""
        if isinstance(data, pa.Table):
            data = encode_chunk(data)
        with atomic_path(self.path(first_block)) as tmp:
            with open(tmp, "wb") as f:
                f.write(data)

    def load(self, first_block: int) -> pa.Table:
        return pq.read_table(self.path(first_block))

    def load_encoded(self, first_block: int) -> bytes:
        """The stored chunk's bytes (a Parquet file), for :meth:`EventWriter.write_encoded`."""
        return self.path(first_block).read_bytes()

    def cleanup(self) -> None:
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)
