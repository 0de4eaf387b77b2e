"""The LKr cluster time response (kaonportal.detector.timing): sigma_t(E) of the pnn photon rejection is a resolution
that falls with the energy to the sub-nanosecond level of the NA48 calorimeter, and it is the unit of the cut
windows the pile-up model applies, not a window itself."""

import numpy as np

from kaonportal.detector import load_card
from kaonportal.detector.timing import TimeResolutions


def test_lkr_time_resolution_is_sub_nanosecond_at_high_energy():
    for name in ("na62-2018", "na62-2022"):
        res = TimeResolutions.from_card(load_card(name))
        e = np.array([1.0, 2.0, 5.0, 10.0, 30.0, 75.0])
        s = res.lkr(e)
        # falls with the energy over the measured bands (from 1 GeV up, [FW PhotonRejectionLKr.cc])
        assert np.all(np.diff(s) < 0)
        # sub-nanosecond for showers of several GeV, as the NA48 LKr ([Ocariz:1999lkr] abstract); the
        # parametrisation gives 0.64 ns at 10 GeV
        assert np.all(s[e >= 5.0] < 1.0) and s[0] > 1.0


def test_lkr_windows_are_multiples_of_the_resolution():
    # the pnn code cuts |t_cluster - t_track| < k sigma_t(E) with k = 5, 15, ... per band (EvaluateLKrCluster): the
    # card's window multipliers are several sigmas, so sigma_t is the width, not the window
    card = load_card("na62-2022")
    assert min(card.pileup.lkr_window_sigmas) >= 3.0
