"""Windowed sums of Gaussian kernels, sparse: the expected background of a kernel-smoothed sample in windows.

For events ``x_i`` with weights ``w_i`` and Gaussian kernel widths ``h_i``, the content of a window [lo, hi) is

    b = sum_i w_i f_i,   var = sum_i (w_i f_i)^2,   f_i = Phi((hi - x_i)/h_i) - Phi((lo - x_i)/h_i)

(the definition of ``analyses.searches.hnl_background.window_background``). The dense evaluation costs one pair of
``ndtr`` per event and window (the largest single cost of ``kaonportal run --quick``, issue 17). Here an event
farther than :data:`Z_CUT` kernel widths from both edges has ``f = 1`` (inside) or ``f = 0`` (outside) to
better than 1e-19 (Phi(-9) = 1.1e-19), so only the events near an edge are evaluated; the others enter through
prefix sums of ``w`` and ``w^2`` over the events sorted by ``x``.

The events are split into groups: one per kernel width when there are few distinct widths (the background
models give every event of a source the source's bandwidth), else groups of similar width (h within a factor 2,
:func:`_width_groups`), each with its own reach Z_CUT x (largest h of the group): a few wide kernels (a sparse
background source) no longer make every event of the narrow ones "near an edge".

Cells (issue 17: a wide source puts ~1e5 events near every one of ~400 edges): the events of a one-width group
are gathered in cells of width :data:`CELL` x h when that leaves at least :data:`MIN_PER_CELL` events per cell.
Around the cell centre c, with t = (x - c)/h (|t| <= CELL/2), the Taylor series in t

    Phi(z - t) = Phi(z) - phi(z) sum_(n>=1) He_(n-1)(z) t^n / n!,   z = (e - c)/h

(Rodrigues' formula d^n phi/dz^n = (-1)^n He_n(z) phi(z), probabilists' Hermite polynomials He, recurrence
He_n = z He_(n-1) - (n-1) He_(n-2): Abramowitz & Stegun, Handbook of Mathematical Functions, ch. 22) makes the
cell's sums depend on the events only through the moments M_n = sum w t^n (n <= :data:`ORDER`) and, for the
variance, Q_p = sum w^2 t^p (p <= 2 ORDER): one Phi per cell and edge instead of one per event. The truncation
after ORDER = 12 with |t| <= 1/16 is below 1e-21 w per event (Cramer's inequality |He_n(z)| exp(-z^2/4) <= 1.09
sqrt(n!), A&S ch. 22, on the first omitted term; checked numerically), far below the rounding of Phi itself: the sums equal the
per-event ones to rounding (tested against the dense definition at 1e-12). A window above a heavy source takes
the difference of the upper tails 1 - Phi (one erfc per edge gives both), not of two values near 1.

:class:`KernelSet` sorts once, so that many window queries on one sample (a scan, a choice among counting regions)
pay for the sort once. The near units (events or cells) are summed in compiled loops that evaluate Phi once per unit
and distinct edge, so windows sharing an edge share its evaluation (:meth:`KernelSet.bin_sums` for the bins of a
histogram: half the work of two edges per bin). Results agree with the dense sums to rounding (~1e-13 relative in
the tails: summation order, Phi as erfc/2), not bit for bit; each window's sum does not depend on the other windows
of a query (tested bit for bit).

>>> import numpy as np
>>> b, err = window_sums(np.array([0.0, 10.0]), np.array([1.0, 2.0]), np.array([0.1, 0.1]),
...                      np.array([-1.0, 9.0]), np.array([1.0, 10.0]))
>>> [round(float(v), 12) for v in b], [round(float(v), 12) for v in err]
([1.0, 1.0], [1.0, 1.0])
"""

from __future__ import annotations

__all__ = ["window_sums", "KernelSet", "Z_CUT", "ORDER", "CELL", "MIN_PER_CELL"]

import math

import numpy as np

from ..backend import njit

