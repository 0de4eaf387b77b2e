"""Shared plumbing of the searches: mass grids, candidate files, configuration errors."""

import numpy as np
import pytest

from kaonportal.analyses.searches.common import (check_mass_grid, load_search_config, mass_grid, read_candidates,
                                                 write_curve)
from kaonportal.analyses.searches.kpix import KpixConfig, MASS_RANGES
from kaonportal.errors import InputError


def test_mass_grid_covers_ranges_and_checks():
    m = mass_grid(MASS_RANGES, 0.005)
    assert m[0] == 0.0 and m[-1] == pytest.approx(0.26)
    assert not np.any((m > 0.110 + 1e-9) & (m < 0.154 - 1e-9))
    check_mass_grid("masses", m, MASS_RANGES)


@pytest.mark.parametrize("bad", [[0.13], [-0.01], [0.3], [float("nan")], []])
def test_mass_grid_outside_kinematic_range_is_an_error(bad):
    with pytest.raises(InputError, match="masses"):
        check_mass_grid("masses", bad, MASS_RANGES)


def test_candidate_file_errors(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("# my candidates\nm2miss,p_track\n0.004,20\n0.05,31\n")
    assert read_candidates(p, "m2miss").tolist() == [0.004, 0.05]
    p.write_text("p_track\n20\n")
    with pytest.raises(InputError, match="no column 'm2miss'"):
        read_candidates(p, "m2miss")
    p.write_text("m2miss\n0.01\nabc\n")
    with pytest.raises(InputError, match="line 3: non-numeric"):
        read_candidates(p, "m2miss")
    p.write_text("m2miss\n0.01\nnan\n")
    with pytest.raises(InputError, match="must be finite"):
        read_candidates(p, "m2miss")
    with pytest.raises(InputError, match="does not exist"):
        read_candidates(tmp_path / "missing.csv", "m2miss")


def test_config_override_and_bad_values(tmp_path):
    p = tmp_path / "kpix.yaml"
    p.write_text("n_k_scale: 4\nlifetimes_ns: [1.0]\n")
    cfg = load_search_config(KpixConfig, p)
    assert cfg.n_k_scale == 4 and cfg.lifetimes_ns == [1.0] and cfg.dataset == "pnn-2016-22"
    with pytest.raises(InputError, match="n_k_scale"):
        load_search_config(KpixConfig, {"n_k_scale": -1})
    with pytest.raises(InputError, match="unknown_key"):
        load_search_config(KpixConfig, {"unknown_key": 1})


def test_curve_csv_has_header(tmp_path):
    path = write_curve(tmp_path / "c.csv", "a limit", "GeV", 0.9, ["input A"], {"m_gev": [0.1, 0.2], "br": [1e-9, np.inf]})
    text = open(path).read().splitlines()
    assert text[0] == "# what: a limit" and text[1] == "# units: GeV" and text[2] == "# confidence level: 0.9"
    assert "m_gev,br" in text and text[-1] == "0.2,inf"


def test_selection_columns_include_sources_of_derived_and_versus_columns(tmp_path):
    """A cut on a derived quantity (selection.derived) or bounded versus another column needs those event
    columns in the samples the searches keep (otherwise the cut flow cannot be evaluated)."""
    from kaonportal.analyses.searches.common import selection_columns
    from kaonportal.selection.derived import DERIVED, source_columns

    derived = next(iter(DERIVED))
    p = tmp_path / "sel.yaml"
    p.write_text(f"""name: t
description: test
analysis: hnl
fiducial_z: [105.0, 165.0]
momentum_range: [5.0, 45.0]
momentum_bins: [5.0, 45.0]
cuts:
  - {{id: r, label: r, column: {derived}, low: 0.8, versus: vertex_z, slope: -0.004, source: test, status: D}}
  - {{id: pid, label: pid, weight: w_pid_e, source: test, status: D}}
regions:
  - {{id: signal, label: s, signal: true, windows: {{m2miss_e: [0.0, 0.01]}}, source: test, status: D}}
normalisation: {{skip: [], region: signal, downscaling: 1, source: test, status: D}}
""")
    cols = selection_columns(p)
    assert set(source_columns(derived)) <= set(cols)
    assert {"vertex_z", "w_pid_e", "m2miss_e", "weight_gen", "decay_prob", "true_vertex_z"} <= set(cols)


@pytest.mark.parametrize("name,content,needle", [
    ("c.parquet", b"PAR1\x00\x01", "expected a CSV text file"),           # wrong extension
    ("c.csv", b"PAR1\x00\x15\x04\xff\xfe", "not a UTF-8 CSV text file"),    # binary / corrupt
    ("c.csv", b"m2miss\n0.01\x00\n", "NUL bytes"),
    ("c.csv", b"", "is empty"),
    ("c.csv", b"# only a comment\n", "is empty"),
    ("c.csv", b"m2miss,p\n0.01\n", "1 values for 2 columns"),
    ("c.csv", b"m2miss\ninf\n", "must be finite"),
    ("c.csv", b"m2miss\n-nan\n", "must be finite"),
    ("c.csv", b"m2miss\n\"\"\n", "non-numeric"),
    ("c.csv", b"m2miss\n-0.01\n4000\n", "m2miss = 4000 GeV^2/c^4 is outside the allowed range [-0.5, 0.5]"),
])
def test_candidate_file_bad_content(tmp_path, name, content, needle):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError, match="candidates_file") as exc:
        read_candidates(p, "m2miss", allowed=(-0.5, 0.5), field="candidates_file")
    assert needle in str(exc.value) and str(p) in str(exc.value)


