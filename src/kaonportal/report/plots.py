"""Plots of the K+ -> pi+ nu nubar section (PNG and PDF, matplotlib with the Agg backend)."""

from __future__ import annotations

__all__ = ["plot_m2miss_vs_p", "plot_budget", "plot_cutflow", "save"]

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

_COLORS = {"K+ -> pi+ pi0": "tab:red", "K+ -> mu+ nu": "tab:blue", "K+ -> pi+ pi+ pi-": "tab:green",
           "K+ -> pi+ pi- e+ nu": "tab:purple", "K+ -> pi+ gamma gamma": "tab:orange",
           "K+ -> pi0 e+ nu": "tab:brown", "K+ -> pi0 mu+ nu": "tab:pink"}


def save(fig, path_stem: Path) -> list[str]:
    """Write ``<stem>.png`` and ``<stem>.pdf``; return their paths."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for ext in ("png", "pdf"):
        p = path_stem.with_suffix(f".{ext}")
        fig.savefig(p, dpi=120 if ext == "png" else None, bbox_inches="tight")
        out.append(str(p))
    plt.close(fig)
    return out


def _rebin(h: np.ndarray, fx: int, fy: int) -> np.ndarray:
    nx, ny = (h.shape[0] // fx) * fx, (h.shape[1] // fy) * fy
    return h[:nx, :ny].reshape(nx // fx, fx, ny // fy, fy).sum(axis=(1, 3))


def plot_m2miss_vs_p(hists: dict, regions, momentum_range, title: str, path_stem: Path) -> list[str]:
    """Signal (colour, weighted events after the full selection) and backgrounds (contours of their
    kinematic distribution before PID and photon-veto weights) in the (p_pi+, m2miss) plane."""
    fig, ax = plt.subplots(figsize=(9.5, 5.5))
    s = hists["signal"]
    h = np.ma.masked_less_equal(s["counts"].T, 0)
    if h.count():
        mesh = ax.pcolormesh(s["p_edges"], s["m2_edges"], h, cmap="Greys", shading="flat",
                             norm=matplotlib.colors.LogNorm(vmin=max(h.max() * 1e-3, h.min()), vmax=h.max()))
        fig.colorbar(mesh, ax=ax, label="signal: weighted decays per bin (a.u.)")
    handles = []
    for name, hb in hists.items():
        if name == "signal":
            continue
        c = _rebin(hb["counts"], 2, 4).T            # coarser grid: smooth contours at modest statistics
        if c.max() <= 0:
            continue
        pe, me = hb["p_edges"][::2], hb["m2_edges"][::4]
        pc = 0.5 * (pe[1:] + pe[:-1])
        mc = 0.5 * (me[1:] + me[:-1])
        levels = c.max() * np.array([0.02, 0.3])
        ax.contour(pc, mc, c, levels=levels, colors=_COLORS.get(name, "k"), linewidths=[0.6, 1.2])
        handles.append(matplotlib.lines.Line2D([], [], color=_COLORS.get(name, "k"), label=name))
    for rid, (lo, hi), signal in regions:
        if signal:
            ax.axhspan(lo, hi, xmin=0, xmax=1, color="tab:cyan", alpha=0.15)
            ax.text(momentum_range[1] + 0.3, 0.5 * (lo + hi), rid, va="center", fontsize=8, color="tab:cyan")
        else:
            for y in (lo, hi):
                ax.axhline(y, color="0.6", lw=0.5, ls=":")
            ax.text(momentum_range[0] - 0.3, 0.5 * (lo + min(hi, 0.1)), rid, va="center", ha="right", fontsize=7, color="0.4")
    for x in momentum_range:
        ax.axvline(x, color="tab:cyan", lw=0.8, ls="--")
    ax.set_xlabel(r"$p_{\pi^+}$ [GeV/$c$]")
    ax.set_ylabel(r"$m^2_{\rm miss}$ [GeV$^2/c^4$]")
    ax.set_ylim(-0.06, 0.10)
    ax.set_title(title, fontsize=10)
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.25, 1.0),
                  title="backgrounds before PID and\nveto weights (2%, 30% of max)", title_fontsize=7)
    return save(fig, path_stem)


def plot_budget(comparison: list[dict], title: str, path_stem: Path) -> list[str]:
    """Expected background per source: simulation, data-driven and published (log scale); a source whose
    ``validation_status`` (kaonportal.validation) is tension or disagree carries it in its label."""
    names = [c["source"] + (f"  [{c['validation_status']}]" if c.get("validation_status") in ("tension", "disagree")
                            else "") for c in comparison]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(names) + 1.5))
    floor = 1e-4
    for k, (key, lab, col, off) in enumerate([("simulation", "this run: simulation", "tab:blue", -0.25),
                                              ("data_driven", "this run: data-driven method", "tab:green", 0.0),
                                              ("published", "published", "k", 0.25)]):
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
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(floor, 100)
    ax.set_xlabel("expected events in R1 + R2")
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    ax.grid(axis="x", alpha=0.3)
    return save(fig, path_stem)


def plot_cutflow(flows: dict[str, list[dict]], title: str, path_stem: Path) -> list[str]:
    """Cumulative weighted efficiency after each cut, one line per sample."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    labels = None
    for name, rows in flows.items():
        ids = [r["id"] for r in rows]
        eff = [max(r["cumulative"], 1e-12) for r in rows]
        ax.plot(range(len(ids)), eff, marker="o", label=name)
        if labels is None or len(ids) > len(labels):
            labels = ids
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("cumulative efficiency per fiducial decay")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save(fig, path_stem)
