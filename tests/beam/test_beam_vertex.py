"""Beam decay probability in a z window and the sampled decay-length distribution."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from kaonportal import constants
from kaonportal.backend import block_rng
from kaonportal.beam import BeamSample, decay_fraction, sample_beam, sample_decay_vertex
from kaonportal.detector import load_card
from kaonportal.errors import InputError

CARD = load_card("na62-2018")


@pytest.mark.parametrize("zr, expected", [((105, 165), 0.1005), ((105, 170), 0.1084),
                                          ((105, 180), 0.1240), ((115, 165), 0.0830)])
def test_kaon_decay_fraction(zr, expected):
    # na62_parameters.md row "K+ decay fraction" (D, 4 digits at the central 75 GeV/c). Averaging over
    # the 1% momentum spread changes it by O(1e-6); tolerance = half a unit of the last quoted digit.
    assert decay_fraction("K+", CARD, zr) == pytest.approx(expected, abs=5e-5)


def test_pion_decay_fraction():
    # na62_parameters.md: pi+ decay fraction 105-165 m = 0.0142 (D, 3 significant digits)
    assert decay_fraction("pi+", CARD, (105, 165)) == pytest.approx(0.0142, abs=5e-5)
    assert decay_fraction("p", CARD, (105, 165)) == 0.0


def test_decay_length_goodness_of_fit():
    """Probability-integral transform of each vertex with its own decay length must be uniform.

    KS test at a false-alarm rate of 1e-3 (fixed seed: the outcome is deterministic)."""
    n = 50_000
    beam = sample_beam(n, block_rng(7, 0, 0), CARD)
    u = block_rng(7, 0, 1).random(n)
    z1, z2 = 105.0, 240.0   # long window: the exponential shape matters (density falls by 21%)
    z, prob = sample_decay_vertex(beam, u, "K+", (z1, z2), CARD)
    assert z.min() >= z1 and z.max() <= z2
    k = np.sqrt(1 + beam.dxdz ** 2 + beam.dydz ** 2)
    lam = beam.p / constants.mass("K+") * constants.ctau_m("K+")
    s, s1, s2 = k * (z - 102.4), k * (z1 - 102.4), k * (z2 - 102.4)
    cdf = (np.exp(-s1 / lam) - np.exp(-s / lam)) / (np.exp(-s1 / lam) - np.exp(-s2 / lam))
    assert stats.kstest(cdf, "uniform").pvalue > 1e-3
    # power check: a decay length wrong by a factor 2 is rejected by the same test
    lam2 = lam * 2.0
    cdf2 = (np.exp(-s1 / lam2) - np.exp(-s / lam2)) / (np.exp(-s1 / lam2) - np.exp(-s2 / lam2))
    assert stats.kstest(cdf2, "uniform").pvalue < 1e-3
    # mean of the exact per-event probabilities = quadrature average (MC error ~ 1e-6)
    assert prob.mean() == pytest.approx(decay_fraction("K+", CARD, (z1, z2)), rel=1e-4)


@pytest.mark.parametrize("zr", [(100.0, 165.0), (165.0, 105.0), (105.0, 300.0), (105.0, float("nan"))])
def test_bad_z_range(zr):
    with pytest.raises(InputError) as ei:
        decay_fraction("K+", CARD, zr)
    assert ei.value.field == "z_range"


@settings(max_examples=80, deadline=None)
@given(st.floats(0.0, 1.0 - 1e-16), st.floats(1.0, 400.0), st.sampled_from(["K+", "pi+"]),
       st.floats(102.4, 200.0), st.floats(0.01, 40.0))
def test_vertex_inside_window_and_probability_exact(u, p, species, z1, width):
    z2 = min(z1 + width, 241.0)
    beam = BeamSample(p=np.array([p]), x=np.zeros(1), y=np.zeros(1), dxdz=np.array([1.2e-3]), dydz=np.zeros(1))
    z, prob = sample_decay_vertex(beam, np.array([u]), species, (z1, z2), CARD)
    assert z1 - 1e-9 <= z[0] <= z2 + 1e-9
    lam = p / constants.mass(species) * constants.ctau_m(species)
    k = np.sqrt(1 + 1.44e-6)
    exact = np.exp(-k * (z1 - 102.4) / lam) - np.exp(-k * (z2 - 102.4) / lam)
    assert prob[0] == pytest.approx(exact, rel=1e-9, abs=1e-300)
