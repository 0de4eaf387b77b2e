"""Decay strings: parsing, particle names, charges and masses.

A decay string is ``"parent -> daughter daughter ..."`` with particle names as in
the ``particle`` package (its PDG spelling: ``pi+``, ``pi0``, ``mu+``, ``e+``,
``gamma``, ``nu``, ``nubar``; ``N`` for a heavy neutral lepton; ``X``, ``S``, ``A'``, ``a`` for
portal bosons). Extra spaces are ignored, and names may even be run together (``"K+->pi+pi0"``):
the tokenizer matches the longest known name first.

>>> parse_decay("K+ ->  pi+ pi0")
DecaySpec(parent='K+', daughters=('pi+', 'pi0'))
>>> str(parse_decay("K+->pi+nunubar"))
'K+ -> pi+ nu nubar'
>>> parse_decay("K+ -> pi+ pion")
Traceback (most recent call last):
...
kaonportal.errors.InputError: decay: unknown particle name 'pion' in 'K+ -> pi+ pion'; known: ...
"""

from __future__ import annotations

__all__ = ["DecaySpec", "parse_decay", "PORTAL_NAMES", "PARTICLE_NAMES", "charge", "particle_mass"]

from dataclasses import dataclass

from .. import constants
from ..errors import InputError

PORTAL_NAMES = ("N", "X", "S", "A'", "a")
"""New-physics particles whose mass is a parameter (``mass=`` in :func:`~kaonportal.decays.generate`)."""

PARTICLE_NAMES = tuple(dict.fromkeys(constants.KNOWN_PARTICLES + ("nu", "nubar") + PORTAL_NAMES))
"""Every particle name a decay string may contain."""

_BY_LENGTH = sorted(PARTICLE_NAMES, key=len, reverse=True)


@dataclass(frozen=True)
class DecaySpec:
    """A parsed decay: ``parent`` and the ordered tuple of ``daughters``."""

    parent: str
    daughters: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.parent} -> {' '.join(self.daughters)}"

    @property
    def portal(self) -> tuple[str, ...]:
        """The new-physics daughters (names in :data:`PORTAL_NAMES`)."""
        return tuple(d for d in self.daughters if d in PORTAL_NAMES)


def charge(name: str) -> int:
    """Electric charge (units of e) read from the name: trailing ``+``/``-``; ``p`` is +1; else 0."""
    if name == "p" or name.endswith("+"):
        return 1
    if name.endswith("-"):
        return -1
    return 0


def particle_mass(name: str, mass: float | None = None) -> float:
    """Mass in GeV: PDG value via :func:`kaonportal.constants.mass`, or ``mass`` for a portal particle."""
    if name in PORTAL_NAMES:
        if mass is None:
            raise InputError("mass", f"required (GeV) for a decay with the new-physics particle {name!r}")
        return float(mass)
    return constants.mass(name)


def _tokenize(chunk: str, text: str) -> list[str]:
    out = []
    i = 0
    while i < len(chunk):
        for name in _BY_LENGTH:
            if chunk.startswith(name, i):
                out.append(name)
                i += len(name)
                break
        else:
            raise InputError("decay", f"unknown particle name {chunk!r} in {text!r}; known: "
                             + ", ".join(PARTICLE_NAMES))
    return out


def parse_decay(text: str) -> DecaySpec:
    """Parse ``"K+ -> pi+ pi0"`` into a :class:`DecaySpec`.

    Raises :class:`~kaonportal.errors.InputError` (field ``decay``) for a string without ``->``,
    an unknown particle name (the message lists the known names), fewer than two daughters, or
    a decay that does not conserve electric charge.
    """
    if isinstance(text, DecaySpec):
        return text
    if not isinstance(text, str) or text.count("->") != 1:
        raise InputError("decay", f"expected 'parent -> daughters', e.g. 'K+ -> pi+ pi0', got {text!r}")
    left, right = text.split("->")
    parent_tokens = [t for w in left.split() for t in _tokenize(w, text)]
    if len(parent_tokens) != 1:
        raise InputError("decay", f"expected exactly one parent particle in {text!r}")
    daughters = tuple(t for w in right.split() for t in _tokenize(w, text))
    if len(daughters) < 2:
        raise InputError("decay", f"a decay needs at least two daughters, got {text!r}")
    parent = parent_tokens[0]
    if parent in PORTAL_NAMES:
        raise InputError("decay", f"the parent must be a known particle, not {parent!r}")
    if charge(parent) != sum(charge(d) for d in daughters):
        raise InputError("decay", f"{text!r} does not conserve electric charge")
    return DecaySpec(parent, daughters)
