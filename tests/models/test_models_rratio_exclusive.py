"""The multi-hadron channels A' -> pi+ pi- pi0 pi0, K+ K- pi0 and pi+ pi- eta (kaonportal.models.rratio): carved out
of "other hadrons" so that the total R, hence the dark-photon lifetime, is unchanged; cross-sections from the shipped
BaBar tables (PRD 96 (2017) 092009, PRD 77 (2008) 092002 and PRD 97 (2018) 052007, HEPData)."""

import numpy as np
import pytest

from kaonportal.constants import mass
from kaonportal.models import rratio
from kaonportal.models.rratio import EXCLUSIVE, cross_section_table, exclusive_multihadron, r_ratio, r_ratio_channels

S = np.linspace(0.3, 3.0, 400) ** 2


def test_total_r_is_the_sum_before_the_split():
    # the split only relabels part of "other hadrons": R_total = (resonances + pi pi) + the smooth turn-on
    ch = r_ratio_channels(S)
    old_other = rratio._other(S)
    carved = ch["pi+ pi- pi0 pi0"] + ch["K+ K- pi0"] + ch["pi+ pi- eta"] + ch["other hadrons"]
    assert np.allclose(carved, old_other, rtol=1e-12, atol=0.0)
    assert np.allclose(r_ratio(S), sum(ch.values()), rtol=1e-12)
    assert np.all(ch["other hadrons"] >= 0.0)


def test_the_cap_is_inactive_between_half_and_three_gev():
    # the exclusive pieces stay below the inclusive turn-on (else the cap would change their shape)
    excl = exclusive_multihadron(S)
    assert np.all(sum(excl.values()) <= rratio._other(S) * (1 + 1e-12))


# BaBar's published peaks (the HEPData tables): pi+ pi- 2 pi0 32.07 +- 0.58 nb in the 1.48-1.50 GeV bin
# (PRD 96 (2017) 092009, table 1), K+ K- pi0 1.030 +- 0.132 nb in the 1.60-1.62 GeV bin (PRD 77 (2008) 092002, table 2),
# pi+ pi- eta 4.035 +- 0.240 nb in the 1.525-1.55 GeV bin (PRD 97 (2018) 052007, HEPData)
PEAKS = {"pi+ pi- pi0 pi0": (1.49, 32.07), "K+ K- pi0": (1.61, 1.030), "pi+ pi- eta": (1.5375, 4.035)}
#: row spacing of the shipped tables below 2 GeV (GeV): BaBar's binning
SPACING = {"pi+ pi- pi0 pi0": 0.02, "K+ K- pi0": 0.02, "pi+ pi- eta": 0.025}


@pytest.mark.parametrize("name", sorted(PEAKS))
def test_peak_cross_sections_in_nanobarn(name):
    # sigma(e+e- -> mu+ mu-) = 86.85 nb / s[GeV^2] (PDG kinematics review, point-like cross-section): R times it
    # gives back BaBar's peak; the maximum over a fine scan sits in BaBar's peak bin (1 MeV scan steps)
    rs = np.arange(1.0, 2.5, 0.001)
    sigma = exclusive_multihadron(rs**2)[name] * 86.85 / rs**2
    m_peak, s_peak = PEAKS[name]
    assert sigma.max() == pytest.approx(s_peak, rel=2e-3)      # 2e-3: 86.85 nb GeV^2 is rounded
    assert abs(rs[np.argmax(sigma)] - m_peak) < 0.0015


@pytest.mark.parametrize("name", sorted(EXCLUSIVE))
def test_tables_are_the_cited_hepdata_tables(name):
    # rows at BaBar's bin spacing below 2 GeV, positive, uncertainties below the value at the peak
    x, sig, err = cross_section_table(name)
    low = x[1:][x[1:] < 2.0]
    assert np.allclose(np.diff(low), SPACING[name], atol=1e-9) and np.all(sig[1:] > 0) and np.all(err[1:] > 0)
    assert x[-1] >= 3.0                                 # covers the dark-photon mass range
    k = np.argmax(sig)
    assert err[k] < 0.2 * sig[k]


def test_channels_vanish_below_their_final_state_thresholds():
    thr = {name: sum(mass(p) for p in final) for name, (_, final) in EXCLUSIVE.items()}
    for name, t in thr.items():
        below, above = exclusive_multihadron(np.array([(0.999 * t) ** 2, (1.05 * t) ** 2]))[name]
        assert below == 0.0 and above > 0.0
    assert float(r_ratio_channels(1.5**2)["pi+ pi- pi0 pi0"]) > 0.1
