"""The status rule: ``agree`` / ``tension`` / ``disagree`` from the ratio, the pull and the tolerance.

One rule for every comparison of a kaonportal number with a published one (``kaonportal validate``, the
flags in ``kaonportal run``'s summary.json and the pnn ``reliability`` key):

* **deviation** ``d``: the distance from the published value in units of the entry's tolerance,

  - ``relative: t``  -> ``d = |x/p - 1| / t``        (SES, acceptance, N_K: a few per cent)
  - ``factor: f``    -> ``d = |ln(x/p)| / ln f``      (limits and rare backgrounds: "within a factor f")
  - ``absolute: a``  -> ``d = |x - p| / a``           (published "negligible" / "< 0.001": p is ~0)

* **pull** ``z = (x - p) / sqrt(s_x^2 + s_p^2)``, only where both numbers carry an error (the published error
  on the side of x for asymmetric errors).

* **status**

  - ``agree``:    ``d <= 1`` and (no pull or ``|z| <= 3``);
  - ``disagree``: ``d > 2`` and (no pull or ``|z| > 3``);
  - ``tension``:  everything else (inside the tolerance but a > 3 sigma pull, or outside it but by less
    than twice the tolerance, or far outside it with errors too large to tell).

  Hence a value outside its tolerance (``d > 1``) is never ``agree``. A value kaonportal did not produce
  (section disabled or failed, NaN) is ``missing``.

>>> classify(1.02, None, 1.0, None, None, {"relative": 0.05})["status"]
'agree'
>>> classify(1.08, None, 1.0, None, None, {"relative": 0.05})["status"]
'tension'
>>> classify(12.0, 1.0, 0.83, 0.05, 0.05, {"factor": 2.0})["status"]
'disagree'
>>> classify(float("nan"), None, 1.0, None, None, {"factor": 2.0})["status"]
'missing'
"""

from __future__ import annotations

__all__ = ["classify", "deviation", "pull", "worst", "STATUS_ORDER", "AGREE_MAX_DEV", "DISAGREE_MIN_DEV",
           "PULL_LIMIT", "RULE_TEXT", "MARKS"]

import math

#: worst first (report ordering): disagree, tension, missing, agree
STATUS_ORDER = {"disagree": 0, "tension": 1, "missing": 2, "agree": 3}
#: marks on printed numbers (kaonportal run's summary table)
MARKS = {"tension": "(~)", "disagree": "(!!)"}
AGREE_MAX_DEV = 1.0      # inside the tolerance
DISAGREE_MIN_DEV = 2.0   # more than twice the tolerance away
PULL_LIMIT = 3.0         # |pull| above which statistics alone do not explain the difference

RULE_TEXT = ("agree: inside the tolerance (deviation d <= 1 tolerance) and |pull| <= 3 where both numbers have "
             "errors; disagree: d > 2 tolerances and (no pull or |pull| > 3); tension: anything else. "
             "d = |x/p - 1|/t (relative), |ln(x/p)|/ln f (factor) or |x - p|/a (absolute). "
             "A value outside its tolerance is never 'agree'.")


def _finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def deviation(x: float, p: float, tolerance: dict) -> float:
    """Distance of ``x`` from the published ``p`` in units of the tolerance (see the module docstring)."""
    if "relative" in tolerance:
        if p == 0:
            return math.inf if x != 0 else 0.0
        return abs(x / p - 1.0) / float(tolerance["relative"])
    if "factor" in tolerance:
        if x <= 0 or p <= 0:
            return math.inf
        return abs(math.log(x / p)) / math.log(float(tolerance["factor"]))
    if "absolute" in tolerance:
        return abs(x - p) / float(tolerance["absolute"])
    raise ValueError(f"tolerance needs one of relative/factor/absolute, got {sorted(tolerance)}")


def pull(x: float, x_err: float | None, p: float, p_err_low: float | None, p_err_high: float | None) -> float | None:
    """``(x - p)/sqrt(s_x^2 + s_p^2)`` with the published error on the side of ``x``; None unless both have errors."""
    s_p = p_err_high if x >= p else p_err_low
    if not (_finite(x_err) and _finite(s_p)) or x_err <= 0 or s_p <= 0:
        return None
    return (x - p) / math.hypot(x_err, s_p)


def classify(x, x_err, p, p_err_low, p_err_high, tolerance: dict) -> dict:
    """Ratio, pull, deviation and status of kaonportal's ``x`` (error ``x_err``) against the published ``p``."""
    if not _finite(x):
        return {"ratio": None, "pull": None, "deviation": None, "status": "missing"}
    ratio = x / p if p else None
    z = pull(x, x_err, p, p_err_low, p_err_high)
    d = deviation(x, p, tolerance)
    statistically_far = z is None or abs(z) > PULL_LIMIT
    if d <= AGREE_MAX_DEV and (z is None or abs(z) <= PULL_LIMIT):
        status = "agree"
    elif d > DISAGREE_MIN_DEV and statistically_far:
        status = "disagree"
    else:
        status = "tension"
    return {"ratio": ratio, "pull": z, "deviation": d if math.isfinite(d) else None, "status": status}


def worst(statuses) -> str | None:
    """The worst of several statuses (``disagree`` > ``tension`` > ``missing`` > ``agree``); None if empty.

    >>> worst(["agree", "tension"]), worst([])
    ('tension', None)
    """
    statuses = list(statuses)
    return min(statuses, key=STATUS_ORDER.get) if statuses else None
