"""Slide-ready beam-dump exclusion plot: LaTeX axis labels, the observed contour, the expected median with its
+-1 sigma / +-2 sigma bands (filled, in the legend), the projection, and the publications the inputs come from in
the legend. A published NA62 contour is overlaid when one ships with the package
(:data:`.published_contours.PUBLISHED_CONTOURS`: today the A' -> mu mu one of [NA62:2023dpmumu], digitised), its
citation in the legend; on a run combining several channels kaonportal's own contour for that channel alone (with
the channel's published counts) is drawn beside it, so that like is compared with like.
"""

from __future__ import annotations

__all__ = ["axis_labels", "input_citations", "plot_exclusion", "exclusion_figure", "channel_label", "band_legend",
           "disagreement_footer", "PUBLISHED_CONTOURS"]

from pathlib import Path

import numpy as np

from .published_contours import PUBLISHED_CONTOURS  # re-exported: the overlay table
from .published_contours import published_not_shipped

_MASS_SYMBOL = {"A'": r"m_{A'}", "S": r"m_S", "a": r"m_a", "N": r"m_N"}
# a lone rotated epsilon reads as omega (audit, issue 14): the dark-photon coupling is named in words too
_COUPLING_LABEL = {"epsilon": r"kinetic mixing $\varepsilon$", "sin2theta": r"$\sin^2\theta$", "g_Y": r"$g_Y$",
                   "inv_fG": r"$1/f_G$ [GeV$^{-1}$]", "g_agg": r"$g_{a\gamma\gamma}$ [GeV$^{-1}$]",
                   "U2": r"$|U|^2$"}
_LEPTONIC = {"ee": "PRL 133 (2024) 111802", "mumu": "JHEP 09 (2023) 035"}
_CHANNEL_TEX = {"ee": "e^+e^-", "mumu": r"\mu^+\mu^-", "pipi": r"\pi^+\pi^-", "pipigamma": r"\pi^+\pi^-\gamma",
                "pipipi0": r"\pi^+\pi^-\pi^0", "pipi2pi0": r"\pi^+\pi^-\pi^0\pi^0", "pipieta": r"\pi^+\pi^-\eta",
                "KK": "K^+K^-", "KKpi0": r"K^+K^-\pi^0", "gg": r"\gamma\gamma", "pie": r"\pi e", "pimu": r"\pi\mu"}
_HADRONIC = "EPJC 85 (2025) 571"


def axis_labels(particle: str, coupling_name: str) -> tuple[str, str]:
    """LaTeX (x, y) labels for the model's particle symbol and coupling variable.

    >>> axis_labels("A'", "epsilon")
    ("$m_{A'}$ [GeV/$c^2$]", 'kinetic mixing $\\\\varepsilon$')
    """
    return (f"${_MASS_SYMBOL.get(particle, 'm_X')}$ [GeV/$c^2$]",
            _COUPLING_LABEL.get(coupling_name, coupling_name.replace("_", r"\_")))


def input_citations(channels) -> str:
    """Publications whose observed counts / backgrounds are used for ``channels``."""
    refs = sorted({_LEPTONIC[c] for c in channels if c in _LEPTONIC})
    if any(c not in _LEPTONIC for c in channels):
        refs.append(_HADRONIC)
    return "NA62, " + "; ".join(refs) if refs else ""


def channel_label(channels) -> str:
    r"""LaTeX list of the final states, e.g. ``$e^+e^-$ + $\mu^+\mu^-$``."""
    return " + ".join(f"${_CHANNEL_TEX[c]}$" if c in _CHANNEL_TEX else c for c in channels)


def band_legend(limits: dict, background: float) -> str | None:
    r"""Legend text for the expected bands that coincide with the median (a nearly background-free counting
    experiment: the background-only quantiles give the same count), else None (all bands are drawn).

    >>> print(band_legend({"minus2": 2.3, "minus1": 2.3, "median": 2.3, "plus1": 2.3, "plus2": 3.9}, 0.016))
    expected $\pm1\sigma$ = median (background 0.016 events)
    """
    if not limits:
        return None
    med = round(limits["median"], 9)
    same = [k for k in ("1", "2") if round(limits[f"minus{k}"], 9) == med == round(limits[f"plus{k}"], 9)]
    if not same:
        return None
    which = r", ".join(rf"$\pm{k}\sigma$" for k in same)
    return f"expected {which} = median (background {background:.2g} events)"


def _band(ax, masses, couplings, n_exp, lims, colour):
    lo, hi = min(lims), max(lims)
    if not (hi > lo and np.any((n_exp > lo) & (n_exp < hi))):
        return False
    lm, lg = np.log10(masses), np.log10(couplings)
    with np.errstate(divide="ignore"):
        z = np.log10(np.maximum(n_exp, 1e-300)).T
    ax.contourf(10 ** lm, 10 ** lg, z, levels=[np.log10(lo), np.log10(hi)], colors=[colour], alpha=0.8)
    return True


