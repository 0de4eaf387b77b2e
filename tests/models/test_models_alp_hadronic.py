"""BC11 hadronic decays (kaonportal.models.alp_hadronic): a -> 3 pi (LO chiral PT) and a -> pi+ pi- gamma."""

from pathlib import Path

import numpy as np
import pytest

from kaonportal.constants import BR_ETA_PIPIPI0, F_PI, mass, width_gev
from kaonportal.errors import InputError
from kaonportal.models import get_model
from kaonportal.models import alp_hadronic as H

DATA = Path(__file__).parent / "data"


def test_phase_space_functions_normalised_to_one_for_light_pions():
    # BNT JHEP 12 (2017) 044: g_00(0) = g_+-(0) = 1; at m_a = 1 TeV, r = 2e-8 and g - 1 = O(sqrt r) < 1e-4
    assert float(H.phase_space_g(1000.0, "+-")) == pytest.approx(1.0, abs=1e-4)
    assert float(H.phase_space_g(1000.0, "00")) == pytest.approx(1.0, abs=1e-4)
    assert float(H.phase_space_g(0.40, "+-")) == 0.0          # below 2 m_pi+ + m_pi0 = 0.414 GeV
    assert 0 < float(H.phase_space_g(0.45, "+-")) < float(H.phase_space_g(0.8, "+-")) < 1


def test_three_pion_rate_is_bnt_formula():
    # Gamma = (pi/6) m_a m_pi^4/(Lambda^2 f_pi^2) (Delta c_ud / (32 pi^2))^2 g(m_pi^2/m_a^2), f_pi = 130 MeV,
    # Delta c_ud/Lambda = 2 delta/f: an independent writing of the same rate, equal to rounding
    m, d = np.array([0.45, 0.6, 0.8]), 1e-4
    w = H.three_pion_widths(m, d)
    mp = mass("pi0")
    bnt = np.pi / 6 * m * mp**4 / F_PI**2 * (2 * d / (32 * np.pi**2)) ** 2
    assert np.allclose(w["a -> pi+ pi- pi0"], bnt * H.phase_space_g(m, "+-"), rtol=1e-12)
    assert np.allclose(w["a -> pi0 pi0 pi0"], bnt * H.phase_space_g(m, "00"), rtol=1e-12)


def test_isovector_coupling_of_gluon_alp_is_isospin_breaking():
    # delta = c_GG (kappa_u - kappa_d) = c_GG (m_d - m_u)/(m_u + m_d) x (1 - O(m_ud/m_s)): 0.37 with PDG masses
    assert float(H.isovector_coupling(1.0)) == pytest.approx((4.70 - 2.16) / (4.70 + 2.16), rel=0.03)
    assert float(H.isovector_coupling(0.0, (1.0, 1.0, 1.0))) == 0.0    # universal quark couplings: no 3 pi


def test_box_anomaly_reproduces_eta_to_pipigamma():
    # PDG 2024: Gamma_eta = 1.31 keV x BR(pi+ pi- gamma) 4.22 % = 55.3 eV; LO box with rho VMD, 3 % allowed
    assert H.eta_pipigamma_width("eta") * 1e9 == pytest.approx(55.3, rel=0.03)
    # eta': Gamma 0.188 MeV x 28.9 % = 54 keV; the fixed-width rho gives 36 keV (stated in the module docstring)
    assert 0.5 < H.eta_pipigamma_width("eta'") / (0.188e-3 * 0.289) < 0.8


def test_bc11_branching_ratios_sum_and_thresholds():
    bc11 = get_model("alp-gluon")
    m = np.array([0.3, 0.45, 0.6, 0.8])
    brs = bc11.branching_ratios(m, 1e-3)
    assert np.allclose(sum(brs.values()), 1.0)
    assert brs["a -> pi+ pi- pi0"][0] == 0.0 and brs["a -> pi0 pi0 pi0"][0] == 0.0
    assert np.all(brs["a -> pi+ pi- pi0"][1:] > 0) and np.all(brs["a -> pi+ pi- gamma"] > 0)
    w1, w2 = bc11.partial_widths(0.6, 1e-3), bc11.partial_widths(0.6, 2e-3)
    assert all(float(w2[k]) == pytest.approx(4 * float(w1[k]), rel=1e-12) for k in w1)   # rates ~ 1/f_G^2
    with pytest.raises(InputError, match="mass"):
        bc11.partial_widths(1.01, 1e-3)     # 4 pi, K K pi not implemented: the model ends at 1 GeV (alp_etapipi)


