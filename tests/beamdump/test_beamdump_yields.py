"""Expected events on the (mass, coupling) grid: linearity in N_POT, MC uncertainty, bad input."""

import numpy as np
import pytest

from kaonportal.beamdump import BeamDumpSetup, expected_events, model_channels
from kaonportal.errors import InputError

MASSES = [0.1, 0.3]
COUPLINGS = np.geomspace(1e-7, 1e-5, 5)


@pytest.fixture(scope="module")
def grid():
    return expected_events("dark-photon", MASSES, COUPLINGS, ["ee", "mumu"], n_per_mass=1500, seed=4)


def test_yields_scale_linearly_with_pot(grid):
    n1 = grid.events(1.4e17)
    assert np.allclose(grid.events(1e18), n1 * (1e18 / 1.4e17), rtol=1e-12)
    assert np.allclose(grid.mc_error(1e18), grid.mc_error(1.4e17) * (1e18 / 1.4e17), rtol=1e-12)
    assert np.all(grid.events(0.0) == 0)
    with pytest.raises(InputError, match="pot"):
        grid.events(-1.0)


def test_grid_content_and_mc_uncertainty(grid):
    assert grid.per_pot.shape == (2, 5)
    assert np.all(grid.per_pot >= 0) and grid.per_pot.max() > 0
    n = grid.events(1.4e17)
    err = grid.mc_error(1.4e17)
    assert np.all(err[n > 0] > 0) and np.all(err[n > 0] < n[n > 0])
    # channels and mechanisms add up to the total
    assert np.allclose(sum(grid.by_channel.values()), grid.per_pot)
    assert np.allclose(sum(grid.by_mechanism.values()), grid.per_pot)
    assert "p -> p A' (bremsstrahlung)" in grid.by_mechanism
    assert "pi0 -> gamma A'" in grid.by_mechanism and "K+ -> pi+ A'" in grid.skipped_mechanisms
    # muons only above 2 m_mu: at 0.1 GeV the mumu channel is closed
    assert np.all(grid.by_channel["mumu"][0] == 0) and grid.by_channel["mumu"][1].max() > 0


def test_same_seed_same_grid(grid):
    again = expected_events("dark-photon", MASSES, COUPLINGS, ["ee", "mumu"], n_per_mass=1500, seed=4)
    assert np.array_equal(again.per_pot, grid.per_pot)


def test_trigger_efficiency_and_decay_volume_are_parameters():
    base = expected_events("dark-photon", [0.3], [1e-6], ["ee"], n_per_mass=800, seed=2, mechanisms=["brems"])
    half = expected_events("dark-photon", [0.3], [1e-6], ["ee"], n_per_mass=800, seed=2, mechanisms=["brems"],
                           setup=BeamDumpSetup(trigger_efficiency=0.5))
    assert half.per_pot[0, 0] == pytest.approx(0.5 * base.per_pot[0, 0], rel=1e-12)
    short = expected_events("dark-photon", [0.3], [1e-6], ["ee"], n_per_mass=800, seed=2, mechanisms=["brems"],
                            setup=BeamDumpSetup(decay_volume=(105.0, 130.0)))
    assert 0 < short.per_pot[0, 0] < base.per_pot[0, 0]


def test_bad_input():
    with pytest.raises(InputError, match="masses"):
        expected_events("dark-photon", [], [1e-6], ["ee"])
    with pytest.raises(InputError, match="couplings"):
        expected_events("dark-photon", [0.3], [-1e-6], ["ee"])
    with pytest.raises(InputError, match="cannot decay to 'gg'"):
        expected_events("dark-photon", [0.3], [1e-6], ["gg"])
    with pytest.raises(InputError, match="unknown channel"):
        expected_events("dark-photon", [0.3], [1e-6], ["tautau"])
    with pytest.raises(InputError, match="mass"):
        expected_events("dark-photon", [5.0], [1e-6], ["ee"])
    with pytest.raises(InputError, match="decay_volume"):
        BeamDumpSetup(decay_volume=(190.0, 200.0))


def test_model_channels_dark_photon():
    ch = model_channels("dark-photon")
    assert ch["ee"] == "A' -> e+ e-" and "mumu" in ch and "pipi" in ch
    assert "gg" not in ch


@pytest.mark.parametrize("model,channels,mech", [
    ("dark-scalar", ["mumu"], "B -> Xs S"),          # inclusive B -> X_s S from the B+ and B0 tables
    ("alp-gluon", ["gg"], "pi0 -> a (mixing)"),      # meson mixing: the ALP takes the pi0 momentum
    ("hnl-mu", ["pimu"], "Ds+ -> mu+ N"),            # D-meson decays for HNLs
])
def test_other_benchmarks_use_their_production_channels(model, channels, mech):
    mass = 0.3 if model != "hnl-mu" else 0.5
    # B-meson products are wide-angle: acceptance ~1e-3, so a few thousand X per mass are needed
    g = expected_events(model, [mass], [1e-8, 1e-6, 1e-4], channels, n_per_mass=4000, seed=3)
    assert mech in g.by_mechanism and g.by_mechanism[mech].max() > 0


def test_tau_chain_and_flavour_closed_channels():
    # taus from Ds+ -> tau+ nu feed "tau+ -> mu+ nu N" for a mu-mixed HNL below m_tau
    g = expected_events("hnl-mu", [0.8], [1e-6, 1e-4], ["pimu"], n_per_mass=3000, seed=5)
    assert "tau+ -> mu+ nu N" in g.by_mechanism and g.by_mechanism["tau+ -> mu+ nu N"].max() > 0
    # a tau-mixed HNL never decays to pi mu: clear error, not an empty contour
    with pytest.raises(InputError, match="cannot decay to 'pimu'"):
        expected_events("hnl-tau", [0.8], [1e-6], ["pimu"])


def test_momentum_importance_sampling_is_unbiased():
    # Same physics with and without the p^1 importance sampling of the parent mesons: cells agree within
    # 4 combined standard deviations (fixed seeds; false-alarm rate ~6e-5 per cell for Gaussian errors).
    kw = dict(n_per_mass=3000, mechanisms=["meson"])
    a = expected_events("dark-photon", [0.1, 0.3], [1e-7, 1e-6, 3e-6], ["ee"], seed=6, momentum_bias=0.0, **kw)
    b = expected_events("dark-photon", [0.1, 0.3], [1e-7, 1e-6, 3e-6], ["ee"], seed=7, momentum_bias=1.0, **kw)
    sigma = np.sqrt(a.mc_var_per_pot2 + b.mc_var_per_pot2)
    assert np.all(np.abs(a.per_pot - b.per_pot) < 4 * sigma)
    assert np.all(a.per_pot > 0)
