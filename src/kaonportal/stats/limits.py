"""Upper limits on the branching ratio: CLs (exact, asymptotic or toys) and Feldman-Cousins.

* ``method="cls"``: ``calculator="exact"`` -- discrete CLs with nuisances averaged
  (:mod:`kaonportal.stats.hybrid`); ``"asymptotic"`` -- profile-likelihood q~_mu with asymptotic formulae
  (:mod:`kaonportal.stats.asymptotic`); ``"toys"`` -- the exact method's statistic with Monte Carlo
  pseudo-experiments (expected bands as for ``exact``); ``"auto"`` (default) -- exact for one dataset
  with count and background below 500, or up to 4 datasets each with count + background <= 100;
  asymptotic otherwise.
* ``method="fc"``: Feldman-Cousins upper end of the interval (:mod:`kaonportal.stats.feldman_cousins`);
  several datasets by enumerating their joint outcomes (modest counts only).

Expected limits (``median``, ``minus1``, ``plus1``, ``minus2``, ``plus2``; ``minus`` = lower limits): for the
exact/FC methods, the limits obtained for the background-only count quantiles at
``Phi(-2), Phi(-1), 0.5, Phi(1), Phi(2)`` (the quantile of a discrete ``n`` is the smallest count whose CDF
reaches the probability; see :func:`kaonportal.stats.hybrid.expected_counts_quantiles`); with several
datasets, weighted quantiles of the limits of ``band_toys`` background-only pseudo-experiments (``seed``);
asymptotically, the Cowan et al. band formulae.
"""

from __future__ import annotations

__all__ = ["Limit", "upper_limit", "poisson_upper_limit", "METHODS", "CALCULATORS"]

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.special import gammaincc

from ..errors import InputError, check_choice
from .asymptotic import AsymptoticCLs
from .feldman_cousins import MAX_OUTCOMES, FCMulti, fc_interval
from .hybrid import (BAND_PROBS, cls_limit_multi, cls_limit_single, cls_multi, expected_counts_quantiles,
                     nuisance_nodes)
from .model import Dataset, build_arrays, validate_datasets

METHODS = ("cls", "fc")
CALCULATORS = ("auto", "exact", "asymptotic", "toys")
BAND_NAMES = ("minus2", "minus1", "median", "plus1", "plus2")
# With several datasets (or averaged nuisances) likelihood-ratio ordering can leave a very improbable
# observation outside every acceptance region: the confidence set is empty (an expected-band outcome
# with an empty set counts as a limit of 0).
_EMPTY_FC = ("the Feldman-Cousins confidence set is empty at CL={cl:g}: the observed counts are improbable "
             "for every branching ratio (e.g. far fewer events than the background in one dataset); "
             "use method=cls")


@dataclass
class Limit:
    """An upper limit on the branching ratio.

    ``signal_events_limit`` is the limit in signal events of the most sensitive dataset (smallest SES),
    i.e. ``upper_limit / SES_min``. ``expected`` holds the expected BR limits.
    """

    upper_limit: float
    signal_events_limit: float
    cl: float
    method: str
    expected: dict = field(default_factory=dict)
    calculator: str = "exact"
    datasets: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return asdict(self)


def check_cl(cl) -> float:
    """Validate a confidence level in (0, 1)."""
    if isinstance(cl, bool) or not isinstance(cl, (int, float, np.floating, np.integer)) \
            or not math.isfinite(float(cl)) or not 0.0 < float(cl) < 1.0:
        raise InputError("cl", f"confidence level must be in (0, 1), got {cl!r}")
    return float(cl)


def _choose(datasets: list[Dataset], method: str, calculator: str) -> str:
    check_choice("method", method, METHODS)
    check_choice("calculator", calculator, CALCULATORS)
    if method == "fc":
        if calculator not in ("auto", "exact"):
            raise InputError("calculator", "fc uses the exact Neyman construction; use calculator=auto or exact")
        for d in datasets:
            if d.observed + d.background + 3 * max(d.error_pair()) > 1000:
                raise InputError("method", "fc (a Neyman construction over every count) is limited to "
                                           f"observed + background <= 1000 events, dataset {d.name!r} has more; "
                                           "use method=cls (asymptotic at large counts)")
        if len(datasets) > 1:
            # a lower bound on the joint outcomes the belt enumerates (see FCMulti): refuse early
            size = math.prod(int(d.observed + d.background + 10 * math.sqrt(d.observed + d.background + 1) + 16)
                             for d in datasets)
            if size > MAX_OUTCOMES:
                raise InputError("method", f"fc with {len(datasets)} datasets needs more than {size} joint "
                                           f"outcomes (limit {MAX_OUTCOMES}); use method=cls")
        return "exact"
    if calculator != "auto":
        return calculator
    if len(datasets) == 1:
        d = datasets[0]
        return "exact" if d.observed <= 500 and d.background <= 500 else "asymptotic"
    # several datasets: exact convolution (and its pseudo-experiment bands) for small counts only
    small = all(d.observed + d.background <= 100 for d in datasets)
    return "exact" if small and len(datasets) <= 4 else "asymptotic"


