"""Each beam-dump yield factor against the independent reference numbers shipped in
``data/beamdump/reference_yields.yaml`` (issue 14, item 1), and the reference file itself."""

import numpy as np
import pytest
from scipy import integrate

from kaonportal import references
from kaonportal.beamdump.brems import _density, brems_yield_per_pot, sigma_pp_mb
from kaonportal.beamdump.budget import yield_budget
from kaonportal.beamdump.mesons import (HEAVY_MESONS, SOFT_MESONS, load_tables, multiplicity_per_pot,
                                        reference_yields, soft_normalisation_factor)
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.constants import mass
from kaonportal.errors import InputError

BUDGET_FACTORS = ("n_parent_per_pot", "production_factor", "chi", "p_decay", "br", "a_acc", "a_trig")


def _entries():
    return [(group, name, e) for group, block in reference_yields().items() for name, e in block.items()]


def test_every_reference_has_a_resolvable_source_a_status_and_a_factor():
    assert len(_entries()) >= 10
    for group, name, e in _entries():
        assert references.resolve(e["source"]) in references.bibliography(), (group, name)
        assert e["status"] in ("V", "R", "L", "C", "S", "gap"), (group, name)
        assert e["factor"].split()[0] in BUDGET_FACTORS, (group, name)
        # a gap has no number; a number has a status saying how far it can be trusted
        assert (e["value"] is None) == (e["status"] in ("gap", "S")), (group, name)


def test_pythia_soft_mesons_are_normalised_to_the_na27_pi_plus_cross_section():
    # r = sigma(pp -> pi+ X)_NA27 / sigma(pp -> pi+ X)_Pythia, both inclusive at 400 GeV/c. NA27: 134.4 +- 3.4 mb
    # [AguilarBenitez:1991yy]. The defining property: with the default normalisation the tables' pi+ cross section
    # is the measured one, exactly.
    t = load_tables()
    ref = reference_yields()["meson_multiplicity"]["pp_to_piplus_sigma_mb"]
    r = soft_normalisation_factor("na27")
    sigma_pythia = t.extra_counts["pi+"] / t.n_events["soft"] * t.meta["soft_sigma_gen_mb"]
    assert r * sigma_pythia == pytest.approx(ref["value"], rel=1e-12)
    # Pythia 8 (Monash) overshoots NA27 by 17%: more than 3 NA27 errors (2.5% each), less than the 25% that would
    # mean broken tables (data/beamdump/README.md)
    assert 1 + 3 * ref["error"] / ref["value"] < 1 / r < 1.25
    for name in SOFT_MESONS:
        assert multiplicity_per_pot(name) == pytest.approx(r * multiplicity_per_pot(name, normalisation="pythia"))
    for name in HEAVY_MESONS:          # heavy flavour is normalised to sigma_QQbar instead
        assert multiplicity_per_pot(name) == multiplicity_per_pot(name, normalisation="pythia")
    assert soft_normalisation_factor("pythia") == 1.0
    with pytest.raises(InputError, match="normalisation"):
        soft_normalisation_factor("epos")


def test_pcu_forward_suppression_is_the_referenced_parametrisation():
    # the coefficients restated in reference_yields.yaml (from the BMPT paper's formula) against the module's
    from kaonportal.beamdump.nuclear import alpha_xf_pt

    c = reference_yields()["meson_multiplicity"]["pcu_forward_alpha"]["value"]
    for x_f, p_t in ((0.0, 0.0), (0.3, 0.3), (0.5, 0.5), (0.8, 1.2)):
        ref = (c["c0"] + c["c1"] * x_f + c["c2"] * x_f**2) * (c["d0"] + c["d2"] * p_t**2)
        assert alpha_xf_pt(x_f, p_t) == pytest.approx(ref, rel=1e-12)
    # the check values quoted with the entry
    assert float(alpha_xf_pt(0.0, 0.0)) == pytest.approx(0.7252, abs=5e-5)
    assert float(alpha_xf_pt(0.5, 0.5)) == pytest.approx(0.5472, abs=5e-5)
    # the default soft-meson yields carry it: a forward (x_F > 0.2) table bin is scaled by A^alpha sigma_pp/sigma_pCu
    # < 0.7, i.e. the forward eta per POT drops by > 30 % against pp while the total barely moves (review: a mere
    # "differs" passed on any tiny change)
    from kaonportal.beamdump.mesons import scaled_counts

    t = load_tables()
    fwd = scaled_counts("eta", "alpha") / np.where(t.counts["eta"] > 0, t.counts["eta"], np.nan)
    p_mid = 10 ** (0.5 * (t.logp_edges[:-1] + t.logp_edges[1:]))[:, None]
    th_mid = 10 ** (0.5 * (t.logtheta_edges[:-1] + t.logtheta_edges[1:]))[None, :]
    # p > 150 GeV/c at 400 GeV is x_F > ~0.35; p_T < 0.5 GeV/c keeps away from the Cronin (alpha > 1) region
    assert np.nanmax(np.where((p_mid > 150.0) & (p_mid * th_mid < 0.5), fwd, np.nan)) < 0.7


