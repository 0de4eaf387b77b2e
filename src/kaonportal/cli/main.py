"""``kaonportal`` command line (typer + rich).

Each stage contributes its commands from its own module ``kaonportal.cli.<name>`` through a
``register(app)`` function, so that no command module reaches into another.
"""

from __future__ import annotations

__all__ = ["app", "COMMAND_MODULES"]

import importlib

import typer

from ._common import DEBUG, OneLineErrorsGroup

app = typer.Typer(name="kaonportal", cls=OneLineErrorsGroup, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  help="Fast simulation, statistics and portal-model interpretation for an NA62-like "
                       "kaon experiment. Units: GeV, GeV/c, metres, ns.")

# Order = order in --help.
COMMAND_MODULES = ("run", "validate", "recast", "simulate", "decays", "cards", "plot", "stats", "models", "beamdump",
                   "pileup", "refs")


def _version(value: bool):
    if value:
        from .. import __version__
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _main(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks for internal errors."),
          version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")):
    """kaonportal: NA62-style kaon physics from simulation to exclusion contours."""
    DEBUG["on"] = DEBUG["on"] or debug


for _name in COMMAND_MODULES:
    importlib.import_module(f"{__package__}.{_name}").register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
