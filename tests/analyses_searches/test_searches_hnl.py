"""HNL peak scans: injection, normalisation, SES at the edges, |U|^2 through the models, bad input."""

import math

import numpy as np
import pytest
from scipy.special import erf, ndtri
from scipy.stats import poisson

from kaonportal.analyses.agreement import band_note
from kaonportal.analyses.searches.hnl import (CHANNELS, HnlConfig, background_model, default_n_parent, hnl_scan,
                                              hnl_section, muon_as_electron, muon_dif_pieces, n_parent_lower_bound,
                                              signal_shape, window_background)
from kaonportal.detector import load_card
from kaonportal.constants import mass
from kaonportal.errors import InputError
from kaonportal.published import load_curve

SMALL = dict(n_signal=4000, n_background={"K+ -> e+ N": 20_000, "K+ -> mu+ N": 20_000, "pi+ -> e+ N": 200_000},
             n_normalisation=4000, n_signal_masses=4,
             mass_step={"K+ -> e+ N": 0.004, "K+ -> mu+ N": 0.004, "pi+ -> e+ N": 0.001})


@pytest.fixture(scope="module")
def kmu():
    return hnl_scan("K+ -> mu+ N", HnlConfig(channels=["K+ -> mu+ N"], **SMALL), "na62-2022", seed=5)


@pytest.fixture(scope="module")
def pie():
    return hnl_scan("pi+ -> e+ N", HnlConfig(channels=["pi+ -> e+ N"], **SMALL), "na62-2022", seed=5)


def test_normalisation_recovers_n_parent(pie):
    n = pie["normalisation"]
    # N_pi = 6.5e12 (PR A6, S002) measured back from the Poisson-fluctuated pi+ -> e+ nu peak
    assert n["n_parent_input"] == 6.5e12
    assert n["n_parent_measured"] == pytest.approx(6.5e12, rel=5 * n["n_parent_error"] / 6.5e12)


def test_injected_signal_found_with_expected_significance(kmu):
    # injected signal: 6 sigma of the window background at m0 (the K+ -> mu+ nu gamma background makes it
    # ~1e3 events per window), so that the expected local significance is ~5 whatever the background level
    m0 = 0.300
    j0 = int(np.argmin(abs(kmu["masses_gev"] - m0)))
    n_inj = float(round(6.0 * math.sqrt(kmu["scan"].background[j0]) / erf(1.5 / math.sqrt(2)) + 10.0))
    cfg = HnlConfig(channels=["K+ -> mu+ N"], inject={"K+ -> mu+ N": [m0, n_inj]}, **SMALL)
    r = hnl_scan("K+ -> mu+ N", cfg, "na62-2022", seed=5)
    scan = r["scan"]
    i = int(np.argmax(scan.local_significance))
    # found at the injected mass: within the 4 MeV scan step
    assert abs(math.sqrt(scan.masses[i]) - m0) <= 0.0041
    # expected local significance: p-value of the count n for the window background b (known: the default
    # background uncertainty is zero), z(n) = -ndtri(P(N >= n | b)); the injected count is Poisson and so is
    # the background, n ~ Poisson(b + s eff_window) with eff_window = erf(1.5/sqrt2) (Gaussian fraction in
    # the +-1.5 sigma window). Accepted: z between z(n_0.5%) and z(n_99.5%) of that Poisson law, i.e. a
    # false-alarm rate ~1% for this fixed seed (plus 0.5 in z for the bin/window discreteness).
    j = int(np.argmin(abs(np.sqrt(scan.masses) - m0)))
    b = scan.background[j]
    assert r["background_error"][j] == 0.0
    n_lo, n_hi = poisson.ppf([0.005, 0.995], b + n_inj * erf(1.5 / math.sqrt(2)))
    z_lo, z_hi = (-ndtri(poisson.sf(n - 1, b)) for n in (n_lo, n_hi))
    assert z_lo - 0.5 < scan.local_significance[i] < z_hi + 0.5
    assert scan.local_significance[i] > 3.0
    # without injection no such excess at this mass (same seed)
    assert kmu["scan"].local_significance[j] < 3.0


