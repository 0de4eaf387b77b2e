"""Shared command-line behaviour: error reporting, exit codes, JSON output, progress, overwrite guard.

Conventions (``../shared/conventions.md``):
- ``--json`` prints exactly one JSON object on stdout; progress, logs and warnings go to stderr.
- exit 0 success; 2 bad input (one line naming the field and allowed values); 1 internal error
  (short message; full traceback only with ``--debug``).
"""

from __future__ import annotations

__all__ = ["cli_errors", "emit_json", "stderr", "progress", "guard_output", "DEBUG", "to_jsonable"]

import functools
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from ..errors import InputError

stderr = Console(stderr=True)
DEBUG = {"on": bool(os.environ.get("KAONPORTAL_DEBUG"))}


def pydantic_message(err: ValidationError, prefix: str = "") -> str:
    """One line per problem: ``field.path: message``."""
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e.get("loc", ()))
        loc = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        parts.append(f"{loc}: {e.get('msg')}")
    return "; ".join(parts)


def cli_errors(func):
    """Decorator for every command: InputError / ValidationError (and an unreadable input file:
    not UTF-8, a directory) -> exit 2, anything else -> exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except InputError as exc:
            # escape: messages name fields like masses[pi+ -> e+ N], which rich would read as markup tags
            stderr.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(2) from None
        except ValidationError as exc:
            stderr.print(f"[bold red]error:[/] {escape(pydantic_message(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except UnicodeDecodeError as exc:
            # input files are read as UTF-8 text; a binary or mis-encoded file is bad input, not a bug.
            # (Readers in kaonportal.yamlio name the field; this catches the ones that do not.)
            stderr.print(f"[bold red]error:[/] input file is not UTF-8 text (byte {exc.start}: {exc.reason})",
                         highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except IsADirectoryError as exc:
            stderr.print(f"[bold red]error:[/] {escape(str(exc.filename))} is a directory; expected a file",
                         highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            stderr.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - the CLI boundary
            if DEBUG["on"]:
                raise
            stderr.print(f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} "
                         "(rerun with --debug for the traceback)", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def to_jsonable(obj):
    """Convert numpy scalars/arrays, paths and non-finite floats into JSON-safe values."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else (None if math.isnan(f) else ("inf" if f > 0 else "-inf"))
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def emit_json(obj) -> None:
    """Print exactly one JSON object on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(obj), indent=2) + "\n")
    sys.stdout.flush()


def progress(disable: bool = False) -> Progress:
    """A rich progress bar on stderr (hidden when stderr is not a terminal or ``disable``)."""
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=stderr, disable=disable or not stderr.is_terminal, transient=True)


def guard_output(path: Path, force: bool, field: str = "output") -> None:
    """Refuse to overwrite an existing file/directory without ``--force``; check the parent is writable."""
    path = Path(path)
    if path.exists() and not force:
        raise InputError(field, f"{path} exists; pass --force to overwrite")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise InputError(field, f"directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(field, f"directory {parent} is not writable")
