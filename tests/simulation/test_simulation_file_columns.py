"""Event files (issue 17): lean default column set in narrowed types (<= 60 bytes/event), ``columns="all"``
exact, resume of a lean file identical to an uninterrupted one, progress per block."""

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kaonportal.errors import InputError
from kaonportal.simulation import simulate
from kaonportal.simulation.schema import FILE_COLUMNS, file_schema, arrow_schema

KW = dict(seed=3, card="na62-2018", chunk_blocks=1)


def test_lean_file_size_and_values(tmp_path):
    out = tmp_path / "lean.parquet"
    n = 70_000
    res = simulate("K+ -> pi+ pi0", n=n, output=out, **KW)
    mem = simulate("K+ -> pi+ pi0", n=n, **KW)
    # issue 17 target: <= 60 bytes per event by default (was 204 with every column in float64)
    assert out.stat().st_size / n <= 60
    t = pq.read_table(out)
    assert t.column_names == list(FILE_COLUMNS)
    for name, dtype in FILE_COLUMNS.items():
        a = t.column(name).to_numpy(zero_copy_only=False)
        b = mem.events.column(name).to_numpy(zero_copy_only=False)
        assert a.dtype == np.dtype(dtype), name
        # narrowed columns are the in-memory values rounded to the nearest value of the file type
        assert np.array_equal(a, b.astype(dtype), equal_nan=a.dtype.kind == "f"), name
    # run totals come from the full-precision columns, whatever the file holds
    assert (res.accepted, res.decay_fraction_mc) == (mem.accepted, mem.decay_fraction_mc)


def test_lean_resume_identical(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    n = 140_000
    ref = simulate("K+ -> mu+ nu", n=n, output=a, **KW)
    seen = []

    def stop(done):
        seen.append(done)
        if done > 70_000:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        simulate("K+ -> mu+ nu", n=n, output=b, progress=stop, **KW)
    assert (tmp_path / "b.parquet.partial" / "chunk-0000000000.parquet").is_file()
    res = simulate("K+ -> mu+ nu", n=n, output=b, **KW)
    assert pq.read_table(a).equals(pq.read_table(b))
    assert (res.accepted, res.decay_fraction_mc) == (ref.accepted, ref.decay_fraction_mc)


def test_progress_per_block():
    seen = []
    simulate("K+ -> mu+ nu", n=140_000, seed=1, card="na62-2018", chunk_blocks=16, progress=seen.append)
    # one chunk of 3 blocks: the callback advances after each block, not only at the end of the chunk
    assert seen[:3] == [65536, 131072, 140_000] and seen[-1] == 140_000


def test_named_columns_and_bad_names(tmp_path):
    out = tmp_path / "c.parquet"
    simulate("K+ -> mu+ nu", n=1000, output=out, columns=["p_track", "event"], **KW)
    t = pq.read_table(out)
    assert t.column_names == ["event", "p_track"] and t.schema.field("p_track").type == pa.float32()
    with pytest.raises(InputError, match="columns"):
        simulate("K+ -> mu+ nu", n=1000, output=tmp_path / "d.parquet", columns=["p_trak"], **KW)
    with pytest.raises(InputError, match="m_gg_lkr"):
        file_schema(arrow_schema(), ["m_gg_lkr"])      # optional column not produced by the run


def test_keep_columns_in_memory():
    full = simulate("K+ -> pi+ pi0", n=70_000, **KW)
    kept = simulate("K+ -> pi+ pi0", n=70_000, keep_columns=["p_track", "m2miss_pi", "not_a_column"], **KW)
    assert kept.events.column_names == ["p_track", "m2miss_pi"]
    assert kept.events.equals(full.events.select(["p_track", "m2miss_pi"]))
    # the totals still use weight_gen, in_acceptance and decay_prob, which are not kept
    assert (kept.accepted, kept.decay_fraction_mc) == (full.accepted, full.decay_fraction_mc)


def test_keep_columns_one_contiguous_chunk_of_every_type():
    # issue 17 (memory): the kept columns come as one chunk per column (no later concatenation copy), with the
    # values and Arrow types of the full table: floats, ints, bools (bit-packed), over several chunks
    cols = ["event", "p_track", "n_photons", "track_true_pdgid", "in_straw", "track_decayed", "w_photon_veto"]
    full = simulate("K+ -> pi+ pi0", n=140_000, **KW).events
    kept = simulate("K+ -> pi+ pi0", n=140_000, keep_columns=cols, **KW).events
    assert all(kept.column(c).num_chunks == 1 for c in kept.column_names)
    assert kept.schema.equals(full.select(kept.column_names).schema)
    assert kept.equals(full.select(kept.column_names).combine_chunks())
