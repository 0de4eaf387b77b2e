"""simulation/parquet_concat.py: a Parquet file joined from encoded chunks by copying their bytes reads back as the
file pyarrow writes from the same chunks (values, schema, run metadata, row groups, statistics), and a footer
decodes and re-encodes to the same bytes."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kaonportal.simulation import chunks
from kaonportal.simulation.output import EventWriter, parquet_options
from kaonportal.simulation.parquet_concat import ParquetConcat, _write_struct, encode_table, footer_of

SCHEMA = pa.schema([("x", pa.float32()), ("n", pa.int8()), ("ok", pa.bool_()), ("w", pa.float64())],
                   metadata={"seed": "3", "card": "na62-2022"})


def _chunk(rng, rows: int) -> pa.Table:
    return pa.table({"x": rng.normal(size=rows).astype(np.float32), "n": rng.integers(0, 5, rows).astype(np.int8),
                     "ok": rng.random(rows) < 0.3, "w": rng.random(rows)}, schema=SCHEMA)


def test_joined_file_reads_as_the_file_pyarrow_writes(tmp_path):
    rng = np.random.default_rng(1)
    parts = [_chunk(rng, m) for m in (5000, 1, 70_000)]
    opts = parquet_options(SCHEMA)
    with pq.ParquetWriter(tmp_path / "ref.parquet", SCHEMA, **opts) as w:
        for p in parts:
            w.write_table(p)
    with ParquetConcat(tmp_path / "cat.parquet", SCHEMA, opts) as out:
        for p in parts[:2]:
            out.append(encode_table(p, opts))
        # a chunk of two row groups, and with other key-value metadata (the file keeps its own)
        out.append(encode_table(parts[2].replace_schema_metadata({"a": "b"}), {**opts, "row_group_size": 40_000}))
    ref, cat = pq.read_table(tmp_path / "ref.parquet"), pq.read_table(tmp_path / "cat.parquet")
    assert cat.equals(ref) and cat.schema.metadata == SCHEMA.metadata
    md = pq.ParquetFile(tmp_path / "cat.parquet").metadata
    assert md.num_rows == 75_001 and md.num_row_groups == 4
    # statistics and offsets of the last row group point at its own pages: reading that group alone works
    last = pq.ParquetFile(tmp_path / "cat.parquet").read_row_group(3)
    assert last.equals(ref.slice(45_001).replace_schema_metadata(None).cast(last.schema))
    stats = md.row_group(3).column(3).statistics
    assert stats.min == pytest.approx(float(np.min(last.column("w")))) and stats.max <= 1.0
    assert [p.name for p in tmp_path.iterdir()].count("cat.parquet") == 1 and len(list(tmp_path.iterdir())) == 2


def test_footer_round_trip_is_byte_exact():
    data = encode_table(_chunk(np.random.default_rng(2), 300), parquet_options(SCHEMA))
    fields, start = footer_of(data)
    out = bytearray()
    _write_struct(out, fields)
    assert bytes(out) == bytes(memoryview(data)[start:len(data) - 8])


def test_chunk_of_another_schema_is_refused_and_abort_leaves_nothing(tmp_path):
    other = pa.table({"x": pa.array([1.0], pa.float64())})
    out = ParquetConcat(tmp_path / "o.parquet", SCHEMA, parquet_options(SCHEMA))
    with pytest.raises(ValueError, match="schema"):
        out.append(encode_table(other))
    with pytest.raises(ValueError, match="not a Parquet file"):
        out.append(b"PAR1 not a footer")
    out.abort()
    assert list(tmp_path.iterdir()) == []


def test_parquet_output_encodes_each_chunk_once(tmp_path, monkeypatch):
    """The output thread of a local run encodes a chunk once for the chunk store and the file (bytes copied)."""
    from kaonportal.simulation.output import ChunkStore
    calls = []
    real = chunks._encode
    monkeypatch.setattr(chunks, "_encode", lambda *a: calls.append(1) or real(*a))
    t = _chunk(np.random.default_rng(3), 100)
    store = ChunkStore(tmp_path / "o.parquet", {"seed": "3"})
    writer = EventWriter(tmp_path / "o.parquet", SCHEMA, {})
    chunks._emit_chunk(store, writer, 0, t, SCHEMA, (1.0, 0.5, 0.1))
    writer.close()
    assert len(calls) == 1
    assert store.path(0).read_bytes()[4:200] == (tmp_path / "o.parquet").read_bytes()[4:200]   # the same pages
    assert pq.read_table(tmp_path / "o.parquet").equals(t)


def test_chunk_with_a_page_index_is_refused(tmp_path):
    # OffsetIndex.page_locations hold absolute offsets inside the copied bytes: a joined file would point a page-
    # pruning reader (DuckDB, Spark) at the wrong pages, so such chunks are refused; the file's options pin it off
    opts = parquet_options(SCHEMA)
    assert opts["write_page_index"] is False
    t = _chunk(np.random.default_rng(3), 50)
    with_index = encode_table(t, {**opts, "write_page_index": True})
    assert pq.ParquetFile(pa.BufferReader(with_index)).metadata.row_group(0).column(0).has_offset_index
    out = ParquetConcat(tmp_path / "o.parquet", SCHEMA, opts)
    out.append(encode_table(t, opts))
    with pytest.raises(ValueError, match="page index .*write_page_index=False"):
        out.append(with_index)
    out.close()     # the refused chunk wrote nothing: the file is the first chunk alone
    assert pq.read_table(tmp_path / "o.parquet").equals(t)


def test_row_group_ordinal_is_bounded(tmp_path):
    # RowGroup.ordinal is a Thrift i16 (parquet.thrift): ordinals 0..32767, so at most 32768 row groups
    schema = pa.schema([("k", pa.int8())])
    half = encode_table(pa.table({"k": pa.array(np.ones(2**14, np.int8))}),
                        {"row_group_size": 1, "compression": "none", "write_statistics": False})
    with ParquetConcat(tmp_path / "o.parquet", schema) as out:
        out.append(half)
        out.append(half)
        with pytest.raises(ValueError, match="at most 32768 row groups"):
            out.append(encode_table(pa.table({"k": pa.array([1], pa.int8())})))
    md = pq.read_metadata(tmp_path / "o.parquet")
    assert md.num_row_groups == 2**15 and md.num_rows == 2**15
