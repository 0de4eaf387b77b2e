"""`kaonportal beamdump --model dark-photon --channels ee,mumu --pot 1.4e17 --grid 100x100 --out DIR [--json]`."""

from __future__ import annotations

__all__ = ["register"]

from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError
from ._common import cli_errors, emit_json, guard_output, progress, stderr


@cli_errors
def beamdump_cmd(
    model: str = typer.Option("dark-photon", "--model", help="Portal model name or PBC label (BC1...)."),
    channels: str = typer.Option("ee,mumu", "--channels",
                                 help="Comma-separated final states: ee, mumu, pipi, pipigamma, pipipi0, "
                                      "pipi2pi0, pipieta, KK, KKpi0, gg, pie, pimu (HNL)."),
    pot: float = typer.Option(1.4e17, "--pot", help="Protons on target (>= 0). 2021 data: 1.4e17."),
    grid: str = typer.Option("100x100", "--grid", help="NMASSxNCOUPLING, log-spaced."),
    mass_range: Optional[str] = typer.Option(None, "--mass-range",
                                             help="LOW,HIGH in GeV (default: model range within 0.01-2)."),
    coupling_range: Optional[str] = typer.Option(None, "--coupling-range", help="LOW,HIGH of the model's coupling."),
    observed: Optional[int] = typer.Option(None, "--observed",
                                           help="Observed events (default: published 2021 numbers; "
                                                "at another --pot the background-only median)."),
    background: Optional[float] = typer.Option(None, "--background",
                                               help="Expected background events (default: published 2021, "
                                                    "scaled to --pot)."),
    projection_pot: float = typer.Option(1e18, "--projection-pot", help="POT for the expected (projected) contour."),
    cl: float = typer.Option(0.9, "--cl", help="Confidence level."),
    method: str = typer.Option("cls", "--method", help="cls or fc."),
    n_per_mass: int = typer.Option(10000, "--n-per-mass", help="X events simulated per mechanism and mass."),
    a_scaling: str = typer.Option("pp", "--a-scaling",
                                  help="pp -> p Cu scaling of soft-meson yields: pp (1), wounded (1.86) or a number."),
    decay_volume: Optional[str] = typer.Option(None, "--decay-volume",
                                               help="Z1,Z2 of the decay volume in m (default 105,180)."),
    trigger_efficiency: float = typer.Option(1.0, "--trigger-efficiency", help="A_trig in [0, 1]."),
    seed: int = typer.Option(1, "--seed", help="Random seed (recorded in the outputs)."),
    card: str = typer.Option("na62-2022", "--card", help="Detector card name or YAML path."),
    out: Path = typer.Option(..., "--out", help="Output directory (contour.csv, projection.csv, "
                                                "contour.png/pdf, yields.npz, summary.json)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS|local:N",
                                            help="Compute the mass columns as tasks on a dask.distributed "
                                                 "scheduler (tcp://HOST:PORT) or a LocalCluster of N processes "
                                                 "(local:N); same results. Needs pip install "
                                                 "\"kaonportal[distributed]\"."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output directory."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON summary object on stdout."),
):
    """Beam-dump exclusion contour in the (mass, coupling) plane: N = N_POT chi P_decay A_acc A_trig."""
    from ..beamdump.analysis import parse_grid, parse_range, run_beamdump, write_outputs

    if pot < 0:
        raise InputError("pot", f"must be >= 0 protons on target, got {pot:g}")
    g = parse_grid(grid)
    mr = parse_range("mass_range", mass_range)
    cr = parse_range("coupling_range", coupling_range)
    if (observed is None) != (background is None):
        raise InputError("observed", "give both --observed and --background, or neither (published 2021 numbers)")
    from ..beamdump.setup import BeamDumpSetup

    try:
        a_scale = float(a_scaling)
    except ValueError:
        a_scale = a_scaling
    dv = parse_range("decay_volume", decay_volume)
    setup = BeamDumpSetup(trigger_efficiency=trigger_efficiency, **({"decay_volume": dv} if dv else {}))
    guard_output(out, force, field="out")
    from ..distributed import check_scheduler, use_scheduler
    check_scheduler(scheduler)
    with use_scheduler(scheduler), progress() as bar:
        task = bar.add_task("beam-dump grid", total=g[0])
        res = run_beamdump(model, channels, pot, g, mass_range=mr, coupling_range=cr, observed=observed,
                           background=background, projection_pot=projection_pot, cl=cl, method=method,
                           seed=seed, n_per_mass=n_per_mass, card=card, setup=setup, a_scaling=a_scale,
                           progress=lambda i, n: bar.update(task, completed=i))
    summary = write_outputs(res, out)
    if json_out:
        emit_json(summary)
    else:
        ex = summary["observed"]
        stderr.print(f"wrote {out}: {ex['excluded_cells']} excluded cells at {pot:.3g} POT "
                     f"(N_UL = {ex['signal_events_limit']:.3g}); max N_exp = {summary['max_expected_events']:.3g}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("beamdump")(beamdump_cmd)
