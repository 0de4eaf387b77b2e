"""Errors a user can cause, and how they are reported.

Every bad input (a typo in a config, a mass above threshold, a negative count, a corrupt file)
raises :class:`InputError` naming the field and the allowed values. The command line turns it
into one line on stderr and exit code 2 (see :mod:`kaonportal.cli._common`).
"""

from __future__ import annotations

__all__ = ["InputError", "check_finite", "check_range", "check_choice", "shorten", "MAX_FIELD", "MAX_MESSAGE"]


from collections.abc import Iterable

import numpy as np


#: Longest field name / message an error echoes: a value copied from the input (a 1 MB string, a list of a
#: million masses, an expanded YAML alias) must not flood the terminal, a log or summary.json.
MAX_FIELD = 160
MAX_MESSAGE = 600


def shorten(text, limit: int = MAX_MESSAGE) -> str:
    """``str(text)`` cut to at most ``limit`` characters, keeping its start and end.

    >>> shorten("x" * 1000, 20)
    'xxxxxxxx[...]xxxxxxx'
    >>> shorten("short")
    'short'
    """
    text = str(text)
    if len(text) <= limit:
        return text
    mark = "[...]"
    head = (limit - len(mark) + 1) // 2
    tail = limit - len(mark) - head
    return text[:head] + mark + (text[-tail:] if tail > 0 else "")


class InputError(ValueError):
    """Bad user input.

    Parameters
    ----------
    field:
        The name of the offending field / argument (e.g. ``"datasets[0].observed"``).
    message:
        What is wrong and what is allowed.

    Examples
    --------
    >>> err = InputError("mass", "must be in [0, 0.354] GeV, got 0.6")
    >>> str(err)
    'mass: must be in [0, 0.354] GeV, got 0.6'
    """

    def __init__(self, field: str, message: str):
        # echoed input values are capped (shorten): the error stays one readable line
        self.field = shorten(field, MAX_FIELD)
        self.message = shorten(message, MAX_MESSAGE)
        super().__init__(f"{self.field}: {self.message}")


def check_finite(field: str, value) -> None:
    """Raise :class:`InputError` if ``value`` (scalar or array) holds NaN or infinity."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise InputError(field, f"must be a finite number, got {shorten(repr(value), 80)}")


def check_range(field: str, value, low: float | None = None, high: float | None = None,
                *, low_inclusive: bool = True, high_inclusive: bool = True, unit: str = "",
                finite: bool = False) -> None:
    """Raise :class:`InputError` unless every element of ``value`` lies in the given range. ``finite``: one
    message for every bad value, NaN and infinity included, "must be a finite number in RANGE" (where a NaN would
    otherwise be told only that it is not finite).

    >>> check_range("cl", 0.9, 0, 1, low_inclusive=False, high_inclusive=False)
    >>> check_range("cl", 1.5, 0, 1, low_inclusive=False, high_inclusive=False)
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: cl: must be in (0, 1), got 1.5
    >>> check_range("cl", float("nan"), 0, 1, low_inclusive=False, high_inclusive=False, finite=True)
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: cl: must be a finite number in (0, 1), got nan
    """
    arr = np.asarray(value, dtype=float)
    if not finite:
        check_finite(field, value)
    bad = ~np.isfinite(arr)
    if low is not None:
        bad |= (arr < low) if low_inclusive else (arr <= low)
    if high is not None:
        bad |= (arr > high) if high_inclusive else (arr >= high)
    if np.any(bad):
        lo = "(-inf" if low is None else ("[" if low_inclusive else "(") + f"{low:g}"
        hi = "inf)" if high is None else f"{high:g}" + ("]" if high_inclusive else ")")
        shown = arr[bad].flat[0] if arr.ndim else float(arr)
        u = f" {unit}" if unit else ""
        raise InputError(field, f"must be {'a finite number ' if finite else ''}in {lo}, {hi}{u}, got {shown:g}")


def check_choice(field: str, value: str, allowed: Iterable[str]) -> None:
    """Raise :class:`InputError` unless ``value`` is one of ``allowed`` (listed in the message)."""
    allowed = list(allowed)
    if value not in allowed:
        raise InputError(field, f"unknown value {shorten(repr(value), 80)}; allowed: {', '.join(allowed)}")


