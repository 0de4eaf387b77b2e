"""Meson production tables: normalisation, sampling, and cross-checks against published multiplicities."""

import numpy as np
import pytest

from kaonportal.beamdump import mesons
from kaonportal.beamdump.mesons import (MESONS, a_scaling_factor, load_tables, multiplicity_per_pot,
                                        multiplicity_uncertainty, sample_meson)
from kaonportal.errors import InputError


def test_tables_cover_all_species_with_provenance():
    t = load_tables()
    for name in MESONS:
        assert t.counts[name].shape == (t.logp_edges.size - 1, t.logtheta_edges.size - 1)
        assert t.counts[name].sum() > 1000
    assert t.meta["p_beam_gev"] == 400.0
    assert t.meta["sqrt_s_gev"] == pytest.approx(27.43, abs=0.01)
    assert "make_meson_tables.py" in t.meta["command"]


def test_charged_pion_cross_section_vs_na27():
    # NA27 (LEBC-EHS), Aguilar-Benitez et al., Z. Phys. C 50 (1991) 405: sigma(pp -> pi+ X) = 134.4 +- 3.4 mb
    # at 400 GeV/c (value as quoted in ALICE macro plotf0toPionVsE.C, which cites that paper).
    # Pythia's inclusive pi+ cross section = <n_pi+> x sigma_inel(Pythia). Tolerance 25%: the Monash tune is
    # not fitted to NA27; the difference (~+17%) is the soft-meson model uncertainty quoted in
    # data/beamdump/README.md, and a larger one would signal broken tables.
    t = load_tables()
    n_pip = t.extra_counts["pi+"] / t.n_events["soft"]
    sigma = n_pip * t.meta["soft_sigma_gen_mb"]
    assert sigma == pytest.approx(134.4, rel=0.25)


def test_pi0_eta_ordering_and_isospin():
    # pi0 multiplicity between the charged ones' mean and their sum (feed-down from eta/omega included),
    # eta/pi0 ~ 0.1 (ISR/SPS systematics, e.g. Amaldi et al. Nucl. Phys. B158 (1979) 1 at high pT; loose bound)
    t = load_tables()
    npi0 = multiplicity_per_pot("pi0", normalisation="pythia")       # per collision, as the charged counts
    mean_charged = 0.5 * (t.extra_counts["pi+"] + t.extra_counts["pi-"]) / t.n_events["soft"]
    assert mean_charged < npi0 < 2 * mean_charged
    assert 0.05 < multiplicity_per_pot("eta") / npi0 < 0.2
    assert multiplicity_per_pot("eta'") < multiplicity_per_pot("eta")
    assert multiplicity_per_pot("phi") < multiplicity_per_pot("omega")


def test_heavy_flavour_normalisation():
    # per POT = A sigma_QQ / sigma_inel(pCu) x <n_M per QQbar event>; D0 + D+ + Ds+ per ccbar event ~ 2 x 0.9
    # (the rest goes to Lambda_c etc.), so the sum per POT is 1.5e-3 x [1.4, 2].
    chi_cc = 63.546 * 18.1e-3 / 769.0
    d_sum = sum(multiplicity_per_pot(x) for x in ("D0", "D+", "Ds+"))
    assert 1.4 * chi_cc < d_sum < 2.0 * chi_cc
    b_sum = sum(multiplicity_per_pot(x) for x in ("B0", "B+", "Bs0"))
    assert 1e-7 < b_sum < 4e-7


def test_a_scaling_options():
    assert a_scaling_factor("pp") == 1.0
    f = a_scaling_factor("wounded")
    assert 1.7 < f < 2.0          # (1 + A sigma_pp/sigma_pA)/2 for Cu
    assert multiplicity_per_pot("pi0", "wounded") == pytest.approx(f * multiplicity_per_pot("pi0", "pp"))
    with pytest.raises(InputError, match="a_scaling"):
        a_scaling_factor("glauber")
    u = multiplicity_uncertainty("eta")
    assert u["stat"] < 0.01 and u["model"] == pytest.approx(f - 1)


def test_sampling_reproduces_the_table():
    t = load_tables()
    rng = np.random.default_rng(3)
    p, th, ph = sample_meson("pi0", 200_000, rng, a_scaling="pp")      # the plain table (pp multiplicities)
    h, _, _ = np.histogram2d(np.log10(p), np.log10(th), bins=(t.logp_edges, t.logtheta_edges))
    ref = t.counts["pi0"] / t.counts["pi0"].sum()
    # mean log p agrees to 3 standard errors (sigma(log p) ~ 0.5 -> s.e. 1.1e-3)
    centres = 0.5 * (t.logp_edges[1:] + t.logp_edges[:-1])
    assert np.mean(np.log10(p)) == pytest.approx((ref.sum(1) * centres).sum(), abs=5e-3)
    assert np.all((ph >= 0) & (ph < 2 * np.pi))
    assert h.sum() == 200_000


def test_missing_table_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="make_meson_tables"):
        mesons.load_tables(str(tmp_path / "none.npz"))


# --- eta against NA27's eta/pi0 ratio versus p_T at 400 GeV/c (kaonportal.beamdump.eta_ratio) ------------------

