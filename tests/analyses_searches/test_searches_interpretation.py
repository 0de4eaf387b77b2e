"""Coupling planes from this run's curves next to the published ones; HEPData export; section registry."""

import json

import numpy as np
import pytest

from kaonportal.analyses.searches import SECTIONS, hepdata_tables
from kaonportal.analyses.searches.interpretation import PUBLISHED_PI0_GAMMA, interpretation_section, read_run_curve
from kaonportal.cli._common import to_jsonable


BC2_MASSES = [0.020, 0.045339, 0.054711, 0.090303]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("interp")
    # kpix on its default dataset pnn-2016-22 (the exposure of the published 2016-22 curve); 4 simulated masses per
    # range in quick mode: with 2 the linear interpolation of the acceptance near the range ends is too coarse
    # for the coupling minimum (BC4 came out 4x off with 2, 2x with 4; full run: median BR ratio 0.8)
    kcfg = dict(mass_step=0.004, n_signal=4000, n_sm=10_000, n_signal_masses=8)
    SECTIONS["kpix"](out, card="na62-2022", seed=9, quick=True, config=kcfg)
    SECTIONS["hnl"](out, card="na62-2022", seed=9, quick=True,
                    config=dict(n_signal=4000, n_background={"K+ -> e+ N": 20_000, "K+ -> mu+ N": 20_000,
                                                "pi+ -> e+ N": 100_000}, n_normalisation=4000, n_signal_masses=3))
    # BC2 from pi0 -> gamma A': three masses on digitised nodes of the published curve (45.3, 54.7, 90.3 MeV, see
    # tests/test_published_bc2.py) and 20 MeV outside it; statistics as test_searches_pi0_gamma_x.py (~3 s)
    SECTIONS["pi0-gamma-x"](out, card="na62-2022", seed=9, config=dict(
        masses=BC2_MASSES, n_signal=2000, n_background=60_000, n_background_extra=10_000, n_signal_masses=6))
    return out, interpretation_section(out, card="na62-2022", seed=9, quick=True)


def test_registry():
    assert list(SECTIONS) == ["pi0-invisible", "lnv", "hnl", "kpix", "kmunux", "visible-x", "pi0-gamma-x",
                              "interpretation"]


def test_planes_next_to_published(run):
    out, r = run
    assert set(r["planes"]) == {"BC2", "BC4", "BC10", "BC11", "BC6", "BC7"}
    assert r["ran"] == {}                      # used the curves of the kpix, pi0-gamma-x and hnl sections
    for label in ("BC2", "BC4", "BC10", "BC11"):
        p = r["planes"][label]
        # Same model on both sides, and this run's expected BR limit (2016-22 exposure, pseudo-data) is within a
        # factor ~1.5 of the published 2016-2022 one (kpix section: median ratio 0.8 in the full run, 1.0 with
        # this fixture): BR ~ coupling^2 or coupling for these benchmarks, so the coupling reaches agree within a
        # factor 3 (found 1.4-2.0 with seed 9).
        assert p["published_min"] / 3 < p["expected_median_min"] < 3 * p["published_min"]
        assert (out / "plots" / f"interp_{label}.png").is_file()
    assert (out / "curves" / "interp_BC4_sin2theta.csv").read_text().startswith("# what: BC4")
    # both edges of each exclusion are exported: above the upper edge X decays inside the detector (BC4: a
    # finite closing coupling somewhere; inf where the island reaches the top of the coupling scan)
    c = read_run_curve(out / "curves" / "interp_BC4_sin2theta.csv")
    for col in ("observed", "expected_median", "expected_plus2"):
        lo, hi = c[f"sin2theta_{col}"], c[f"sin2theta_{col}_high"]
        both = np.isfinite(lo)
        assert both.any() and np.all(hi[both] > lo[both]) and np.isfinite(hi[both]).any()
        assert np.all(np.isnan(hi[~both]))
    json.dumps(to_jsonable(r))


