"""Parquet sample cache (analyses.samples.SampleCache) with masses and decay options, and a search section
resumed from it: an interrupted run (simulated by running twice in a fresh memory) reads every sample back,
writes nothing, and gives identical numbers."""

import numpy as np

from kaonportal.analyses.samples import SampleCache, card_key
from kaonportal.analyses.searches.common import clear_sample_memo, simulate_sample, use_sample_cache

Z = (105.0, 165.0)


def test_path_names_are_readable_and_unique(tmp_path):
    c = SampleCache(tmp_path, "na62-2022", card_key("na62-2022"))
    # the pnn section's names are unchanged by the new arguments (existing caches stay valid)
    assert c.path("K+ -> pi+ pi0", 1000, 3, Z).name == "Kp_to_pip_pi0__na62m2022__z105-165__n1000__s3.parquet"
    assert c.path("K+ -> mu+ nu", 1000, 3, Z, muon_decays=True) == c.path("K+ -> mu+ nu", 1000, 3, Z)
    names = {c.path("K+ -> pi+ X", 1000, 3, Z, mass=m).name for m in (0.1, 0.1 + 1e-12, 0.10000001, 0.2, 0.0)}
    assert len(names) == 5                                   # masses closer than :g digits stay distinct
    assert c.path("K+ -> pi+ X", 1000, 3, Z, mass=0.1).name.endswith("__s3__m0.1.parquet")
    with_opt = {c.path("K+ -> pi+ X", 1000, 3, Z, mass=0.1, **o).name
                for o in ({}, {"muon_decays": True}, {"x_decay": "gamma gamma"}, {"x_decay": "gamma_gamma"})}
    assert len(with_opt) == 4                                # lossy slugs get a hash
    assert c.path("K+ -> pi+ X", 1000, 3, (105.0, 165.0000001), mass=0.1) != c.path("K+ -> pi+ X", 1000, 3, Z, mass=0.1)
    assert SampleCache(None, "na62-2022", "na62_2022").path("K+ -> pi+ X", 10, 1, Z, mass=0.1) is None


def test_get_with_mass_writes_once_and_reads_back(tmp_path):
    cols = ["m2miss_pi", "weight_gen", "true_vertex_z"]
    a = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols)
    t1 = a.get("K+ -> pi+ X", 2000, 11, Z, mass=0.15)
    assert a.simulated == ["K+ -> pi+ X"] and len(a.written) == 1 and set(t1.column_names) == set(cols)
    # the mass reaches the simulation: m2miss peaks at m_X^2 (resolution ~1e-3 GeV^2/c^4)
    m2 = t1.column("m2miss_pi").to_numpy()
    assert abs(np.median(m2[np.isfinite(m2)]) - 0.15 ** 2) < 3e-3
    mtime = a.written[0].stat().st_mtime_ns
    b = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols)      # a new process
    t2 = b.get("K+ -> pi+ X", 2000, 11, Z, mass=0.15)
    assert b.loaded_from_cache == ["K+ -> pi+ X"] and not b.simulated and not b.written
    assert t2.equals(t1) and a.written[0].stat().st_mtime_ns == mtime
    # another mass is another sample
    t3 = b.get("K+ -> pi+ X", 2000, 11, Z, mass=0.2)
    assert b.simulated == ["K+ -> pi+ X"] and not t3.equals(t1)
    # a request for a column the file lacks re-simulates the same events and keeps the union of columns
    c = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols + ["p_track"])
    t4 = c.get("K+ -> pi+ X", 2000, 11, Z, mass=0.15)
    assert c.simulated and t4.select(t1.column_names).equals(t1) and "p_track" in t4.column_names
    d = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols)
    assert d.get("K+ -> pi+ X", 2000, 11, Z, mass=0.15).equals(t1) and d.loaded_from_cache


def test_simulate_sample_uses_the_active_cache(tmp_path):
    clear_sample_memo()
    kw = dict(mass=0.3, columns=["m2miss_e", "weight_gen"])
    with use_sample_cache(tmp_path) as store:
        a = simulate_sample("K+ -> e+ N", 1500, 4, "na62-2022", Z, **kw)
        assert store.simulated == ["K+ -> e+ N"] and len(store.written) == 1
        assert "__m0.3" in store.written[0].name
    clear_sample_memo()
    with use_sample_cache(tmp_path) as store:
        b = simulate_sample("K+ -> e+ N", 1500, 4, "na62-2022", Z, **kw)
        assert store.loaded_from_cache == ["K+ -> e+ N"] and not store.simulated and not store.written
    assert list(a) == list(b) and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    # a sample already in memory is still written to a new cache directory
    with use_sample_cache(tmp_path / "other") as store:
        simulate_sample("K+ -> e+ N", 1500, 4, "na62-2022", Z, **kw)
        assert store.from_memory == ["K+ -> e+ N"] and len(store.written) == 1 and store.written[0].is_file()


