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
