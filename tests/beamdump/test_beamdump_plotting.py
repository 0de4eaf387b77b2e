"""Slide-ready beam-dump plot: LaTeX labels, bands and citations in the legend, published-curve overlay."""

import json

import pytest

from kaonportal.beamdump import plotting
from kaonportal.beamdump.analysis import run_beamdump
from kaonportal.beamdump.plotting import axis_labels, input_citations, plot_exclusion
from kaonportal.report.style import plot_formats


def test_labels_and_citations():
    # audit (issue #14): a single rotated epsilon read as omega; the label names it
    assert axis_labels("A'", "epsilon") == ("$m_{A'}$ [GeV/$c^2$]", r"kinetic mixing $\varepsilon$")
    assert axis_labels("S", "sin2theta")[1] == r"$\sin^2\theta$"
    assert input_citations(["ee", "mumu"]) == "NA62, JHEP 09 (2023) 035; PRL 133 (2024) 111802"
    assert "EPJC 85 (2025) 571" in input_citations(["pipi"])


def _legend_labels(monkeypatch):
    captured = {}
    real_legend = __import__("matplotlib.axes", fromlist=["Axes"]).Axes.legend

    def spy(self, *a, **k):
        captured["labels"] = [h.get_label() for h in k.get("handles", [])]
        return real_legend(self, *a, **k)

    monkeypatch.setattr("matplotlib.axes.Axes.legend", spy)
    return captured


def test_published_curve_is_overlaid_with_its_citation(tmp_path, monkeypatch):
    # the shipped NA62 mu mu contour (JHEP 09 (2023) 035) on a mu mu run with the published counts
    res = run_beamdump("dark-photon", ["mumu"], 1.4e17, (8, 12), n_per_mass=300, mass_range=(0.25, 0.6))
    _, label = plotting.PUBLISHED_CONTOURS[("dark-photon", ("mumu",))]
    captured = _legend_labels(monkeypatch)
    with plot_formats(["png", "pdf"]):       # the formats a user asked for (default: png only)
        files = plot_exclusion(res, tmp_path, particle="A'")
    assert (tmp_path / "contour.png").exists() and files["plot_pdf"].endswith("contour.pdf")
    assert label in captured["labels"] and "JHEP 09 (2023) 035" in label
    assert any(lbl.startswith("observed 90% CL") and "JHEP 09 (2023) 035" in lbl for lbl in captured["labels"])
    assert not any(".csv" in lbl for lbl in captured["labels"])      # citation, not a file name
    assert not any("alone" in lbl for lbl in captured["labels"])     # one channel: its own contour is the observed


def test_combined_run_draws_the_published_channel_alone_beside_it(tmp_path, monkeypatch):
    res = run_beamdump("dark-photon", ["ee", "mumu"], 1.4e17, (8, 12), n_per_mass=300, mass_range=(0.22, 0.6),
                       coupling_range=(1e-8, 1e-4))
    captured = _legend_labels(monkeypatch)
    plot_exclusion(res, tmp_path, particle="A'")
    labels = captured["labels"]
    assert plotting.PUBLISHED_CONTOURS[("dark-photon", ("mumu",))][1] in labels
    # the event is counted only near its mass: the legend says where
    assert any(lbl.startswith("kaonportal, $\\mu^+\\mu^-$ alone (1 obs. at 0.411 GeV, 0.016 bkg)") for lbl in labels), labels


def test_no_overlay_without_the_published_counts(tmp_path, monkeypatch):
    # user counts: not the published search, so neither the overlay nor a ratio to it
    res = run_beamdump("dark-photon", ["mumu"], 1.4e17, (6, 8), n_per_mass=200, mass_range=(0.25, 0.6),
                       observed=0, background=0.0)
    assert res.summary()["band_edges"]["published_comparison"] == []
    captured = _legend_labels(monkeypatch)
    plot_exclusion(res, tmp_path, particle="A'")
    assert not any("NA62 published" in lbl for lbl in captured["labels"])


def test_degenerate_bands_are_said_in_the_legend():
    # 0 observed over 0.007 background: every background-only quantile is 0 events, the bands are the median
    from kaonportal.beamdump.plotting import band_legend, channel_label

    same = dict.fromkeys(("minus2", "minus1", "median", "plus1", "plus2"), 2.3)
    assert "pm1" in band_legend(same, 0.007) and "pm2" in band_legend(same, 0.007)
    assert band_legend({**same, "minus2": 1.0, "minus1": 1.5, "plus1": 3.0, "plus2": 4.0}, 3.0) is None
    assert channel_label(["ee", "KKpi0"]) == r"$e^+e^-$ + $K^+K^-\pi^0$"


def _extent(artist, renderer):
    return artist.get_window_extent(renderer)


def test_legend_and_notes_stay_off_the_contour_axes():
    # audit: the legend sat on top of the contour lines (BC1, BC11); it now lies right of the axes, the notes below
    from kaonportal.beamdump.plotting import exclusion_figure

    res = run_beamdump("dark-photon", ["mumu"], 1.4e17, (6, 8), n_per_mass=200, mass_range=(0.25, 0.6))
    fig = exclusion_figure(res, particle="A'")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    box = _extent(ax, renderer)
    legend = _extent(ax.get_legend(), renderer)
    assert legend.x0 >= box.x1, (legend, box)
    fig_box = fig.bbox
    assert legend.x1 <= fig_box.x1 + 1 and legend.y0 >= fig_box.y0     # and inside the figure
    for text in fig.texts:                                              # notes: below the axes
        assert _extent(text, renderer).y1 <= box.y0


