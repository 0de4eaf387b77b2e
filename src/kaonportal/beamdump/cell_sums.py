"""Sums of one X sample's weighted decay densities over the coupling column of a mass (the inner loop of
:mod:`.yields`), fused into compiled loops.

For the selected events i of a channel and the couplings j, the per-event contribution is

    c_ij = (w_i D_ij) f_j,   D_ij = (L_i / lambda_ij) exp(-l_i / lambda_ij),   lambda_ij = (p_i / m) c tau_j

(the decay density of :func:`.detection.decay_weights`, f_j the model factor x BR x efficiency). The yields need,
per channel, sum_i c_ij and, per sample, sum_r (sum_channels c_rj)^2 over the events r any channel selected (the Monte Carlo variance of
:func:`.yields.expected_events`). Done with numpy, each of these is a pass over an (events x couplings) matrix;
here three passes remain: the exponent -l/lambda (compiled), exp (numpy, so that the exponential is numpy's own,
bit for bit) and one compiled pass for the rest.

Every number equals the numpy expressions it replaces bit for bit: the same IEEE operations in the same order
(fastmath off), the column sums running over the events in their order as numpy's axis-0 sums of C-ordered
matrices do (``tests/beamdump/test_beamdump_cell_sums.py`` checks it against the numpy formulas).
"""

from __future__ import annotations

__all__ = ["SampleSums"]

import numpy as np

from ..backend import njit


@njit(error_model="numpy")      # IEEE division (inf/nan) like numpy, no ZeroDivisionError
def _exponent(q, flight_to, ctau, out):  # pragma: no cover - numba
    """out_ij = -l_i / lambda_ij with lambda_ij = q_i c tau_j (q = p/m), as np.divide(-l[:, None], lam)."""
    for i in range(q.shape[0]):
        neg = -flight_to[i]
        for j in range(ctau.shape[0]):
            out[i, j] = neg / (q[i] * ctau[j])


@njit(error_model="numpy")      # IEEE division (inf/nan) like numpy, no ZeroDivisionError
def _accumulate(q, flight_in, w, ctau, expo, factor, rows, cell, per_event):  # pragma: no cover - numba
    """cell_j = sum_i (w_i D_ij) f_j, and per_event[rows_i, j] += the same terms (D of :func:`_exponent`'s
    exponent after exp; non-finite D set to 0 as in :func:`.detection.decay_weights`)."""
    for i in range(q.shape[0]):
        r = rows[i]
        for j in range(ctau.shape[0]):
            d = flight_in[i] / (q[i] * ctau[j])
            d *= expo[i, j]
            if not np.isfinite(d):
                d = 0.0
            c = w[i] * d * factor[j]
            cell[j] += c
            per_event[r, j] += c


@njit(error_model="numpy")      # IEEE division (inf/nan) like numpy, no ZeroDivisionError
def _square_sums(per_event, total, var):  # pragma: no cover - numba
    """Column sums of per_event and of its square, row by row (numpy's axis-0 order)."""
    for r in range(per_event.shape[0]):
        for j in range(per_event.shape[1]):
            v = per_event[r, j]
            total[j] += v
            var[j] += v * v


class SampleSums:
    """The channels of one X sample: :meth:`add` each channel's selected events, then :meth:`finish` for the
    per-channel cell sums and the per-event sums and squares (summed over channels) of :func:`.yields._mass_column`.

    ``mass`` (GeV) and ``ctau`` (m, the coupling column) fix lambda.
    """

    def __init__(self, mass: float, ctau):
        self.ctau = np.ascontiguousarray(np.atleast_1d(np.asarray(ctau, float)))
        self.mass = float(mass)
        self._parts: list = []

    def add(self, idx, p, flight_to, flight_in, w, factor) -> None:
        """Add one channel: the selected events ``idx`` (sorted indices into the sample), their |p_X| (GeV), flight
        l and L (m) and weight w; ``factor`` (n_ctau,) multiplies the column (model factor x BR x efficiency)."""
        q = np.asarray(p, float) / self.mass         # as (det.p / mass) in decay_weights
        expo = np.empty((q.size, self.ctau.size))
        _exponent(q, np.ascontiguousarray(flight_to, float), self.ctau, expo)
        np.exp(expo, out=expo)                      # numpy's exp: the same numbers as decay_weights
        self._parts.append((np.asarray(idx), q, np.ascontiguousarray(flight_in, float),
                            np.ascontiguousarray(w, float), expo, np.ascontiguousarray(factor, float)))

    def finish(self):
        """([cell sums (n_ctau,) per added channel], sum over events of the per-event contribution summed over
        channels, sum of its square); the events run in sample order over those some channel selected."""
        n_c = self.ctau.size
        if not self._parts:
            return [], np.zeros(n_c), np.zeros(n_c)
        # the events some channel selected, in sample order, and the row of each sample event among them
        selected = np.zeros(max(int(part[0][-1]) + 1 if part[0].size else 0 for part in self._parts), bool)
        for part in self._parts:
            selected[part[0]] = True
        row_of = np.cumsum(selected) - 1
        per_event = np.zeros((int(row_of[-1]) + 1 if row_of.size else 0, n_c))
        cells = []
        for idx, q, flight_in, w, expo, factor in self._parts:
            cell = np.zeros(n_c)
            _accumulate(q, flight_in, w, self.ctau, expo, factor, row_of[idx], cell, per_event)
            cells.append(cell)
        total, var = np.zeros(n_c), np.zeros(n_c)
        _square_sums(per_event, total, var)
        self._parts = []
        return cells, total, var