def test_peer_alpaca_disagreement_is_the_stated_one():
    # ALPaca 1.2.0 (Aloni-Soreq-Williams data-driven widths) at f_G = 1 TeV, its 1/(4 f_G) normalisation.
    # Two-flavour BNT alone was 9-37x below ALPaca at 0.42-0.50 GeV; with the a -> eta*, eta'* -> 3 pi chain
    # (alp_hadronic docstring) ALPaca is 2.0-2.7x above ours there and 1.1-1.8x at 0.55-0.60 GeV (eta pole at
    # 0.548 GeV included): the stated residual. The test pins that band so a change shows.
    ref = np.genfromtxt(DATA / "alpaca_bc11_hadronic.csv", delimiter=",", names=True, skip_header=1)
    bc11 = get_model("alp-gluon", normalisation="1/4fG")
    for lo, hi, band in ((0.41, 0.50, (0.35, 0.55)), (0.54, 0.61, (0.5, 1.0))):
        sel = (ref["m_GeV"] >= lo) & (ref["m_GeV"] <= hi)
        w = bc11.partial_widths(ref["m_GeV"][sel], 1e-3)
        for key, col in (("a -> pi+ pi- pi0", "pi0pippim_GeV"), ("a -> pi0 pi0 pi0", "pi0pi0pi0_GeV")):
            ratio = w[key] / ref[col][sel]
            assert np.all((ratio > band[0]) & (ratio < band[1])), (key, ratio)
    # without the eta chain (two-flavour BNT) the old 9-37x gap comes back: the eta chain is the cause
    sel = ref["m_GeV"] <= 0.5
    m = ref["m_GeV"][sel]
    bnt = H.three_pion_widths(m, H.isovector_coupling(bc11.cgg_over_f(1e-3)))["a -> pi+ pi- pi0"]
    assert np.all((ref["pi0pippim_GeV"][sel] / bnt > 8) & (ref["pi0pippim_GeV"][sel] / bnt < 40))


def test_linear_amplitude_integrator_reproduces_bnt():
    # the general Dalitz integral with the BNT coefficients (no eta chain) equals the analytic g_ab route
    m, d = np.array([0.45, 0.6, 0.8]), 1e-4
    lin = H.three_pion_widths_linear(m, *H.three_pion_coefficients(m, d, {}))
    ref = H.three_pion_widths(m, d)
    for key in ref:
        assert np.allclose(lin[key], ref[key], rtol=1e-6)


def test_eta_three_pion_normalisation_reproduces_pdg_width():
    # N_eta reproduces Gamma(eta -> pi+ pi- pi0) = 1.31 keV x 22.92 % = 300 eV (PDG) by construction; the
    # independent check is the isospin relation: the same amplitude gives Gamma(eta -> 3 pi0)/Gamma(+-0) ~ 1.4
    # (PDG: 32.57 % / 22.92 % = 1.42; LO shape without the pi pi rescattering slope, 10 % tolerance)
    me, mp = mass("eta"), mass("pi0")
    n = H.eta_three_pion_norm("eta")
    w = H.three_pion_widths_linear(me, -4 * mp**2 * n / (me**2 - mp**2), 3 * n / (me**2 - mp**2))
    assert float(w["a -> pi+ pi- pi0"]) == pytest.approx(width_gev("eta") * BR_ETA_PIPIPI0, rel=1e-9)   # construction
    assert float(w["a -> pi0 pi0 pi0"] / w["a -> pi+ pi- pi0"]) == pytest.approx(32.57 / 22.92, rel=0.10)
    assert n < 0 and H.eta_three_pion_norm("eta'") < 0      # sign(m_u - m_d) sign((t_P)_uu), both (t_P)_uu > 0


