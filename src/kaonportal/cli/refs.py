"""`kaonportal refs` (list) and `kaonportal refs KEY` (one entry): the bibliography every citation resolves to."""

from __future__ import annotations

__all__ = ["register"]

import typer

from .. import references
from ._common import cli_errors, emit_json


@cli_errors
def refs(key: str = typer.Argument(None, help="A bibliography key or short source code (e.g. NA62:2021bji, "
                                               "JINST17, S002); omitted: list every key."),
         json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")):
    """List the bibliography (key and full citation), or show one entry with all its fields."""
    if key is None:
        bib = references.bibliography()
        if json_out:
            emit_json({"references": [{"key": k, "citation": references.cite(k), **v} for k, v in bib.items()]})
            return
        for k in bib:
            typer.echo(f"[{k}] {references.cite(k)}")
        return
    fields = references.entry(key)
    resolved = references.resolve(key)
    if json_out:
        emit_json({"key": resolved, "citation": references.cite(resolved), **fields})
        return
    typer.echo(f"[{resolved}] {references.cite(resolved)}")
    for name in ("year", "note", "aliases", "inspire"):
        if fields.get(name) not in (None, [], ""):
            typer.echo(f"  {name}: {fields[name]}")


def register(app: typer.Typer) -> None:
    """Add this module's command to the top-level app."""
    app.command("refs")(refs)