def _numbers(out):
    return {p.name: p.read_text() for p in sorted((out / "curves").glob("*.csv"))}


def test_search_section_resumes_from_the_cache(tmp_path):
    from kaonportal.analyses.searches.kpix import kpix_section

    cfg = dict(masses=[0.02, 0.08, 0.18, 0.24], n_signal=2000, n_sm=4000, n_signal_masses=2, lifetimes_ns=[1.0])
    clear_sample_memo()                  # a fresh process: nothing in memory
    out = tmp_path / "run"
    first = kpix_section(out, seed=3, config=cfg)
    files = sorted((out / "cache").glob("*.parquet"))
    # 2 masses per range x 2 ranges of K+ -> pi+ X, plus the SM K+ -> pi+ nu nubar shape
    assert first["samples"]["simulated"] == 5 == len(files) and first["samples"]["loaded_from_cache"] == 0
    assert any("__m0.26" in f.name for f in files) and not any(f.suffix != ".parquet" for f in (out / "cache").iterdir())
    mtimes = {f.name: f.stat().st_mtime_ns for f in files}
    numbers = _numbers(out)
    clear_sample_memo()                  # the rerun after an interruption is a new process
    second = kpix_section(out, seed=3, config=cfg)
    assert second["samples"]["simulated"] == 0 and second["samples"]["loaded_from_cache"] == 5
    assert {f.name: f.stat().st_mtime_ns for f in (out / "cache").glob("*.parquet")} == mtimes   # written once
    assert _numbers(out) == numbers
    for key in ("ses_range", "br_ul_expected_median_range", "br_ul_observed_range", "expected_sm_events_in_sr"):
        assert second[key] == first[key]


def test_cache_file_without_column_record_is_upgraded(tmp_path):
    """A file written before the column record existed is used when it holds the requested columns and
    re-simulated once (then recorded) when it lacks one."""
    import pyarrow.parquet as pq

    cols = ["m2miss_pi", "weight_gen"]
    a = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols)
    t = a.get("K+ -> pi+ pi0", 1000, 2, Z)
    old = t.replace_schema_metadata({})                       # as written by the previous version
    pq.write_table(old, a.written[0])
    b = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols)
    assert b.get("K+ -> pi+ pi0", 1000, 2, Z).equals(t) and b.loaded_from_cache and not b.simulated
    c = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols + ["cda"])
    assert "cda" in c.get("K+ -> pi+ pi0", 1000, 2, Z).column_names and c.simulated
    # a name the simulation does not produce costs one simulation, then it is recorded as requested
    for k in range(2):
        d = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols + ["cda", "not_a_column"])
        assert "not_a_column" not in d.get("K+ -> pi+ pi0", 1000, 2, Z).column_names
        assert bool(d.simulated) == (k == 0) and bool(d.loaded_from_cache) == (k == 1)


def test_iter_blocks_gives_the_sample_of_get_part_by_part(tmp_path):
    import pyarrow as pa
    cols = ["m2miss_pi", "weight_gen", "true_vertex_z"]
    args = ("K+ -> pi+ pi0", 2500, 3, Z)
    whole = SampleCache(None, "na62-2022", "na62_2022", columns=cols, max_part=1000).get(*args)
    a = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols, max_part=1000)
    blocks = list(a.iter_blocks(*args))
    # the simulation parts, in order; written to the cache as they come
    assert [b.num_rows for b in blocks] == [1000, 1000, 500] and a.simulated == ["K+ -> pi+ pi0"]
    assert pa.concat_tables(blocks).equals(whole) and len(a.written) == 1
    b = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=cols, max_part=1000)
    again = list(b.iter_blocks(*args))
    assert b.loaded_from_cache == ["K+ -> pi+ pi0"] and not b.simulated
    assert [t.num_rows for t in again] == [1000, 1000, 500] and all(x.equals(y) for x, y in zip(again, blocks))
    assert b.get(*args).equals(whole)


def test_iter_blocks_stopped_early_stores_nothing(tmp_path):
    c = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=["weight_gen"], max_part=500)
    it = c.iter_blocks("K+ -> pi+ pi0", 1500, 3, Z)
    next(it)
    it.close()                                   # an interrupted analysis: no partial file looks complete
    assert not c.written and not list(tmp_path.glob("*"))
