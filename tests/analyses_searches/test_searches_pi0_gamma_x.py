"""pi0 -> gamma A' (invisible) scan and pi0 -> gamma nu nubar count on tagged pi0: injection, shapes, bad input."""

import numpy as np
import pytest

from kaonportal.analyses.searches.pi0_gamma_x import Pi0GammaXConfig, pi0_gamma_x_scan, pi0_gamma_x_section, \
    reconstruct_pi0_gamma
from kaonportal.errors import InputError

MASSES = [0.050, 0.055, 0.060, 0.065, 0.070, 0.075]
BASE = dict(masses=MASSES, n_signal=2000, n_background=40_000, n_signal_masses=3, n_background_extra=20_000)


def _wmedian(x, w):
    o = np.argsort(x)
    c = np.cumsum(w[o])
    return float(np.interp(0.5 * c[-1], c, x[o]))


def test_missing_mass_shapes():
    tw, m2, w = reconstruct_pi0_gamma("gamma A'", 3000, 3, "na62-2022", mass=0.1)
    sel = w > 0
    # ~2000 events, sigma(m_miss^2) ~ 8e-4 GeV^2: the (weighted: conversion-lepton and photonuclear entries carry
    # ~1 % of the weight) median is within ~3e-5 of m_A'^2 = 0.01 GeV^2
    assert 0.3 < w.sum() / tw <= 1.0 and abs(_wmedian(m2[sel], w[sel]) - 0.01) < 2e-4
    assert np.all(np.isnan(m2[~sel]))
    tw, m2, w = reconstruct_pi0_gamma("gamma gamma", 10_000, 3, "na62-2022")
    # one photon lost: the missing particle is massless, m_miss^2 peaks at 0 (within the ~6e-4 GeV^2 resolution);
    # the weights are probabilities (photon-veto inefficiencies), so at most one per tagged event
    sel = w > 0
    assert abs(np.average(m2[sel], weights=w[sel])) < 2e-4 and 0 < w.sum() / tw < 1.0


def test_injected_aprime_found():
    nominal = pi0_gamma_x_scan(Pi0GammaXConfig(**BASE), "na62-2022", seed=5)
    r = pi0_gamma_x_scan(Pi0GammaXConfig(**BASE, inject=[0.065, 250.0]), "na62-2022", seed=5)
    sc, i = r["scan"], MASSES.index(0.065)
    b = r["background"][i]
    # most of the 250 injected events fall in the +-1.5 sigma window over b ~ 200 +- sqrt(b) (at 65 MeV the
    # background is the photonuclear continuum, detector.photonuclear; the gamma gamma peak at m^2 = 0 is ~6 sigma(m^2)
    # away): a > 5 sigma local excess (found 8.7), while the nominal pseudo-data stay below 3 sigma at every mass
    # (fixed seed; one-sided local false-alarm rate ~0.1 % per mass). The windows of the neighbouring masses
    # (5 MeV apart, window +-1.5 sigma(m^2)) overlap the injected peak: the injected mass must be the most
    # significant one.
    assert 50.0 < b < 500.0
    assert sc.local_significance[i] > 5.0 and np.argmax(sc.local_significance) == i
    assert np.all(nominal["scan"].local_significance < 3.0)
    assert sc.observed_limit[i] > nominal["scan"].expected["plus2"][i]


def test_section_writes_curves(tmp_path):
    r = pi0_gamma_x_section(tmp_path, seed=1, quick=True)
    for name in ("aprime", "nunu"):
        assert (tmp_path / "curves" / f"pi0_gamma_x_{name}.csv").read_text().startswith("# what:")
    assert (tmp_path / "plots" / "pi0_gamma_x_aprime_eps2.png").is_file()
    nn = r["gamma_nu_nubar"]
    # NA62 (4.12e8 tagged pi0, S003): BR(pi0 -> gamma nu nubar) < 1.9e-7. The background above 0.004 GeV^2 is
    # the photonuclear LKr continuum (rate derived, visible-energy shape U: detector.photonuclear), ~1100 events;
    # no accidental background. Measured (2026-12-04): 3.37 x weaker in the default run; this quick run over seeds
    # 1-8: 3.28, 3.40, 3.49, 3.39, 3.50, 3.55, 3.40, 3.32 (mean 3.42, sd 0.09, 3 %). The window 2.7-4.3 (+-25 %,
    # > 7 sd of the seed spread) holds whatever the seed and fails if the photonuclear background or the signal
    # acceptance moves by more than a quarter (without the photonuclear continuum the ratio was 0.10)
    assert 2.7 < nn["ratio_expected_to_published"] < 4.3
    # the A' limit improves away from the gamma gamma peak at m_miss^2 = 0 (as NA62 found at 60-110 MeV)
    assert r["eps2_ul_expected_median_range"][0] < 1e-3 * r["eps2_ul_expected_median_range"][1]


