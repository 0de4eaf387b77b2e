"""Dump channels of the benchmark models: hadronic and leptonic branching ratios add up to the model's total width
(the decay side of N = N_POT chi P_decay BR A_acc A_trig)."""

import numpy as np
import pytest

from kaonportal.beamdump.yields import model_channels
from kaonportal.models import get_model
from kaonportal.constants import HBARC_GEV_M as HBARC, mass
from kaonportal.models.dark_photon import hadronic_channel_widths, lepton_width


@pytest.mark.parametrize("m", [0.3, 0.6, 0.78, 1.0, 1.5])
def test_dark_photon_partial_widths_add_up_to_the_lifetime(m):
    dp = get_model("BC1")
    eps = 1e-6
    widths = {"A' -> e+ e-": lepton_width(m, eps, mass("e-")),
              "A' -> mu+ mu-": lepton_width(m, eps, mass("mu-"))}
    widths.update(hadronic_channel_widths(m, eps))
    total = sum(float(w) for w in widths.values())
    assert HBARC / float(dp.ctau_m(m, eps)) == pytest.approx(total, rel=1e-6)
    brs = dp.branching_ratios(m, eps)
    assert sum(float(v) for v in brs.values()) == pytest.approx(1.0, rel=1e-9)
    for key, ch in {"A' -> pi+ pi-": "pipi", "A' -> pi+ pi- pi0": "pipipi0", "A' -> K+ K-": "KK",
                    "A' -> pi+ pi- pi0 pi0": "pipi2pi0", "A' -> K+ K- pi0": "KKpi0",
                    "A' -> pi+ pi- eta": "pipieta"}.items():
        assert float(brs[key]) == pytest.approx(float(widths[key]) / total, rel=1e-6)
        assert model_channels(dp)[ch] == key


@pytest.mark.parametrize("model,hadronic", [("BC1", {"pipi", "pipipi0", "KK", "pipi2pi0", "KKpi0",
                                                            "pipieta"}),
                                                   ("BC4", {"pipi", "KK"})])
def test_dump_channels_are_a_subset_of_the_total(model, hadronic):
    mdl = get_model(model)
    chans = model_channels(mdl)
    assert hadronic <= set(chans) and {"ee", "mumu"} <= set(chans)
    for m in (0.3, 0.7, 1.2, 1.7):
        brs = mdl.branching_ratios(m, np.array([1e-6]))
        total = sum(float(np.ravel(v)[0]) for v in brs.values())
        dump = sum(float(np.ravel(brs[k])[0]) for k in chans.values())
        assert total == pytest.approx(1.0, rel=1e-9)
        assert 0.0 < dump <= total * (1 + 1e-12)


def test_dark_photon_multihadron_channels_go_through_the_detector():
    # A' -> pi+ pi- pi0 pi0 and K+ K- pi0 (EPJC 85 (2025) 571 channels): two charged tracks plus LKr photons
    # give a signal above their thresholds; K+ K- pi0 is closed below 2 m_K + m_pi0 = 1.122 GeV
    from kaonportal.beamdump.yields import expected_events

    g = expected_events("dark-photon", [1.1, 1.7], np.geomspace(1e-8, 1e-6, 3), ["pipi2pi0", "KKpi0"],
                        n_per_mass=400, seed=3)
    assert g.by_channel["pipi2pi0"][0].max() > 0 and g.by_channel["pipi2pi0"][1].max() > 0
    assert g.by_channel["KKpi0"][0].max() == 0.0 and g.by_channel["KKpi0"][1].max() > 0
    assert np.allclose(g.per_pot, g.by_channel["pipi2pi0"] + g.by_channel["KKpi0"], rtol=1e-12)


def test_dark_photon_pipieta_goes_through_the_detector_with_eta_to_two_photons():
    # A' -> pi+ pi- eta (EPJC 85 (2025) 571 channel): two tracks and the eta -> gamma gamma pair in the LKr. Closed
    # below 2 m_pi + m_eta = 0.827 GeV; above it every selected event carries BR(eta -> gamma gamma) = 0.39 (PDG),
    # so the channel's yield is at most 0.394 x BR(A' -> pi+ pi- eta) x the X decaying in the volume
    from kaonportal.beamdump.yields import expected_events

    g = expected_events("dark-photon", [0.8, 1.5], [1e-7], ["pipieta"], n_per_mass=400, seed=3,
                        mechanisms=["brems"])
    assert g.by_channel["pipieta"][0, 0] == 0.0
    assert g.by_channel["pipieta"][1, 0] > 0.0
