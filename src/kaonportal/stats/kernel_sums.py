"""Windowed sums of Gaussian kernels, sparse: the expected background of a kernel-smoothed sample in windows.

For events ``x_i`` with weights ``w_i`` and Gaussian kernel widths ``h_i``, the content of a window [lo, hi) is

    b = sum_i w_i f_i,   var = sum_i (w_i f_i)^2,   f_i = Phi((hi - x_i)/h_i) - Phi((lo - x_i)/h_i)

(the definition of ``analyses.searches.hnl_background.window_background``). The dense evaluation costs one pair of
``ndtr`` per event and window (the largest single cost of ``kaonportal run --quick``, issue 17). Here an event
farther than :data:`Z_CUT` kernel widths from both edges has ``f = 1`` (inside) or ``f = 0`` (outside) to
better than 1e-19 (Phi(-9) = 1.1e-19), so only the events near an edge are evaluated; the others enter through
prefix sums of ``w`` and ``w^2`` over the events sorted by ``x``.

The events are split into groups of similar width (h within a factor 2, :func:`_width_groups`), each with its own
reach Z_CUT x (largest h of the group): a few wide kernels (a sparse background source) no longer make every
event of the narrow ones "near an edge". :class:`KernelSet` sorts once, so that many window queries on one
sample (a scan, a choice among counting regions) pay for the sort once. The near events are summed in compiled
loops that evaluate Phi once per event and distinct edge, so windows sharing an edge share its evaluation
(:meth:`KernelSet.bin_sums` for the bins of a histogram: half the work of two edges per bin). Results agree with
the dense sums to rounding (~1e-13 relative in the tails: summation order, Phi as erfc/2), not bit for bit;
each window's sum does not depend on the other windows of a query (tested bit for bit).

>>> import numpy as np
>>> b, err = window_sums(np.array([0.0, 10.0]), np.array([1.0, 2.0]), np.array([0.1, 0.1]),
...                      np.array([-1.0, 9.0]), np.array([1.0, 10.0]))
>>> [round(float(v), 12) for v in b], [round(float(v), 12) for v in err]
([1.0, 1.0], [1.0, 1.0])
"""

from __future__ import annotations

__all__ = ["window_sums", "KernelSet", "Z_CUT"]

import math

import numpy as np

from ..backend import njit

Z_CUT = 9.0
_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def _width_groups(h: np.ndarray) -> np.ndarray:
    """Group label per event: floor(log2 h), so that within a group h_max < 2 h_min (reach <= 18 h per event)."""
    return np.floor(np.log2(h)).astype(np.int64)


class _Group:
    """Events of one width group, sorted by x, with prefix sums of w and w^2 and the group's reach."""

    def __init__(self, x, w, h):
        order = np.argsort(x, kind="stable")
        self.x, self.w, self.h = x[order], w[order], h[order]
        self.cw = np.concatenate([[0.0], np.cumsum(self.w)])
        self.cw2 = np.concatenate([[0.0], np.cumsum(self.w * self.w)])
        self.reach = Z_CUT * float(self.h.max())    # farther than this from an edge: f is 0 or 1

    def add_to(self, lo: np.ndarray, hi: np.ndarray, b: np.ndarray, var: np.ndarray) -> None:
        xs, ws, hs, cw, cw2 = self.x, self.w, self.h, self.cw, self.cw2
        # events that may sit near the edge e: x in [e - reach, e + reach]
        lo_a, lo_b = np.searchsorted(xs, lo - self.reach, "left"), np.searchsorted(xs, lo + self.reach, "right")
        hi_a, hi_b = np.searchsorted(xs, hi - self.reach, "left"), np.searchsorted(xs, hi + self.reach, "right")
        # events clearly inside: x in (lo + reach, hi - reach): f = 1
        inside = hi_a > lo_b
        b += np.where(inside, cw[hi_a] - cw[np.minimum(lo_b, hi_a)], 0.0)
        var += np.where(inside, cw2[hi_a] - cw2[np.minimum(lo_b, hi_a)], 0.0)
        # events near either edge (or both, for narrow windows): evaluated exactly, Phi once per event and distinct
        # edge (windows sharing an edge, as kmunux's regions sharing x_max, share its evaluation)
        edges, inv = np.unique(np.concatenate([lo, hi]), return_inverse=True)
        ia, ic = inv[:lo.size], inv[lo.size:]
        ea, eb = np.empty(edges.size, np.int64), np.empty(edges.size, np.int64)
        ea[ia], eb[ia] = lo_a, lo_b         # the near range of each edge, as the window-major sets above
        ea[ic], eb[ic] = hi_a, hi_b
        by_lo, by_hi = _windows_by_edge(ia, edges.size), _windows_by_edge(ic, edges.size)
        _near_terms(xs, ws, hs, edges, ea, eb, ia, ic, *by_lo, *by_hi, b, var)

    def add_bins(self, edges: np.ndarray, b: np.ndarray, var: np.ndarray) -> None:
        # near edges of each event: x - reach <= e <= x + reach (add_to's test seen from the event; they can differ
        # by rounding only at the reach boundary, where Phi is 0 or 1 to 1e-19)
        k0 = np.searchsorted(edges, self.x - self.reach, "left")
        k1 = np.searchsorted(edges, self.x + self.reach, "right")
        _bin_terms(self.x, self.w, self.h, edges, k0, k1, b, var)


