"""One Parquet file from Parquet chunks encoded elsewhere, by copying their bytes: each chunk is encoded once.

A simulation chunk is encoded to Parquet where it is made (a dask worker, or the output thread of a local run),
saved as is in the resume store, and appended to the output file here without being decoded or re-encoded: the
column chunks (pages) of a Parquet file hold no absolute positions, only its footer does. The footer of the
output is the footer of an empty file written by pyarrow with the output's schema and options (schema, key-value
metadata with the run metadata, writer version), with the row groups of every chunk, their file offsets shifted
to where the chunk's bytes now sit, and the total number of rows.

File layout and footer fields from the Apache Parquet format specification [Apache:2013parquet]
(``parquet.thrift``: FileMetaData, RowGroup, ColumnChunk, ColumnMetaData); the footer is serialised with the
Thrift compact protocol [Apache:2007thrift], decoded and re-encoded here field by field (unknown fields kept
as read), so that nothing of the chunks' metadata but the offsets changes.

Refused (ValueError, before anything of the chunk is written): a chunk with a page index (written with
``write_page_index=True``): its OffsetIndex structs, stored between the pages and the footer and copied as bytes,
hold absolute PageLocation offsets that a shifted footer would not move, so a reader pruning pages by it (DuckDB,
Spark) would read the wrong pages; and a file of more than 32768 row groups (RowGroup.ordinal is an i16).

>>> import pyarrow as pa, pyarrow.parquet as pq, tempfile, pathlib
>>> t = pa.table({"x": pa.array([1.5, 2.5, 3.5], pa.float32())})
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with ParquetConcat(d / "o.parquet", t.schema) as out:
...     out.append(encode_table(t.slice(0, 2)))
...     out.append(encode_table(t.slice(2)))
>>> pq.read_table(d / "o.parquet").equals(t), pq.ParquetFile(d / "o.parquet").metadata.num_row_groups
(True, 2)
"""

from __future__ import annotations

__all__ = ["ParquetConcat", "encode_table", "footer_of"]

import os
import secrets
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

MAGIC = b"PAR1"

# Thrift compact protocol type codes [Apache:2007thrift]
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY, _LIST, _SET, _MAP, _STRUCT, _UUID = range(14)

# parquet.thrift field ids [Apache:2013parquet]: FileMetaData.num_rows / row_groups / schema
FMD_SCHEMA, FMD_NUM_ROWS, FMD_ROW_GROUPS = 2, 3, 4
# absolute file positions, by struct: RowGroup.file_offset; ColumnChunk.file_offset, offset_index_offset,
# column_index_offset; ColumnMetaData.data_page_offset, index_page_offset, dictionary_page_offset, bloom_filter_offset
RG_COLUMNS, RG_FILE_OFFSET, RG_ORDINAL = 1, 5, 7
CC_FILE_OFFSET, CC_META = 2, 3
# ColumnChunk.offset_index_offset / column_index_offset: a page index, refused (module docstring)
CC_PAGE_INDEX = {4: "offset_index_offset", 6: "column_index_offset"}
#: the largest RowGroup.ordinal (a Thrift i16 [Apache:2013parquet])
MAX_ORDINAL = 2**15 - 1
CMD_OFFSETS = (9, 10, 11, 14)


# --- Thrift compact protocol: a struct is a list of [field id, type, value], in the order read --------------------

