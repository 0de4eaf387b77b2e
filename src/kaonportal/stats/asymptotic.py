"""Asymptotic CLs with the profile-likelihood test statistic q~_mu, vectorised over problems.

Formulas of G. Cowan, K. Cranmer, E. Gross, O. Vitells, "Asymptotic formulae for likelihood-based
tests of new physics", EPJC 71 (2011) 1554: test statistic q~_mu (eq. 16) with the POI bounded at 0,
its distributions (eqs. 65-66) with ``sigma`` taken from the Asimov data set (eq. 30, ``q_A = mu^2/sigma^2``),
and the expected bands from the background-only distribution. In the transformed variable
``v = sqrt(q) - sqrt(q_A)`` (for ``q <= q_A``) or ``(q - q_A) / (2 sqrt(q_A))`` (otherwise):

    CLs+b = 1 - Phi(v + sqrt(q_A)),   CLb = 1 - Phi(v),    CLs = CLs+b / CLb,

and the expected CLs at ``k`` sigma is obtained with ``v = k``. These are the same choices as pyhf's
``AsymptoticCalculator`` with ``test_stat="qtilde"`` (post-fit Asimov data at mu = 0), which the test
suite checks numerically.
"""

from __future__ import annotations

__all__ = ["AsymptoticCLs"]

import numpy as np
from scipy.special import ndtr

from .likelihood import conditional_asimov, fit_br, profile_nll
from .model import CountingArrays


class AsymptoticCLs:
    """Observed and expected CLs as functions of BR for a batch of counting models.

    >>> from kaonportal.stats.model import Dataset, build_arrays
    >>> calc = AsymptoticCLs(build_arrays([Dataset("a", 50, 50.0, 1.0)]))
    >>> round(float(calc.upper_limit(0.05)[0]), 2)
    15.17
    """

    def __init__(self, m: CountingArrays, independent: bool = False):
        # independent: every problem's bisections stop at its own convergence, so that a batch gives each problem
        # the numbers of a batch of one (stats.batch); by default a batch iterates until all have converged
        self.m = m
        self.independent = bool(independent)
        self.br_hat, self.nll_hat = fit_br(m, independent=self.independent)
        self.asimov, self.aux_b, self.aux_s = conditional_asimov(m, 0.0)
        self.nllA_hat, _ = profile_nll(self.asimov, np.zeros(m.shape[0]), self.aux_b, self.aux_s)

    def _q(self, br):
        nll, _ = profile_nll(self.m, br)
        q = np.where(self.br_hat <= br, np.maximum(2.0 * (nll - self.nll_hat), 0.0), 0.0)
        nllA, _ = profile_nll(self.asimov, br, self.aux_b, self.aux_s)
        qa = np.maximum(2.0 * (nllA - self.nllA_hat), 0.0)
        return q, qa

    @staticmethod
    def _v(q, qa):
        sq, sqa = np.sqrt(q), np.sqrt(qa)
        with np.errstate(divide="ignore", invalid="ignore"):
            far = (q - qa) / (2.0 * sqa)
        return np.where(sq <= sqa, sq - sqa, far)

    def cls(self, br) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(CLs, CLs+b, CLb) of the observed data at ``br`` (shape (P,))."""
        br = np.broadcast_to(np.asarray(br, dtype=float), (self.m.shape[0],))
        q, qa = self._q(br)
        v = self._v(q, qa)
        clsb = 1.0 - ndtr(v + np.sqrt(qa))
        clb = 1.0 - ndtr(v)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(clb > 0, clsb / clb, 1.0), clsb, clb

    def expected_cls(self, br, k: float) -> np.ndarray:
        """Expected CLs at ``br`` for the background-only outcome ``k`` sigma above the median in v."""
        br = np.broadcast_to(np.asarray(br, dtype=float), (self.m.shape[0],))
        _, qa = self._q(br)
        return (1.0 - ndtr(k + np.sqrt(qa))) / (1.0 - ndtr(k))

    def _solve(self, f, alpha, iters=200) -> np.ndarray:
        P = self.m.shape[0]
        lo = np.zeros(P)
        hi = (np.sum(self.m.n, axis=1) + np.sum(self.m.b, axis=1) + 10.0) / np.max(self.m.spb, axis=1)
        for _ in range(30):   # up to 1e9 x the natural scale
            need = f(hi) > alpha
            if not np.any(need):
                break
            hi = np.where(need, hi * 2.0, hi)
        # CLs may never reach alpha (e.g. a signal efficiency that can be profiled to 0): no limit
        unbounded = f(hi) > alpha
        done = np.zeros(P, bool)
        for _ in range(iters):
            mid = 0.5 * (lo + hi)
            above = f(mid) > alpha
            lo = np.where(above & ~done, mid, lo)
            hi = np.where(above | done, hi, mid)
            converged = hi - lo <= 1e-10 * hi
            if np.all(converged):
                break
            if self.independent:
                done |= converged
        return np.where(unbounded, np.inf, 0.5 * (lo + hi))

    def upper_limit(self, alpha: float) -> np.ndarray:
        """BR with observed CLs = alpha (bisection, relative precision 1e-10)."""
        return self._solve(lambda br: self.cls(br)[0], alpha)

    def expected_limits(self, alpha: float) -> dict[str, np.ndarray]:
        """Expected limits: ``minus2`` is the lowest (k = +2 in v), ``plus2`` the highest."""
        out = {}
        for name, k in (("minus2", 2.0), ("minus1", 1.0), ("median", 0.0), ("plus1", -1.0), ("plus2", -2.0)):
            out[name] = self._solve(lambda br, k=k: self.expected_cls(br, k), alpha)
        return out
