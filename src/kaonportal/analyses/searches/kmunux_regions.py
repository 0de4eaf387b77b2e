"""Counting regions of the K+ -> mu+ nu X search: the choice of the region's lower edge (lowest expected limit,
never looking at the data), its expected limits and the bins of the binned pseudo-data.

Part of :mod:`.kmunux` (method, sources and outcome in its docstring).
"""

from __future__ import annotations

__all__ = ["counting_limit", "counting_limits", "expected_limit", "add_expected_limits", "best_region", "dataset_bins"]

import math

import numpy as np
from scipy.special import ndtri

from ...stats import Dataset, upper_limit
from ...stats.batch import upper_limits
from .hnl_background import window_background


def _acceptances(ev, w, total, lows, hi) -> np.ndarray:
    """Acceptance in lo <= m2miss_mu <= ``hi`` for every lower edge of ``lows``: one sort and one suffix sum of the
    weights (equal to a masked sum per edge to rounding), not one pass over the events per edge."""
    x = np.asarray(ev["m2miss_mu"], float)
    keep = x <= hi                      # NaN (no track) compares False, as in the masked sum
    order = np.argsort(x[keep], kind="stable")
    xs, ws = x[keep][order], np.broadcast_to(np.asarray(w, float), x.shape)[keep][order]
    tail = np.append(np.cumsum(ws[::-1])[::-1], 0.0)        # tail[i]: weight of xs[i:]
    return tail[np.searchsorted(xs, np.asarray(lows, float), side="left")] / total


def _background_error(b: float, mc_err: float, rel: float) -> float:
    """Background uncertainty (events): relative systematic ``rel`` and simulation statistics in quadrature."""
    return float(np.hypot(rel * b, mc_err))


def _dataset(n_obs: int, b: float, b_err: float, ses: float, name: str) -> Dataset:
    return Dataset(name, int(n_obs), b, ses, background_error=b_err)


def counting_limit(n_obs: int, b: float, b_err: float, ses: float, cl: float, name: str, expected: bool = True):
    """Upper limit of one counting region (``n_obs`` events, background ``b`` +- ``b_err``, SES) at ``cl``."""
    return upper_limit([_dataset(n_obs, b, b_err, ses, name)], cl=cl, expected=expected)


def counting_limits(regions, cl: float, expected: bool = True) -> list:
    """:func:`counting_limit` of every ``(n_obs, b, b_err, ses, name)``, the same numbers bit for bit, computed
    together (:func:`kaonportal.stats.batch.upper_limits`: one vectorised pass for the asymptotic regions)."""
    return upper_limits([[_dataset(*r)] for r in regions], cl=cl, expected=expected)


def expected_limit(b: float, b_err: float, ses: float, cl: float, name: str = "kmunux") -> dict:
    """Expected limits (median and bands) of one counting region, computed on the background-only Asimov
    observation ``n = round(b)``: :mod:`kaonportal.stats` fits the nuisances to the observation before building
    the expected bands (the pyhf convention, stats.likelihood.conditional_asimov), so a placeholder n = 0 with a
    background error would pull the background to ~0; with n = round(b) the post-fit model is the pre-fit one.

    >>> e = expected_limit(1.0e4, 0.0, 1.0, 0.9)
    >>> round(e["median"] / 100.0, 2)      # ~1.64 sqrt(b) at large b without error
    1.65
    >>> expected_limit(1.0e4, 1.0e3, 1.0, 0.9)["median"] > 5 * e["median"]      # error 10% of b >> sqrt(b)
    True
    """
    return counting_limit(int(round(b)), b, b_err, ses, cl, name).expected


