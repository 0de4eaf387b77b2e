"""Pile-up, random veto and times (kaonportal.simulation.pileup, kaonportal.detector.timing)."""

import math

import numpy as np
import pytest

from kaonportal.detector import load_card
from kaonportal.detector.card import card_from_dict
from kaonportal.detector.timing import TIME_COLUMNS, TimeResolutions
from kaonportal.errors import InputError
from kaonportal.simulation import pileup as P
from kaonportal.simulation import simulate

CARD = load_card("na62-2022")


@pytest.fixture(scope="module")
def lib():
    return P.build_library(CARD, seed=11)


def test_gtk_multiplicity_is_poisson_rate_times_window():
    # in-time accidental GTK tracks: Poisson with mean R (1 - ineff)^3 2W (rate in MHz x ns x 1e-3)
    n = 200_000
    track = {k: np.full(n, v) for k, v in (("track_x_straw1", 0.3), ("track_y_straw1", 0.0),
                                            ("track_dxdz", 1e-3), ("track_dydz", 0.0))}
    n_in, _ = P.kpi_matching(CARD, n, np.random.default_rng(5), track)
    mu = P.gtk_accidental_mean(CARD)
    assert mu == pytest.approx(600.0 * 0.96 ** 3 * 1e-3 * 2 * 0.5)
    # arrivals are smeared by the time resolution before the window cut: the mean is preserved up to the
    # edge effect, which is zero for a uniform arrival density; 5 standard errors of the sample mean
    se = math.sqrt(mu / n)
    assert n_in.mean() == pytest.approx(mu, abs=5 * se)
    # Poisson: variance = mean; the sample variance has Var(s^2) = (mu_4 - sigma^4)/n = (mu + 2 mu^2)/n for a
    # Poisson law (mu_4 = mu + 3 mu^2): 5 of its standard errors (0.4% of mu here)
    assert n_in.var() == pytest.approx(mu, abs=5 * math.sqrt((mu + 2 * mu * mu) / n))


def test_random_veto_monte_carlo_agrees_with_closed_form(lib):
    n = 100_000
    _, passed = P.overlay_random_veto(CARD, n, np.random.default_rng(3), lib)
    exact = P.analytic_random_veto(CARD, lib)
    # the closed form ignores the time smearing where one accidental has several vetoing hits: measured with
    # 2 x 400k overlaid events, it exceeds the overlay by 0.001 (1.3 and 2.3 binomial standard errors); allow
    # 0.002 for it plus 5 binomial standard errors (0.0012 each)
    se = math.sqrt(exact * (1 - exact) / n)
    assert passed.mean() == pytest.approx(exact, abs=0.002 + 5 * se)


def test_random_veto_2021_22_against_published(lib):
    # published eps_RV (63.2 +- 0.6)% for 2021-22 [S000, JHEP25]. The model is NOT tuned to it. Its vetoes are the
    # pnn cuts read from the analysis code: LKr photon rejection windows by cluster energy (5 ns below 1 GeV,
    # 5/15/70 sigma_t(E) above; PhotonRejectionLKr.cc), multiplicity NewCHOD-CHOD (+-5 ns) and LKr-CHOD
    # (-7..+10 ns) coincidences, HASC, MUV0 (MultiplicitySelection.cc), LAV, IRC, SAC (PhotonRejection.cc). With
    # them it predicts 0.66 (0.81 with 3 sigma_t LKr windows and a +-3 ns CHOD veto). It still leaves out sources
    # NA62 has (hadronic showers of pions in the LKr, extra STRAW tracks, halo muons in the LAV, beam interactions
    # downstream of the GTK: no rate for them in the reference) and its halo rate (4 MHz in the CHOD, 0.068 of the
    # 0.41 expected vetoing accidentals) is D, so it predicts more survival than published. The test pins what is
    # known: the prediction lies between the published value and 1, and the ratio stays at the documented
    # discrepancy (1.05; +-0.03 covers the library's statistical error, ~0.3%, and small model changes; a larger
    # move must be explained).
    eps = P.analytic_random_veto(CARD, lib)
    assert 0.632 < eps < 1.0
    assert eps / 0.632 == pytest.approx(1.05, abs=0.03)
    # and the remaining difference is STATED where the number is shown (issue 15 F2): the registry entry of area
    # pileup classifies it with the validation rule, and that check (status, ratio, note) is what `kaonportal
    # pileup`, the pnn summary ("intensity") and the projection table print
    from kaonportal.analyses.intensity import random_veto_check
    from kaonportal.validation.rule import classify
    check = random_veto_check("na62-2022", eps)
    assert check["published"] == 0.632 and check["ratio"] == pytest.approx(eps / 0.632)
    assert check["status"] == classify(eps, None, 0.632, 0.006, 0.006, {"relative": 0.05})["status"]
    assert check["status"] in ("tension", "disagree")      # 0.006 published error: 4-5 sigma away, never agree
    assert check["status"] in check["note"] and "not tuned" in check["note"]


