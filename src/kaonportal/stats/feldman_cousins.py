"""Feldman-Cousins confidence intervals for a Poisson signal over a (possibly uncertain) background.

G. J. Feldman and R. D. Cousins, PRD 57 (1998) 3873, section IV.B: Neyman construction in which the
acceptance region of each signal ``s`` collects counts ``n`` in decreasing order of the likelihood ratio
``R(n) = P(n | s) / P(n | s_best(n))``, ``s_best = max(0, n - b)`` (their eq. 4.1), until the summed
probability reaches the confidence level (at least CL: the last ``n`` is included, as in their Table IV).
The interval for ``n0`` is the set of ``s`` whose acceptance region contains ``n0``: computed on a grid of
``s`` (step 0.01 events, 0.05 with
nuisances) and refined by bisection at both ends (to 1e-6 events).

Background uncertainty: ``P(n | s)`` is averaged over the background (and efficiency) constraint
(Cousins & Highland, NIM A 320 (1992) 331; the approach of J. Conrad et al., PRD 67 (2003) 012002), and
``s_best`` maximises the averaged probability (found numerically).
"""

from __future__ import annotations

__all__ = ["fc_interval", "fc_acceptance"]

import math

import numpy as np
from scipy.special import gammaln

_GRID_STEP = 0.01


def _pmf(n, lam):
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(lam > 0, n * np.log(np.where(lam > 0, lam, 1.0)) - lam - gammaln(n + 1.0),
                      np.where(n == 0, 0.0, -np.inf))
    return np.exp(lp)


class _Model:
    """Averaged Poisson probabilities ``P(n | s) = sum_k w_k Pois(n | s eps_k + beta_k)``."""

    def __init__(self, beta, eps, w):
        self.beta = np.atleast_1d(np.asarray(beta, dtype=float))
        self.eps = np.atleast_1d(np.asarray(eps, dtype=float))
        self.w = np.atleast_1d(np.asarray(w, dtype=float))
        self.known = self.beta.size == 1 and self.eps.size == 1

    def prob(self, n, s):
        """P(n | s) for broadcastable n, s."""
        n, s = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(s, dtype=float))
        return np.sum(self.w * _pmf(n[..., None], s[..., None] * self.eps + self.beta), axis=-1)

    def best_prob(self, nmax: int) -> np.ndarray:
        """max over s >= 0 of P(n | s), for n = 0..nmax."""
        n = np.arange(nmax + 1, dtype=float)
        if self.known:
            return _pmf(n, np.maximum(n, self.beta[0]))  # s_best = max(0, n - b), FC eq. 4.1
        # golden-section on log P over s in [0, n + 5 sqrt(n) + 5] (P(n|s) is unimodal in s)
        a = np.zeros_like(n)
        c = n + 5.0 * np.sqrt(n) + 5.0
        g = (math.sqrt(5.0) - 1.0) / 2.0
        x1, x2 = c - g * (c - a), a + g * (c - a)
        f1, f2 = self.prob(n, x1), self.prob(n, x2)
        for _ in range(80):
            left = f1 >= f2
            c = np.where(left, x2, c)
            a = np.where(left, a, x1)
            x2n = np.where(left, x1, a + g * (c - a))
            x1n = np.where(left, c - g * (c - a), x2)
            f2 = np.where(left, f1, self.prob(n, x2n))
            f1 = np.where(left, self.prob(n, x1n), f2)
            x1, x2 = x1n, x2n
        cand = np.stack([self.prob(n, 0.0), self.prob(n, 0.5 * (a + c))])
        return np.max(cand, axis=0)


def fc_acceptance(s_grid, model: _Model, cl: float, nmax: int, n0: int) -> np.ndarray:
    """Whether ``n0`` lies in the FC acceptance region of each ``s`` of ``s_grid``."""
    n = np.arange(nmax + 1, dtype=float)
    p = model.prob(n[None, :], np.asarray(s_grid, dtype=float)[:, None])      # (S, N)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = p / model.best_prob(nmax)[None, :]
    r = np.nan_to_num(r, nan=0.0)
    r0 = r[:, n0][:, None]
    # n0 is accepted if the counts ranked strictly before it hold less than CL
    before = np.sum(np.where(r > r0 * (1.0 + 1e-12), p, 0.0), axis=1)
    return before < cl


def fc_interval(n0: int, beta, eps, w, cl: float) -> tuple[float, float]:
    """Feldman-Cousins interval ``[lower, upper]`` in signal events for observed ``n0``.

    ``beta, eps, w``: quadrature nodes of the background and signal efficiency (a single node = known).

    >>> [round(x, 2) for x in fc_interval(0, [0.0], [1.0], [1.0], 0.9)]   # FC Table IV, n0 = 0, b = 0
    [0.0, 2.44]
    """
    model = _Model(beta, eps, w)
    bmax = float(np.max(model.beta))
    s_max = (n0 + 6.0 * math.sqrt(n0 + 1.0) + 8.0) / max(float(np.min(model.eps[model.w > 1e-6])), 0.2)
    nmax = int(math.ceil(s_max * float(np.max(model.eps)) + bmax + 12.0 * math.sqrt(s_max * float(np.max(model.eps)) + bmax + 1.0) + 30))
    step = _GRID_STEP if model.known else 5 * _GRID_STEP   # averaged model: coarser grid, same refinement
    grid = np.arange(0.0, s_max + step, step)
    rows = max(1, 2_000_000 // ((nmax + 1) * model.w.size))      # bound the (s, n, node) work array
    acc = np.concatenate([fc_acceptance(grid[i:i + rows], model, cl, nmax, n0) for i in range(0, len(grid), rows)])
    if not np.any(acc):
        return 0.0, 0.0
    idx = np.flatnonzero(acc)

    def refine(a, c, want_a):
        # bisection between grid points a (state want_a) and c (the other state)
        for _ in range(int(math.log2(max(abs(c - a), 1e-12) / 1e-6)) + 1):
            mid = 0.5 * (a + c)
            if fc_acceptance(np.array([mid]), model, cl, nmax, n0)[0] == want_a:
                a = mid
            else:
                c = mid
        return 0.5 * (a + c)

    i_hi = idx[-1]
    upper = refine(grid[i_hi], grid[i_hi + 1], True) if i_hi + 1 < len(grid) else grid[i_hi]
    i_lo = idx[0]
    lower = 0.0 if i_lo == 0 else refine(grid[i_lo], grid[i_lo - 1], True)
    return float(lower), float(upper)