@pytest.mark.parametrize("model, words", [("BC11", "2.0-2.7x below the Aloni-Soreq-Williams"),
                                          ("BC10", "BC10 hadronic decays"),
                                          ("dark-photon", "the lower (long-lifetime) edge")])
def test_stated_disagreements_are_on_every_result(model, words, tmp_path):
    # issue 14: a known disagreement with NA62 (BC11 a -> 3 pi widths, BC10 hadronic channels, the BC1 lower edge)
    # is stated on the summary, the plot and the header of every curve file, not only in summary.json
    from kaonportal.beamdump.analysis import write_outputs
    from kaonportal.beamdump.plotting import exclusion_figure

    res = run_beamdump(model, None, 1.4e17, (4, 4), n_per_mass=100)
    summary = write_outputs(res, tmp_path, plot=False)
    assert any(words in d for d in summary["stated_disagreements"])
    for name in ("contour.csv", "projection.csv"):
        head = [ln for ln in (tmp_path / name).read_text().splitlines() if ln.startswith("#")]
        assert any(ln.startswith("# stated disagreement") and words in ln for ln in head), name
    # the plot: a readable footer (audit: ~7 px text in a 955 x 717 PNG) pointing to summary.json, one line per
    # disagreement with its start; >= 8 pt at the saved dpi
    fig = exclusion_figure(res)
    lines = [ln for t in fig.texts for ln in t.get_text().splitlines()]
    assert all(t.get_fontsize() >= 8 for t in fig.texts)
    assert any("summary.json" in ln and "stated_disagreements" in ln for ln in lines)
    for k, d in enumerate(summary["stated_disagreements"], 1):
        mine = [ln for ln in lines if ln.startswith(f"stated disagreement {k}: ")]
        assert len(mine) == 1 and d[:60] in mine[0], (k, mine)
        assert len(mine[0]) <= plotting._NOTE_CHARS


def test_footer_text_is_at_least_8_pt_in_the_saved_png(tmp_path):
    # 8 pt at the PNG's dpi is >= 11 px of text height: measured on the rendered text, in pixels of the saved file
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from kaonportal.beamdump.plotting import exclusion_figure
    from kaonportal.report.style import _PNG_DPI

    res = run_beamdump("dark-photon", ["ee", "mumu"], 1.4e17, (4, 4), n_per_mass=100)
    fig = exclusion_figure(res, particle="A'")
    fig.set_dpi(_PNG_DPI)
    renderer = FigureCanvasAgg(fig).get_renderer()
    (note,) = fig.texts
    n_lines = len(note.get_text().splitlines())
    assert n_lines >= 3                                           # pointer + the two BC1 disagreements
    height_px = note.get_window_extent(renderer).height
    assert height_px / n_lines >= 8 / 72 * _PNG_DPI


@pytest.mark.parametrize("model, channels, present, absent", [
    # audit (issue #14): the header named "Pythia 8 meson tables + Bluemlein-Brunner bremsstrahlung" for every model
    ("dark-photon", ["mumu"], ["bremsstrahlung", "eta -> gamma A'", "BR(X -> f)", "eff_f", "mumu"], ["Primakoff"]),
    ("BC4", ["mumu"], ["B -> Xs S", "charm/beauty"], ["bremsstrahlung", "Primakoff"]),
    ("BC11", ["gg"], ["(mixing)", "Primakoff"], ["bremsstrahlung"]),
])
def test_curve_header_states_the_runs_own_formula_and_mechanisms(model, channels, present, absent, tmp_path):
    from kaonportal.beamdump.analysis import write_outputs

    mr = {"BC4": (0.3, 0.4), "BC11": (0.1, 0.2)}.get(model, (0.3, 0.4))
    counts = {"observed": 0, "background": 0.1} if channels == ["gg"] else {}     # gg: no published counts
    res = run_beamdump(model, channels, 1.4e17, (2, 4), n_per_mass=100, mass_range=mr, **counts)
    write_outputs(res, tmp_path, plot=False)
    head = [ln for ln in (tmp_path / "contour.csv").read_text().splitlines() if ln.startswith("#")]
    formula = next(ln for ln in head if ln.startswith("# N_exp"))
    production = next(ln for ln in head if ln.startswith("# production:"))
    text = formula + production
    assert all(w in text for w in present), (present, text)
    assert not any(w in production for w in absent), (absent, production)
    assert set(res.grid.by_mechanism) and all(k in production for k in res.grid.by_mechanism)


@pytest.mark.parametrize("model, mass_range", [("BC4", (0.3, 0.4)), ("BC10", (0.3, 0.4)), ("BC11", (0.45, 0.6))])
def test_unshipped_published_contour_is_stated_not_denied(model, mass_range, tmp_path):
    # audit (issue #14): the validation said "the published beam-dump numbers are for the dark photon (BC1)",
    # but NA62 published BC4/BC10/BC11 contours (EPJC 85 (2025) 571); they do not ship, so they are not compared
    from kaonportal.beamdump.analysis import write_outputs
    from kaonportal.beamdump.plotting import exclusion_figure

    res = run_beamdump(model, None, 1.4e17, (2, 3), n_per_mass=50, mass_range=mass_range)
    summary = write_outputs(res, tmp_path, plot=False)
    statement = "NA62's published contour (EPJC 85 (2025) 571) does not ship with kaonportal: not compared"
    assert summary["validation"]["applies"] is False and statement in summary["validation"]["reason"]
    assert "are for the dark photon" not in json.dumps(summary)
    fig = exclusion_figure(res)
    assert any(statement in " ".join(t.get_text().split()) for t in fig.texts)