def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _unzigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _read_value(buf: bytes, pos: int, ttype: int):
    if ttype in (_I16, _I32, _I64):
        n, pos = _varint(buf, pos)
        return _unzigzag(n), pos
    if ttype == _BYTE or ttype in (_TRUE, _FALSE):      # a bool inside a list is one byte
        return buf[pos], pos + 1
    if ttype == _DOUBLE:
        return bytes(buf[pos:pos + 8]), pos + 8
    if ttype == _UUID:
        return bytes(buf[pos:pos + 16]), pos + 16
    if ttype == _BINARY:
        n, pos = _varint(buf, pos)
        return bytes(buf[pos:pos + n]), pos + n
    if ttype in (_LIST, _SET):
        head = buf[pos]
        pos += 1
        size, etype = head >> 4, head & 0x0F
        if size == 15:
            size, pos = _varint(buf, pos)
        items = []
        for _ in range(size):
            v, pos = _read_value(buf, pos, etype)
            items.append(v)
        return (etype, items), pos
    if ttype == _MAP:
        size, pos = _varint(buf, pos)
        if size == 0:
            return (0, 0, []), pos
        kv = buf[pos]
        pos += 1
        items = []
        for _ in range(size):
            k, pos = _read_value(buf, pos, kv >> 4)
            v, pos = _read_value(buf, pos, kv & 0x0F)
            items.append((k, v))
        return (kv >> 4, kv & 0x0F, items), pos
    if ttype == _STRUCT:
        return _read_struct(buf, pos)
    raise ValueError(f"not a Parquet footer: Thrift type {ttype}")


def _read_struct(buf: bytes, pos: int) -> tuple[list, int]:
    fields, last = [], 0
    while True:
        head = buf[pos]
        pos += 1
        ttype = head & 0x0F
        if ttype == _STOP:
            return fields, pos
        delta = head >> 4
        if delta:
            fid = last + delta
        else:
            n, pos = _varint(buf, pos)
            fid = _unzigzag(n)
        if ttype in (_TRUE, _FALSE):        # a bool field: its value is its type
            value = ttype == _TRUE
        else:
            value, pos = _read_value(buf, pos, ttype)
        fields.append([fid, ttype, value])
        last = fid


def _w_varint(out: bytearray, n: int) -> None:
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _write_value(out: bytearray, ttype: int, value) -> None:
    if ttype in (_I16, _I32, _I64):
        _w_varint(out, _zigzag(value))
    elif ttype == _BYTE or ttype in (_TRUE, _FALSE):
        out.append(value)
    elif ttype in (_DOUBLE, _UUID):
        out += value
    elif ttype == _BINARY:
        _w_varint(out, len(value))
        out += value
    elif ttype in (_LIST, _SET):
        etype, items = value
        if len(items) < 15:
            out.append(len(items) << 4 | etype)
        else:
            out.append(0xF0 | etype)
            _w_varint(out, len(items))
        for v in items:
            _write_value(out, etype, v)
    elif ttype == _MAP:
        kt, vt, items = value
        _w_varint(out, len(items))
        if items:
            out.append(kt << 4 | vt)
            for k, v in items:
                _write_value(out, kt, k)
                _write_value(out, vt, v)
    elif ttype == _STRUCT:
        _write_struct(out, value)
    else:
        raise ValueError(f"Thrift type {ttype}")


def _write_struct(out: bytearray, fields: list) -> None:
    last = 0
    for fid, ttype, value in fields:
        if ttype in (_TRUE, _FALSE):
            ttype = _TRUE if value else _FALSE
        if 0 < fid - last <= 15:
            out.append((fid - last) << 4 | ttype)
        else:
            out.append(ttype)
            _w_varint(out, _zigzag(fid))
        if ttype not in (_TRUE, _FALSE):
            _write_value(out, ttype, value)
        last = fid
    out.append(_STOP)


def _field(fields: list, fid: int):
    return next((f for f in fields if f[0] == fid), None)


# --- Parquet files -----------------------------------------------------------------------------------------------

def footer_of(data) -> tuple[list, int]:
    """The decoded FileMetaData of the Parquet file ``data`` (bytes-like) and where it starts."""
    view = memoryview(data).cast("B")     # unsigned bytes (a pyarrow Buffer exports signed chars)
    if len(view) < 12 or bytes(view[:4]) != MAGIC or bytes(view[-4:]) != MAGIC:
        raise ValueError("not a Parquet file (no PAR1 magic at both ends)")
    (length,) = struct.unpack("<I", view[-8:-4])
    start = len(view) - 8 - length
    fields, _ = _read_struct(view, start)
    return fields, start


