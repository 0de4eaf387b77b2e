"""`kaonportal stats measure|limit DATASETS.yaml`: counting-experiment statistics.

DATASETS.yaml lists datasets with ``name, observed, background``, optional ``background_error`` (or
``background_error_low`` / ``background_error_high``), ``ses`` and optional ``ses_error``
(see :mod:`kaonportal.stats.io`).
"""

from __future__ import annotations

__all__ = ["register"]

from pathlib import Path

import typer

from ._common import cli_errors, emit_json

stats_app = typer.Typer(name="stats", no_args_is_help=True,
                        help="Branching-ratio measurements and upper limits (CLs, Feldman-Cousins) "
                             "from counting datasets.")


def _fmt(x: float) -> str:
    return f"{x:.4g}"


@stats_app.command("measure")
@cli_errors
def measure_cmd(datasets: Path = typer.Argument(..., help="DATASETS.yaml"),
                json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")):
    """Maximum-likelihood branching ratio, 68% profile-likelihood errors and significance."""
    from ..stats import measure
    from ..stats.io import load_datasets

    ds = load_datasets(datasets)
    r = measure(ds)
    out = {"value": r.value, "error_low": r.error_low, "error_high": r.error_high,
           "significance": r.significance, "significance_exact": r.significance_exact,
           "p_value": r.p_value, "datasets": [d.name for d in ds]}
    if json_out:
        emit_json(out)
        return
    typer.echo(f"BR = {_fmt(r.value)} -{_fmt(r.error_low)} +{_fmt(r.error_high)} (68% CL, profile likelihood)")
    typer.echo(f"significance = {r.significance:.2f} sigma (asymptotic)"
               + (f", {r.significance_exact:.2f} sigma (discrete)" if r.significance_exact is not None else ""))


@stats_app.command("limit")
@cli_errors
def limit_cmd(datasets: Path = typer.Argument(..., help="DATASETS.yaml"),
              cl: float = typer.Option(0.9, "--cl", help="Confidence level, in (0, 1)."),
              method: str = typer.Option("cls", "--method", help="cls or fc (Feldman-Cousins)."),
              calculator: str = typer.Option("auto", "--calculator",
                                             help="CLs calculator: auto, exact, asymptotic, toys."),
              ntoys: int = typer.Option(2000, "--ntoys", help="Pseudo-experiments (toys calculator, bands)."),
              seed: int = typer.Option(0, "--seed", help="Random seed for pseudo-experiments."),
              json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")):
    """Upper limit on the branching ratio with the expected limit and its +-1, +-2 sigma bands."""
    from ..stats import upper_limit
    from ..stats.io import load_datasets
    from ..stats.limits import check_cl

    check_cl(cl)
    ds = load_datasets(datasets)
    lim = upper_limit(ds, cl=cl, method=method, calculator=calculator, ntoys=ntoys, seed=seed)
    out = {"upper_limit": lim.upper_limit, "signal_events_limit": lim.signal_events_limit, "cl": lim.cl,
           "method": lim.method, "calculator": lim.calculator, "expected": lim.expected, "seed": seed,
           "datasets": list(lim.datasets)}
    if json_out:
        emit_json(out)
        return
    e = lim.expected
    typer.echo(f"BR < {_fmt(lim.upper_limit)} at {100 * cl:g}% CL ({method}, {lim.calculator}); "
               f"{lim.signal_events_limit:.3f} signal events")
    typer.echo(f"expected: {_fmt(e['median'])} [-1s {_fmt(e['minus1'])}, +1s {_fmt(e['plus1'])}; "
               f"-2s {_fmt(e['minus2'])}, +2s {_fmt(e['plus2'])}]")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.add_typer(stats_app, name="stats")