def _exact_single_limits(m, alpha, with_expected=True):
    beta, eps, w = nuisance_nodes(m)
    spb = m.spb[:, 0]
    obs = cls_limit_single(m.n[:, 0], beta[:, 0], eps[:, 0], w[:, 0], alpha) / spb
    exp = {}
    if with_expected:
        q = expected_counts_quantiles(beta[:, 0], w[:, 0], [BAND_PROBS[k] for k in BAND_NAMES])
        P = m.shape[0]
        nq = q.reshape(-1).astype(float)
        lim = cls_limit_single(nq, np.tile(beta[:, 0], (len(BAND_NAMES), 1)),
                               np.tile(eps[:, 0], (len(BAND_NAMES), 1)),
                               np.tile(w[:, 0], (len(BAND_NAMES), 1)), alpha)
        lim = lim.reshape(len(BAND_NAMES), P) / spb
        exp = {k: lim[i] for i, k in enumerate(BAND_NAMES)}
    return obs, exp


def _weighted_quantiles(values, weights, probs):
    order = np.argsort(values)
    v, c = values[order], np.cumsum(weights[order])
    c = c / c[-1]
    return {k: float(v[min(np.searchsorted(c, p * (1 - 1e-12)), len(v) - 1)]) for k, p in probs.items()}


def _bkg_only_toys(beta, eps, w, ntoys, seed):
    """Background-only pseudo-data sampled from the nuisance-averaged marginals; unique rows + counts."""
    rng = np.random.default_rng(seed)
    D, K = w.shape
    rows = np.empty((ntoys, D), dtype=np.int64)
    for i in range(D):
        k = rng.choice(K, size=ntoys, p=w[i] / w[i].sum())
        rows[:, i] = rng.poisson(beta[i][k])
    return np.unique(rows, axis=0, return_counts=True)


def _exact_multi(m, alpha, with_expected, ntoys, seed):
    beta, eps, w = (x[0] for x in nuisance_nodes(m))
    spb = m.spb[0]
    obs = cls_limit_multi(m.n[0], spb, beta, eps, w, alpha)
    exp = {}
    if with_expected:
        rows, counts = _bkg_only_toys(beta, eps, w, ntoys, seed)
        # bands need ~1e-6 precision only
        lims = np.array([cls_limit_multi(r.astype(float), spb, beta, eps, w, alpha, rtol=1e-6) for r in rows])
        exp = _weighted_quantiles(lims, counts.astype(float), {k: BAND_PROBS[k] for k in BAND_NAMES})
    return obs, exp


def _poisson_quantiles(u, node, lam_nodes):
    """Inverse-CDF Poisson draws ``n = F^-1(u | lam_nodes[node])`` via per-node CDF tables (monotone in lam)."""
    lam_max = float(np.max(lam_nodes))
    nmax = int(math.ceil(lam_max + 12.0 * math.sqrt(lam_max) + 25.0))
    cdf = gammaincc(np.arange(nmax + 1.0)[None, :] + 1.0, lam_nodes[:, None])      # (K, nmax+1)
    return np.sum(cdf[node] < u[:, None], axis=1).astype(float)


def _toys_cls(m, br, ntoys, seed):
    """CLs from pseudo-experiments (same statistic as the exact method), common random numbers.

    The same nuisance nodes and uniforms are used at every BR, and counts are drawn by inversion,
    so CLs(BR) is a monotone step function that bisection can solve reproducibly.
    """
    beta, eps, w = (x[0] for x in nuisance_nodes(m))
    spb = m.spb[0]
    rng = np.random.default_rng(seed)
    D, K = w.shape
    s = br * spb
    b_nom = np.sum(w * beta, axis=-1)
    wt = np.log1p(s / np.maximum(b_nom, 1e-300))
    t_obs = float(np.sum(wt * m.n[0]))
    tol = 1e-12 * max(abs(t_obs), 1.0)
    t_sb = np.zeros(ntoys)
    t_b = np.zeros(ntoys)
    for i in range(D):
        node = rng.choice(K, size=ntoys, p=w[i] / w[i].sum())
        u = rng.random(ntoys)
        t_sb += wt[i] * _poisson_quantiles(u, node, s[i] * eps[i] + beta[i])
        t_b += wt[i] * _poisson_quantiles(u, node, beta[i])
    return float(np.mean(t_sb <= t_obs + tol)), float(np.mean(t_b <= t_obs + tol))


