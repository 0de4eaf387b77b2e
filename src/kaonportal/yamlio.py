"""Reading user-supplied text and YAML files with one-line :class:`~kaonportal.errors.InputError` messages.

Every YAML input of the package (datasets, run and search configurations, selections, calibrations)
goes through here, so that a missing file, a directory, a non-UTF-8 file or a YAML syntax error gives
the CLI's "one line naming the field, exit code 2" instead of a traceback (``shared/conventions.md``).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
>>> _ = p.write_text("seed: 3\\nquick_scale: 0.01\\n")
>>> read_yaml(p, "config")
{'seed': 3, 'quick_scale': 0.01}
>>> _ = p.write_text("a: [1, 2\\n")
>>> read_yaml(p, "config")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kaonportal.errors.InputError: config: ...c.yaml is not valid YAML: expected ',' or ']', but got '<stream end>' (line 2, column 1)
>>> parse_yaml("[1, 2]", "config", "inline", mapping=True)
Traceback (most recent call last):
...
kaonportal.errors.InputError: config: inline must hold a mapping of settings, got a list
"""

from __future__ import annotations

__all__ = ["read_text", "parse_yaml", "read_yaml"]

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError


def read_text(path: str | Path, field: str) -> str:
    """The UTF-8 text of ``path``; a missing file, a directory or undecodable bytes is an InputError."""
    p = Path(path)
    if not p.exists():
        raise InputError(field, f"file {p} does not exist")
    if not p.is_file():
        raise InputError(field, f"{p} is not a regular file")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(field, f"{p} is not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise InputError(field, f"cannot read {p}: {exc.strerror}") from None


def _one_line(exc: yaml.YAMLError) -> str:
    # PyYAML's str() spans several lines (context, snippet, caret); the CLI promises one line
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def parse_yaml(text: str, field: str, where: str = "input", mapping: bool = False) -> Any:
    """``yaml.safe_load(text)``; a syntax error, or (``mapping=True``) anything but a mapping, is an InputError.

    An empty document is ``None``, or ``{}`` when ``mapping`` is asked for.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(field, f"{where} is not valid YAML: {_one_line(exc)}") from None
    if mapping:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise InputError(field, f"{where} must hold a mapping of settings, got a {type(data).__name__}")
    return data


def read_yaml(path: str | Path, field: str, mapping: bool = True) -> Any:
    """:func:`read_text` then :func:`parse_yaml` (a mapping by default)."""
    return parse_yaml(read_text(path, field), field, str(path), mapping=mapping)
