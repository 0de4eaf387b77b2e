"""K+ -> mu+ nu X / K+ -> mu+ nu nu nubar counting in the muon missing-mass spectrum."""

import numpy as np
import pytest

from kaonportal.analyses.searches.kmunux import KmunuxConfig, kmunux_limits, kmunux_section
from kaonportal.errors import InputError

SMALL = dict(masses=[0.05, 0.2, 0.35], n_signal=2000, n_background=20_000, n_normalisation=2000)


@pytest.fixture(scope="module")
def nominal():
    return kmunux_limits(KmunuxConfig(**SMALL), "na62-2022", seed=4)


def test_regions_and_acceptance(nominal):
    rows = nominal["rows"]
    assert rows[0]["decay"] == "K+ -> mu+ nu nu nubar"
    expect = [(m, k) for m in SMALL["masses"] for k in ("scalar", "vector")]
    assert [(r["m_x_gev"], r["model"]) for r in rows[1:]] == expect
    for r in rows:
        # counting region above the K+ -> mu+ nu peak region and below the kinematic end (m_K - m_mu)^2
        assert 0.01 <= r["x_lo"] < nominal["x_max"]
        assert 0.0 < r["acceptance"] < 1.0
        e = r["expected"]
        assert e["minus2"] <= e["minus1"] <= e["median"] <= e["plus1"] <= e["plus2"]


def test_expected_limit_scales_with_exposure(nominal):
    r4 = kmunux_limits(KmunuxConfig(n_scale=4.0, **SMALL), "na62-2022", seed=4)
    ratio = np.array([b["expected"]["median"] / a["expected"]["median"] for a, b in zip(nominal["rows"], r4["rows"])])
    # background-dominated counting (b ~ 1e3-1e4 events): the limit scales as 1/sqrt(N) -> 1/2 with 4x the
    # exposure (the region choice and the Poisson normalisation move it by a few %)
    assert np.all((ratio > 0.4) & (ratio < 0.6))


def test_matrix_element_models(nominal):
    ps = kmunux_limits(KmunuxConfig(**{**SMALL, "x_models": ["phase-space"]}), "na62-2022", seed=4)
    acc = {(r["m_x_gev"], r["model"]): r["acceptance"] for r in nominal["rows"][1:] + ps["rows"][1:]}
    # same simulated events for every model (only the weights differ): at m_X = 50 MeV the soft vector
    # emission moves signal under the K+ -> mu+ nu peak region (m2miss < 0.01 GeV^2), so its acceptance above
    # x_lo drops well below phase space (found 0.44 vs 0.53 on 1e4 events; the shift is systematic, not
    # statistical, since the events are shared); the scalar stays within 15 % of phase space
    assert acc[(0.05, "vector")] < 0.92 * acc[(0.05, "phase-space")]
    assert abs(acc[(0.05, "scalar")] / acc[(0.05, "phase-space")] - 1.0) < 0.15
    with pytest.raises(InputError, match="x_models"):
        kmunux_section("/nonexistent-dir", config={**SMALL, "x_models": ["tensor"]})


def test_bad_mass_and_section(tmp_path):
    with pytest.raises(InputError, match="masses"):
        kmunux_limits(KmunuxConfig(**{**SMALL, "masses": [0.39]}), "na62-2022", seed=1)
    # the section's default card is that of the 2016-18 data (na62-2018, inputs/hnl.yaml); null follows the
    # run's card (here na62-2022: re-uses the fixture's samples)
    assert KmunuxConfig().card == "na62-2018"
    r = kmunux_section(tmp_path, seed=4, quick=True, config={**SMALL, "card": None})
    assert r["card"] == "na62-2022" and r["mismatch"] == pytest.approx(0.013 * 600 / 450)
    for model in ("scalar", "vector"):
        assert (tmp_path / "curves" / f"kmunux_br_{model}.csv").read_text().startswith("# what:")
    assert r["kmununu_published_limit"] == 1.0e-6 and r["kmununu"]["expected"]["median"] > 0


def test_muon_mode_backgrounds(nominal):
    # K+ -> mu+ nu gamma (IB above 10 MeV, photon-veto weight; E949 PRD 91 (2015) 052001: the major background of
    # K+ -> mu+ nu_H) outweighs K+ -> pi0 mu+ nu in the counting range (found 20x); the accidental beam-track copy
    # of K+ -> mu+ nu carries p_mis x the fraction of K_mu2 events still passing the beam, CDA and vertex cuts
    # with the redrawn GTK track (found 0.89): between p_mis/2 and p_mis
    src = nominal["background_per_source"]
    assert src["K+ -> mu+ nu gamma"] > 3 * src["K+ -> pi0 mu+ nu"]
    p = nominal["mismatch"]
    assert p == pytest.approx(0.013 * 600 / 450)
    assert 0.5 * p < src["K+ -> mu+ nu [accidental beam track]"] / src["K+ -> mu+ nu"] < p
    # N_K as K+ -> mu+ N (same paper, PLB 816 (2021) 136259: 2016-18 K+ decays / 400, D)
    assert nominal["normalisation"]["n_parent_input"] == pytest.approx(4.0e12 / 400)


def test_expected_limits_not_weaker_than_published(nominal):
    # Published (PR A5, PLB 816 (2021) 136259 abstract): BR(K+ -> mu+ nu nu nubar) < 1.0e-6 and BR(K+ -> mu+ nu X)
    # from O(1e-5) (low m_X) to O(1e-7) (high m_X). Even with K+ -> mu+ nu gamma and accidental beam tracks the
    # simulated background is a subset of the real one (no beam-halo/upstream muons, no non-Gaussian K_mu2
    # tails) and the counting treats it as exactly known (no systematic uncertainty), so the expected limits
    # must not be weaker than published. Found (defaults): mu nu nu nubar 1.1e-7 (0.11x), mu nu X 2e-8 at 370 MeV
    # (~0.2x of O(1e-7)) up to 6e-7 (vector) at 10 MeV (~0.06x of O(1e-5)): the remaining factor is not closed.
    rows = nominal["rows"]
    assert rows[0]["expected"]["median"] < 1.0e-6
    high = [r for r in rows[1:] if r["m_x_gev"] == 0.35]
    assert all(r["expected"]["median"] < 1.0e-7 for r in high)
    assert all(r["expected"]["median"] < 1.0e-5 for r in rows[1:])
