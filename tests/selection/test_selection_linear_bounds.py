"""Cuts with bounds linear in another column (``versus``/``slope``) and derived quantities
(``kaonportal.selection.derived``), as used by the R(STRAW1)-vs-z upstream cut of the pnn selections."""

import numpy as np
import pytest
import yaml

from kaonportal.errors import InputError
from kaonportal.selection import Cut, cut_flow, demo_events, load_selection
from kaonportal.selection.derived import STRAW1_CENTRE_X, derived_column


def _one_cut_selection(cut: dict):
    sel = load_selection("pnn-2022").model_copy(deep=True)
    sel.cuts = [Cut(**cut)]
    return sel


def test_linear_bound_matches_explicit_formula():
    ev = demo_events(5000, seed=11)
    sel = _one_cut_selection({"id": "r", "label": "r", "column": "track_r_straw1", "low": 0.830,
                              "versus": "vertex_z", "slope": -0.00436})
    cf = cut_flow(sel, ev)
    r = np.hypot(ev["track_x_straw1"] - STRAW1_CENTRE_X, ev["track_y_straw1"])
    fid = (ev["true_vertex_z"] >= sel.fiducial_z[0]) & (ev["true_vertex_z"] <= sel.fiducial_z[1])
    want = fid & (r >= 0.830 - 0.00436 * ev["vertex_z"])
    assert np.array_equal(cf.weights > 0, want)
    assert cf.rows[0].condition == "0.83 - 0.00436 vertex_z <= track_r_straw1"


def test_slope_zero_equals_plain_window():
    ev = demo_events(3000, seed=12)
    plain = _one_cut_selection({"id": "p", "label": "p", "column": "p_track", "low": 15.0, "high": 45.0})
    lin = _one_cut_selection({"id": "p", "label": "p", "column": "p_track", "low": 15.0, "high": 45.0,
                              "versus": "vertex_z", "slope": 0.0})
    assert np.array_equal(cut_flow(plain, ev).weights, cut_flow(lin, ev).weights)


def test_derived_column_and_errors():
    ev = {"track_x_straw1": np.array([STRAW1_CENTRE_X + 0.3]), "track_y_straw1": np.array([0.4])}
    assert derived_column(ev, "track_r_straw1")[0] == pytest.approx(0.5)
    with pytest.raises(InputError, match="track_y_straw1"):
        derived_column({"track_x_straw1": np.zeros(1)}, "track_r_straw1")


@pytest.mark.parametrize("extra, msg", [({"versus": "vertex_z"}, "together"),
                                        ({"slope": 1.0}, "together")])
def test_versus_needs_slope(tmp_path, extra, msg):
    data = yaml.safe_load(open(load_selection.__globals__["SELECTION_DIR"] / "pnn-2022.yaml"))
    data["cuts"][0].update(extra)
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=msg):
        load_selection(p)


def test_versus_only_on_column_cuts():
    with pytest.raises(ValueError, match="column cut"):
        Cut(id="x", label="x", flag="in_acceptance", versus="vertex_z", slope=1.0)
