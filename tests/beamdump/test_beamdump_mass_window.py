"""Invariant-mass selection of the beam-dump detection (issue 14: "invariant-mass and pointing selection")."""

import numpy as np
import pytest

from kaonportal.beamdump.detection import MIN_EVENTS_FOR_RESOLUTION, detect, mass_window
from kaonportal.beamdump.production import meson_decay_sample
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.detector import load_card
from kaonportal.errors import InputError


def test_window_keeps_three_sigma_of_a_gaussian():
    rng = np.random.default_rng(4)
    m = 0.5 + 0.01 * rng.standard_normal(200_000)
    keep = mass_window(m, 0.5, np.ones(m.size, bool), 3.0)
    # Gaussian: P(|x| < 3 sigma) = 0.9973; the MAD estimate of sigma from 2e5 events is good to ~0.3 %
    assert keep.mean() == pytest.approx(0.9973, abs=0.0015)
    assert mass_window(m, 0.5, np.ones(m.size, bool), 0.0).all()                  # 0 switches the cut off
    few = np.ones(m.size, bool)
    few[MIN_EVENTS_FOR_RESOLUTION - 1:] = False
    assert mass_window(m, 0.5, few, 3.0).all()                                    # too few to estimate sigma


@pytest.mark.parametrize("channel,mass", [("mumu", 0.3), ("pipipi0", 0.6), ("gg", 0.3)])
def test_reconstructed_mass_peaks_at_the_x_mass(channel, mass):
    card = load_card("na62-2022")
    acc = []
    for nsig in (0.0, 3.0):
        setup = BeamDumpSetup(mass_window_sigma=nsig).resolved([channel])
        s = meson_decay_sample("eta", (), mass, 4000, np.random.default_rng(5), setup, x_name="a")
        det = detect(s, channel, card, setup, np.random.default_rng(7))
        acc.append(det.accept.sum())
        sel = det.accept > 0
        # STRAW/LKr resolutions of the card give a few MeV at these masses
        assert abs(np.median(det.m_reco[sel]) - mass) < 0.005
    assert 0.9 < acc[1] / acc[0] <= 1.0      # +-3 sigma keeps the Gaussian core; the tails cost a few %


def test_bad_window_refused():
    with pytest.raises(InputError, match="mass_window_sigma"):
        BeamDumpSetup(mass_window_sigma=-1.0)
