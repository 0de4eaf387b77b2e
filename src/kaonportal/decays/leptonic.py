"""Leptonic decays: K+ / pi+ -> l+ nu (two-body, isotropic) and muon decay mu+ -> e+ nu nubar.

Muon decay uses the full unpolarised V-A matrix element (tree level),
    |M|^2 ~ (p_mu . p_nu_e) (p_e . p_nubar_mu)
(D. Griffiths, "Introduction to Elementary Particles", 2nd ed. (2008), section 10.3, muon decay,
written there for mu-; charge-conjugated here), which in the muon rest frame depends only on the nu_e energy:
    (p_mu . p_nu_e) = m_mu E_nu_e,   (p_e . p_nubar) = (m_mu^2 - 2 m_mu E_nu_e - m_e^2) / 2.
For m_e -> 0 it integrates to the Michel spectrum x^2 (3 - 2x) (rho = 3/4) of the positron. The
muon is taken unpolarised (documented approximation: muons from K+ -> mu+ nu are fully polarised
in reality, which tilts the positron angular distribution).

>>> import numpy as np
>>> t = michel(4, np.random.default_rng(0))
>>> t.products("mu+ -> e+ nu nubar").names
('e+', 'nu', 'nubar')
"""

from __future__ import annotations

__all__ = ["lepton_two_body", "michel", "michel_density"]

import numpy as np

from .. import constants
from .dalitz import dalitz_generate
from .fast import two_body_iso
from .products import Products, Tree, make_products

_M_MU = constants.mass("mu+")
_M_E = constants.mass("e+")


def lepton_two_body(parent: str, lepton: str, n: int, rng: np.random.Generator) -> Products:
    """P -> l+ nu isotropic in the P rest frame (spin-0 parent); compiled fast path."""
    out = np.empty((n, 2, 4))
    two_body_iso(constants.mass(parent), constants.mass(lepton), 0.0, rng.random((n, 2)), out)
    return make_products(f"{parent} -> {lepton} nu", (lepton, "nu"), out)


def michel_density(e_e, e_nubar):
    """Unpolarised mu+ -> e+ nu_e nubar_mu density (arbitrary units) from E_e+ and E_nubar_mu (GeV).

    The nu_e energy is m_mu - E_e - E_nubar; see the module docstring for the formula.
    """
    e_nue = _M_MU - np.asarray(e_e, float) - np.asarray(e_nubar, float)
    return e_nue * (_M_MU**2 - 2.0 * _M_MU * e_nue - _M_E**2)


def michel(n: int, rng: np.random.Generator) -> Tree:
    """mu+ -> e+ nu nubar at rest (``nu`` = nu_e, ``nubar`` = nubar_mu). Efficiency ~ 0.29."""
    # daughter order for the Dalitz generator: e+ (first), nu_e (middle), nubar_mu (last)
    p4 = dalitz_generate(_M_MU, (_M_E, 0.0, 0.0), michel_density, n, rng)
    t = Tree(n)
    t.add("e+", p4[:, 0])
    t.add("nu", p4[:, 1])
    t.add("nubar", p4[:, 2])
    return t