def test_brems_cross_section_ratio_against_an_independent_parametrisation():
    # sigma_pp(s')/sigma_pp(s) of the splitting rate: kaonportal's PDG HPR1R2 fit against the COMPETE-form fit of
    # ALPINIST (reference_yields.yaml). Both fit the same world pp data; over s' = s (1 - z), z in [0.1, 0.9]
    # (sqrt(s') = 8.7-26 GeV) they agree to 0.1%: tolerance 1%.
    p = reference_yields()["bremsstrahlung"]["sigma_pp_total_parametrisation"]["value"]

    def ref(s):
        x = p["s1"] / s
        return (p["Z"] + p["B"] * np.log(s / p["sqrt_s0"] ** 2) ** 2 + p["Y1"] * x ** p["eta1"]
                - p["Y2"] * x ** p["eta2"])

    mp = mass("p")
    e_p = np.hypot(400.0, mp)
    s = 2 * mp * e_p
    z = np.linspace(0.1, 0.9, 9)
    sp = 2 * mp * e_p * (1 - z)
    assert sigma_pp_mb(sp) / sigma_pp_mb(s) == pytest.approx(ref(sp) / ref(s), rel=3e-3)   # fit coefficients rounded (measured 0.07 %)
    # and the absolute value at 400 GeV/c: measured 0.05 %; 0.3 % for the rounded fit coefficients
    assert sigma_pp_mb(s) == pytest.approx(ref(s), rel=3e-3)


@pytest.mark.parametrize("m", [0.1, 0.3, 0.5])
def test_brems_rate_is_the_integral_of_the_bluemlein_brunner_density(m):
    # chi_brems / eps^2 = integral over 0.1 < z < 0.9, pT < 1 GeV of dN/(dz dpT^2) [Blumlein:2013cua]: the weighted
    # Monte Carlo sample against adaptive quadrature of the same density (no published 400 GeV rate exists:
    # reference_yields.yaml, a gap). 2e5 events: the MC error is ~0.3%; tolerance 1.5%.
    quad, _ = integrate.dblquad(lambda pt2, z: float(_density(z, pt2, m, "none")), 0.1, 0.9, 0.0, 1.0,
                                epsabs=0.0, epsrel=1e-6)
    assert brems_yield_per_pot(m, n=200_000, seed=4) == pytest.approx(quad, rel=0.015)


@pytest.mark.parametrize("key", ["eventcalc_brems_m0.3", "eventcalc_brems_m0.5"])
def test_brems_rate_against_a_peer_code_at_400_gev(key):
    # A' per POT from proton bremsstrahlung at 400 GeV/c in EventCalc (SHiP, model of [Kyselov:2024dpbrem]: a proton
    # form factor and the target cascade included, so not the point-like rate): the only peer number at this beam
    # energy found. Like for like is only its own uncertainty band (a factor ~300 wide at 0.3 GeV), which the
    # point-like Bluemlein-Brunner rate must lie in; the central values differ by +28 % (0.3 GeV) and -27 % (0.5 GeV)
    # (measured; their form factor raises their rate with mass): a factor 2 either way would signal a broken rate
    # (a lost 2 pi, eps vs eps^2) rather than the model difference, so it is asserted too.
    from kaonportal.beamdump.budget_checks import check_quantity
    e = reference_yields()["bremsstrahlung"][key]
    ours = check_quantity(e)
    assert ours == pytest.approx(brems_yield_per_pot(e["mass_gev"]), rel=1e-12)
    assert e["band"][0] < ours < e["band"][1]
    assert 0.5 < ours / e["value"] < 2.0


