"""stats.kernel_sums.window_sums equals the dense definition sum_i w_i [Phi((hi-x_i)/h_i) - Phi((lo-x_i)/h_i)]
(and the quadrature sum of the terms) to rounding, for bins, overlapping scan windows, kernels wider than the
windows and windows far from every event."""

import numpy as np
import pytest
from scipy.special import ndtr

from kaonportal.stats.kernel_sums import KernelSet, window_sums


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
