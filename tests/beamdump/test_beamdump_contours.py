"""Exclusion contours: empty at zero POT, monotonic growth with POT, expected bands, line tracing."""

import numpy as np
import pytest

from kaonportal.beamdump import expected_events
from kaonportal.beamdump.contours import (contour_lines, excluded_area, exclusion, expected_quantile_counts,
                                          projection)
from kaonportal.errors import InputError


@pytest.fixture(scope="module")
def grid():
    return expected_events("dark-photon", np.geomspace(0.03, 0.6, 6), np.geomspace(1e-8, 1e-4, 12),
                           ["ee", "mumu"], n_per_mass=800, seed=9)


def test_zero_pot_excludes_nothing(grid):
    ex = exclusion(grid, 0.0, observed=0, background=0.0)
    assert not ex.excluded.any() and ex.lines == [] and ex.area == 0.0
    assert all(v == [] for v in ex.expected_lines.values())


def test_exclusion_grows_monotonically_with_pot(grid):
    areas = []
    prev = None
    for pot in (1e14, 1e15, 1e16, 1e17, 1e18, 1e19):
        ex = exclusion(grid, pot, observed=1, background=0.016)
        if prev is not None:
            assert np.all(ex.excluded[prev])          # nested regions: once excluded, always excluded
        prev = ex.excluded
        areas.append(ex.area)
    assert all(b >= a for a, b in zip(areas, areas[1:]))
    assert areas[-1] > areas[0]


def test_signal_limit_from_stats_engine(grid):
    ex = exclusion(grid, 1.4e17, observed=0, background=0.0)
    assert ex.signal_limit == pytest.approx(2.302585, rel=1e-5)     # -ln(0.1), CLs with b = 0
    assert np.array_equal(ex.excluded, ex.n_expected > ex.signal_limit)
    ex1 = exclusion(grid, 1.4e17, observed=1, background=0.016)
    assert ex1.signal_limit > ex.signal_limit
    assert ex1.expected_limits["median"] == pytest.approx(ex.signal_limit, rel=1e-3)


def test_projection_scales_background(grid):
    pr = projection(grid, 1e18, background_per_pot=0.016 / 1.4e17)
    assert pr.background == pytest.approx(0.016 * 1e18 / 1.4e17)
    assert pr.observed == 0            # median of Poisson(0.11)
    assert pr.area >= exclusion(grid, 1.4e17, 1, 0.016).area


def test_expected_quantiles():
    assert expected_quantile_counts(0.0) == dict.fromkeys(("minus2", "minus1", "median", "plus1", "plus2"), 0)
    q = expected_quantile_counts(10.0)
    assert q["minus2"] < q["minus1"] < q["median"] < q["plus1"] < q["plus2"]


def test_contour_lines_follow_a_known_boundary():
    # ratio > 1 exactly for log10 g in (-7, -5): the traced lines sit at those couplings (grid spacing 0.1 dex)
    m = np.geomspace(0.1, 1.0, 10)
    g = np.geomspace(1e-9, 1e-3, 61)
    lg = np.log10(g)
    ratio = np.tile(np.where(np.abs(lg + 6) < 1, 10.0, 0.1), (10, 1)) * np.exp(-0.0 * lg)
    lines = contour_lines(m, g, ratio)
    ys = np.concatenate([ln[:, 1] for ln in lines])
    assert np.all((np.abs(np.log10(ys) + 7) < 0.11) | (np.abs(np.log10(ys) + 5) < 0.11))
    assert excluded_area(m, g, ratio > 1) == pytest.approx(1.0 * 2.0, rel=0.1)


def test_bad_exclusion_input(grid):
    with pytest.raises(InputError, match="pot"):
        exclusion(grid, -1.0)
    with pytest.raises(InputError, match="observed"):
        exclusion(grid, 1e17, observed=-1)
    with pytest.raises(InputError, match="background"):
        exclusion(grid, 1e17, background=-0.1)
