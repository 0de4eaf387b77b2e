"""stats.kernel_sums.window_sums equals the dense definition sum_i w_i [Phi((hi-x_i)/h_i) - Phi((lo-x_i)/h_i)]
(and the quadrature sum of the terms) to rounding, for bins, overlapping scan windows, kernels wider than the
windows and windows far from every event."""

import numpy as np
import pytest
from scipy.special import ndtr

from kaonportal.stats.kernel_sums import window_sums


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
