"""LFV pi0 decays tagged in K+ -> pi+ pi0 (the pi0 -> mu- e+ search of PRL 127 (2021) 131802), run with the
lnv section's exposure, selection and counting model."""

import numpy as np
import pytest
from pydantic import ValidationError

from kaonportal import constants
from kaonportal.analyses.searches.lnv import LnvConfig, default_channels, lnv_limits
from kaonportal.analyses.searches.lnv_pi0 import Pi0LfvDecay, default_pi0_decays, pi0_lfv_limits
from kaonportal.decays.newphysics import pi_x

N_SIM = 3000
CARD = "na62-2022"


@pytest.fixture(scope="module")
def pi0_rows():
    return {r["decay"]: r for r in pi0_lfv_limits(LnvConfig(), CARD, seed=3, n_sim=N_SIM)}


def test_generated_pair_is_a_pi0():
    # the cascade's defining property: the lepton pair has the pi0 mass (K+ -> pi+ X, X at m_pi0 -> mu- e+)
    t = pi_x(500, np.random.default_rng(1), constants.mass("pi0"), x_decay="mu- e+")
    prod = t.products("K+ -> pi+ X")
    assert prod.names == ("pi+", "X", "mu-", "e+")
    p = t.p4(2) + t.p4(3)
    m = np.sqrt(np.maximum(p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1), 0.0))
    assert np.allclose(m, constants.mass("pi0"), rtol=1e-9, atol=1e-9)


def test_ses_is_normalised_on_the_tag_branching_ratio(pi0_rows):
    # SES(pi0 -> mu e) x A x BR(K+ -> pi+ pi0) = 1 / (exposure x year fraction), the same product as for a K+
    # channel of the same years with the same exposure (K+ -> pi+ mu- e+, 2017-2018)
    ch = [c for c in default_channels() if c.decay == "K+ -> pi+ mu- e+"]
    k = lnv_limits(LnvConfig(channels=ch), CARD, seed=3, n_sim=N_SIM)[0]
    r = pi0_rows["pi0 -> mu- e+"]
    assert r["br_tag"] == constants.BR_K["K+ -> pi+ pi0"]
    assert r["ses"] * r["acceptance"] * r["br_tag"] * r["year_fraction"] == pytest.approx(
        k["ses"] * k["acceptance"] * k["year_fraction"], rel=1e-12)


def test_published_limit_compared_only_where_published(pi0_rows):
    assert set(pi0_rows) == {d.decay for d in default_pi0_decays()} == {"pi0 -> mu- e+", "pi0 -> mu+ e-"}
    mue = pi0_rows["pi0 -> mu- e+"]
    assert mue["published_ul"] == 3.2e-10          # PRL 127 (2021) 131802 abstract
    assert mue["published_ratio"] == pytest.approx(mue["expected_limit"]["median"] / 3.2e-10)
    # stated disagreement, as the other LNV channels on the same normalisation (0.20x: 5x stronger than published)
    assert mue["published_ratio"] < 0.5 and mue["agreement"].startswith("disagree (x")
    assert "stronger than published" in mue["agreement"]
    assert pi0_rows["pi0 -> mu+ e-"]["published_ratio"] is None
    for r in pi0_rows.values():
        assert 0 < r["acceptance"] < 1 and r["observed"] == 0
        e = r["expected_limit"]
        assert e["minus2"] <= e["median"] <= e["plus2"]


def test_only_lfv_pi0_pairs_accepted():
    with pytest.raises(ValidationError):
        Pi0LfvDecay(decay="pi0 -> e+ e-")
