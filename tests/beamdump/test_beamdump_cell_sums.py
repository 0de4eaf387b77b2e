"""The compiled cell sums of one X sample equal the numpy formulas of the yield grid bit for bit (the grid's
contour.csv must not move when the sums are fused)."""

import numpy as np

from kaonportal.beamdump.cell_sums import SampleSums
from kaonportal.beamdump.detection import Detection, decay_weights


def _numpy_reference(parts, mass, ctau):
    """The numpy expressions the compiled loops replace: decay_weights, the per-channel contribution matrix and
    its column sums, and the per-event sum over channels with its square."""
    n_c = ctau.size
    cells, rows_parts = [], []
    for idx, p, l_to, l_in, w, factor in parts:
        det = Detection(np.ones(idx.size), p, l_to, l_in, p * np.nan, p * np.nan)
        contrib = w[:, None] * decay_weights(det, mass, ctau) * factor[None, :]
        cells.append(contrib.sum(axis=0))
        rows_parts.append((idx, contrib))
    rows = np.unique(np.concatenate([idx for idx, _ in rows_parts]))
    per_event = np.zeros((rows.size, n_c))
    for idx, contrib in rows_parts:
        per_event[np.searchsorted(rows, idx)] += contrib
    return cells, per_event.sum(axis=0), (per_event ** 2).sum(axis=0)


def _parts(rng, n=3000, n_ch=2):
    out = []
    for _ in range(n_ch):
        idx = np.flatnonzero(rng.random(n) < 0.4)
        k = idx.size
        l_in = rng.uniform(50.0, 80.0, k)
        l_to = rng.uniform(0.0, 1.0, k) * l_in + 80.0
        l_to[:3] = np.inf                    # backward X: D must come out 0, not NaN
        out.append((idx, rng.uniform(1.0, 300.0, k), l_to, l_in, rng.exponential(1.0, k),
                    rng.uniform(0.0, 1e-3, 37)))
    return out


def test_cell_sums_equal_the_numpy_formulas_bit_for_bit():
    rng = np.random.default_rng(5)
    mass, ctau = 0.3, np.geomspace(1e-6, 1e6, 37)    # prompt to very long-lived: underflow and overflow of exp
    parts = _parts(rng)
    sums = SampleSums(mass, ctau)
    for part in parts:
        sums.add(*part)
    cells, total, var = sums.finish()
    ref_cells, ref_total, ref_var = _numpy_reference(parts, mass, ctau)
    for got, ref in zip(cells, ref_cells):
        assert np.array_equal(got, ref)
    assert np.array_equal(total, ref_total) and np.array_equal(var, ref_var)
    assert np.all(np.isfinite(total)) and var[-1] > 0 and var[0] == 0.0    # long-lived: yield; prompt: none


def test_overlapping_channels_add_before_squaring():
    """Two channels selecting the same event: its variance term is (c1 + c2)^2, not c1^2 + c2^2."""
    one = (np.array([4]), np.array([10.0]), np.array([100.0]), np.array([60.0]), np.array([1.0]), np.array([1.0]))
    sums = SampleSums(1.0, [50.0])
    sums.add(*one)
    sums.add(*one)
    cells, total, var = sums.finish()
    assert cells[0][0] == cells[1][0] > 0
    assert total[0] == 2 * cells[0][0]
    assert np.isclose(var[0], 4 * cells[0][0] ** 2, rtol=1e-15)
