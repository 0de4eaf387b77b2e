"""a -> pi pi eta of the ALPs (kaonportal.models.alp_etapipi) and the BC10/BC11 widths against ALPaca 1.2.0 above
the eta pi pi threshold (stored tables written by data/make_alpaca_etapipi.py in a separate venv: ALPaca pins
particle<1.0, see data/make_alpaca_bc11.py)."""

from pathlib import Path

import numpy as np
import pytest

from kaonportal.constants import V_HIGGS, mass, width_gev
from kaonportal.errors import InputError
from kaonportal.models import alp_etapipi as E
from kaonportal.models import alp_hadronic as H
from kaonportal.models import get_model

DATA = Path(__file__).parent / "data"
THRESHOLD = 2 * mass("pi+") + mass("eta")


def _ref(name):
    return np.genfromtxt(DATA / name, delimiter=",", names=True, skip_header=1)


def test_etap_normalisation_reproduces_both_pdg_modes():
    # |N'| is fixed by Gamma(eta' -> eta pi+ pi-) ([PDG] 42.5 %): exact by construction
    g_pm = E.etap_etapipi_norm() ** 2 * E.flat_three_body(mass("eta'"), mass("pi+"), mass("eta"))
    assert float(g_pm) == pytest.approx(width_gev("eta'") * E.BR_ETAP_ETAPIPI, rel=1e-9)
    # isospin (same I = 0 amplitude, 1/2! for pi0 pi0) then predicts the neutral mode: 24.0 % against PDG
    # 22.4(5) %; the 7 % is the flat-amplitude approximation (measured Dalitz slopes ~ -0.05) -> 10 % allowed
    g_00 = E.etap_etapipi_norm() ** 2 * E.flat_three_body(mass("eta'"), mass("pi0"), mass("eta")) / 2
    assert float(g_00 / width_gev("eta'")) == pytest.approx(E.BR_ETAP_ETAPI0PI0, rel=0.10)


def test_flat_three_body_is_the_massless_phase_space_far_above_threshold():
    # constant |A| = 1, massless daughters: Gamma = Phi_3/(2 m) with Phi_3 = m^2/(256 pi^3) ([PDG] kinematics
    # review: dGamma = |A|^2 dm12^2 dm23^2/(256 pi^3 m^3) over a Dalitz triangle of area m^4/2) = m/(512 pi^3)
    assert float(E.flat_three_body(1000.0, 0.0, 0.0)) == pytest.approx(1000.0 / (512 * np.pi**3), rel=1e-6)


def test_width_vanishes_below_threshold_and_is_continuous_above():
    m = np.array([0.5, THRESHOLD - 1e-6, THRESHOLD, THRESHOLD + 1e-5, THRESHOLD + 1e-3, 0.9])
    w = E.etapipi_widths(m, 1e-3)["a -> pi+ pi- eta"]
    assert np.all(w[:3] == 0.0)
    # rises from zero as the 3-body phase space, ~ (m - threshold)^2: 1e-5 above is < 1e-3 of 1 MeV above
    assert 0 < w[3] < 1e-3 * w[4] and w[4] < w[5]
    w00 = E.etapipi_widths(np.array([2 * mass("pi0") + mass("eta") - 1e-6, 0.84]), 1e-3)["a -> pi0 pi0 eta"]
    assert w00[0] == 0.0 and w00[1] > 0


def test_at_the_eta_prime_mass_the_rate_is_mixing_times_the_measured_width():
    # the defining property of the mixing picture ([Aloni:2018vki]): Gamma(a -> f) = |theta|^2 Gamma(eta' -> f)
    w = E.etapipi_widths(mass("eta'"), 0.01)
    assert float(w["a -> pi+ pi- eta"]) == pytest.approx(1e-4 * width_gev("eta'") * E.BR_ETAP_ETAPIPI, rel=1e-9)


@pytest.mark.parametrize("name", ["alp-gluon", "alp-fermion"])
def test_alp_brs_sum_to_one_with_pi_pi_eta_and_range_ends_at_1_gev(name):
    model = get_model(name)
    m = np.array([0.3, 0.6, 0.85, 0.9, 0.99])
    brs = model.branching_ratios(m, 1e-3)
    assert np.allclose(sum(brs.values()), 1.0, rtol=1e-12)    # hadronic + leptonic + photons = total
    eta = brs["a -> pi+ pi- eta"]
    assert np.all(eta[:2] == 0.0) and np.all(eta[2:] > 0) and np.all(brs["a -> pi0 pi0 eta"][2:] > 0)
    assert model.mass_range[1] == E.VALID_MAX_GEV == 1.0
    with pytest.raises(InputError, match="mass"):
        model.partial_widths(1.01, 1e-3)                   # 4 pi, K K pi not modelled