def test_expected_limit_scales_with_sample_size():
    cfg = dict(channels=["K+ -> mu+ N"], mc_stat_error=False, **SMALL)
    r1 = hnl_scan("K+ -> mu+ N", HnlConfig(**cfg), "na62-2022", seed=5)
    r4 = hnl_scan("K+ -> mu+ N", HnlConfig(n_scale=4.0, **cfg), "na62-2022", seed=5)
    ratio = r4["scan"].expected["median"] / r1["scan"].expected["median"]
    # statistical scaling: between background-free (1/4) and background-dominated (1/2), allowing the
    # discreteness of small counts and the Poisson fluctuation of the measured normalisation (a few %)
    assert np.all((ratio > 0.22) & (ratio < 0.56))
    assert 0.25 < np.median(ratio) < 0.5


def test_mc_statistics_limit_the_gain():
    # with the simulation-statistics error of the background template (relative error independent of N),
    # 4x more data gains less than statistics alone would
    cfg = dict(channels=["K+ -> mu+ N"], mc_stat_error=True, **SMALL)
    r1 = hnl_scan("K+ -> mu+ N", HnlConfig(**cfg), "na62-2022", seed=5)
    r4 = hnl_scan("K+ -> mu+ N", HnlConfig(n_scale=4.0, **cfg), "na62-2022", seed=5)
    ratio = r4["scan"].expected["median"] / r1["scan"].expected["median"]
    assert np.median(ratio) > 0.3
    assert np.all(r1["background_error"] > 0)


def test_ses_at_the_edges_is_physical():
    ch = CHANNELS["K+ -> e+ N"]
    end = ch.kinematic_max
    shape = signal_shape(ch, [0.144, 0.30, 0.462, end - 0.002], 4000, 5, "na62-2022")
    a = shape["acceptance"]
    # acceptance finite at both ends of the published range 144-462 MeV, and falling towards the
    # kinematic endpoint m_K - m_e where the positron is soft (below the 5 GeV/c momentum cut in the lab)
    assert np.all(a[:3] > 0) and a[2] < a[1]
    assert a[3] < 0.2 * a[1]
    assert end == pytest.approx(mass("K+") - mass("e+"))
    assert np.all(shape["sigma_m2"] > 0) and shape["sigma_m2"][2] < shape["sigma_m2"][0]


@pytest.mark.parametrize("channel, inner", [("K+ -> mu+ N", 0.30), ("pi+ -> e+ N", 0.110)])
def test_ses_at_the_edges_other_channels(channel, inner):
    ch = CHANNELS[channel]
    lo, hi = ch.mass_range
    end = ch.kinematic_max
    shape = signal_shape(ch, [lo, inner, hi, end - 0.001], 4000, 5, "na62-2022")
    a = shape["acceptance"]
    # finite acceptance (finite SES) over the published range; at the kinematic endpoint m_P - m_l the
    # lepton is at rest in the parent frame (lab momentum ~ gamma m_l, far below the 5 GeV/c cut): the
    # acceptance collapses, so the SES grows without bound there
    assert np.all(a[:3] > 0)
    assert a[3] < 0.2 * a[1]
    # the m2miss resolution shrinks towards the endpoint (softer lepton, d(m2miss) ~ 2 p_K p_l dtheta)
    assert np.all(shape["sigma_m2"] > 0) and shape["sigma_m2"][2] < shape["sigma_m2"][0]


def test_muon_background_of_positron_mode_is_decays_in_flight():
    # PLB 807 (2020) 135599 as quoted in S004 (section 3, Fig. 3 caption): "Decays to muons contribute via
    # muon decays in flight". Default mu -> e model (RICH x calorimeters/MUV3, inputs/hnl.yaml): mis-identified
    # muons are < 5% of the K+ -> mu+ nu background; with the card placeholder 1e-4 they were ~30%.
    ch = CHANNELS["K+ -> e+ N"]
    kw = dict(n_parent=1e10, n=20_000, seed=5, card="na62-2022", x_range=(0.0, 0.22), forced_decays=True)
    d = background_model(ch, mis_id="rich_x_calo", **kw)
    c = background_model(ch, mis_id="card", **kw)
    src = "K+ -> mu+ nu"
    assert d["misidentified_muons_in_range"][src] < 0.05 * d["per_source_in_range"][src]
    assert c["misidentified_muons_in_range"][src] > 0.15 * c["per_source_in_range"][src]
    # the decay-in-flight part does not depend on the mis-identification model (up to the kernel bandwidth,
    # which depends on all weights of the source: 1e-4 relative here)
    dif_d = d["per_source_in_range"][src] - d["misidentified_muons_in_range"][src]
    dif_c = c["per_source_in_range"][src] - c["misidentified_muons_in_range"][src]
    assert dif_d == pytest.approx(dif_c, rel=1e-3)
    # the binned model (KernelSet.bin_sums, Phi shared by neighbouring bins) is the kernel content of each bin:
    # the same sums as window_background on the bins, to rounding (absolute: a few ulp of the total)
    wb = window_background(d["kernels"], d["edges"][:-1], d["edges"][1:])[0]
    np.testing.assert_allclose(d["counts"], wb, rtol=1e-12, atol=1e-12 * d["kernels"]["w"].sum())
    assert d["counts"].sum() > 0
    with pytest.raises(InputError, match="muon_as_electron"):
        muon_as_electron(load_card("na62-2022"), np.array([20.0]), "lkr")


