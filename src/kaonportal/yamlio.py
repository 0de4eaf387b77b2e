"""Reading user-supplied text and YAML files with one-line :class:`~kaonportal.errors.InputError` messages.

Every YAML input of the package (datasets, run and search configurations, selections, calibrations)
goes through here, so that a missing file, a directory, a non-UTF-8 file or a YAML syntax error gives
the CLI's "one line naming the field, exit code 2" instead of a traceback
(the convention of every command, :mod:`kaonportal.cli._common`).

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

Untrusted YAML is bounded (:data:`LIMITS`): the text size, the nesting depth and the size of the document
once every alias is expanded. A "billion laughs" alias bomb (``a: &a [x, x]``, ``b: &b [*a, *a]``, ...) is a
few hundred bytes that PyYAML composes instantly into shared objects, but whatever then walks it (pydantic,
JSON, a deep copy) visits 10^9 nodes; a 20000-deep ``[[[...]]]`` overflows the recursive composer. Both
are bad input (exit 2), refused while composing, before anything is built.

>>> parse_yaml("a: &a [1, 2]\\nb: *a\\n", "config")
{'a': [1, 2], 'b': [1, 2]}
>>> bomb = "a0: &a0 [x, x]\\n" + "".join(f"a{i}: &a{i} [*a{i-1}, *a{i-1}]\\n" for i in range(1, 40))
>>> parse_yaml(bomb, "config")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kaonportal.errors.InputError: config: input: expands to more than 1000000 YAML nodes through aliases ...
"""

from __future__ import annotations

__all__ = ["read_text", "parse_yaml", "read_yaml", "is_shipped", "LIMITS", "SCIENTIFIC_FLOAT"]

import os
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError


#: Bounds of every YAML document read by the package. The largest shipped input (a detector card or the
#: datasets file) is ~10 kB, ~1000 nodes and depth ~6: the bounds are 100-1000x above any real input.
LIMITS = {"max_bytes": 10_000_000, "max_depth": 100, "max_nodes": 1_000_000}


def read_text(path: str | Path, field: str) -> str:
    """The UTF-8 text of ``path``; a missing file, a directory, undecodable bytes or a file larger than
    ``LIMITS["max_bytes"]`` (checked before reading it) is an InputError."""
    return _read_text(Path(path), field, Path(path))


def _read_text(p: Path, field: str, shown) -> str:
    """:func:`read_text` of ``p``, its messages naming ``shown`` (the path as the user gave it)."""
    if not p.exists():
        raise InputError(field, f"file {shown} does not exist")
    if not p.is_file():
        raise InputError(field, f"{shown} is not a regular file")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(field, f"cannot read {shown}: {exc.strerror}") from None
    if size > LIMITS["max_bytes"]:
        raise InputError(field, f"{shown} is {size} bytes; input files are limited to {LIMITS['max_bytes']} bytes")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(field, f"{shown} is not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise InputError(field, f"cannot read {shown}: {exc.strerror}") from None


def _one_line(exc: yaml.YAMLError) -> str:
    # PyYAML's str() spans several lines (context, snippet, caret); the CLI promises one line
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if problem and mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


class _TooBig(Exception):
    """Raised by :class:`_BoundedLoader` when a bound of :data:`LIMITS` is exceeded."""


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that counts, while composing, the nesting depth and the number of nodes the
    document would have with every alias expanded (an alias counts the full size of its anchor)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}      # id(node) -> expanded size of its subtree

    def compose_document(self):
        self._sizes = {}
        node = super().compose_document()
        self._sizes = {}
        return node

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            return node                         # counted by the parent: the anchor's size again
        self._depth += 1
        if self._depth > LIMITS["max_depth"]:
            mark = self.peek_event().start_mark
            raise _TooBig(f"nesting deeper than {LIMITS['max_depth']} levels (line {mark.line + 1})")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.ScalarNode):
            size = 1
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._sizes.get(id(c), 1) for c in node.value)
        else:
            size = 1 + sum(self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value)
        if size > LIMITS["max_nodes"]:
            raise _TooBig(f"expands to more than {LIMITS['max_nodes']} YAML nodes through aliases "
                          f"(line {node.start_mark.line + 1}; an alias bomb?)")
        self._sizes[id(node)] = size
        return node


