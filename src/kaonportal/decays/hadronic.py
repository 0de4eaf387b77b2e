"""Hadronic K+ decays: K+ -> pi+ pi0 (two-body) and K+ -> 3 pi with the measured Dalitz-plot slopes.

K3pi matrix element (PDG K+ listing, "Dalitz plot parameters"; NA48/2):
    |M|^2 = 1 + g u + h u^2 + k v^2,
    u = (s3 - s0) / m_pi+^2,  v = (s1 - s2) / m_pi+^2,  s_i = (P_K - p_i)^2,  s0 = (s1 + s2 + s3) / 3,
where 3 is the odd pion (pi- in pi+ pi+ pi-, pi+ in pi+ pi0 pi0). Parameters: [PDG] and
[GEN:kch2pipipi.F; GEN:kch2pipi0pi0.F] ("K3pi (pi+pi+pi-) Dalitz" and "pi+pi0pi0 Dalitz"). Coulomb
corrections and the pi0 pi0 cusp are not included (documented approximation).

>>> import numpy as np
>>> t = k3pi("K+ -> pi+ pi+ pi-", 5, np.random.default_rng(2))
>>> t.products("K+ -> pi+ pi+ pi-").names
('pi+', 'pi+', 'pi-')
"""

from __future__ import annotations

__all__ = ["K3PI_SLOPES", "k3pi_density", "kpi2", "k3pi"]

from functools import lru_cache

import numpy as np

from .. import constants
from .cascade import add_pi0_decay
from .dalitz import dalitz_generate, dalitz_grid_max
from .phasespace import isotropic, two_body_p4
from .fast import pi0_gg, two_body_iso
from .products import Products, Tree, make_products

K3PI_SLOPES = {
    # g, h, k for K+ -> pi+ pi+ pi- : NA48/2 values used by the NA62 generator kch2pipipi.F
    # (g V [PDG S010GT], h and k V [GEN:kch2pipipi.F]).
    "K+ -> pi+ pi+ pi-": (-0.21134, 0.01848, -0.00463),
    # g, h, k for K+ -> pi+ pi0 pi0 : PDG block S010GTP (g V; h, k R) [PDG].
    "K+ -> pi+ pi0 pi0": (0.626, 0.052, 0.0054),
}

_M_K = constants.mass("K+")
_M_PIC = constants.mass("pi+")
_M_PI0 = constants.mass("pi0")


def _masses(decay: str) -> tuple[float, float, float]:
    if decay == "K+ -> pi+ pi+ pi-":
        return (_M_PIC, _M_PIC, _M_PIC)
    return (_M_PIC, _M_PI0, _M_PI0)


def k3pi_density(decay: str, e_first, e_last, g: float, h: float, k: float):
    """|M|^2 = 1 + g u + h u^2 + k v^2 from the energies of daughters 1 and 3 in the kaon frame.

    Daughter order: ``("pi+", "pi+", "pi-")`` (odd pion last) or ``("pi+", "pi0", "pi0")``
    (odd pion first). Energies in GeV.
    """
    m = _masses(decay)
    e1 = np.asarray(e_first, float)
    e3 = np.asarray(e_last, float)
    e2 = _M_K - e1 - e3
    s = [(_M_K**2 + mi * mi - 2.0 * _M_K * ei) for mi, ei in zip(m, (e1, e2, e3))]
    s0 = (_M_K**2 + sum(mi * mi for mi in m)) / 3.0
    if decay == "K+ -> pi+ pi+ pi-":
        s_odd, sa, sb = s[2], s[0], s[1]
    else:
        s_odd, sa, sb = s[0], s[1], s[2]
    u = (s_odd - s0) / _M_PIC**2
    v = (sa - sb) / _M_PIC**2
    return 1.0 + g * u + h * u * u + k * v * v


@lru_cache(maxsize=32)
def _k3pi_majorant(decay: str, g: float, h: float, k: float) -> float:
    return 1.15 * dalitz_grid_max(_M_K, _masses(decay), lambda a, b: k3pi_density(decay, a, b, g, h, k))


def kpi2(n: int, rng: np.random.Generator, pi0_decay: str = "gg") -> Tree | Products:
    """K+ -> pi+ pi0, isotropic (spin 0 -> 0 0), then the pi0 decay (see :mod:`.cascade`).

    pi0 -> gamma gamma runs through the compiled kernels of :mod:`.fast`.
    """
    if pi0_decay == "gg":
        out = np.empty((n, 4, 4))
        u = rng.random((n, 4))
        # whole C arrays, no views (two_body_iso reads columns 0, 1 of u): each kernel is compiled once, for
        # the C arrays of every caller (a cold numba cache compiles every signature)
        two_body_iso(_M_K, _M_PIC, _M_PI0, u, out)
        pi0_gg(_M_PI0, out, 1, u, 2, out, 2)
        return make_products("K+ -> pi+ pi0", ("pi+", "pi0", "gamma", "gamma"), out,
                             (-1, -1, 1, 1), (True, False, True, True))
    pip, pi0 = two_body_p4(_M_K, _M_PIC, _M_PI0, isotropic(rng, n))
    t = Tree(n)
    t.add("pi+", pip)
    i0 = t.add("pi0", pi0)
    add_pi0_decay(t, i0, pi0_decay, rng)
    return t


def k3pi(decay: str, n: int, rng: np.random.Generator, g: float | None = None, h: float | None = None,
         k: float | None = None, pi0_decay: str | tuple[str, ...] = "gg") -> Tree:
    """K+ -> pi+ pi+ pi- or pi+ pi0 pi0 with the Dalitz density :func:`k3pi_density`.

    ``g, h, k`` default to :data:`K3PI_SLOPES`. Accept-reject efficiency ~ 0.63 (pi+pi+pi-) and
    ~ 0.35 (pi+pi0pi0, steeper slope).
    ``pi0_decay`` (pi+ pi0 pi0 only): one mode for both pi0s or a pair, e.g. ``("dalitz", "gg")``.
    """
    g0, h0, k0 = K3PI_SLOPES[decay]
    g = g0 if g is None else float(g)
    h = h0 if h is None else float(h)
    k = k0 if k is None else float(k)
    masses = _masses(decay)
    major = _k3pi_majorant(decay, g, h, k)
    p4 = dalitz_generate(_M_K, masses, lambda a, b: k3pi_density(decay, a, b, g, h, k), n, rng, majorant=major)
    t = Tree(n)
    names = ("pi+", "pi+", "pi-") if decay == "K+ -> pi+ pi+ pi-" else ("pi+", "pi0", "pi0")
    idx = [t.add(nm, p4[:, j]) for j, nm in enumerate(names)]
    if decay == "K+ -> pi+ pi0 pi0":
        modes = (pi0_decay, pi0_decay) if isinstance(pi0_decay, str) else tuple(pi0_decay)
        for i0, mode in zip(idx[1:], modes):
            add_pi0_decay(t, i0, mode, rng)
    return t
