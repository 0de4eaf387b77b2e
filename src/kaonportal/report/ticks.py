"""Tick work of the plots done once (issue 17: the ticks of log axes were most of the plot time): log axes place only
the ticks in view (:class:`InViewLocator`), and a PNG's drawing pass and its tight box share one tick layout per axis
(:func:`ticks_laid_out_once`). Both give the image matplotlib draws without them, byte for byte
(tests/report/test_report_style_ticks.py); :mod:`kaonportal.report.style` applies them to every figure it saves.
"""

from __future__ import annotations

__all__ = ["InViewLocator", "ticks_in_view", "ticks_laid_out_once"]

from contextlib import contextmanager

import matplotlib.ticker
import numpy as np


class InViewLocator(matplotlib.ticker.Locator):
    """A log axis' tick locator giving only the ticks in the axis' view (issue 17: matplotlib's LogLocator also
    places every tick of a decade or two beyond each end, and the axis makes a tick object, with its lines, markers
    and labels, for each of them at every figure, to draw none: with minor ticks ~2 s CPU of a ``run --quick``).

    The ticks kept are a superset of those matplotlib draws (its test is a 1e-10 relative slack on the view; here
    1e-4 of the view's width, more than the 1e-5 at which a minor tick is dropped under a major one), and a log
    axis' formatters label each tick from its value and the view alone, so the image is the same."""

    def __init__(self, inner):
        self.inner = inner

    def set_axis(self, axis):
        self.axis = axis
        self.inner.set_axis(axis)

    def tick_values(self, vmin, vmax):
        return self.inner.tick_values(vmin, vmax)

    def __call__(self):
        locs = np.asarray(self.inner())
        if self.axis is None or locs.size == 0:
            return locs
        transform = self.axis.get_transform()
        lo, hi = sorted(transform.transform(np.asarray(self.axis.get_view_interval(), dtype=float)))
        slack = 1e-4 * (hi - lo)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = transform.transform(locs.astype(float))
        return locs[(t >= lo - slack) & (t <= hi + slack)]


def ticks_in_view(fig) -> None:
    """Make each log axis of ``fig`` (its LogLocators) place only the ticks in view (:class:`InViewLocator`)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() != "log":
                continue
            for ticker in (axis.major, axis.minor):
                if type(ticker.locator) is matplotlib.ticker.LogLocator:
                    wrapped = InViewLocator(ticker.locator)
                    wrapped.set_axis(axis)
                    ticker.locator = wrapped    # not set_*_locator: the axis keeps its default-locator flags


@contextmanager
def ticks_laid_out_once(fig):
    """Inside this block each axis of ``fig`` places, labels and measures its ticks once for a given view, axes box
    and renderer (issue 17: the tight box after the drawing pass redid all of it, a fifth of the plot time): the
    drawing pass and :meth:`~matplotlib.figure.Figure.get_tightbbox` then share one result. The results are
    matplotlib's own (its methods, called once and remembered), so the image is the same; any change of the view,
    the axes' place on the canvas or the renderer makes them be computed afresh."""
    patched = []
    for ax in fig.axes:
        for axis in ax._axis_map.values():
            axis._update_ticks = _remembered(axis._update_ticks, axis, with_args=False)
            axis._get_ticklabel_bboxes = _remembered(axis._get_ticklabel_bboxes, axis, with_args=True)
            patched.append(axis)
    try:
        yield
    finally:
        for axis in patched:        # back to the class' methods
            del axis._update_ticks, axis._get_ticklabel_bboxes


def _remembered(method, axis, with_args: bool):
    """``method`` of ``axis`` computed once per (view, axes box[, ticks, renderer]); see :func:`ticks_laid_out_once`."""
    memo = {}

    def call(*args):
        key = (tuple(axis.get_view_interval()), axis.axes.bbox.bounds,
               *((tuple(map(id, args[0])), id(args[1])) if with_args else ()))
        if memo.get("key") != key:
            memo["key"], memo["value"] = key, method(*args)
        return memo["value"]
    return call
