"""Forced in-flight decays of the candidate (simulate(force_decays=True), simulation/engine.py): an
importance-sampled copy of the decayed part of an ordinary sample.

Statistical checks compare an ordinary and a forced sample simulated with different seeds (independent);
each uses a two-sided test at a 1e-3 false-alarm rate (|z| < 3.29, or an exact Poisson p-value > 1e-3),
with fixed seeds, so the outcome is deterministic.
"""

import numpy as np
import pytest
from scipy import stats

from kaonportal.simulation import simulate

N = 120_000
Z = (115.0, 165.0)
ALPHA = 1e-3


def _cols(t, names):
    return {c: t.column(c).to_numpy(zero_copy_only=False) for c in names}


@pytest.fixture(scope="module")
def kmu2():
    names = ["track_decayed", "weight_forced_decay", "weight_gen", "decay_prob", "p_track", "track_true_pdgid",
             "true_p_beam", "true_vertex_z", "true_p_track", "m2miss_pi"]
    plain = simulate("K+ -> mu+ nu", n=N, seed=23, card="na62-2018", z_range=Z, muon_decays=True).events
    forced = simulate("K+ -> mu+ nu", n=N, seed=24, card="na62-2018", z_range=Z, muon_decays=True,
                      force_decays=True).events
    forced_same_seed = simulate("K+ -> mu+ nu", n=N // 4, seed=21, card="na62-2018", z_range=Z, muon_decays=True,
                                force_decays=True).events
    plain_same_size = simulate("K+ -> mu+ nu", n=N // 4, seed=21, card="na62-2018", z_range=Z,
                               muon_decays=True).events
    return _cols(plain, names), _cols(forced, names), (_cols(plain_same_size, names), _cols(forced_same_seed, names))


def test_option_off_leaves_weight_one(kmu2):
    plain = kmu2[0]
    assert np.all(plain["weight_forced_decay"] == 1.0)


def test_forcing_does_not_touch_other_streams(kmu2):
    # beam, vertex and the decay's own kinematics come from other random streams than the in-flight decay
    plain, forced = kmu2[2]
    for c in ("true_p_beam", "true_vertex_z", "true_p_track", "weight_gen", "decay_prob"):
        assert np.array_equal(plain[c], forced[c]), c
    # the ordinary run's decayed muons are among the forced ones (every forward muon decays there)
    assert np.all(forced["track_decayed"][plain["track_decayed"]])


def test_forced_sample_is_all_decayed_with_probability_weights(kmu2):
    f = kmu2[1]
    w = f["weight_forced_decay"]
    assert np.all((w >= 0) & (w < 0.05))            # P(mu decays before STRAW1) ~ L/lambda ~ 3e-4
    assert np.all(f["track_decayed"] == (w > 0))
    assert np.all(np.abs(f["track_true_pdgid"][f["track_decayed"]]) == 11)


def test_decayed_fraction_agrees(kmu2):
    # ordinary sample: count of decayed muons ~ Poisson(N P); forced: N P estimated with ~0.1% precision
    plain, f, _ = kmu2
    k = int(plain["track_decayed"].sum())
    mu = N * float(np.mean(f["weight_forced_decay"] * f["track_decayed"]))
    p = 2 * min(stats.poisson.cdf(k, mu), stats.poisson.sf(k - 1, mu))
    assert p > ALPHA, f"{k} decayed vs {mu:.1f} expected from the forced sample"


def _weighted_mean(x, w):
    m = np.average(x, weights=w)
    return m, np.average((x - m) ** 2, weights=w) / (w.sum() ** 2 / np.sum(w * w))


@pytest.mark.parametrize("quantity", ["vertex_z", "positron_above_5gev"])
def test_distributions_of_decays_agree(kmu2, quantity):
    # bounded quantities of the decayed events (a z-test is reliable with ~40 ordinary decays): the kaon
    # vertex z (the forced weight P ~ L/lambda depends on it) and the fraction of positrons seen with
    # p > 5 GeV/c (the mu+ -> e+ spectrum boosted)
    plain, f, _ = kmu2

    def value(c, m):
        if quantity == "vertex_z":
            return c["true_vertex_z"][m]
        return (np.nan_to_num(c["p_track"][m]) > 5.0).astype(float)

    a = value(plain, plain["track_decayed"])
    sel = f["track_decayed"]
    m_f, v_f = _weighted_mean(value(f, sel), f["weight_forced_decay"][sel])
    z = (a.mean() - m_f) / np.sqrt(a.var(ddof=1) / len(a) + v_f)
    assert len(a) > 20 and abs(z) < stats.norm.isf(ALPHA / 2), f"z = {z:.2f}"
