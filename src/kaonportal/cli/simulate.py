"""`kaonportal simulate DECAY -n N --seed S --card NAME [--z-range Z1 Z2] -o FILE [--json]`.

Variance-reduction options of :func:`kaonportal.simulation.simulate` (both off by default, when the
output is unchanged): ``--force-decays`` (in-flight decays forced before STRAW1, their probability in
the column ``weight_forced_decay``) and ``--veto-average K`` (veto probability of each pi0's photon
pair averaged over K isotropic orientations; column ``w_photon_veto_escape``). Their meaning and
validation live in :mod:`kaonportal.simulation.engine`; this module only passes them on.
``--extra-columns`` adds optional columns (``kaonportal.simulation.schema.OPTIONAL_COLUMNS``, e.g.
``n_photons_lkr,m_gg_lkr``) after the default ones; the default columns are unchanged.
``--columns`` chooses what the file holds: ``lean`` (default, :data:`kaonportal.simulation.schema.FILE_COLUMNS`
in narrowed types), ``all`` (every column at full precision, as the in-memory table) or a list of names.
``--scheduler ADDRESS|local:N`` runs the blocks as dask tasks (:mod:`kaonportal.distributed`); same file.
"""

from __future__ import annotations

__all__ = ["register"]

import contextlib
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError
from ..atomic import OutputLock
from ._common import cli_errors, emit_json, guard_output, hold, progress, scheduler_option, stderr


def _flat_phase_space_note(decay: str) -> str | None:
    """The model name when ``decay`` has no matrix element (flat phase space), after a warning on stderr."""
    from ..decays import decay_model
    name, model, has_me = decay_model(decay)
    if has_me:
        return None
    stderr.print(f"warning: {name} has no matrix element in kaonportal: generated with flat phase space; spectra and "
                 "angles are those of phase space (see 'kaonportal decays list')", highlight=False, markup=False,
                 soft_wrap=True)
    return model