Z_CUT = 9.0
ORDER = 12               # Taylor order of a cell's expansion (module docstring)
CELL = 0.125             # cell width in kernel widths: |t| <= 1/16
MIN_PER_CELL = 8         # cells only when they hold this many events on average (else one unit per event)
MAX_WIDTHS = 64          # at most this many distinct widths: one group per width
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _width_groups(h: np.ndarray) -> np.ndarray:
    """Group label per event: the index of its width if there are at most :data:`MAX_WIDTHS` distinct widths,
    else floor(log2 h) + a large offset (within a group h_max < 2 h_min: reach <= 18 h per event)."""
    widths, inv = np.unique(h, return_inverse=True)
    if widths.size <= MAX_WIDTHS:
        return inv.astype(np.int64)
    return np.floor(np.log2(h)).astype(np.int64)


def _moments(x, w, h: float):
    """Cells of width CELL x h: centres and the moments M_n = sum w t^n (n <= ORDER), Q_p = sum w^2 t^p
    (p <= 2 ORDER) of t = (x - c)/h; ``None`` if the cells would hold fewer than MIN_PER_CELL events on average."""
    delta = CELL * h
    cell = np.floor(x / delta)
    ids, inv = np.unique(cell, return_inverse=True)
    if x.size < MIN_PER_CELL * ids.size:
        return None
    c = (ids + 0.5) * delta
    t = (x - c[inv]) / h
    m = np.empty((ids.size, ORDER + 1))
    q = np.empty((ids.size, 2 * ORDER + 1))
    tp = np.ones_like(t)
    w2 = w * w
    for p in range(2 * ORDER + 1):
        if p <= ORDER:
            m[:, p] = np.bincount(inv, weights=w * tp, minlength=ids.size)
        q[:, p] = np.bincount(inv, weights=w2 * tp, minlength=ids.size)
        tp = tp * t
    return c, m, q, 0.5 * delta


class _Group:
    """Kernel units of one group sorted by centre (single events, order 0, or cells of one-width events, order
    ORDER), with prefix sums of w and w^2 and the group's reach."""

    def __init__(self, x, w, h):
        cells = _moments(x, w, float(h[0])) if np.all(h == h[0]) else None
        if cells is not None:
            self.c, self.m, self.q, half = cells
            self.h = np.full(self.c.size, float(h[0]))
            self.order = ORDER
            self.reach = Z_CUT * float(h[0]) + half     # every event of a cell beyond it: f is 0 or 1
        else:
            order = np.argsort(x, kind="stable")
            self.c, self.h = x[order], h[order]
            self.m, self.q = w[order][:, None], (w[order] * w[order])[:, None]
            self.order = 0
            self.reach = Z_CUT * float(self.h.max())    # farther than this from an edge: f is 0 or 1
        self.cw = np.concatenate([[0.0], np.cumsum(self.m[:, 0])])
        self.cw2 = np.concatenate([[0.0], np.cumsum(self.q[:, 0])])

    def add_to(self, lo: np.ndarray, hi: np.ndarray, b: np.ndarray, var: np.ndarray) -> None:
        xs, cw, cw2 = self.c, self.cw, self.cw2
        # units that may sit near the edge e: centre in [e - reach, e + reach]
        lo_a, lo_b = np.searchsorted(xs, lo - self.reach, "left"), np.searchsorted(xs, lo + self.reach, "right")
        hi_a, hi_b = np.searchsorted(xs, hi - self.reach, "left"), np.searchsorted(xs, hi + self.reach, "right")
        # units clearly inside: centre in (lo + reach, hi - reach): f = 1
        inside = hi_a > lo_b
        b += np.where(inside, cw[hi_a] - cw[np.minimum(lo_b, hi_a)], 0.0)
        var += np.where(inside, cw2[hi_a] - cw2[np.minimum(lo_b, hi_a)], 0.0)
        # units near either edge (or both, for narrow windows): Phi once per unit and distinct edge (windows
        # sharing an edge, as kmunux's regions sharing x_max, share its evaluation)
        edges, inv = np.unique(np.concatenate([lo, hi]), return_inverse=True)
        ia, ic = inv[:lo.size], inv[lo.size:]
        ea, eb = np.empty(edges.size, np.int64), np.empty(edges.size, np.int64)
        ea[ia], eb[ia] = lo_a, lo_b         # the near range of each edge, as the window-major sets above
        ea[ic], eb[ic] = hi_a, hi_b
        by_lo, by_hi = _windows_by_edge(ia, edges.size), _windows_by_edge(ic, edges.size)
        _near_terms(xs, self.h, self.m, self.q, self.order, edges, ea, eb, ia, ic, *by_lo, *by_hi, b, var)

    def add_bins(self, edges: np.ndarray, b: np.ndarray, var: np.ndarray, error: bool) -> None:
        # near edges of each unit: c - reach <= e <= c + reach (add_to's test seen from the unit; they can differ
        # by rounding only at the reach boundary, where Phi is 0 or 1 to 1e-19)
        k0 = np.searchsorted(edges, self.c - self.reach, "left")
        k1 = np.searchsorted(edges, self.c + self.reach, "right")
        _bin_terms(self.c, self.h, self.m, self.q, self.order, edges, k0, k1, b, var, error)


