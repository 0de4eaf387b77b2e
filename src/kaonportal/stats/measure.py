"""Branching-ratio measurement: maximum likelihood, profile-likelihood interval, significance.

* ``value``: the BR maximising the profile likelihood, bounded at the physical limit BR >= 0.
* 68.27% interval: the points where ``2 [P(BR) - P(BR_hat)] = 1`` (Wilks; e.g. PDG Review of Statistics,
  section 40.3.2.1), giving asymmetric errors ``error_low``, ``error_high`` (positive numbers). When the
  curve does not rise by 1 before BR = 0 the interval stops at 0 (``error_low = value``).
* ``significance``: ``Z = sqrt(q0)``, ``q0 = 2 [P(0) - P(BR_hat)]`` (Cowan et al., EPJC 71 (2011) 1554, eqs.
  12 and 52), the asymptotic significance of the signal over the background-only hypothesis.
* ``significance_exact``: ``Z = Phi^-1(1 - p)`` with the discrete ``p = P(n >= n_obs | b)`` averaged
  over the background constraint (Cousins-Highland), the right number for a few events; with several
  datasets ``p = P(t >= t_obs | b)`` for the likelihood-ratio statistic ``t = sum_i n_i ln(1 + s_i/b_i)``
  evaluated at the fitted signal (exact convolution, :func:`kaonportal.stats.hybrid.cls_multi`).
"""

from __future__ import annotations

__all__ = ["Measurement", "measure"]

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import gammainc, ndtri

from .hybrid import cls_multi, nuisance_nodes
from .likelihood import fit_br, profile_nll
from .model import build_arrays, validate_datasets


@dataclass
class Measurement:
    """A branching-ratio measurement with asymmetric 68% errors and the significance in sigma."""

    value: float
    error_low: float
    error_high: float
    significance: float
    significance_exact: float | None = None
    p_value: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)


def measure(datasets) -> Measurement:
    """Maximum-likelihood branching ratio with profile-likelihood errors and significance.

    >>> from kaonportal.stats.model import Dataset
    >>> r = measure([Dataset("a", observed=10, background=2.0, ses=1e-10)])
    >>> round(r.value * 1e10, 3), round(r.error_low * 1e10, 2), round(r.error_high * 1e10, 2)
    (8.0, 2.84, 3.5)
    """
    datasets = validate_datasets(datasets)
    m = build_arrays(datasets)
    br_hat, nll_hat = fit_br(m)
    br_hat, nll_hat = float(br_hat[0]), float(nll_hat[0])

    def rise(br):
        return 2.0 * (float(profile_nll(m, np.array([br]))[0][0]) - nll_hat) - 1.0

    scale = max(br_hat, (float(np.sum(m.n)) + float(np.sum(m.b)) + 1.0) / float(np.max(m.spb)))
    hi = br_hat + scale
    while rise(hi) < 0:
        hi += scale
        scale *= 2
    upper = brentq(rise, br_hat, hi, xtol=1e-14 * hi, rtol=1e-12)
    q0 = max(2.0 * (float(profile_nll(m, np.zeros(1))[0][0]) - nll_hat), 0.0) if br_hat > 0 else 0.0
    lower = 0.0 if (br_hat <= 0 or q0 <= 1.0) else brentq(rise, 0.0, br_hat, xtol=1e-14 * br_hat, rtol=1e-12)
    z = math.sqrt(q0)
    p = 0.5 * math.erfc(z / math.sqrt(2.0))
    z_exact = None
    if len(datasets) > 1:
        beta, eps, w = (x[0] for x in nuisance_nodes(m))
        p_ex = 1.0
        if br_hat > 0:
            p_ex = 1.0 - cls_multi(m.n[0], m.spb[0], beta, eps, w, br_hat, strict=True)[1]
        # 1 - CLb loses precision below ~1e-15: the multi-dataset exact Z is capped at 7.9 sigma
        z_exact = max(float(-ndtri(min(max(p_ex, 1e-15), 1.0))), 0.0) if p_ex < 1.0 else 0.0
    else:
        beta, _, w = nuisance_nodes(m)
        n = float(m.n[0, 0])
        # P(N >= n | b) = P(n, b) (regularised lower incomplete gamma), averaged over the background
        p_ex = 1.0 if n == 0 else float(np.sum(w[0, 0] * gammainc(n, beta[0, 0])))
        z_exact = float(-ndtri(p_ex)) if 0.0 < p_ex < 1.0 else (0.0 if p_ex >= 1.0 else math.inf)
        z_exact = max(z_exact, 0.0)
    return Measurement(value=br_hat, error_low=br_hat - lower, error_high=upper - br_hat,
                       significance=z, significance_exact=z_exact, p_value=p)
