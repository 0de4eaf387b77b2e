"""LNV/LFV counting searches: phase-space acceptance from the simulation, SES from the exposure
calibrated on the published K+ -> pi+ mu+ mu- yield, validation against the published limits."""

import math

import pytest

from kaonportal.analyses.agreement import band_note
from kaonportal.analyses.searches.lnv import (LnvConfig, candidate_pid_column, check_lnv_inputs, default_channels,
                                              kaon_decays_per_year, lnv_limits, lnv_section, year_fraction)
from kaonportal.errors import InputError

N_SIM = 3000


@pytest.fixture(scope="module")
def rows():
    return {r["decay"]: r for r in lnv_limits(LnvConfig(), "na62-2022", seed=2, n_sim=N_SIM)}


def _one(decay, **kw):
    chans = [c for c in default_channels() if c.decay == decay]
    return lnv_limits(LnvConfig(channels=chans, **kw), "na62-2022", seed=2, n_sim=N_SIM)[0]


def test_nine_channels_with_published_limits(rows):
    assert len(rows) == 9
    assert {"K+ -> pi- mu+ mu+", "K+ -> mu- nu e+ e+", "K+ -> pi0 pi+ mu+ e-"} <= set(rows)
    for r in rows.values():
        assert 0.0 < r["acceptance"] < 1.0
        # SES = 1 / (E f_years A), E = 2.8e4 / (9.15e-8 A_sim(pi+ mu+ mu-)) (PR A3, JHEP 11 (2022) 011)
        assert r["ses"] == pytest.approx(1.0 / (r["exposure"] * r["year_fraction"] * r["acceptance"]))
        assert r["published_ul"] > 0


def test_exposure_from_published_pimumu_yield(rows):
    from kaonportal.analyses.searches.lnv import exposure
    ex = exposure(LnvConfig(), "na62-2022", seed=2, n_sim=N_SIM)
    assert ex["exposure"] == pytest.approx(2.8e4 / (9.15e-8 * ex["acceptance"]))
    # N_K x efficiencies must be below the K+ decays of 2017-2018 (~3.9e12, S003 + S004) and not absurdly
    # small: the published pnn-like efficiencies beyond geometry are O(10%) (trigger x PID x timing)
    n_k = kaon_decays_per_year()[2017] + kaon_decays_per_year()[2018]
    assert 0.03 * n_k < ex["exposure"] < n_k
    # PLB 797 used 2017 data only: 2e12 of the 3.879e12 K+ decays of 2017-2018 (inputs/kaon_decays_per_year)
    assert rows["K+ -> pi- mu+ mu+"]["year_fraction"] == pytest.approx(2.0e12 / 3.879e12)
    assert year_fraction([2016, 2017, 2018], [2017, 2018]) == pytest.approx(4.0e12 / 3.879e12)


@pytest.mark.parametrize("decay", ["K+ -> pi- mu+ mu+", "K+ -> pi- e+ e+", "K+ -> pi- mu+ e+", "K+ -> pi+ mu- e+",
                                   "K+ -> mu- nu e+ e+"])
def test_three_track_limits_against_published(rows, decay):
    # Published 90% CL limits: PR A4 (PLB 797 (2019) 134794; PLB 830 (2022) 137172; PRL 127 (2021) 131802;
    # PLB 838 (2023) 137679). Expected (median) / published must lie in [0.1, 1]:
    # * the published numbers are OBSERVED limits with backgrounds and counts not found (except mu nu e e):
    #   for b ~ 1 and n ~ 1-2 an observed limit is 1.7-2.3x the background-free one used here (x0.4-0.6);
    # * the exposure carries the efficiencies of pi+ mu+ mu- (di-muon trigger, its PID): the electron
    #   trigger lines, three-track PID and the LNV kinematic cuts are not modelled (x0.5-2);
    # * SM pi+ mu+ mu- is generated with phase space, not its form factor (acceptance, x0.8-1.2).
    # The stand-in it replaces (card N_K 2.85e12 with geometric acceptance) gave 0.045-0.065 here.
    r = rows[decay]
    assert 0.1 < r["ratio_expected_to_published"] < 1.0


def test_pi_pi0_ee_against_published(rows):
    # K+ -> pi- pi0 e+ e+: the published limit is the paper's 8.5e-10 (PLB 830 (2022) 137172 abstract), not the
    # 8.5e-11 misprinted in the S004 proceedings table (which gave 1.13 here, n_sim 3000, seed 2). Against the
    # paper: ~0.1 (x9-10 stronger): the causes of the three-track channels (x0.5-2 each: background-free
    # pseudo-data, electron trigger, PID and kinematic cuts not modelled) plus the paper's pi0 cuts. Window
    # [0.05, 0.3]: those factors around the measured 0.105 (n_sim 4000, seed 0).
    r = rows["K+ -> pi- pi0 e+ e+"]
    assert r["published_ul"] == pytest.approx(8.5e-10)
    assert 0.05 < r["ratio_expected_to_published"] < 0.3
    assert r["agreement"].startswith("disagree (x") and "stronger than published" in r["agreement"]