def test_bad_input():
    with pytest.raises(InputError, match="x_decay"):
        reconstruct_pi0_gamma("e+ e-", 100, 1, "na62-2022")
    with pytest.raises(InputError, match=r"masses\[0\]"):
        pi0_gamma_x_scan(Pi0GammaXConfig(**{**BASE, "masses": [0.2]}), "na62-2022", seed=1)
    with pytest.raises(InputError, match="inject"):
        pi0_gamma_x_scan(Pi0GammaXConfig(**BASE, inject=[0.065]), "na62-2022", seed=1)
    with pytest.raises(InputError, match="n_signal"):
        pi0_gamma_x_section("/nonexistent-dir", config={"n_signal": 10})


# --- backgrounds beyond pi0 -> gamma gamma, the gamma nu nubar spectrum, the published BC2 curve -----------------

def test_dalitz_and_radiative_backgrounds():
    from kaonportal.analyses.searches.pi0_gamma_x import reconstruct_source
    # the Dalitz and radiative mechanisms alone: photon conversions and the photonuclear LKr response off
    off = dict(conversion=None, photonuclear=None)
    gg = reconstruct_source("gamma gamma", 40_000, 2, "na62-2022", **off)
    da = reconstruct_source("dalitz", 40_000, 2, "na62-2022", **off)
    kg = reconstruct_source("kpi2g", 20_000, 2, "na62-2022", **off)

    def frac_above(r, x):
        w = r["weights"]
        return float(np.sum(w[(w > 0) & (r["m2"] > x)]) / w.sum())

    # pi0 -> e+ e- gamma mimics one photon only if both leptons escape (outside the STRAW acceptance and through
    # the vetoes): found 5e-4 per tagged decay, against 1.2e-2 for gamma gamma with one photon lost; the lost pair
    # carries m_ee^2 = m_miss^2, a continuum: the fraction of the one-photon spectrum above 0.004 GeV^2
    # (m_A' > 63 MeV) is > 50 x that of gamma gamma (found 400 x: 174 vs 3 events of 4e4; gamma gamma has only
    # resolution tails there), and above 0.0064 GeV^2 (80 MeV) the Dalitz continuum dominates (found 60 x: the
    # gamma gamma tail there is one low-weight event of 4e4; > 10 x leaves room for its Poisson fluctuation)
    assert 0 < da["weights"].sum() < 0.2 * gg["weights"].sum() * da["tagged"] / gg["tagged"]
    assert frac_above(da, 0.004) > 50.0 * frac_above(gg, 0.004)
    assert frac_above(da, 0.0064) > 10.0 * frac_above(gg, 0.0064)
    # K+ -> pi+ pi0 gamma with E_gamma* > 10 MeV: (P_K - P_pi+)^2 = (p_pi0 + k)^2 leaves the pi0 tag window for
    # most photons, so the tag keeps < 5 % of them (found 0.6 %) against ~85 % of K+ -> pi+ pi0
    assert kg["tagged"] < 0.05 * kg["generated"] and gg["tagged"] > 0.7 * gg["generated"]


def test_nunu_photon_spectrum():
    from kaonportal.analyses.searches.pi0_gamma_x import nunu_photon_weight
    from kaonportal.decays import generate
    from kaonportal.constants import mass
    d = generate("pi0 -> gamma nu nubar", 200_000, np.random.default_rng(11))
    x = 2.0 * d.p4[:, d.names.index("gamma"), 0] / mass("pi0")
    w = nunu_photon_weight(x)
    # flat phase space has dGamma/dx = 2x; the weights give 20 x^3 (1 - x): mean weight 1 and
    # P(x > 0.9) = 1 - (5 x^4 - 4 x^5) at 0.9 = 0.0815 (0.19 for phase space). MC errors on 2e5 events:
    # ~0.2 % and ~0.001, tolerances ~4 sigma
    assert abs(w.mean() - 1.0) < 0.01
    assert abs(np.mean(x > 0.9) - 0.19) < 0.004
    assert abs(np.sum(w * (x > 0.9)) / w.sum() - 0.0815) < 0.004