def _mark_open_edges(ax, excluded, masses, couplings) -> bool:
    """Draw the boundary cells of the grid an exclusion reaches (:mod:`.edges`), each over its own width (log
    midpoints to its neighbours); True if any was drawn."""
    ex = np.asarray(excluded, bool)

    def spans(axis_values):
        lv = np.log10(axis_values)
        mid = np.concatenate([[lv[0]], (lv[1:] + lv[:-1]) / 2, [lv[-1]]])
        return 10 ** mid[:-1], 10 ** mid[1:]

    drawn = False
    style = dict(color="tab:red", lw=4, alpha=0.6, solid_capstyle="butt", clip_on=False)
    m_lo, m_hi = spans(masses)
    for y, row in ((couplings[-1], ex[:, -1]), (couplings[0], ex[:, 0])):
        for k in np.nonzero(row)[0]:
            ax.plot([m_lo[k], m_hi[k]], [y, y], **style)
            drawn = True
    c_lo, c_hi = spans(couplings)
    for x, col in ((masses[0], ex[0, :]), (masses[-1], ex[-1, :])):
        for k in np.nonzero(col)[0]:
            ax.plot([x, x], [c_lo[k], c_hi[k]], **style)
            drawn = True
    return drawn


def _overlay_published(ax, res, edges: dict) -> list:
    """Draw the shipped published contours of this run's channels (closed polygons) and, for a multi-channel run,
    kaonportal's contour of the same channel alone; the legend handles."""
    from matplotlib.lines import Line2D

    from .contours import contour_lines
    from .published_contours import channel_ratio, load_contour

    handles = []
    g, ex = res.grid, res.observed
    for cmp in edges.get("published_comparison", []):
        c = load_contour(cmp["contour"])
        m, y = c.mass_gev, c.columns[c.limit_column]
        ax.plot(np.append(m, m[0]), np.append(y, y[0]), color="darkorange", lw=1.5)
        label = next(lab for name, lab in PUBLISHED_CONTOURS.values() if name == cmp["contour"])
        handles.append(Line2D([], [], color="darkorange", lw=1.5, label=label))
        ch = cmp["channel"]
        if len(g.channels) > 1 and ch in edges:
            ratio = channel_ratio(g, ch, ex.pot, edges[ch]["observed"], edges[ch]["background"], ex.cl, ex.method,
                                  observed_masses=edges[ch].get("observed_masses_gev"))
            for seg in contour_lines(g.masses, g.couplings, ratio):
                ax.plot(seg[:, 0], seg[:, 1], color="darkorange", ls=":", lw=1.5)
            handles.append(Line2D([], [], color="darkorange", ls=":", lw=1.5,
                                  label=f"kaonportal, ${_CHANNEL_TEX.get(ch, ch)}$ alone "
                                        f"({edges[ch]['observed']} obs.{_at_masses(edges[ch])}, "
                                        f"{edges[ch]['background']:g} bkg)"))
    return handles


def _at_masses(edge: dict) -> str:
    """' at 0.411 GeV' for observed events of known mass (counted only near it), else ''."""
    masses = edge.get("observed_masses_gev") or []
    return f" at {', '.join(f'{m:g}' for m in masses)} GeV" if masses else ""


#: figure size (inches) without notes; the notes' font size (pt: >= 8 at the saved dpi, readable on a slide), the
#: height one line of them adds and the characters per line that fit the figure width at that size
_FIG_W, _FIG_H, _NOTE_PT, _NOTE_LINE_IN, _NOTE_CHARS = 9.6, 4.8, 8, 0.15, 150


def disagreement_footer(statements) -> list[str]:
    """The plot's footer for the stated disagreements: one line pointing to summary.json, then one line per
    disagreement (its start, shortened to the figure width; the full text is in summary.json and the curve files).

    >>> disagreement_footer(["dark photon vs NA62: the lower edge is low"])[1]
    'stated disagreement 1: dark photon vs NA62: the lower edge is low'
    """
    import textwrap

    if not statements:
        return []
    head = (f"{len(statements)} stated disagreement(s) with NA62 (full text: summary.json \"stated_disagreements\","
            " and the # header of contour.csv):")
    return [head] + [textwrap.shorten(f"stated disagreement {k}: {d}", _NOTE_CHARS, placeholder=" ...")
                     for k, d in enumerate(statements, 1)]


def _place_notes(fig, notes: list[str]) -> None:
    """Write ``notes`` below the axes (one line each, longer ones wrapped to the figure width); the figure grows by
    one text line per line so that the axes keep their size."""
    import textwrap

    lines = [w for n in notes for w in textwrap.wrap(n, _NOTE_CHARS, subsequent_indent="    ")]
    height = _FIG_H + _NOTE_LINE_IN * len(lines)
    fig.set_size_inches(_FIG_W, height)
    # room below the axes for the axis label (0.62 in) and the notes
    fig.subplots_adjust(left=0.09, right=0.62, top=1 - 0.38 / height,
                        bottom=(0.62 + _NOTE_LINE_IN * len(lines)) / height)
    if lines:
        fig.text(0.01, 0.05 / height, "\n".join(lines), fontsize=_NOTE_PT, va="bottom", linespacing=1.25)