def test_candidate_file_edge_cases(tmp_path):
    p = tmp_path / "c.txt"
    # a header and no data line is zero observed candidates (a valid observation), not an error; a UTF-8 BOM
    # (spreadsheet export) is accepted; negative m2miss is physical (resolution) when inside the allowed range
    p.write_bytes("\ufeffm2miss\n".encode())
    assert read_candidates(p, "m2miss").size == 0
    p.write_text("m2miss\n-0.002\n")
    assert read_candidates(p, "m2miss", allowed=(-0.5, 0.5)).tolist() == [-0.002]
    with pytest.raises(InputError, match="is not a file"):
        read_candidates(tmp_path, "m2miss")


def test_memo_and_parquet_cache_share_one_key(tmp_path):
    """The in-process memo and the Parquet file of a sample are both named by sample_key (no behaviour change:
    a second request is served from memory, and the file is the one SampleCache.path names)."""
    from kaonportal.analyses.samples import SampleCache
    from kaonportal.analyses.searches.common import (clear_sample_memo, sample_key, simulate_sample,
                                                     use_sample_cache)
    clear_sample_memo()
    req = ("K+ -> pi+ pi0", 1000, 5, "na62-2022", (105.0, 165.0))
    cols = ["true_vertex_z", "weight_gen"]
    with use_sample_cache(tmp_path) as store:
        a = simulate_sample(*req, columns=cols)
        b = simulate_sample(*req, columns=cols)
    assert b is a and store.simulated == ["K+ -> pi+ pi0"] and store.from_memory == ["K+ -> pi+ pi0"]
    ckey, args, options = sample_key(*req)
    path = SampleCache(tmp_path, "na62-2022", ckey).path(*args, **options)
    assert [str(path)] == [str(w) for w in store.written] and path.is_file()
    # a different option is a different sample for both layers
    assert sample_key(*req, muon_decays=True)[1] != args


