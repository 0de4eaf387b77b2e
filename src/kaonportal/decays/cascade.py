"""Secondary decays attached to a decay tree: pi0 -> gamma gamma, Dalitz pi0 -> e+ e- gamma,
and isotropic two-body decays of a portal boson (X -> gamma gamma, e+ e-, mu+ mu-).

Each secondary decay is generated in the rest frame of the decaying particle and boosted into
the primary's rest frame (velocity p/E of the parent four-momentum already in the tree).

pi0 decay mode per pi0: ``"gg"`` (pi0 -> gamma gamma, isotropic), ``"dalitz"`` (pi0 -> e+ e- gamma
with the Kroll-Wada density, :func:`kroll_wada_sample`) or ``"invisible"`` (the pi0 is kept as a
final, invisible particle: the new-physics hypothesis pi0 -> invisible).
Because a :class:`~kaonportal.decays.Products` has one particle list per call, the Dalitz branch is
not mixed in at random: call the generator once with ``pi0_decay="gg"`` (weight
``constants.BR_PI0_GG``) and once with ``"dalitz"`` (weight ``constants.BR_PI0_DALITZ``).

>>> import numpy as np
>>> x, y = kroll_wada_sample(1000, np.random.default_rng(3))
>>> bool((x >= KW_X_MIN).all() and (x <= 1).all() and (np.abs(y) <= 1).all())
True
"""

from __future__ import annotations

__all__ = ["PI0_DECAYS", "PI0_TFF_SLOPE", "KW_X_MIN", "kroll_wada_density", "kroll_wada_sample",
           "add_pi0_decay", "add_isotropic_decay"]

import numpy as np

from .. import constants
from .fast import pi0_gg
from .phasespace import accept_reject, boost_into, decay_in_flight, isotropic, two_body_p4
from .products import Tree

PI0_DECAYS = ("gg", "dalitz", "invisible")

PI0_TFF_SLOPE = 0.0368
"""Slope a of the pi0 transition form factor F(x) = 1 + a x; NA62, PLB 768 (2017) 38 (a = 0.0368 +- 0.0057), [R]."""

_M_PI0 = constants.mass("pi0")
_M_E = constants.mass("e-")
KW_X_MIN = (2.0 * _M_E / _M_PI0) ** 2
"""Lower end of x = m_ee^2 / m_pi0^2 (the e+e- threshold, r^2 = 4 m_e^2 / m_pi0^2)."""


def kroll_wada_density(x, y, slope: float = PI0_TFF_SLOPE):
    """Kroll-Wada Dalitz density d^2Gamma/dx dy (arbitrary normalisation).

    d^2Gamma/dx dy ~ |F(x)|^2 (1 - x)^3 / x * (1 + y^2 + r^2 / x),   r^2 <= x <= 1, |y| <= beta,
    with x = m_ee^2/m_pi0^2, y = 2 p_pi0.(p_e+ - p_e-) / (m_pi0^2 (1 - x)) (= beta cos(theta_e) in the
    e+e- rest frame), beta = sqrt(1 - r^2/x), r = 2 m_e / m_pi0, F(x) = 1 + a x.
    Source: N. Kroll and W. Wada, Phys. Rev. 98 (1955) 1355; in this form NA62, PLB 768 (2017) 38, eq. (1).
    Zero outside the physical region.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    r2 = KW_X_MIN
    with np.errstate(divide="ignore", invalid="ignore"):
        beta2 = 1.0 - r2 / x
        d = (1.0 + slope * x) ** 2 * (1.0 - x) ** 3 / x * (1.0 + y * y + r2 / x)
    ok = (x >= r2) & (x <= 1.0) & (y * y <= beta2)
    return np.where(ok, d, 0.0)


def kroll_wada_sample(n: int, rng: np.random.Generator, slope: float = PI0_TFF_SLOPE):
    """Sample ``(x, y)`` from :func:`kroll_wada_density`.

    Proposal: ln x uniform on [ln r^2, 0] and y uniform on [-1, 1]; the ratio
    x * density / (3 (1 + |a|)^2) is <= 1 because (1 - x)^3 <= 1, 1 + y^2 <= 2, r^2/x <= 1.
    Efficiency about 32%.
    """
    lo = np.log(KW_X_MIN)
    major = 3.0 * (1.0 + abs(slope)) ** 2

    def propose(size):
        x = np.exp(lo * rng.random(size))
        y = 2.0 * rng.random(size) - 1.0
        return {"x": x, "y": y}, x * kroll_wada_density(x, y, slope) / major

    out = accept_reject(n, propose, rng, efficiency=0.4)
    return out["x"], out["y"]


def add_pi0_decay(tree: Tree, i_pi0: int, mode: str, rng: np.random.Generator) -> None:
    """Decay the pi0 at index ``i_pi0`` of ``tree`` (four-momenta already in the primary frame)."""
    n = tree.n
    p_pi0 = tree.p4(i_pi0)
    if mode == "invisible":
        tree.set_final(i_pi0, True, ctau=float("inf"), invisible=True)
        return
    tree.set_final(i_pi0, False, ctau=0.0)
    if mode == "gg":
        # compiled kernel: isotropic photons in the pi0 frame, first boosted, second = p_pi0 - first
        out = np.empty((n, 2, 4))
        pi0_gg(_M_PI0, np.ascontiguousarray(p_pi0).reshape(n, 1, 4), 0, rng.random((n, 2)), 0, out, 0)
        tree.add("gamma", out[:, 0], i_pi0)
        tree.add("gamma", out[:, 1], i_pi0)
        return
    if mode == "dalitz":
        x, y = kroll_wada_sample(n, rng)
        m_ee = _M_PI0 * np.sqrt(x)
        # pi0 -> gamma + (e+e-) isotropic in the pi0 frame, then (e+e-) -> e+ e- at helicity angle theta
        g, ee = two_body_p4(_M_PI0, 0.0, m_ee, isotropic(rng, n))
        beta = np.sqrt(np.maximum(1.0 - KW_X_MIN / x, 0.0))
        cos_t = np.clip(y / np.where(beta > 0, beta, 1.0), -1.0, 1.0)
        ep, em = decay_in_flight(ee, _M_E, _M_E, cos_t, 2.0 * np.pi * rng.random(n), m_ee)
        ep = boost_into(ep, p_pi0, _M_PI0)
        em = boost_into(em, p_pi0, _M_PI0)
        g = boost_into(g, p_pi0, _M_PI0)
        tree.add("e+", ep, i_pi0)
        tree.add("e-", em, i_pi0)
        tree.add("gamma", g, i_pi0)
        return
    raise ValueError(f"unknown pi0 decay {mode!r}")


def add_isotropic_decay(tree: Tree, i_parent: int, daughters: tuple[str, str], m_parent: float,
                        rng: np.random.Generator) -> None:
    """Isotropic two-body decay (spin-0 parent, or unpolarised) of particle ``i_parent`` of mass ``m_parent``."""
    m1, m2 = (constants.mass(d) for d in daughters)
    a, _ = two_body_p4(m_parent, m1, m2, isotropic(rng, tree.n))
    p_par = tree.p4(i_parent)
    a = boost_into(a, p_par, m_parent)
    tree.add(daughters[0], a, i_parent)
    tree.add(daughters[1], p_par - a, i_parent)
