"""Agreement of a result with its published counterpart, decided by a rule and stated on the result.

A result that disagrees with NA62 is not hidden or tuned away (developers' guide): every search summary
entry and curve header that is compared with a published number carries ``published_ratio`` (this run /
published) and ``agreement``, "agree" or "disagree (x3.2 stronger than published: <reason>)". Printed, it is
called the "band check" (:func:`band_note`): ``kaonportal validate`` and the run's ``validation`` flags judge
the same numbers by another rule (a tolerance per registry entry, :mod:`kaonportal.validation.rule`).

Rules (no free parameter):

* a limit: the published limit must lie inside this run's expected band ``[low, high]`` (the +-2 sigma band of
  the expected limit: where the observed limit of an experiment described by this run's model falls 95% of
  the time);
* a limit curve: the same on the medians over the masses where both are defined (expected median, -2 and +2
  sigma edges each divided by the published curve);
* a measured number with errors: ``|value - published| <= 2 sqrt(err^2 + err_pub^2)`` (2 combined standard
  deviations).

>>> agreement_of_limit(1.0e-11, 4.2e-11, 0.5e-11, 2.5e-11, "backgrounds not found")["agreement"]
'disagree (x4.2 stronger than published: backgrounds not found)'
>>> agreement_of_limit(3.0e-11, 4.2e-11, 1.5e-11, 6e-11, "n/a")
{'published_ratio': 0.7142857142857143, 'agreement': 'agree'}
>>> agreement_of_value(10.7, 1.8, 0.83, 0.05, "upstream model")["agreement"]
'disagree (x12.9 larger than published: upstream model)'
"""

from __future__ import annotations

__all__ = ["agreement_of_limit", "agreement_of_curve", "agreement_of_value", "band_note"]

import math


def band_note(what: str, agreement: str) -> str:
    """The printed line of this module's rule for a limit (curve headers, ``kaonportal run``'s terminal), named
    "band check" so that it is not read as the status ``kaonportal validate`` gives the same number under the
    registry's rule (agree / tension / disagree within a stated tolerance, :mod:`kaonportal.validation.rule`):
    the two rules can differ for one number.

    >>> band_note("the published limit", "agree")
    'band check vs the published limit (published inside the expected +-2 sigma band): agree'
    """
    return f"band check vs {what} (published inside the expected +-2 sigma band): {agreement}"


def _factor(ratio: float) -> str:
    return f"x{ratio:.2g}" if ratio < 10 else f"x{ratio:.3g}"


def agreement_of_limit(expected: float, published: float | None, low: float, high: float, reason: str) -> dict:
    """``published_ratio`` = expected / published and ``agreement`` for an upper limit: "agree" when the
    published limit lies in the expected band ``[low, high]``; else "disagree (xF stronger|weaker than published:
    reason)" with F >= 1. ``published`` None or not positive: no comparison (``agreement`` "n/a")."""
    if published is None or not (published > 0) or not math.isfinite(expected):
        return {"published_ratio": None, "agreement": "n/a (no published number)"}
    ratio = float(expected) / float(published)
    if low <= published <= high:
        return {"published_ratio": ratio, "agreement": "agree"}
    word, f = ("stronger", 1.0 / ratio) if ratio < 1 else ("weaker", ratio)
    return {"published_ratio": ratio, "agreement": f"disagree ({_factor(f)} {word} than published: {reason})"}


def agreement_of_value(value: float, error: float, published: float, published_error: float, reason: str) -> dict:
    """``published_ratio`` and ``agreement`` for a measured/estimated number: "agree" within 2 combined
    standard deviations, else "disagree (xF larger|smaller than published: reason)"."""
    if not (published > 0):
        return {"published_ratio": None, "agreement": "n/a (no published number)"}
    ratio = float(value) / float(published)
    if abs(value - published) <= 2.0 * math.hypot(error, published_error):
        return {"published_ratio": ratio, "agreement": "agree"}
    word, f = ("smaller", 1.0 / ratio if ratio > 0 else math.inf) if ratio < 1 else ("larger", ratio)
    return {"published_ratio": ratio, "agreement": f"disagree ({_factor(f)} {word} than published: {reason})"}


def agreement_of_curve(expected: dict, published, reason: str) -> dict:
    """:func:`agreement_of_limit` of a limit curve: ``expected`` holds the arrays ``median``, ``minus2`` and
    ``plus2`` and ``published`` the published limit at the same masses (NaN where it is not defined); the rule
    is applied to the medians over the masses of each edge divided by the published limit.

    >>> import numpy as np
    >>> e = {"median": np.array([1.0, 2.0]), "minus2": np.array([0.5, 1.0]), "plus2": np.array([2.0, 4.0])}
    >>> agreement_of_curve(e, np.array([6.0, np.nan]), "reason")["agreement"]
    'disagree (x6 stronger than published: reason)'
    """
    import numpy as np
    pub = np.asarray(published, float)
    ok = np.isfinite(pub) & (pub > 0)
    if not np.any(ok):
        return {"published_ratio": None, "agreement": "n/a (no published curve at the scanned masses)"}
    med = {k: float(np.nanmedian(np.asarray(expected[k], float)[ok] / pub[ok])) for k in ("median", "minus2", "plus2")}
    return agreement_of_limit(med["median"], 1.0, med["minus2"], med["plus2"], reason)
