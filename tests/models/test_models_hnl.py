"""Heavy neutral leptons BC6-BC8 against portal_formulas.md section 4."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kaonportal.constants import BR_K, BR_PI, HBAR_GEV_S, mass
from kaonportal.errors import InputError
from kaonportal.models import get_model
from kaonportal.models.hnl import (hnl_widths, phase_space_integral_I, pseudoscalar_to_lepton_n_width,
                                   shrock_factor)
from kaonportal.constants import F_K, G_F, V_US

M_K, M_PI, M_E, M_MU = mass("K+"), mass("pi+"), mass("e+"), mass("mu+")


# section 4.1 check values [C] (rho given to 4 significant digits -> 0.1 %; BR/U^2 given to
# 3 digits and at least once truncated rather than rounded (0.13979 -> 0.139) -> 1 %)
@pytest.mark.parametrize("parent, lep, m_n, rho, br", [
    ("K+", "e+", 0.100, 3.522e4, 0.557), ("K+", "e+", 0.200, 1.070e5, 1.69),
    ("K+", "e+", 0.300, 1.371e5, 2.17), ("K+", "e+", 0.400, 7.230e4, 1.14),
    ("K+", "e+", 0.450, 2.218e4, 0.351),
    ("K+", "mu+", 0.050, 1.239, 0.788), ("K+", "mu+", 0.200, 3.621, 2.30),
    ("K+", "mu+", 0.300, 3.900, 2.48), ("K+", "mu+", 0.350, 2.724, 1.73),
    ("pi+", "e+", 0.060, 9.163e3, 1.127), ("pi+", "e+", 0.100, 9.070e3, 1.116),
    ("pi+", "e+", 0.120, 3.750e3, 0.461), ("pi+", "e+", 0.130, 1.134e3, 0.139),
    ("pi+", "mu+", 0.020, 0.9485, None),
])
def test_shrock_check_values(parent, lep, m_n, rho, br):
    assert float(shrock_factor(m_n, mass(parent), mass(lep))) == pytest.approx(rho, rel=1e-3)
    if br is not None:
        model = get_model("hnl-e" if lep == "e+" else "hnl-mu")
        assert float(model.production_br(m_n, 1.0)[f"{parent} -> {lep} N"]) == pytest.approx(br, rel=1e-2)


def test_shrock_limits():
    # m_N -> 0: rho -> 1 (helicity suppression recovered); closes at m_P - m_l
    assert float(shrock_factor(1e-7, M_K, M_E)) == pytest.approx(1.0, rel=1e-6)
    assert float(shrock_factor(1e-7, M_PI, M_MU)) == pytest.approx(1.0, rel=1e-6)
    assert float(shrock_factor(M_K - M_MU, M_K, M_MU)) == 0.0
    # the maximum enhancement for electrons ~ 1/(helicity suppression) ~ m_K^2/m_e^2 scale
    assert 1e5 < float(shrock_factor(0.3, M_K, M_E)) < (M_K / M_E) ** 2


@settings(max_examples=40, deadline=None)
@given(st.floats(0.001, 0.38))
def test_shrock_equals_absolute_width_ratio(m_n):
    # section 4.1 [C]: Bondarenko absolute width / SM width = rho to machine precision
    x = M_MU**2 / M_K**2
    sm = G_F**2 * F_K**2 * V_US**2 * M_K * M_MU**2 * (1 - x) ** 2 / (8 * np.pi)
    ratio = pseudoscalar_to_lepton_n_width(m_n, 1.0, M_K, M_MU, F_K, V_US) / sm
    assert float(ratio) == pytest.approx(float(shrock_factor(m_n, M_K, M_MU)), rel=1e-10)


# section 4.3: Majorana c*tau(U^2 = 1) [C] (3 digits -> 0.5 %) and ALPINIST Dirac tables [L]
# (the file reports agreement within 1.0 % for its own implementation -> 1.5 %)
@pytest.mark.parametrize("m_n, ce, cmu, de, dmu", [
    (0.1, 272, 384, 3.59e-19, 2.574e-19), (0.2, 0.622, 1.55, 1.589e-16, 6.358e-17),
    (0.3, 0.0805, 0.118, 1.2295e-15, 8.365e-16), (0.4, 0.0258, 0.0307, 3.830e-15, 3.222e-15),
    (0.45, 0.0166, 0.0189, 5.961e-15, 5.232e-15)])
def test_hnl_lifetime_check_values(m_n, ce, cmu, de, dmu):
    e, mu = get_model("hnl-e"), get_model("hnl-mu")
    assert float(e.ctau_m(m_n, 1.0)) == pytest.approx(ce, rel=5e-3)
    assert float(mu.ctau_m(m_n, 1.0)) == pytest.approx(cmu, rel=5e-3)
    assert float(e.total_width(m_n, 1.0)) / 2 == pytest.approx(de, rel=1.5e-2)
    assert float(mu.total_width(m_n, 1.0)) / 2 == pytest.approx(dmu, rel=1.5e-2)


def test_fairship_check_value():
    # FairShip python/hnl.py doc-string [L]: m = 1 GeV, U^2 = (1, 2, 0.1)e-8, tau = 4.7777e-5 s,
    # BR(N -> pi mu) = 0.1183, with s_W^2 = 0.23126 and *inclusive quarks* at 1 GeV. Our hadronic
    # width at 1 GeV is exclusive (the inclusive remainder starts above 1 GeV), so the test compares
    # the partial width Gamma(N -> pi mu) = 0.1183 hbar/tau (2 %: FairShip's f_pi = 130 MeV and
    # PDG-2016 CKM) and only bounds the total (ours 23 % smaller, from the exclusive/inclusive choice).
    w = hnl_widths(1.0, 1e-8, 2e-8, 0.1e-8, sin2w=0.23126)
    gam_fs = HBAR_GEV_S / 4.7777e-5
    assert float(w["N -> mu- pi+"]) == pytest.approx(0.1183 * gam_fs, rel=2e-2)
    assert 0.7 < float(sum(w.values())) / gam_fs < 1.0


def test_majorana_factor_two():
    maj = hnl_widths(0.3, 1.0)
    dirac = hnl_widths(0.3, 1.0, majorana=False)
    for k in maj:
        assert np.allclose(maj[k], 2 * dirac[k])


def test_phase_space_integral():
    assert float(phase_space_integral_I(0.0, 0.0, 0.0)) == pytest.approx(1.0, rel=1e-6)
    x = np.array([0.05, 0.2, 0.5, 0.8])
    closed = 1 - 8 * x**2 + 8 * x**6 - x**8 - 24 * x**4 * np.log(x)
    assert np.allclose(phase_space_integral_I(x, 0.0, 0.0), closed, rtol=1e-5)
    assert float(phase_space_integral_I(0.6, 0.5, 0.0)) == 0.0


def test_nc_log_term_is_stable_for_light_leptons():
    # pitfall 9: no cancellation for m_l/m_N << 1; smooth in m_N and tends to the massless value
    m = np.geomspace(0.01, 5.0, 200)
    w = hnl_widths(m, 1.0)["N -> nu e+ e-"]
    assert np.all(np.isfinite(w)) and np.all(w > 0)
    g5 = 2 * G_F**2 * m**5 / (192 * np.pi**3)
    s = 0.23121
    c3 = 0.25 * (1 + 4 * s + 8 * s**2)
    assert np.allclose(w[-20:] / g5[-20:], c3, rtol=1e-3)


def test_sum_scaling_thresholds():
    for name in ("hnl-e", "hnl-mu", "hnl-tau"):
        mod = get_model(name)
        m = np.linspace(0.01, 4.9, 60)
        assert np.allclose(sum(mod.partial_widths(m, 1e-6).values()), mod.total_width(m, 1e-6), rtol=1e-12)
        assert np.allclose(mod.ctau_m(m, 1e-7) / mod.ctau_m(m, 1e-5), 100.0, rtol=1e-10)
    w = get_model("hnl-mu").partial_widths(np.array([M_PI + M_MU - 1e-6, M_PI + M_MU + 1e-3]), 1.0)
    assert w["N -> mu- pi+"][0] == 0.0 and w["N -> mu- pi+"][1] > 0


def test_total_width_continuous_across_inclusive_switch():
    # no step where the inclusive multi-hadron remainder is switched on (1.0-1.2 GeV): the largest
    # 1-MeV log-step stays close to the smooth ~m^5 growth (5e-3 per MeV)
    m = np.linspace(0.95, 1.3, 351)
    steps = np.abs(np.diff(np.log(get_model("hnl-e").total_width(m, 1.0))))
    assert steps.max() < 1.5 * np.median(steps)


def test_heavy_meson_production_check_values():
    mu = get_model("hnl-mu")
    # section 4.2 [C]: BR(Ds -> mu N)/U^2 = 0.111, 0.269, 0.190; BR(D+ -> mu N)/U^2 = 0.018 at 1 GeV
    ds = mu.production_br(np.array([0.5, 1.0, 1.5]), 1.0)["Ds+ -> mu+ N"]
    assert np.allclose(ds, [0.111, 0.269, 0.190], rtol=1e-2)
    assert float(mu.production_br(1.0, 1.0)["D+ -> mu+ N"]) == pytest.approx(0.018, rel=2e-2)


def test_tau_channels():
    tau = get_model("hnl-tau")
    pb = tau.production_br(0.5, 1.0)
    assert set(pb) >= {"tau+ -> pi+ N", "tau+ -> rho+ N", "Ds+ -> tau+ N"}
    assert float(pb["Ds+ -> tau+ N"]) == 0.0    # closed: m_Ds - m_tau = 0.19 GeV
    # tau -> pi N at m_N -> 0 equals the SM tau -> pi nu (BR 10.8 %) up to the tree-level/rad. corr.
    assert float(tau.production_br(1e-3, 1.0)["tau+ -> pi+ N"]) == pytest.approx(0.108, rel=0.05)


def test_pion_production_kaon_br():
    # m_N << m_mu: BR(P -> mu N) -> BR(P -> mu nu) |U|^2
    pb = get_model("hnl-mu").production_br(1e-3, 1.0)
    assert float(pb["pi+ -> mu+ N"]) == pytest.approx(BR_PI["pi+ -> mu+ nu"], rel=1e-3)
    assert float(pb["K+ -> mu+ N"]) == pytest.approx(BR_K["K+ -> mu+ nu"], rel=1e-4)


def test_bad_inputs():
    with pytest.raises(InputError, match=r"\[0.001, 5\] GeV"):
        get_model("hnl-e").ctau_m(5.5, 1e-6)
    with pytest.raises(InputError, match="U2"):
        get_model("hnl-mu").ctau_m(0.3, -1e-6)
    with pytest.raises(InputError, match="flavour"):
        from kaonportal.models.hnl import HeavyNeutralLepton
        HeavyNeutralLepton("sterile")


@pytest.mark.parametrize("parent, daughter, br_sm, tol", [
    ("D0", "K-", 0.03549, 0.05), ("D+", "K0bar", 0.0872, 0.07),
    ("D0", "pi-", 0.00291, 0.08), ("D+", "pi0", 0.00372, 0.08)])
def test_semileptonic_sm_limit(parent, daughter, br_sm, tol):
    # m_N -> 0 with U^2 = 1 must give the measured SM semileptonic BR (PDG 2022: D0 -> K- e+ nu
    # 3.549 %, D+ -> K0bar e+ nu 8.72 %, D0 -> pi- e+ nu 0.291 %, D+ -> pi0 e+ nu 0.372 %). The
    # normalisation f_+(0)|V| is HFLAV's, so the residual is the single-pole q^2 shape: 5-8 %.
    from kaonportal.models.hnl import _SEMILEPTONIC, semileptonic_width
    row = next(r for r in _SEMILEPTONIC if r[0] == parent and r[1] == daughter)
    _, _, mname, v, fp0, mv, ms, iso = row
    br = semileptonic_width(0.0, 1.0, mass(parent), mass(mname), M_E, v, fp0, mv, ms, iso)
    from kaonportal.constants import width_gev
    assert float(br) / width_gev(parent) == pytest.approx(br_sm, rel=tol)


def test_semileptonic_hnl_mass_dependence():
    e = get_model("hnl-e")
    m = np.array([0.1, 0.5, 1.0, 1.3, 1.4])
    br = e.production_br(m, 1.0)["D0 -> K- e+ N"]
    assert np.all(np.diff(br) < 0)                    # phase space shrinks
    assert br[-1] == 0.0                              # m_D - m_K - m_e < 1.4 GeV
    assert float(get_model("hnl-tau").production_br(0.1, 1.0)["D0 -> K- tau+ N"]) == 0.0