def test_u3_eta_mixing_matches_the_foresee_fit():
    # our LO U(3) theta_a_eta (kinetic + mass mixing) against the FORESEE/ASW fit 3.671 g (a2 m^2 + b0)/(m^2 - m_eta^2):
    # two independent writings; 2 % tolerance (the fit's rounded coefficients, the eta-eta' angle)
    m = np.array([0.2, 0.42, 0.5, 0.65, 0.8])
    ours = H.u3_mixing_angles(m, 1e-3)["eta"]
    fit = H.mixing_angle_gluon(m, 1e-3, "eta")
    # the two writings differ by the overall sign convention of theta (measured ours/fit = -0.995..-1.008): the
    # sign is pinned, so a sign change of either is caught
    assert np.allclose(ours.real, -fit.real, rtol=0.02)


def test_kinetic_mixing_matches_the_foresee_pion_angle():
    # gluon coupling: chat = 2 kappa c_GG; FORESEE/Aloni et al.: theta_api0 = 3.671 g (-0.180 m^2)/(m^2 - m_pi^2),
    # g = c_GG/(2 pi^2 f): |coefficient| 0.03348; ours 0.03356 (quark masses, F): 1 % allowed
    m = np.array([0.3, 0.6])
    th = H.kinetic_mixing_angle(m, 2 * H.kappa(), "pi0")
    coef = np.abs(th * (m**2 - mass("pi0") ** 2) / m**2)
    assert np.allclose(coef, 3.671 * 0.180 / (2 * np.pi**2), rtol=0.01)


def test_bc10_hadronic_channels_and_brs_sum():
    bc10 = get_model("alp-fermion")
    brs = bc10.branching_ratios(np.array([0.25, 0.5, 0.75]), 1e-4)
    assert np.allclose(sum(brs.values()), 1.0)
    assert brs["a -> pi+ pi- gamma"][0] == 0.0 and np.all(brs["a -> pi+ pi- gamma"][1:] > 0)
    # universal quark couplings: no isovector (BNT) part, but the eta, eta' chain gives 3 pi above threshold
    assert brs["a -> pi+ pi- pi0"][0] == 0.0 and np.all(brs["a -> pi+ pi- pi0"][1:] > 0)
    assert float(H.isovector_coupling(0.0, (1.0, 1.0, 1.0))) == 0.0


def test_bc10_meson_mixing_production_uses_the_decay_angles():
    # the production by eta/eta' mixing is |theta_aP|^2 of the same kinetic mixing as the decays (c_q/f = g_Y/v);
    # no pi0 key: Tr(chat t_pi0) = 0 for universal couplings. Scales as g_Y^2.
    from kaonportal.constants import V_HIGGS

    bc10 = get_model("alp-fermion")
    m = np.array([0.3, 0.5, 0.7])
    pb = bc10.production_br(m, 1e-2)
    cq = np.full(m.shape + (3,), 1e-2 / V_HIGGS)
    for p in ("eta", "eta'"):
        assert np.allclose(pb[f"{p} -> a (mixing)"], np.abs(H.kinetic_mixing_angle(m, cq, p)) ** 2, rtol=1e-12)
    assert "pi0 -> a (mixing)" not in pb
    assert np.allclose(bc10.production_br(m, 2e-2)["eta -> a (mixing)"], 4 * pb["eta -> a (mixing)"], rtol=1e-12)


def test_three_pion_and_pipigamma_use_one_set_of_mixing_angles():
    # one convention (issue 14, bd5): a -> pi+ pi- gamma takes the same LO U(3) angles as the a -> eta*, eta'* -> 3 pi
    # chain (generator basis of the box coefficients and of sign(N_P)); the FORESEE/Aloni et al. fit is -1 x them to
    # 1 % (eta) and 4 % (eta'), so swapping the fit back in would move the width by up to ~8 % away from the zero
    m = np.array([0.45, 0.55, 0.65])
    cgg = 1e-3
    th = H.u3_mixing_angles(m, cgg)
    widths = H.gluon_hadronic_widths(m, cgg)
    assert np.allclose(widths["a -> pi+ pi- gamma"], H.pipigamma_width(m, th["eta"], th["eta'"]), rtol=1e-12)
    for p, tol in (("eta", 0.01), ("eta'", 0.04)):
        ratio = th[p] / H.mixing_angle_gluon(m, cgg, p)
        assert np.allclose(ratio.real, -1.0, atol=tol) and np.allclose(ratio.imag, 0.0, atol=1e-6), p


