"""Counting-model specification: datasets sharing one branching ratio (model separate from inference).

Each dataset (category) ``i`` has ``n_i`` observed events, an expected background ``b_i`` with an
uncertainty, and a single event sensitivity ``SES_i`` (the branching ratio giving one expected signal
event) with an uncertainty. The expected count is

    lambda_i = BR / SES_i * eps_i(theta_s,i) + beta_i(theta_b,i)

with one standard-normal nuisance parameter per uncertainty, constrained by ``N(a | theta, 1)``
(auxiliary measurement ``a = 0``). This is the HistFactory parametrisation (Cranmer et al.,
CERN-OPEN-2012-016, section 2), so single-bin models map one to one onto pyhf models:

* ``gaussian`` background error ``sigma``: ``beta = b + sigma * theta`` (pyhf ``histosys``, linear
  interpolation code 0), *truncated at zero*: ``theta >= -b / sigma`` so the mean never goes negative.
* ``lognormal``: ``beta = b * kappa**theta`` with ``kappa = 1 + sigma / b`` (pyhf ``normsys``, exponential
  interpolation code 1); ``b`` is then log-normally distributed with median ``b``.
* ``asymmetric`` errors ``(sigma_low, sigma_high)``: piecewise-linear response, slope ``sigma_high``
  for ``theta > 0`` and ``sigma_low`` for ``theta < 0`` (pyhf ``histosys`` code 0). This is the
  "two straight lines" response among the models discussed by R. Barlow, "Asymmetric systematic errors",
  arXiv:physics/0306138, and "Asymmetric statistical errors", arXiv:physics/0406120; it reproduces the
  quoted +-1 sigma points exactly and is what the LHC tools use. Truncated at zero like the Gaussian case.
* SES error ``delta``: signal efficiency factor ``eps = 1 + (delta / SES) * theta_s``, truncated at
  ``eps >= 0`` (Gaussian on the acceptance, pyhf ``histosys`` on the signal sample).

Units: branching ratios are dimensionless; counts are events.
"""

from __future__ import annotations

__all__ = ["Dataset", "CountingArrays", "BACKGROUND_MODELS", "validate_datasets", "build_arrays"]

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ..errors import InputError

BACKGROUND_MODELS = ("auto", "gaussian", "lognormal", "asymmetric")
_KIND = {"gaussian": 0, "lognormal": 1, "asymmetric": 2}


def _is_bool(x) -> bool:
    return isinstance(x, (bool, np.bool_))


