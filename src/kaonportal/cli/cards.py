"""`kaonportal cards list` / `kaonportal cards show NAME`: the built-in detector cards."""

from __future__ import annotations

__all__ = ["register"]

import json
from pathlib import Path

import typer
import yaml

from ._common import cli_errors, emit_json

cards_app = typer.Typer(name="cards", no_args_is_help=True,
                        help="Detector cards (NA62 layout, resolutions, vetoes, PID) as validated YAML.")


@cards_app.command("list")
@cli_errors
def cards_list(json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")):
    """List the built-in cards and the dataset each describes."""
    from ..detector import list_cards     # here, not at import: kaonportal.detector loads numba (--help time)
    items = list_cards()
    if json_out:
        emit_json({"cards": [{"name": n, "dataset": d} for n, d in items]})
        return
    for name, dataset in items:
        typer.echo(f"{name:<12} {dataset}")


@cards_app.command("show")
@cli_errors
def cards_show(name: str = typer.Argument(..., help="Card name (see `cards list`) or a YAML path."),
               json_out: bool = typer.Option(False, "--json", help="Print the validated card as JSON.")):
    """Print a card: the YAML file with its source comments, or the validated values with --json."""
    from ..detector import load_card
    card = load_card(name)
    if json_out:
        emit_json(json.loads(card.model_dump_json()))
        return
    src = Path(card.source) if card.source else None
    if src is not None and src.exists():
        typer.echo(src.read_text().rstrip("\n"))
    else:  # pragma: no cover - cards always come from files
        typer.echo(yaml.safe_dump(card.model_dump(), sort_keys=False))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.add_typer(cards_app, name="cards")