def _windows_by_edge(edge_of_window: np.ndarray, n_edges: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR lists (start per edge, window indices) of the windows whose edge is each distinct edge."""
    order = np.argsort(edge_of_window, kind="stable")
    start = np.searchsorted(edge_of_window[order], np.arange(n_edges + 1), "left")
    return start, order


@njit
def _phi_of(k: int, k0: int, k1: int, phi) -> float:  # pragma: no cover - numba
    """Phi at distinct edge k for the current event: evaluated inside its near range [k0, k1), else 0 (edge far
    below the event) or 1 (far above)."""
    if k < k0:
        return 0.0
    if k >= k1:
        return 1.0
    return phi[k]


@njit
def _near_terms(xs, ws, hs, edges, ea, eb, ia, ic, lo_start, lo_win, hi_start, hi_win, b, var):  # pragma: no cover
    """Adds the terms of the events near an edge of each window (event i is near distinct edge k when
    ea[k] <= i < eb[k]; both are non-decreasing in k, so an event's near edges are a range [k0, k1)): Phi is
    evaluated once per event and edge, f = Phi(hi) - Phi(lo) is added to every window with an edge in the range.
    Each window's terms come in event order, whatever the other windows of the query."""
    ne = edges.size
    phi = np.empty(ne)
    first = ea.min()
    last = eb.max()
    k0 = 0
    k1 = 0
    for i in range(first, last):
        while k0 < ne and eb[k0] <= i:
            k0 += 1
        while k1 < ne and ea[k1] <= i:
            k1 += 1
        if k0 >= k1:
            continue
        for k in range(k0, k1):
            phi[k] = 0.5 * math.erfc(-(edges[k] - xs[i]) / hs[i] * _INV_SQRT2)
        for k in range(k0, k1):
            for t in range(lo_start[k], lo_start[k + 1]):      # windows whose low edge is near
                j = lo_win[t]
                wf = ws[i] * (_phi_of(ic[j], k0, k1, phi) - phi[k])
                b[j] += wf
                var[j] += wf * wf
            for t in range(hi_start[k], hi_start[k + 1]):      # high edge near, low edge not (counted above)
                j = hi_win[t]
                if k0 <= ia[j] < k1:
                    continue
                wf = ws[i] * (phi[k] - _phi_of(ia[j], k0, k1, phi))
                b[j] += wf
                var[j] += wf * wf


@njit
def _bin_terms(xs, ws, hs, edges, k0s, k1s, b, var):  # pragma: no cover - numba
    """Adds every event's terms to its bins: Phi((e_k - x)/h) at the edges within reach (0 below, 1 above), each
    evaluated once and shared by the two bins of the edge; f_k = Phi(e_(k+1)) - Phi(e_k)."""
    nb = edges.size - 1
    phi = np.empty(edges.size)
    for i in range(xs.size):
        k0, k1 = k0s[i], k1s[i]
        for k in range(k0, k1):
            phi[k] = 0.5 * math.erfc(-(edges[k] - xs[i]) / hs[i] * _INV_SQRT2)
        for k in range(max(k0 - 1, 0), min(k1, nb - 1) + 1):
            p0 = 0.0 if k < k0 else (1.0 if k >= k1 else phi[k])
            p1 = 0.0 if k + 1 < k0 else (1.0 if k + 1 >= k1 else phi[k + 1])
            wf = ws[i] * (p1 - p0)
            b[k] += wf
            var[k] += wf * wf


class KernelSet:
    """Gaussian kernels ``x, w, h`` (per event; ``h > 0``) prepared for many :meth:`window_sums` queries."""

    def __init__(self, x, w, h):
        x, w, h = (np.asarray(a, float).ravel() for a in (x, w, h))
        self.size = x.size
        if x.size == 0:
            self.groups = []
            return
        g = _width_groups(h)
        self.groups = [_Group(x[g == k], w[g == k], h[g == k]) for k in np.unique(g)]

    def window_sums(self, lo, hi) -> tuple[np.ndarray, np.ndarray]:
        """``(b, sqrt(var))`` per window [lo, hi) (module docstring); windows in any order, units of ``x``."""
        lo, hi = np.asarray(lo, float).ravel(), np.asarray(hi, float).ravel()
        b, var = np.zeros(lo.size), np.zeros(lo.size)
        if lo.size:
            for grp in self.groups:
                grp.add_to(lo, hi, b, var)
        return b, np.sqrt(var)


    def bin_sums(self, edges) -> tuple[np.ndarray, np.ndarray]:
        """``(b, sqrt(var))`` per bin of the increasing ``edges`` (the windows [e_k, e_(k+1)) of a histogram):
        the same sums as :meth:`window_sums` on those windows (to rounding), with Phi evaluated once per event and
        edge instead of twice (half the cost of a binned background model)."""
        edges = np.ascontiguousarray(edges, dtype=float).ravel()
        if edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("edges: at least two, strictly increasing")
        b, var = np.zeros(edges.size - 1), np.zeros(edges.size - 1)
        for grp in self.groups:
            grp.add_bins(edges, b, var)
        return b, np.sqrt(var)


def window_sums(x, w, h, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """``(b, sqrt(var))`` per window (module docstring); ``x, w, h`` per event, ``lo, hi`` per window.

    Units: those of ``x`` (any); ``h > 0``. Events and windows in any order. For many queries on the same
    events build one :class:`KernelSet`.
    """
    return KernelSet(x, w, h).window_sums(lo, hi)
