"""Many independent CLs upper limits at once: the numbers of :func:`~kaonportal.stats.limits.upper_limit` called
once per problem, in one vectorised pass where the model allows it (issue 17: kmunux's counting regions made
~10^4 one-problem profile-likelihood calls, each a few numpy operations on arrays of one element).

A problem is a list of :class:`~kaonportal.stats.model.Dataset` sharing one branching ratio. Problems that the
``auto`` rule (or ``calculator``) sends to the asymptotic calculator and whose nuisances have the closed-form
profile (symmetric Gaussian or no background error, no SES error: ``stats.likelihood._linear_theta_b``, no
Newton iteration) are stacked in one :class:`~kaonportal.stats.asymptotic.AsymptoticCLs` with per-problem
convergence (``independent=True``): every operation is element-wise, so each limit is bit for bit that of its
own :func:`upper_limit` call (tested). The other problems (exact calculator, iterated nuisances) are computed
one by one with :func:`upper_limit`.

>>> from kaonportal.stats import Dataset, upper_limit
>>> probs = [[Dataset("a", 900, 1000.0, 1.0, background_error=50.0)], [Dataset("b", 3, 1.0, 1.0)]]
>>> [round(lim.upper_limit, 3) for lim in upper_limits(probs, cl=0.9)]
[53.55, 5.711]
>>> upper_limits(probs)[0] == upper_limit(probs[0])
True
"""

from __future__ import annotations

__all__ = ["upper_limits"]

import numpy as np

from .asymptotic import AsymptoticCLs
from .limits import BAND_NAMES, Limit, _choose, check_cl, upper_limit
from .model import CountingArrays, Dataset, build_arrays, validate_datasets


def _closed_form(datasets: list[Dataset]) -> bool:
    """The nuisances of these datasets are profiled in closed form (no iteration whose stopping rule would
    couple the problems of a batch): no SES error, a symmetric Gaussian background error or none."""
    for d in datasets:
        lo, hi = d.error_pair()
        if float(d.ses_error) > 0 or (hi > 0 and (d.kind() != "gaussian" or lo != hi)):
            return False
    return True


def _stack(arrays: list[CountingArrays]) -> CountingArrays:
    """Problems of the same number of datasets on the first axis."""
    return CountingArrays(*(np.concatenate([getattr(a, f) for a in arrays]) for f in
                            ("n", "b", "sig_lo", "sig_hi", "kind", "spb", "r")))


def upper_limits(problems, cl: float = 0.9, calculator: str = "auto", expected: bool = True) -> list[Limit]:
    """:func:`~kaonportal.stats.limits.upper_limit` (method ``cls``) of every problem (a list of datasets or one
    :class:`Dataset`), equal bit for bit to one call per problem (module docstring), in the order given."""
    cl = check_cl(cl)
    problems = [validate_datasets(p) for p in problems]
    out: list[Limit | None] = [None] * len(problems)
    batch: dict[int, list[int]] = {}           # number of datasets -> indices of the batched problems
    for i, p in enumerate(problems):
        if _choose(p, "cls", calculator) == "asymptotic" and _closed_form(p):
            batch.setdefault(len(p), []).append(i)
        else:
            out[i] = upper_limit(p, cl=cl, calculator=calculator, expected=expected)
    alpha = 1.0 - cl
    for idx in batch.values():
        a = AsymptoticCLs(_stack([build_arrays(problems[i]) for i in idx]), independent=True)
        obs = a.upper_limit(alpha)
        exp = a.expected_limits(alpha) if expected else {}
        for j, i in enumerate(idx):
            ses_min = min(float(d.ses) for d in problems[i])
            out[i] = Limit(upper_limit=float(obs[j]), signal_events_limit=float(obs[j]) / ses_min, cl=cl,
                           method="cls", expected={k: float(exp[k][j]) for k in BAND_NAMES} if expected else {},
                           calculator="asymptotic", datasets=tuple(d.name for d in problems[i]))
    return out
