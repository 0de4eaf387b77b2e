"""Quantities a selection may cut on that are computed from the columns of the event table.

A selection cut may name a derived quantity as its ``column`` (or ``versus``); :func:`derived_column`
computes it from the event table's columns (:mod:`kaonportal.simulation.schema`). Lengths in metres.

* ``track_r_straw1``: distance of the candidate track at the STRAW1 plane from the chamber centre
  (x = 101.2 mm, y = 0: the beam-hole centre), the radius the NA62 upstream-background cut compares
  with the vertex z ([FW KaonDecaySelection.cc] "Upstream-background geometric cuts (2017 era)";
  [FW] KaonDecaySelection.cc parameter STRAW1CenterX = 101.2 mm: V).

>>> import numpy as np
>>> ev = {"track_x_straw1": np.array([0.1012, 0.4012]), "track_y_straw1": np.array([0.0, 0.4])}
>>> derived_column(ev, "track_r_straw1").round(6).tolist()
[0.0, 0.5]
>>> "track_r_straw1" in DERIVED
True
"""

from __future__ import annotations

__all__ = ["DERIVED", "STRAW1_CENTRE_X", "derived_column", "source_columns"]

from collections.abc import Callable

import numpy as np

STRAW1_CENTRE_X = 0.1012
"""m, x of the STRAW1 centre used by the R(STRAW1) cut ([FW] KaonDecaySelection.cc STRAW1CenterX; also the
STRAW1 beam-hole centre of the cards, [GA]: V)."""


def _r_straw1(get: Callable[[str], np.ndarray]) -> np.ndarray:
    return np.hypot(np.asarray(get("track_x_straw1"), dtype=float) - STRAW1_CENTRE_X, np.asarray(get("track_y_straw1"), dtype=float))


DERIVED: dict[str, tuple[tuple[str, ...], Callable]] = {
    "track_r_straw1": (("track_x_straw1", "track_y_straw1"), _r_straw1),
}
"""name -> (event-table columns it needs, function of a column getter)."""


def source_columns(name: str) -> tuple[str, ...]:
    """Event-table columns needed for ``name`` (itself if it is not derived).

    >>> source_columns("track_r_straw1")
    ('track_x_straw1', 'track_y_straw1')
    >>> source_columns("p_track")
    ('p_track',)
    """
    return DERIVED[name][0] if name in DERIVED else (name,)


def derived_column(events, name: str) -> np.ndarray:
    """The derived quantity ``name`` computed on ``events`` (a pyarrow Table or a mapping of arrays)."""
    from .cutflow import column
    return DERIVED[name][1](lambda c: column(events, c))
