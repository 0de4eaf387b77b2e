"""Any decay of known particles with a constant ("phase space") matrix element.

Used for every decay string that has no dedicated model in
:data:`~kaonportal.decays.KNOWN_DECAYS`, e.g. the lepton-number / lepton-flavour violating searches
K+ -> pi- e+ e+, pi- mu+ mu+, pi- mu+ e+, pi+ mu- e+, pi+ mu+ e-, pi0 pi- e+ e+, pi0 pi- mu+ e+
(NA62 quotes its limits for uniform phase space: [NA62:2024pi0pimue]).
The events are unweighted k-body phase space (:func:`~kaonportal.decays.phasespace.genbod`), isotropic,
with no secondary decays (a pi0 daughter is decayed to gamma gamma when ``pi0_decay="gg"``).

>>> import numpy as np
>>> t = phase_space(("pi-", "e+", "e+"), "K+", 4, np.random.default_rng(1))
>>> t.products("K+ -> pi- e+ e+").names
('pi-', 'e+', 'e+')
"""

from __future__ import annotations

__all__ = ["phase_space"]

from collections.abc import Sequence

import math

import numpy as np

from .cascade import add_pi0_decay
from .phasespace import genbod
from .products import Tree
from .spec import PORTAL_NAMES, particle_mass


def phase_space(daughters: Sequence[str], parent: str, n: int, rng: np.random.Generator,
                mass: float | None = None, pi0_decay: str | None = None, ctau_m: float = math.inf) -> Tree:
    """Flat phase space for ``parent -> daughters``; a portal daughter gets ``mass`` and ``ctau_m``."""
    m_parent = particle_mass(parent)
    masses = [particle_mass(d, mass) for d in daughters]
    p4 = genbod(m_parent, masses, n, rng)
    t = Tree(n)
    for j, d in enumerate(daughters):
        if d in PORTAL_NAMES:
            t.add(d, p4[:, j], final=True, ctau=ctau_m, invisible=True)
        else:
            i = t.add(d, p4[:, j])
            if d == "pi0" and pi0_decay is not None:
                add_pi0_decay(t, i, pi0_decay, rng)
    return t
