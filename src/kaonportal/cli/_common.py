"""Shared command-line behaviour: error reporting, exit codes, JSON output, progress, overwrite guard.

Conventions every ``kaonportal`` command follows:
- ``--json`` prints exactly one JSON object on stdout; progress, logs and warnings go to stderr.
- exit 0 success; 2 bad input (one line naming the field and allowed values); 1 internal error
  (short message; full traceback only with ``--debug``).
"""

from __future__ import annotations

__all__ = ["OneLineErrorsGroup", "cli_errors", "option_fields", "hold", "emit_json", "stderr", "progress", "guard_output", "DEBUG",
           "to_jsonable"]

import functools
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import typer
import typer.core
from rich.console import Console
from rich.markup import escape

from ..errors import InputError, shorten

stderr = Console(stderr=True)
DEBUG = {"on": bool(os.environ.get("KAONPORTAL_DEBUG"))}


class _NotRaised(Exception):
    """Stands for pydantic's ValidationError while pydantic is not imported (no such error can have been raised)."""


def _validation_error() -> type[Exception]:
    """pydantic's ``ValidationError`` if pydantic is imported, else an exception never raised: the commands that do
    not validate with pydantic (``--help``, ``refs``, ``cards``) start without importing it (issue 17: ~0.1 s).
    Python evaluates an ``except`` clause's expression only when an exception reaches it."""
    pydantic = sys.modules.get("pydantic")
    return pydantic.ValidationError if pydantic is not None else _NotRaised


def pydantic_message(err, prefix: str = "") -> str:
    """One line per problem: ``field.path: message``."""
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e.get("loc", ()))
        loc = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
        parts.append(f"{loc}: {e.get('msg')}")
    return "; ".join(parts)


