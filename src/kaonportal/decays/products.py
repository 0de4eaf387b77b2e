"""The output of a decay generator: one array of four-momenta for the whole decay tree.

>>> import numpy as np
>>> t = Tree(2)
>>> i = t.add("pi+", np.tile([0.25, 0, 0, 0.2], (2, 1)))
>>> prod = t.products("demo")
>>> prod.names, prod.p4.shape, prod.parent, prod.final
(('pi+',), (2, 1, 4), (-1,), (True,))
"""

from __future__ import annotations

__all__ = ["Products", "Tree", "make_products", "default_ctau_m", "INVISIBLE"]

import math
from dataclasses import dataclass, field

import numpy as np

from .. import constants
from .spec import PORTAL_NAMES

INVISIBLE = frozenset({"nu", "nubar"})
"""Names that never leave a signal in the detector (portal particles are flagged per decay)."""

_PROMPT_CTAU_M = 1e-6  # below 1 micron the flight path is negligible here: recorded as 0.0 (prompt)


def default_ctau_m(name: str) -> float:
    """Proper c*tau in metres as recorded in :class:`Products`: ``inf`` for stable particles,
    0.0 for prompt ones (c*tau < 1 micron, e.g. pi0 at 25 nm), the PDG value otherwise (pi+, mu+, K+)."""
    if name in INVISIBLE or name in PORTAL_NAMES:
        return math.inf
    c = constants.ctau_m(name)
    return 0.0 if c < _PROMPT_CTAU_M else c


@dataclass
class Products:
    """Generated decays (see ``/tmp/interfaces.md``, section kaonportal.decays).

    Attributes
    ----------
    names: every particle of the decay tree, e.g. ``("pi+", "pi0", "gamma", "gamma")``.
    p4: ``(n, k, 4)`` float64 ``(E, px, py, pz)`` in GeV in the rest frame of the primary.
    parent: -1 for a direct daughter of the primary, else the index of its parent in ``names``.
    final: True if the particle exists in the detector (stable, or decays in flight later);
        False if it decayed at once (pi0) or is a decayed displaced parent (X with finite ctau).
    ctau_m: proper c*tau in metres (inf stable, 0.0 prompt).
    weight: ``(n,)`` generation weights (ones: all generators here return unweighted events).
    decay: the canonical decay string.
    invisible: True for particles that leave no signal (neutrinos, an invisible X or pi0, N).
    """

    names: tuple[str, ...]
    p4: np.ndarray
    parent: tuple[int, ...]
    final: tuple[bool, ...]
    ctau_m: tuple[float, ...]
    weight: np.ndarray
    decay: str = ""
    invisible: tuple[bool, ...] = field(default=())

    def __post_init__(self):
        k = len(self.names)
        if self.p4.ndim != 3 or self.p4.shape[1:] != (k, 4):
            raise ValueError(f"p4 must have shape (n, {k}, 4), got {self.p4.shape}")
        if not self.invisible:
            self.invisible = tuple(n in INVISIBLE for n in self.names)
        for name, val in (("parent", self.parent), ("final", self.final), ("ctau_m", self.ctau_m),
                          ("invisible", self.invisible)):
            if len(val) != k:
                raise ValueError(f"{name} must have {k} entries")

    @property
    def n(self) -> int:
        """Number of events."""
        return self.p4.shape[0]

    def index(self, name: str) -> list[int]:
        """Indices of every particle called ``name``."""
        return [i for i, nm in enumerate(self.names) if nm == name]

    def direct(self) -> list[int]:
        """Indices of the direct daughters of the primary."""
        return [i for i, p in enumerate(self.parent) if p == -1]

    def children(self, i: int) -> list[int]:
        """Indices of the daughters of particle ``i``."""
        return [j for j, p in enumerate(self.parent) if p == i]


def make_products(decay: str, names: tuple[str, ...], p4: np.ndarray, parent: tuple[int, ...] | None = None,
                  final: tuple[bool, ...] | None = None) -> Products:
    """:class:`Products` from a ready ``(n, k, 4)`` array (fast paths); defaults: all direct and final."""
    k = len(names)
    parent = tuple(parent) if parent is not None else (-1,) * k
    final = tuple(final) if final is not None else (True,) * k
    ctau = tuple(default_ctau_m(nm) if f else 0.0 for nm, f in zip(names, final))
    return Products(tuple(names), p4, parent, final, ctau, np.ones(p4.shape[0]), decay)


class Tree:
    """Incremental builder of a :class:`Products` (internal helper for the generators)."""

    def __init__(self, n: int):
        self.n = n
        self._names: list[str] = []
        self._p4: list[np.ndarray] = []
        self._parent: list[int] = []
        self._final: list[bool] = []
        self._ctau: list[float] = []
        self._invisible: list[bool] = []

    def add(self, name: str, p4: np.ndarray, parent: int = -1, *, final: bool = True,
            ctau: float | None = None, invisible: bool | None = None) -> int:
        """Append one particle (``p4`` of shape (n, 4)); returns its index."""
        self._names.append(name)
        self._p4.append(p4)
        self._parent.append(parent)
        self._final.append(final)
        self._ctau.append(default_ctau_m(name) if ctau is None else float(ctau))
        self._invisible.append(name in INVISIBLE if invisible is None else invisible)
        return len(self._names) - 1

    def p4(self, i: int) -> np.ndarray:
        return self._p4[i]

    def set_final(self, i: int, final: bool, ctau: float | None = None, invisible: bool | None = None) -> None:
        """Change the status of particle ``i`` (e.g. a pi0 that decays, or is declared invisible)."""
        self._final[i] = final
        if ctau is not None:
            self._ctau[i] = float(ctau)
        if invisible is not None:
            self._invisible[i] = invisible

    def products(self, decay: str) -> Products:
        p4 = np.stack(self._p4, axis=1) if self._p4 else np.zeros((self.n, 0, 4))
        return Products(tuple(self._names), p4, tuple(self._parent), tuple(self._final),
                        tuple(self._ctau), np.ones(self.n), decay, tuple(self._invisible))
