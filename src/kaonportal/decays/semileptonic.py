"""K+ -> pi0 l+ nu (Kl3) and K+ -> pi+ nu nubar, both driven by the vector form factor f+(t).

Kl3 Dalitz-plot density (kaon rest frame; L. M. Chounet, J. M. Gaillard, M. K. Gaillard,
Phys. Rept. 4 (1972) 199; as quoted in the PDG review "K_l3 form factors"):
    rho(E_pi, E_l) ~ f+(t)^2 [A + B xi(t) + C xi(t)^2],
    A = m_K (2 E_l E_nu - m_K E'_pi) + m_l^2 (E'_pi / 4 - E_nu),
    B = m_l^2 (E_nu - E'_pi / 2),
    C = m_l^2 E'_pi / 4,
    E'_pi = (m_K^2 + m_pi^2 - m_l^2) / (2 m_K) - E_pi,   t = m_K^2 + m_pi^2 - 2 m_K E_pi,
with xi(t) = f-(t)/f+(t). For m_l = 0 it integrates over E_l to |p_pi|^3 f+(t)^2 (checked in the tests).

Form factors: f+(t) = 1 + lambda'+ t/m_pi+^2 + (lambda''+/2) (t/m_pi+^2)^2 with the FlaviaNet
averages used by the NA62 generators (arXiv:0801.1817 [FlaviaNet:2008kl3]; [GEN:kch2pi0munu.F]
"Kl3 vector form factor used in NA62 MC"). Scalar part: by default the constant
xi = -0.14 of the NA62 Kmu3 generator (same file, "Kmu3 scalar term"); with ``lambda0`` given,
f0(t) = 1 + lambda0 t/m_pi+^2 and xi(t) = (f0/f+ - 1)(m_K^2 - m_pi^2)/t (PDG convention
f0 = f+ + f- t/(m_K^2 - m_pi^2), [PDG] block S010LMM).

K+ -> pi+ nu nubar: dGamma/dq^2 ~ lambda^{3/2}(m_K^2, m_pi^2, q^2) |f+(q^2)|^2 with the Ke3 slopes
scaled by 0.99 ([GEN:kch2pinunu.cc], "K+ -> pi+ nu nubar pi+ spectrum";
[GEN:kch2pinunu.cc]). In the nu nubar rest frame the neutrino follows sin^2(theta) about the
pair's flight direction (V-A current contracted with (p_K + p_pi), massless neutrinos), the same
angular law as the e+ nu pair in Ke3.

>>> import numpy as np
>>> t = kl3("e+", 4, np.random.default_rng(0))
>>> t.products("K+ -> pi0 e+ nu").names
('pi0', 'gamma', 'gamma', 'e+', 'nu')
"""

from __future__ import annotations

__all__ = ["KL3_LAMBDA_PLUS1", "KL3_LAMBDA_PLUS2", "KMU3_XI", "PNN_SLOPE_SCALE", "f_plus", "kl3_density",
           "kl3", "pinunu_q2_density", "pinunu", "sin2_cos"]

from functools import lru_cache

import numpy as np

from .. import constants
from ..kinematics import kallen
from .cascade import add_pi0_decay
from .dalitz import dalitz_generate, dalitz_grid_max
from .phasespace import decay_in_flight, isotropic, sample_1d, two_body_p4
from .products import Tree

KL3_LAMBDA_PLUS1 = 0.0252   # lambda'+  [FlaviaNet:2008kl3] via [GEN:kch2pi0munu.F] [V]
KL3_LAMBDA_PLUS2 = 0.0016   # lambda''+ (f+ = 1 + l' x + l''/2 x^2 convention), same source [V]
KMU3_XI = -0.14             # constant xi = f-/f+ of the NA62 Kmu3 generator, [GEN:kch2pi0munu.F] [V]
PNN_SLOPE_SCALE = 0.99      # Ke3 slopes scaled by 0.99 for K+ -> pi+ nu nubar, [GEN:kch2pinunu.cc] [V]

_M_K = constants.mass("K+")
_M_PIC = constants.mass("pi+")
_M_PI0 = constants.mass("pi0")


def f_plus(t, lambda1: float = KL3_LAMBDA_PLUS1, lambda2: float = KL3_LAMBDA_PLUS2):
    """Quadratic vector form factor f+(t)/f+(0); ``t`` in GeV^2, normalised to m_pi+^2."""
    x = np.asarray(t, float) / _M_PIC**2
    return 1.0 + lambda1 * x + 0.5 * lambda2 * x * x


