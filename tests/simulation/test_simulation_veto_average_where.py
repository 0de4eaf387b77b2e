"""Option veto_average_where of simulate (simulation/vetoes.py, engine.py): the pi0 veto averaging of
veto_average restricted to events in the acceptance AND inside windows on reconstructed columns.

Defining properties, all exact (same seed, so the same events): every column but the two veto columns is
unchanged; inside the windows the veto columns are those of the run that averages every event in acceptance;
outside them they are those of the run without averaging (the photons actually generated).
"""

import numpy as np
import pytest

from kaonportal.errors import InputError
from kaonportal.simulation import simulate

N = 20_000
Z = (105.0, 165.0)
WINDOW = {"p_track": (15.0, 35.0), "cda": (None, 0.03)}
VETO = ("w_photon_veto", "w_photon_veto_escape")


def _run(**kw):
    t = simulate("K+ -> pi+ pi0", n=N, seed=5, card="na62-2022", z_range=Z, **kw).events
    return {c: t.column(c).to_numpy(zero_copy_only=False) for c in t.column_names}


@pytest.fixture(scope="module")
def runs():
    return _run(), _run(veto_average=4), _run(veto_average=4, veto_average_where=WINDOW)


def test_only_the_veto_columns_change(runs):
    plain, full, narrow = runs
    for c in full:
        if c not in VETO:
            assert np.array_equal(full[c], narrow[c], equal_nan=full[c].dtype.kind == "f"), c


def test_inside_averaged_outside_as_generated(runs):
    plain, full, narrow = runs
    with np.errstate(invalid="ignore"):
        inside = (full["in_acceptance"] & (full["p_track"] >= 15.0) & (full["p_track"] <= 35.0)
                  & (full["cda"] <= 0.03))
    # both kinds of events occur, and averaging changed some events inside (else the test could not fail)
    assert 0 < inside.sum() < N
    assert not np.array_equal(full["w_photon_veto"][inside], plain["w_photon_veto"][inside])
    for c in VETO:
        assert np.array_equal(narrow[c][inside], full[c][inside]), c
        assert np.array_equal(narrow[c][~inside], plain[c][~inside]), c


@pytest.mark.parametrize("kw", [
    {"veto_average": 4, "veto_average_where": {"p_pion": (15.0, 35.0)}},       # not a reconstructed column
    {"veto_average": 4, "veto_average_where": {"p_track": (35.0, 15.0)}},      # low > high
    {"veto_average": 4, "veto_average_where": {"p_track": (float("nan"), 1.0)}},
    {"veto_average": 4, "veto_average_where": {"p_track": 15.0}},              # not a window
    {"veto_average_where": {"p_track": (15.0, 35.0)}},                          # nothing to narrow
])
def test_bad_windows_rejected(kw):
    with pytest.raises(InputError) as e:
        simulate("K+ -> pi+ pi0", n=10, seed=1, card="na62-2022", **kw)
    assert e.value.field == "veto_average_where"
