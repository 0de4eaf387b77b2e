"""The status rule: ``agree`` / ``tension`` / ``disagree`` from the ratio, the pull and the tolerance.

One rule for every comparison of a kaonportal number ``x`` (error ``s_x``) with a published one ``p`` (error
``s_p``, the one on the side of ``x`` for asymmetric errors) in ``kaonportal validate``, the flags in
``kaonportal run``'s summary.json and the pnn ``reliability`` key:

* **tolerance** ``T``: three parts, each written in the entry (the allowance in the registry, the errors with
  the numbers) and in every record, added in quadrature, ``T = a (+) e_p (+) e_x``:

  - ``a``: the *model-approximation allowance* the registry entry states, with its reason (``relative: a``,
    ``factor: f`` or ``absolute: a``): what kaonportal's approximations are allowed to move the number by;
  - ``e_p``: the published error; ``e_x``: kaonportal's own (statistical and calibration) error;
  - in the units of the allowance: ``relative`` -> ``e = s/|p|``; ``factor`` (log scale, ``a = ln f``) ->
    ``e = ln(1 + s/value)``; ``absolute`` -> ``e = s``.

  When both numbers rest on the same observed events (``same_data``, e.g. a BR recomputed from the published
  counting inputs) their errors are one statistical error, not two independent ones: ``T = a`` and no pull.

* **deviation** ``d``: the distance from the published value in units of ``T``:
  ``|x/p - 1| / T`` (relative), ``|ln(x/p)| / T`` (factor), ``|x - p| / T`` (absolute).

* **pull** ``z = (x - p) / sqrt(s_x^2 + s_p^2)``, only where both numbers carry an (independent) error.

* **status**: the worse of the two verdicts

  - by the deviation: ``d <= 1`` agree, ``1 < d <= 2`` tension, ``d > 2`` disagree;
  - by the pull: ``|z| <= 2`` agree, ``2 < |z| <= 3`` tension, ``|z| > 3`` disagree (no pull: agree).

  Hence a value outside its tolerance (``d > 1``) is never ``agree``, nor is a value whose pull exceeds 2; a
  pull above 3 or a deviation above two tolerances is ``disagree``. A value kaonportal did not produce
  (section disabled or failed, NaN) is ``missing``.

* **closure**: an entry whose kaonportal number is normalised through, or fitted to, the very published number
  it is compared with (registry ``closure: true``, e.g. a SES when the run's N_K is derived from that SES)
  checks kaonportal's bookkeeping, not its physics. Its status follows the same rule, but when it agrees it is
  counted as ``closure``, never as ``agree`` (:func:`count_key`); a closure in tension or disagreement is
  counted as such (the chain is broken).

>>> classify(1.02, None, 1.0, None, None, {"relative": 0.05})["status"]
'agree'
>>> classify(1.08, None, 1.0, None, None, {"relative": 0.05})["status"]
'tension'
>>> classify(1.32, 0.245, 0.83, 0.05, 0.05, {"factor": 1.5})["status"]     # 1.59x, pull 1.9: outside x/1.56
'tension'
>>> classify(12.0, 1.0, 0.83, 0.05, 0.05, {"factor": 2.0})["status"]
'disagree'
>>> classify(float("nan"), None, 1.0, None, None, {"factor": 2.0})["status"]
'missing'
"""

from __future__ import annotations

__all__ = ["classify", "deviation", "pull", "worst", "tolerance_parts", "STATUS_ORDER", "COUNT_KEYS", "count_key",
           "tally", "AGREE_MAX_DEV",
           "DISAGREE_MIN_DEV", "PULL_TENSION", "PULL_LIMIT", "RULE_TEXT", "MARKS"]

import math

#: worst first (report ordering): disagree, tension, missing, agree
STATUS_ORDER = {"disagree": 0, "tension": 1, "missing": 2, "agree": 3}
#: the categories records are counted in: the statuses, and ``closure`` for an agreeing closure entry
COUNT_KEYS = ("agree", "tension", "disagree", "missing", "closure")
#: marks on printed numbers (kaonportal run's summary table)
MARKS = {"tension": "(~)", "disagree": "(!!)"}
AGREE_MAX_DEV = 1.0      # inside the tolerance
DISAGREE_MIN_DEV = 2.0   # more than twice the tolerance away
PULL_TENSION = 2.0       # |pull| above which a difference is not "agree" (95% two-sided)
PULL_LIMIT = 3.0         # |pull| above which statistics alone do not explain the difference: "disagree"