@pytest.fixture(scope="module")
def check_budgets():
    # the check values are the point-like formula (F = 1); the default model multiplies them by the measured
    # transition form factor |F(m^2)|^2 (kaonportal.models.transition_ff, tested in tests/models)
    from kaonportal.models import get_model

    point_like = get_model("dark-photon", transition_form_factor="none")
    return {row["parent"]: yield_budget(point_like, row["mass_gev"], 1e-3, ["ee"], n_per_mass=50, seed=2,
                                        mechanisms=[f"{row['parent']} -> gamma A'"])
            for row in reference_yields()["production_br"].values()}


@pytest.mark.parametrize("key", ["pi0_gamma_aprime_m0.05", "eta_gamma_aprime_m0.3", "etaprime_gamma_aprime_m0.5"])
def test_budget_production_factor_against_the_check_values(check_budgets, key):
    # the production factor the budget prints = the check value computed from the cited formula; the check values
    # are given to 3-5 digits (PDG BR(P -> gamma gamma) rounding): tolerance 0.5%
    ref = reference_yields()["production_br"][key]
    b = check_budgets[ref["parent"]]
    assert b.rows, key
    assert b.rows[0]["production_factor"] == pytest.approx(ref["value"], rel=5e-3)
    # the budget states the soft-meson normalisation its parent yields carry
    assert b.soft_meson_normalisation == soft_normalisation_factor("na27")
    assert "Pythia x 0.857 (NA27 pi+)" in b.table() and b.as_dict()["soft_meson_normalisation"] < 1


def test_decay_volume_starts_where_na62_says():
    # "a decay volume beginning 80 m downstream" of the dump [NA62:2023dpmumu]: the default window starts within
    # 2 m of that (NA62's fiducial volume, 105 m, is inside the vessel that begins at ~103 m)
    ref = reference_yields()["selection"]["decay_volume_start_m"]["value"]
    z1 = BeamDumpSetup().decay_volume[0]
    assert ref <= z1 < ref + 2.0


def test_unchecked_factors_are_the_stated_gaps():
    # trigger and selection efficiencies: not published in the material available. The default keeps A_trig = 1,
    # which the gap entries state; a number there would have to replace this default.
    sel = reference_yields()["selection"]
    assert sel["trigger_efficiency"]["status"] == "gap" and sel["trigger_efficiency"]["value"] is None
    assert BeamDumpSetup().trigger_efficiency == 1.0


# --- independent checks with a `quantity` (budget_checks.check_quantity): each against kaonportal's own factor ------

def _ref(group, key):
    return reference_yields()[group][key]


def test_heavy_flavour_pairs_per_pot_against_ship_chi():
    # SHiP's chi_bb = 1.6e-7 and chi_cc = 1.7e-3 per pN at 400 GeV/c on molybdenum [SHiP:2019hnlsens]; per p-Cu
    # interaction the pairs per POT are lower by sigma_pN(Mo)/sigma_pN(Cu) = (96/63.5)^0.29 = 0.887 (sigma_inel ~
    # A^0.71, PDG). Tolerance 3%: the exponent 0.71 +- 0.01 moves the expected ratio by 0.4%, the quoted chi to 2 digits.
    from kaonportal.beamdump.budget_checks import qq_pairs_per_pot

    for key, run in (("chi_bb_per_pn", "beauty"), ("chi_cc_per_pn", "charm")):
        e = _ref("heavy_flavour", key)
        assert qq_pairs_per_pot(run) / e["value"] == pytest.approx(e["expected_ratio"], rel=0.03)
        assert e["expected_ratio"] == pytest.approx((95.95 / 63.546) ** -0.29, rel=2e-3)
    # and the B multiplicity per POT the budget prints is these pairs times Pythia's per-pair B count
    assert multiplicity_per_pot("B+") < 2 * qq_pairs_per_pot("beauty")


