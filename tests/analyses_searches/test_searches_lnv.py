"""LNV/LFV counting searches: phase-space acceptance from the simulation, SES from N_K."""

import math

import pytest

from kaonportal.analyses.searches.lnv import LnvConfig, candidate_pid_column, default_channels, lnv_limits, lnv_section
from kaonportal.errors import InputError


@pytest.fixture(scope="module")
def rows():
    return lnv_limits(LnvConfig(), "na62-2022", seed=2, n_sim=2000)


def test_nine_channels_with_published_limits(rows):
    assert len(rows) == 9
    assert {r["decay"] for r in rows} >= {"K+ -> pi- mu+ mu+", "K+ -> mu- nu e+ e+", "K+ -> pi0 pi+ mu+ e-"}
    for r in rows:
        assert 0.0 < r["acceptance"] < 1.0
        assert r["ses"] == pytest.approx(1.0 / (r["n_k"] * r["acceptance"]))
        assert r["published_ul"] > 0


def test_background_free_limit_is_poisson(rows):
    r = next(r for r in rows if r["decay"] == "K+ -> pi- mu+ mu+")
    # zero background, zero observed: 90% CL CLs limit = -ln(0.1) signal events (Poisson)
    assert r["observed"] == 0 and r["background"] == 0
    assert r["expected_limit"]["median"] == pytest.approx(-math.log(0.1) * r["ses"], rel=2e-3)


def test_published_inputs_used_for_kmunuee(rows):
    r = next(r for r in rows if r["decay"] == "K+ -> mu- nu e+ e+")
    assert r["background"] == 0.26 and r["observed"] == 0 and r["observed_origin"] == "published"


def test_expected_limit_scales_with_n_k():
    chans = [c for c in default_channels() if c.decay == "K+ -> pi- e+ e+"]
    a = lnv_limits(LnvConfig(channels=chans), "na62-2022", seed=2, n_sim=2000)[0]
    b = lnv_limits(LnvConfig(channels=chans, n_k_scale=4.0), "na62-2022", seed=2, n_sim=2000)[0]
    # background-free channel: the limit scales exactly as 1/N_K
    assert b["expected_limit"]["median"] / a["expected_limit"]["median"] == pytest.approx(0.25, rel=1e-6)


def test_section_outputs(tmp_path):
    r = lnv_section(tmp_path, seed=2, quick=True, config={"n_sim": 2000, "channels": [c.model_dump() for c in default_channels()[:2]]})
    assert (tmp_path / "curves" / "lnv_limits.csv").read_text().startswith("# what:")
    assert (tmp_path / "plots" / "lnv_limits.png").is_file() and len(r["channels"]) == 2


def test_bad_inputs():
    assert candidate_pid_column("K+ -> pi+ mu- e+") == "w_pid_pi"
    with pytest.raises(InputError):
        lnv_limits(LnvConfig(channels=[{"decay": "pi+ -> e+ e+ mu-"}]), "na62-2022", seed=1, n_sim=500)
    with pytest.raises(InputError, match="n_k"):
        lnv_section("unused", config={"n_k": 0})
