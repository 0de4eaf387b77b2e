"""`kaonportal beamdump --model dark-photon --channels ee,mumu --pot 1.4e17 --grid 100x100 --out DIR [--json]`."""

from __future__ import annotations

__all__ = ["register"]

from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError
from ._common import cli_errors, emit_json, guard_output, option_fields, progress, scheduler_option, stderr


@cli_errors
@option_fields      # errors name --pot, --mass-range, ... (issue 14 'Bad input')
def beamdump_cmd(
    model: str = typer.Option("dark-photon", "--model", help="Portal model name or PBC label (BC1...)."),
    channels: Optional[str] = typer.Option(None, "--channels",
                                           help="Comma-separated final states: ee, mumu, pipi, pipigamma, pipipi0, "
                                                "pipi2pi0, pipieta, KK, KKpi0, gg, pie, pimu (HNL). Default: the "
                                                "model's channels with published NA62 2021 counts (dark photon: "
                                                "ee,mumu); those left out are named."),
    pot: float = typer.Option(1.4e17, "--pot", help="Protons on target (> 0). 2021 data: 1.4e17."),
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
    observed_masses: Optional[str] = typer.Option(None, "--observed-masses",
                                                  help="M1,M2,... GeV: reconstructed invariant masses of the "
                                                       "--observed events, one each; an event then counts only for "
                                                       "the mass hypotheses whose invariant-mass window holds it "
                                                       "(without: at every mass; the published 2021 mu mu event "
                                                       "carries its 0.411 GeV)."),
    projection_pot: float = typer.Option(1e18, "--projection-pot", help="POT for the expected (projected) contour."),
    cl: float = typer.Option(0.9, "--cl", help="Confidence level."),
    method: str = typer.Option("cls", "--method", help="cls or fc."),
    n_per_mass: int = typer.Option(10000, "--n-per-mass", help="X events simulated per mechanism and mass."),
    a_scaling: str = typer.Option("alpha", "--a-scaling",
                                  help="pp -> p Cu scaling of soft-meson yields: alpha (measured forward "
                                       "A^alpha(x_F, p_T), Bonesini et al. EPJC 20 (2001) 13), pp (1), wounded "
                                       "(1.86) or a number."),
    decay_volume: Optional[str] = typer.Option(None, "--decay-volume",
                                               help="Z1,Z2 of the decay volume in m (default 105,180)."),
    trigger_efficiency: float = typer.Option(1.0, "--trigger-efficiency", help="A_trig in [0, 1]."),
    channel_efficiency: Optional[str] = typer.Option(None, "--channel-efficiency",
                                                     help="CHANNEL=EFF,...: per-channel trigger x identification x "
                                                          "selection efficiency in [0, 1] replacing the shipped one "
                                                          "(NA62's values, 1 where not published; --explain lists "
                                                          "them)."),
    brems_form_factor: str = typer.Option("auto", "--brems-form-factor",
                                          help="Proton form factor of A' bremsstrahlung: none (published 2021 "
                                               "dilepton analyses), timelike (VMD, EPJC 85 (2025) 571) or auto "
                                               "(none for ee/mumu only, timelike with hadronic channels)."),
    meson_tff: Optional[str] = typer.Option(None, "--meson-tff",
                                            help="Dark photon only: meson transition form factors in P -> gamma A' "
                                                 "and V -> P A', pole (measured, the model's default) or none "
                                                 "(point-like vertex, to reproduce a result made without them)."),
    eta_ratio: str = typer.Option("na27", "--eta-ratio",
                                  help="Eta spectrum of every eta-produced X: na27 (Pythia 8 reweighted to NA27's "
                                       "measured eta/pi0 versus p_T, the default) or pythia (the raw table, about "
                                       "twice NA27's soft etas; to reproduce a result made with it)."),
    explain: Optional[str] = typer.Option(None, "--explain",
                                          help="MASS,COUPLING: print the yield budget N_POT chi P_decay BR A_acc "
                                               "A_trig per mechanism and channel (and add it to summary.json)."),
    seed: int = typer.Option(1, "--seed", help="Random seed (recorded in the outputs)."),
    card: str = typer.Option("na62-2022", "--card", help="Detector card name or YAML path."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output directory (contour.csv, projection.csv, "
                                                           "contour.png (and the --plot-formats), yields.npz, "
                                                           "summary.json); optional with --explain."),
    plot_formats: str = typer.Option("png", "--plot-formats", help="Image formats of the contour plot, "
                                     "comma-separated: png, pdf, svg."),
    scheduler: Optional[str] = scheduler_option("the beam-dump mass columns"),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output directory."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON summary object on stdout."),
):
    """Beam-dump exclusion contour in the (mass, coupling) plane: N = N_POT chi P_decay BR A_acc A_trig."""
    import math

    from ..beamdump.analysis import check_mass_range, check_run_inputs, parse_grid, run_beamdump, write_outputs
    from ..beamdump.budget import parse_explain, yield_budget
    from ..report.style import parse_plot_formats
    from ..report.style import plot_formats as formats_of_plots

    from ..distributed import check_scheduler, use_scheduler

    formats = parse_plot_formats(plot_formats)
    check_scheduler(scheduler)

    # one check per option, NaN and inf included, each message stating the allowed range; the options run_beamdump
    # takes are checked by its check_run_inputs (below), the POTs here too: the CLI asks for > 0 (0 protons give no
    # limit) where the API accepts 0
    if not (math.isfinite(pot) and 0 < pot <= 1e22):
        raise InputError("pot", f"must be a finite number in (0, 1e22] protons on target (2021 data: 1.4e17), "
                                f"got {pot:g}")
    if not (math.isfinite(projection_pot) and 0 < projection_pot <= 1e22):
        raise InputError("projection_pot", f"must be a finite number in (0, 1e22] protons on target (Run 2 goal: "
                                           f"1e18), got {projection_pot:g}")
    if not 0 <= trigger_efficiency <= 1:
        raise InputError("trigger_efficiency", f"must be a finite number in [0, 1], got {trigger_efficiency:g}")
    point = parse_explain(explain) if explain is not None else None
    if out is None and point is None:
        raise InputError("out", "an output directory is needed (--out DIR), unless only --explain is asked")
    g = parse_grid(grid)
    from ..beamdump.yields import resolve_model

    mdl = resolve_model(model)
    lo, hi = mdl.mass_range
    mr = _range("mass_range", mass_range, f"LOW < HIGH in [{lo:.3g}, {hi:.3g}] GeV (validity range of {mdl.name})")
    cr = _range("coupling_range", coupling_range, f"0 < LOW < HIGH of the coupling {mdl.coupling_name}")
    if (observed is None) != (background is None):
        raise InputError("observed", "give both --observed and --background, or neither (published 2021 numbers)")
    from ..beamdump.setup import BeamDumpSetup

    try:
        a_scale = float(a_scaling)
    except ValueError:
        a_scale = a_scaling
    dv = _range("decay_volume", decay_volume, "0 < Z1 < Z2 in m (default 105,180)")
    from ..beamdump.efficiencies import parse_channel_efficiency

    setup = BeamDumpSetup(trigger_efficiency=trigger_efficiency, brems_form_factor=brems_form_factor,
                          channel_efficiency=parse_channel_efficiency(channel_efficiency), eta_ratio=eta_ratio,
                          **({"decay_volume": dv} if dv else {}))
    from ..beamdump.analysis import default_ranges
    from ..beamdump.channel_choice import resolve_channels
    if meson_tff is not None:
        from ..models import get_model

        from ..models.transition_ff import TFF_CHOICES

        if meson_tff not in TFF_CHOICES:
            raise InputError("meson_tff", f"must be one of {', '.join(TFF_CHOICES)}, got {meson_tff!r}")
        try:
            mdl = get_model(model, transition_form_factor=meson_tff)
        except InputError:
            raise InputError("meson_tff", f"only the dark photon (BC1, dark-photon) has meson transition form "
                                          f"factors; not {model!r}") from None
    # before any simulation: the default channels follow the model; each channel asked must open on the grid
    chans, left_out = resolve_channels(mdl, channels, (mr or default_ranges(mdl)[0])[1])
    from ..beamdump.counts import check_observed_masses

    obs_masses = check_observed_masses(observed_masses, observed, mdl.mass_range)
    # every input is checked before the output directory is looked at (and before any simulation)
    check_run_inputs(pot=pot, projection_pot=projection_pot, cl=cl, n_per_mass=n_per_mass, observed=observed,
                     background=background, seed=seed, method=method, a_scaling=a_scale, card=card)
    lo, hi = mdl.mass_range
    if point is not None and not lo <= point[0] <= hi:
        raise InputError("explain", f"MASS must lie within the validity range [{lo:.3g}, {hi:.3g}] GeV of "
                                    f"{mdl.name}, got {point[0]:g}")
    if mr is not None:
        check_mass_range(mdl, mr)
    if out is not None:
        guard_output(out, force, field="out")
    budget = None
    if point is not None:
        budget = yield_budget(mdl, point[0], point[1], chans, pot=pot, card=card, setup=setup,
                              n_per_mass=n_per_mass, seed=seed, a_scaling=a_scale)
        if out is None:
            if json_out:
                emit_json({**budget.as_dict(), "channels_left_out": left_out})
            else:
                print(budget.table())
            _say(_left_out_line(chans, left_out))
            return
        _print_budget_table(budget.table(), json_out)
    with use_scheduler(scheduler), progress() as bar:
        task = bar.add_task("beam-dump grid", total=g[0])
        res = run_beamdump(mdl, chans, pot, g, mass_range=mr, coupling_range=cr, observed=observed,
                           background=background, observed_masses=obs_masses, projection_pot=projection_pot, cl=cl, method=method,
                           seed=seed, n_per_mass=n_per_mass, card=card, setup=setup, a_scaling=a_scale,
                           progress=lambda i, n: bar.update(task, completed=i))
    res.inputs["channels_left_out"] = left_out
    with formats_of_plots(formats):
        summary = write_outputs(res, out, budget=budget)
    _say(_left_out_line(chans, left_out))
    for note in summary["contour_open_at_grid_edge"]["notes"] + summary["observed_events"]["notes"]:
        _say(note)
    for cmp in summary["band_edges"]["published_comparison"]:      # edges against a shipped NA62 contour
        _say(cmp["statement"])
    if json_out:
        emit_json(summary)
    else:
        from ..beamdump.counts import limit_statement

        ex = summary["observed"]
        # the limit depends on the mass when an observed event counts only in its mass window (beamdump.counts)
        limit = limit_statement(ex["signal_events_limit"], ex.get("signal_events_limit_per_mass"), res.grid.masses)
        _say(f"wrote {out}: {ex['excluded_cells']} excluded cells at {pot:.3g} POT ({limit}); "
             f"max N_exp = {summary['max_expected_events']:.3g}")