@pytest.mark.parametrize("key", ["b_fraction_bplus", "b_fraction_bmix"])
def test_pythia_b_meson_fractions_against_the_measured_fragmentation_fractions(key):
    # B mesons per bbbar pair = 2 f(b -> B), f(B+) = f(B0) = 0.408 +- 0.007 at the Z (PDG b-hadron fractions).
    # Tolerance 5%: the measured error (1.7%) plus the energy dependence of f seen between the Z and the Tevatron
    # (~0.34-0.41 for B+ with pT-dependent baryon fractions: a few % on B+ + B0 at low pT).
    from kaonportal.beamdump.budget_checks import qq_pairs_per_pot

    e = _ref("heavy_flavour", key)
    ours = sum(multiplicity_per_pot(s) for s in e["species"]) / qq_pairs_per_pot("beauty")
    assert ours == pytest.approx(e["value"], rel=0.05)


@pytest.mark.parametrize("key, rel", [
    # FORESEE's DarkCast-derived dark-photon c tau table: 4 digits agree below the rho (same formulas, tables to
    # 0.2%); at 1 GeV, above the phi, DarkCast's R ratio and kaonportal's exclusive channels differ: measured 2.4%
    ("dark_photon_ctau_m0.3", 0.005), ("dark_photon_ctau_m0.5", 0.005), ("dark_photon_ctau_m1.0", 0.04),
    # FORESEE's Winkler-based scalar table: 1-2% below the pi pi threshold and in the dispersive pi pi region
    # (portal_formulas: the lepton formula alone is 1-2% below the table at 41 and 201.5 MeV)
    ("dark_scalar_ctau_m0.2015", 0.02), ("dark_scalar_ctau_m0.4964", 0.02),
    # g_agg^2 m^3/(64 pi) [Bauer:2017ris] computed to 3 digits
    ("alp_photon_ctau_m0.1", 0.002),
])
def test_lifetime_against_the_peer_tables(key, rel):
    from kaonportal.models import get_model

    e = _ref("decay_width", key)
    assert float(get_model(e["model"]).ctau_m(e["mass_gev"], e["coupling"])) == pytest.approx(e["value"], rel=rel)


def test_scalar_lifetime_at_the_kk_threshold_is_a_stated_disagreement():
    # at 1.023 GeV (K Kbar threshold, f0(980)) kaonportal's c tau is 11% above FORESEE's table: the budget states it
    from kaonportal.beamdump.budget_checks import _compare_quantity
    from kaonportal.models import get_model

    e = _ref("decay_width", "dark_scalar_ctau_m1.023")
    r = float(get_model("dark-scalar").ctau_m(e["mass_gev"], 1.0)) / e["value"]
    assert 1.05 < r < 1.2
    assert "DISAGREES" in _compare_quantity(e, get_model("dark-scalar"))


def test_b_to_k_scalar_width_against_scalar_portal():
    # Gamma(B -> K S)/theta^2 = 1.8899e-13 GeV at m_S = 1 GeV (scalar_portal's own test value [ScalarPortal:2019code]).
    # Measured 3.2% above at every mass (a constant offset: the xi_bs inputs m_t, V_ts V_tb); tolerance 5%.
    from kaonportal.constants import width_gev
    from kaonportal.models import get_model

    e = _ref("decay_width", "b_to_k_scalar_width_m1")
    br = float(get_model("dark-scalar").production_br(e["mass_gev"], 1.0)[e["label"]])
    assert br * width_gev("B+") == pytest.approx(e["value"], rel=0.05)


def test_inclusive_b_to_xs_scalar_against_foresee():
    # 5.6 theta^2 (1 - m^2/m_B^2)^2 [FORESEE:2021code] at m = 1 GeV; same formula, m_B to 5 digits: 0.1%
    from kaonportal.models import get_model

    e = _ref("decay_width", "b_to_xs_scalar_m1")
    br = float(get_model("dark-scalar").production_br(e["mass_gev"], e["coupling"])[e["label"]])
    assert br == pytest.approx(e["value"], rel=1e-3)


def _landsberg(mv, mp, m):
    lam = (mv**2 - mp**2 - m**2) ** 2 - 4 * mp**2 * m**2
    return (lam / (mv**2 - mp**2) ** 2) ** 1.5


@pytest.mark.parametrize("key, v, p", [("omega_pi0_aprime_m0.1", "omega", "pi0"),
                                       ("omega_pi0_aprime_m0.5", "omega", "pi0"),
                                       ("phi_eta_aprime_m0.3", "phi", "eta")])
