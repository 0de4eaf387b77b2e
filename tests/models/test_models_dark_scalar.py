"""Dark scalar BC4/BC5 against portal_formulas.md section 5."""

import numpy as np
import pytest

from kaonportal.constants import V_HIGGS, V_TD, V_TS, M_TOP_POLE, mass, width_gev
from kaonportal.errors import InputError
from kaonportal.models import get_model
from kaonportal.models.dark_scalar import b_to_k_s_width, k_to_pi_s_width

M_K, M_PI = mass("K+"), mass("pi+")


@pytest.fixture(scope="module")
def bc4():
    return get_model("BC4")


@pytest.mark.parametrize("m, expected", [(0.0011, 1.48e-3), (0.1, 1.40e-3), (0.2, 1.16e-3), (0.3, 0.69e-3)])
def test_k_to_pi_s_check_values(bc4, m, expected):
    # section 5.1 [C] with PDG-2022 |V_td V_ts|, pole m_t, f_0 = 0.96: 2-3 digits -> 1 %
    assert float(bc4.production_br(m, 1.0)["K+ -> pi+ S"]) == pytest.approx(expected, rel=1e-2)


def test_k_to_pi_s_scalar_portal_reference():
    # section 5.1 [L]: scalar_portal test_production.py L63-66 with xi = 3.0279e-6 (its L20).
    # Our formula reproduces them to 2.7 % (m_S = 0) and 5.9 % (0.3 GeV); the residual grows with m_S,
    # i.e. the reference calculation carries a mild q^2 dependence/mass choice the shared file does not
    # record. Tolerance 7 %.
    ref = np.array([6.678e-20, 6.333e-20, 3.230e-20])
    ours = k_to_pi_s_width(np.array([0.0, 0.1, 0.3]), 1.0, xi=3.0279e-6)
    assert np.allclose(ours, ref, rtol=0.07)


def test_not_eq5_of_1909_11670():
    # pitfall 3: Eq. (5) of 1909.11670 (m_K^2 instead of (m_K^2 - m_pi^2) f_0) is ~28 % higher
    lam = 1.0 - M_PI**2 / M_K**2          # lambda^1/2(1, 0, r^2) at m_S = 0
    eq5 = 1.0 / (16 * np.pi * M_K) * (3 * V_TD * V_TS * M_TOP_POLE**2 * M_K**2
                                      / (32 * np.pi**2 * V_HIGGS**3)) ** 2 * lam
    ours = float(k_to_pi_s_width(0.0, 1.0))
    assert eq5 / ours == pytest.approx(1.28, abs=0.03)


def test_b_to_k_s():
    # section 5.2 [L]: scalar_portal Gamma(B -> S K) shape 1.8603, 1.8899, 1.980, 2.195 (x1e-13):
    # the m_S dependence is kinematics and f_0^{BK}(q^2) only -> 0.5 %
    g = b_to_k_s_width(np.array([0.0, 1.0, 2.0, 4.0]), 1.0)
    assert np.allclose(g / g[0], np.array([1.8603, 1.8899, 1.980, 2.195]) / 1.8603, rtol=5e-3)
    # section 5.2 [C]: BR(B+ -> K+ S) ~ 0.46 theta^2 (from scalar_portal's xi); ours uses PDG-2022 CKM
    # and the pole m_t (BR ~ m_t^4): 5 %
    assert float(g[0] / width_gev("B+")) == pytest.approx(0.46, rel=0.05)


# FORESEE Models/DarkHiggs/model/ctau.txt (Winkler-based), section 5.3 [L]. Leptonic region: the file
# itself finds the lepton formula 1-2.4 % below the table (3 %); Winkler pi pi region: 3 %; at 1.023 GeV
# the K Kbar table is a noisy digitisation and 4 pi is a [U] parametrisation: 15 %.
@pytest.mark.parametrize("m, ctau, tol", [(0.0410, 2.879e-2, 0.03), (0.2015, 5.778e-3, 0.03),
                                          (0.2528, 6.52e-7, 0.03), (0.3305, 3.17e-8, 0.03),
                                          (0.4964, 8.24e-9, 0.03), (1.023, 4.21e-10, 0.15)])
def test_scalar_ctau_foresee(bc4, m, ctau, tol):
    assert float(bc4.ctau_m(m, 1.0)) == pytest.approx(ctau, rel=tol)


def test_winkler_pipi_table_value(bc4):
    # section 5.3 [L]: winkler_pi.txt L14, Gamma = 2.882e-9 GeV at 300.4 MeV (theta = 1); pi+pi- + pi0pi0
    w = bc4.partial_widths(0.3004168504084459, 1.0)
    assert float(w["S -> pi+ pi-"] + w["S -> pi0 pi0"]) == pytest.approx(2.882055727e-9, rel=1e-6)
    assert float(w["S -> pi+ pi-"] / w["S -> pi0 pi0"]) == pytest.approx(2.0)


def test_thresholds_sum_scaling(bc4):
    m_mu = mass("mu-")
    w = bc4.partial_widths(np.array([2 * m_mu, 2 * M_PI, M_K + 0.45]), 1.0)
    assert w["S -> mu+ mu-"][0] == 0.0 and w["S -> pi+ pi-"][1] == 0.0
    assert float(bc4.production_br(M_K - M_PI, 1.0)["K+ -> pi+ S"]) == 0.0
    m = np.linspace(0.002, 4.7, 300)
    assert np.allclose(sum(bc4.partial_widths(m, 1e-6).values()), bc4.total_width(m, 1e-6), rtol=1e-12)
    assert np.allclose(bc4.lifetime_s(m, 1e-8) / bc4.lifetime_s(m, 1e-6), 100.0, rtol=1e-10)
    # continuous across the exclusive -> perturbative blend (2.0-2.5 GeV): no step > 3 % per 5 MeV
    mb = np.linspace(1.9, 2.6, 141)
    assert np.max(np.abs(np.diff(np.log(bc4.total_width(mb, 1.0))))) < 0.03


def test_bc5_quartic():
    bc5 = get_model("BC5")
    # section 5.4 [C]: BR(h -> SS) = 0.01 <-> lambda = 1.39e-3; 0.05 <-> 3.18e-3
    assert float(bc5.quartic_lambda(0.0)) == pytest.approx(1.39e-3, rel=5e-3)
    assert float(get_model("BC5", br_h_ss=0.05).quartic_lambda(0.0)) == pytest.approx(3.18e-3, rel=5e-3)
    a, b = bc5.production_br(0.5, 1e-6), bc5.production_br(0.5, 1e-4)
    # pair production does not scale with theta; single production does
    assert float(a["h -> S S"]) == float(b["h -> S S"]) == 0.01
    assert float(a["B -> Xs S S"]) == pytest.approx(float(b["B -> Xs S S"]))
    assert float(b["B+ -> K+ S"]) == pytest.approx(100 * float(a["B+ -> K+ S"]))
    assert float(bc5.production_br(2.5, 1e-6)["B -> Xs S S"]) == 0.0     # 2 m_S > m_b
    with pytest.raises(InputError, match="br_h_ss"):
        get_model("BC5", br_h_ss=1.5)


def test_scalar_bad_inputs(bc4):
    with pytest.raises(InputError, match=r"\[0.00102, 4.7\] GeV for dark-scalar"):
        bc4.ctau_m(5.0, 1e-6)
    with pytest.raises(InputError, match="sin2theta"):
        bc4.ctau_m(0.2, -1.0)
