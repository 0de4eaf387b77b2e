"""p-Cu versus pp for the forward soft mesons (kaonportal.beamdump.nuclear, the default a_scaling "alpha").

The A-dependence alpha(x_F, p_T) = (0.74 - 0.55 x_F + 0.26 x_F^2)(0.98 + 0.21 p_T^2) is the BMPT parametrisation
[Bonesini:2001bmpt] of the measured forward suppression [Barton:1983adep]; the check values below are that formula
evaluated by hand, so a changed coefficient fails them.
"""

import numpy as np
import pytest

from kaonportal.beamdump import nuclear
from kaonportal.beamdump.mesons import (a_factor_at, a_scaling_factor, load_tables, multiplicity_per_pot,
                                        sample_meson, scaled_counts)
from kaonportal.constants import mass
from kaonportal.errors import InputError

A_CU, SIG_PP, SIG_PCU = 63.546, 32.9, 769.0


@pytest.mark.parametrize("x_f, p_t, alpha", [
    (0.0, 0.0, 0.74 * 0.98),                                   # the low-x_F, low-p_T value
    (0.5, 0.5, (0.74 - 0.275 + 0.065) * (0.98 + 0.0525)),      # 0.5472
    (1.0, 1.0, (0.74 - 0.55 + 0.26) * (0.98 + 0.21)),          # 0.5355
])
def test_alpha_check_values(x_f, p_t, alpha):
    assert nuclear.alpha_xf_pt(x_f, p_t) == pytest.approx(alpha, rel=1e-12)


def test_alpha_limits_and_shape():
    # x_F -> 0: alpha tends to its low-x_F value continuously; backward mesons (x_F < 0) take that value
    assert nuclear.alpha_xf_pt(1e-9, 0.3) == pytest.approx(nuclear.alpha_xf_pt(0.0, 0.3), abs=1e-8)
    assert nuclear.alpha_xf_pt(-0.4, 0.3) == nuclear.alpha_xf_pt(0.0, 0.3)
    # the forward suppression: alpha falls monotonically with x_F over the physical range
    x = np.linspace(0, 1, 101)
    assert np.all(np.diff(nuclear.alpha_xf_pt(x, 0.3)) < 0)
    # p_T above the fit range is held at P_T_MAX (the p_T^2 factor would diverge)
    assert nuclear.alpha_xf_pt(0.3, 50.0) == nuclear.alpha_xf_pt(0.3, nuclear.P_T_MAX)


def test_forward_factor_is_the_per_collision_ratio():
    # f_A = A^alpha sigma_pp / sigma_pCu; at x_F = p_T = 0: 63.546^0.7252 x 32.9 / 769 = 0.869
    assert nuclear.forward_factor(0.0, 0.0) == pytest.approx(A_CU ** 0.7252 * SIG_PP / SIG_PCU, rel=1e-12)
    # alpha = 1 would give A sigma_pp / sigma_pCu (= nu, the mean number of wounded target nucleons, 2.72): alpha < 1
    # for p_T <~ 1 GeV/c keeps the forward factor below it (at larger p_T alpha > 1 near x_F = 0: the Cronin
    # enhancement the p_T^2 term describes), and below 1 (suppression per collision) for x_F >= 0.1 at p_T <= 0.5
    x = np.linspace(0.0, 1.0, 11)
    nu = A_CU * SIG_PP / SIG_PCU
    assert nu == pytest.approx(2.72, abs=0.01)
    for p_t in (0.0, 0.5, 1.0):
        assert np.all(nuclear.forward_factor(x, p_t) < nu)
    assert nuclear.forward_factor(0.0, nuclear.P_T_MAX) > nu
    assert np.all(nuclear.forward_factor(x[1:], 0.5) < 1.0)
    assert nuclear.forward_factor(0.3, 0.3) == pytest.approx(A_CU ** 0.59774176 * SIG_PP / SIG_PCU, rel=1e-6)


def test_feynman_x_in_the_nucleon_nucleon_frame():
    assert nuclear.SQRT_S_GEV == pytest.approx(27.43, abs=0.01)
    m = mass("eta")
    # a meson at rest in the centre-of-mass frame: lab p = gamma beta m = m p_beam / sqrt(s) along the beam -> 0
    assert nuclear.feynman_x(m * 400.0 / nuclear.SQRT_S_GEV, 0.0, m) == pytest.approx(0.0, abs=1e-9)
    # the beam proton itself: p*_L = p*_max = sqrt(s)/2 sqrt(1 - 4 m_p^2/s), so x_F = 2 p*_L/sqrt(s) is that root
    s = nuclear.SQRT_S_GEV ** 2
    assert nuclear.feynman_x(400.0, 0.0, mass("p")) == pytest.approx(np.sqrt(1 - 4 * mass("p") ** 2 / s), rel=1e-9)