def test_v_to_p_aprime_against_the_landsberg_form(key, v, p):
    # the check values are (lambda/(m_V^2 - m_P^2)^2)^(3/2) of the point-like V P gamma* vertex [Landsberg:1985tff],
    # computed independently here; the model now uses that form (it carried ALPINIST's (m_V^2 - m^2 - m_P^2)^2
    # lambda^(1/2), 18 % high for omega at 0.5 GeV and 34 % for phi at 0.3 GeV, until this check found it):
    # agreement to the 5-digit rounding of the stored check values
    from kaonportal.beamdump.budget_checks import _compare_quantity, check_quantity
    from kaonportal.models import get_model

    e = _ref("vector_meson_decay", key)
    assert e["value"] == pytest.approx(_landsberg(mass(v), mass(p), e["mass_gev"]), rel=1e-4)
    mdl = get_model("dark-photon", transition_form_factor="none")
    assert check_quantity(e, mdl) / e["value"] == pytest.approx(1.0, rel=1e-4)
    assert "DISAGREES" not in _compare_quantity(e, mdl)


def test_budget_rows_carry_the_new_checks():
    # the explain of a BC1 omega row and of a BC4 B row list these checks under their factors
    from kaonportal.models import get_model

    b = yield_budget(get_model("dark-photon"), 0.3, 1e-6, ["mumu"], n_per_mass=30, seed=2,
                     mechanisms=["omega -> pi0 A'"])
    refs = {f: [c["reference"] for c in s["checks"]] for f, s in b.rows[0]["sources"].items()}
    assert "dark_photon_ctau_m0.3" in refs["br"]
    assert "omega_pi0_aprime_m0.1" in refs["production_factor"]
    assert "[U: not cross-checked]" not in b.table()
    s = yield_budget(get_model("dark-scalar"), 1.0, 1e-8, ["mumu"], n_per_mass=30, seed=2, mechanisms=["B+ -> K+ S"])
    refs = {f: [c["reference"] for c in x["checks"]] for f, x in s.rows[0]["sources"].items()}
    assert {"chi_bb_per_pn", "b_fraction_bplus"} <= set(refs["n_parent_per_pot"])
    assert "b_to_k_scalar_width_m1" in refs["production_factor"]
    assert "chi_cc_per_pn" not in refs["n_parent_per_pot"]


def test_inclusive_b_to_xs_alp_against_foresee_with_the_bc11_convention():
    # 76 g^2 (1 - m^2/m_B^2)^2 [FORESEE:2021code] with g = 8 C_GG/Lambda and C_GG/Lambda = 1/(32 pi^2 f_G) (the
    # alpha_s/(8 pi f_G) BC11 normalisation): computed to 5 digits, tolerance 1e-4. The other normalisation,
    # 1/(4 f_G), would be (2 pi/alpha_s)^2 ~ 5e3 times larger: the check pins the convention.
    from kaonportal.models import get_model

    e = _ref("decay_width", "b_to_xs_alp_m0.5")
    g = 8 * (0.5 * e["coupling"]) / (16 * np.pi**2)
    assert e["value"] == pytest.approx(76 * g**2 * (1 - e["mass_gev"] ** 2 / mass("B+") ** 2) ** 2, rel=1e-4)
    br = float(get_model("alp-gluon").production_br(e["mass_gev"], e["coupling"])[e["label"]])
    assert br == pytest.approx(e["value"], rel=1e-4)


def test_gap_entries_are_shown_as_unchecked_on_their_rows():
    # a factor without an independent number says so on the row it belongs to, and only there
    from kaonportal.models import get_model

    b = yield_budget(get_model("alp-fermion"), 0.5, 1e-3, ["ee"], n_per_mass=30, seed=2, mechanisms=["B+ -> K+ a"])
    checks = b.rows[0]["sources"]["production_factor"]["checks"]
    assert [(c["reference"], c["comparison"]) for c in checks] == [("b_to_k_alp_bc10", "no number: unchecked")]
    b = yield_budget(get_model("dark-photon"), 0.3, 1e-6, ["mumu"], n_per_mass=30, seed=2,
                     mechanisms=["eta -> gamma A'"])
    refs = [c["reference"] for s in b.rows[0]["sources"].values() for c in s["checks"]]
    assert "b_to_k_alp_bc10" not in refs and "chi_bb_per_pn" not in refs