def _median_proxy(b: float, b_err: float, ses: float, cl: float) -> float:
    """Expected median limit used to rank the counting regions: at sigma_tot = sqrt(b + sigma_b^2) > 20 events
    the asymptotic median of the CLs limit, Phi^-1(1 - (1 - CL)/2) sigma_tot SES (Cowan et al., EPJC 71 (2011)
    1554, eq. 89 with CL_b = 1/2 at the median; 1.645 sigma_tot at 90% CL), otherwise the full calculation."""
    var = b + b_err ** 2
    if var > 400.0:
        return float(ndtri(1.0 - 0.5 * (1.0 - cl)) * math.sqrt(var) * ses)
    return expected_limit(b, b_err, ses, cl)["median"]


def best_region(ev, w, total, kern, lo_candidates, x_max, n_k, eps_trig, cl, rel, mc_stat):
    """Counting region (lowest expected median limit) among the candidate lower edges; its expected limits are
    added by :func:`add_expected_limits` (all regions at once)."""
    best = None
    # every candidate region in one query (each window's sum is computed alone: identical to one query each)
    b_all, mc_all = window_background(kern, lo_candidates, np.full(len(lo_candidates), x_max))
    acc = _acceptances(ev, w, total, lo_candidates, x_max)
    for lo, a, b, mc_err in zip(lo_candidates, acc.tolist(), b_all.tolist(), mc_all.tolist()):
        if a <= 0:
            continue
        b_err = _background_error(b, mc_err if mc_stat else 0.0, rel)
        ses = 1.0 / (n_k * a * eps_trig)
        rank = _median_proxy(b, b_err, ses, cl)
        if best is None or rank < best["rank"]:
            best = {"x_lo": lo, "acceptance": a, "background": b, "background_error": b_err,
                    "background_mc_error": mc_err, "ses": ses, "rank": rank}
    if best is not None:
        best.pop("rank")
    return best


def add_expected_limits(regions, cl: float) -> None:
    """Sets ``expected`` (the limits of :func:`expected_limit`) of every chosen region (``None``: skipped), all
    regions in one :func:`counting_limits` call."""
    chosen = [r for r in regions if r is not None]
    lims = counting_limits([(int(round(r["background"])), r["background"], r["background_error"], r["ses"],
                             "kmunux") for r in chosen], cl)
    for r, lim in zip(chosen, lims):
        r["expected"] = lim.expected


def dataset_bins(bkg: dict, cuts) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges and expected background counts of the binned pseudo-data: the bins of the background model
    (:func:`.hnl_background.background_model`: ``edges``, ``counts``, ``kernels``) split at every value of ``cuts`` inside
    them (the counting-region edges), the pieces of a split bin integrated from the kernels
    (:func:`.hnl_background.window_background`), so that each region is a whole number of bins and its expected content is
    the region's background (to rounding).

    >>> kern = {"x": np.array([0.5]), "w": np.array([100.0]), "h": np.array([0.2])}
    >>> edges0 = np.linspace(0.0, 1.0, 5)
    >>> bkg = {"edges": edges0, "counts": window_background(kern, edges0[:-1], edges0[1:])[0], "kernels": kern}
    >>> e, c = dataset_bins(bkg, [0.3])
    >>> e.tolist()
    [0.0, 0.25, 0.3, 0.5, 0.75, 1.0]
    >>> bool(abs(c[2:].sum() - window_background(kern, [0.3], [1.0])[0][0]) < 1e-9)
    True
    """
    edges0, counts0 = np.asarray(bkg["edges"], float), np.asarray(bkg["counts"], float)
    cuts = np.asarray(cuts, float)
    edges = np.union1d(edges0, cuts[(cuts > edges0[0]) & (cuts < edges0[-1])])
    lo, hi = edges[:-1], edges[1:]
    j = np.clip(np.searchsorted(edges0, lo, side="right") - 1, 0, len(counts0) - 1)
    whole = (edges0[j] == lo) & (edges0[j + 1] == hi)
    counts = np.where(whole, counts0[j], 0.0)
    if np.any(~whole):
        counts[~whole] = window_background(bkg["kernels"], lo[~whole], hi[~whole])[0]
    return edges, counts
