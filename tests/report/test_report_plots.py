"""Report plots: each point above its own cut label, one file per requested format, curves broken at the
pi0 gap, published curves labelled by citation, every band in the legend, LaTeX labels, HEP style."""

from pathlib import Path

import numpy as np
import pytest

from kaonportal.errors import InputError
from kaonportal.report import plots as report_plots
from kaonportal.report.style import (PI0_GAP_GEV, parse_plot_formats, plot_formats, published_label, save,
                                     split_at_gaps)


@pytest.fixture
def captured(monkeypatch):
    """Replace the writer by one that keeps the figure (the drawing code is unchanged)."""
    figs = []

    def keep(fig, path_stem, formats=None):
        figs.append(fig)
        return [str(path_stem) + ".png"]
    monkeypatch.setattr(report_plots, "save", keep)
    return figs


def _rows(ids, start=1.0):
    return [{"id": c, "cumulative": start * 0.8 ** k} for k, c in enumerate(ids)]


def test_cutflow_points_sit_above_their_own_cut(captured, tmp_path):
    # the normalisation flow has no photon_veto cut and ends in another region: before the fix its points
    # were placed by list index, i.e. shifted one label to the left from photon_veto on
    sig = ["single_track", "pid_pi", "photon_veto", "unmodelled", "region R1+R2"]
    norm = ["single_track", "pid_pi", "unmodelled", "region pipi0"]
    report_plots.plot_cutflow({"signal": _rows(sig), "normalisation": _rows(norm, 0.5)}, "t", tmp_path / "c")
    ax = captured[0].axes[0]
    labels = [t.get_text().replace(" ", "_") for t in ax.get_xticklabels()]
    for line, ids in zip(ax.get_lines(), (sig, norm)):
        xs = line.get_xdata()
        assert [labels[int(x)] for x in xs] == [i.replace(" ", "_") for i in ids]
    assert len(labels) == len(set(sig) | set(norm))


def test_each_format_written_once_and_only_what_was_asked(tmp_path):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert [Path(p).name for p in save(fig, tmp_path / "a")] == ["a.png"]          # default: PNG only
    fig, ax = plt.subplots()
    with plot_formats("png,pdf"):
        files = save(fig, tmp_path / "b")
    assert [Path(p).name for p in files] == ["b.png", "b.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.pdf", "b.png"]   # no temporary left
    assert (tmp_path / "b.pdf").read_bytes()[:4] == b"%PDF"


@pytest.mark.parametrize("text", ["", "png,gif", "jpeg"])
def test_bad_plot_formats_are_refused(text):
    with pytest.raises(InputError, match="--plot-formats"):
        parse_plot_formats(text)


def test_no_line_across_the_pi0_gap():
    # the published K+ -> pi+ X curve jumps from 0.112 to 0.150 GeV: a NaN must separate them
    x, (y,) = split_at_gaps([0.10, 0.112, 0.150, 0.16], [[1.0, 2.0, 3.0, 4.0]], (PI0_GAP_GEV,))
    assert np.isnan(x[2]) and np.isnan(y[2]) and x.size == 5
    # an HNL grid (no gap crossed) is untouched
    x, (y,) = split_at_gaps([0.15, 0.2, 0.3], [[1, 2, 3]], (PI0_GAP_GEV,))
    assert not np.isnan(y).any()


def test_limit_plot_bands_citations_gap_and_latex(monkeypatch, tmp_path):
    from kaonportal.analyses.searches import common
    figs = []
    monkeypatch.setattr(common, "save", lambda fig, stem: figs.append(fig) or [])
    m = np.array([0.05, 0.1, 0.16, 0.2])
    exp = {k: m * f for k, f in (("minus2", 1), ("minus1", 2), ("median", 3), ("plus1", 4), ("plus2", 5))}
    name = "NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca"
    common.plot_limit_curves(tmp_path / "x", m, m * 2.5, exp, xlabel=r"$m_X$ [GeV/$c^2$]", ylabel="BR", title="t",
                             published=[(published_label(name), [0.1, 0.112, 0.15, 0.2], [1, 2, 3, 4])],
                             gaps=(PI0_GAP_GEV,))
    ax = figs[0].axes[0]
    labels = ax.get_legend_handles_labels()[1]
    assert r"expected $\pm 1\sigma$" in labels and r"expected $\pm 2\sigma$" in labels     # bands in the legend
    assert "NA62, JHEP 11 (2025) 143 (ALPaca re-grid)" in labels                      # citation, not file name
    assert not any("_" in lab and "$" not in lab for lab in labels)
    for line in ax.get_lines():                                                        # every curve broken
        x = np.asarray(line.get_xdata(), float)
        ok = np.isfinite(x)
        assert not np.any((x[:-1][ok[:-1] & ok[1:]] < 0.13) & (x[1:][ok[:-1] & ok[1:]] > 0.14))
    assert ax.get_xlabel().startswith("$")


def test_hep_style_is_applied_inside_plots_only(captured, tmp_path):
    import matplotlib
    before = dict(matplotlib.rcParams)
    report_plots.plot_cutflow({"s": _rows(["a", "b"])}, "t", tmp_path / "c")
    ax = captured[0].axes[0]
    assert ax.xaxis.get_tick_params(which="major").get("direction", "in") == "in"    # mplhep ROOT: ticks inside
    assert matplotlib.rcParams["font.size"] == before["font.size"]                      # no leak into the session


