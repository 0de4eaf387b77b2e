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
    assert rows[0]["decay"] == "K+ -> mu+ nu nu nubar" and [r["m_x_gev"] for r in rows[1:]] == SMALL["masses"]
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


def test_bad_mass_and_section(tmp_path):
    with pytest.raises(InputError, match="masses"):
        kmunux_limits(KmunuxConfig(**{**SMALL, "masses": [0.39]}), "na62-2022", seed=1)
    r = kmunux_section(tmp_path, seed=4, quick=True, config=SMALL)
    assert (tmp_path / "curves" / "kmunux_br.csv").read_text().startswith("# what:")
    assert r["kmununu_published_limit"] == 1.0e-6 and r["kmununu"]["expected"]["median"] > 0
