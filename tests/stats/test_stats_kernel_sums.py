"""stats.kernel_sums.window_sums equals the dense definition sum_i w_i [Phi((hi-x_i)/h_i) - Phi((lo-x_i)/h_i)]
(and the quadrature sum of the terms) to rounding, for bins, overlapping scan windows, kernels wider than the
windows and windows far from every event."""

import numpy as np
import pytest
from scipy.special import ndtr

from kaonportal.stats.kernel_sums import ORDER, Z_CUT, KernelSet, window_sums


def _dense(x, w, h, lo, hi):
    f = ndtr((hi[None, :] - x[:, None]) / h[:, None]) - ndtr((lo[None, :] - x[:, None]) / h[:, None])
    return np.sum(w[:, None] * f, axis=0), np.sqrt(np.sum((w[:, None] * f) ** 2, axis=0))


@pytest.mark.parametrize("hscale", [1e-4, 3e-3, 0.1])
def test_matches_dense_definition(hscale):
    rng = np.random.default_rng(3)
    n = 3000
    x = np.concatenate([rng.normal(0.0, 0.05, n), [5.0]])     # one event far from every window
    w = rng.exponential(1.0, n + 1)
    h = hscale * rng.uniform(0.5, 2.0, n + 1)
    edges = np.linspace(-0.2, 0.2, 81)
    centres = np.linspace(-0.25, 0.25, 40)
    lo = np.concatenate([edges[:-1], centres - 0.004, [3.0]])   # bins, overlapping windows, an empty window
    hi = np.concatenate([edges[1:], centres + 0.004, [3.1]])
    b, err = window_sums(x, w, h, lo, hi)
    bd, ed = _dense(x, w, h, lo, hi)
    # summation order differs: agreement to a few ulp of the totals (absolute, as tiny tails are summed)
    np.testing.assert_allclose(b, bd, rtol=1e-12, atol=1e-12 * w.sum())
    np.testing.assert_allclose(err, ed, rtol=1e-12, atol=1e-12 * np.sqrt((w * w).sum()))
    assert b[-1] < 1e-12 and np.all(b >= 0)


def test_empty_inputs():
    b, err = window_sums([], [], [], [0.0], [1.0])
    assert b.tolist() == [0.0] and err.tolist() == [0.0]
    assert window_sums([0.0], [1.0], [1.0], [], [])[0].size == 0


@pytest.mark.parametrize("n", [2, 20])        # fewer, and more, than MIN_PER_CELL events of one width
@pytest.mark.parametrize("bad", [0.0, -0.01, np.nan, np.inf])
def test_width_not_finite_and_positive_is_refused(n, bad):
    """h = 0 with >= 8 events of one width used to give 0 in every window (its cells' moments divide by h), not the
    step function it stands for: a width must be finite and > 0."""
    x, w, h = np.linspace(-0.1, 0.1, n), np.ones(n), np.full(n, 0.01)
    h[-1] = bad
    with pytest.raises(ValueError, match="h: every kernel width must be finite and > 0"):
        KernelSet(x, w, h)
    with pytest.raises(ValueError, match="finite and > 0"):
        window_sums(x, w, np.full(n, bad), [-1.0], [1.0])


def test_mixed_widths_and_reuse_match_dense():
    # a dense narrow source plus a sparse source with kernels 1e3 x wider (as the HNL/kmunux backgrounds):
    # each width group has its own reach, so the narrow events are evaluated only near the edges
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(0.0, 0.05, 4000), rng.uniform(-0.3, 0.3, 12)])
    w = np.concatenate([rng.exponential(1.0, 4000), rng.exponential(1e3, 12)])
    h = np.concatenate([np.full(4000, 2e-4), np.full(12, 0.2)])
    edges = np.linspace(-0.2, 0.2, 101)
    ks = KernelSet(x, w, h)
    assert len(ks.groups) == 2
    for lo, hi in ((edges[:-1], edges[1:]), (np.array([-0.01, 0.0]), np.array([0.15, 0.15]))):
        b, err = ks.window_sums(lo, hi)          # one sorted set, queried twice
        bd, ed = _dense(x, w, h, lo, hi)
        np.testing.assert_allclose(b, bd, rtol=1e-12, atol=1e-12 * w.sum())
        np.testing.assert_allclose(err, ed, rtol=1e-12, atol=1e-12 * np.sqrt((w * w).sum()))
        np.testing.assert_array_equal(b, window_sums(x, w, h, lo, hi)[0])


def test_batched_windows_equal_single_queries_bit_for_bit():
    # kmunux ranks its candidate counting regions with one query; each window's sum must not depend on the batch
    rng = np.random.default_rng(11)
    x, w = rng.normal(0.0, 0.05, 2000), rng.exponential(1.0, 2000)
    h = np.where(rng.random(2000) < 0.1, 0.03, 1e-3)
    ks = KernelSet(x, w, h)
    lo, hi = np.array([-0.05, 0.0, 0.01, 0.02]), np.full(4, 0.15)
    b, err = ks.window_sums(lo, hi)
    bd, ed = _dense(x, w, h, lo, hi)                          # nested windows sharing their upper edge
    np.testing.assert_allclose(b, bd, rtol=1e-12, atol=1e-12 * w.sum())
    np.testing.assert_allclose(err, ed, rtol=1e-12, atol=1e-12 * np.sqrt((w * w).sum()))
    for j in range(lo.size):
        bj, ej = ks.window_sums(lo[j:j + 1], hi[j:j + 1])
        assert bj[0] == b[j] and ej[0] == err[j]


