"""`kaonportal plot m2miss FILE -o FILE.png`: m2miss versus track momentum with the signal regions."""

from __future__ import annotations

__all__ = ["register"]

from pathlib import Path

import numpy as np
import typer

from ..errors import InputError, check_choice
from ._common import cli_errors, emit_json, guard_output

plot_app = typer.Typer(name="plot", no_args_is_help=True, help="Plots of simulated event files.")

#: K+ -> pi+ nu nubar regions in m2miss (GeV^2/c^4), na62_parameters.md 4a [FW] KinematicTails.cc (V)
SIGNAL_REGIONS = {"R1": (0.0, 0.010), "R2": (0.026, 0.068)}
#: pi+ momentum range 2018 and 2021-22 (GeV/c), na62_parameters.md 4a [JHEP21/JHEP25] (R)
MOMENTUM_RANGE = (15.0, 45.0)


def plot_m2miss(table, out: Path, hypothesis: str = "pi", title: str | None = None) -> dict:
    """Draw weighted m2miss (hypothesis pi/mu/e) versus p_track for single-track events in acceptance.

    Weights: ``weight_gen x decay_prob``. Returns a small summary (entries used, weighted sum).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    col = f"m2miss_{hypothesis}"
    need = [col, "p_track", "weight_gen", "decay_prob", "in_acceptance", "n_tracks"]
    missing = [c for c in need if c not in table.column_names]
    if missing:
        raise InputError("file", f"not a kaonportal event file: missing column(s) {', '.join(missing)}")
    d = {c: table.column(c).to_numpy(zero_copy_only=False) for c in need}
    sel = d["in_acceptance"] & (d["n_tracks"] == 1) & np.isfinite(d[col]) & np.isfinite(d["p_track"])
    w = (d["weight_gen"] * d["decay_prob"])[sel]
    fig, ax = plt.subplots(figsize=(7, 5))
    h = ax.hist2d(d["p_track"][sel], d[col][sel], bins=(100, 150), range=((0.0, 80.0), (-0.15, 0.15)),
                  weights=w, cmin=1e-300, cmap="viridis", norm=matplotlib.colors.LogNorm() if sel.any() else None)
    if sel.any():
        fig.colorbar(h[3], ax=ax, label="weighted events (weight_gen x decay_prob)")
    lo, hi = MOMENTUM_RANGE
    for name, (a, b) in SIGNAL_REGIONS.items():
        ax.add_patch(plt.Rectangle((lo, a), hi - lo, b - a, fill=False, ec="red", lw=1.5))
        ax.text(hi + 0.5, 0.5 * (a + b), name, color="red", va="center")
    ax.set_xlabel("track momentum p_track [GeV/c]")
    ax.set_ylabel(f"m2miss ({hypothesis} hypothesis) [GeV$^2$/c$^4$]")
    ax.set_title(title or "m2miss vs p_track (single track in acceptance)")
    fig.tight_layout()
    from ..atomic import atomic_path
    try:
        with atomic_path(out) as tmp:       # unique temporary name: two plots of one file do not collide
            fig.savefig(tmp, dpi=120, format=out.suffix.lstrip(".").lower() or None)
    finally:
        plt.close(fig)
    return {"entries": int(sel.sum()), "weighted": float(w.sum()), "output": str(out)}


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