def test_bc2_pi0_gamma_next_to_published(run):
    out, r = run
    p = r["planes"]["BC2"]["pi0_gamma_aprime"]
    # published minimum: NA62 JHEP 05 (2019) 182 Fig. 7 (DarkCast digitisation), eps < 4.4038e-4 at 54.7 MeV
    assert p["published"] == PUBLISHED_PI0_GAMMA and "1903.08767" in p["published_source"]
    assert p["published_min"] == pytest.approx(4.4038e-4) and p["published_min_mass_gev"] == pytest.approx(0.054711)
    for f in ("interp_BC2.png", "interp_BC2_pi0_gamma.png"):
        assert (out / "plots" / f).is_file()
    c = read_run_curve(out / "curves" / "interp_BC2_pi0_gamma_epsilon.csv")
    src = read_run_curve(out / "curves" / "pi0_gamma_x_aprime.csv")
    # epsilon = sqrt(epsilon^2 limit) of the pi0-gamma-x section (BR(pi0 -> gamma A') ~ eps^2); CSV rounding 6 digits
    np.testing.assert_allclose(c["epsilon_expected_median"] ** 2, src["eps2_ul_expected_median"], rtol=2e-5)
    np.testing.assert_allclose(c["epsilon_observed"] ** 2, src["eps2_ul_observed"], rtol=2e-5)
    # the ratio at the digitised nodes is eps2 / eps_pub^2 with the published values; no limit to compare at 20 MeV
    pub_eps = np.array([1.0450e-3, 4.4038e-4, 7.7686e-4])
    np.testing.assert_allclose(c["eps2_ratio_expected_median_to_published"][1:], src["eps2_ul_expected_median"][1:]
                               / pub_eps ** 2, rtol=1e-4)
    assert np.isnan(c["eps2_ratio_expected_median_to_published"][0])
    assert p["eps2_ratio_expected_to_published"]["mass_gev"] == pytest.approx(BC2_MASSES[1:])
    ratio = np.array(p["eps2_ratio_expected_to_published"]["ratio"])
    # The comparison is recorded, not forced. 45-55 MeV: both limits are set by pi0 -> gamma gamma with one photon
    # lost; ours is 1.6-4 x weaker (pi0_gamma_x docstring; MC-limited gamma gamma tail at 55 MeV; found 1.4 and 1.3
    # here): within a factor 10 is the claim. 90 MeV: the background is the photonuclear LKr continuum
    # (detector.photonuclear: derived rate, assumed flat visible-energy fraction, not fitted); ours is found 1.03 x the
    # published limit (full run 1.02): within a factor 3 (b uncertain by ~2-3 x through the U visible-energy
    # shape, the limit ~sqrt(b); fails on a normalisation slip such as mixing eps and eps^2, or on losing that
    # background: then ~0.04)
    assert np.all((ratio[:2] > 0.1) & (ratio[:2] < 10.0))
    assert 1 / 3 < ratio[2] < 3.0


def test_hepdata_export(run, tmp_path):
    out, _ = run
    tables = hepdata_tables(out)
    names = {t.name for t in tables}
    assert "kpix_invisible_br_stable" in names and "interp_BC4_sin2theta" in names and "hnl_kp_eN_U2" in names
    assert "interp_BC2_pi0_gamma_epsilon" in names
    # the published curve drawn in each K+ -> pi+ X plane is exported as converted (same model as ours)
    assert {f"interp_{p}_published" for p in ("BC4_sin2theta", "BC10_g_Y", "BC11_inv_fG", "BC2_epsilon")} <= names
    pub = read_run_curve(out / "curves" / "interp_BC4_sin2theta_published.csv")
    ok = np.isfinite(pub["sin2theta_low"])
    assert ok.any() and np.all(pub["sin2theta_low"][ok] <= pub["sin2theta_high"][ok])
    from kaonportal.report.tables import write_hepdata
    files = write_hepdata(tmp_path / "hep", tables, "test")
    assert any(f.endswith("submission.yaml") for f in files)


def test_projection_config(tmp_path):
    from kaonportal.analyses.searches import section_configs
    from kaonportal.errors import InputError
    cfgs = section_configs("projection-4x")
    assert set(cfgs) <= set(SECTIONS) and cfgs["hnl"] == {"n_scale": 4.0, "intensity_scale": 4.0}
    # issue 15 F5: the "4x intensity" projection moves the HNL K-pi mismatch through the pile-up model
    from kaonportal.analyses.searches.hnl_config import HnlConfig
    assert HnlConfig(**cfgs["hnl"]).intensity_scale == 4.0
    r = SECTIONS["pi0-invisible"](tmp_path, seed=1, quick=True, config=cfgs["pi0-invisible"])
    assert r["n_pi0_tagged"] == 1.6e10 and r["observed_origin"].startswith("pseudo-data")
    p = tmp_path / "bad.yaml"
    p.write_text("kpixx: {n_k_scale: 2}\n")
    with pytest.raises(InputError, match="kpixx"):
        section_configs(p)