def plot_exclusion(res, out: Path, *, particle: str = "X") -> dict:
    """Write the contour plot (``contour.<fmt>`` in the formats of :func:`kaonportal.report.style.plot_formats`)
    for a :class:`.analysis.BeamDumpResult`; returns the file paths."""
    from ..report.style import save

    return {f"plot_{Path(p).suffix[1:]}": p for p in save(exclusion_figure(res, particle=particle),
                                                          Path(out) / "contour")}


def exclusion_figure(res, *, particle: str = "X"):
    """The contour plot of a :class:`.analysis.BeamDumpResult` as a matplotlib Figure: the legend right of the
    axes, the notes (open contour at a grid edge, stated disagreements) below them."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    g = res.grid
    ex, pr = res.observed, res.projection
    # wide figure, the legend to the right of the axes: never on top of the contour lines (audit, issue 14)
    fig = Figure(figsize=(_FIG_W, _FIG_H))
    ax = fig.add_subplot()
    handles = []
    # the projection's own +-2 sigma band first (underneath): its larger background can make it non-degenerate
    pl = pr.expected_limits
    if pl and _band(ax, g.masses, g.couplings, pr.n_expected, (pl["minus2"], pl["plus2"]), "lightsteelblue"):
        handles.append(Patch(color="lightsteelblue", label=rf"expected $\pm 2\sigma$, {pr.pot:.2g} POT"))
    el = ex.expected_limits
    if el and _band(ax, g.masses, g.couplings, ex.n_expected, (el["minus2"], el["plus2"]), "gold"):
        handles.append(Patch(color="gold", label=r"expected $\pm 2\sigma$"))
    if el and _band(ax, g.masses, g.couplings, ex.n_expected, (el["minus1"], el["plus1"]), "limegreen"):
        handles.append(Patch(color="limegreen", label=r"expected $\pm 1\sigma$"))
    for seg in ex.expected_lines.get("median", []):
        ax.plot(seg[:, 0], seg[:, 1], "k--", lw=1)
    if ex.expected_lines.get("median"):
        handles.append(Line2D([], [], color="k", ls="--", lw=1, label="expected median"))
        text = band_legend(el, ex.background)
        if text:
            handles.append(Line2D([], [], ls="none", label=text))
    for seg in ex.lines:
        ax.plot(seg[:, 0], seg[:, 1], "k-", lw=2)
    cites = input_citations(g.channels)
    if ex.lines:
        handles.append(Line2D([], [], color="k", lw=2,
                              label=f"observed 90% CL, {ex.pot:.2g} POT"
                              + (f"\n(inputs: {cites})".replace("; ", ";\n ") if cites else "")))
    for seg in pr.lines:
        ax.plot(seg[:, 0], seg[:, 1], "b-.", lw=1.5)
    if pr.lines:
        handles.append(Line2D([], [], color="b", ls="-.", lw=1.5, label=f"expected median, {pr.pot:.2g} POT"))
    summary = res.summary()
    handles += _overlay_published(ax, res, summary.get("band_edges") or {})
    edges = summary.get("contour_open_at_grid_edge", {})
    if _mark_open_edges(ax, ex.excluded, g.masses, g.couplings):
        handles.append(Line2D([], [], color="tab:red", lw=4, alpha=0.6,
                              label="observed exclusion reaches the grid edge\n"
                                    "(contour open there: see the note below)"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(g.masses[0], g.masses[-1])
    ax.set_ylim(g.couplings[0], g.couplings[-1])
    if g.masses[-1] / g.masses[0] >= 10:      # minor-tick labels of a < 2-decade axis overlap each other
        from matplotlib.ticker import NullFormatter
        ax.xaxis.set_minor_formatter(NullFormatter())
    xl, yl = axis_labels(particle, g.coupling_name)
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    chans = channel_label(g.channels)
    from .yields import resolve_model
    pbc = getattr(resolve_model(g.model), "label", "")
    ax.set_title(f"{pbc} {g.model}: {chans}, NA62 beam dump (kaonportal)", fontsize=10)
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=7,
                  framealpha=0.9)
    notes = list(edges.get("notes", [])) + list(summary.get("observed_events", {}).get("notes", []))
    notes += [c["statement"] for c in (summary.get("band_edges") or {}).get("published_comparison", [])]
    notes += [n for n in [published_not_shipped(g.model)] if n]
    # the known disagreements with NA62 are stated on the plot itself, not only in summary.json (issue 14)
    notes += disagreement_footer(summary.get("stated_disagreements", []))
    _place_notes(fig, notes)
    return fig
