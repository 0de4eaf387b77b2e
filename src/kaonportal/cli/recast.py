"""`kaonportal recast MODEL --out DIR [--searches all|LIST] [--pot N] [--projection FILE]
[--scheduler ADDRESS|local:N] [--json]` and
`kaonportal models export BC4 -o bc4.yaml`.

MODEL: a built-in name or PBC label, a YAML model file (:mod:`kaonportal.models.tabulated`) or a
``module:Class`` entry point. Every input (model file, searches, grid, ranges, projection configuration,
output directory) is checked before any simulation; bad input is one line naming the field, exit 2.
"""

from __future__ import annotations

__all__ = ["register"]

import math
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError
from ._common import cli_errors, emit_json, guard_output, progress, scheduler_option, stderr


@cli_errors
def recast_cmd(
    model: str = typer.Argument(..., help="Built-in model (name or BC label), a YAML model file, or module:Class."),
    out: Path = typer.Option(..., "--out", help="Output directory (combined.csv, curves/, hepdata/, recast.png, "
                                                "summary.json)."),
    searches: str = typer.Option("all", "--searches", help="all, or a comma list of: kpix, visible-x-gg, "
                                 "visible-x-mumu, hnl-kp-e, hnl-kp-mu, hnl-pip-e, kmunux, pi0-gamma-x, dump."),
    pot: float = typer.Option(1e18, "--pot", help="Protons on target of the beam-dump projection (Run 2 goal: 1e18)."),
    projection: Optional[str] = typer.Option(None, "--projection",
                                             help="Search configuration of the kaon-mode projection: a shipped name "
                                                  "(projection-4x: 4x the kaon decays, hnl also at 4x intensity) or a "
                                                  "YAML file (kaonportal run --config format)."),
    grid: str = typer.Option("50x50", "--grid", help="NMASSxNCOUPLING, log-spaced."),
    mass_range: Optional[str] = typer.Option(None, "--mass-range", help="LOW,HIGH in GeV (default: the model's "
                                                                        "range, at most 2 GeV)."),
    coupling_range: Optional[str] = typer.Option(None, "--coupling-range", help="LOW,HIGH of the model's coupling."),
    searches_from: Optional[Path] = typer.Option(None, "--searches-from",
                                                 help="Read the searches' limit curves from this `kaonportal run` "
                                                      "(or recast) directory instead of running them."),
    quick: bool = typer.Option(False, "--quick", help="Run the searches in quick mode (coarser, fewer events)."),
    seed: int = typer.Option(1, "--seed", help="Random seed of the searches and the beam dump."),
    n_per_mass: int = typer.Option(2000, "--n-per-mass", help="Beam-dump X events simulated per mechanism and mass."),
    card: str = typer.Option("na62-2022", "--card", help="Detector card of the beam dump."),
    plot_formats: str = typer.Option("png", "--plot-formats", help="png, pdf, svg (comma-separated)."),
    scheduler: Optional[str] = scheduler_option("the search sections' simulation blocks and the beam-dump "
                                                "mass columns"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output directory."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON summary object on stdout."),
):
    """Recast a model on every NA62 search (kaon mode and beam dump): exclusions, combination, projection."""
    from ..beamdump.analysis import parse_grid, parse_range
    from ..distributed import check_scheduler, use_scheduler
    from ..models.tabulated import load_model
    from ..recast import RecastConfig, parse_search_list, run_recast, write_outputs
    from ..report.style import parse_plot_formats

    formats = parse_plot_formats(plot_formats)
    check_scheduler(scheduler)          # bad input: exit 2 before anything runs (no connection yet)
    if not math.isfinite(pot) or pot <= 0:
        raise InputError("pot", f"must be a finite number > 0 of protons on target (Run 2 goal: 1e18), got {pot:g}")
    if seed < 0:
        raise InputError("seed", f"must be a non-negative integer, got {seed}")
    if n_per_mass < 1:
        raise InputError("n_per_mass", f"must be >= 1, got {n_per_mass}")
    names = parse_search_list(searches)
    n_m, n_c = parse_grid(grid)
    mr = parse_range("mass_range", mass_range)
    cr = parse_range("coupling_range", coupling_range)
    mdl = load_model(model)
    if mr is not None:
        lo, hi = mdl.production_mass_range or mdl.mass_range
        if not lo <= mr[0] < mr[1] <= hi:
            raise InputError("mass_range", f"must lie within [{lo:.3g}, {hi:.3g}] GeV for {mdl.name}, got "
                                           f"{mr[0]:g},{mr[1]:g}")
    if projection is not None:
        from ..analyses.searches import check_section_inputs, section_configs
        for sec, block in section_configs(projection).items():
            check_section_inputs(sec, block, field=f"projection.{sec}")
    if searches_from is not None and not (searches_from / "curves").is_dir():
        raise InputError("searches_from", f"{searches_from} has no curves/ directory (a `kaonportal run` output)")
    guard_output(out, force, field="out")
    cfg = RecastConfig(names, n_mass=n_m, n_coupling=n_c, mass_range=mr, coupling_range=cr, pot=pot,
                       projection=projection, searches_from=searches_from, seed=seed, quick=quick,
                       n_per_mass=n_per_mass, card=card)
    # connected before any file is made (an unreachable scheduler leaves no half-made directory); the search
    # sections' simulate() and the beam-dump yields (ordered_map) use the active client, same results
    with use_scheduler(scheduler):
        out.mkdir(parents=True, exist_ok=True)
        with progress() as bar:
            task = bar.add_task("search sections", total=None)
            res = run_recast(mdl, cfg, out, progress=lambda i, n: bar.update(task, completed=i, total=n))
    summary = write_outputs(res, out, formats)
    if json_out:
        emit_json(summary)
    else:
        u = summary["union"]
        stderr.print(f"wrote {out}: {len(res.outcomes)} searches; union "
                     + (f"excludes m = {u['mass_gev'][0]:.3g}-{u['mass_gev'][1]:.3g} GeV" if u else "excludes nothing")
                     + (f"; skipped: {', '.join(res.skipped)}" if res.skipped else ""))


@cli_errors
def export_cmd(model: str = typer.Argument(..., help="Built-in model name or PBC label (BC1 ... BC11)."),
               output: Path = typer.Option(..., "-o", "--output", help="YAML file to write."),
               n_masses: int = typer.Option(400, "--n-masses", help="Masses of the log-spaced grid (>= 2)."),
               force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
               json_out: bool = typer.Option(False, "--json", help="Print one JSON summary object on stdout.")):
    """Export a built-in model as a tabulated YAML model file (a starting point for your own model)."""
    from ..models import get_model
    from ..models.export import export_model, write_model_yaml
    mdl = get_model(model)
    guard_output(output, force, field="output")
    path = write_model_yaml(export_model(mdl, n_masses), output)
    if json_out:
        emit_json({"model": mdl.name, "label": mdl.label, "output": str(path), "n_masses": n_masses})
        return
    stderr.print(f"wrote {path}: {mdl.name} ({mdl.label}) on {n_masses} masses")


def register(app: typer.Typer) -> None:
    """Add ``recast`` and ``models export`` to the top-level app."""
    from .models import models_app
    app.command("recast")(recast_cmd)
    models_app.command("export")(export_cmd)