def test_m2miss_histogram_keeps_variances():
    h = report_plots.m2miss_hist([20.0, 20.1, 30.0, np.nan], [0.005, 0.006, 0.03, 0.0], [2.0, 3.0, 1.0, 5.0])
    assert h.sum().value == pytest.approx(6.0)                      # the NaN entry is left out
    assert h.sum().variance == pytest.approx(4.0 + 9.0 + 1.0)       # sum of w^2


def test_deferred_saves_write_on_flush_with_the_stamp_and_latest_wins(tmp_path):
    """kaonportal run holds every plot until the validation flags exist, then writes it with its section's verdict."""
    import matplotlib.pyplot as plt

    from kaonportal.report.style import deferred_saves, flush_deferred, save_tag
    pending = {}
    with deferred_saves(pending), save_tag("kmunux"):
        first, _ = plt.subplots()
        save(first, tmp_path / "plots" / "a")
        fig, _ = plt.subplots()
        paths = save(fig, tmp_path / "plots" / "a")        # the same plot redrawn: replaces the first
    with deferred_saves(pending):
        untagged, _ = plt.subplots()
        save(untagged, tmp_path / "plots" / "b")
    assert (tmp_path / "plots").is_dir() and not list((tmp_path / "plots").iterdir())   # nothing written yet
    written = flush_deferred(pending, lambda tag: f"verdict of {tag}" if tag else None)
    assert {w["plot"]: w["note"] for w in written} == {paths[0]: "verdict of kmunux",
                                                      str(tmp_path / "plots" / "b.png"): None}
    assert Path(paths[0]).is_file() and pending == {}
    # the stamp is in the image, under the plot: the stamped PNG is taller than the same empty axes unstamped
    from PIL import Image
    (h_stamped, h_plain) = (Image.open(p).size[1] for p in (paths[0], tmp_path / "plots" / "b.png"))
    assert h_stamped > h_plain + 5 and not first.texts


def test_png_drawn_once_is_matplotlibs_tight_save_with_the_stamp(tmp_path):
    """save() lays a PNG out and draws it once (report.style._png_once): the image is the one of matplotlib's
    bbox_inches="tight" (same size to 1 px, same pixels to antialiasing), and a stamp adds a line under it."""
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    from kaonportal.report.style import _PNG_DPI, _png_once

    def fig_(label="label out"):
        fig, ax = plt.subplots()
        ax.set_xscale("log")
        ax.plot([1e-3, 1.0], [0, 1])
        ax.set_xlabel(r"$m_X$ [GeV/$c^2$]")
        ax.set_yticks([0, 1], [label, "b"])   # content outside the figure
        return fig
    fig = fig_()
    fig.savefig(tmp_path / "mpl.png", dpi=_PNG_DPI, bbox_inches="tight")
    assert _png_once(fig_(), tmp_path / "once.png")
    assert _png_once(fig_(), tmp_path / "stamped.png", below="validation: 3 agree")
    ref, once, stamped = (np.asarray(Image.open(tmp_path / f).convert("L"), float) for f in
                          ("mpl.png", "once.png", "stamped.png"))
    assert abs(ref.shape[0] - once.shape[0]) <= 1 and abs(ref.shape[1] - once.shape[1]) <= 1
    h, w = min(ref.shape[0], once.shape[0]), min(ref.shape[1], once.shape[1])
    # sub-pixel placement differs by < 1 px: mean grey-level difference of a few levels out of 255
    assert np.abs(ref[:h, :w] - once[:h, :w]).mean() < 8
    assert stamped.shape[0] > once.shape[0] + 5 and (stamped[once.shape[0]:] < 128).any()   # dark text below
    # content beyond the margin drawn around the figure: nothing written, save() takes matplotlib's way
    assert not _png_once(fig_("x" * 60), tmp_path / "wide.png") and not (tmp_path / "wide.png").exists()
    (wide,) = save(fig_("x" * 60), tmp_path / "wide")
    assert Image.open(wide).size[0] > ref.shape[1] + 200
    plt.close("all")


def test_tight_box_is_matplotlibs_and_holds_the_stamp(tmp_path):
    """The box measured once (report.style.tight_box) is the area matplotlib's bbox_inches="tight" saves, and
    the stamp line lies inside it (below the tick labels)."""
    import matplotlib.pyplot as plt
    from PIL import Image

    from kaonportal.report.style import _PNG_DPI, tight_box
    fig, ax = plt.subplots()
    ax.set_xscale("log")
    ax.plot([1e-3, 1.0], [0, 1])
    ax.set_xlabel(r"$m_X$ [GeV/$c^2$]")
    fig.savefig(tmp_path / "mpl.png", dpi=_PNG_DPI, bbox_inches="tight")
    box = tight_box(fig)
    w, h = Image.open(tmp_path / "mpl.png").size
    # pixel sizes agree to rounding (1 px at 110 dpi)
    assert abs(box.width * _PNG_DPI - w) <= 1 and abs(box.height * _PNG_DPI - h) <= 1
    stamped = tight_box(fig, "validation: 3 agree")
    note = fig.texts[-1].get_window_extent().transformed(fig.dpi_scale_trans.inverted())
    assert stamped.y0 < note.y0 < box.y0 and stamped.x0 <= note.x0 and note.x1 <= stamped.x1
    plt.close(fig)
