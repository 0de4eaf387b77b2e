"""Plots of the K+ -> pi+ nu nubar section (HEP style and formats of :mod:`kaonportal.report.style`)."""

from __future__ import annotations

__all__ = ["plot_m2miss_vs_p", "plot_budget", "plot_cutflow", "cut_order", "save", "m2miss_hist"]

from pathlib import Path

import matplotlib
import numpy as np

from .style import COLORS, decay_label, latex_text, save, styled

import matplotlib.pyplot as plt  # noqa: E402  (after style: the Agg backend is chosen there)

# background sources: colour-blind-safe colours (Okabe & Ito), one per source
_COLORS = {"K+ -> pi+ pi0": COLORS[5], "K+ -> mu+ nu": COLORS[4], "K+ -> pi+ pi+ pi-": COLORS[3],
           "K+ -> pi+ pi- e+ nu": COLORS[6], "K+ -> pi+ gamma gamma": COLORS[1],
           "K+ -> pi0 e+ nu": COLORS[2], "K+ -> pi0 mu+ nu": "0.45"}


def _line_style(name: str, i: int) -> tuple[str, str]:
    """Colour and line style of a background sample: its own colour; a radiative variant ('... gamma')
    the colour of its parent decay, dashed; any other sample a colour of the palette."""
    if name in _COLORS:
        return _COLORS[name], "solid"
    if name.endswith(" gamma") and name[:-6] in _COLORS:
        return _COLORS[name[:-6]], "dashed"
    return COLORS[i % len(COLORS)], "dashdot"


def m2miss_hist(p_gev, m2miss, weights, bins_p=(10.0, 50.0, 80), bins_m=(-0.06, 0.10, 128)):
    """Weighted (p_track, m2miss) histogram with per-bin variances (sum of w^2): a ``hist.Hist`` with
    Weight storage; entries with a non-finite coordinate or a weight <= 0 are left out."""
    import hist
    p, m, w = (np.asarray(a, float) for a in (p_gev, m2miss, weights))
    ok = np.isfinite(p) & np.isfinite(m) & (w > 0)
    h = hist.Hist(hist.axis.Regular(bins_p[2], bins_p[0], bins_p[1], name="p", label=r"$p_{\pi^+}$ [GeV/$c$]"),
                  hist.axis.Regular(bins_m[2], bins_m[0], bins_m[1], name="m2miss",
                                    label=r"$m^2_{\mathrm{miss}}$ [GeV$^2/c^4$]"),
                  storage=hist.storage.Weight())
    h.fill(p=p[ok], m2miss=m[ok], weight=w[ok])
    return h


def _as_hist(hb):
    """A plot input (a ``hist.Hist`` or a ``{"counts", "p_edges", "m2_edges"}`` mapping) as a Hist."""
    if not isinstance(hb, dict):
        return hb
    if "hist" in hb:
        return hb["hist"]
    import hist
    pe, me = np.asarray(hb["p_edges"], float), np.asarray(hb["m2_edges"], float)
    h = hist.Hist(hist.axis.Variable(pe, name="p"), hist.axis.Variable(me, name="m2miss"),
                  storage=hist.storage.Weight())
    h.view().value = hb["counts"]
    h.view().variance = hb.get("variances", hb["counts"])
    return h


@styled
def plot_m2miss_vs_p(hists: dict, regions, momentum_range, title: str, path_stem: Path) -> list[str]:
    """Signal (grey scale, weighted events after the full selection) and backgrounds (contours of their
    kinematic distribution before PID and photon-veto weights) in the (p_pi+, m2miss) plane. ``hists``:
    per sample a weighted ``hist.Hist`` (:func:`m2miss_hist`) or the equivalent mapping of arrays."""
    import hist
    fig, ax = plt.subplots(figsize=(9.5, 5.5))
    s = _as_hist(hists["signal"])
    p_edges, m_edges = s.axes[0].edges, s.axes[1].edges
    h = np.ma.masked_less_equal(s.values().T, 0)
    if h.count():
        # rasterized: a 80 x 128 colour map as one image inside a PDF, not 10^4 vector cells
        mesh = ax.pcolormesh(p_edges, m_edges, h, cmap="Greys", shading="flat", rasterized=True,
                             norm=matplotlib.colors.LogNorm(vmin=max(h.max() * 1e-3, h.min()), vmax=h.max()))
        fig.colorbar(mesh, ax=ax, label="signal: weighted decays per bin (a.u.)")
    handles = [matplotlib.patches.Patch(color=COLORS[2], alpha=0.3, label="signal regions R1, R2"),
               matplotlib.lines.Line2D([], [], color="0.6", lw=0.8, ls=":", label="control-region edges")]
    for name, hb in hists.items():
        if name == "signal":
            continue
        hb = _as_hist(hb)[::hist.rebin(2), ::hist.rebin(4)]   # coarser grid: smooth contours at modest statistics
        c = hb.values().T
        if c.max() <= 0:
            continue
        colour, ls = _line_style(name, len(handles))
        ax.contour(hb.axes[0].centers, hb.axes[1].centers, c, levels=c.max() * np.array([0.02, 0.3]),
                   colors=colour, linewidths=[0.6, 1.2], linestyles=ls)
        handles.append(matplotlib.lines.Line2D([], [], color=colour, ls=ls, label=decay_label(name)))
    for rid, (lo, hi), signal in regions:
        if signal:
            ax.axhspan(lo, hi, xmin=0, xmax=1, color=COLORS[2], alpha=0.3, lw=0)
            ax.text(momentum_range[1] + 0.3, 0.5 * (lo + hi), rid, va="center", fontsize=8, color=COLORS[4])
        else:
            for y in (lo, hi):
                ax.axhline(y, color="0.6", lw=0.8, ls=":")
            ax.text(momentum_range[0] - 0.3, 0.5 * (lo + min(hi, 0.1)), rid, va="center", ha="right", fontsize=7,
                    color="0.4")
    for x in momentum_range:
        ax.axvline(x, color=COLORS[4], lw=0.8, ls="--")
    ax.set_xlabel(r"$p_{\pi^+}$ [GeV/$c$]")
    ax.set_ylabel(r"$m^2_{\mathrm{miss}}$ [GeV$^2/c^4$]")
    ax.set_ylim(-0.06, 0.10)
    ax.set_title(latex_text(title), fontsize=10)
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.25, 1.0),
              title="backgrounds before PID and\nveto weights (2%, 30% of max)", title_fontsize=7)
    return save(fig, path_stem)