# NA62 JHEP 05 (2019) 182, Fig. 7, observed 90% CL upper limit on epsilon, as digitised by DarkCast
# (P. Ilten, Y. Soreq, M. Williams, W. Xue, limits/NA62_CortinaGil2019nuo.lmt; third-party digitisation, read via
# the search tool): (m_A' GeV, epsilon)
PUBLISHED_EPS = [(0.04534, 0.0010450), (0.05471, 0.0004404), (0.074833, 0.00053574), (0.09030, 0.00077686),
                 (0.11244, 0.0025626)]


def test_bc2_curve_against_published():
    cfg = Pi0GammaXConfig(masses=[m for m, _ in PUBLISHED_EPS], n_signal=2000, n_background=60_000,
                          n_background_extra=10_000, n_signal_masses=6)
    r = pi0_gamma_x_scan(cfg, "na62-2022", seed=3)
    ratio = (r["scan"].expected["median"] / r["br_eps1"]) / np.array([e for _, e in PUBLISHED_EPS]) ** 2
    # 45-55 MeV: both limits are set by pi0 -> gamma gamma with one photon lost (background 1e3-1e5 events per
    # window here, known to its Poisson precision: background_error="data-driven"); ours is found 1.6 and 1.6 x
    # weaker here (1.6 and 4.0 with the full statistics, seed 1) -- the MC estimate of the gamma gamma tail at
    # 55 MeV comes from a few hundred weighted events (tens of % on b, ~15 % on the limit). Claimed: within a
    # factor 10
    assert np.all((ratio[:2] > 0.1) & (ratio[:2] < 10.0))
    # 75-112 MeV: the background is the photonuclear LKr continuum (~170-230 events per window here, > 95 %
    # of it: detector.photonuclear; before it was added ours was background-free and 20-35 x stronger). Found 1.15, 1.13,
    # 0.65 (full statistics 1.08, 1.04, 0.68). Claimed: within a factor 3 -- the limit scales as ~sqrt(b), and b
    # carries the derived photonuclear probability (cross sections ~30 %, R) times the assumed flat visible-energy
    # fraction (U: another shape moves b per window by up to ~2-3 x, the limit by ~1.5 x); no accidentals.
    # Not fitted: no parameter was adjusted to this curve.
    assert np.all((ratio[2:] > 1 / 3) & (ratio[2:] < 3.0))
    assert np.all(r["background_by_mechanism"]["photonuclear"][2:] > 0.9 * r["background"][2:])
    # shape near the kinematic end: BR(pi0 -> gamma A') ~ (1 - m^2/m_pi0^2)^3 (a factor 4.2 from 90 to 112 MeV)
    # and the acceptance loss give eps^2(112) / eps^2(90) = 10.9 published; ours is found 0.58 x that: within a
    # factor 2 (log-plot digitisation ~10-20 % on eps^2, observed-limit fluctuations ~30 %, acceptance
    # interpolated between 6 simulated masses)
    assert 0.5 < ratio[4] / ratio[3] < 2.0


def test_drop_rejected_keeps_exactly_the_positive_weight_entries():
    # the scan's backgrounds are reconstructed with drop_rejected=True (memory, time): the entries kept block by
    # block must be those of positive weight of the full arrays, in the same order, and the sums unchanged
    # (70000 events: two blocks of the record, so the per-block filtering is exercised across a block boundary)
    from kaonportal.analyses.searches.pi0_gamma_x import reconstruct_source
    full = reconstruct_source("gamma gamma", 70_000, 4, "na62-2022")
    kept = reconstruct_source("gamma gamma", 70_000, 4, "na62-2022", drop_rejected=True)
    k = full["weights"] > 0
    assert 0 < k.sum() < k.size
    assert kept["generated"] == full["generated"] and kept["tagged"] == full["tagged"]
    for key in ("m2", "weights", "mechanism"):
        assert np.array_equal(kept[key], full[key][k])
