"""Peak scans: limits, local p-values and the global significance over many mass hypotheses.

Method: windowed counting. For each hypothesis ``m_j`` the candidates (values of the scanned variable,
e.g. reconstructed mass in GeV/c^2 or m2miss in GeV^2/c^4) inside ``|x - m_j| < k sigma(m_j)`` are counted
(``k = window``, default 1.5, the half-width that maximises ``eff / sqrt(b)`` for a Gaussian peak on a
flat background: the optimum of ``erf(k/sqrt2)/sqrt(k)`` lies at k = 1.40). The signal expectation is
``BR * eff_j / SES_j`` with ``eff_j`` the fraction of the signal shape inside the window (Gaussian:
``erf(k / sqrt 2)``; template: integrated numerically), and ``b_j`` the expected background *in the window*.
Each hypothesis is then a one-bin counting model (:mod:`kaonportal.stats.model`), solved for all masses at
once with numpy (exact discrete CLs, :mod:`~kaonportal.stats.hybrid`, or asymptotic CLs,
:mod:`~kaonportal.stats.asymptotic`).

* local p-value: ``p_j = P(n >= n_j | b_j)`` averaged over the background constraint, ``Z = Phi^-1(1 - p)``;
* global significance of the most significant excess: from background-only pseudo-experiments drawn from
  ``background_density`` (fraction of toys whose smallest local p-value is below the observed one; when
  fewer than 10 toys reach the observed excess, the Gross-Vitells extrapolation from the up-crossings of
  Z = 1 in the same toys, EPJC 70 (2010) 525), or, without a density, the Sidak correction ``p_glob = 1 - (1 - p_min)^N_eff`` with ``N_eff`` the number of
  non-overlapping windows in the scanned range (an approximation: correlations between overlapping windows
  are ignored beyond that; cf. E. Gross and O. Vitells, EPJC 70 (2010) 525 for the look-elsewhere effect).

Large scans are split in chunks of mass points handled by worker processes (all cores); a failing
chunk is redone point by point so that the error names the mass hypothesis, and :class:`ScanError`
carries every result computed before it.
"""

from __future__ import annotations

__all__ = ["ScanResult", "ScanError", "peak_scan", "window_counts"]

import math
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy.special import erf, gammainc, ndtri

from ..errors import InputError, check_choice
from .asymptotic import AsymptoticCLs
from .hybrid import BAND_PROBS, cls_limit_single, expected_counts_quantiles, nuisance_nodes
from .limits import check_cl
from .model import CountingArrays

BANDS = ("minus2", "minus1", "median", "plus1", "plus2")
_PARALLEL_MIN_POINTS = 500
_MIN_TOYS_BELOW = 10          # direct toy estimate of the global p-value needs this many toys beyond the excess
_GV_Z0 = 1.0                  # reference level of the Gross-Vitells up-crossings
_GV_P0 = float(1.0 - 0.5 * (1.0 + math.erf(_GV_Z0 / math.sqrt(2.0))))   # local p-value at Z0


@dataclass
class ScanResult:
    """Per-hypothesis results of :func:`peak_scan` (arrays of the length of ``masses``).

    Limits are on the branching ratio; ``signal_events_limit`` is in signal events (all of the peak,
    i.e. before the window efficiency). Entries not computed (after a failure) are NaN.
    """

    masses: np.ndarray
    n_observed: np.ndarray
    background: np.ndarray
    efficiency: np.ndarray
    ses: np.ndarray
    observed_limit: np.ndarray
    expected: dict
    local_p: np.ndarray
    local_significance: np.ndarray
    cl: float
    calculator: str
    global_p: float = float("nan")
    global_significance: float = float("nan")
    trials_factor: float = float("nan")
    global_method: str = ""
    max_excess_mass: float = float("nan")
    failed: list = field(default_factory=list)

    @property
    def signal_events_limit(self) -> np.ndarray:
        return self.observed_limit / self.ses

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("masses", "n_observed", "background", "efficiency", "ses",
                                           "observed_limit", "local_p", "local_significance", "cl",
                                           "calculator", "global_p", "global_significance", "trials_factor",
                                           "global_method", "max_excess_mass", "failed")}
        d["expected"] = dict(self.expected)
        return d


class ScanError(RuntimeError):
    """A scan failed at ``mass``; ``partial`` is a :class:`ScanResult` with everything computed so far."""

    def __init__(self, mass: float, message: str, partial: ScanResult):
        self.mass = mass
        self.partial = partial
        super().__init__(f"peak scan failed at mass hypothesis {mass:g}: {message} "
                         f"({int(np.sum(np.isfinite(partial.observed_limit)))} of {len(partial.masses)} "
                         "hypotheses computed; see .partial)")