def test_agreement_is_stated_by_rule(rows):
    # issue #12 item 5: every channel states published_ratio and agreement, decided by the rule of
    # analyses.searches.agreement (published limit inside the expected +-2 sigma band), with a reason
    for r in rows.values():
        band = (r["expected_limit"]["minus2"], r["expected_limit"]["plus2"])
        inside = band[0] <= r["published_ul"] <= band[1]
        assert r["published_ratio"] == pytest.approx(r["expected_limit"]["median"] / r["published_ul"])
        assert r["agreement"] == "agree" if inside else r["agreement"].startswith("disagree (x")
        if not inside:
            assert "not found" in r["agreement"]        # the reason names the unchecked inputs


@pytest.mark.parametrize("decay", ["K+ -> pi0 pi- mu+ e+", "K+ -> pi0 pi+ mu- e+", "K+ -> pi0 pi+ mu+ e-"])
def test_pi0_channels_against_published(rows, decay):
    # arXiv:2409.12981 (PR A4). The pi0 -> gamma gamma is now reconstructed (selection lnv-3track-pi0: two
    # LKr clusters > 1 GeV, > 100 mm from the candidate, |m_gg - m_pi0| < 5.7 MeV = 3 sigma): it keeps ~1/3 of
    # the three-track decays, so expected/published rose by ~3, from 0.047-0.066 (three-track only) to
    # 0.13-0.19 (n_sim 3000, seed 2; 0.14-0.19 with 20000). Stated window: that of the three-track channels
    # above, [0.1, 1], for the same reasons, widened down to 0.07 because the pi0 side is still optimistic
    # (x0.7-1): clusters merging with the two other tracks' clusters, cluster timing and the published
    # pi0 cuts are not modelled (acceptance too high, limit too strong). The old factor 2-5 is now measured.
    assert 0.07 < rows[decay]["ratio_expected_to_published"] < 1.0


def test_pi0_reconstruction_only_in_the_pi0_channels(rows):
    # the pi0 channels without the pi0 cuts (pi0_channels empty: lnv-3track) against the default rows
    plain = lnv_limits(LnvConfig(channels=[c for c in default_channels() if c.decay == "K+ -> pi0 pi+ mu- e+"],
                                 pi0_channels=[]), "na62-2022", seed=2, n_sim=N_SIM)[0]
    with_pi0 = rows["K+ -> pi0 pi+ mu- e+"]
    # same events (extra columns do not change the sample seed): two LKr photons in the m_gg window for
    # 25-45% of the three-track decays (34% measured with 30000 events: LAV / LKr hole / track merging)
    assert 0.25 < with_pi0["acceptance"] / plain["acceptance"] < 0.45
    # the channels without a pi0 keep the three-track selection
    assert rows["K+ -> pi- mu+ e+"]["acceptance"] > 3.0 * with_pi0["acceptance"]


def test_background_free_limit_is_poisson(rows):
    r = rows["K+ -> pi- mu+ mu+"]
    # zero background, zero observed: 90% CL CLs limit = -ln(0.1) signal events (Poisson); the SES error
    # (simulation statistics, 2.8e4 candidates) widens it slightly
    assert r["observed"] == 0 and r["background"] == 0
    assert r["expected_limit"]["median"] == pytest.approx(-math.log(0.1) * r["ses"], rel=0.02)


def test_published_inputs_used_for_kmunuee(rows):
    r = rows["K+ -> mu- nu e+ e+"]
    assert r["background"] == 0.26 and r["observed"] == 0 and r["observed_origin"] == "published"


def test_expected_limit_scales_with_sample_size():
    a = _one("K+ -> pi- e+ e+")
    b = _one("K+ -> pi- e+ e+", n_k_scale=4.0)
    # background-free channel: the limit scales exactly as 1/N_K
    assert b["expected_limit"]["median"] / a["expected_limit"]["median"] == pytest.approx(0.25, rel=1e-6)
    # with background (mu nu e e: 0.26 -> 1.04 events) the gain is less than 1/N but more than 1/sqrt(N)
    a = _one("K+ -> mu- nu e+ e+")
    b = _one("K+ -> mu- nu e+ e+", n_k_scale=4.0)
    ratio = b["expected_limit"]["median"] / a["expected_limit"]["median"]
    assert 0.26 < ratio < 0.5