def _fc_multi(m, cl, with_expected, ntoys, seed):
    """Feldman-Cousins upper limit (and bands) for several datasets, belt built once."""
    beta, eps, w = (x[0] for x in nuisance_nodes(m, kb=16, ks=8))
    spb = m.spb[0]
    n_obs = m.n[0].astype(np.int64)
    rows, counts = _bkg_only_toys(beta, eps, w, ntoys, seed) if with_expected else (n_obs[None, :], np.ones(1))
    n_min = np.maximum(n_obs, rows.max(axis=0))
    br_max = 2.0 * cls_limit_multi(n_obs.astype(float), spb, beta, eps, w, 1.0 - cl)
    if not math.isfinite(br_max) or br_max <= 0:
        br_max = (float(np.sum(n_obs)) + 10.0) / float(np.max(spb))
    for _ in range(4):
        belt = FCMulti(spb, beta, eps, w, cl, br_max, n_min=n_min)
        obs = belt.interval(n_obs)[1]
        lims = np.array([belt.interval(r)[1] for r in rows]) if with_expected else np.zeros(1)
        if math.isfinite(obs) and np.all(np.isfinite(lims)):
            break
        br_max *= 2.0                         # the belt must extend beyond every upper limit asked for
    exp = _weighted_quantiles(lims, counts.astype(float), {k: BAND_PROBS[k] for k in BAND_NAMES}) \
        if with_expected else {}
    return obs, exp


