"""Profile likelihood of the counting model, vectorised over problems and datasets.

Negative log-likelihood of dataset ``i`` (constants dropped; Poisson x unit-Gaussian constraints,
model of :mod:`kaonportal.stats.model`):

    nll_i = lambda_i - n_i ln(lambda_i) + (theta_b - a_b)^2 / 2 + (theta_s - a_s)^2 / 2

For a fixed branching ratio the datasets decouple, so the nuisance parameters of every dataset of
every problem are profiled at once by a projected Newton iteration on the 2x2 system (the bounds are
the truncations ``beta >= 0``, ``eps >= 0``). The profile ``P(BR) = sum_i nll_i(BR, theta_hat(BR))``
has derivative ``dP/dBR = sum_i (1 - n_i/lambda_i) eps_i / SES_i`` (envelope theorem), which the
fits below use. The Poisson term is the continuous one, valid for non-integer (Asimov) ``n``.
"""

from __future__ import annotations

__all__ = ["profile_nuisances", "profile_nll", "fit_br", "conditional_asimov"]

import numpy as np

from .model import CountingArrays

_NEWTON_ITER = 60


def _pois_nll(lam: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(n > 0, n * np.log(np.where(lam > 0, lam, 1e-300)), 0.0)
    return lam - t


def profile_nuisances(m: CountingArrays, br: np.ndarray, aux_b=None, aux_s=None,
                      start=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Conditional MLE of the nuisances at ``br`` (shape ``(P,)``).

    Returns ``(theta_b, theta_s, nll)`` each of shape ``(P, D)``.

    >>> from kaonportal.stats.model import Dataset, build_arrays
    >>> m = build_arrays([Dataset("a", 3, 1.0, 1.0, background_error=0.5)])
    >>> tb, ts, nll = profile_nuisances(m, np.array([0.0]))
    >>> round(float(tb[0, 0]), 4)   # pulled up towards n = 3 (closed form: lambda = 1.3187)
    0.6375
    """
    br = np.asarray(br, dtype=float).reshape(-1, 1)
    aux_b = np.zeros(m.shape) if aux_b is None else aux_b
    aux_s = np.zeros(m.shape) if aux_s is None else aux_s
    s0 = br * m.spb
    has_b = (m.sig_lo > 0) | (m.sig_hi > 0)
    has_s = m.r > 0
    lo_b, _ = m.theta_b_bounds()
    lo_s = m.theta_s_lower()
    if start is None:
        tb = np.where(has_b, np.clip(aux_b, lo_b, None), 0.0)
        ts = np.where(has_s, np.clip(aux_s, lo_s, None), 0.0)
    else:
        tb, ts = (np.array(x, dtype=float) for x in start)
    n = m.n
    # asymmetric (piecewise-linear) responses have a kink at theta_b = 0 where the optimum often sits
    kinked = has_b & (m.kind == 2) & (m.sig_lo != m.sig_hi)
    # linear background response and no SES error: the optimum is the root of a quadratic (_linear_theta_b),
    # identical to the Newton iteration's limit (tests/stats/test_stats_likelihood.py); only the others iterate
    closed = has_b & ~has_s & (m.kind != 1) & (m.sig_lo == m.sig_hi) if start is None else np.zeros(m.shape, bool)
    if np.any(closed):
        tb = np.where(closed, _linear_theta_b(n, s0 + m.b, m.sig_hi, aux_b, lo_b), tb)
    iterate_b = has_b & ~closed
    if np.any(iterate_b) or np.any(has_s):
        tb, ts = _newton(m, s0, n, aux_b, aux_s, tb, ts, iterate_b, has_s, lo_b, lo_s, kinked)
    lam = s0 * m.eps(ts) + m.beta(tb)[0]
    nll = _pois_nll(lam, n) + 0.5 * (tb - aux_b) ** 2 * has_b + 0.5 * (ts - aux_s) ** 2 * has_s
    # n > 0 with lambda = 0 is impossible: infinite nll (only reachable with b = 0 and BR = 0)
    nll = np.where((n > 0) & (lam <= 0), np.inf, nll)
    return tb, ts, nll


def _linear_theta_b(n, c, sigma, aux, lo):
    """Conditional MLE of theta_b for lambda = c + sigma * theta (c = s + b, sigma > 0), no SES nuisance.

    d/dtheta [lambda - n ln lambda + (theta - a)^2 / 2] = sigma (1 - n / lambda) + theta - a = 0 is, times
    lambda, the quadratic sigma theta^2 + (sigma^2 + c - a sigma) theta + sigma (c - n) - a c = 0; lambda rises
    with theta and the two roots have lambda of opposite sign (product of the lambda roots = -sigma^2 n), so the
    optimum is the larger root, clipped to the truncation ``lo`` (the nll is convex there). Roots in the
    cancellation-free form of Numerical Recipes (3rd ed.) eq. 5.6.4-5.6.5.

    >>> round(float(_linear_theta_b(np.array(3.0), np.array(1.0), np.array(0.5), 0.0, -2.0)), 4)
    0.6375
    """
    sigma = np.where(sigma > 0, sigma, 1.0)
    a2 = sigma
    b1 = sigma * sigma + c - aux * sigma
    c0 = sigma * (c - n) - aux * c
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        root = np.sqrt(np.maximum(b1 * b1 - 4.0 * a2 * c0, 0.0))
        q = -0.5 * (b1 + np.where(b1 >= 0, root, -root))
        theta = np.where(b1 >= 0, np.where(q != 0, c0 / np.where(q != 0, q, 1.0), 0.0), q / a2)
    return np.maximum(theta, lo)


def _newton(m: CountingArrays, s0, n, aux_b, aux_s, tb, ts, has_b, has_s, lo_b, lo_s, kinked):
    """Projected, damped Newton iteration on the 2x2 nuisance system (module docstring)."""
    if np.any(has_b) or np.any(has_s):
        for _ in range(_NEWTON_ITER):
            beta, d1, d2 = m.beta(tb)
            eps = m.eps(ts)
            lam = s0 * eps + beta
            lam_safe = np.maximum(lam, 1e-150)   # lambda = 0 is only reached with n = 0
            u = 1.0 - n / lam_safe
            ds = s0 * m.r
            gb = np.where(has_b, u * d1 + (tb - aux_b), 0.0)
            gs = np.where(has_s, u * ds + (ts - aux_s), 0.0)
            # at the kink: one-sided derivatives decide whether to stay or which side to go to
            at_kink = kinked & (tb == 0.0)
            g_minus = u * m.sig_lo + (tb - aux_b)
            stay = at_kink & (gb >= 0) & (g_minus <= 0)
            go_neg = at_kink & (g_minus > 0)
            d1 = np.where(go_neg, m.sig_lo, d1)
            gb = np.where(go_neg, g_minus, np.where(stay, 0.0, gb))
            # n/lam^2 x d d' written as n (d/lam)(d'/lam): lam^2 and ds^2 overflow for the huge BR a limit
            # search can try (lam > 1e154), their ratio rarely does; where it still does (s0 huge while
            # eps(theta_s) ~ 0) the Hessian is infinite and the unit-step fallback below takes over
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                rb, rs = d1 / lam_safe, ds / lam_safe
                hbb = n * rb * rb + np.maximum(u * d2, 0.0) + 1.0
                hss = n * rs * rs + 1.0
                hbs = np.where(has_b & has_s & ~stay, n * rb * rs, 0.0)
                det = hbb * hss - hbs * hbs
                step_b = np.where(has_b, (hss * gb - hbs * gs) / det, 0.0)
                step_s = np.where(has_s, (hbb * gs - hbs * gb) / det, 0.0)
            # extreme inputs (counts far above a tiny expectation) can overflow: fall back to a unit step
            step_b = np.where(np.isfinite(step_b), step_b, np.sign(np.nan_to_num(gb)))
            step_s = np.where(np.isfinite(step_s), step_s, np.sign(np.nan_to_num(gs)))
            # damp: at most 1 unit of theta per step, and never through lambda <= 0
            scale = np.minimum(1.0, 1.0 / np.maximum(np.abs(step_b), np.abs(step_s)).clip(1e-300))
            new_b = np.clip(tb - scale * step_b, lo_b, None)
            new_s = np.clip(ts - scale * step_s, lo_s, None)
            # a step across the kink stops on it; from the kink only the chosen side is allowed
            new_b = np.where(kinked & (tb != 0.0) & (new_b * tb < 0.0), 0.0, new_b)
            new_b = np.where(go_neg, np.minimum(new_b, 0.0), np.where(at_kink, np.maximum(new_b, 0.0), new_b))
            # with n > 0 the optimum has lambda > 0: halve towards the old point if a step hits zero
            lam_new = s0 * m.eps(new_s) + m.beta(new_b)[0]
            # ("zero" relative to the nominal s + b: the truncation -b/sigma rounds to lambda ~ 1e-15 b, not 0,
            # and the iteration would then creep away from it in steps of 1e-16)
            bad = (n > 0) & (lam_new <= 1e-9 * (s0 + m.b))
            new_b = np.where(bad, 0.5 * (new_b + tb), new_b)
            new_s = np.where(bad, 0.5 * (new_s + ts), new_s)
            delta = max(float(np.max(np.abs(new_b - tb), initial=0.0)),
                        float(np.max(np.abs(new_s - ts), initial=0.0)))
            tb, ts = new_b, new_s
            if delta < 1e-11:
                break
    return tb, ts


def profile_nll(m: CountingArrays, br, aux_b=None, aux_s=None) -> tuple[np.ndarray, np.ndarray]:
    """Profiled nll summed over datasets and its BR-derivative, each of shape ``(P,)``."""
    br = np.asarray(br, dtype=float).reshape(-1)
    tb, ts, nll = profile_nuisances(m, br, aux_b, aux_s)
    lam = br[:, None] * m.spb * m.eps(ts) + m.beta(tb)[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # -inf slope when b -> 0 is right
        ratio = np.where(m.n > 0, np.where(lam > 0, m.n / np.where(lam > 0, lam, 1.0), np.inf), 0.0)
        dnll = np.sum((1.0 - ratio) * m.eps(ts) * m.spb, axis=1)
    return np.sum(nll, axis=1), dnll


def _br_scale(m: CountingArrays) -> np.ndarray:
    """A BR scale per problem: the BR giving (n_tot + b_tot + 1) signal events in the most sensitive dataset."""
    return (np.sum(m.n, axis=1) + np.sum(m.b, axis=1) + 1.0) / np.max(m.spb, axis=1)


def fit_br(m: CountingArrays, aux_b=None, aux_s=None, allow_negative: bool = False,
           iters: int = 200, independent: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood BR per problem (bounded at 0 unless ``allow_negative``) and the nll there.

    Solves ``dP/dBR = 0`` by vectorised bisection on the (monotone, for these models) derivative;
    ``independent``: each problem stops bisecting at its own convergence (the result of a batch of one),
    else all go on until the last has converged.

    >>> from kaonportal.stats.model import Dataset, build_arrays
    >>> br, nll = fit_br(build_arrays([Dataset("a", 5, 2.0, 0.5)]))
    >>> round(float(br[0]), 6)      # (n - b) * SES
    1.5
    """
    P = m.shape[0]
    lo = np.zeros(P)
    if allow_negative:
        # lowest BR keeping every expected count positive at the nominal background
        with np.errstate(divide="ignore"):
            lo = -np.min(np.where(m.b > 0, m.b / m.spb, 0.0), axis=1) * (1 - 1e-9)
    _, d_lo = profile_nll(m, lo, aux_b, aux_s)
    hi = _br_scale(m)
    for _ in range(200):
        _, d_hi = profile_nll(m, hi, aux_b, aux_s)
        need = d_hi < 0
        if not np.any(need):
            break
        hi = np.where(need, hi * 2, hi)
    at_bound = d_lo >= 0
    a, c = lo.copy(), np.where(at_bound, lo, hi)
    done = np.zeros(P, bool)
    for _ in range(iters):
        mid = 0.5 * (a + c)
        _, d = profile_nll(m, mid, aux_b, aux_s)
        a = np.where((d < 0) & ~done, mid, a)
        c = np.where((d < 0) | done, c, mid)
        converged = (c - a) <= 1e-13 * np.maximum(np.abs(c), 1e-300)
        if np.all(converged):
            break
        if independent:
            done |= converged
    br = np.where(at_bound, lo, 0.5 * (a + c))
    nll, _ = profile_nll(m, br, aux_b, aux_s)
    return br, nll


def conditional_asimov(m: CountingArrays, br_asimov: float = 0.0) -> tuple[CountingArrays, np.ndarray, np.ndarray]:
    """Asimov data set at ``br_asimov`` with nuisances at their conditional MLE on the observed data.

    As in Cowan, Cranmer, Gross, Vitells, EPJC 71 (2011) 1554, section 5, with the auxiliary data
    set to the fitted nuisance values (the "post-fit" Asimov data that pyhf also uses).
    Returns the Asimov model and its auxiliary data ``(aux_b, aux_s)``.
    """
    br = np.full(m.shape[0], float(br_asimov))
    tb, ts, _ = profile_nuisances(m, br)
    lam = br[:, None] * m.spb * m.eps(ts) + m.beta(tb)[0]
    asimov = CountingArrays(n=lam, b=m.b, sig_lo=m.sig_lo, sig_hi=m.sig_hi, kind=m.kind, spb=m.spb, r=m.r)
    return asimov, tb, ts