def test_optional_columns_key_the_sample_not_its_seed(tmp_path):
    """extra_columns (optional simulation columns) make another cached sample of the same events: same
    simulation seed, another file name and memo entry, the default columns identical."""
    import numpy as np

    from kaonportal.analyses.searches.common import clear_sample_memo, sample_key, simulate_sample, use_sample_cache
    from kaonportal.errors import InputError
    clear_sample_memo()
    req = ("K+ -> pi+ pi0", 1500, 5, "na62-2022", (105.0, 165.0))
    extra = ("m_gg_lkr", "n_photons_lkr")
    k0, k1 = sample_key(*req), sample_key(*req, extra_columns=extra)
    assert k1[1] == k0[1] and k1[2] == {**k0[2], "extra_columns": ("n_photons_lkr", "m_gg_lkr")}
    cols = ["true_vertex_z", "p_track", "m_gg_lkr", "n_photons_lkr"]
    with use_sample_cache(tmp_path) as store:
        plain = simulate_sample(*req, columns=cols)
        with_extra = simulate_sample(*req, columns=cols, extra_columns=extra)
    assert set(plain) == {"true_vertex_z", "p_track"} and set(with_extra) == set(cols)
    for c in plain:
        np.testing.assert_array_equal(plain[c], with_extra[c])
    names = sorted(p.name for p in store.written)
    assert len(names) == 2 and names[1] == names[0].replace(".parquet", "__extra_columns-n_photons_lkr.m_gg_lkr.parquet")
    with pytest.raises(InputError, match="extra_columns"):
        sample_key(*req, extra_columns=["m_gg"])


@pytest.mark.parametrize("name,opts,field", [
    ("kpix", {"masses": [0.12]}, "searches.kpix.masses[0]"),
    ("hnl", {"masses": {"pi+ -> e+ N": [0.13]}}, "searches.hnl.masses['pi+ -> e+ N'][0]"),
    ("hnl", {"candidates_file": {"K+ -> e+ N": "/nonexistent/c.csv"}}, "searches.hnl.candidates_file['K+ -> e+ N']"),
    ("kmunux", {"masses": [0.005]}, "searches.kmunux.masses[0]"),
    ("visible-x", {"channels": ["mumu"], "masses": [0.21]}, "searches.visible-x.masses (channel mumu)[0]"),
    ("pi0-gamma-x", {"masses": [0.0]}, "searches.pi0-gamma-x.masses[0]"),
    ("pi0-gamma-x", {"inject": [0.05, -3]}, "searches.pi0-gamma-x.inject"),
    ("lnv", {"inject": {"K+ -> pi+ pi0": 1.0}}, "searches.lnv.inject"),
    ("pi0-invisible", {"n_pi0_tagged": 0}, "searches.pi0-invisible"),
    ("interpretation", {"x": 1}, "searches.interpretation"),
])
def test_every_search_checks_its_inputs_before_simulating(name, opts, field):
    """The Python API behind `kaonportal run`'s pre-flight check: one InputError naming the field (and, for a
    mass, the allowed range) per search section, without simulating anything."""
    from kaonportal.analyses.searches import check_section_inputs
    with pytest.raises(InputError) as exc:
        check_section_inputs(name, opts)
    assert exc.value.field == field or exc.value.field.startswith(field), exc.value
    if "masses" in field:
        assert "outside the allowed range" in exc.value.message
    # the defaults are valid (no file is needed, every default grid lies inside its range)
    check_section_inputs(name, None)


def test_pre_run_checks_are_the_modules_own_functions():
    # review item 4: check_section_inputs calls each search's own check (the one its section calls at the top),
    # not a wrapper that could drift from it
    from kaonportal.analyses.searches import _config_classes, hnl, kmunux, kpix, lnv, pi0_gamma_x, visible_x
    checks = {name: check for name, (_, check) in _config_classes().items()}
    assert checks["hnl"] is hnl.check_hnl_inputs and checks["kpix"] is kpix.check_kpix_inputs
    assert checks["lnv"] is lnv.check_lnv_inputs and checks["kmunux"] is kmunux.check_kmunux_inputs
    assert checks["visible-x"] is visible_x.check_visible_x_inputs
    assert checks["pi0-gamma-x"] is pi0_gamma_x.check_pi0_gamma_x_inputs
