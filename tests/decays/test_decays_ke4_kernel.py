"""The compiled Ke4 proposal step repeats the numpy GENBOD + |M|^2 expressions bit for bit."""

import numpy as np
import pytest

from kaonportal.decays import ke4 as ke4_mod
from kaonportal.decays.phasespace import _genbod_raw


@pytest.mark.parametrize("ff", [{}, {"hp": 0.7, "fp": 0.3}])
def test_kernel_bit_identical_to_numpy(ff):
    """Same seed, same draws: p4 and the accept-reject ratio equal the numpy reference exactly."""
    full = dict(ke4_mod.KE4_FORM_FACTORS, **ff)
    major = 1e-3
    p4, ratio = ke4_mod._propose(20_000, np.random.default_rng(11), ke4_mod.ke4_params(
        ke4_mod._M_K, ke4_mod._M_PI, ke4_mod._MASSES, full), major)
    rng = np.random.default_rng(11)
    ref_p4, w = _genbod_raw(ke4_mod._M_K, ke4_mod._MASSES, 20_000, rng)
    ref_ratio = np.maximum(w * ke4_mod.ke4_matrix_element(ref_p4, full), 0.0) / major
    assert np.array_equal(p4, ref_p4)
    assert np.array_equal(ratio, ref_ratio)
    assert ratio.max() > 0   # the comparison is not between empty or all-zero arrays


def test_generator_stream_unchanged():
    """Events after the accept-reject equal those of the numpy chain for the same stream."""
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    t = ke4_mod.ke4(3000, rng_a)
    ff = dict(ke4_mod.KE4_FORM_FACTORS)
    major = ke4_mod._majorant(tuple(sorted(ff.items())))

    def propose(size):
        p4, w = _genbod_raw(ke4_mod._M_K, ke4_mod._MASSES, size, rng_b)
        return {"p4": p4}, np.maximum(w * ke4_mod.ke4_matrix_element(p4, ff), 0.0) / major

    ref = ke4_mod.accept_reject(3000, propose, rng_b, efficiency=0.03)["p4"]
    assert np.array_equal(t.products("K+ -> pi+ pi- e+ nu").p4, ref)


def test_events_survive_the_next_call():
    """The proposal rounds reuse per-thread work arrays: a returned sample must not share them (a later call in
    the same thread must leave it unchanged), with rounds large and small (n = 0 too)."""
    first = ke4_mod.ke4(20_000, np.random.default_rng(3)).products("K+ -> pi+ pi- e+ nu").p4
    kept = first.copy()
    for n in (20_000, 50, 0):
        ke4_mod.ke4(n, np.random.default_rng(4))
    assert np.array_equal(first, kept)
    assert np.all(np.isfinite(first)) and first.shape == (20_000, 4, 4)