def kl3_density(m_l: float, e_pi, e_nu, lambda1: float = KL3_LAMBDA_PLUS1, lambda2: float = KL3_LAMBDA_PLUS2,
                xi: float = KMU3_XI, lambda0: float | None = None):
    """Kl3 density rho(E_pi, E_l) (module docstring) from E_pi0 and E_nu in GeV (E_l = m_K - E_pi - E_nu)."""
    e_pi = np.asarray(e_pi, float)
    e_nu = np.asarray(e_nu, float)
    e_l = _M_K - e_pi - e_nu
    t = _M_K**2 + _M_PI0**2 - 2.0 * _M_K * e_pi
    ep = (_M_K**2 + _M_PI0**2 - m_l**2) / (2.0 * _M_K) - e_pi
    fp = f_plus(t, lambda1, lambda2)
    if lambda0 is None:
        x = np.full_like(t, xi)
    else:
        f0 = 1.0 + lambda0 * t / _M_PIC**2
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(t > 0, (f0 / fp - 1.0) * (_M_K**2 - _M_PI0**2) / np.where(t > 0, t, 1.0),
                         lambda0 / _M_PIC**2 * (_M_K**2 - _M_PI0**2) - lambda1 * (_M_K**2 - _M_PI0**2) / _M_PIC**2)
    ml2 = m_l * m_l
    a = _M_K * (2.0 * e_l * e_nu - _M_K * ep) + ml2 * (ep / 4.0 - e_nu)
    b = ml2 * (e_nu - ep / 2.0)
    c = ml2 * ep / 4.0
    return fp * fp * (a + b * x + c * x * x)


@lru_cache(maxsize=32)
def _kl3_majorant(m_l, lambda1, lambda2, xi, lambda0):
    return 1.15 * dalitz_grid_max(_M_K, (_M_PI0, m_l, 0.0),
                                  lambda e1, e3: kl3_density(m_l, e1, e3, lambda1, lambda2, xi, lambda0))


def kl3(lepton: str, n: int, rng: np.random.Generator, lambda_plus1: float = KL3_LAMBDA_PLUS1,
        lambda_plus2: float = KL3_LAMBDA_PLUS2, xi: float = KMU3_XI, lambda0: float | None = None,
        pi0_decay: str = "gg") -> Tree:
    """K+ -> pi0 l+ nu by accept-reject on :func:`kl3_density` (efficiency ~ 0.26 Ke3, ~ 0.28 Kmu3)."""
    m_l = constants.mass(lepton)
    args = (float(lambda_plus1), float(lambda_plus2), float(xi), None if lambda0 is None else float(lambda0))
    major = _kl3_majorant(m_l, *args)
    p4 = dalitz_generate(_M_K, (_M_PI0, m_l, 0.0), lambda e1, e3: kl3_density(m_l, e1, e3, *args), n, rng,
                         majorant=major)
    t = Tree(n)
    i0 = t.add("pi0", p4[:, 0])
    add_pi0_decay(t, i0, pi0_decay, rng)
    t.add(lepton, p4[:, 1])
    t.add("nu", p4[:, 2])
    return t


def pinunu_q2_density(q2, slope_scale: float = PNN_SLOPE_SCALE):
    """dGamma/dq^2 (arbitrary units) of K+ -> pi+ nu nubar, q^2 = m_nunu^2 in GeV^2; 0 outside [0, (m_K - m_pi)^2]."""
    q2 = np.asarray(q2, float)
    lam = kallen(_M_K**2, _M_PIC**2, q2)
    fp = f_plus(q2, slope_scale * KL3_LAMBDA_PLUS1, slope_scale * KL3_LAMBDA_PLUS2)
    ok = (q2 >= 0) & (q2 <= (_M_K - _M_PIC) ** 2)
    return np.where(ok, np.maximum(lam, 0.0) ** 1.5 * fp * fp, 0.0)


def sin2_cos(rng: np.random.Generator, n: int) -> np.ndarray:
    """cos(theta) distributed as (3/4)(1 - cos^2): the median of three uniforms on [-1, 1]
    (the median of three U(0,1) has density 6x(1-x))."""
    return np.median(2.0 * rng.random((n, 3)) - 1.0, axis=1)


def pinunu(n: int, rng: np.random.Generator, slope_scale: float = PNN_SLOPE_SCALE) -> Tree:
    """K+ -> pi+ nu nubar: q^2 by accept-reject (density maximal at q^2 = 0 up to the form
    factor, majorant 1.1 x grid maximum, efficiency ~ 0.34), then K+ -> pi+ (nu nubar) and the
    sin^2 decay of the pair."""
    q2 = sample_1d(n, rng, lambda q2: pinunu_q2_density(q2, slope_scale), (_M_K - _M_PIC) ** 2)
    m_nn = np.sqrt(q2)
    pip, nn = two_body_p4(_M_K, _M_PIC, m_nn, isotropic(rng, n))
    nu, nubar = decay_in_flight(nn, 0.0, 0.0, sin2_cos(rng, n), 2.0 * np.pi * rng.random(n), m_nn)
    t = Tree(n)
    t.add("pi+", pip)
    t.add("nu", nu)
    t.add("nubar", nubar)
    return t
