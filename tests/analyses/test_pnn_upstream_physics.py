"""Upstream background from its mechanisms (analyses/pnn_budget/upstream_physics.py, upstream_check.py)."""

import numpy as np
import pytest

from kaonportal.analyses.pnn_budget.upstream_check import run_check
from kaonportal.analyses.pnn_budget.upstream_physics import (GTK3_BOX, _outside_gtk3_box, _pion_survives,
                                                             in_time_probability, upstream_physics)
from kaonportal.detector import load_card
from kaonportal.selection import load_selection
from kaonportal.simulation.pileup import scaled_card

CARD = load_card("na62-2022")
SEL = load_selection("pnn-2022")


def test_built_in_cards_carry_the_2017_calibration():
    # one number, calibrated on 2017 (scripts/calibrate_upstream.py), the same in both cards
    y = [load_card(c).upstream.interaction_pion_yield for c in ("na62-2018", "na62-2022")]
    assert y[0] == y[1] > 0
    assert CARD.upstream.collimator_half_x < load_card("na62-2018").upstream.collimator_half_x   # 2018 design


def test_pion_must_cross_the_collimator_aperture_and_miss_the_chanti():
    up = CARD.upstream
    z0 = up.collimator_z_front - 1.0
    cols = {"true_vertex_x": np.zeros(4), "true_vertex_y": np.zeros(4), "true_vertex_z": np.array([z0, z0, z0, 104.0]),
            "true_track_dxdz": np.array([0.001, 0.05, 0.001, 0.001]), "true_track_dydz": np.zeros(4)}
    # 1 mrad: through the aperture and the CHANTI hole; 50 mrad: into the collimator body; a decay downstream
    # of the collimator at 1 mrad: never tested against it
    ok = _pion_survives(CARD, cols)
    assert ok.tolist() == [True, False, True, True]
    # 30 mrad from 102.5 m: 59 mm off axis at the CHANTI back plane, outside its 47.5 mm hole: vetoed
    cols2 = {k: v[:1] for k, v in cols.items()}
    cols2["true_vertex_z"] = np.array([102.5])
    cols2["true_track_dxdz"] = np.array([0.030])
    assert not _pion_survives(CARD, cols2)[0]


def test_gtk3_box_rejects_tracks_pointing_back_into_the_beam():
    z1 = CARD.geometry.straw[0].z
    dz = z1 - CARD.beam.z_gtk3
    cols = {"track_x_straw1": np.array([0.0012 * dz, 0.010 * dz]), "track_y_straw1": np.zeros(2),
            "track_dxdz": np.array([0.0012, 0.0]), "track_dydz": np.zeros(2)}
    # a track along the beam points back to x = 0 at GTK3 (inside), the other to -0.81 m (outside)
    assert _outside_gtk3_box(CARD, cols).tolist() == [False, True]
    assert GTK3_BOX == (0.030, 0.015)


def test_upstream_rises_monotonically_with_intensity():
    # mechanism B only (the dominant one, one sample): a pi+ needs an in-time accidental, so it grows with the
    # rate; the samples are the same at every scale (same seed), only the accidentals change
    vals, p_in = [], []
    for x in (1.0, 2.0, 4.0):
        r = upstream_physics(scaled_card(CARD, x), SEL, 1.5e12, n=10_000, seed=5, decays=())
        vals.append(r.value)
        p_in.append(r.in_time_probability)
    assert vals[0] > 0
    assert vals[0] < vals[1] < vals[2]
    assert p_in[0] < p_in[1] < p_in[2] < 1.0
    # Poisson: P_in = 1 - exp(-R eps 2W)
    mu = 600.0 * 1e-3 * (1 - CARD.pileup.gtk_hit_inefficiency) ** 3 * 2 * CARD.pileup.window_kpi_ns
    assert in_time_probability(CARD) == pytest.approx(1 - np.exp(-mu))


