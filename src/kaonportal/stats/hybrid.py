"""Exact discrete CLs for counting experiments, nuisances averaged over their constraints.

Method ("modified frequentist" CLs, A. L. Read, J. Phys. G 28 (2002) 2693, eqs. (3)-(6); T. Junk,
NIM A 434 (1999) 435):

* test statistic: the likelihood ratio at nominal nuisances, ``-2 ln Q = 2 sum_i [s_i - n_i ln(1 + s_i/b_i)]``;
  with one dataset it orders outcomes by ``n`` alone, so ``CLs+b = P(n <= n_obs | s+b)`` and
  ``CLb = P(n <= n_obs | b)``;
* nuisances: the Poisson probabilities are averaged over the constraint densities (the hybrid
  Bayesian-frequentist method of R. D. Cousins and V. L. Highland, NIM A 320 (1992) 331), by
  Gauss-Legendre quadrature over the truncated unit-Gaussian nuisance (``[-7, 7]``, split at 0 where the
  asymmetric response has its kink, cut at the truncation point ``beta = 0`` / ``eps = 0``);
* several datasets: the distribution of ``sum_i n_i ln(1 + s_i/b_i)`` is the exact convolution of the
  per-dataset (independent) marginal distributions, computed by enumeration (outcomes below 1e-16 dropped).

``P(n <= k | x) = Q(k + 1, x)``, the regularised upper incomplete gamma function
(Abramowitz & Stegun 6.5.13 / 26.4.21), is used for single datasets so limits are smooth in ``s``.
"""

from __future__ import annotations

__all__ = ["poisson_pmf", "nuisance_nodes", "cls_single", "cls_limit_single", "marginal_pmf", "cls_multi",
           "cls_limit_multi", "expected_counts_quantiles", "BAND_PROBS", "solve_decreasing"]

import math

import numpy as np
from scipy.special import gammaincc, gammaln, ndtr

from .model import CountingArrays

#: Lower-tail probabilities of the -2, -1, 0, +1, +2 sigma points (two-sided Gaussian convention).
BAND_PROBS = {"minus2": float(ndtr(-2.0)), "minus1": float(ndtr(-1.0)), "median": 0.5,
              "plus1": float(ndtr(1.0)), "plus2": float(ndtr(2.0))}

_THETA_MAX = 7.0


