"""kaonportal.recast: built-in vs its YAML export, zero production, combination, published-curve consistency.

The kaon-mode limits are given as a ``--searches-from`` directory whose ``curves/`` hold the search CSVs in the
sections' own format; the K+ -> pi+ X (invisible) table is NA62's published 2016-2022 limit versus mass and
lifetime (shipped curve, ALPaca re-grid), so the recast can be compared with models.convert on the same curve.
"""

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from kaonportal.models import get_model
from kaonportal.models.convert import convert_curve
from kaonportal.models.export import export_model
from kaonportal.models.tabulated import TabulatedModel
from kaonportal.recast import RecastConfig, islands, run_recast, write_outputs

BANDS = ("minus2", "minus1", "median", "plus1", "plus2")
PUBLISHED = Path(str(resources.files("kaonportal") / "data" / "curves"
                     / "NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca.csv"))


def _cfg(search_dir, searches, **kw):
    kw.setdefault("n_mass", 24)
    kw.setdefault("n_coupling", 24)
    return RecastConfig(searches, searches_from=search_dir, n_per_mass=200, **kw)


@pytest.mark.parametrize("name, mass_range, tol", [
    # widths and K+ -> pi+ X reproduced to < 1% at 95% of the masses (tests/models/test_models_tabulated.py);
    # measured edge differences: lower edges <= 1% (BC4 and BC10), upper edges (set by the lifetime) 2.0%
    # (BC4, next to the hadronic thresholds) and 0.4% (BC10): tolerance 3%
    ("BC4", (0.01, 0.3), 0.03),
    ("BC10", (0.01, 0.3), 0.03),
])
def test_export_recasts_like_the_builtin(search_dir, tmp_path, name, mass_range, tol):
    built = get_model(name)
    tab = TabulatedModel.from_mapping(export_model(name, n_masses=400))
    cfg = _cfg(search_dir, ["kpix", "visible-x-mumu"], mass_range=mass_range, coupling_range=(1e-12, 1.0))
    a = run_recast(built, cfg, tmp_path / "a")
    b = run_recast(tab, cfg, tmp_path / "b")
    assert [o.name for o in a.outcomes] == [o.name for o in b.outcomes]
    for oa, ob in zip(a.outcomes, b.outcomes):
        for band in ("observed", "median"):
            for ea, eb in zip(oa.edges[band], ob.edges[band]):
                both = np.isfinite(ea) & np.isfinite(eb)
                assert np.array_equal(np.isfinite(ea), np.isfinite(eb)), (oa.name, band)
                assert both.any() or oa.name != "kpix"
                assert np.allclose(eb[both], ea[both], rtol=tol), (oa.name, band)
    assert a.union.sum() > 0
    assert np.sum(a.union != b.union) <= 0.02 * a.union.size


def test_recast_kpix_equals_models_convert_on_the_published_curve(search_dir, tmp_path):
    """The recast's kpix exclusion of BC4 = models.convert of the published curve at the same masses (both
    interpolate log BR linearly in mass; the curve is sampled every ~1 MeV, so 2% covers the resampling)."""
    model = get_model("BC4")
    res = run_recast(model, _cfg(search_dir, ["kpix"], mass_range=(0.01, 0.1)), tmp_path)
    low = res.outcomes[0].edges["observed"][0]
    ref = convert_curve(PUBLISHED, model, final_state="invisible", production="K+ -> pi+ S")
    ref_low = np.exp(np.interp(res.masses, ref.mass_gev, np.log(ref.coupling_low)))
    assert np.all(np.isfinite(low))
    assert np.allclose(low, ref_low, rtol=0.02)


def test_pi0_gamma_invisible_dark_photon_is_br_limit_over_unit_br(search_dir, tmp_path):
    """BC2 (A' -> chi chibar, BR ~ 1): escaping A', so eps_low^2 x BR(pi0 -> gamma A')(eps = 1) = BR_UL exactly
    (the pi0-gamma-x section's own epsilon^2 conversion; checked on its quick output to 2e-5)."""
    model = get_model("BC2")
    res = run_recast(model, _cfg(search_dir, ["pi0-gamma-x"], mass_range=(0.025, 0.115), n_mass=10), tmp_path)
    low = res.outcomes[0].edges["observed"][0]
    unit = model.production_br(res.masses, 1.0)["pi0 -> gamma A'"]
    assert np.allclose(low**2 * unit, 2e-6 * (1 + 10 * res.masses), rtol=1e-4)


def test_zero_production_excludes_nothing(search_dir, tmp_path):
    data = export_model("BC4", n_masses=60)
    data["production"] = {k: [0.0] * len(v) for k, v in data["production"].items()}
    model = TabulatedModel.from_mapping(data)
    res = run_recast(model, _cfg(search_dir, ["kpix", "visible-x-mumu", "dump"], mass_range=(0.01, 0.4),
                                 n_mass=8, n_coupling=8), tmp_path)
    assert res.outcomes, "the searches ran"
    assert not res.union.any() and not res.combined.any() and not res.combined_expected.any()
    assert not res.union_projection.any()
    assert all(np.all(np.isnan(o.edges["observed"][0])) for o in res.outcomes if o.kind == "kaon")