def test_tables_carry_the_bin_averaged_factor():
    t = load_tables()
    ratio = scaled_counts("eta", "alpha") / np.where(t.counts["eta"] > 0, t.counts["eta"], np.nan)
    ip, it = np.unravel_index(np.nanargmax(t.counts["eta"]), t.counts["eta"].shape)
    p = 10 ** (0.5 * (t.logp_edges[ip] + t.logp_edges[ip + 1]))
    th = 10 ** (0.5 * (t.logtheta_edges[it] + t.logtheta_edges[it + 1]))
    # the sub-bin average differs from the bin-centre value by < 3% (the factor varies smoothly across a bin)
    assert ratio[ip, it] == pytest.approx(float(a_factor_at("eta", p, th)), rel=0.03)
    # the totals: multiplicity_per_pot is the scaled table, and "pp" is the plain one
    # (independently: the weighted sum of the table's own bins over its plain sum)
    w = np.nansum(ratio * t.counts["eta"]) / t.counts["eta"].sum()
    # (the raw eta table: the NA27 eta/pi0 reweighting, kaonportal.beamdump.eta_ratio, is a separate per-bin factor)
    ratio_mult = multiplicity_per_pot("eta", eta_ratio="pythia") / multiplicity_per_pot("eta", "pp", eta_ratio="pythia")
    assert ratio_mult == pytest.approx(w, rel=1e-9)
    # heavy flavour keeps its linear A scaling: unaffected
    assert multiplicity_per_pot("D0") == multiplicity_per_pot("D0", "pp")


def test_forward_mesons_are_suppressed_and_the_spectrum_softens():
    rng = np.random.default_rng(7)
    p_a, th_a, _ = sample_meson("eta", 100_000, rng, a_scaling="alpha", eta_ratio="pythia")
    p_p, th_p, _ = sample_meson("eta", 100_000, np.random.default_rng(7), a_scaling="pp", eta_ratio="pythia")
    m = mass("eta")
    fwd_a = np.mean(nuclear.feynman_x(p_a, th_a, m) > 0.2)
    fwd_p = np.mean(nuclear.feynman_x(p_p, th_p, m) > 0.2)
    # per POT, the x_F > 0.2 etas scale by f_A(x_F > 0.2) ~ 0.35-0.61 (p_T ~ 0.3): the fraction of fast etas
    # in the scaled spectrum times the total ratio must fall in that band (binomial s.e. of the fractions ~1%)
    ratio = (fwd_a * multiplicity_per_pot("eta", eta_ratio="pythia")
             / (fwd_p * multiplicity_per_pot("eta", "pp", eta_ratio="pythia")))
    assert 0.35 < ratio < 0.62
    assert np.mean(np.log10(p_a)) < np.mean(np.log10(p_p))


def test_bad_a_scaling_is_an_input_error():
    with pytest.raises(InputError, match="a_scaling"):
        multiplicity_per_pot("eta", "glauber")
    with pytest.raises(InputError, match="a_scaling: must be 'pp', 'wounded' or a number in"):
        a_scaling_factor(float("inf"))


def test_sigma_inel_pcu_matches_the_tax_interaction_length():
    # sigma_inel(p Cu) = A / (N_A lambda_I rho): the TAX lambda_I = 153 mm (verified, setup.CU_TARGET) with the PDG
    # copper density 8.96 g/cm^3 gives 770 mb; the shipped 769 mb (PDG lambda_I = 137.3 g/cm^2) must agree to the
    # three-digit rounding of 153 mm (0.4 %)
    from kaonportal.beamdump.setup import CU_TARGET
    n_avogadro, rho_cu = 6.02214076e23, 8.96
    sigma_mb = CU_TARGET["A"] / (n_avogadro * CU_TARGET["lambda_int_m"] * 100.0 * rho_cu) * 1e27
    assert CU_TARGET["sigma_inel_pA_mb"] == pytest.approx(sigma_mb, rel=4e-3)