def test_injected_signal_is_covered_and_raises_the_limit():
    # 12 signal events injected on 0.26 background (K+ -> mu- nu e+ e+): Poisson(12.26) pseudo-data; the
    # 90% CL observed limit must cover the injected BR (fixed seed; coverage failure rate <= 10%) and lie
    # well above the background-only expected limit
    r = _one("K+ -> mu- nu e+ e+", inject={"K+ -> mu- nu e+ e+": 12.0})
    assert r["observed"] >= 5 and r["observed_origin"].startswith("pseudo-data (background + 12")
    assert r["observed_limit"] > r["injected_br"]
    assert r["observed_limit"] > 2.5 * r["expected_limit"]["median"]
    with pytest.raises(InputError, match="inject"):
        _one("K+ -> mu- nu e+ e+", inject={"K+ -> pi- e+ e+": 3.0})


def test_explicit_n_k_mode():
    r = _one("K+ -> pi- mu+ mu+", n_k=1e12, eps_trig=0.5)
    assert r["n_k"] == 1e12 and r["normalisation"].startswith("explicit")
    assert r["ses"] == pytest.approx(1.0 / (1e12 * 0.5 * r["acceptance"]))


def test_section_outputs(tmp_path):
    r = lnv_section(tmp_path, seed=2, quick=True, config={"n_sim": 2000, "channels": [c.model_dump() for c in default_channels()[:2]]})
    text = (tmp_path / "curves" / "lnv_limits.csv").read_text()
    assert text.startswith("# what:") and "K+ -> pi+ mu+ mu- candidates" in text and "not found" in text
    assert (tmp_path / "plots" / "lnv_limits.png").is_file() and len(r["channels"]) == 2
    # the disagreement with NA62 is stated in the curve header and as a column, not only in summary.json
    assert "# input: " + band_note("NA62 (K+ -> pi- mu+ mu+)", "disagree (x") in text
    assert "published_ratio" in text.splitlines()[[i for i, ln in enumerate(text.splitlines())
                                                   if not ln.startswith("#")][0]]
    # item 3: the 2016-18 card of the LNV data unless the run overrides it, recorded with its origin
    assert r["card"] == "na62-2018" and "data-period default" in r["card_origin"]
    assert "card na62-2018" in r["data_used"] and r["dataset"].startswith("NA62 2016-2018")


def test_bad_inputs():
    assert candidate_pid_column("K+ -> pi+ mu- e+") == "w_pid_pi"
    with pytest.raises(InputError):
        lnv_limits(LnvConfig(channels=[{"decay": "pi+ -> e+ e+ mu-"}]), "na62-2022", seed=1, n_sim=500)
    with pytest.raises(InputError, match="n_k"):
        lnv_section("unused", config={"n_k": 0})
    with pytest.raises(InputError, match="years"):
        year_fraction([2015], [2017])


def test_user_observed_counts():
    # a user's own count replaces the published one (mu nu e e: 0 observed, PLB 838 (2023) 137679); the
    # limit grows with it (more events, same background) and the other inputs are kept
    r0 = _one("K+ -> mu- nu e+ e+")
    r3 = _one("K+ -> mu- nu e+ e+", observed={"K+ -> mu- nu e+ e+": 3})
    assert r3["observed"] == 3 and r3["observed_origin"] == "config observed" and r3["background"] == 0.26
    assert r3["observed_limit"] > 2 * r0["observed_limit"] and r3["published_ul"] == r0["published_ul"]


@pytest.mark.parametrize("opts,field", [
    ({"observed": {"K+ -> pi+ pi+ pi-": 1}}, "observed"),
    ({"observed": {"K+ -> pi- mu+ mu+": -1}}, "observed"),
    ({"inject": {"K+ -> pi- mu+ mu+": -2.0}}, "inject[K+ -> pi- mu+ mu+]"),
    ({"channels": [{"decay": "K+ -> pi- mu+ mu+", "years": [2030]}]}, "years"),
    ({"channels": [{"decay": "pi+ -> e+ e+ mu-"}]}, "channels[0].decay"),
    ({"selection": "no-such-selection"}, "selection"),
    ({"pi0_selection": "no-such-selection"}, "pi0_selection"),
    ({"pi0_channels": ["K+ -> pi- mu+ mu+"]}, "pi0_channels[0]"),
])
def test_inputs_checked_before_simulation(opts, field):
    from kaonportal.analyses.searches.common import load_search_config
    with pytest.raises(InputError) as exc:
        check_lnv_inputs(load_search_config(LnvConfig, opts))
    assert exc.value.field.startswith(field), exc.value
