"""S -> 4 pi split by charge (EPJC 85 (2025) 571 uses S -> pi+ pi- pi0 pi0)."""

import numpy as np
import pytest

from kaonportal.beamdump.yields import check_channels
from kaonportal.constants import mass
from kaonportal.models import get_model


def test_four_pion_split_is_isospin_of_two_scalar_pairs():
    s = get_model("dark-scalar")
    m = np.array([0.8, 1.2, 1.8])
    w = s.partial_widths(m, 1e-6)
    pc = mass("pi+")
    inclusive = 1e-6 * 5.1e-9 * m**3 * np.sqrt(1 - 16 * pc**2 / m**2)   # the model's inclusive 4 pi (below 2 GeV)
    parts = [w["S -> pi+ pi- pi+ pi-"], w["S -> pi+ pi- pi0 pi0"], w["S -> pi0 pi0 pi0 pi0"]]
    assert np.allclose(sum(parts), inclusive, rtol=1e-12)
    # each I = 0 pi pi pair is pi+pi- with 2/3, pi0pi0 with 1/3: (2/3)^2, 2 (2/3)(1/3), (1/3)^2
    assert np.allclose(parts[1] / inclusive, 4 / 9) and np.allclose(parts[2] / inclusive, 1 / 9)
    assert np.allclose(sum(s.branching_ratios(m, 1e-6).values()), 1.0)


def test_dump_channel_pipi2pi0_reachable_for_the_scalar():
    assert check_channels("dark-scalar", ["pipi2pi0"]) == {"pipi2pi0": "S -> pi+ pi- pi0 pi0"}
