"""New-physics two-body modes parametrised by the new particle's mass (GeV).

* K+ -> pi+ X (X also spelt S, A', a): isotropic (spin-0 parent, unpolarised). X is invisible by
  default; with ``x_decay`` = ``"gamma gamma"``, ``"e+ e-"``, ``"mu+ mu-"`` (or the LFV ``"mu- e+"``,
  ``"mu+ e-"``) it decays
  isotropically in its rest frame (exact for a scalar; for a vector X the polarisation is ignored,
  documented approximation) with proper decay length ``x_ctau_m`` (default 0.0 = prompt).
* K+ -> l+ N and pi+ -> l+ N (heavy neutral lepton): isotropic; N is kept undecayed (its decays are
  the models' business) with proper decay length ``n_ctau_m`` (default inf).

Allowed mass ranges are closed intervals [low, high] in GeV, ``high`` = parent mass minus the
other daughter's mass, ``low`` = the X-decay threshold (sum of the lepton masses; photons need mass > 0).

>>> import numpy as np
>>> round(mass_range("K+ -> pi+ X")[1], 6)
0.354107
>>> t = pi_x(3, np.random.default_rng(0), 0.2, x_decay="gamma gamma")
>>> t.products("K+ -> pi+ X").names
('pi+', 'X', 'gamma', 'gamma')
"""

from __future__ import annotations

__all__ = ["X_DECAYS", "mass_range", "check_mass", "pi_x", "lepton_n"]

import math

import numpy as np

from .. import constants
from ..errors import InputError, check_range
from .cascade import add_isotropic_decay
from .phasespace import isotropic, two_body_p4
from .products import Tree
from .spec import parse_decay

X_DECAYS = {"invisible": None, "gamma gamma": ("gamma", "gamma"), "e+ e-": ("e+", "e-"),
            "mu+ mu-": ("mu+", "mu-"),
            # lepton-flavour-violating pairs: X at the pi0 mass reproduces K+ -> pi+ pi0, pi0 -> mu e (an
            # isotropic two-body decay of the spin-0 pi0), the LFV pi0 search of [NA62:2021lnvlfv]
            "mu- e+": ("mu-", "e+"), "mu+ e-": ("mu+", "e-")}


def mass_range(decay: str, x_decay: str | None = None) -> tuple[float, float]:
    """Allowed mass (GeV) of the new particle in ``decay`` (and its decay ``x_decay``)."""
    spec = parse_decay(decay)
    others = sum(constants.mass(d) for d in spec.daughters if d not in ("N", "X", "S", "A'", "a"))
    high = constants.mass(spec.parent) - others
    low = 0.0
    if x_decay not in (None, "invisible"):
        low = sum(constants.mass(d) for d in X_DECAYS[x_decay])
    return low, high


def check_mass(decay: str, mass, x_decay: str | None = None) -> float:
    """Validate ``mass`` for ``decay``: InputError naming ``mass`` and the allowed range in GeV."""
    low, high = mass_range(decay, x_decay)
    if mass is None:
        raise InputError("mass", f"required for {decay!r}: a value in [{low:g}, {high:g}] GeV")
    if x_decay == "gamma gamma":
        check_range("mass", mass, low, high, low_inclusive=False, unit="GeV")
    else:
        check_range("mass", mass, low, high, unit="GeV")
    return float(mass)


def pi_x(n: int, rng: np.random.Generator, mass: float, name: str = "X", x_decay: str | None = None,
         x_ctau_m: float = 0.0) -> Tree:
    """K+ -> pi+ X at rest; optional isotropic X decay (see module docstring)."""
    pip, x = two_body_p4(constants.mass("K+"), constants.mass("pi+"), mass, isotropic(rng, n))
    t = Tree(n)
    t.add("pi+", pip)
    if x_decay in (None, "invisible"):
        t.add(name, x, final=True, ctau=math.inf, invisible=True)
        return t
    ix = t.add(name, x, final=False, ctau=x_ctau_m, invisible=False)
    add_isotropic_decay(t, ix, X_DECAYS[x_decay], mass, rng)
    return t


def lepton_n(parent: str, lepton: str, n: int, rng: np.random.Generator, mass: float,
             n_ctau_m: float = math.inf) -> Tree:
    """P -> l+ N at rest, isotropic; N undecayed, invisible, with proper decay length ``n_ctau_m``."""
    a, b = two_body_p4(constants.mass(parent), constants.mass(lepton), mass, isotropic(rng, n))
    t = Tree(n)
    t.add(lepton, a)
    t.add("N", b, final=True, ctau=n_ctau_m, invisible=True)
    return t