def _toys_limit(m, alpha, ntoys, seed):
    spb = m.spb[0]
    hi = (float(np.sum(m.n)) + float(np.sum(m.b)) + 10.0 * (1 + float(np.sum(m.sig_hi)))) / float(np.max(spb))

    def cls(br):
        clsb, clb = _toys_cls(m, br, ntoys, seed)
        return clsb / clb if clb > 0 else 0.0

    while cls(hi) > alpha and hi < 1e30:
        hi *= 2
    lo = 0.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if cls(mid) > alpha:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def upper_limit(datasets, cl: float = 0.9, method: str = "cls", calculator: str = "auto",
                expected: bool = True, ntoys: int = 2000, seed: int = 0, band_toys: int = 400) -> Limit:
    """Upper limit on the shared branching ratio at confidence level ``cl``.

    Parameters
    ----------
    datasets: list of :class:`~kaonportal.stats.model.Dataset` (or dicts with the same fields).
    cl: confidence level in (0, 1).
    method: ``"cls"`` or ``"fc"`` (Feldman-Cousins).
    calculator: ``"auto"``, ``"exact"``, ``"asymptotic"`` or ``"toys"`` (CLs only).
    expected: also compute the expected limit and its +-1, +-2 sigma band.
    ntoys, seed: pseudo-experiments for ``calculator="toys"``; ``seed`` also for the bands below.
    band_toys: background-only pseudo-experiments giving the expected band of several datasets
        (exact and FC methods; one dataset needs none).

    Examples
    --------
    NA62 2016 K+ -> pi+ nu nubar inputs (arXiv:1811.08508 abstract; [NA62:2019pnn16]):

    >>> lim = upper_limit([Dataset("2016", observed=1, background=0.152, ses=3.15e-10)], cl=0.95)
    >>> round(lim.upper_limit * 1e10, 1), round(lim.signal_events_limit, 3)
    (14.5, 4.605)
    >>> round(upper_limit([Dataset("zero", 0, 0.0, 1.0)], cl=0.9).upper_limit, 4)
    2.3026
    """
    cl = check_cl(cl)
    datasets = validate_datasets(datasets)
    # numpy's SeedSequence rejects negative seeds with a bare ValueError; say which option is wrong
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("seed", f"must be a non-negative integer, got {seed!r}")
    # at most 1e7 toys: they resolve a CLs of 0.1 to ~1e-4 (relative); 1e12 asked for 7 TiB of arrays
    for name, value in (("ntoys", ntoys), ("band_toys", band_toys)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 10 <= value <= 10**7:
            raise InputError(name, f"must be an integer in [10, 1e7], got {value!r}")
    calc = _choose(datasets, method, calculator)
    m = build_arrays(datasets)
    alpha = 1.0 - cl
    exp: dict = {}
    if method == "fc" and len(datasets) > 1:
        obs, exp = _fc_multi(m, cl, expected, band_toys, seed)
        if obs == 0.0:
            raise InputError("method", _EMPTY_FC.format(cl=cl))
    elif method == "fc":
        d = datasets[0]
        beta, eps, w = (x[0, 0] for x in nuisance_nodes(m, kb=16, ks=8))
        obs = fc_interval(int(d.observed), beta, eps, w, cl)[1] / d.signal_per_br()
        if obs == 0.0:
            raise InputError("method", _EMPTY_FC.format(cl=cl))
        if expected:
            q = expected_counts_quantiles(beta[None, :], w[None, :], [BAND_PROBS[k] for k in BAND_NAMES])[:, 0]
            cache: dict[int, float] = {}
            for k, n in zip(BAND_NAMES, q):
                if int(n) not in cache:
                    cache[int(n)] = fc_interval(int(n), beta, eps, w, cl)[1] / d.signal_per_br()
                exp[k] = cache[int(n)]
    elif calc == "asymptotic":
        a = AsymptoticCLs(m)
        obs = float(a.upper_limit(alpha)[0])
        if expected:
            exp = {k: float(v[0]) for k, v in a.expected_limits(alpha).items()}
    elif calc == "toys":
        obs = _toys_limit(m, alpha, ntoys, seed)
        if expected:
            # bands: limits of background-only outcomes would need toys within toys; use the exact
            # method's bands (same test statistic) for up to 4 datasets, the asymptotic ones beyond
            if len(datasets) == 1:
                e = _exact_single_limits(m, alpha, True)[1]
                exp = {k: float(v[0]) for k, v in e.items()}
            elif len(datasets) <= 4:
                exp = _exact_multi(m, alpha, True, band_toys, seed)[1]
            else:
                exp = {k: float(v[0]) for k, v in AsymptoticCLs(m).expected_limits(alpha).items()}
    elif len(datasets) == 1:
        o, e = _exact_single_limits(m, alpha, expected)
        obs = float(o[0])
        exp = {k: float(v[0]) for k, v in e.items()}
    else:
        obs, exp = _exact_multi(m, alpha, expected, band_toys, seed)
    ses_min = min(float(d.ses) for d in datasets)
    exp = {k: float(exp[k]) for k in BAND_NAMES} if exp else {}
    return Limit(upper_limit=float(obs), signal_events_limit=float(obs) / ses_min, cl=cl, method=method,
                 expected=exp, calculator=calc, datasets=tuple(d.name for d in datasets))


def poisson_upper_limit(observed: int, background: float, cl: float = 0.9, method: str = "cls") -> float:
    """Upper limit on the signal mean (events) for ``observed`` counts over a known ``background``.

    CLs: ``P(n <= n_obs | s + b) / P(n <= n_obs | b) = 1 - CL`` (Read 2002, eq. 6) solved exactly;
    FC: upper end of the Feldman-Cousins interval.

    >>> round(poisson_upper_limit(0, 0.0, 0.9), 3)          # -ln(0.1)
    2.303
    >>> round(poisson_upper_limit(0, 0.0, 0.9, method="fc"), 2)   # FC PRD 57 (1998) 3873, Table IV
    2.44
    """
    cl = check_cl(cl)
    check_choice("method", method, METHODS)
    d = Dataset("poisson", observed=observed, background=background, ses=1.0)
    if method == "fc":
        return fc_interval(int(d.observed), [float(background)], [1.0], [1.0], cl)[1]
    m = build_arrays([d])
    return float(_exact_single_limits(m, 1.0 - cl, with_expected=False)[0][0])


# re-exported for callers that want CLs values at a given BR
def cls_value(datasets, br: float) -> tuple[float, float, float]:
    """(CLs, CLs+b, CLb) of the exact method at branching ratio ``br``.

    >>> round(cls_value([Dataset("a", 0, 0.0, 1.0)], 2.302585)[0], 6)
    0.1
    """
    datasets = validate_datasets(datasets)
    m = build_arrays(datasets)
    beta, eps, w = (x[0] for x in nuisance_nodes(m))
    clsb, clb = cls_multi(m.n[0], m.spb[0], beta, eps, w, float(br))
    return clsb / clb, clsb, clb