def _report(json_mode: bool, kind: str, message: str, code: int, field: str | None = None):
    """Print one error line on stderr (and, with ``--json``, one JSON object on stdout); exit ``code``.

    The message is capped (:func:`kaonportal.errors.shorten`): values echoed from the input stay short."""
    message = shorten(" ".join(str(message).split()))        # one line, whatever the exception text held
    label = "internal error" if kind == "internal" else "error"
    # escape: messages name fields like masses[pi+ -> e+ N], which rich would read as markup tags
    stderr.print(f"[bold red]{label}:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True)
    if json_mode:
        err = {"kind": kind, "message": message, "exit_code": code}
        if field is not None:
            err["field"] = field
        emit_json({"error": err})
    raise typer.Exit(code)


_HELD: list = []


def hold(resource):
    """Keep ``resource`` (e.g. a :class:`kaonportal.atomic.OutputLock`) until the running command returns or
    fails: :func:`cli_errors` calls its ``release()`` then. Returns ``resource``."""
    _HELD.append(resource)
    return resource


def _release_held() -> None:
    while _HELD:
        _HELD.pop().release()


def cli_errors(func):
    """Decorator for every command: InputError / ValidationError (and an unreadable input file:
    not UTF-8, a directory; a RecursionError while reading an input) -> exit 2, anything else -> exit 1.
    With ``--json`` (a ``json_out`` argument) the error is also one JSON object ``{"error": {...}}`` on stdout."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return _run(*args, **kwargs)
        finally:
            _release_held()         # output locks taken by the command (hold)

    def _run(*args, **kwargs):
        json_mode = bool(kwargs.get("json_out"))
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except InputError as exc:
            _report(json_mode, "bad_input", str(exc), 2, exc.field)
        except _validation_error() as exc:     # pydantic's ValidationError, once pydantic is imported
            _report(json_mode, "bad_input", pydantic_message(exc), 2)
        except UnicodeDecodeError as exc:
            # input files are read as UTF-8 text; a binary or mis-encoded file is bad input, not a bug.
            # (Readers in kaonportal.yamlio name the field; this catches the ones that do not.)
            _report(json_mode, "bad_input", f"input file is not UTF-8 text (byte {exc.start}: {exc.reason})", 2)
        except IsADirectoryError as exc:
            _report(json_mode, "bad_input", f"{exc.filename} is a directory; expected a file", 2)
        except RecursionError:
            # kaonportal.yamlio bounds the nesting of YAML inputs; a nested input read elsewhere (JSON) lands here
            _report(json_mode, "bad_input", "input nested too deeply", 2)
        except BrokenPipeError:
            # stdout closed by the reader (`kaonportal decays list | head`): not an error of ours, and nothing more
            # can be written there (the Python docs' recipe: point stdout at devnull so the final flush is quiet)
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):     # a test runner's stdout has no file descriptor
                pass
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            stderr.print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - the CLI boundary
            if DEBUG["on"]:
                raise
            _report(json_mode, "internal", f"{type(exc).__name__}: {exc} (rerun with --debug for the traceback)", 1)

    return wrapper


def option_fields(func):
    """Decorator (under :func:`cli_errors`): an InputError whose field is a parameter of the command is reported
    under that parameter's option (``--pot``, not ``pot``; ``--mass-range``, not ``mass_range``): the user reads the
    name they typed. Fields that are not parameters (``masses[3]``, ``config.x``) are left as they are."""
    import inspect

    options = {}
    for name, param in inspect.signature(func).parameters.items():
        decls = [d for d in (getattr(param.default, "param_decls", None) or ()) if d.startswith("--")]
        if decls:
            options[name] = decls[0]

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            option = options.get(exc.field)
            if option is None:
                raise
            raise InputError(option, exc.message) from None

    return wrapper


# click's usage-error base class: typer >= 0.22 vendors click (typer._click), older typer uses click itself;
# typer.BadParameter is a subclass in both
_CLICK_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class OneLineErrorsGroup(typer.core.TyperGroup):
    """The ``kaonportal`` command group: click's usage errors (a wrong type, an unknown option or command, a
    missing argument) become the same one line ``error: ...`` (exit 2) as every other bad input instead of
    typer's multi-line usage box; with ``--json`` anywhere on the command line, also one JSON object on stdout."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        try:
            # standalone_mode=False: click hands usage errors to us; a typer.Exit comes back as its exit code
            rv = super().main(args=argv, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, **extra)
        except _CLICK_ERROR as exc:
            if not standalone_mode:
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":
                # `kaonportal cards` without a subcommand: the help is the message (rich already printed it)
                if exc.format_message().strip():
                    sys.stderr.write(exc.format_message().rstrip() + "\n")
                sys.exit(exc.exit_code)
            field = None
            if isinstance(exc, typer.BadParameter) and exc.param is not None:
                field = (exc.param.opts or [exc.param.name])[0]
            hint = f" (see '{exc.ctx.command_path} --help')" if getattr(exc, "ctx", None) is not None else ""
            try:
                _report("--json" in argv, "usage", exc.format_message() + hint, exc.exit_code, field)
            except typer.Exit as done:
                sys.exit(done.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            stderr.print("aborted")
            sys.exit(1)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


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


def progress(disable: bool = False):
    """A rich progress bar (``rich.progress.Progress``) on stderr (hidden when stderr is not a terminal or
    ``disable``)."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=stderr, disable=disable or not stderr.is_terminal, transient=True)


def scheduler_option(units: str):
    """The ``--scheduler ADDRESS|local:N`` option of every command that can hand ``units`` (what it computes) to
    dask.distributed (:mod:`kaonportal.distributed`): one definition, one help text."""
    return typer.Option(None, "--scheduler", metavar="ADDRESS|local:N",
                        help=f"Run {units} as tasks on a dask.distributed scheduler (tcp://HOST:PORT) or a "
                             "LocalCluster of N processes (local:N); same results. Needs pip install "
                             "\"kaonportal\\[distributed]\".")


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