def _windows_by_edge(edge_of_window: np.ndarray, n_edges: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR lists (start per edge, window indices) of the windows whose edge is each distinct edge."""
    order = np.argsort(edge_of_window, kind="stable")
    start = np.searchsorted(edge_of_window[order], np.arange(n_edges + 1), "left")
    return start, order


@njit
def _coefficients(z: float, order: int, out, k: int) -> None:  # pragma: no cover - numba
    """out[k, n]: Taylor coefficients of Phi(z - t) in t (module docstring): Phi(z), -phi(z) He_(n-1)(z) / n!;
    out[k, order + 1]: the upper tail 1 - Phi(z), from the same erfc (the smaller of the two is the one evaluated,
    the other is 1 minus it)."""
    if z > 0.0:
        out[k, order + 1] = 0.5 * math.erfc(z * _INV_SQRT2)
        out[k, 0] = 1.0 - out[k, order + 1]
    else:
        out[k, 0] = 0.5 * math.erfc(-z * _INV_SQRT2)
        out[k, order + 1] = 1.0 - out[k, 0]
    if order == 0:
        return
    pdf = math.exp(-0.5 * z * z) * _INV_SQRT_2PI
    he_prev, he, fact = 0.0, 1.0, 1.0
    for n in range(1, order + 1):
        fact *= n
        out[k, n] = -pdf * he / fact
        he, he_prev = z * he - (n - 1) * he_prev, he    # He_n = z He_(n-1) - (n-1) He_(n-2)


@njit
def _value(coef, k: int, n: int, k0: int, k1: int) -> float:  # pragma: no cover - numba
    """Coefficient n at distinct edge k for the current unit: computed inside its near range [k0, k1), else that of
    Phi = 0 (edge far below the unit) or Phi = 1 (far above)."""
    if k < k0:
        return 0.0
    if k >= k1:
        return 1.0 if n == 0 else 0.0
    return coef[k, n]


@njit
def _fraction(coef, khi: int, klo: int, k0: int, k1: int, order: int) -> float:  # pragma: no cover - numba
    """Phi(z_hi) - Phi(z_lo) at the cell centre; as the difference of the upper tails when the low edge is above it
    (z_lo > 0: both Phi near 1, their difference would lose the digits of a heavy source's far tail)."""
    if k0 <= klo < k1 and coef[klo, 0] > 0.5:
        return coef[klo, order + 1] - (coef[khi, order + 1] if khi < k1 else 0.0)
    return _value(coef, khi, 0, k0, k1) - _value(coef, klo, 0, k0, k1)


@njit
def _add(i: int, khi: int, klo: int, k0: int, k1: int, coef, m, q, order: int, a, j: int, b, var,
         error: bool) -> None:  # pragma: no cover - numba
    """Adds unit i's terms to window j = [edge klo, edge khi): b += sum_n a_n M_n, var += sum_(n,m) a_n a_m Q_(n+m),
    a_n = coefficient n at khi minus at klo (for a single event: w f and (w f)^2)."""
    a[0] = _fraction(coef, khi, klo, k0, k1, order)
    for n in range(1, order + 1):
        a[n] = _value(coef, khi, n, k0, k1) - _value(coef, klo, n, k0, k1)
    if order == 0:
        wf = m[i, 0] * a[0]
        b[j] += wf
        if error:
            var[j] += wf * wf
        return
    s = 0.0
    for n in range(order + 1):
        s += a[n] * m[i, n]
    b[j] += s
    if error:
        v = 0.0
        for n in range(order + 1):
            for r in range(order + 1):
                v += a[n] * a[r] * q[i, n + r]
        var[j] += v


@njit
def _near_terms(xs, hs, m, q, order, edges, ea, eb, ia, ic, lo_start, lo_win, hi_start, hi_win, b,
                var):  # pragma: no cover - numba
    """Adds the terms of the units near an edge of each window (unit i is near distinct edge k when
    ea[k] <= i < eb[k]; both are non-decreasing in k, so a unit's near edges are a range [k0, k1)): the coefficients
    are evaluated once per unit and edge and used by every window with an edge in the range. Each window's terms
    come in unit order, whatever the other windows of the query."""
    ne = edges.size
    coef = np.empty((ne, order + 2))
    a = np.empty(order + 1)
    # a loop, not ea.min()/eb.max(): numba's array reductions cost ~0.6 s of compilation on a new user's first run
    first, last = 0, 0
    for k in range(ne):
        first = ea[k] if k == 0 else min(first, ea[k])
        last = eb[k] if k == 0 else max(last, eb[k])
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
            _coefficients((edges[k] - xs[i]) / hs[i], order, coef, k)
        for k in range(k0, k1):
            for t in range(lo_start[k], lo_start[k + 1]):      # windows whose low edge is near
                j = lo_win[t]
                _add(i, ic[j], k, k0, k1, coef, m, q, order, a, j, b, var, True)
            for t in range(hi_start[k], hi_start[k + 1]):      # high edge near, low edge not (counted above)
                j = hi_win[t]
                if k0 <= ia[j] < k1:
                    continue
                _add(i, k, ia[j], k0, k1, coef, m, q, order, a, j, b, var, True)


@njit
def _bin_terms(xs, hs, m, q, order, edges, k0s, k1s, b, var, error):  # pragma: no cover - numba
    """Adds every unit's terms to its bins: the coefficients at the edges within reach (Phi = 0 below, 1 above),
    each evaluated once and shared by the two bins of the edge; bin k = [e_k, e_(k+1))."""
    nb = edges.size - 1
    coef = np.empty((edges.size, order + 2))
    a = np.empty(order + 1)
    for i in range(xs.size):
        k0, k1 = k0s[i], k1s[i]
        for k in range(k0, k1):
            _coefficients((edges[k] - xs[i]) / hs[i], order, coef, k)
        for k in range(max(k0 - 1, 0), min(k1, nb - 1) + 1):
            _add(i, k + 1, k, k0, k1, coef, m, q, order, a, k, b, var, error)


class KernelSet:
    """Gaussian kernels ``x, w, h`` (per event; ``h > 0``) prepared for many :meth:`window_sums` queries.

    A width that is not finite and positive is a ValueError: the grouping and cells divide by h (h = 0, a step
    function, would silently give 0 once a group has cells)."""

    def __init__(self, x, w, h):
        x, w, h = (np.asarray(a, float).ravel() for a in (x, w, h))
        if not np.all(np.isfinite(h) & (h > 0)):
            raise ValueError("h: every kernel width must be finite and > 0")
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

    def bin_sums(self, edges, error: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """``(b, sqrt(var))`` per bin of the increasing ``edges`` (the windows [e_k, e_(k+1)) of a histogram):
        the same sums as :meth:`window_sums` on those windows (to rounding), with Phi evaluated once per unit and
        edge instead of twice (half the cost of a binned background model). ``error=False``: the error is not
        computed (zeros; the cells' variance costs ORDER^2 per cell and bin)."""
        edges = np.ascontiguousarray(edges, dtype=float).ravel()
        if edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ValueError("edges: at least two, strictly increasing")
        b, var = np.zeros(edges.size - 1), np.zeros(edges.size - 1)
        for grp in self.groups:
            grp.add_bins(edges, b, var, bool(error))
        return b, np.sqrt(var)


def window_sums(x, w, h, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """``(b, sqrt(var))`` per window (module docstring); ``x, w, h`` per event, ``lo, hi`` per window.

    Units: those of ``x`` (any); ``h > 0``. Events and windows in any order. For many queries on the same
    events build one :class:`KernelSet`.
    """
    return KernelSet(x, w, h).window_sums(lo, hi)
