"""Log-axis ticks placed only in view (report.ticks.InViewLocator, issue 17): the saved image is the very same
(bytes) as with matplotlib's own LogLocator, and far fewer tick objects are made."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from kaonportal.report import style
from kaonportal.report.style import save, styled
from kaonportal.report.ticks import InViewLocator


@styled
def _log_figure(xlim, ylim):
    fig, ax = plt.subplots(figsize=(4, 3))
    x = np.geomspace(*xlim, 50)
    ax.plot(x, np.sqrt(x) * ylim[0] / np.sqrt(xlim[0]))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.minorticks_on()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return fig


# a 2.5-decade axis (minor ticks labelled), a 7-decade one (not), and limits exactly on decades
@pytest.mark.parametrize("xlim, ylim", [((0.03, 9.0), (2e-9, 7e-6)), ((1e-3, 1e4), (1e-12, 1e-5))])
def test_log_ticks_in_view_give_the_same_png_with_fewer_ticks(tmp_path, monkeypatch, xlim, ylim):
    fig = _log_figure(xlim, ylim)
    (ours,) = save(fig, tmp_path / "ours", ("png",), below="stamp")
    made = len(fig.axes[0].xaxis.minorTicks) + len(fig.axes[0].yaxis.minorTicks)
    assert isinstance(fig.axes[0].yaxis.minor.locator, InViewLocator)

    monkeypatch.setattr(style, "_ticks_in_view", lambda fig: None)      # matplotlib's own locators
    fig = _log_figure(xlim, ylim)
    (theirs,) = save(fig, tmp_path / "theirs", ("png",), below="stamp")
    made_mpl = len(fig.axes[0].xaxis.minorTicks) + len(fig.axes[0].yaxis.minorTicks)

    with open(ours, "rb") as a, open(theirs, "rb") as b:
        assert a.read() == b.read()
    assert made < made_mpl


def test_in_view_locator_keeps_every_tick_in_view_and_drops_the_rest():
    fig = _log_figure((0.03, 9.0), (2e-9, 7e-6))
    axis = fig.axes[0].xaxis
    inner = axis.minor.locator
    every = np.asarray(inner())
    loc = InViewLocator(inner)
    loc.set_axis(axis)
    kept = loc()
    assert set(kept) == {v for v in every if 0.03 <= v <= 9.0}
    plt.close(fig)


def test_ticks_laid_out_once_per_png_and_the_same_bytes(tmp_path, monkeypatch):
    """The PNG's drawing pass and its tight box share one tick layout per axis (report.style._ticks_laid_out_once,
    issue 17); the file is byte for byte the one made when each recomputes it, and the axes get their class'
    methods back afterwards."""
    from matplotlib.axis import Axis
    calls = []
    original = Axis._update_ticks

    def counting(self):
        calls.append(self)
        return original(self)
    monkeypatch.setattr(Axis, "_update_ticks", counting)
    fig = _log_figure((0.03, 9.0), (2e-9, 7e-6))
    (ours,) = save(fig, tmp_path / "ours", ("png",), below="stamp")
    once = len(calls)
    assert "_update_ticks" not in vars(fig.axes[0].xaxis)       # class method back

    calls.clear()
    monkeypatch.setattr(style, "_ticks_laid_out_once", lambda fig: __import__("contextlib").nullcontext())
    fig = _log_figure((0.03, 9.0), (2e-9, 7e-6))
    (theirs,) = save(fig, tmp_path / "theirs", ("png",), below="stamp")
    with open(ours, "rb") as a, open(theirs, "rb") as b:
        assert a.read() == b.read()
    assert once == 2 and len(calls) > once     # one per axis (x, y) instead of one per pass and sibling query