def test_bc11_against_alpaca_above_the_eta_pi_pi_threshold():
    # ALPaca 1.2.0 BC11 at f_G = 1 TeV, its 1/(4 f_G) normalisation. Measured (stated in alp_etapipi): a -> pi pi eta
    # is 9x (1.0 GeV) to 127x (0.83 GeV) above ALPaca's (our constant eta'* amplitude against its chiral + scalar
    # resonance amplitude, which falls faster towards threshold); both modes alike. Pinned so a change shows.
    ref = _ref("alpaca_bc11_etapipi.csv")
    w = get_model("alp-gluon", normalisation="1/4fG").partial_widths(ref["m_GeV"], 1e-3)
    for key, col in (("a -> pi+ pi- eta", "etapippim_GeV"), ("a -> pi0 pi0 eta", "etapi0pi0_GeV")):
        ratio = w[key] / ref[col]
        # measured 127 and 117 (0.83 GeV), 9.2 and 9.1 (1.0 GeV): the ends within ~10 %
        assert 110 < ratio[0] < 135 and 8.5 < ratio[-1] < 10 and np.all(np.diff(ratio[1:]) < 0), ratio
    # a -> gamma gamma agrees to 2 % away from the eta' pole (0.83-0.95 GeV)
    near = ref["m_GeV"] <= 0.95
    assert np.allclose(w["a -> gamma gamma"][near] / ref["2photons_GeV"][near], 1.0, atol=0.02)   # 0.982-0.983
    # total width / ALPaca's, measured 0.318 (0.83 GeV) to 2.03 (1.0 GeV) (pi+ pi- gamma 0.03-0.7x, pi pi eta 9-127x).
    # Deterministic (closed forms, fixed 96-point Gauss-Legendre quadrature < 1e-6, a fixed reference table): rel 1e-3
    # covers the pins' rounding; a 1 % change of the largest partial width (gamma gamma at 0.83 GeV, pi pi eta above)
    # moves it by 0.4-0.8 %
    tot = get_model("alp-gluon", normalisation="1/4fG").total_width(ref["m_GeV"], 1e-3) / ref["DW_tot_GeV"]
    assert tot == pytest.approx([0.3184, 0.4995, 0.9113, 1.316, 1.603, 1.779, 1.984, 2.029], rel=1e-3)


def test_bc10_against_alpaca_leptons_photons_and_hadrons():
    # ALPaca 1.2.0 with c_uA = c_dA = c_eA = 1 at mu = m_a (f_a = 1 TeV): kaonportal's BC10 at g_Y/v = 1e-3 GeV^-1
    ref = _ref("alpaca_bc10_hadronic.csv")
    m, gy = ref["m_GeV"], 1e-3 * V_HIGGS
    w = get_model("alp-fermion").partial_widths(m, gy)
    # leptons: the same tree-level formula, equal to rounding of the table (6 digits)
    assert np.allclose(w["a -> e+ e-"], ref["e_GeV"], rtol=1e-5)
    assert np.allclose(w["a -> mu+ mu-"], ref["mu_GeV"], rtol=1e-5)
    # photons: 0.96-0.97 (alpha(m_a) in ALPaca against our alpha(0), test_models_alp_peer.py) -> 5 %
    assert np.allclose(w["a -> gamma gamma"] / ref["2photons_GeV"], 1.0, atol=0.05)
    # pi pi eta: 8-133x above ALPaca at 0.85-1 GeV, as for BC11 (the same a-eta' chain), stated
    sel = m >= 0.85
    ratio = w["a -> pi+ pi- eta"][sel] / ref["etapippim_GeV"][sel]
    # measured 133 (0.85 GeV) and 7.6 (1.0 GeV): the ends within ~10 %
    assert 120 < ratio[0] < 145 and 7 < ratio[-1] < 8.5 and np.all(np.diff(ratio) < 0), ratio
    # 3 pi through the eta*, eta'* chain: 0.35-0.47 of ALPaca at 0.42-0.5 GeV, 0.9-1.1 at 0.6 GeV next to the eta
    # pole (both normalised to eta -> 3 pi data there), the same residual as BC11 (alp_hadronic docstring)
    low = (m > 0.4) & (m < 0.55)
    r3 = w["a -> pi+ pi- pi0"][low] / ref["pi0pippim_GeV"][low]
    assert np.all((r3 > 0.3) & (r3 < 0.55)), r3
    at_06 = m == 0.6
    assert 0.8 < float((w["a -> pi+ pi- pi0"][at_06] / ref["pi0pippim_GeV"][at_06])[0]) < 1.2
    # the lifetime: leptons dominate below 0.85 GeV (0.999-1.0); pi pi eta and pi+ pi- gamma move it by 0.95-1.8x above
    tot = get_model("alp-fermion").total_width(m, gy) / ref["DW_tot_GeV"]
    assert np.allclose(tot[m < 0.85], 1.0, atol=0.01) and np.all((tot > 0.95) & (tot < 2.0))