def test_vetoing_rows_are_scanned_once_per_library(lib):
    v = P._vetoing(CARD, lib, "K+")
    assert P._vetoing(CARD, lib, "K+") is v                   # cached, not rescanned per block (overlay_random_veto)
    first = v.rows
    cols = [j for j, d in enumerate(P.HIT_DETECTORS) if d in CARD.pileup.veto_detectors]
    np.testing.assert_array_equal(first, np.flatnonzero(lib.hits["K+"][:, cols].any(axis=1)))


def test_random_veto_breakdown_names_the_sources(lib):
    b = P.random_veto_breakdown(CARD, lib)
    assert set(b) == set(P.SPECIES)
    assert set(b["K+"]) == set(CARD.pileup.veto_detectors)
    # protons leave only GTK interactions (CHANTI); a halo muon crosses the CHOD and the LKr (MUV3 is not a veto
    # detector): the LKr-CHOD coincidence, the widest of its windows, sets its veto
    assert sum(b["p"].values()) == pytest.approx(b["p"]["chanti"])
    assert b["halo"]["lkr_chod"] == pytest.approx(CARD.pileup.halo_rate_mhz * 1e-3 * 2 * CARD.pileup.window_lkr_chod_ns)
    assert sum(b["halo"].values()) == pytest.approx(b["halo"]["lkr_chod"])
    assert math.exp(-sum(sum(v.values()) for v in b.values())) == pytest.approx(P.analytic_random_veto(CARD, lib))


def test_lkr_window_follows_the_pnn_energy_bands():
    # [FW PhotonRejectionLKr.cc]: |dt| < 5 ns below 1 GeV, < 5 sigma_t(E) at 1-2 GeV, < 15 sigma_t(E) at 2-15 GeV,
    # < 70 sigma_t(E) above 15 GeV; no cluster (E = 0): no window
    res = TimeResolutions.from_card(CARD)
    e = np.array([0.0, 0.6, 1.0, 1.99, 2.0, 14.9, 15.0, 40.0])
    k = np.array([0, 0, 5, 5, 15, 15, 70, 70])
    want = np.where(e < 1.0, 5.0, k * res.lkr(e))
    want[0] = 0.0
    np.testing.assert_allclose(P.lkr_window(CARD, res, e), want, rtol=1e-12)
    # the overlay window covers the widest one (70 sigma_t(15 GeV) = 42 ns) with margin
    assert P.overlay_half_window(CARD, res) >= 70 * res.lkr(15.0) + 5.0


def test_charged_accidentals_leave_lkr_and_lkr_chod_hits(lib):
    j_lkr, j_lc = P.HIT_DETECTORS.index("lkr"), P.HIT_DETECTORS.index("lkr_chod")
    j_chod = P.HIT_DETECTORS.index("chod")
    # every halo muon: CHOD, LKr (MIP-like cluster) and their coincidence
    h = lib.hits["halo"]
    assert h[:, j_lkr].all() and h[:, j_lc].all() and h[:, j_chod].all()
    assert np.all(lib.lkr_energy["halo"] == P.LKR_MIP_ENERGY)
    # a coincidence needs both hits; accidental K+ decays produce it (their pi+/mu+ in the spectrometer
    # acceptance reach the LKr): a few % of the kaons at least (K decay fraction GTK3-LKr ~25%, x ~0.3)
    k = lib.hits["K+"]
    assert not np.any(k[:, j_lc] & ~(k[:, j_lkr] & k[:, j_chod]))
    assert 0.02 < k[:, j_lc].mean() < 0.25
    # protons never decay
    assert not lib.hits["p"][:, j_lc].any()


def test_random_veto_falls_monotonically_with_intensity(lib):
    eps = [P.analytic_random_veto(P.scaled_card(CARD, x), lib) for x in (0.25, 0.5, 1, 2, 3, 4)]
    assert all(b < a for a, b in zip(eps, eps[1:]))
    # Poisson pile-up: eps(x) = eps(1)^x
    assert eps[-1] == pytest.approx(eps[2] ** 4, rel=1e-12)