def test_forced_muon_decays_agree_with_natural_rate(pie):
    # importance sampling of mu+ -> e+ decays in flight (force_decays): the forced estimate of the decayed
    # part must agree with the natural-rate sample (its few decayed events: ~50% error) within 3 sigma,
    # and be much more precise with 4x fewer events (same samples as the pie fixture, memoised)
    from kaonportal.analyses.searches.common import selection_columns, selection_weights
    from kaonportal.selection import load_selection
    ch = CHANNELS["pi+ -> e+ N"]
    sel = load_selection(ch.selection)
    cols = selection_columns(sel, [ch.column, "track_true_pdgid", "p_track"])
    plain, forced = muon_dif_pieces("pi+ -> mu+ nu", SMALL["n_background"]["pi+ -> e+ N"], 5, "na62-2022",
                                    sel.fiducial_z, cols, forced=True)
    est = []
    for p, mult in ((plain, plain["track_decayed"].astype(float)), (forced, forced["_mult"])):
        w, total = selection_weights(sel, {c: p[c] for c in cols})    # per fiducial decay of each sample
        w = w * mult
        est.append((w.sum() / total, math.sqrt(np.sum(w * w)) / total))
    (u, du), (f, df) = est
    assert du > 0 and abs(u - f) < 3 * math.hypot(du, df)
    assert df < 0.05 * f and df < 0.2 * du


def test_ke_normalisation_bound_and_published_curve():
    # Published: NA62 |U_e4|^2 90% CL UL vs m_N, PLB 807 (2020) 135599, HEPData ins1797041 t1 (shipped curve).
    # N_K of that search is NOT found (PR A6). (1) Zero-background bound (D, hnl.n_parent_lower_bound): a 90% CL
    # (CLs) limit needs >= 2.3 signal events, N_K >= 2.3 / (A(m) BR(m, |U|^2_pub(m))) with our simulated A(m)
    # (an over-estimate of NA62's: no GTK matching/trigger/timing losses). The default (all 2017-18 K+ decays,
    # no downscaling) passes it by a large margin (found 570x; required > 100x). The downscaled exposure N_K/400
    # sits at the edge of it (found: the bound is 0.70 x N_K/400 at ~200 MeV): it leaves no room for background.
    n_full = default_n_parent("K+ -> e+ N")[0]
    assert n_full == pytest.approx(2.0e12 + 1.879e12)
    bound = n_parent_lower_bound("K+ -> e+ N", n=4000, seed=5)
    assert np.all(bound["acceptance"] <= 1.0) and bound["s_min"] == pytest.approx(2.302585)
    assert n_full > 100 * bound["n_min"].max()
    assert bound["n_min"].max() > 0.3 * n_full / 400
    # (2) With the simulated background (K+ -> mu+ nu, mu+ -> e+ in flight: the paper's muon background, S004
    # section 3; K+ -> pi0 e+ nu) N_K/400 gives 1e2-1e4 background events per window: even the -2 sigma
    # expected band stays > 3x above the published curve (median over masses; found 8x), so a downscaled trigger
    # cannot give the published limit. With the default N_K the median expected limit lies within a factor 3
    # of the published curve (found 0.78 at this seed/statistics, 0.70 with the default statistics): the
    # published curve is an observed limit (36% rms point-to-point fluctuation in ln), and the positron ID,
    # lepton momentum range and missing inefficiencies are placeholders (D); the background is
    # statistics-dominated, so the limit moves as N_K^-1/2 (checked to 15%).
    c = load_curve("NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData")
    med, minus2 = {}, {}
    for label, n in (("default", n_full), ("downscaled", n_full / 400)):
        extra = {} if label == "default" else {"n_parent": {"K+ -> e+ N": n}}
        r = hnl_scan("K+ -> e+ N", HnlConfig(channels=["K+ -> e+ N"], **SMALL, **extra), "na62-2022", seed=5)
        pub = np.interp(r["masses_gev"], c.mass_gev, c.limit)
        med[label] = float(np.median(r["u2"]["median"] / pub))
        minus2[label] = float(np.median(r["u2"]["minus2"] / pub))
        assert r["n_parent_input"] == pytest.approx(n)
    assert 1.0 / 3.0 < med["default"] < 3.0
    assert minus2["downscaled"] > 3.0
    assert med["downscaled"] / med["default"] == pytest.approx(math.sqrt(400.0), rel=0.15)