def _gl_truncated_normal(lo: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes/weights for E[f(theta)], theta ~ N(0,1) truncated to [lo, 7]; split at 0. Shapes (..., k)."""
    x, w = np.polynomial.legendre.leggauss(max(k // 2, 1))
    lo = np.clip(lo, -_THETA_MAX, 0.0)[..., None]
    a_lo, a_hi = lo, np.zeros_like(lo)            # lower piece [lo, 0]
    b_lo, b_hi = np.zeros_like(lo), np.full_like(lo, _THETA_MAX)
    nodes = np.concatenate([0.5 * (a_hi - a_lo) * x + 0.5 * (a_hi + a_lo),
                            0.5 * (b_hi - b_lo) * x + 0.5 * (b_hi + b_lo)], axis=-1)
    wts = np.concatenate([0.5 * (a_hi - a_lo) * w, 0.5 * (b_hi - b_lo) * w], axis=-1)
    wts = wts * np.exp(-0.5 * nodes**2)
    return nodes, wts / np.sum(wts, axis=-1, keepdims=True)


def nuisance_nodes(m: CountingArrays, kb: int = 48, ks: int = 24) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Quadrature over the nuisances: ``(beta, eps, weight)`` of shape ``(P, D, K)``, weights sum to 1.

    >>> from kaonportal.stats.model import Dataset, build_arrays
    >>> beta, eps, w = nuisance_nodes(build_arrays([Dataset("a", 0, 5.0, 1.0, background_error=0.5)]))
    >>> round(float(np.sum(w * beta)), 6), round(float(np.sum(w * (beta - 5.0) ** 2)), 6)   # mean, variance
    (5.0, 0.25)
    """
    has_b = bool(np.any((m.sig_lo > 0) | (m.sig_hi > 0)))
    has_s = bool(np.any(m.r > 0))
    P, D = m.shape
    if has_b:
        tb, wb = _gl_truncated_normal(m.theta_b_bounds()[0], kb)
        zero = ~((m.sig_lo > 0) | (m.sig_hi > 0))
        tb = np.where(zero[..., None], 0.0, tb)
    else:
        tb, wb = np.zeros((P, D, 1)), np.ones((P, D, 1))
    if has_s:
        ts, ws = _gl_truncated_normal(m.theta_s_lower(), ks)
    else:
        ts, ws = np.zeros((P, D, 1)), np.ones((P, D, 1))
    beta = m.beta(tb)[0]
    eps = m.eps(ts)
    kb_, ks_ = beta.shape[-1], eps.shape[-1]
    beta = np.repeat(beta, ks_, axis=-1)
    wts = (wb[..., :, None] * ws[..., None, :]).reshape(P, D, kb_ * ks_)
    eps = np.tile(eps, (1, 1, kb_))
    return beta, eps, wts


def poisson_pmf(n, lam):
    """Poisson probability of ``n`` events at mean ``lam`` (broadcast); lam = 0 gives 1 at n = 0, else 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(lam > 0, n * np.log(np.where(lam > 0, lam, 1.0)) - lam - gammaln(n + 1.0),
                      np.where(n == 0, 0.0, -np.inf))
    return np.exp(lp)


def cls_single(n, s, beta, eps, w):
    """CLs+b, CLb and dCLs+b/ds for one dataset per problem. ``n, s``: shape (P,); nodes (P, K)."""
    n = np.asarray(n, dtype=float)[:, None]
    lam = s[:, None] * eps + beta
    clsb = np.sum(w * gammaincc(n + 1.0, lam), axis=-1)
    clb = np.sum(w * gammaincc(n + 1.0, beta), axis=-1)
    dclsb = -np.sum(w * eps * poisson_pmf(n, lam), axis=-1)
    return clsb, clb, dclsb


def solve_decreasing(func, target, lo, hi, rtol=1e-12, max_iter=200):
    """Vectorised safeguarded Newton for ``func(x)[0] = target`` with func decreasing on [lo, hi].

    ``func`` returns ``(value, derivative)``. Assumes ``func(lo) >= target >= func(hi)``.

    >>> x = solve_decreasing(lambda x: (np.exp(-x), -np.exp(-x)), np.array([0.1, 0.5]), np.zeros(2), np.full(2, 10.0))
    >>> np.round(x, 6).tolist()
    [2.302585, 0.693147]
    """
    a, c = np.asarray(lo, dtype=float).copy(), np.asarray(hi, dtype=float).copy()
    x = 0.5 * (a + c)
    for _ in range(max_iter):
        f, fp = func(x)
        g = f - target
        a = np.where(g > 0, x, a)
        c = np.where(g > 0, c, x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = x - g / fp
        ok = np.isfinite(newton) & (newton > a) & (newton < c)
        x_new = np.where(ok, newton, 0.5 * (a + c))
        done = (np.abs(g) <= 1e-13 * np.abs(target)) | ((c - a) <= rtol * np.maximum(np.abs(x), 1e-300))
        x = np.where(done, x, x_new)
        if np.all(done):
            break
    return x


def cls_limit_single(n, beta, eps, w, alpha):
    """Signal-event upper limits where ``CLs = alpha`` for one dataset per problem (vectorised over P).

    ``n``: (P,), nodes (P, K). ``inf`` where CLs cannot reach alpha (signal efficiency may vanish).
    """
    n = np.asarray(n, dtype=float)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), n.shape)
    _, clb, _ = cls_single(n, np.zeros_like(n), beta, eps, w)
    target = alpha * clb
    hi = n + np.max(beta, axis=-1) + 10.0
    for _ in range(60):
        f, _, _ = cls_single(n, hi, beta, eps, w)
        need = f > target
        if not np.any(need) or np.all(hi[need] > 1e12):
            break
        hi = np.where(need, hi * 2.0, hi)
    f_hi, _, _ = cls_single(n, hi, beta, eps, w)

    def func(s):
        clsb, _, d = cls_single(n, s, beta, eps, w)
        return clsb, d

    s = solve_decreasing(func, target, np.zeros_like(n), hi)
    return np.where(f_hi > target, np.inf, s)


def marginal_pmf(beta, eps, w, s, nmax: int) -> np.ndarray:
    """``P(n | s)`` averaged over the nuisances for n = 0..nmax. beta/eps/w: (K,), returns (nmax+1,)."""
    n = np.arange(nmax + 1, dtype=float)[:, None]
    return np.sum(w * poisson_pmf(n, s * eps + beta), axis=-1)


def _nmax(lam_max: float) -> int:
    return int(math.ceil(lam_max + 12.0 * math.sqrt(lam_max) + 25.0))


def cls_multi(n_obs, spb, beta, eps, w, br: float, strict: bool = False) -> tuple[float, float]:
    """(CLs+b, CLb) at ``br`` for one problem with D datasets (LEP likelihood-ratio statistic).

    ``P(t <= t_obs)`` under s+b and b, or ``P(t < t_obs)`` with ``strict`` (for discovery p-values
    ``P(t >= t_obs | b) = 1 - CLb(strict)``). Shapes: n_obs, spb (D,), beta/eps/w (D, K).
    """
    s = br * np.asarray(spb, dtype=float)
    b_nom = np.sum(w * beta, axis=-1)
    with np.errstate(divide="ignore"):
        wt = np.log1p(s / np.maximum(b_nom, 1e-300))
    D = len(s)
    pmfs = []
    for i in range(D):
        nmax = _nmax(float(np.max(s[i] * eps[i] + beta[i])))
        nmax = max(nmax, int(n_obs[i]))
        pmfs.append((marginal_pmf(beta[i], eps[i], w[i], s[i], nmax), marginal_pmf(beta[i], eps[i], w[i], 0.0, nmax)))
    t_obs = float(np.sum(wt * n_obs))
    tol = 1e-12 * max(abs(t_obs), 1.0) * (-1.0 if strict else 1.0)
    # the last dataset is summed analytically through its CDF; put the longest support last
    order = sorted(range(D), key=lambda i: len(pmfs[i][0]))
    t = np.zeros(1)
    psb = np.ones(1)
    pb = np.ones(1)
    for i in order[:-1]:
        k = np.arange(len(pmfs[i][0]))
        t = (t[:, None] + wt[i] * k[None, :]).ravel()
        psb = (psb[:, None] * pmfs[i][0][None, :]).ravel()
        pb = (pb[:, None] * pmfs[i][1][None, :]).ravel()
        keep = (psb > 1e-16) | (pb > 1e-16)
        t, psb, pb = t[keep], psb[keep], pb[keep]
    last = order[-1]
    csb = np.cumsum(pmfs[last][0])
    cb = np.cumsum(pmfs[last][1])
    rem = t_obs - t
    if wt[last] > 0:
        kmax = np.floor((rem + tol) / wt[last]).astype(np.int64)
    else:
        kmax = np.where(rem + tol >= 0, len(csb) - 1, -1)
    valid = kmax >= 0
    kk = np.clip(kmax, 0, len(csb) - 1)
    clsb = float(np.sum(np.where(valid, psb * csb[kk], 0.0)))
    clb = float(np.sum(np.where(valid, pb * cb[kk], 0.0)))
    return min(clsb, 1.0), min(clb, 1.0)


def cls_limit_multi(n_obs, spb, beta, eps, w, alpha: float, rtol: float = 1e-12) -> float:
    """BR where ``CLs = alpha`` for one multi-dataset problem (Brent's method on CLs(BR), relative ``rtol``).

    With several datasets the statistic's weights change with BR, so CLs(BR) can jump where an outcome's
    statistic crosses the observed one; the limit is then the crossing point (the smallest BR with
    CLs <= alpha), where CLs is not exactly alpha.
    """
    from scipy.optimize import brentq

    def g(br):
        clsb, clb = cls_multi(n_obs, spb, beta, eps, w, br)
        return clsb / clb - alpha if clb > 0 else -alpha

    hi = (float(np.sum(n_obs)) + float(np.max(beta)) + 10.0) / float(np.max(spb))
    for _ in range(60):
        if g(hi) < 0:
            break
        hi *= 2.0
    else:
        return math.inf
    return float(brentq(g, 0.0, hi, xtol=1e-14 * hi, rtol=rtol, maxiter=500))


def expected_counts_quantiles(beta, w, probs) -> np.ndarray:
    """Smallest ``n`` with ``P(N <= n | b) >= q`` for each q, under the background-only marginal.

    Convention for discrete ``n``: the q-quantile is the smallest count whose CDF reaches ``q``; the
    expected limit is the limit that this count would give (limits are non-decreasing in ``n``).
    beta/w: (P, K); returns (len(probs), P) integer counts.

    >>> expected_counts_quantiles(np.array([[3.0]]), np.array([[1.0]]), [0.5]).tolist()
    [[3]]
    """
    nmax = _nmax(float(np.max(beta)))
    n = np.arange(nmax + 1, dtype=float)
    pmf = np.sum(w[:, None, :] * poisson_pmf(n[None, :, None], beta[:, None, :]), axis=-1)
    cdf = np.cumsum(pmf, axis=-1)
    out = []
    for q in probs:
        out.append(np.argmax(cdf >= q * (1 - 1e-12), axis=-1))
    return np.array(out, dtype=np.int64)