def _shift(row_group: list, delta: int, ordinal: int) -> None:
    """Move the absolute file positions of ``row_group`` (decoded RowGroup) by ``delta`` bytes."""
    for f in row_group:
        if f[0] == RG_FILE_OFFSET:
            f[2] += delta
        elif f[0] == RG_ORDINAL:
            f[2] = ordinal
    for chunk in _field(row_group, RG_COLUMNS)[2][1]:
        for f in chunk:
            if f[0] == CC_FILE_OFFSET and f[2]:     # file_offset 0: not set (written so by pyarrow)
                f[2] += delta
            elif f[0] == CC_META:
                for g in f[2]:
                    if g[0] in CMD_OFFSETS:
                        g[2] += delta


def _check_no_page_index(row_groups: list) -> None:
    """ValueError if a ColumnChunk of ``row_groups`` (decoded RowGroups) points at a page index."""
    for rg in row_groups:
        for chunk in _field(rg, RG_COLUMNS)[2][1]:
            for f in chunk:
                if f[0] in CC_PAGE_INDEX:
                    raise ValueError(f"Parquet chunk with a page index ({CC_PAGE_INDEX[f[0]]}): its absolute page "
                                     "offsets cannot be moved by copying; encode chunks with write_page_index=False")


def encode_table(table: pa.Table, options: dict | None = None) -> pa.Buffer:
    """``table`` as a Parquet file in memory, written by ``pyarrow.parquet.write_table`` with ``options``."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **(options or {}))
    return sink.getvalue()


class ParquetConcat:
    """The Parquet file ``path`` made of appended Parquet chunks (bytes: :func:`encode_table` of tables with
    ``schema`` and the same ``options``), its key-value metadata ``schema.metadata``; written under a temporary name and renamed into place by :meth:`close` (:meth:`abort`: removed).
    A chunk whose Parquet schema differs from ``schema``'s is refused (ValueError) before anything is written."""

    def __init__(self, path: str | Path, schema: pa.Schema, options: dict | None = None):
        self.path = Path(path)
        # unique per process and writer (as kaonportal.atomic): two runs writing one output never share it
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
        empty = encode_table(schema.empty_table(), options)
        self._footer, _ = footer_of(empty)
        self._schema = _field(self._footer, FMD_SCHEMA)
        self._row_groups: list = []
        self._rows = 0
        self._f = open(self.tmp, "wb")
        self._f.write(MAGIC)
        self._pos = len(MAGIC)

    def append(self, data) -> None:
        """Append the row groups of the Parquet file ``data`` (bytes-like)."""
        fields, start = footer_of(data)
        if _field(fields, FMD_SCHEMA) != self._schema:
            raise ValueError("Parquet chunk with another schema than the file's")
        delta = self._pos - len(MAGIC)
        groups = _field(fields, FMD_ROW_GROUPS)
        groups = groups[2][1] if groups else []
        _check_no_page_index(groups)
        if len(self._row_groups) + len(groups) > MAX_ORDINAL + 1:
            raise ValueError(f"a Parquet file holds at most {MAX_ORDINAL + 1} row groups (RowGroup.ordinal is a "
                             f"16-bit integer); this chunk would make {len(self._row_groups) + len(groups)}: "
                             "write fewer, larger chunks")
        for rg in groups:
            _shift(rg, delta, len(self._row_groups))
            self._row_groups.append(rg)
        self._rows += _field(fields, FMD_NUM_ROWS)[2]
        self._f.write(memoryview(data)[len(MAGIC):start])
        self._pos += start - len(MAGIC)

    def close(self) -> Path:
        footer = [list(f) for f in self._footer]
        _field(footer, FMD_NUM_ROWS)[2] = self._rows
        _field(footer, FMD_ROW_GROUPS)[2] = (_STRUCT, self._row_groups)
        out = bytearray()
        _write_struct(out, footer)
        self._f.write(out)
        self._f.write(struct.pack("<I", len(out)) + MAGIC)
        self._f.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        if not self._f.closed:
            self._f.close()
        try:
            self.tmp.unlink()
        except FileNotFoundError:
            pass

    def __enter__(self) -> ParquetConcat:
        return self

    def __exit__(self, exc_type, *_) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
