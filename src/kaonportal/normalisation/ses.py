"""N_K from the K+ -> pi+ pi0 normalisation sample and the single event sensitivity (SES).

Formulas (T. Blazek, NA62 talk, Patras 2025 = [S002]; the same talk's "SES formula"):

* N_K = N_pipi * D / (BR(pi+ pi0) * A_pipi)
  (N_pipi normalisation events selected from the control trigger downscaled by D),
* N_exp(p_i) = BR / SES(p_i) = BR * N_K * A_pinunu(p_i) * eps_trig(p_i) * eps_RV,
* SES = 1 / (N_K * sum_i A_pinunu(p_i) * eps_trig(p_i) * eps_RV).

When A_pipi is measured per pi+ momentum bin, N_K is computed bin by bin (NA62 does this) and
the SES combines the bins as above. Relative errors are combined in quadrature (the
inputs are independent measurements: N_K statistical, acceptance MC, efficiencies from data).
"""

from __future__ import annotations

__all__ = ["SES", "kaon_decays_from_normalisation", "expected_normalisation_events",
           "single_event_sensitivity", "ses_per_bin"]

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, check_range


@dataclass(frozen=True)
class SES:
    """Single event sensitivity with its propagated 1-sigma error and the inputs used."""

    value: float
    error: float
    n_k: float
    acceptance: float
    eps_trig: float
    eps_rv: float

    def expected_signal(self, br: float) -> float:
        """Expected signal events for a branching ratio ``br`` (= br / SES)."""
        return br / self.value

    def as_dict(self) -> dict:
        return {"value": self.value, "error": self.error, "n_k": self.n_k, "acceptance": self.acceptance,
                "eps_trig": self.eps_trig, "eps_rv": self.eps_rv}


def kaon_decays_from_normalisation(n_pipi, downscaling: float, acceptance_pipi,
                                   br_pipi: float | None = None):
    """N_K = N_pipi D / (BR_pipi A_pipi) (per momentum bin if arrays are given).

    >>> round(kaon_decays_from_normalisation(1.0e6, 400, 0.118, 0.2067) / 1e10, 3)
    1.64
    """
    from ..constants import BR_K
    br = BR_K["K+ -> pi+ pi0"] if br_pipi is None else br_pipi
    n = np.asarray(n_pipi, dtype=float)
    a = np.asarray(acceptance_pipi, dtype=float)
    check_range("n_pipi", n, 0.0, None)
    check_range("downscaling", downscaling, 1.0, None)
    check_range("acceptance_pipi", a, 0.0, 1.0, low_inclusive=False)
    if np.sum(n) <= 0:
        raise InputError("n_pipi", "zero normalisation events: N_K cannot be measured")
    out = n * downscaling / (br * a)
    return float(out) if out.ndim == 0 else out


def expected_normalisation_events(n_k: float, downscaling: float, acceptance_pipi, br_pipi: float | None = None):
    """Inverse of :func:`kaon_decays_from_normalisation`: N_pipi = N_K BR A / D."""
    from ..constants import BR_K
    br = BR_K["K+ -> pi+ pi0"] if br_pipi is None else br_pipi
    check_range("n_k", n_k, 0.0, None)
    check_range("downscaling", downscaling, 1.0, None)
    return n_k * br * np.asarray(acceptance_pipi, dtype=float) / downscaling


def single_event_sensitivity(n_k: float, acceptance, eps_trig, eps_rv: float, *,
                             n_k_error: float = 0.0, acceptance_error=0.0, eps_trig_error=0.0,
                             eps_rv_error: float = 0.0) -> SES:
    """SES = 1 / (N_K sum_i A_i eps_trig,i eps_RV).

    ``acceptance`` and ``eps_trig`` may be arrays over pi+ momentum bins (same shape);
    errors are 1 sigma, absolute, and treated as uncorrelated between inputs and fully
    correlated between momentum bins (a conservative choice for acceptance systematics).

    >>> s = single_event_sensitivity(2.85e12, 0.0762, 0.859, 0.632, n_k_error=0.01e12,
    ...                              acceptance_error=0.0022, eps_trig_error=0.014, eps_rv_error=0.006)
    >>> round(s.value * 1e12, 2), round(s.error * 1e12, 2)
    (8.48, 0.29)
    """
    a = np.atleast_1d(np.asarray(acceptance, dtype=float))
    et = np.broadcast_to(np.atleast_1d(np.asarray(eps_trig, dtype=float)), a.shape)
    check_range("n_k", n_k, 0.0, None)
    check_range("acceptance", a, 0.0, 1.0)
    check_range("eps_trig", et, 0.0, 1.0, low_inclusive=False)
    check_range("eps_rv", eps_rv, 0.0, 1.0, low_inclusive=False)
    denom = n_k * float(np.sum(a * et)) * eps_rv
    if n_k <= 0:
        raise InputError("n_k", "zero normalisation (N_K = 0): the SES is undefined")
    if denom <= 0:
        raise InputError("acceptance", "zero signal acceptance: the SES is undefined")
    value = 1.0 / denom
    ae = np.broadcast_to(np.atleast_1d(np.asarray(acceptance_error, dtype=float)), a.shape)
    ete = np.broadcast_to(np.atleast_1d(np.asarray(eps_trig_error, dtype=float)), a.shape)
    sum_ae = float(np.sum(a * et))
    rel_acc = float(np.sum(ae * et)) / sum_ae      # correlated across bins
    rel_trig = float(np.sum(a * ete)) / sum_ae
    rel = math.sqrt((n_k_error / n_k) ** 2 + rel_acc ** 2 + rel_trig ** 2 + (eps_rv_error / eps_rv) ** 2)
    return SES(value=value, error=value * rel, n_k=float(n_k), acceptance=float(np.sum(a)),
               eps_trig=float(np.sum(a * et) / np.sum(a)) if np.sum(a) > 0 else float(et.mean()),
               eps_rv=float(eps_rv))


def ses_per_bin(n_k, acceptance, eps_trig, eps_rv: float) -> np.ndarray:
    """SES(p_i) = 1 / (N_K(p_i) A_i eps_trig,i eps_RV) per pi+ momentum bin (inf where A_i = 0).

    >>> float(ses_per_bin(1e12, [0.02, 0.0], 0.9, 0.6)[1])
    inf
    """
    a = np.asarray(acceptance, dtype=float)
    d = np.asarray(n_k, dtype=float) * a * np.asarray(eps_trig, dtype=float) * eps_rv
    with np.errstate(divide="ignore"):
        return np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), np.inf)