def test_the_three_pion_gap_to_alpaca_is_its_k_factor():
    # ALPaca (Aloni-Soreq-Williams) multiplies its LO chiral a -> 3 pi amplitude by sqrt(2.7), a K-factor meant to
    # reproduce the eta, eta' -> 3 pi rates. Re-run with the K-factor set to 1 (data/make_alpaca_3pi_kfactor.py) its
    # widths fall by 2.6-2.8x at 0.42-0.50 GeV and are then 1.0-1.4x ours (measured; 0.6 GeV near the eta pole:
    # 1.6x, 0.94x): the 2.0-2.7x gap is that K-factor. Our eta*, eta'* -> 3 pi chain is normalised to the measured
    # eta -> 3 pi width, i.e. it already holds what the K-factor restores, so it is not applied again (stated).
    k1 = np.genfromtxt(DATA / "alpaca_bc11_3pi_kfactor1.csv", delimiter=",", names=True, skip_header=1)
    k27 = np.genfromtxt(DATA / "alpaca_bc11_hadronic.csv", delimiter=",", names=True, skip_header=1)
    bc11 = get_model("alp-gluon", normalisation="1/4fG")
    for col, key in (("pi0pippim_GeV", "a -> pi+ pi- pi0"), ("pi0pi0pi0_GeV", "a -> pi0 pi0 pi0")):
        m = k1["m_GeV"][k1["m_GeV"] <= 0.5]
        full = np.array([k27[col][k27["m_GeV"] == x][0] for x in m])
        no_k = k1[col][: len(m)]
        assert np.all((full / no_k > 2.55) & (full / no_k < 2.9))          # the K-factor 2.7, MC integration noise
        ratio = no_k / bc11.partial_widths(m, 1e-3)[key]
        assert np.all((ratio > 0.6) & (ratio < 1.5)), ratio                # 0.72-0.97 (ours/ALPaca 1.03-1.38)


def test_k3pi_option_reproduces_the_asw_convention():
    # k3pi = 2.7 puts ASW's K-factor on our 3 pi widths: ALPaca (K = 2.7) is then 0.72-0.97 x ours at 0.42-0.50 GeV
    # (the same ratios as with K = 1 on both sides, test above); only the two 3 pi widths change, exactly by 2.7
    ref = np.genfromtxt(DATA / "alpaca_bc11_hadronic.csv", delimiter=",", names=True, skip_header=1)
    sel = ref["m_GeV"] <= 0.5
    m = ref["m_GeV"][sel]
    asw = get_model("alp-gluon", normalisation="1/4fG", k3pi=2.7).partial_widths(m, 1e-3)
    ours = get_model("alp-gluon", normalisation="1/4fG").partial_widths(m, 1e-3)
    for key, col in (("a -> pi+ pi- pi0", "pi0pippim_GeV"), ("a -> pi0 pi0 pi0", "pi0pi0pi0_GeV")):
        assert np.allclose(asw[key], 2.7 * ours[key], rtol=1e-12)
        assert np.all((ref[col][sel] / asw[key] > 0.65) & (ref[col][sel] / asw[key] < 1.05))
    assert np.array_equal(asw["a -> gamma gamma"], ours["a -> gamma gamma"])
    bc10 = get_model("alp-fermion", k3pi=2.7).partial_widths(0.5, 1.0)
    assert float(bc10["a -> pi+ pi- pi0"]) == pytest.approx(2.7 * float(
        get_model("alp-fermion").partial_widths(0.5, 1.0)["a -> pi+ pi- pi0"]), rel=1e-12)
    with pytest.raises(InputError, match="k3pi"):
        get_model("alp-gluon", k3pi=0.0)