def test_kmu_normalisation_bound():
    # The same zero-background bound for K+ -> mu+ N (PLB 816 (2021) 136259, shipped HEPData curve): the
    # downscaled control-trigger exposure (2016-18 K+ decays / 400 = 1.0e10, default, D) satisfies it with a
    # wide margin (found 17x; required > 5x), so the muon search may well have used the downscaled trigger.
    n = default_n_parent("K+ -> mu+ N")[0]
    assert n == pytest.approx((1.21e11 + 2.0e12 + 1.879e12) / 400)
    bound = n_parent_lower_bound("K+ -> mu+ N", n=4000, seed=5)
    assert n > 5 * bound["n_min"].max()
    with pytest.raises(InputError, match="s_min"):
        n_parent_lower_bound("K+ -> mu+ N", [0.3], n=1000, s_min=0.0)
    with pytest.raises(InputError, match="masses"):
        n_parent_lower_bound("K+ -> mu+ N", [0.1], n=1000)


def test_kmu2g_dominates_the_muon_mode_background(kmu):
    # E949 (PRD 91 (2015) 052001, abstract): the radiative K+ -> mu+ nu gamma decay is the major background of
    # K+ -> mu+ nu_H. Simulated IB above 10 MeV with the photon-veto weight: it must dominate the HNL scan range
    # over K+ -> pi0 mu+ nu and K+ -> pi+ pi0 (found 10x); the accidental beam-track copies are O(p_mis) = 1.7%
    # of their source (they change the m2miss of events that mostly stay outside the range).
    src = kmu["background_per_source_in_range"]
    assert src["K+ -> mu+ nu gamma"] > 3 * (src["K+ -> pi0 mu+ nu"] + src["K+ -> pi+ pi0"] + src["K+ -> mu+ nu"])
    acc = src["K+ -> mu+ nu gamma [accidental beam track]"]
    assert 0 < acc < 0.05 * src["K+ -> mu+ nu gamma"]
    assert kmu["mismatch"] == pytest.approx(0.013 * 600 / 450)


def test_expected_umu4_against_published_curve(kmu):
    # Published: NA62 |U_mu4|^2 UL, PLB 816 (2021) 136259, HEPData ins1843945 (shipped). With the K+ -> mu+ nu
    # gamma background (and accidental beam tracks) the expected limit at the default N_K (2016-18 / 400, D) is
    # found 0.55-0.68x the published curve (median over masses; 0.68 with the default statistics). Stated
    # factor [0.3, 1.5]: below 1 is expected since the simulation still lacks beam-halo / upstream muons and
    # non-Gaussian K_mu2 tails (its background is a subset of the real one); 0.3 allows for them and for the
    # N_K placeholder (limit ~ N_K^-1/2); 1.5 covers the observed-limit fluctuation of the published median.
    c = load_curve("NA62_2021_Kp_to_muN_Umu4sq_90CL_HEPData")
    ratio = kmu["u2"]["median"] / np.interp(kmu["masses_gev"], c.mass_gev, c.limit)
    assert 0.3 < np.median(ratio) < 1.5


def test_u2_through_model_matches_shrock(pie):
    # far below the lifetime limit the |U|^2 limit is BR_UL / (BR(pi -> e nu) rho_e(m)) (Shrock)
    from kaonportal.models.hnl import shrock_factor
    m = pie["masses_gev"]
    br = pie["scan"].expected["median"]
    rho = shrock_factor(m, mass("pi+"), mass("e+"))
    from kaonportal.constants import BR_PI
    assert pie["u2"]["median"] == pytest.approx(br / (BR_PI["pi+ -> e+ nu"] * rho), rel=1e-3)