RULE_TEXT = ("tolerance T = the entry's stated model-approximation allowance (+) the published error (+) "
             "kaonportal's own error, in quadrature (the allowance alone when both numbers rest on the same "
             "events); deviation d = |x/p - 1|/T (relative), |ln(x/p)|/T (factor) or |x - p|/T (absolute); "
             "pull z = (x - p)/sqrt(s_x^2 + s_p^2) where both have errors. Status = the worse of: d <= 1 agree, "
             "d <= 2 tension, else disagree; |z| <= 2 agree, |z| <= 3 tension, else disagree. "
             "A value outside its tolerance, or with |pull| > 2, is never 'agree'. A closure entry (kaonportal's "
             "number normalised through, or fitted to, the published number it is compared with) that agrees is "
             "counted as 'closure', not 'agree'.")


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


def _error_in_units(kind: str, err, value: float, p: float) -> float:
    """An error ``err`` on ``value`` in the units of a tolerance of ``kind`` (0 when there is none)."""
    if not _finite(err) or err <= 0:
        return 0.0
    if kind == "relative":
        return err / abs(p) if p else 0.0
    if kind == "factor":
        return math.log1p(err / value) if value > 0 else 0.0
    return float(err)


def tolerance_parts(x, x_err, p, p_err_low, p_err_high, tolerance: dict, same_data: bool = False) -> dict:
    """The three parts of the tolerance and their quadrature sum (module docstring), in the allowance's units
    (fractions for ``relative``, natural logs for ``factor``, the quantity's unit for ``absolute``), and the
    total as a tolerance dict (``{"factor": exp(total)}``, ...).

    >>> t = tolerance_parts(1.32, 0.245, 0.83, 0.05, 0.05, {"factor": 1.5})
    >>> round(t["model"], 3), round(t["published"], 3), round(t["kaonportal"], 3), round(t["effective"]["factor"], 2)
    (0.405, 0.058, 0.17, 1.56)
    """
    (kind, a), = tolerance.items()
    a = float(a)
    model = math.log(a) if kind == "factor" else a
    s_p = p_err_high if _finite(x) and x >= p else p_err_low
    e_p = 0.0 if same_data else _error_in_units(kind, s_p, p, p)
    e_x = 0.0 if same_data or not _finite(x) else _error_in_units(kind, x_err, x, p)
    total = math.sqrt(model ** 2 + e_p ** 2 + e_x ** 2)
    return {"kind": kind, "model": model, "published": e_p, "kaonportal": e_x, "total": total,
            "effective": {kind: math.exp(total) if kind == "factor" else total}}


def _verdict(value: float | None, agree_max: float, tension_max: float) -> str:
    if value is None:
        return "agree"
    return "agree" if value <= agree_max else ("tension" if value <= tension_max else "disagree")


def classify(x, x_err, p, p_err_low, p_err_high, tolerance: dict, same_data: bool = False) -> dict:
    """Ratio, pull, deviation, tolerance parts and status of kaonportal's ``x`` (error ``x_err``) against the
    published ``p``; ``tolerance`` is the entry's model-approximation allowance (``{"factor": 1.5}``, ...);
    ``same_data``: both numbers rest on the same events (no pull, errors not in the tolerance)."""
    parts = tolerance_parts(x, x_err, p, p_err_low, p_err_high, tolerance, same_data)
    if not _finite(x):
        return {"ratio": None, "pull": None, "deviation": None, "status": "missing", "tolerance": parts}
    ratio = x / p if p else None
    z = None if same_data else pull(x, x_err, p, p_err_low, p_err_high)
    d = deviation(x, p, parts["effective"])
    status = worst([_verdict(d, AGREE_MAX_DEV, DISAGREE_MIN_DEV),
                    _verdict(None if z is None else abs(z), PULL_TENSION, PULL_LIMIT)])
    return {"ratio": ratio, "pull": z, "deviation": d if math.isfinite(d) else None, "status": status,
            "tolerance": parts}


def count_key(status: str, closure: bool = False) -> str:
    """The category a record is counted in: ``closure`` for an agreeing closure entry, else its status.

    >>> count_key("agree", closure=True), count_key("tension", closure=True), count_key("agree")
    ('closure', 'tension', 'agree')
    """
    return "closure" if closure and status == "agree" else status


def tally(records) -> dict:
    """Counts per :data:`COUNT_KEYS` of records (dicts with ``status`` and optionally ``closure``).

    >>> tally([{"status": "agree"}, {"status": "agree", "closure": True}])["closure"]
    1
    """
    c = dict.fromkeys(COUNT_KEYS, 0)
    for r in records:
        c[count_key(r["status"], bool(r.get("closure")))] += 1
    return c


def worst(statuses) -> str | None:
    """The worst of several statuses (``disagree`` > ``tension`` > ``missing`` > ``agree``); None if empty.

    >>> worst(["agree", "tension"]), worst([])
    ('tension', None)
    """
    statuses = list(statuses)
    return min(statuses, key=STATUS_ORDER.get) if statuses else None