def test_alp_hadronic_threshold_constant_is_the_eta_pi_pi_threshold():
    assert H.ETAPIPI_THRESHOLD_GEV == pytest.approx(THRESHOLD, rel=1e-12)


_THRESHOLDS = {"a -> pi+ pi- pi0": 2 * mass("pi+") + mass("pi0"), "a -> pi0 pi0 pi0": 3 * mass("pi0"),
               "a -> pi+ pi- gamma": 2 * mass("pi+"), "a -> pi+ pi- eta": THRESHOLD,
               "a -> pi0 pi0 eta": 2 * mass("pi0") + mass("eta"), "a -> mu+ mu-": 2 * mass("mu-")}


@pytest.mark.parametrize("name, key", [(n, k) for n in ("alp-gluon", "alp-fermion") for k in sorted(_THRESHOLDS)
                                       if not (n == "alp-gluon" and k == "a -> mu+ mu-")])   # BC11: no leptons
def test_every_alp_channel_is_zero_below_threshold_and_continuous_above(name, key):
    t = _THRESHOLDS[key]
    w = get_model(name).partial_widths(np.array([t - 1e-6, t + 1e-6, t + 1e-3, t + 0.01]), 1e-3)[key]
    # 0 below; no step at threshold: 1 keV above it the width is < 1 % of 10 MeV above (phase space ~ beta or
    # (m - t)^2, pi+ pi- gamma ~ (m - t)^4)
    assert w[0] == 0.0 and 0.0 <= w[1] < 0.01 * w[3] and 0 < w[2] <= w[3]


@pytest.mark.parametrize("name, coupling", [("alp-gluon", 1e-3), ("alp-fermion", 0.25)])
def test_at_the_eta_prime_pole_the_alp_decays_like_an_eta_prime(name, coupling):
    # both the 3 pi and the eta pi pi chains go through a-eta' mixing x a measured eta' amplitude: at m_a = m_eta' the
    # eta' term dominates and Gamma(pi+ pi- pi0)/Gamma(pi+ pi- eta) is the eta''s 3.61e-3/0.425 = 0.0085 ([PDG]);
    # measured 0.0085 for both models (the isovector and eta* parts are < 1 % there) -> 5 %
    from kaonportal.constants import BR_ETAP_PIPIPI0
    w = get_model(name).partial_widths(mass("eta'"), coupling)
    ratio = float(w["a -> pi+ pi- pi0"] / w["a -> pi+ pi- eta"])
    assert ratio == pytest.approx(BR_ETAP_PIPIPI0 / E.BR_ETAP_ETAPIPI, rel=0.05)
    # ALPaca at 0.95 GeV (8 MeV below the pole, where ours is within 15 % of the pole ratio): ~1.0, stated
    ref = _ref("alpaca_bc11_etapipi.csv")
    at = ref["m_GeV"] == 0.95
    assert 0.5 < float((ref["pi0pippim_GeV"][at] / ref["etapippim_GeV"][at])[0]) < 2.0
    # and within 1.3 MeV of the pole: 3 pi/eta pi pi = 0.25-0.82 and eta pi pi/gamma gamma = 0.83 (the eta''s 0.0085
    # and 18.4 = 0.425/0.0231, [PDG]); ours at the pole: 14 (our LO gamma gamma of the eta' is 1.3x the measured one)
    pole = _ref("alpaca_bc11_etap_pole.csv")
    assert np.all(pole["pi0pippim_GeV"] / pole["etapippim_GeV"] > 0.2)
    assert np.all(pole["etapippim_GeV"] / pole["2photons_GeV"] < 1.0)
    ours = float(w["a -> pi+ pi- eta"] / w["a -> gamma gamma"])
    assert 10 < ours < 18.5
    near = float(get_model(name).partial_widths(0.95, coupling)["a -> pi+ pi- pi0"]
                 / get_model(name).partial_widths(0.95, coupling)["a -> pi+ pi- eta"])
    assert near == pytest.approx(BR_ETAP_PIPIPI0 / E.BR_ETAP_ETAPIPI, rel=0.15)