#: YAML 1.2 (core schema) reads ``1e12`` / ``2.5E-3`` as floats; YAML 1.1, which PyYAML implements, needs a dot
#: (``1.0e12``) and reads ``1e12`` as the string "1e12", which a physicist's configuration never means.
SCIENTIFIC_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
_BoundedLoader.add_implicit_resolver("tag:yaml.org,2002:float", SCIENTIFIC_FLOAT, list("-+0123456789."))


def parse_yaml(text: str, field: str, where: str = "input", mapping: bool = False) -> Any:
    """``yaml.safe_load(text)`` within :data:`LIMITS`; a syntax error, an exceeded limit or
    (``mapping=True``) anything but a mapping is an InputError.

    An empty document is ``None``, or ``{}`` when ``mapping`` is asked for. Text of unknown origin is always
    parsed by the bounded loader; a file shipped in the package is read by :func:`read_yaml`, which may skip them.
    """
    return _parse(text, field, where, mapping, shipped=False)


def _parse(text: str, field: str, where: str, mapping: bool, shipped: bool) -> Any:
    """:func:`parse_yaml`; ``shipped``: the text is a file of the package (:func:`is_shipped`), parsed by the faster
    libyaml loader without the bounds."""
    if len(text) > LIMITS["max_bytes"]:
        raise InputError(field, f"{where} is {len(text)} characters; YAML inputs are limited to "
                                f"{LIMITS['max_bytes']}")
    loader = _PackageLoader(text) if shipped else _BoundedLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise InputError(field, f"{where} is not valid YAML: {_one_line(exc)}") from None
    except _TooBig as exc:
        raise InputError(field, f"{where}: {exc}") from None
    except RecursionError:
        # a safety net: the depth bound stops nesting long before Python's recursion limit
        raise InputError(field, f"{where}: nesting too deep") from None
    finally:
        loader.dispose()
    if mapping:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise InputError(field, f"{where} must hold a mapping of settings, got a {type(data).__name__}")
    return data


def read_yaml(path, field: str, mapping: bool = True, *, where: str | None = None) -> Any:
    """The YAML file ``path`` (a str, Path or importlib Traversable) parsed (a mapping by default); a bad file is an
    InputError naming ``field`` and ``where`` (default: the path as given).

    The one reader of YAML files: the path is resolved once, and that resolved file is both read and classified
    (:func:`is_shipped`: a shipped file is parsed by libyaml without the bounds). A caller that read the text and let
    the path be classified again would let a symlink swapped in between have a user's file parsed unbounded.
    """
    where = str(path) if where is None else where
    resolved = _resolved(path)
    shipped = _in_package(resolved)
    if not isinstance(path, (str, os.PathLike)) and hasattr(path, "read_text"):
        # a Traversable not on the file system (a zipped install): its members are no symlinks; read through it
        text = path.read_text(encoding="utf-8")
    elif resolved is None:              # unresolvable (loop, bad characters): read_text reports it; never shipped
        text = read_text(path, field)
    else:
        text = _read_text(resolved, field, Path(path))
    return _parse(text, field, where, mapping, shipped)


class _PackageLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's safe loader (~10x faster than the pure-Python one; issue 17: a run parses ~80 documents of the
    package's own YAML) with the resolvers of :class:`_BoundedLoader`; only for files shipped in the package
    (:func:`is_shipped`), which need no bound."""


_PackageLoader.add_implicit_resolver("tag:yaml.org,2002:float", SCIENTIFIC_FLOAT, list("-+0123456789."))

#: the installed package's directory: every YAML file under it (data/, detector/cards/) is shipped, trusted data
_PACKAGE_DIR = Path(__file__).resolve().parent


def is_shipped(path) -> bool:
    """Whether ``path`` (a str, Path or importlib Traversable) names a file inside the installed package: decided
    by the resolved path alone (symlinks followed), O(1), whatever the file holds.

    >>> is_shipped(_PACKAGE_DIR / "data" / "configs" / "default.yaml"), is_shipped("my-card.yaml")
    (True, False)
    """
    return _in_package(_resolved(path))


def _in_package(resolved: Path | None) -> bool:
    """Whether a path already resolved by :func:`_resolved` lies inside the installed package (None: never)."""
    return resolved is not None and resolved.is_relative_to(_PACKAGE_DIR)


def _resolved(path) -> Path | None:
    """``path`` with every symlink followed; None if it cannot be resolved (loop, bad characters)."""
    try:
        return Path(str(path)).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