def test_statistical_combination_contains_the_union_and_adds(search_dir, tmp_path):
    """sum_i r_i >= 1 wherever one r_i >= 1; two searches each at r ~ 0.6 are excluded together only."""
    model = get_model("hnl-e")
    cfg = _cfg(search_dir, ["hnl-kp-e"], mass_range=(0.16, 0.44), coupling_range=(1e-10, 1e-7))
    res = run_recast(model, cfg, tmp_path)
    assert res.union.any()
    assert np.all(res.combined[res.union])
    # the same search twice, as if independent: excludes couplings ~2^(1/2)-2x lower (r ~ C for BC6)
    o = res.outcomes[0]
    twice = o.r_map + o.r_map
    assert np.sum(twice >= 1) > np.sum(o.excluded)


def test_outputs(search_dir, tmp_path):
    res = run_recast(get_model("BC4"), _cfg(search_dir, ["kpix", "visible-x-mumu"], mass_range=(0.01, 0.3)),
                     tmp_path)
    summary = write_outputs(res, tmp_path / "out")
    out = tmp_path / "out"
    header = [ln for ln in (out / "combined.csv").read_text().splitlines() if not ln.startswith("#")][0]
    assert header == "mass_gev,coupling_low,coupling_high"
    assert (out / "curves" / "recast_kpix.csv").is_file() and (out / "recast.png").is_file()
    assert (out / "hepdata" / "submission.yaml").is_file()
    assert summary["union"]["cells"] == int(res.union.sum())
    rows = islands(res.masses, res.couplings, res.union)
    assert rows and all(lo <= hi for _, lo, hi in rows)


def test_published_comparison_is_one_when_the_search_curve_is_the_published_one(search_dir, tmp_path):
    """The kpix fixture curve is NA62's published table: this run / published lower edges = 1 (within the 2%
    resampling of test_recast_kpix_equals_models_convert_on_the_published_curve)."""
    res = run_recast(get_model("BC10"), _cfg(search_dir, ["kpix"], mass_range=(0.01, 0.1)), tmp_path)
    ratio = res.outcomes[0].info["ratio_low_observed_to_published"]
    assert ratio["n_masses"] > 10
    assert 0.98 < ratio["min"] <= ratio["max"] < 1.02


def _read_islands(path):
    rows = [ln.split(",") for ln in path.read_text().splitlines() if ln and not ln.startswith("#")][1:]
    return [tuple(float(x) for x in r) for r in rows]


def test_statistical_islands_contain_the_union_islands_on_a_coarse_grid(search_dir, tmp_path):
    """On a 12 x 12 grid the combination's grid cells miss up to one coupling step (x ~4 here) of the kpix
    exact edge; every island of combined_statistical.csv must still contain the union island of combined.csv
    at its mass (the combination contains the union by construction), and summary.json must match the CSVs."""
    res = run_recast(get_model("BC4"), _cfg(search_dir, ["kpix", "visible-x-mumu"], mass_range=(0.01, 0.3),
                                            n_mass=12, n_coupling=12, coupling_range=(1e-10, 1e-2)), tmp_path)
    summary = write_outputs(res, tmp_path / "out")
    union = _read_islands(tmp_path / "out" / "combined.csv")
    stat = _read_islands(tmp_path / "out" / "combined_statistical.csv")
    assert union
    for m, lo, hi in union:
        assert any(sm == m and slo <= lo and hi <= shi for sm, slo, shi in stat), (m, lo, hi)
    # the exact kpix edge lies strictly inside a grid cell somewhere, else this test would not test the merge
    assert any(lo not in res.couplings for _, lo, _ in union)
    for key, rows in (("union", union), ("statistical_combination", stat)):
        span = summary[key]
        assert span["mass_gev"] == [min(r[0] for r in rows), max(r[0] for r in rows)]
        low, high = span[summary["coupling_name"]]
        top = max(r[2] for r in rows)
        assert np.isclose(low, min(r[1] for r in rows), rtol=1e-5)      # CSV written to 6 digits
        assert (high is None) if np.isinf(top) else np.isclose(high, top, rtol=1e-5)
        assert span["islands"] == len(rows)


def test_level_maps_equal_one_search_edges_call_per_level(search_dir):
    """_kaon_outcome resamples the curve once and reuses the k = 1 edges; its maps must equal the definition,
    one search_edges call per level (bit for bit: the same coupling_limit inputs)."""
    from kaonportal.recast.core import LEVELS, _inside, _kaon_outcome
    from kaonportal.recast.searches import applicable_searches, curve_path, read_search_curve, search_edges
    model = get_model("BC4")
    (kpix,), _ = applicable_searches(model, ["kpix"])
    cols = read_search_curve(kpix, curve_path(kpix, model, search_dir / "curves"))
    masses, couplings = np.geomspace(0.01, 0.3, 12), np.geomspace(1e-10, 1e-2, 15)
    out = _kaon_outcome(kpix, model, cols, masses, couplings)
    ref = search_edges(kpix, model, cols, masses)
    for band, (low, high) in ref.items():
        assert np.array_equal(out.edges[band][0], low, equal_nan=True)
        assert np.array_equal(out.edges[band][1], high, equal_nan=True)
    r_obs, r_exp = np.zeros(out.excluded.shape), np.zeros(out.excluded.shape)
    for k in LEVELS[::-1]:
        lv = search_edges(kpix, model, cols, masses, scale=k, bands=("observed", "median"))
        r_obs[_inside(lv["observed"], couplings)] = k
        r_exp[_inside(lv["median"], couplings)] = k
    assert np.array_equal(out.r_map, r_obs) and np.array_equal(out.r_expected, r_exp)
    assert 0 < np.count_nonzero(r_obs) < r_obs.size          # the levels do cut through the grid
