"""Accidental beam-track association (kaonportal.reco.accidentals)."""

import numpy as np
import pytest

from kaonportal.reco.accidentals import MISMATCH_REF, RATE_REF_MHZ, accidental_pairing, mismatch_probability
from kaonportal.constants import mass
from kaonportal.detector import load_card
from kaonportal.errors import InputError
from kaonportal.reco import m2miss


def _tracks(card, n, z0=130.0, p=30.0, tx=0.004, ty=0.001):
    """n copies of one straight track from a vertex on the nominal beam line at z0, at STRAW1."""
    b = card.beam
    z1 = card.geometry.straw[0].z
    xv = b.x0 + b.dxdz * (z0 - b.z_gtk3)
    yv = b.y0 + b.dydz * (z0 - b.z_gtk3)
    one = np.ones(n)
    return {"p_track": p * one, "track_dxdz": tx * one, "track_dydz": ty * one,
            "track_x_straw1": (xv + tx * (z1 - z0)) * one, "track_y_straw1": (yv + ty * (z1 - z0)) * one}


def test_mismatch_scales_with_beam_rate():
    c18, c22 = load_card("na62-2018"), load_card("na62-2022")
    # reference: 1.3% at 450 MHz (NP section 3, [FW] MVA matching tool, V; rate of the 2016-18 card)
    assert mismatch_probability(c18) == pytest.approx(MISMATCH_REF * c18.run_conditions.beam_rate_mhz / RATE_REF_MHZ)
    assert mismatch_probability(c22) / mismatch_probability(c18) == pytest.approx(600.0 / 450.0)
    assert mismatch_probability(c22, p_ref=0.9, rate_ref_mhz=100.0) == 1.0       # capped probability
    with pytest.raises(InputError, match="p_ref"):
        mismatch_probability(c22, p_ref=1.5)
    with pytest.raises(InputError, match="rate_ref_mhz"):
        mismatch_probability(c22, rate_ref_mhz=0.0)


def test_degenerate_beam_gives_back_the_true_vertex():
    # with zero beam spread and perfect GTK/STRAW resolution the "accidental" beam particle is the nominal
    # beam line itself, which the track crosses at z0: CDA 0, vertex at z0, m2miss of the nominal kaon
    c = load_card("na62-2022")
    beam = c.beam.model_copy(update={"momentum_spread": 0.0, "divergence_x": 0.0, "divergence_y": 0.0,
                                     "spot_x": 0.0, "spot_y": 0.0})
    res = c.resolution.model_copy(update={"gtk_p_rel": 0.0, "gtk_angle": 0.0, "gtk_position": 0.0,
                                          "straw_position": 0.0})
    card = c.model_copy(update={"beam": beam, "resolution": res})
    ev = _tracks(card, 5)
    out = accidental_pairing(ev, card, seed=3)
    # (reco.closest_approach has a ~1e-6 m rounding floor at small angles: shared/issue notes, "cross-product form")
    assert np.allclose(out["cda"], 0.0, atol=1e-6)
    assert np.allclose(out["vertex_z"], 130.0, atol=1e-5)
    expect = m2miss(np.array([beam.momentum]), beam.dxdz, beam.dydz, mass("K+"), np.array([30.0]), 0.004, 0.001,
                    mass("mu+"))
    assert np.allclose(out["m2miss_mu"], expect[0], rtol=0, atol=1e-12)


