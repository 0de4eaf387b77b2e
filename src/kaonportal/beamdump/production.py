"""Production of a long-lived state X at the dump, as weighted Monte Carlo samples.

Each mechanism returns an :class:`XSample`: lab four-momenta of X, production points, and a weight per
event = X yield per proton on target carried by that event, *before* the model factor that depends on
(mass, coupling):

* ``meson decay`` ``"P -> Y X"`` (e.g. ``"pi0 -> gamma A'"``, ``"B+ -> K+ S"``, ``"Ds+ -> e+ N"``):
  weight = n_P/POT / n_sampled; the model factor is ``model.production_br(mass, coupling)[key]``.
  X is produced isotropically in the P rest frame (two-body: fixed p*; three-body: flat phase space,
  :mod:`.phasespace`) and boosted with the P momentum drawn from the Pythia tables (:mod:`.mesons`).
  portal_formulas.md section 1: chi = sum_M n_M/POT x BR(M -> X + ...).
* ``brems`` (dark photon): see :mod:`.brems`; the model factor is coupling^2.

Production points: protons interact in the copper at z = z_dump + Exp(lambda_int), at the beam impact
(x = 0, y = y_dump) (na62_parameters.md section 6).  Meson flight before its decay is neglected: the
longest-lived parents used here (D+, B) fly O(1-30 mm) at these momenta, small against the 80 m to the
decay volume.

>>> import numpy as np
>>> from kaonportal.beamdump.setup import BeamDumpSetup
>>> s = meson_decay_sample("pi0", ("gamma",), 0.05, 1000, np.random.default_rng(1), BeamDumpSetup(),
...                        parent_sampler=lambda n, rng: (np.full(n, 50.0), np.zeros(n), np.zeros(n)),
...                        parent_yield=5.0)
>>> round(float(s.weight.sum()), 6)
5.0
>>> bool(np.allclose(s.p4[:, 0] ** 2 - (s.p4[:, 1:] ** 2).sum(1), 0.05 ** 2))
True
"""

from __future__ import annotations

__all__ = ["XSample", "production_vertices", "meson_decay_sample", "meson_momenta",
           "parse_production_key", "X_NAMES"]

from dataclasses import dataclass

import numpy as np

from .. import constants
from ..errors import InputError
from ..kinematics import two_body_momentum
from .mesons import MESONS, multiplicity_per_pot, sample_meson
from .phasespace import boost_to_lab, isotropic_directions, nbody
from .setup import BeamDumpSetup

X_NAMES = ("A'", "S", "N", "a", "X")
# Table label -> kaonportal.constants particle name
_CONST_NAME = {"pi0": "pi0", "eta": "eta", "eta'": "eta'", "omega": "omega", "phi": "phi", "rho0": "rho0",
               "D+": "D+", "D0": "D0", "Ds+": "Ds+", "B+": "B+", "B0": "B0"}
# Model names of charge conjugates map onto the same (merged) table.
_CC = {"D-": "D+", "Dbar0": "D0", "Ds-": "Ds+", "B-": "B+", "Bbar0": "B0"}


@dataclass
class XSample:
    """Weighted X sample from one production mechanism (see module docstring)."""
    mechanism: str
    mass: float
    p4: np.ndarray            # (n, 4) lab four-momentum of X, GeV
    vertex: np.ndarray        # (n, 3) production point, m
    weight: np.ndarray        # (n,) X per POT per event, before the (mass, coupling) model factor

    @property
    def n(self) -> int:
        return int(self.weight.size)


def production_vertices(n: int, rng: np.random.Generator, setup: BeamDumpSetup) -> np.ndarray:
    """Proton interaction points in the TAX copper, shape (n, 3)."""
    v = np.zeros((n, 3))
    v[:, 1] = setup.y_dump
    v[:, 2] = setup.z_dump + rng.exponential(setup.lambda_int, n)
    return v


def parse_production_key(key: str):
    """Split ``"P -> Y X"`` into (table meson, other daughters, X name); None if not a dump channel.

    >>> parse_production_key("eta -> gamma A'")
    ('eta', ('gamma',), "A'")
    >>> parse_production_key("K+ -> pi+ S") is None      # kaons are absorbed in the dump
    True
    """
    if "->" not in key:
        return None
    parent, rest = (x.strip() for x in key.split("->", 1))
    daughters = tuple(rest.split())
    xs = [d for d in daughters if d in X_NAMES]
    if len(xs) != 1:
        return None
    parent = _CC.get(parent, parent)
    if parent not in MESONS or parent not in _CONST_NAME:
        return None
    others = list(daughters)
    others.remove(xs[0])
    for o in others:            # e.g. K*0 has no mass in kaonportal.constants: not simulated (reported)
        try:
            constants.mass(o)
        except InputError:
            return None
    return parent, tuple(others), xs[0]


def meson_momenta(p, theta, phi, m):
    """Lab four-momenta (n, 4) from |p|, polar angle and azimuth."""
    st = np.sin(theta)
    out = np.empty((np.size(p), 4))
    out[:, 0] = np.sqrt(p * p + m * m)
    out[:, 1] = p * st * np.cos(phi)
    out[:, 2] = p * st * np.sin(phi)
    out[:, 3] = p * np.cos(theta)
    return out


def _mass_of(name: str) -> float:
    try:
        return constants.mass(name)
    except InputError:
        raise InputError("production", f"particle {name!r} has no mass in kaonportal.constants") from None


def meson_decay_sample(parent: str, others: tuple[str, ...], mass: float, n: int, rng: np.random.Generator,
                       setup: BeamDumpSetup, *, a_scaling: str | float = "pp", parent_sampler=None,
                       parent_yield: float | None = None, x_name: str = "X") -> XSample | None:
    """X from ``parent -> others + X`` decays of table mesons. None if kinematically closed at ``mass``.

    ``parent_sampler(n, rng) -> (p, theta, phi)`` and ``parent_yield`` (per POT) override the tables
    (used in tests).
    """
    m_p = _mass_of(_CONST_NAME.get(parent, parent))
    m_others = [_mass_of(o) for o in others]
    if mass + sum(m_others) >= m_p:
        return None
    if parent_sampler is None:
        p, th, ph = sample_meson(parent, n, rng)
    else:
        p, th, ph = parent_sampler(n, rng)
    yld = multiplicity_per_pot(parent, a_scaling) if parent_yield is None else float(parent_yield)
    parent4 = meson_momenta(p, th, ph, m_p)
    if len(others) == 1:
        pst = float(two_body_momentum(m_p, mass, m_others[0]))
        rest = np.empty((n, 1, 4))
        rest[:, 0, 1:] = isotropic_directions(n, rng) * pst
        rest[:, 0, 0] = np.sqrt(pst * pst + mass * mass)
        w = np.ones(n)
    else:
        rest4, w = nbody(np.full(n, m_p), [mass] + m_others, rng)
        rest = rest4[:, :1]
        w = w / w.mean()            # unweighted-equivalent: phase-space weights average to one
    x4 = boost_to_lab(rest, parent4)[:, 0]
    key = f"{parent} -> {' '.join(others)} {x_name}"
    return XSample(key, float(mass), x4, production_vertices(n, rng, setup), w * yld / n)