def test_intensity_scale_moves_beam_and_halo():
    c = P.scaled_card(CARD, 2.0)
    assert c.run_conditions.beam_rate_mhz == 1200.0 and c.pileup.halo_rate_mhz == 2 * CARD.pileup.halo_rate_mhz
    assert P.ktag_accidental_probability(c) > P.ktag_accidental_probability(CARD)
    assert CARD.run_conditions.beam_rate_mhz == 600.0      # the original is untouched


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "2"])
def test_bad_intensity_scale(bad):
    with pytest.raises(InputError, match="intensity_scale"):
        P.scaled_card(CARD, bad)


@pytest.mark.parametrize("field,value", [("halo_rate_mhz", -1.0), ("halo_rate_mhz", float("nan")),
                                         ("window_lav_ns", 0.0), ("readout_half_window_ns", float("nan")),
                                         ("window_lkr_chod_ns", -1.0), ("lkr_window_low_ns", 0.0)])
def test_bad_pileup_card_values(field, value):
    d = CARD.model_dump(exclude={"source"})
    d["pileup"][field] = value
    with pytest.raises(InputError, match=f"pileup.{field}"):
        card_from_dict(d)


@pytest.mark.parametrize("field,value", [("lkr_window_energies_gev", [2.0, 1.0, 15.0]),
                                         ("lkr_window_sigmas", [5.0, float("nan"), 70.0]),
                                         ("lkr_window_sigmas", [5.0, 15.0])])
def test_bad_lkr_window_bands(field, value):
    d = CARD.model_dump(exclude={"source"})
    d["pileup"][field] = value
    with pytest.raises(InputError, match="pileup"):
        card_from_dict(d)


def test_bad_time_resolution():
    d = CARD.model_dump(exclude={"source"})
    d["resolution"]["lav_time_ns"] = -0.1
    with pytest.raises(InputError, match="resolution.lav_time_ns"):
        card_from_dict(d)


def test_lkr_time_resolution_formula():
    res = TimeResolutions.from_card(CARD)
    e = np.array([1.0, 4.0, 25.0])
    assert np.allclose(res.lkr(e), 0.56 + 1.53 / e - 0.233 / np.sqrt(e))


def _same(a, b):
    assert a.column_names == b.column_names
    for name in a.column_names:      # NaN-aware (pyarrow's Table.equals treats NaN as unequal to itself)
        np.testing.assert_array_equal(a.column(name).to_numpy(zero_copy_only=False),
                                      b.column(name).to_numpy(zero_copy_only=False), err_msg=name)


EXTRA = ("t_ktag_ns", "t_rich_ns", "t_lkr_ns", "n_pileup_gtk", "kpi_accidental_match", "kpi_mismatch",
         "random_veto_pass")


def test_optional_time_and_pileup_columns_chunking_and_default_unchanged():
    n = 70_000          # two blocks
    a = simulate("K+ -> pi+ pi0", n, 9, CARD, chunk_blocks=1, extra_columns=EXTRA).events
    b = simulate("K+ -> pi+ pi0", n, 9, CARD, chunk_blocks=4, workers=2, extra_columns=EXTRA).events
    _same(a, b)
    plain = simulate("K+ -> pi+ pi0", n, 9, CARD, chunk_blocks=4).events
    _same(plain, a.select(plain.column_names))
    t = a["t_rich_ns"].to_numpy(zero_copy_only=False)
    seen = a["in_rich"].to_numpy() & np.isfinite(a["p_track"].to_numpy(zero_copy_only=False))
    assert np.all(np.isnan(t[~seen])) and np.all(np.isfinite(t[seen]))
    # resolution 100 ps: the standard error of a Gaussian sample std is sigma / sqrt(2 n); 5 of them
    sig = CARD.resolution.rich_time_ns
    assert np.nanstd(t) == pytest.approx(sig, abs=5 * sig / math.sqrt(2 * seen.sum()))
    # the pile-up columns carry the rates: per-event random veto close to the closed form (its 0.002 allowance
    # and 5 binomial standard errors, as in test_random_veto_monte_carlo_agrees_with_closed_form)
    rv = a["random_veto_pass"].to_numpy().mean()
    exact = P.analytic_random_veto(CARD, P.build_library(CARD, 9))
    assert rv == pytest.approx(exact, abs=0.002 + 5 * math.sqrt(exact * (1 - exact) / n))
    # mismatch implies an accidental match
    mm, am = a["kpi_mismatch"].to_numpy(), a["kpi_accidental_match"].to_numpy()
    assert not np.any(mm & ~am)


def test_time_columns_only_do_not_change_pileup_columns():
    n = 5000
    a = simulate("K+ -> mu+ nu", n, 4, CARD, extra_columns=("random_veto_pass",)).events
    b = simulate("K+ -> mu+ nu", n, 4, CARD, extra_columns=("random_veto_pass",) + TIME_COLUMNS).events
    assert a["random_veto_pass"].equals(b["random_veto_pass"])
