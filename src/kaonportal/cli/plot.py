"""`kaonportal plot m2miss FILE -o FILE.png`: m2miss versus track momentum with the signal regions."""

from __future__ import annotations

__all__ = ["register"]

from pathlib import Path

import numpy as np
import typer

from ..errors import InputError, check_choice
from ._common import cli_errors, emit_json, guard_output

plot_app = typer.Typer(name="plot", no_args_is_help=True, help="Plots of simulated event files.")

#: K+ -> pi+ nu nubar regions in m2miss (GeV^2/c^4), [FW KinematicTails.cc] (V)
SIGNAL_REGIONS = {"R1": (0.0, 0.010), "R2": (0.026, 0.068)}
#: pi+ momentum range 2018 and 2021-22 (GeV/c), [JHEP21; JHEP25] (R)
MOMENTUM_RANGE = (15.0, 45.0)


def plot_m2miss(table, out: Path, hypothesis: str = "pi", title: str | None = None) -> dict:
    """Draw weighted m2miss (hypothesis pi/mu/e) versus p_track for single-track events in acceptance.

    Weights: ``weight_gen x decay_prob``, filled into a ``hist`` histogram with Weight storage (per-bin
    variances). Returns a small summary (entries used, weighted sum and its statistical error).
    """
    from ..report.style import styled

    col = f"m2miss_{hypothesis}"
    need = [col, "p_track", "weight_gen", "decay_prob", "in_acceptance", "n_tracks"]
    missing = [c for c in need if c not in table.column_names]
    if missing:
        raise InputError("file", f"not a kaonportal event file: missing column(s) {', '.join(missing)}")
    d = {c: table.column(c).to_numpy(zero_copy_only=False) for c in need}
    sel = d["in_acceptance"] & (d["n_tracks"] == 1) & np.isfinite(d[col]) & np.isfinite(d["p_track"])
    w = (d["weight_gen"] * d["decay_prob"])[sel]
    styled(_draw_m2miss)(d["p_track"][sel], d[col][sel], w, out, hypothesis, title)
    return {"entries": int(sel.sum()), "weighted": float(w.sum()), "weighted_error": float(np.sqrt(np.sum(w * w))),
            "output": str(out)}


def _draw_m2miss(p, m2, w, out: Path, hypothesis: str, title: str | None) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    from ..report.plots import m2miss_hist
    from ..report.style import save

    h = m2miss_hist(p, m2, w, bins_p=(0.0, 80.0, 100), bins_m=(-0.15, 0.15, 150))
    fig, ax = plt.subplots(figsize=(7, 5))
    vals = np.ma.masked_less_equal(h.values().T, 0)
    if vals.count():
        mesh = ax.pcolormesh(h.axes[0].edges, h.axes[1].edges, vals, cmap="viridis", rasterized=True,
                             norm=matplotlib.colors.LogNorm())
        fig.colorbar(mesh, ax=ax, label=r"weighted events ($w_{\mathrm{gen}} \times P_{\mathrm{decay}}$)")
    lo, hi = MOMENTUM_RANGE
    for name, (a, b) in SIGNAL_REGIONS.items():
        ax.add_patch(plt.Rectangle((lo, a), hi - lo, b - a, fill=False, ec="#D55E00", lw=1.5,
                                   label=r"$K^+\to\pi^+\nu\bar{\nu}$ signal regions" if name == "R1" else None))
        ax.text(hi + 0.5, 0.5 * (a + b), name, color="#D55E00", va="center")
    particle = {"pi": r"\pi", "mu": r"\mu", "e": "e"}[hypothesis]
    ax.set_xlabel(r"$p_{\mathrm{track}}$ [GeV/$c$]")
    ax.set_ylabel(rf"$m^2_{{\mathrm{{miss}}}}$ (${particle}^+$ hypothesis) [GeV$^2/c^4$]")
    ax.set_title(title or "m2miss vs p_track (single track in acceptance)", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    written = save(fig, out.with_suffix(""), formats=[out.suffix.lstrip(".").lower()])
    if Path(written[0]) != out:                     # e.g. an upper-case suffix: keep the name the user gave
        Path(written[0]).replace(out)


@plot_app.command("m2miss")
@cli_errors
def m2miss_cmd(file: Path = typer.Argument(..., help="Event file from `kaonportal simulate` (.parquet/.root)."),
               output: Path = typer.Option(..., "-o", "--output", help="Image file (.png, .pdf, .svg)."),
               hypothesis: str = typer.Option("pi", "--hypothesis", help="Track mass hypothesis: pi, mu or e."),
               force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
               json_out: bool = typer.Option(False, "--json", help="Print one JSON summary object.")):
    """m2miss versus track momentum with the K+ -> pi+ nu nubar signal regions R1 and R2."""
    from ..simulation import read_events

    check_choice("hypothesis", hypothesis, ("pi", "mu", "e"))
    if output.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError("output", f"unknown image type {output.suffix!r}; allowed: .png, .pdf, .svg")
    guard_output(output, force)
    try:
        table = read_events(file)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - unreadable input is a user error
        raise InputError("file", f"cannot read {file}: {exc}") from None
    summary = plot_m2miss(table, output, hypothesis, title=file.name)
    if json_out:
        emit_json(summary)
    else:
        typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.add_typer(plot_app, name="plot")
