"""The multi-hadron channels A' -> pi+ pi- pi0 pi0 and K+ K- pi0 (kaonportal.models.rratio): carved out of
"other hadrons" so that the total R, hence the dark-photon lifetime, is unchanged; peak cross-sections as cited."""

import numpy as np
import pytest

from kaonportal.constants import mass
from kaonportal.models import rratio
from kaonportal.models.rratio import EXCLUSIVE, exclusive_multihadron, r_ratio, r_ratio_channels

S = np.linspace(0.3, 3.0, 400) ** 2


def test_total_r_is_the_sum_before_the_split():
    # the split only relabels part of "other hadrons": R_total = (resonances + pi pi) + the smooth turn-on
    ch = r_ratio_channels(S)
    old_other = rratio._other(S)
    carved = ch["pi+ pi- pi0 pi0"] + ch["K+ K- pi0"] + ch["other hadrons"]
    assert np.allclose(carved, old_other, rtol=1e-12, atol=0.0)
    assert np.allclose(r_ratio(S), sum(ch.values()), rtol=1e-12)
    assert np.all(ch["other hadrons"] >= 0.0)


def test_the_cap_is_inactive_between_half_and_three_gev():
    # the exclusive pieces stay below the inclusive turn-on (else the cap would change their shape)
    excl = exclusive_multihadron(S)
    assert np.all(sum(excl.values()) <= rratio._other(S) * (1 + 1e-12))


def test_peak_cross_sections_in_nanobarn():
    # sigma(e+e- -> mu+ mu-) = 86.85 nb / s[GeV^2] (PDG kinematics review, point-like cross-section): the
    # R at the peak times it gives back the cited peak cross-section (30 nb and 1.5 nb, module docstring)
    for name, (m0, _, sigma_nb, _) in EXCLUSIVE.items():
        r_peak = float(exclusive_multihadron(m0 * m0)[name])
        assert r_peak * 86.85 / m0**2 == pytest.approx(sigma_nb, rel=2e-3)


def test_channels_vanish_below_their_intermediate_thresholds():
    om_pi = mass("omega") + mass("pi0")
    kstar_k = mass("K*(892)+") + mass("K-")
    ch = r_ratio_channels(np.array([(0.99 * om_pi) ** 2, (0.99 * kstar_k) ** 2]))
    assert ch["pi+ pi- pi0 pi0"][0] == 0.0 and ch["K+ K- pi0"][1] == 0.0
    assert float(r_ratio_channels(1.5**2)["pi+ pi- pi0 pi0"]) > 0.1