def test_m2miss_spread_follows_the_beam_profile():
    # for one fixed track the accidental m2miss varies only through the redrawn beam particle: its rms must
    # equal the linear propagation of the card's beam momentum spread and divergences plus the GTK resolution
    # (numerical derivatives of reco.m2miss). 20000 draws: the rms is known to 0.5%; the 5% tolerance covers
    # the second-order terms of the expansion.
    card = load_card("na62-2022")
    n = 20_000
    out = accidental_pairing(_tracks(card, n), card, seed=11)
    b, r = card.beam, card.resolution
    x0 = np.array([b.momentum, b.dxdz, b.dydz])
    sig = np.array([np.hypot(b.momentum * b.momentum_spread, b.momentum * r.gtk_p_rel),
                    np.hypot(b.divergence_x, r.gtk_angle), np.hypot(b.divergence_y, r.gtk_angle)])

    def f(x):
        return m2miss(np.array([x[0]]), x[1], x[2], mass("K+"), np.array([30.0]), 0.004, 0.001, mass("mu+"))[0]

    grad = []
    for i, h in enumerate((1e-3, 1e-7, 1e-7)):
        e = np.zeros(3)
        e[i] = h
        grad.append((f(x0 + e) - f(x0 - e)) / (2 * h))
    predicted = float(np.sqrt(np.sum((np.array(grad) * sig) ** 2)))
    assert np.std(out["m2miss_mu"]) == pytest.approx(predicted, rel=0.05)
    # reproducible with its seed, different with another
    again = accidental_pairing(_tracks(card, n), card, seed=11)
    assert np.array_equal(again["m2miss_mu"], out["m2miss_mu"])
    assert not np.array_equal(accidental_pairing(_tracks(card, n), card, seed=12)["m2miss_mu"], out["m2miss_mu"])


def test_reference_rate_is_the_pnn_budget_constant():
    # review item 8: one 450 MHz constant (typical 2016-18 beam rate at GTK3, na62_parameters.md, V)
    from kaonportal.analyses.pnn_budget.upstream import RATE_REF_MHZ as upstream_ref
    assert RATE_REF_MHZ is upstream_ref and RATE_REF_MHZ == 450.0
    assert load_card("na62-2018").run_conditions.beam_rate_mhz == RATE_REF_MHZ


def test_mismatch_follows_the_pileup_model_with_intensity():
    # issue 15 F4: at 1x the default p_mis is unchanged (published-agreeing HNL numbers do not move); at X it is
    # p(1) (1 - (1 - m1)^X) / m1 with m1 the pile-up model's mismatch (~3%): a Poisson law, slightly below linear
    from kaonportal.analyses.intensity import predict
    from kaonportal.analyses.searches.hnl_config import HnlConfig, channel_mismatch
    from kaonportal.reco.accidentals import mismatch_at_intensity
    card = load_card("na62-2018")
    p1 = mismatch_probability(card)
    assert mismatch_at_intensity(p1, card, 1.0) == p1
    m1 = predict(card, (1.0,), seed=1)[0].kpi_mismatch
    assert 0 < m1 < 0.2
    p2, p4 = (mismatch_at_intensity(p1, card, x) for x in (2.0, 4.0))
    assert p2 == pytest.approx(p1 * (1 - (1 - m1) ** 2) / m1, rel=1e-12)
    assert p1 < p2 < 2 * p1 and 2 * p2 * (1 - m1) < p4 < 2 * p2
    # the HNL muon mode takes it through its config (kaonportal run --intensity-scale passes it)
    ch = "K+ -> mu+ N"
    assert channel_mismatch(ch, HnlConfig(), card) == p1
    assert channel_mismatch(ch, HnlConfig(intensity_scale=2.0), card) == pytest.approx(p2)
    with pytest.raises(ValueError):
        HnlConfig(intensity_scale=float("nan"))


def test_run_passes_the_intensity_to_the_mismatch_searches():
    from kaonportal.analyses.config import load_config
    from kaonportal.cli.run import _search_config
    cfg = load_config(quick=True, overrides={"intensity_scale": 2.0})
    assert _search_config(cfg, "hnl")["intensity_scale"] == 2.0
    assert _search_config(cfg, "kmunux")["intensity_scale"] == 2.0
    assert "intensity_scale" not in (_search_config(cfg, "kpix") or {})
    assert "intensity_scale" not in (_search_config(load_config(quick=True), "hnl") or {})
