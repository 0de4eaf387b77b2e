"""The searches before and after they read the shared event record (issue #15 item 0).

The stored values (data/record_move_before.json) were made with main fb0d79a, before the move. pi0 -> gamma X kept
its random streams and draw order, so its outputs must be bit-identical (but for the changes on purpose, CHANGED_CONV);
visible X kept its generation and beam streams but its detector draws now come in the record's order, so its
acceptances are unchanged and its resolutions move only within their Monte Carlo error.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from kaonportal.analyses.searches.pi0_gamma_x import reconstruct_source
from kaonportal.analyses.searches.visible_x import reconstruct_pairs
from kaonportal.detector import load_card

BEFORE = json.loads((Path(__file__).parent / "data" / "record_move_before.json").read_text())
CARD = load_card("na62-2022")
# Changed on purpose after the move (review fxb item 1): the record's track_veto, the extra-track veto rule of the
# Dalitz e+ e-, now comes from detector.charged_veto.charged_veto_hits (MNP33 bending, MUV0, HASC, STRAW segments)
# as in the engine and pileup, not from a straight line. No draw changed (generated, tagged, m2 and mechanisms stay
# bit-identical); only the weights of events whose e+ and e- both miss the STRAW acceptance move. Measured with seed
# 1, 3000 decays: events with both leptons reaching no veto 1 -> 5 (soft e+- bent out by MNP33), sum of the one-photon
# weights 8.75e-4 -> 0.3085. Quick pi0_gamma_x scan (seed 1): Dalitz background +6.7 %, total window backgrounds
# +0.002 % to +0.10 %, expected A' limits +0.0007 % to +0.04 %, gamma nu nubar expected limit +0.003 %.
# (weights hash 60d7e4e1435ab67f, sum 0.30848529958348964; superseded by the Dalitz entry below)
# Changed on purpose after that (lo1): the conversion leptons follow detector.charged_veto (MUV0, HASC, STRAW
# segments, LAV entered through the inner radius) instead of a LAV-front / IRC / LKr rule of their own. No draw
# changed (generated, tagged, mechanisms bit-identical; conversions off: unchanged); more converted photons are
# vetoed, so some one-photon weights drop to 0 (their m2 to NaN). Seed 1, 3000 decays, sum of the one-photon
# weights: gamma A' 171.055 -> 171.015, Dalitz 0.30849 -> 0.30813, K+ -> pi+ pi0 gamma 2.09e-5 -> 1.58e-5.
# key -> (m2 hash, weights hash, weights sum)
CHANGED_CONV = {"gamma A'": ("540d666bede9e95a", "7b461a0884986dcd", 171.01468562149756),
                "dalitz": ("5b70ca375ee69a2d", "3c35f32b3cc49c5c", 0.30812891859623354),
                "kpi2g": ("d29456e430b46172", "695d4cd7ac215692", 1.5753896089791937e-05)}


def _sha(a) -> str:
    return hashlib.sha256(np.ascontiguousarray(np.asarray(a, float)).tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("key, source, seed, kw", [
    ("gamma A'", "gamma A'", 1, {"mass": 0.08}),
    ("dalitz", "dalitz", 1, {}),                       # three tracks: the extra-track veto rule
    ("kpi2g", "kpi2g", 1, {}),                         # three photons
    ("gamma gamma off", "gamma gamma", 2, {"conversion": None, "photonuclear": None}),
])
def test_pi0_gamma_x_bit_identical(key, source, seed, kw):
    r = reconstruct_source(source, 3000, seed, CARD, **kw)
    ref = BEFORE["pi0"][key]
    assert (r["generated"], r["tagged"]) == (ref["generated"], ref["tagged"])
    if key in CHANGED_CONV:
        m2, w, total = CHANGED_CONV[key]
        assert _sha(r["m2"]) == m2 != ref["m2"] and _sha(r["weights"]) == w != ref["w"]
        assert float(np.sum(r["weights"])) == pytest.approx(total, rel=1e-12)
    else:
        assert _sha(r["m2"]) == ref["m2"] and _sha(r["weights"]) == ref["w"]
    if "mech" in ref:
        assert _sha(r["mechanism"]) == ref["mech"]


@pytest.mark.parametrize("key, decay, kw", [
    ("gg", "K+ -> pi+ X", {"mass": 0.25, "x_decay": "gamma gamma"}),
    ("mumu", "K+ -> pi+ X", {"mass": 0.3, "x_decay": "mu+ mu-"}),
])
def test_visible_x_within_statistics(key, decay, kw):
    m, w = reconstruct_pairs(decay, 20000, 1, CARD, **kw)
    ref = BEFORE["visible"][key]
    ok = np.isfinite(m)
    # same generation and beam streams, same cuts on the same events: the signal acceptance did not move (the
    # cluster energy and distance cuts act on smeared values, but no signal event sits at a cut edge here: found
    # identical; 2e-4 allows about one event of ~7000 to cross)
    assert float(w[ok].sum() / w.sum()) == pytest.approx(ref["acc"], rel=2e-4)
    # pair-mass resolution (half the 16-84 % range): MC error sigma / sqrt(2 N) ~ 0.8 % for N ~ 7000-9000 accepted;
    # found +0.1 % (gg) and +0.6 % (mumu); 4 % is 5 standard errors. The peak position moves by < 0.1 sigma
    q16, q50, q84 = np.quantile(m[ok], [0.16, 0.5, 0.84])
    s_ref = 0.5 * (ref["q84"] - ref["q16"])
    assert 0.5 * (q84 - q16) == pytest.approx(s_ref, rel=0.04)
    assert abs(q50 - ref["q50"]) < 0.1 * s_ref
    assert _sha(m) != ref["m"]          # the detector draws did change: this test is not vacuous
