"""`kaonportal decays list`: every decay with a dedicated generator and the physics model it implements.

Any other decay of known particles is generated with flat phase space (no matrix element:
:data:`kaonportal.decays.FLAT_PHASE_SPACE`); ``kaonportal simulate`` says so when it does that.
"""

from __future__ import annotations

__all__ = ["register"]

import typer

from ._common import cli_errors, emit_json

decays_app = typer.Typer(name="decays", no_args_is_help=True,
                         help="Decay modes and the physics model (matrix element) each is generated with.")


@decays_app.command("list")
@cli_errors
def decays_list(json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout.")):
    """List the decays with a dedicated model (matrix element, form factors, options); every other decay
    string is generated with flat phase space."""
    from ..decays import FLAT_PHASE_SPACE, MODES
    rows = [{"decay": m.decay, "model": m.model, "matrix_element": True, "new_physics": m.portal,
             "options": {k: (None if v is None else v if isinstance(v, (int, float, str)) else str(v))
                         for k, v in m.options.items()}}
            for m in MODES.values()]
    other = {"decay": "any other decay of known particles", "model": FLAT_PHASE_SPACE, "matrix_element": False}
    if json_out:
        emit_json({"decays": rows, "default": other})
        return
    width = max(len(r["decay"]) for r in rows)
    for r in rows:
        opts = f"  [options: {', '.join(r['options'])}]" if r["options"] else ""
        typer.echo(f"{r['decay']:<{width}}  {r['model']}{opts}")
    typer.echo(f"{'(any other decay)':<{width}}  {FLAT_PHASE_SPACE}: every spectrum and angle is phase space")


def register(app: typer.Typer) -> None:
    """Add ``kaonportal decays``."""
    app.add_typer(decays_app)