def _table_ratio_at(pts, eta_ratio):
    # eta/pi0 of the shipped (pp) tables, dN/dp_T in 0.05 GeV/c slices, at the measured p_T: each table bin spread
    # uniformly in (log p, log theta) over a 7 x 7 sub-grid (eta_ratio's own weights use 4 x 4)
    t = load_tables()
    from kaonportal.beamdump.nuclear import sub_bin_grid
    p, th = sub_bin_grid(t.logp_edges, t.logtheta_edges, 7)
    pt = np.broadcast_to(p * np.sin(th), (p.shape[0], th.shape[1], 7, 7))
    edges = np.arange(0.0, 2.05, 0.05)

    def spectrum(name):
        w = np.broadcast_to(mesons.meson_table(name, "pp", t, eta_ratio)[:, :, None, None], pt.shape)
        return np.histogram(pt.ravel(), edges, weights=w.ravel())[0]
    eta, pi0 = spectrum("eta"), spectrum("pi0")
    centres = 0.5 * (edges[1:] + edges[:-1])
    return np.interp(pts, centres, eta / pi0)


def test_pythia_eta_over_pi0_disagrees_with_na27_at_low_pt():
    # NA27 [AguilarBenitez:1991yy]: eta/pi0 = 0.070 +- 0.016 at p_T = 0.39 GeV/c and 0.063 +- 0.028 at 0.50 GeV/c
    # (reference_yields.yaml na27_eta_to_pi0_vs_pt). The raw Pythia tables are about twice that there: the
    # finding that motivates the reweighting. chi2 > 25 for 13 points (p < 2%) keeps it a significant disagreement;
    # regenerated tables that agreed with the data would fail here and the reweighting should then be revisited.
    from kaonportal.beamdump import eta_ratio
    c = eta_ratio.comparison()
    assert c["n"] == 13 and c["chi2"] > 25
    d = eta_ratio.na27_points()
    raw = _table_ratio_at(d[:, 0], "pythia")
    low = (d[:, 0] > 0.3) & (d[:, 0] < 0.55)
    assert np.all(raw[low] > d[low, 1] + 2.5 * d[low, 2])


def test_reweighted_eta_table_reproduces_the_na27_ratio():
    # the defining property of eta_ratio="na27": the tables' eta/pi0 follows NA27's at the measured p_T. One table
    # bin spans +-6% in p and +-12% in theta, i.e. ~+-13% in p_T, and carries one bin-averaged weight, so the
    # point-to-point dips of the data (0.50, 0.97 GeV/c) are smeared by up to ~30%, inside their errors: the
    # test is chi2 against the data's errors, < n/2 after the reweighting (raw Pythia: 41 for 13 points)
    from kaonportal.beamdump import eta_ratio
    d = eta_ratio.na27_points()
    chi2 = lambda r: float((((r - d[:, 1]) / d[:, 2]) ** 2).sum())
    new, raw = _table_ratio_at(d[:, 0], "na27"), _table_ratio_at(d[:, 0], "pythia")
    assert chi2(new) < len(d) / 2 and chi2(raw) > 25
    band = (d[:, 0] > 0.3) & (d[:, 0] < 0.55)      # where the accepted etas sit: within 30% point by point
    assert new[band] == pytest.approx(d[band, 1], rel=0.3)
    # pi0 and the other species are untouched; the eta multiplicity (pp) falls by the stated factor, ~0.74
    f = multiplicity_per_pot("eta", "pp") / multiplicity_per_pot("eta", "pp", eta_ratio="pythia")
    assert f == pytest.approx(eta_ratio.comparison()["multiplicity_factor"], rel=1e-9)
    assert 0.6 < f < 0.9
    for name in ("pi0", "eta'", "omega", "phi"):
        assert multiplicity_per_pot(name) == multiplicity_per_pot(name, eta_ratio="pythia")


def test_eta_sampling_follows_the_reweighted_table():
    # sample_meson draws from the same table multiplicity_per_pot counts. The weight rises with p_T (0.4-0.8
    # below 0.6 GeV/c, ~1 above), so the reweighted etas are harder in p_T than the raw ones; 1e5 draws: the
    # standard error of a mean p_T is ~1e-3 GeV/c, the shift asserted 0.01
    rng = np.random.default_rng(11)
    p, th, _ = sample_meson("eta", 100_000, rng)
    p0, th0, _ = sample_meson("eta", 100_000, np.random.default_rng(11), eta_ratio="pythia")
    assert np.mean(p * np.sin(th)) > np.mean(p0 * np.sin(th0)) + 0.01
    with pytest.raises(InputError, match="eta_ratio"):
        multiplicity_per_pot("eta", eta_ratio="epos")


def test_tables_cache_computes_once_per_object_and_stays_bounded():
    from kaonportal.beamdump.tables_cache import TablesCache
    cache, calls = TablesCache(2), []

    def make(t):
        calls.append(t)
        return len(calls)

    a, b, c = object(), object(), object()
    assert cache.get("k", a, make) == 1 and cache.get("k", a, make) == 1      # computed once for a
    assert cache.get("k", b, make) == 2 and cache.get("other", a, make) == 3  # per object and per key
    assert len(cache._entries) == 1 and cache.get("k", a, make) == 4          # full at 2: cleared, not grown
