"""Parquet / ROOT output: metadata, chunked writing, nothing half-written on failure."""

import numpy as np
import pytest

from kaonportal.errors import InputError
from kaonportal.simulation import read_events, simulate
from kaonportal.simulation.output import read_metadata
from kaonportal.simulation.schema import FILE_COLUMNS


@pytest.mark.parametrize("suffix", [".parquet", ".root"])
def test_roundtrip_with_metadata(tmp_path, suffix):
    out = tmp_path / f"kmu2{suffix}"
    res = simulate("K+ -> mu+ nu", n=3000, seed=2, card="na62-2018", output=out, z_range=(110.0, 160.0))
    assert res.events is None and res.output == out and out.exists()
    md = read_metadata(out)
    assert md["card"] == "na62-2018" and md["seed"] == "2" and md["decay"] == "K+ -> mu+ nu"
    assert md["z_range"] == "[110.0, 160.0]" and "kaonportal_version" in md
    t = read_events(out)
    mem = simulate("K+ -> mu+ nu", n=3000, seed=2, card="na62-2018", z_range=(110.0, 160.0)).events
    # default (lean) file: float32 columns are the in-memory values rounded to nearest float32, others exact
    assert sorted(t.column_names) == sorted(FILE_COLUMNS)       # ROOT branches come back sorted by name
    for c in ("true_vertex_z", "m2miss_mu", "in_acceptance", "weight_gen", "n_tracks"):
        a, b = t.column(c).to_numpy(zero_copy_only=False), mem.column(c).to_numpy(zero_copy_only=False)
        assert np.array_equal(a, b.astype(a.dtype), equal_nan=True), c
    assert [p.name for p in tmp_path.iterdir()] == [out.name]
    full = tmp_path / f"all{suffix}"
    simulate("K+ -> mu+ nu", n=3000, seed=2, card="na62-2018", output=full, z_range=(110.0, 160.0), columns="all")
    t = read_events(full)
    assert sorted(t.column_names) == sorted(mem.column_names)
    for c in ("true_vertex_z", "m2miss_mu", "in_straw"):
        a, b = t.column(c).to_numpy(zero_copy_only=False), mem.column(c).to_numpy(zero_copy_only=False)
        assert np.array_equal(a, b, equal_nan=True)


def test_no_overwrite_without_force(tmp_path):
    out = tmp_path / "a.parquet"
    out.write_text("keep")
    with pytest.raises(InputError, match="exists"):
        simulate("K+ -> mu+ nu", n=10, seed=1, output=out)
    assert out.read_text() == "keep"
    simulate("K+ -> mu+ nu", n=10, seed=1, output=out, force=True)
    assert read_events(out).num_rows == 10


def _flaky(fail_after):
    from kaonportal.decays import generate
    calls = {"n": 0}

    def gen(decay, n, rng, mass=None, **kw):
        calls["n"] += 1
        if calls["n"] > fail_after:
            raise RuntimeError("boom")
        return generate(decay, n, rng, mass=mass, **kw)
    return gen


def test_failure_without_resume_leaves_nothing(tmp_path):
    out = tmp_path / "x.parquet"
    with pytest.raises(RuntimeError):   # validation call + first block succeed, the second block fails
        simulate("K+ -> mu+ nu", n=70_000, seed=1, output=out, chunk_blocks=1, resume=False, generator=_flaky(2))
    assert list(tmp_path.iterdir()) == []


def test_interrupted_run_resumes_to_identical_output(tmp_path):
    out = tmp_path / "x.parquet"
    kw = dict(n=140_000, seed=4, chunk_blocks=1, card="na62-2018", columns="all")
    with pytest.raises(RuntimeError):   # chunks 0 and 1 done, chunk 2 fails
        simulate("K+ -> mu+ nu", output=out, generator=_flaky(3), **kw)
    partial = tmp_path / "x.parquet.partial"
    assert not out.exists() and sorted(p.name for p in partial.iterdir()) == [
        "chunk-0000000000.parquet", "chunk-0000000001.parquet", "manifest.json"]
    calls = _flaky(10 ** 6)
    res = simulate("K+ -> mu+ nu", output=out, generator=calls, **kw)
    assert out.exists() and not partial.exists()
    fresh = simulate("K+ -> mu+ nu", **kw)
    assert read_events(out).equals(fresh.events.replace_schema_metadata(read_events(out).schema.metadata))
    assert res.accepted == fresh.accepted
    # a partial directory of a different run is refused (unless force)
    other = tmp_path / "z.parquet.partial"
    other.mkdir()
    (other / "manifest.json").write_text("{}")
    with pytest.raises(InputError, match="different run"):
        simulate("K+ -> mu+ nu", n=10, seed=1, output=tmp_path / "z.parquet")
    simulate("K+ -> mu+ nu", n=10, seed=1, output=tmp_path / "z.parquet", force=True)
    assert (tmp_path / "z.parquet").exists() and not other.exists()