def test_bin_sums_match_dense_and_window_sums():
    # a histogram's bins share edges: Phi evaluated once per event and edge; same sums to rounding
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0.0, 0.05, 3000), rng.uniform(-0.3, 0.3, 10), [5.0, -5.0]])
    w = rng.exponential(1.0, x.size)
    h = np.concatenate([np.full(3000, 3e-3), np.full(10, 0.1), [0.01, 0.01]])
    edges = np.linspace(-0.2, 0.2, 81)
    b, err = KernelSet(x, w, h).bin_sums(edges)
    bd, ed = _dense(x, w, h, edges[:-1], edges[1:])
    np.testing.assert_allclose(b, bd, rtol=1e-12, atol=1e-12 * w.sum())
    np.testing.assert_allclose(err, ed, rtol=1e-12, atol=1e-12 * np.sqrt((w * w).sum()))
    bw, ew = window_sums(x, w, h, edges[:-1], edges[1:])
    np.testing.assert_allclose(b, bw, rtol=1e-12, atol=1e-12 * w.sum())
    with pytest.raises(ValueError, match="increasing"):
        KernelSet(x, w, h).bin_sums([0.0, 0.0, 1.0])


def _precise(x, w, h, lo, hi):
    # the dense definition with the difference of two upper tails when both edges are above the event (no
    # cancellation of two values near 1): the reference for sums of heavy sources far below a window
    zl, zh = (lo[None, :] - x[:, None]) / h[:, None], (hi[None, :] - x[:, None]) / h[:, None]
    f = np.where(zl > 0, ndtr(-zl) - ndtr(-zh), ndtr(zh) - ndtr(zl))
    return np.sum(w[:, None] * f, axis=0), np.sqrt(np.sum((w[:, None] * f) ** 2, axis=0))


def test_cells_of_one_width_source_match_dense():
    # a wide one-width source (the hnl/kmunux backgrounds): its events are summed by cells (Taylor moments);
    # next to it a narrow source summed event by event
    rng = np.random.default_rng(13)
    n = 20000
    x = np.concatenate([rng.normal(0.0, 0.05, n), rng.uniform(-0.3, 0.3, 50)])
    w = np.concatenate([rng.exponential(1.0, n), rng.exponential(100.0, 50)])
    h = np.concatenate([np.full(n, 0.01), np.full(50, 0.003)])
    ks = KernelSet(x, w, h)
    assert sorted(g.order for g in ks.groups) == [0, ORDER]
    edges = np.linspace(-0.2, 0.2, 401)
    centres = np.linspace(-0.25, 0.25, 60)
    lo = np.concatenate([edges[:-1], centres - 0.004, [0.5]])
    hi = np.concatenate([edges[1:], centres + 0.004, [0.6]])
    bd, ed = _precise(x, w, h, lo, hi)
    b, err = ks.window_sums(lo, hi)
    # the truncation of the expansion is < 1e-21 w per event (module docstring): rounding-level agreement
    np.testing.assert_allclose(b, bd, rtol=1e-12, atol=1e-15 * w.sum())
    np.testing.assert_allclose(err, ed, rtol=1e-12, atol=1e-15 * np.sqrt((w * w).sum()))
    bb, eb = ks.bin_sums(edges)
    np.testing.assert_allclose(bb, bd[:400], rtol=1e-12, atol=1e-15 * w.sum())
    np.testing.assert_allclose(eb, ed[:400], rtol=1e-12, atol=1e-15 * np.sqrt((w * w).sum()))
    assert np.array_equal(ks.bin_sums(edges, error=False)[0], bb)
    assert not np.any(ks.bin_sums(edges, error=False)[1])
    # each window alone, bit for bit (kmunux's batched region choice)
    for j in (0, 399, 420, lo.size - 1):
        bj, ej = ks.window_sums(lo[j:j + 1], hi[j:j + 1])
        assert bj[0] == b[j] and ej[0] == err[j]


def test_cells_keep_relative_accuracy_far_above_a_heavy_source():
    # 1e9 x heavier events 0.2 below the windows, inside the kernel reach: the windows hold only their tails
    rng = np.random.default_rng(17)
    x = rng.normal(0.0, 0.01, 5000)
    w = rng.exponential(1e9, 5000)
    h = np.full(5000, 0.03)
    lo, hi = np.array([0.15, 0.2]), np.array([0.2, 0.25])
    b, err = KernelSet(x, w, h).window_sums(lo, hi)
    bd, ed = _precise(x, w, h, lo, hi)
    # beyond Z_CUT widths f is taken as 0 or 1: an absolute error <= Phi(-Z_CUT) w per event and edge (the
    # design of the module); the rest is rounding. Differencing two values near 1 instead (Phi(z_hi) - Phi(z_lo))
    # would leave ~1e-16 x sum(w) = 5e-4 events here (1e-6 relative on the second window)
    tail = 2.0 * ndtr(-Z_CUT)
    np.testing.assert_allclose(b, bd, rtol=1e-13, atol=tail * w.sum())
    np.testing.assert_allclose(err, ed, rtol=1e-13, atol=tail * np.sqrt((w * w).sum()))
