"""Decay generators of the fast simulation (rest frame of the decaying particle; GeV, c = 1).

One entry point, :func:`generate`, for every decay string; :data:`KNOWN_DECAYS` lists the modes
with a dedicated matrix element and says which; any other decay of known particles is generated
with flat phase space (documented in :mod:`kaonportal.decays.generic`).

Four-momenta are returned in the rest frame of the primary; the simulation boosts them to the lab
with :func:`kaonportal.kinematics.boost`. Secondary decays (pi0 -> gamma gamma, Dalitz
pi0 -> e+ e- gamma, X -> gamma gamma / l+ l-) are generated in the secondary's rest frame and
boosted into the primary's frame; ``Products.parent`` records the tree.

The pi0 decay mode is an option (``pi0_decay="gg" | "dalitz" | "invisible"``, default "gg")
rather than drawn per event, because one call returns one particle list: to simulate both
branches call twice, weighting by ``constants.BR_PI0_GG`` and ``constants.BR_PI0_DALITZ``.

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

from .products import Products
from .registry import KNOWN_DECAYS, MODES, generate, lookup
from .spec import DecaySpec, parse_decay

__all__ = ["parse_decay", "generate", "Products", "KNOWN_DECAYS", "DecaySpec", "MODES", "lookup"]