@styled
def plot_budget(comparison: list[dict], title: str, path_stem: Path) -> list[str]:
    """Expected background per source: simulation, data-driven and published (log scale); a source whose
    ``validation_status`` (kaonportal.validation) is tension or disagree carries it in its label."""
    names = [c["source"] + (f"  [{c['validation_status']}]" if c.get("validation_status") in ("tension", "disagree")
                            else "") for c in comparison]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(names) + 1.5))
    floor = 1e-4
    for k, (key, lab, col, off) in enumerate([("simulation", "this run: simulation", COLORS[4], -0.25),
                                              ("data_driven", "this run: data-driven method", COLORS[3], 0.0),
                                              ("published", "NA62 published", COLORS[0], 0.25)]):
        vals, lo, hi, yy = [], [], [], []
        for i, c in enumerate(comparison):
            v = c.get(key)
            if v is None or (v <= 0 and key != "published"):
                continue
            if key == "published":
                el, eh = c.get("published_error_low") or 0.0, c.get("published_error_high") or 0.0
            else:
                el = eh = c.get(f"{key}_error") or 0.0
            vals.append(max(v, floor))
            lo.append(min(el, max(v, floor) - floor * 0.5))
            hi.append(eh)
            yy.append(i + off)
        if vals:
            ax.errorbar(vals, yy, xerr=[lo, hi], fmt="o" if key != "published" else "s", color=col, label=lab, ms=5,
                        capsize=2)
    ax.set_yticks(y, [decay_label(n) for n in names], fontsize=8)
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())     # categories: no minor ticks
    ax.set_xscale("log")
    ax.set_xlim(floor, 100)
    ax.set_xlabel(r"expected events in $R_1 + R_2$")
    ax.invert_yaxis()
    ax.set_title(latex_text(title), fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    ax.grid(axis="x", alpha=0.3)
    return save(fig, path_stem)


def cut_order(flows: list[list[str]]) -> list[str]:
    """One x axis for several cut flows: every cut id once, in the order the flows apply them (an id
    missing from the first flow is inserted after its predecessor in the flow that has it).

    >>> cut_order([["a", "b", "veto", "R1"], ["a", "b", "pipi0"]])
    ['a', 'b', 'pipi0', 'veto', 'R1']
    """
    order: list[str] = []
    for ids in flows:
        for k, cid in enumerate(ids):
            if cid in order:
                continue
            prev = next((ids[j] for j in range(k - 1, -1, -1) if ids[j] in order), None)
            order.insert(0 if prev is None else order.index(prev) + 1, cid)
    return order


@styled
def plot_cutflow(flows: dict[str, list[dict]], title: str, path_stem: Path) -> list[str]:
    """Cumulative weighted efficiency after each cut, one line per sample; each point sits above the
    label of its own cut (samples with different cut lists share one axis, :func:`cut_order`)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    labels = cut_order([[r["id"] for r in rows] for rows in flows.values()])
    styles = iter(["-", "--", "-.", ":"] * 4)
    for name, rows in flows.items():
        x = [labels.index(r["id"]) for r in rows]
        eff = [max(r["cumulative"], 1e-12) for r in rows]
        ax.plot(x, eff, marker="o", label=latex_text(name), ls=next(styles))
    ax.set_xticks(range(len(labels)), [lab.replace("_", " ") for lab in labels], rotation=45, ha="right", fontsize=8)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())     # categories: no minor ticks
    ax.set_yscale("log")
    ax.set_ylabel("cumulative efficiency per fiducial decay")
    ax.set_title(latex_text(title), fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save(fig, path_stem)