@cli_errors
def simulate_cmd(
    decay: str = typer.Argument(..., help='Decay string, e.g. "K+ -> pi+ pi0" (parent K+ or pi+).'),
    n: int = typer.Option(..., "-n", "--n", help="Number of events (>= 1)."),
    seed: int = typer.Option(..., "--seed", help="Random seed (recorded in the output)."),
    card: str = typer.Option("na62-2022", "--card", help="Detector card name or YAML path."),
    z_range: Optional[tuple[float, float]] = typer.Option(None, "--z-range",
                                                help="Decay window z1 z2 in metres (default: the card's)."),
    output: Path = typer.Option(None, "-o", "--output", help="Output file: .parquet or .root."),
    mass: float = typer.Option(None, "--mass", help="New-particle mass in GeV (X, N, S, A', a modes)."),
    sampling: str = typer.Option("weights", "--sampling",
                                 help="weights: rare suppressions as per-event probabilities; "
                                      "deletion: realised as random 0/1 outcomes."),
    chunk_blocks: int = typer.Option(4, "--chunk-blocks", help="Blocks of 65536 events per chunk (the unit of "
                                     "resume; writing chunk k overlaps simulating chunk k+1)."),
    secondary: bool = typer.Option(True, "--secondary-decays/--no-secondary-decays",
                                   help="pi+ -> mu+ nu in flight before STRAW1."),
    muon_decays: bool = typer.Option(False, "--muon-decays/--no-muon-decays",
                                     help="mu+ -> e+ nu nubar in flight before STRAW1."),
    resume: bool = typer.Option(True, "--resume/--no-resume",
                                help="Keep finished chunks in OUTPUT.partial/ so that rerunning the same "
                                     "command after an interruption resumes it."),
    workers: int = typer.Option(1, "--workers", help="Threads running blocks concurrently (same output)."),
    force_decays: bool = typer.Option(False, "--force-decays",
                                      help="Force the enabled in-flight decays of the candidate before STRAW1, "
                                           "with their probability in the column weight_forced_decay "
                                           "(importance sampling: weight the events by it)."),
    veto_average: int = typer.Option(0, "--veto-average", metavar="K",
                                     help="Average the veto probability of each pi0 -> gamma gamma pair over K "
                                          "isotropic orientations (0 = off; integer 0..4096; needs "
                                          "--sampling weights)."),
    extra_columns: str = typer.Option("", "--extra-columns", metavar="NAMES",
                                      help="Comma-separated optional columns (schema.OPTIONAL_COLUMNS, e.g. "
                                           "n_photons_lkr,m_gg_lkr); the default columns are unchanged."),
    columns: str = typer.Option("lean", "--columns", metavar="lean|all|NAMES",
                                help="Columns written: lean (default; kaonportal.simulation.schema.FILE_COLUMNS, "
                                     "float32 for measured quantities, ~36 bytes/event), all (every column, "
                                     "full precision) or comma-separated names."),
    scheduler: Optional[str] = scheduler_option("the simulation blocks"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON summary object on stdout."),
):
    """Simulate decays of beam particles at GTK3 through the NA62 fast simulation.

    The summary gives the number generated, the decay fraction (probability for a beam particle of
    the parent species at GTK3 to decay inside the z window), the weighted fraction in the
    geometric acceptance, and the output path. Columns: kaonportal.simulation.schema.
    """
    from ..simulation import simulate

    from ..analyses.bounds import MAX_EVENTS
    if not 1 <= n <= MAX_EVENTS:
        # the upper end: ~200 bytes and ~10 us per event (analyses.bounds.MAX_EVENTS), 1e9 is ~200 GB and a day
        raise InputError("n", f"must be an integer in [1, {MAX_EVENTS:.0e}] events, got {n}")
    if output is None:
        raise InputError("output", "required (-o FILE.parquet or FILE.root)")
    guard_output(output, force)
    from ..distributed import check_scheduler
    from ..simulation.schema import check_columns
    check_scheduler(scheduler)
    check_columns(columns)
    flat = _flat_phase_space_note(decay)
    extras = tuple(c.strip() for c in extra_columns.split(",") if c.strip())
    zr = None if z_range is None or z_range[0] is None else (float(z_range[0]), float(z_range[1]))
    # connect to the scheduler (or stop with exit 2) before any file is made; simulate() reuses the client
    from ..distributed import use_scheduler
    connection = contextlib.ExitStack()
    connection.enter_context(use_scheduler(scheduler, field="--scheduler"))
    connection.release = connection.close          # released with the lock when the command returns (hold)
    hold(connection)
    partial = output.with_name(output.name + ".partial")
    # one writer per output file: a second `simulate -o` of the same file stops here (exit 2) instead of sharing
    # OUTPUT.partial/ with the first; the lock is released when the command returns (cli_errors)
    hold(OutputLock(output.with_name(f".{output.name}.lock"), "output", output).acquire())
    for stale in output.parent.glob(f".{output.name}.*.partial"):     # the event file of a killed run
        stale.unlink(missing_ok=True)
    try:
        with progress(disable=False) as bar:
            task = bar.add_task(f"simulate {decay}", total=n)
            res = simulate(decay, n, seed, card=card, z_range=zr, mass=mass, sampling=sampling,
                           chunk_blocks=chunk_blocks, output=output, force=force,
                           secondary_decays=secondary, muon_decays=muon_decays, resume=resume,
                           workers=workers, force_decays=force_decays, veto_average=veto_average,
                           extra_columns=extras, progress=lambda done: bar.update(task, completed=done),
                           columns=columns, **({"scheduler": scheduler} if scheduler else {}))
    except (Exception, KeyboardInterrupt) as exc:
        if resume and partial.is_dir() and not isinstance(exc, InputError):
            stderr.print(f"finished chunks kept in {partial}; rerun the same command to resume")
        raise
    summary = res.summary()
    # reported only when set, so that the summary of an ordinary run is unchanged
    if force_decays:
        summary["force_decays"] = True
    if veto_average:
        summary["veto_average"] = int(veto_average)
    if extras:
        summary["extra_columns"] = list(extras)
    if flat:
        summary["decay_model"] = flat
    if json_out:
        emit_json(summary)
    else:
        stderr.print(f"wrote {res.output}")
        for key in ("decay", "card", "seed", "z_range", "generated", "decay_fraction", "accepted",
                    "force_decays", "veto_average", "extra_columns", "decay_model"):
            if key in summary:
                typer.echo(f"{key:>15}: {summary[key]}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("simulate")(simulate_cmd)
