"""The forced-decay samples in the K+ -> pi+ nu nubar budget (analyses/pnn_budget/): the ordinary
sample without its decayed events plus the forced sample's decayed events weighted by their decay
probability is an unbiased estimate of the ordinary sample's yield.

The statistical check compares independent samples (different seeds) at a 1e-3 two-sided false-alarm
rate (|z| < 3.29); seeds are fixed, so the outcome is deterministic.
"""

import numpy as np
import pytest
from scipy import stats

from kaonportal.analyses.pnn import needed_columns
from kaonportal.analyses.pnn_budget import Calibration, forced_sample_size, sample_pieces, source_estimate
from kaonportal.selection import cut_flow, load_selection
from kaonportal.simulation import simulate

SEL = load_selection("pnn-2017")
Z = tuple(SEL.fiducial_z)
N_PLAIN, N_FORCED = 150_000, 30_000


def _table(seed, n, **kw):
    t = simulate("K+ -> mu+ nu", n=n, seed=seed, card="na62-2018", z_range=Z, muon_decays=True, **kw).events
    keep = needed_columns(SEL)
    return t.select([c for c in t.column_names if c in keep])


@pytest.fixture(scope="module")
def samples():
    return _table(31, N_PLAIN), _table(32, N_FORCED, force_decays=True)


def test_decayed_part_agrees_with_ordinary_sample(samples):
    # yield per fiducial decay of decayed muons giving a single track in the spectrometer and a vertex in
    # the fiducial range (the ordinary sample has ~30 such events, the forced one ~N_FORCED x 0.6)
    plain, forced = samples
    skip = [c.id for c in SEL.cuts if c.id not in ("single_track", "vertex_z")]
    cf_p = cut_flow(SEL, plain, skip=skip)
    dec_p = plain.column("track_decayed").to_numpy(zero_copy_only=False)
    w_p = np.where(dec_p, cf_p.weights, 0.0) / cf_p.total
    (_, _), (f_ev, mult) = sample_pieces(plain, forced)
    cf_f = cut_flow(SEL, forced, skip=skip)
    w_f = cf_f.weights * mult / cf_f.total
    a, va = w_p.sum(), np.sum(w_p ** 2)
    b, vb = w_f.sum(), np.sum(w_f ** 2)
    assert np.count_nonzero(w_p) >= 10 and np.count_nonzero(w_f) > 1000
    z = (a - b) / np.sqrt(va + vb)
    assert abs(z) < stats.norm.isf(0.5e-3), f"ordinary {a:.3g} +- {va ** 0.5:.2g} vs forced {b:.3g} +- {vb ** 0.5:.2g}"


def test_source_estimate_combines_the_pieces(samples):
    plain, forced = samples
    bins = list(SEL.momentum_bins)
    cal = Calibration()
    br = 0.6356
    with_f = source_estimate("K+ -> mu+ nu", {"K+ -> mu+ nu": (plain, br)}, SEL, 1e11, cal, bins,
                             forced={"K+ -> mu+ nu": forced})
    without = source_estimate("K+ -> mu+ nu", {"K+ -> mu+ nu": (plain, br)}, SEL, 1e11, cal, bins)
    assert with_f.n_events == N_PLAIN + N_FORCED
    assert with_f.detail["forced_decay_samples"] == ["K+ -> mu+ nu"]
    # every positron candidate comes from a mu+ -> e+ decay in flight, now from the forced sample
    assert with_f.detail["by_track"]["e"] == pytest.approx(with_f.detail["decayed_in_flight"], rel=1e-12)
    # the undecayed part is the ordinary sample's, unchanged
    und = with_f.simulation - with_f.detail["decayed_in_flight"]
    assert und == pytest.approx(without.simulation - without.detail["decayed_in_flight"], rel=1e-9, abs=1e-12)
    # the forced estimate of the decayed part is far more precise (many events instead of a few)
    assert with_f.detail["by_track_error"]["e"] < 0.2 * with_f.detail["by_track"]["e"]


def test_forced_sample_size():
    assert forced_sample_size("K+ -> mu+ nu", 4_000_000) == 1_000_000
    assert forced_sample_size("K+ -> mu+ nu", 2) == 1
    assert forced_sample_size("K+ -> pi+ pi0", 4_000_000) == 0