def test_2021_22_upstream_against_published_not_fitted():
    # published 7.4 +2.1 -1.8 ([NA62:2024pjp]); the model is calibrated on 2017 only, so the ratio is a prediction.
    # Reference: run_check("pnn-2021-22", n=200_000, seed=1) gives ratio 0.697 (S_B statistical error 2.8 %;
    # measured on this code, 2026-12-04; seed 2 gives 0.695; the 0.78 once quoted here predates later model
    # changes). At fixed seed the yield's 31 % calibration error does not move the value, so the ratio is pinned
    # within 3x the statistical error only: the relative errors of S_B (~9 % at 20k) and of the decay part, and
    # the reference's 2.8 %, in quadrature.
    ref, ref_rel = 0.697, 0.028
    r, ratio = run_check("pnn-2021-22", n=20_000, seed=2)
    stat = np.hypot(r.decays_error, r.interactions * r.interaction_acceptance_error / r.interaction_acceptance)
    rel = float(np.hypot(stat / r.value, ref_rel))
    assert rel < 0.12                          # the test stays sharp: 20k events give ~9 %
    assert abs(ratio / ref - 1.0) < 3.0 * rel
    assert r.decays < 0.05 * r.value          # decays with their photons vetoed are a small part


def test_accidental_m2miss_is_the_beam_minus_track_four_momentum():
    # _with_accidental takes m2miss from kaonportal.reco.m2miss (as reco.accidentals does); it must be
    # (P_K - P_pi)^2 of the matched accidental beam track and the pi+ track, to rounding. Terms of 2 E_K E_pi
    # (~6750 GeV^2 at 75 x 45 GeV) cancel to ~0.01 GeV^2: one ulp of them is 1.5e-12 GeV^2, and against an 80-bit
    # reference both this four-vector form and reco.m2miss err by up to ~2e-15 p_K p_pi (measured, 1e5 tracks;
    # 4e-12 GeV^2 at most), so a flat 1e-12 GeV^2 cannot hold: the tolerance is 1e-14 p_K p_pi (a few ulps)
    from kaonportal import constants
    from kaonportal.analyses.pnn_budget.upstream_physics import _with_accidental
    rng = np.random.default_rng(3)
    n = 4000
    cols = {"p_track": rng.uniform(15.0, 45.0, n), "track_dxdz": rng.normal(0.0, 0.004, n),
            "track_dydz": rng.normal(0.0, 0.004, n), "track_x_straw1": rng.normal(0.0, 0.1, n),
            "track_y_straw1": rng.normal(0.0, 0.1, n)}
    out = _with_accidental(CARD, cols, np.random.default_rng(4))
    ok = np.isfinite(out["p_beam"])
    assert ok.sum() > 100

    def p4(p, tx, ty, m):
        k = p / np.sqrt(1.0 + tx * tx + ty * ty)
        return np.stack([np.sqrt(p * p + m * m), k * tx, k * ty, k], axis=1)
    d = p4(out["p_beam"][ok], out["beam_dxdz"][ok], out["beam_dydz"][ok], constants.mass("K+")) \
        - p4(cols["p_track"][ok], cols["track_dxdz"][ok], cols["track_dydz"][ok], constants.mass("pi+"))
    hand = d[:, 0] ** 2 - np.sum(d[:, 1:] ** 2, axis=1)
    assert np.all(np.abs(out["m2miss_pi"][ok] - hand) <= 1e-14 * out["p_beam"][ok] * cols["p_track"][ok])
    assert np.all(np.isnan(out["m2miss_pi"][~ok]))


def test_calibrated_yield_closes_on_the_published_count():
    # calibrate and upstream_physics share the mechanism (B) normalisation per unit yield: the yield calibrate
    # returns, put in the card, makes upstream_physics reproduce the published count it was fitted to (same
    # seed and samples: equal to rounding)
    from kaonportal.analyses.pnn_budget.upstream_physics import calibrate
    published = (0.9, 0.28)                      # the 2017 budget the built-in cards are calibrated on
    y, y_err, without_b = calibrate(CARD, SEL, 1.5e12, published, n=5000, seed=3)
    assert y > 0 and without_b.interactions == 0.0
    card = CARD.model_copy(deep=True)
    card.upstream.interaction_pion_yield = y
    r = upstream_physics(card, SEL, 1.5e12, n=5000, seed=3)
    assert r.value == pytest.approx(published[0], rel=1e-12)
    assert y_err / y > published[1] / published[0]     # the published error, and S_B statistics, in quadrature
