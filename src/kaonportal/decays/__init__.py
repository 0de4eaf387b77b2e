"""Decay generators of the fast simulation (rest frame of the decaying particle; GeV, c = 1).

One entry point, :func:`generate`, for every decay string; :data:`KNOWN_DECAYS` lists the modes
with a dedicated matrix element and says which; any other decay of known particles (e.g. the
lepton-number violating K+ -> pi- e+ e+) is generated with flat phase space
(:mod:`kaonportal.decays.generic`). ``MODES[decay].options`` lists each mode's options and defaults.

Four-momenta are returned in the rest frame of the primary; the simulation boosts them to the lab
with :func:`kaonportal.kinematics.boost` or :func:`to_frame`. Secondary decays (pi0 -> gamma gamma,
Dalitz pi0 -> e+ e- gamma, X -> gamma gamma / l+ l-) are generated in the secondary's rest frame
and boosted into the primary's frame; ``Products.parent`` records the tree. In-flight decays of
pi+ and mu+ (``ctau_m`` finite in :class:`Products`) are left to the simulation, which can generate
them with ``"pi+ -> mu+ nu"``, ``"pi+ -> e+ nu"`` or ``"mu+ -> e+ nu nubar"`` and :func:`to_frame`.

The pi0 decay mode is an option (``pi0_decay="gg" | "dalitz" | "invisible"``, default "gg")
rather than drawn per event, because one call returns one particle list: to simulate both
branches call twice, weighting by ``constants.BR_PI0_GG`` and ``constants.BR_PI0_DALITZ``
(for K+ -> pi+ pi0 pi0, ``pi0_decay=("dalitz", "gg")`` with weight 2 BR_Dalitz BR_gg).
Radiative modes (K+ -> mu+ nu gamma, K+ -> pi+ pi0 gamma) are inner bremsstrahlung above
``e_gamma_min``; :func:`radiative_fraction` gives their rate relative to the non-radiative mode.

>>> import numpy as np
>>> from kaonportal.decays import generate, parse_decay
>>> parse_decay("K+ -> pi+ pi0")
DecaySpec(parent='K+', daughters=('pi+', 'pi0'))
>>> prod = generate("K+ -> pi+ pi0", 1000, np.random.default_rng(7))
>>> prod.p4.shape
(1000, 4, 4)
>>> bool(np.allclose(prod.p4[:, [0, 1]].sum(axis=1), [0.493677, 0, 0, 0]))
True
"""

from __future__ import annotations

import numpy as np

from .newphysics import mass_range
from .phasespace import boost_into
from .products import Products
from .radiative import radiative_fraction
from .registry import FLAT_PHASE_SPACE, KNOWN_DECAYS, MODES, branching_ratio, decay_model, generate, lookup
from .spec import DecaySpec, parse_decay

__all__ = ["parse_decay", "generate", "Products", "KNOWN_DECAYS", "decay_model", "FLAT_PHASE_SPACE", "DecaySpec",
           "MODES", "lookup", "mass_range", "radiative_fraction", "branching_ratio", "to_frame"]


def to_frame(p4: np.ndarray, p4_parent: np.ndarray, m_parent=None) -> np.ndarray:
    """Boost rest-frame four-momenta ``p4`` (n, k, 4) or (n, 4) into the frame where the parent has
    four-momentum ``p4_parent`` (n, 4) and mass ``m_parent`` (GeV; computed if omitted).

    >>> import numpy as np
    >>> mu = generate("mu+ -> e+ nu nubar", 2, np.random.default_rng(1))
    >>> p_mu = np.array([[np.hypot(10.0, 0.1056583755), 0.0, 0.0, 10.0]] * 2)
    >>> lab = to_frame(mu.p4, p_mu, 0.1056583755)
    >>> bool(np.allclose(lab.sum(axis=1), p_mu))
    True
    """
    return boost_into(np.asarray(p4, float), np.asarray(p4_parent, float), m_parent)