def test_resume_reads_each_stored_chunk_footer_once(tmp_path, monkeypatch):
    # the footer read to check a stored chunk (ChunkStore.footer) also gives its run totals: no second read of it
    import pyarrow.parquet as pq
    out = tmp_path / "x.parquet"
    kw = dict(n=140_000, seed=4, chunk_blocks=1, card="na62-2018")
    with pytest.raises(RuntimeError):   # chunks 0 and 1 done, chunk 2 fails
        simulate("K+ -> mu+ nu", output=out, generator=_flaky(3), **kw)
    partial = tmp_path / "x.parquet.partial"
    reads = []
    for name in ("read_metadata", "read_schema"):
        real = getattr(pq, name)
        monkeypatch.setattr(pq, name, lambda where, *a, _real=real, **k: reads.append(str(where)) or _real(where, *a, **k))
    res = simulate("K+ -> mu+ nu", output=out, generator=_flaky(10 ** 6), **kw)
    for i in (0, 1):    # the stored chunks; the missing ones are looked for too (no file: simulated)
        assert reads.count(str(partial / f"chunk-000000000{i}.parquet")) == 1, reads
    assert res.accepted == simulate("K+ -> mu+ nu", **kw).accepted


def test_bad_output_paths(tmp_path):
    with pytest.raises(InputError, match="suffix"):
        simulate("K+ -> mu+ nu", n=10, seed=1, output=tmp_path / "x.csv")
    with pytest.raises(InputError, match="does not exist"):
        simulate("K+ -> mu+ nu", n=10, seed=1, output=tmp_path / "no" / "x.parquet")


def test_root_output_is_a_ttree(tmp_path):
    """ROOT files hold a classic TTree (what most ROOT users read, and what the docs promise), not an
    RNTuple, also when written in several chunks."""
    import uproot
    out = tmp_path / "kmu2.root"
    simulate("K+ -> mu+ nu", n=70_000, seed=3, card="na62-2018", output=out, chunk_blocks=1)
    with uproot.open(out) as f:
        assert f.classnames()["events;1"] == "TTree"
        tree = f["events"]
        assert tree.num_entries == read_events(out).num_rows > 0
        assert "m2miss_mu" in tree.keys()


def test_chunk_store_checks_stored_chunks_cheaply(tmp_path):
    import pyarrow as pa

    from kaonportal.simulation.output import ChunkStore, encode_chunk
    schema = pa.schema([("x", pa.float32()), ("n", pa.int8())])
    table = pa.table({"x": np.linspace(0, 1, 1000, dtype=np.float32), "n": np.arange(1000).astype(np.int8)},
                     schema=schema)
    store = ChunkStore(tmp_path / "o.parquet", {"run": "1"})
    store.save(0, table)

    def intact(schema):
        return store.footer(0, schema) is not None
    assert intact(schema) and intact(schema.with_metadata({"a": "b"}))
    assert store.footer(1, schema) is None                                     # missing
    assert not intact(pa.schema([("x", pa.float64()), ("n", pa.int8())]))    # another schema
    data = store.path(0).read_bytes()
    store.path(0).write_bytes(data[: len(data) // 2])                      # truncated: no footer
    assert store.has(0) and not intact(schema)
    # a footer intact but bytes of the pages missing: its column chunks reach into the footer
    store.path(0).write_bytes(data[:4] + data[40:])
    assert not intact(schema)
    store.path(0).write_bytes(bytes(encode_chunk(table)))
    assert intact(schema)


def test_resume_simulates_a_truncated_chunk_again(tmp_path):
    out = tmp_path / "x.parquet"
    kw = dict(n=140_000, seed=4, chunk_blocks=1, card="na62-2018", columns="all")
    with pytest.raises(RuntimeError):   # chunks 0 and 1 done, chunk 2 fails
        simulate("K+ -> mu+ nu", output=out, generator=_flaky(3), **kw)
    chunk = tmp_path / "x.parquet.partial" / "chunk-0000000001.parquet"
    chunk.write_bytes(chunk.read_bytes()[:-100])       # cut short (a full disk): its footer is gone
    gen = _flaky(10 ** 6)
    simulate("K+ -> mu+ nu", output=out, generator=gen, **kw)
    fresh = simulate("K+ -> mu+ nu", **kw)
    assert read_events(out).equals(fresh.events.replace_schema_metadata(read_events(out).schema.metadata))