@pytest.mark.parametrize("key", ["hnl_e_ctau_m0.3", "hnl_mu_ctau_m0.4"])
def test_hnl_lifetime_against_alpinist_total_width_tables(key):
    # Majorana c tau = hbar c/(2 Gamma_Dirac) of ALPINIST's tabulated Dirac widths [ALPINIST:2022code]; the research
    # notes' implementation of the same channel formulas agrees with the tables to 1%: tolerance 1% (measured 0.3%)
    from kaonportal.models import get_model

    e = _ref("decay_width", key)
    assert float(get_model(e["model"]).ctau_m(e["mass_gev"], e["coupling"])) == pytest.approx(e["value"], rel=0.01)


def test_ds_to_mu_hnl_against_the_computed_two_body_value():
    # BR(Ds+ -> mu+ N)/U^2 = 0.269 at 1 GeV [Bondarenko:2018hnl], computed with f_Ds = 249.9 MeV, V_cs = 0.975,
    # tau_Ds = 0.5013 ps; given to 3 digits: tolerance 1% (PDG input updates move it by < 0.5%)
    from kaonportal.models import get_model

    e = _ref("decay_width", "ds_to_mu_hnl_m1.0")
    br = float(get_model("hnl-mu").production_br(e["mass_gev"], e["coupling"])[e["label"]])
    assert br == pytest.approx(e["value"], rel=0.01)


@pytest.mark.parametrize("key, measured", [("c_fraction_dplus", 1.153), ("c_fraction_dzero", 0.946),
                                           ("c_fraction_ds", 1.082)])
def test_pythia_d_meson_fractions_against_na62_framework(key, measured):
    # D per c quark from the Pythia tables against the fragmentation fractions of NA62's framework
    # [NA62FW:2019git] (0.246, 0.565, 0.08). Measured ratios 1.15 (D+), 0.95 (D0), 1.08 (Ds): stated by --explain
    # as disagreements (> 5 %), not tuned. Tolerance: the measured value to 1% (a regression guard on the tables),
    # and within the 20 % spread of measured f(c -> D) between e+e- and hadroproduction.
    from kaonportal.beamdump.budget_checks import _compare_quantity, check_quantity

    e = _ref("heavy_flavour", key)
    r = check_quantity(e) / e["value"]
    assert r == pytest.approx(measured, rel=0.01) and abs(r - 1) < 0.2
    assert ("DISAGREES" in _compare_quantity(e, None)) == (abs(r - 1) > 0.05)


@pytest.mark.parametrize("key", ["rho_mixing_gv", "omega_mixing_gv", "phi_mixing_gv"])
def test_vector_mixing_couplings_against_the_measured_electron_widths(key):
    # theta_V ~ e/g_V: g_V of the mixing (FORESEE's 5, 17, -12.88) against the VMD value from the measured
    # Gamma(V -> e+ e-) = 4 pi alpha^2 m_V/(3 g_V^2) (PDG widths). The recomputation below checks the stored value;
    # kaonportal's couplings agree within 5 % (measured: rho 0.9 %, omega 3 %, phi 4 %: theta^2 within 8 %), the
    # size of the Gamma_ee errors (1-3 %) and of the alpha(m_V) vs alpha(0) choice (~2 % on g_V) together.
    from kaonportal.beamdump.budget_checks import check_quantity
    from kaonportal.beamdump.mixing import theta2_vector

    e = _ref("vector_meson_decay", key)
    gamma_ee = {"rho0": 7.04e-6, "omega": 0.641e-6, "phi": 1.263e-6}[e["meson"]]
    alpha = 1 / 137.036
    assert e["value"] == pytest.approx(np.sqrt(4 * np.pi * alpha**2 * mass(e["meson"]) / (3 * gamma_ee)), rel=2e-3)
    assert check_quantity(e) == pytest.approx(e["value"], rel=0.05)
    # and that g_V is the one in theta_V^2 = eps^2 e^2/g_V^2 m_V^2/(m_V^2 + Gamma_V^2) at m -> 0
    from kaonportal.constants import width_gev

    bw = 1 / (1 + (width_gev(e["meson"]) / mass(e["meson"])) ** 2)
    assert float(theta2_vector(e["meson"], 1e-4, 1.0)) == pytest.approx(
        4 * np.pi * alpha / check_quantity(e) ** 2 * bw, rel=1e-3)
