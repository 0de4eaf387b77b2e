"""How every plot of kaonportal looks and is written: HEP style (mplhep), LaTeX (mathtext) labels,
distinguishable colours, curves broken at mass gaps, and the image formats the user asked for.

- :func:`styled` runs a plotting function inside the mplhep ROOT style (smaller fonts than mplhep's
  10-inch default, because our figures are 7-9 inches wide), so that the style never leaks into a
  user's own matplotlib session.
- :func:`save` writes ``<stem>.<fmt>`` once for each format of :func:`plot_formats` (PNG by default;
  ``kaonportal run --plot-formats png,pdf``), each atomically (temporary name, then rename); a PNG is laid out
  and drawn in one pass (:func:`_png_once`), the vector formats in the box measured once (:func:`tight_box`). Colour
  maps of many cells are rasterised inside vector files (``rasterized=True`` where they are drawn), so
  PDFs stay small.
- :func:`decay_label`, :func:`latex_text`, :func:`published_label`, :func:`split_at_gaps`: what the plots say
  (:mod:`kaonportal.report.labels`, imported here).

>>> parse_plot_formats("png, pdf")
('png', 'pdf')
"""

from __future__ import annotations

__all__ = ["PLOT_FORMATS", "DEFAULT_PLOT_FORMATS", "parse_plot_formats", "plot_formats", "current_plot_formats",
           "published_label",
           "styled", "save", "tight_box", "deferred_saves", "save_tag", "flush_deferred", "decay_label", "latex_text", "split_at_gaps", "PI0_GAP_GEV", "COLORS"]

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..atomic import atomic_path  # noqa: E402
from ..errors import InputError  # noqa: E402
from .ticks import ticks_in_view as _ticks_in_view, ticks_laid_out_once as _ticks_laid_out_once  # noqa: E402
# the labels' helpers live in .labels; imported here, where every plotting module has always found them
from .labels import PI0_GAP_GEV, decay_label, latex_text, published_label, split_at_gaps  # noqa: E402,F401

#: image formats a run can write (matplotlib writers that need nothing beyond matplotlib)
PLOT_FORMATS = ("png", "pdf", "svg")
DEFAULT_PLOT_FORMATS = ("png",)
_FORMATS: ContextVar[tuple[str, ...]] = ContextVar("kaonportal_plot_formats", default=DEFAULT_PLOT_FORMATS)
# deferred saves (kaonportal run): path stem -> (figure, formats, tag); None = write at once
_DEFERRED: ContextVar[dict | None] = ContextVar("kaonportal_deferred_saves", default=None)
_TAG: ContextVar[str | None] = ContextVar("kaonportal_save_tag", default=None)

#: Okabe & Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design"), black first
COLORS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")

_PNG_DPI = 110   # a 7.5 x 4.8 inch plot is ~830 x 530 pixels: readable, ~100 kB


def parse_plot_formats(text: str | Sequence[str], field: str = "--plot-formats") -> tuple[str, ...]:
    """``"png,pdf"`` -> ``("png", "pdf")``; an unknown or empty list is an :class:`InputError`."""
    items = [s.strip().lower().lstrip(".") for s in (text.split(",") if isinstance(text, str) else text)]
    items = [s for s in items if s]
    if not items:
        raise InputError(field, f"no format given; allowed: {', '.join(PLOT_FORMATS)} (comma-separated)")
    bad = [s for s in items if s not in PLOT_FORMATS]
    if bad:
        raise InputError(field, f"unknown format {bad[0][:20]!r}; allowed: {', '.join(PLOT_FORMATS)} (comma-separated)")
    return tuple(dict.fromkeys(items))


@contextmanager
def plot_formats(formats: Sequence[str]):
    """Every :func:`save` inside this block writes these formats."""
    token = _FORMATS.set(parse_plot_formats(formats))
    try:
        yield
    finally:
        _FORMATS.reset(token)


def current_plot_formats() -> tuple[str, ...]:
    return _FORMATS.get()


