"""`kaonportal pileup`: pile-up predictions of a card versus beam intensity (kaonportal.analyses.intensity)."""

from __future__ import annotations

__all__ = ["register"]

import math

import typer

from ._common import cli_errors, emit_json


def _scales(text: str) -> list[float]:
    from ..errors import InputError
    try:
        vals = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError("--intensity-scale", f"must be comma-separated numbers > 0, got {text!r}") from None
    if not vals or any(not math.isfinite(v) or v <= 0 for v in vals):
        raise InputError("--intensity-scale", f"must be comma-separated finite numbers > 0, got {text!r}")
    return vals


def register(app: typer.Typer) -> None:
    """Add ``kaonportal pileup``."""

    @app.command("pileup")
    @cli_errors
    def pileup(card: str = typer.Option("na62-2022", "--card", help="Card name or YAML path."),
               intensity_scale: str = typer.Option("1,2,4", "--intensity-scale",
                                                   help="Comma-separated intensities relative to the card's beam rate."),
               seed: int = typer.Option(1, "--seed", min=0, help="Seed of the accidental library and track sample."),
               json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")):
        """Random veto efficiency (with its breakdown), K-pi accidental matching and KTAG/GTK accidentals
        predicted by the pile-up model (kaonportal.simulation.pileup), per intensity. Rates in MHz."""
        from ..analyses.intensity import predict, predicted_random_veto, predicted_random_veto_error, random_veto_check
        from ..detector import load_card
        from ..simulation import pileup as P
        from ..validation.rule import MARKS
        scales = _scales(intensity_scale)
        c = load_card(card)
        preds = predict(c, scales, seed=seed)
        lib = P.build_library(c, seed)
        # the prediction at the nominal rate against the published value (registry area pileup): the
        # published number is at 1x, so only that row carries the status
        check = random_veto_check(c.name, predicted_random_veto(c, (1.0,), seed)[1.0],
                                  predicted_random_veto_error(c, seed))
        out = {"card": c.name, "published_random_veto_efficiency": c.run_conditions.random_veto_efficiency,
               "random_veto_check": check, "predictions": [p.as_dict() for p in preds],
               "random_veto_loss_by_species_and_detector": {str(x): P.random_veto_breakdown(P.scaled_card(c, x), lib)
                                                            for x in scales}}
        if json_out:
            emit_json(out)
            return
        typer.echo(f"card {c.name}: card (published, at 1x) eps_RV {c.run_conditions.random_veto_efficiency:g}")
        typer.echo(f"{'scale':>6} {'rate MHz':>9} {'eps_RV':>11} {'K-pi acc.':>9} {'mismatch':>8} "
                   f"{'KTAG acc.':>9} {'GTK acc.':>8}")
        mark = f" {MARKS[check['status']]}" if check["status"] in MARKS else ""
        for p in preds:
            eps = f"{p.random_veto_efficiency:.4f}" + (mark if p.intensity_scale == 1.0 else "")
            typer.echo(f"{p.intensity_scale:6g} {p.beam_rate_mhz:9.0f} {eps:>11} "
                       f"{p.kpi_accidental_match:9.4f} {p.kpi_mismatch:8.4f} {p.ktag_accidental_probability:9.4f} "
                       f"{p.gtk_accidental_mean:8.3f}")
        if check["status"] is not None:
            typer.echo(f"eps_RV at 1x{mark}: {check['note']}")