def _number(label: str, field: str, value, *, positive=False, nonneg=False, optional=False) -> float | None:
    if value is None and optional:
        return None
    if _is_bool(value) or not isinstance(value, (Real, np.floating, np.integer)):
        raise InputError(f"{label}.{field}", f"must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise InputError(f"{label}.{field}", f"must be a finite number, got {value!r}")
    if positive and v <= 0:
        raise InputError(f"{label}.{field}", f"must be > 0, got {v:g}")
    if nonneg and v < 0:
        raise InputError(f"{label}.{field}", f"must be >= 0, got {v:g}")
    return v


@dataclass(frozen=True)
class Dataset:
    """One counting category.

    Parameters
    ----------
    name: label used in messages.
    observed: observed events (non-negative integer).
    background: expected background events (>= 0).
    ses: single event sensitivity (> 0): the branching ratio that gives one expected signal event.
    background_error: symmetric background uncertainty (events).
    background_error_low, background_error_high: asymmetric uncertainty (both positive numbers).
    ses_error: uncertainty of the SES (same units as ``ses``).
    background_model: ``auto`` (gaussian if symmetric, asymmetric if low/high given), ``gaussian``,
        ``lognormal`` or ``asymmetric`` -- see the module docstring.

    >>> d = Dataset("2016", observed=1, background=0.152, ses=3.15e-10)
    >>> d.signal_per_br() * 3.15e-10
    1.0
    >>> Dataset("x", observed=-1, background=0.1, ses=1e-10)
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: x.observed: must be a non-negative integer, got -1 (dataset 'x')
    """

    name: str
    observed: int
    background: float
    ses: float
    background_error: float = 0.0
    background_error_low: float | None = None
    background_error_high: float | None = None
    ses_error: float = 0.0
    background_model: str = "auto"

    def __post_init__(self):
        self.validate(str(self.name))

    def validate(self, label: str) -> None:
        """Raise :class:`InputError` naming ``label.field`` for any invalid field."""
        tag = f" (dataset {self.name!r})"
        n = self.observed
        ok = (not _is_bool(n)) and isinstance(n, (Integral, Real, np.integer, np.floating)) \
            and math.isfinite(float(n)) and float(n) >= 0 and float(n) == int(float(n))
        if not ok:
            raise InputError(f"{label}.observed", f"must be a non-negative integer, got {n!r}{tag}")
        try:
            _number(label, "background", self.background, nonneg=True)
            _number(label, "ses", self.ses, positive=True)
            _number(label, "background_error", self.background_error, nonneg=True)
            lo = _number(label, "background_error_low", self.background_error_low, nonneg=True, optional=True)
            hi = _number(label, "background_error_high", self.background_error_high, nonneg=True, optional=True)
            _number(label, "ses_error", self.ses_error, nonneg=True)
        except InputError as exc:
            raise InputError(exc.field, exc.message + tag) from None
        if (lo is None) != (hi is None):
            missing = "background_error_high" if hi is None else "background_error_low"
            raise InputError(f"{label}.{missing}", f"asymmetric errors need both _low and _high{tag}")
        if lo is not None and float(self.background_error) > 0:
            raise InputError(f"{label}.background_error",
                             f"give either background_error or background_error_low/_high, not both{tag}")
        if self.background_model not in BACKGROUND_MODELS:
            raise InputError(f"{label}.background_model",
                             f"unknown value {self.background_model!r}; allowed: {', '.join(BACKGROUND_MODELS)}{tag}")
        if self.background_model == "lognormal" and float(self.background) == 0 and self.error_pair()[1] > 0:
            raise InputError(f"{label}.background_model", f"lognormal needs background > 0{tag}")

    def error_pair(self) -> tuple[float, float]:
        """(low, high) background uncertainty in events."""
        if self.background_error_low is not None:
            return float(self.background_error_low), float(self.background_error_high)
        e = float(self.background_error)
        return e, e

    def kind(self) -> str:
        """Resolved background-error model name."""
        if self.background_model != "auto":
            return self.background_model
        lo, hi = self.error_pair()
        return "asymmetric" if lo != hi else "gaussian"

    def signal_per_br(self) -> float:
        """Expected signal events per unit branching ratio, 1/SES."""
        return 1.0 / float(self.ses)


def validate_datasets(datasets) -> list[Dataset]:
    """Check a non-empty sequence of :class:`Dataset` (or dicts); field names are ``datasets[i].field``.

    >>> validate_datasets([])
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: datasets: the dataset list is empty; give at least one dataset
    """
    if isinstance(datasets, Dataset):
        datasets = [datasets]
    datasets = list(datasets) if datasets is not None else []
    if not datasets:
        raise InputError("datasets", "the dataset list is empty; give at least one dataset")
    out = []
    for i, d in enumerate(datasets):
        if isinstance(d, dict):
            try:
                d = Dataset(**{"name": f"dataset{i}", **d})
            except InputError as exc:
                field = exc.field.rsplit(".", 1)[-1]
                raise InputError(f"datasets[{i}].{field}", exc.message) from None
            except TypeError as exc:
                raise InputError(f"datasets[{i}]", str(exc)) from None
        elif not isinstance(d, Dataset):
            raise InputError(f"datasets[{i}]", f"must be a Dataset, got {type(d).__name__}")
        d.validate(f"datasets[{i}]")
        out.append(d)
    return out


@dataclass
class CountingArrays:
    """Vectorised form of a batch of counting models: arrays of shape ``(P, D)``.

    ``P`` independent problems (e.g. mass hypotheses) of ``D`` datasets each that share one BR per
    problem. Built by :func:`build_arrays` or directly by the peak scan.
    """

    n: np.ndarray            # observed (float for Asimov data)
    b: np.ndarray            # nominal background
    sig_lo: np.ndarray       # background error, low side (events)
    sig_hi: np.ndarray       # background error, high side (events)
    kind: np.ndarray         # 0 gaussian, 1 lognormal, 2 asymmetric (int)
    spb: np.ndarray          # signal events per unit BR = 1/SES
    r: np.ndarray            # relative SES (efficiency) error

    @property
    def shape(self) -> tuple[int, int]:
        return self.n.shape

    def theta_b_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Allowed range of the background nuisance (truncation at beta >= 0 for linear responses)."""
        lo = np.full(self.n.shape, -np.inf)
        lin = (self.kind != 1) & (self.sig_lo > 0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # tiny errors: -inf is right
            lo = np.where(lin, -self.b / np.where(lin, self.sig_lo, 1.0), lo)
        return lo, np.full(self.n.shape, np.inf)

    def theta_s_lower(self) -> np.ndarray:
        with np.errstate(divide="ignore", over="ignore"):
            return np.where(self.r > 0, -1.0 / np.where(self.r > 0, self.r, 1.0), -np.inf)

    def beta(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Background mean and its first two derivatives in ``theta`` (broadcasting)."""
        b, lo, hi, kind = self.b, self.sig_lo, self.sig_hi, self.kind
        if theta.ndim > b.ndim:  # quadrature nodes on a trailing axis
            b, lo, hi, kind = b[..., None], lo[..., None], hi[..., None], kind[..., None]
        slope = np.where(theta >= 0, hi, lo)
        lin = b + slope * theta
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lnk = np.where(kind == 1, np.log1p(np.where(b > 0, hi / np.where(b > 0, b, 1.0), 0.0)), 0.0)
            logn = b * np.exp(lnk * theta)
        is_ln = kind == 1
        val = np.where(is_ln, logn, np.maximum(lin, 0.0))
        d1 = np.where(is_ln, logn * lnk, slope)
        d2 = np.where(is_ln, logn * lnk * lnk, 0.0)
        return val, d1, d2

    def eps(self, theta_s: np.ndarray) -> np.ndarray:
        r = self.r if theta_s.ndim == self.r.ndim else self.r[..., None]
        return np.maximum(1.0 + r * theta_s, 0.0)


def build_arrays(datasets: list[Dataset]) -> CountingArrays:
    """One problem (P = 1) with the datasets on the second axis.

    >>> a = build_arrays([Dataset("a", 2, 1.5, 3.89e-11, background_error=0.3)])
    >>> a.shape, float(a.sig_hi[0, 0])
    ((1, 1), 0.3)
    """
    def arr(values, dtype=float):
        return np.asarray([values], dtype=dtype)

    pairs = [d.error_pair() for d in datasets]
    return CountingArrays(
        n=arr([float(d.observed) for d in datasets]),
        b=arr([float(d.background) for d in datasets]),
        sig_lo=arr([p[0] for p in pairs]),
        sig_hi=arr([p[1] for p in pairs]),
        kind=arr([_KIND[d.kind()] for d in datasets], dtype=int),
        spb=arr([d.signal_per_br() for d in datasets]),
        r=arr([float(d.ses_error) / float(d.ses) for d in datasets]),
    )