def _per_mass(name: str, value, masses: np.ndarray, positive=False, nonneg=False) -> np.ndarray:
    if callable(value):
        try:
            arr = np.asarray(value(masses), dtype=float)
        except Exception as exc:  # noqa: BLE001 - user callable
            raise InputError(name, f"callable failed: {exc}") from None
    else:
        arr = np.asarray(value, dtype=float)
    try:
        arr = np.broadcast_to(arr, masses.shape).astype(float)
    except ValueError:
        raise InputError(name, f"must be a scalar, a callable or an array of {len(masses)} values "
                               f"(one per mass), got shape {np.shape(arr)}") from None
    bad = ~np.isfinite(arr) | ((arr <= 0) if positive else False) | ((arr < 0) if nonneg else False)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        need = "> 0" if positive else (">= 0" if nonneg else "finite")
        raise InputError(f"{name}[{i}]", f"must be {need} (mass hypothesis {masses[i]:g}), got {arr[i]!r}")
    return arr


def window_counts(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Number of sorted ``values`` in each ``[lo, hi)`` window.

    >>> window_counts(np.array([0.1, 0.2, 0.25, 0.9]), np.array([0.0, 0.15]), np.array([0.3, 0.3])).tolist()
    [3, 2]
    """
    return np.searchsorted(values, hi, side="left") - np.searchsorted(values, lo, side="left")


def _template_efficiency(template, masses, lo, hi) -> np.ndarray:
    x, w = np.polynomial.legendre.leggauss(64)
    xs = 0.5 * (hi - lo)[:, None] * x + 0.5 * (hi + lo)[:, None]
    pdf = np.asarray(template(xs, masses[:, None]), dtype=float)
    return np.sum(pdf * w * 0.5 * (hi - lo)[:, None], axis=1)


def _chunk_work(payload: dict) -> dict:
    """Observed/expected limits and local p-values for one chunk of mass points (pure numpy)."""
    m = CountingArrays(**{k: payload[k] for k in ("n", "b", "sig_lo", "sig_hi", "kind", "spb", "r")})
    alpha = 1.0 - payload["cl"]
    P = m.shape[0]
    if payload.get("fail_at") is not None:  # test hook: simulate a numerical failure
        if np.any(np.isclose(payload["masses"], payload["fail_at"])):
            raise FloatingPointError("injected failure")
    beta, eps, w = nuisance_nodes(m)
    n = m.n[:, 0]
    # local p-value P(N >= n | b) = P(n, b) (regularised lower incomplete gamma), averaged over b
    with np.errstate(invalid="ignore"):
        p_local = np.where(n > 0, np.sum(w[:, 0] * gammainc(np.maximum(n, 1.0)[:, None], beta[:, 0]), axis=-1), 1.0)
    out = {"local_p": np.clip(p_local, 0.0, 1.0)}
    if payload["calculator"] == "asymptotic":
        calc = AsymptoticCLs(m)
        out["observed"] = calc.upper_limit(alpha)
        exp = calc.expected_limits(alpha)
        for k in BANDS:
            out[k] = exp[k]
    else:
        spb = m.spb[:, 0]
        out["observed"] = cls_limit_single(n, beta[:, 0], eps[:, 0], w[:, 0], alpha) / spb
        q = expected_counts_quantiles(beta[:, 0], w[:, 0], [BAND_PROBS[k] for k in BANDS])
        nb = len(BANDS)
        lim = cls_limit_single(q.reshape(-1).astype(float), np.tile(beta[:, 0], (nb, 1)),
                               np.tile(eps[:, 0], (nb, 1)), np.tile(w[:, 0], (nb, 1)), alpha)
        lim = lim.reshape(nb, P) / spb
        for i, k in enumerate(BANDS):
            out[k] = lim[i]
    for k, v in out.items():
        if not np.all(np.isfinite(v) | np.isinf(v)):
            bad = int(np.flatnonzero(~(np.isfinite(v) | np.isinf(v)))[0])
            raise FloatingPointError(f"{k} is NaN at mass {payload['masses'][bad]:g}")
    return out


def _slice(payload: dict, idx) -> dict:
    out = {}
    for k, v in payload.items():
        out[k] = v[idx] if isinstance(v, np.ndarray) and v.shape[:1] == payload["masses"].shape else v
    return out


def peak_scan(masses, *, resolution, background, ses, candidates=None, histogram=None,
              window: float = 1.5, background_error=0.0, background_model: str = "gaussian",
              ses_error=0.0, template: Callable | None = None, cl: float = 0.9, calculator: str = "exact",
              background_density: Callable | None = None, scan_range: tuple[float, float] | None = None,
              ntoys: int = 0, seed: int = 0, n_jobs: int | None = None, chunk_size: int | None = None,
              progress: Callable[[int, int], None] | None = None, _fail_at: float | None = None) -> ScanResult:
    """Scan mass hypotheses for a peak: observed and expected limits, local and global significance.

    Parameters
    ----------
    masses: mass hypotheses (units of the scanned variable).
    resolution: Gaussian peak width sigma(m): scalar, array (one per mass) or callable ``f(masses)``.
    background: expected background events *in each window*: scalar, array or callable.
    ses: single event sensitivity for the whole peak per hypothesis (scalar, array or callable).
    candidates: observed values of the scanned variable (1-D array); or ``histogram=(edges, counts)``,
        a bin being counted in a window when its centre is.
    window: half-width of the counting window in units of sigma.
    background_error, ses_error: absolute uncertainties per hypothesis (scalars, arrays or callables).
    background_model: ``gaussian`` or ``lognormal`` (see :mod:`kaonportal.stats.model`).
    template: optional signal shape ``pdf(x, m)`` (normalised in x) replacing the Gaussian for the window
        efficiency.
    cl: confidence level; calculator: ``exact`` or ``asymptotic``.
    background_density: optional ``dN/dx(x)`` (events per unit x) over ``scan_range`` for background-only
        pseudo-experiments (``ntoys`` of them, ``seed``) giving the global significance.
    n_jobs: worker processes (default: all cores for scans of >= 500 points; 1 = in-process).
    chunk_size: mass points per task (default: the scan split evenly over the workers, at most 2000).
    progress: optional callback ``progress(done, total)`` called after every chunk (mass points).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> cand = rng.uniform(0.0, 1.0, 200)               # flat background, 200 events per unit mass
    >>> masses = np.linspace(0.1, 0.9, 81)
    >>> r = peak_scan(masses, candidates=cand, resolution=0.01, background=200 * 2 * 1.5 * 0.01, ses=1e-9)
    >>> r.observed_limit.shape, bool(np.all(r.observed_limit > 0))
    ((81,), True)
    >>> bool(np.all(r.expected["minus2"] <= r.expected["plus2"]))
    True
    """
    check_cl(cl)
    check_choice("calculator", calculator, ("exact", "asymptotic"))
    check_choice("background_model", background_model, ("gaussian", "lognormal"))
    masses = np.asarray(masses, dtype=float).ravel()
    if masses.size == 0:
        raise InputError("masses", "no mass hypotheses given")
    if not np.all(np.isfinite(masses)):
        i = int(np.flatnonzero(~np.isfinite(masses))[0])
        raise InputError(f"masses[{i}]", f"must be finite, got {masses[i]!r}")
    if isinstance(window, bool) or not np.isfinite(window) or window <= 0:
        raise InputError("window", f"must be > 0 (in units of sigma), got {window!r}")
    sigma = _per_mass("resolution", resolution, masses, positive=True)
    b = _per_mass("background", background, masses, nonneg=True)
    ses_arr = _per_mass("ses", ses, masses, positive=True)
    b_err = _per_mass("background_error", background_error, masses, nonneg=True)
    s_err = _per_mass("ses_error", ses_error, masses, nonneg=True)
    if background_model == "lognormal" and np.any((b == 0) & (b_err > 0)):
        i = int(np.flatnonzero((b == 0) & (b_err > 0))[0])
        raise InputError(f"background[{i}]", f"lognormal errors need background > 0 (mass {masses[i]:g})")
    lo, hi = masses - window * sigma, masses + window * sigma
    if (candidates is None) == (histogram is None):
        raise InputError("candidates", "give exactly one of candidates=array or histogram=(edges, counts)")
    if candidates is not None:
        x = np.sort(np.asarray(candidates, dtype=float).ravel())
        if not np.all(np.isfinite(x)):
            raise InputError("candidates", "contain NaN or infinite values")
        n_obs = window_counts(x, lo, hi).astype(float)
    else:
        try:
            edges, counts = (np.asarray(a, dtype=float) for a in histogram)
        except (TypeError, ValueError):
            raise InputError("histogram", "must be a pair (edges, counts)") from None
        if edges.ndim != 1 or counts.shape != (len(edges) - 1,) or not np.all(np.diff(edges) > 0):
            raise InputError("histogram", "edges must increase and counts must have len(edges) - 1 entries")
        if not np.all(np.isfinite(counts)) or np.any(counts < 0) or np.any(counts != np.round(counts)):
            raise InputError("histogram", "counts must be non-negative integers")
        centres = 0.5 * (edges[1:] + edges[:-1])
        csum = np.concatenate([[0.0], np.cumsum(counts)])
        n_obs = csum[np.searchsorted(centres, hi)] - csum[np.searchsorted(centres, lo)]
    eff = erf(window / math.sqrt(2.0)) * np.ones_like(masses) if template is None \
        else _template_efficiency(template, masses, lo, hi)
    if np.any(~np.isfinite(eff) | (eff <= 0)):
        i = int(np.flatnonzero(~np.isfinite(eff) | (eff <= 0))[0])
        raise InputError(f"template[{i}]", f"signal efficiency in the window is {eff[i]!r} at mass {masses[i]:g}")
    M = len(masses)
    payload = {"masses": masses, "n": n_obs[:, None], "b": b[:, None], "sig_lo": b_err[:, None],
               "sig_hi": b_err[:, None], "kind": np.full((M, 1), 1 if background_model == "lognormal" else 0),
               "spb": (eff / ses_arr)[:, None], "r": (s_err / ses_arr)[:, None], "cl": float(cl),
               "calculator": calculator, "fail_at": _fail_at}
    res = {k: np.full(M, np.nan) for k in ("observed", "local_p", *BANDS)}
    if n_jobs is not None and (isinstance(n_jobs, bool) or int(n_jobs) < 1):
        raise InputError("n_jobs", f"must be >= 1, got {n_jobs!r}")
    workers = int(n_jobs) if n_jobs is not None else (os.cpu_count() or 1) if M >= _PARALLEL_MIN_POINTS else 1
    if chunk_size is None:
        chunk_size = min(2000, max(1, -(-M // workers)))
    if isinstance(chunk_size, bool) or int(chunk_size) < 1:
        raise InputError("chunk_size", f"must be >= 1, got {chunk_size!r}")
    chunks = [np.arange(i, min(i + int(chunk_size), M)) for i in range(0, M, int(chunk_size))]
    failure = None
    done = [0]

    def store(idx, out):
        for k, v in out.items():
            res[k][idx] = v
        done[0] += len(idx)
        if progress is not None:
            progress(done[0], M)

    def redo_pointwise(idx):
        for i in idx:
            try:
                store(np.array([i]), _chunk_work(_slice(payload, np.array([i]))))
            except Exception as exc:  # noqa: BLE001 - report which mass failed
                return float(masses[i]), f"{type(exc).__name__}: {exc}"
        return None

    from ..distributed import active_client
    client = active_client()
    if client is not None and len(chunks) > 1 and n_jobs != 1:
        # ``--scheduler``: the chunks of scan points are dask tasks (same function, same results)
        from ..distributed import RETRIES
        futures = [client.submit(_chunk_work, _slice(payload, idx), pure=False, retries=RETRIES) for idx in chunks]
        for idx, fut in zip(chunks, futures):
            try:
                store(idx, fut.result())
            except Exception:  # noqa: BLE001
                failure = failure or redo_pointwise(idx)
    elif workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=int(workers)) as pool:
            futures = [pool.submit(_chunk_work, _slice(payload, idx)) for idx in chunks]
            for idx, fut in zip(chunks, futures):
                try:
                    store(idx, fut.result())
                except Exception:  # noqa: BLE001
                    failure = failure or redo_pointwise(idx)
    else:
        for idx in chunks:
            try:
                store(idx, _chunk_work(_slice(payload, idx)))
            except Exception:  # noqa: BLE001
                failure = redo_pointwise(idx)
                if failure:
                    break
    p = res["local_p"]
    with np.errstate(invalid="ignore"):
        z = np.where(np.isfinite(p), np.maximum(-ndtri(np.clip(p, 1e-300, 1.0)), 0.0), np.nan)
    result = ScanResult(masses=masses, n_observed=n_obs, background=b, efficiency=eff, ses=ses_arr,
                        observed_limit=res["observed"], expected={k: res[k] for k in BANDS}, local_p=p,
                        local_significance=z, cl=float(cl), calculator=calculator)
    if failure:
        result.failed.append({"mass": failure[0], "error": failure[1]})
        raise ScanError(failure[0], failure[1], result)
    _global_significance(result, lo, hi, sigma, window, b_err, background_model, background_density,
                         scan_range, ntoys, seed)
    return result


def _global_significance(r: ScanResult, lo, hi, sigma, window, b_err, background_model, density,
                         scan_range, ntoys, seed) -> None:
    i_best = int(np.nanargmin(r.local_p))
    p_min = float(r.local_p[i_best])
    r.max_excess_mass = float(r.masses[i_best])
    if density is not None and ntoys > 0:
        if scan_range is None:
            scan_range = (float(np.min(lo)), float(np.max(hi)))
        a, c = (float(v) for v in scan_range)
        if not (np.isfinite(a) and np.isfinite(c) and c > a):
            raise InputError("scan_range", f"must be (low, high) with low < high, got {scan_range!r}")
        grid = np.linspace(a, c, 20001)
        dens = np.asarray(density(grid), dtype=float)
        if dens.shape != grid.shape or not np.all(np.isfinite(dens)) or np.any(dens < 0):
            raise InputError("background_density", "must return finite, non-negative values for every x")
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(grid))])
        total = cdf[-1]
        # per-window p-value tables P(N >= n | b) for n = 0..nmax (nuisance averaged)
        M = len(r.masses)
        m = CountingArrays(n=np.zeros((M, 1)), b=r.background[:, None], sig_lo=b_err[:, None],
                           sig_hi=b_err[:, None], kind=np.full((M, 1), 1 if background_model == "lognormal" else 0),
                           spb=np.ones((M, 1)), r=np.zeros((M, 1)))
        beta, _, w = nuisance_nodes(m)
        nmax = int(np.max(beta) + 12 * math.sqrt(np.max(beta) + 1) + 30)
        k = np.arange(1, nmax + 1, dtype=float)
        table = np.ones((len(r.masses), nmax + 2))
        step = max(1, 4_000_000 // (nmax * beta.shape[-1]))     # bound the (mass, n, node) work array
        for i in range(0, M, step):
            bw, bb = w[i:i + step, 0][:, None, :], beta[i:i + step, 0][:, None, :]
            table[i:i + step, 1:nmax + 1] = np.sum(bw * gammainc(k[None, :, None], bb), axis=-1)
        table[:, nmax + 1] = 0.0
        rng = np.random.default_rng(seed)
        min_p = np.empty(ntoys)
        upcross = np.empty(ntoys)
        rows = np.argsort(r.masses)            # along increasing mass, for the up-crossings
        for t in range(ntoys):
            x = np.sort(np.interp(rng.random(rng.poisson(total)) * total, cdf, grid))
            n = np.minimum(window_counts(x, lo[rows], hi[rows]), nmax + 1)
            p_toy = table[rows, n]
            min_p[t] = np.min(p_toy)
            above = p_toy <= _GV_P0
            upcross[t] = int(above[0]) + np.count_nonzero(above[1:] & ~above[:-1])
        n_below = int(np.sum(min_p <= p_min * (1 + 1e-12)))
        if n_below >= _MIN_TOYS_BELOW:
            p_glob = float((n_below + 1) / (ntoys + 1))
            r.global_method = f"toys ({ntoys}, seed {seed})"
        else:
            # too few toys reach the observed excess: Gross-Vitells extrapolation (EPJC 70 (2010) 525,
            # eq. 2) from the mean number of up-crossings of the level Z0 = 1 (u0 = 1) in the same toys,
            # p_glob = p_local + <N(u0)> exp(-(u - u0)/2) with u = Z_local^2; with a finite number M of
            # hypotheses it can never exceed the Bonferroni bound M * p_local
            n_up = float(np.mean(upcross))
            z_loc = float(-ndtri(max(p_min, 1e-300)))
            p_glob = min(1.0, p_min + n_up * math.exp(-0.5 * (z_loc**2 - _GV_Z0**2)), len(r.masses) * p_min)
            r.global_method = (f"gross-vitells (<N_up(Z0={_GV_Z0:g})> = {n_up:.2f} from {ntoys} toys, seed {seed}; "
                               f"{n_below} toys beyond the observed excess)")
    else:
        span = float(np.max(r.masses) - np.min(r.masses)) + 2 * window * float(np.mean(sigma))
        n_eff = max(1.0, span / (2 * window * float(np.mean(sigma))))
        p_glob = float(-np.expm1(n_eff * np.log1p(-min(p_min, 1 - 1e-16))))
        r.global_method = f"sidak (N_eff = {n_eff:.1f} independent windows)"
    r.global_p = p_glob
    r.global_significance = float(max(-ndtri(min(max(p_glob, 1e-300), 1.0)), 0.0))
    r.trials_factor = p_glob / p_min if p_min > 0 else float("inf")