def _print_budget_table(table: str, json_out: bool) -> None:
    """The --explain table as it is (its lines are up to ~180 columns: never re-wrapped by the console): on stdout,
    or on stderr with --json, whose stdout is the one JSON object."""
    import sys

    (sys.stderr if json_out else sys.stdout).write(table + "\n")


def _range(field: str, text: str | None, allowed: str) -> tuple[float, float] | None:
    """``LOW,HIGH`` of an option (:func:`~kaonportal.beamdump.analysis.parse_range`); its error (NaN and inf
    included) ends with the allowed range: finite numbers, ``allowed``."""
    from ..beamdump.analysis import parse_range

    try:
        return parse_range(field, text)
    except InputError as exc:
        raise InputError(field, f"{exc.message}; allowed: finite {allowed}") from None


def _say(line: str | None) -> None:
    if line:
        stderr.print(line, highlight=False, markup=False, soft_wrap=True)


def _left_out_line(chans, left_out: dict) -> str | None:
    """One line naming the default channels and those left out, grouped by reason (None: nothing left out)."""
    if not left_out:
        return None
    by_reason: dict = {}
    for ch, why in left_out.items():
        by_reason.setdefault(why, []).append(ch)
    parts = "; ".join(f"{','.join(chs)}: {why}" for why, chs in by_reason.items())
    return f"default channels {','.join(chans)}; left out {parts}"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("beamdump")(beamdump_cmd)
