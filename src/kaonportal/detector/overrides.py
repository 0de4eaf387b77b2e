"""Card overrides: a few card values changed for one data set, validated like the card itself.

A data set whose analysis differs from its period's card in one documented number (e.g. the 2018
K+ -> pi+ nu nubar analysis selecting 15-45 GeV/c while the 2016-18 card's RICH range is 15-35 GeV/c)
carries ``card_overrides:`` in ``datasets.yaml``: a mapping from dotted card paths to values. They are
applied to a fresh copy of the card and the result is validated again, so a typo in a path or an
out-of-range value is one :class:`~kaonportal.errors.InputError` naming the field, before any simulation.

>>> card = apply_card_overrides("na62-2018", {"pid.rich_p_max": 45.0}, "dataset pnn-2018")
>>> card.pid.rich_p_max, card.pid.rich_p_min, card.name
(45.0, 15.0, 'na62-2018')
>>> card.source
'na62-2018 with card_overrides of dataset pnn-2018'
>>> describe_overrides({"pid.rich_p_max": 45.0})
'pid.rich_p_max=45'
"""

from __future__ import annotations

__all__ = ["apply_card_overrides", "describe_overrides"]

from pathlib import Path
from typing import Any

from ..errors import InputError
from .card import Card, card_from_dict, load_card


def _set_path(data: dict, path: str, value: Any, field: str) -> None:
    """Set ``data[a][b]...`` for ``path = "a.b..."``; every part must already exist (no new card fields)."""
    keys = str(path).split(".")
    node: Any = data
    for i, key in enumerate(keys):
        where = ".".join(keys[:i + 1])
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                raise InputError(field, f"card path {path!r}: {where!r} is not an index of a list of {len(node)}")
            key = int(key)
        elif not isinstance(node, dict) or key not in node:
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "none (not a section)"
            raise InputError(field, f"unknown card field {where!r} in {path!r}; known here: {known}")
        if i == len(keys) - 1:
            node[key] = value
        else:
            node = node[key]


def apply_card_overrides(card: str | Path | Card, overrides: dict[str, Any], origin: str,
                         field: str = "card_overrides") -> Card:
    """A copy of ``card`` with ``overrides`` (dotted path -> value) applied and re-validated.

    ``origin`` says where the overrides come from (recorded in ``Card.source``); ``field`` names the input in
    error messages. An empty mapping returns the card unchanged.
    """
    base = load_card(card)
    if not overrides:
        return base
    data = base.model_dump(exclude={"source"})
    for path, value in overrides.items():
        _set_path(data, path, value, field)
    # the card's own ranges and cross-checks apply (InputError "card.pid.rich_p_max: ... allowed range ...")
    return card_from_dict(data, source=f"{base.name} with card_overrides of {origin}")


def describe_overrides(overrides: dict[str, Any]) -> str:
    """One line ``path=value, ...`` (sorted) for summaries and the run's printed data line."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in sorted(overrides.items()))