def test_expected_ue4_for_published_normalisation(pie):
    # Published: |U_e4|^2 at the 1e-8 level for 95-126 MeV (arXiv:2507.07345, PR A6; digitised curve shipped).
    # With the published normalisation N_pi = 6.5e12 (S002) and the dominant background pi+ -> mu+ nu,
    # mu+ -> e+ nu nubar in flight from the simulation, the expected limit is ~0.25 of the published one: the
    # fast simulation has no pnn-trigger inefficiency for beam pions ("limited efficiency", PR A6, value not
    # found) and placeholder PID. Stated factor: expected/published within [0.1, 1] (median over masses).
    c = load_curve("NA62_2025_pip_to_eN_Ue4sq_90CL_digitized")
    pub = np.interp(pie["masses_gev"], c.mass_gev, c.limit)
    ratio = float(np.median(pie["u2"]["median"] / pub))
    assert 0.1 < ratio < 1.0


def test_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="masses"):
        hnl_scan("K+ -> e+ N", HnlConfig(masses={"K+ -> e+ N": [0.1, 0.2]}, **SMALL), "na62-2022", seed=1)
    with pytest.raises(InputError, match="channels"):
        hnl_scan("K+ -> tau+ N", HnlConfig(**SMALL), "na62-2022", seed=1)
    with pytest.raises(InputError, match="muon_as_electron"):
        hnl_section(tmp_path, config={"muon_as_electron": "lkr"})
    with pytest.raises(InputError, match="muon_as_electron"):
        hnl_section(tmp_path, config={"muon_as_electron": 2.0})
    with pytest.raises(InputError, match="cards"):
        hnl_section(tmp_path, config={"cards": {"K+ -> tau+ N": "na62-2018"}})
    with pytest.raises(InputError, match="accidentals"):
        hnl_section(tmp_path, config={"accidentals": ["pi+ -> e+ N"]})
    p = tmp_path / "cand.csv"
    p.write_text("mass\n0.1\n")
    with pytest.raises(InputError, match="no column 'm2miss_e'"):
        hnl_scan("pi+ -> e+ N", HnlConfig(candidates_file={"pi+ -> e+ N": str(p)}, **SMALL), "na62-2022", seed=1)


def test_section_writes_curves(tmp_path):
    r = hnl_section(tmp_path, seed=5, quick=True, config={"channels": ["pi+ -> e+ N"], **SMALL})
    text = (tmp_path / "curves" / "hnl_pip_eN_U2.csv").read_text()
    assert "# what: upper limit on |U_e4|^2" in text
    assert (tmp_path / "plots" / "hnl_pip_eN_U2.png").is_file()
    assert r["channels"]["pi+ -> e+ N"]["n_parent_input"] == 6.5e12
    # per-channel cards (inputs/hnl.yaml): the K+ searches use their 2016-18 card, pi+ -> e+ N the run's card
    assert HnlConfig().cards == {"K+ -> e+ N": "na62-2018", "K+ -> mu+ N": "na62-2018"}
    assert r["channels"]["pi+ -> e+ N"]["card"] == "na62-2022" and r["channels"]["pi+ -> e+ N"]["mismatch"] == 0.0
    assert "not found" in text and "mu+ -> e+" in text
    # issue #12 item 5: the ratio to the NA62 2025 curve is stated with a rule-based agreement flag, in the
    # summary and in the curve header (expected ~4x stronger than published: a disagreement with its reason)
    e = r["channels"]["pi+ -> e+ N"]
    # same median over masses as the older key median_ratio_expected_to_published
    assert e["published_ratio"] == pytest.approx(e["median_ratio_expected_to_published"], rel=1e-9)
    # stated disagreement (closing notes: expected 0.17-0.24x the published curve): pinned, with its reason
    assert e["published_ratio"] < 0.5
    assert e["agreement"].startswith("disagree (x") and "stronger than published" in e["agreement"]
    assert "trigger" in e["agreement"]
    assert band_note(CHANNELS['pi+ -> e+ N'].published[0], e['agreement']) in text
    # item 3: pi+ -> e+ N (2017-24 data) runs with na62-2022 without a run card; a run override applies to it
    assert "data-period default" in e["card_origin"] and "card na62-2022" in e["data_used"]
