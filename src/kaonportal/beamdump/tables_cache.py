"""A bounded cache of values derived from a meson-tables object (:class:`.mesons.MesonTables`), per object.

Each entry keeps its tables object alive, so the object's id cannot be reused by another while the entry stands;
the cache is cleared when full, so user-made tables objects do not pile up.
"""

from __future__ import annotations

__all__ = ["TablesCache"]


class TablesCache:
    """``get(key, tables, make)``: ``make(tables)``, computed once per (key, tables object) while it is cached."""

    def __init__(self, max_entries: int):
        self.max_entries = int(max_entries)
        self._entries: dict = {}

    def get(self, key, tables, make):
        hit = self._entries.get((key, id(tables)))
        if hit is None or hit[0] is not tables:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            hit = self._entries[(key, id(tables))] = (tables, make(tables))
        return hit[1]
