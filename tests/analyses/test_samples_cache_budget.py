"""SampleCache size budget (issue 17: cache <= 300 MB after a default run): a sample that does not fit is not
stored and is simulated again later, with identical events."""

from kaonportal.analyses.samples import CACHE_MAX_BYTES, SampleCache

Z = (105.0, 165.0)
COLS = ["m2miss_pi", "weight_gen", "p_track"]


def test_budget_keeps_cache_small_and_results_identical(tmp_path):
    a = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=COLS, max_bytes=60_000)
    small = a.get("K+ -> pi+ pi0", 2000, 1, Z)            # ~40 kB: stored
    big = a.get("K+ -> pi+ pi0", 20000, 2, Z)             # ~400 kB: over the budget, regenerated later
    assert len(a.written) == 1 and len(a.not_stored) == 1 and "n20000" in a.not_stored[0]
    assert sum(f.stat().st_size for f in tmp_path.glob("*.parquet")) <= 60_000
    assert not list(tmp_path.glob("*.tmp*"))
    b = SampleCache(tmp_path, "na62-2022", "na62_2022", columns=COLS, max_bytes=60_000)   # a later run
    assert b.get("K+ -> pi+ pi0", 2000, 1, Z).equals(small) and b.loaded_from_cache == ["K+ -> pi+ pi0"]
    assert b.get("K+ -> pi+ pi0", 20000, 2, Z).equals(big) and b.simulated == ["K+ -> pi+ pi0"]
    # no budget: everything is stored
    c = SampleCache(tmp_path / "nolimit", "na62-2022", "na62_2022", columns=COLS, max_bytes=None)
    c.get("K+ -> pi+ pi0", 20000, 2, Z)
    assert len(c.written) == 1 and CACHE_MAX_BYTES == 300_000_000