@functools.lru_cache(maxsize=1)
def _hep_style() -> dict:
    import mplhep
    style = dict(mplhep.style.ROOT)
    # mplhep's ROOT style is made for 10 x 10 inch figures at 26 pt; ours are 7-9 inches wide
    style.update({"font.size": 11, "figure.figsize": (7.5, 4.8), "legend.fontsize": 8, "axes.titlesize": 10,
                  "xtick.major.size": 6, "xtick.minor.size": 3, "ytick.major.size": 6, "ytick.minor.size": 3,
                  "axes.prop_cycle": matplotlib.cycler(color=list(COLORS)), "savefig.bbox": "tight",
                  "lines.linewidth": 1.4, "legend.frameon": False,
                  # titles at the top of the axes, not placed by measuring every y tick label at each draw (issue 17:
                  # ~10 % of the plot time); in this style no tick label is above the axes (the images are the same)
                  "axes.titley": 1.0})
    return style


def styled(func):
    """Run a plotting function inside the HEP style (figure creation, drawing and saving)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with plt.style.context(_hep_style()):
            return func(*args, **kwargs)
    return wrapper


def save(fig, path_stem: Path, formats: Sequence[str] | None = None, bbox_inches=None,
         below: str | None = None) -> list[str]:
    """Write ``<stem>.<fmt>`` for each format (default :func:`current_plot_formats`), each once and
    atomically; close the figure; return the paths written. ``bbox_inches``: the saved area (inches;
    default: the tight box of :func:`tight_box`); ``below``: a line of text written under everything drawn.

    PNG (the default format) is laid out and drawn once (:func:`_png_once`); a vector format is drawn by its own
    renderer, in the box measured once for all of them."""
    path_stem = Path(path_stem)
    path_stem.parent.mkdir(parents=True, exist_ok=True)     # also when deferred: callers test the directory
    fmts = parse_plot_formats(formats) if formats is not None else current_plot_formats()
    pending = _DEFERRED.get()
    if pending is not None:         # inside deferred_saves: keep the figure (closed to pyplot), write it later
        plt.close(fig)
        pending[str(path_stem)] = (fig, fmts, _TAG.get())
        return [str(path_stem.with_name(f"{path_stem.name}.{ext}")) for ext in fmts]
    paths = {ext: path_stem.with_name(f"{path_stem.name}.{ext}") for ext in fmts}
    _ticks_in_view(fig)
    try:
        # PNG first: the vector formats add the stamp to the figure itself (tight_box)
        for ext in sorted(fmts, key=lambda e: e != "png"):
            with atomic_path(paths[ext]) as tmp:         # unique per process and call (kaonportal.atomic)
                if ext == "png" and bbox_inches is None and _png_once(fig, tmp, below):
                    continue
                if bbox_inches is None:
                    bbox_inches = tight_box(fig, below)
                fig.savefig(tmp, dpi=_PNG_DPI if ext == "png" else None, bbox_inches=bbox_inches, format=ext)
    finally:
        plt.close(fig)
    return [str(paths[ext]) for ext in fmts]


#: room (inches) around the figure in which the one PNG drawing pass lays everything out (tick labels and the
#: stamp line may lie outside the figure; ``bbox_inches="tight"`` saves them): more than any of our plots needs
_MARGIN_IN = 1.5


def _png_once(fig, path, below: str | None = None) -> bool:
    """Write ``fig`` as PNG at :data:`_PNG_DPI` into the tight box (as ``bbox_inches="tight"``), with the line
    ``below`` under everything drawn, in one layout-and-drawing pass (issue 17: matplotlib's tight save lays the
    figure out twice, the second time on a new renderer that has none of the first one's text metrics).

    The figure is drawn once on an Agg canvas :data:`_MARGIN_IN` larger on every side; its tight box is then
    measured on the same renderer (text metrics cached), the stamp drawn onto it, and the pixels of the box
    (plus ``savefig.pad_inches``) written. Returns False, writing nothing, if the box does not fit the canvas."""
    import io

    from matplotlib.image import imsave
    from matplotlib.text import Text
    from matplotlib.transforms import Affine2D, Bbox, IdentityTransform
    canvas = _canvas_class()(fig)
    fig.set_dpi(_PNG_DPI)       # the text metrics cache is keyed by dpi: measure at the dpi drawn
    w, h = fig.get_size_inches()
    ext = Bbox.from_extents(-_MARGIN_IN, -_MARGIN_IN, w + _MARGIN_IN, h + _MARGIN_IN)
    measured = {}
    # the tight box measured right after drawing, on the canvas as drawn (pixels of the margin canvas): each axis'
    # ticks are then those of the drawing (_ticks_laid_out_once), not laid out again
    canvas.after_draw = lambda: measured.setdefault(
        "box", fig.get_tightbbox(canvas.renderer).transformed(fig.dpi_scale_trans))
    try:
        with _ticks_laid_out_once(fig):
            fig.savefig(io.BytesIO(), format="rgba", dpi=_PNG_DPI, bbox_inches=ext)   # the one pass; pixels stay on the renderer
    finally:
        canvas.after_draw = None
    renderer = canvas.renderer
    to_px = fig.dpi_scale_trans + Affine2D().translate(_MARGIN_IN * _PNG_DPI, _MARGIN_IN * _PNG_DPI)
    box = measured["box"]
    if below:
        # where tight_box puts it: centred on the figure, 1 % of its height under the lowest thing drawn
        x, y = to_px.transform((0.5 * w, box.y0 / _PNG_DPI - _MARGIN_IN - 0.01 * h))
        stamp = Text(x, y, below, ha="center", va="top", fontsize=7, transform=IdentityTransform())
        stamp.set_figure(fig)
        stamp.draw(renderer)
        box = Bbox.union([box, stamp.get_window_extent(renderer)])
    box = box.padded(matplotlib.rcParams["savefig.pad_inches"] * _PNG_DPI)
    c0, r0 = int(round(box.x0)), int(round(renderer.height - box.y1))
    c1, r1 = c0 + int(box.width), r0 + int(box.height)     # matplotlib truncates the saved size too
    if c0 < 0 or r0 < 0 or c1 > renderer.width or r1 > renderer.height:
        return False
    img = np.asarray(renderer.buffer_rgba())[r0:r1, c0:c1]
    if (img[..., 3] == 255).all():
        img = img[..., :3]      # opaque: RGB, a quarter less to compress
    # zlib level 3: the files of level 6 (PIL's default) within 0.1 %, a third less time
    imsave(path, img, format="png", dpi=_PNG_DPI, pil_kwargs={"compress_level": 3})
    return True


@functools.lru_cache(maxsize=1)
def _canvas_class():
    """An Agg canvas whose renderers share one mathtext parser (matplotlib gives each renderer its own, so the
    parses it caches, e.g. the log-axis tick labels ``10^{-8}`` of every plot, were redone for every figure), and
    which calls its ``after_draw`` (if set) after a raw (``rgba``) drawing pass."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    shared = {}

    class SharedMathCanvas(FigureCanvasAgg):
        after_draw = None       # _png_once: measures the tight box right after the raw drawing pass

        def print_rgba(self, filename_or_obj, *, metadata=None, **_ignored):    # savefig's facecolor etc.: as Agg
            if self.after_draw is None:
                return super().print_rgba(filename_or_obj, metadata=metadata)
            FigureCanvasAgg.draw(self)
            self.after_draw()       # the pixels stay on the renderer: nothing written to filename_or_obj

        def get_renderer(self):
            renderer = super().get_renderer()
            # the first renderer's parser (of the kind Agg uses) for every later one
            renderer.mathtext_parser = shared.setdefault("parser", renderer.mathtext_parser)
            return renderer
    return SharedMathCanvas


@contextmanager
def deferred_saves(pending: dict | None = None):
    """Hold every figure :func:`save` gets in this block instead of writing it, in ``pending`` (yielded; pass the
    same dict to several blocks; a later save of the same path replaces the earlier one). ``kaonportal run`` uses
    it so that each section's plots carry the section's validation verdict, known only after every section ran;
    :func:`flush_deferred` writes them."""
    pending = {} if pending is None else pending
    token = _DEFERRED.set(pending)
    try:
        yield pending
    finally:
        _DEFERRED.reset(token)


@contextmanager
def save_tag(tag: str | None):
    """Figures saved (deferred) inside this block are tagged ``tag`` (e.g. the run section drawing them)."""
    token = _TAG.set(tag)
    try:
        yield
    finally:
        _TAG.reset(token)


def flush_deferred(pending: dict, stamp=None) -> list[dict]:
    """Write the figures :func:`deferred_saves` held, each with the line ``stamp(tag)`` (if not None/empty)
    below the figure; returns ``{"plot": path, "note": line or None}`` per file written."""
    out = []
    token = _DEFERRED.set(None)     # write now, even if called inside a deferred_saves block
    try:
        _flush(pending, stamp, out)
    finally:
        _DEFERRED.reset(token)
    pending.clear()
    return out


def tight_box(fig, below: str | None = None):
    """The figure's tight box in inches plus matplotlib's ``savefig.pad_inches``, the area
    ``bbox_inches="tight"`` saves, with the line ``below`` (if any) added under everything drawn (tick labels too).

    One layout pass (issue 17: text layout and mathtext parsing were most of the plot time): measured at the PNG
    resolution (matplotlib caches text metrics per dpi, so drawing the PNG reuses them) and passed to savefig,
    which would otherwise lay the figure out again for every format."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox
    fig.set_dpi(_PNG_DPI)
    renderer = FigureCanvasAgg(fig).get_renderer()   # plt.close may have left a bare canvas: no text metrics
    box = fig.get_tightbbox(renderer)
    if below:
        t = fig.text(0.5, box.y0 / fig.get_figheight() - 0.01, below, ha="center", va="top", fontsize=7)
        box = Bbox.union([box, t.get_window_extent(renderer).transformed(fig.dpi_scale_trans.inverted())])
    return box.padded(matplotlib.rcParams["savefig.pad_inches"])


#: processes that write the deferred plots (``kaonportal run`` writes every plot at the end, when nothing else
#: runs: on 2 cores, two halve that wall time); 1 = in this process only
FLUSH_WORKERS = 2
_JOBS: list | None = None       # the figures of a flush, inherited by the forked writers (nothing pickled)


def _flush(pending: dict, stamp, out: list) -> None:
    jobs = [(stem, fig, fmts, stamp(tag) if stamp is not None else None) for stem, (fig, fmts, tag) in pending.items()]
    workers = _flush_workers(len(jobs))
    written = _write_forked(jobs, workers) if workers > 1 else None
    if written is None:
        written = [_write_job(i, jobs) for i in range(len(jobs))]
    out += [{"plot": p, "note": job[3] or None} for job, paths in zip(jobs, written) for p in paths]


def _write_forked(jobs: list, workers: int) -> list | None:
    """The paths of every job, written by ``workers`` forked processes; None if a writer died (killed, e.g. out of
    memory): a ``multiprocessing.Pool`` would wait for it forever, the executor reports it and the caller writes all
    plots in this process instead (each file is written atomically, so a half-written one is replaced)."""
    global _JOBS
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    _JOBS = jobs
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            # contiguous halves: neighbouring plots share tick labels, whose mathtext each writer parses once
            return list(pool.map(_write_job, range(len(jobs)), chunksize=-(-len(jobs) // workers)))
    except BrokenProcessPool:
        return None
    finally:
        _JOBS = None


def _flush_workers(n_jobs: int) -> int:
    """Writer processes for ``n_jobs`` plots: :data:`FLUSH_WORKERS` capped by the cores this process may use and
    the machine leaves idle (1-minute load average), one when there are few plots (a fork costs more than a plot)
    or where processes cannot be forked safely: no fork method, or other threads running (a dask client's, a
    pool's), whose locks the forked child would inherit held. The files are the same whatever the number."""
    import multiprocessing
    import os
    import threading

    from ..distributed import active_client
    if n_jobs < 4 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if active_client() is not None or threading.active_count() > 1:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        # only cores left idle by the rest of the machine: on a busy one a second writer only adds the fork's cost
        idle = int(cores - os.getloadavg()[0] + 1.0)      # + this process, in the load
    except OSError:
        idle = 1
    return max(1, min(FLUSH_WORKERS, idle, n_jobs // 2))


def _write_job(i: int, jobs: list | None = None) -> list[str]:
    """Write figure ``i`` of the flush (in a forked writer: of the inherited :data:`_JOBS`); its paths."""
    stem, fig, fmts, text = (jobs if jobs is not None else _JOBS)[i]
    token = _DEFERRED.set(None)
    try:
        with plt.style.context(_hep_style()):
            return save(fig, Path(stem), fmts, below=text)
    finally:
        _DEFERRED.reset(token)
