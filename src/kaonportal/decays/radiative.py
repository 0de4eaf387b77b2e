"""Inner-bremsstrahlung (IB) tails: K+ -> mu+ nu gamma and K+ -> pi+ pi0 gamma above a photon-energy cut.

Only the IB part is generated (structure-dependent / direct-emission terms are not included: they
are small in the regions that matter for the pi nu nubar backgrounds, documented approximation).
The photon energy cut ``e_gamma_min`` (GeV, kaon rest frame, default 0.010) regulates the infrared
divergence; :func:`radiative_fraction` gives Gamma_IB(E_gamma > e_gamma_min) / Gamma(non-radiative)
so the simulation can normalise (BR_rad = fraction x BR(K+ -> mu+ nu) or x BR(K+ -> pi+ pi0)).

K+ -> mu+ nu gamma (J. Bijnens, G. Ecker, J. Gasser, Nucl. Phys. B396 (1993) 81, eqs. for the IB
contribution; also the PDG review "Radiative kaon decays" convention):
    d^2Gamma_IB / dx dy = Gamma(K -> mu nu) alpha / (2 pi) f_IB(x, y) / (1 - r)^2,
    f_IB = (1 - y + r) / (x^2 (x + y - 1 - r)) [x^2 + 2 (1 - x)(1 - r) - 2 x r (1 - r) / (x + y - 1 - r)],
    x = 2 E_gamma / m_K, y = 2 E_mu / m_K, r = m_mu^2 / m_K^2.
The tests check its soft-photon limit against the classical (Low) eikonal radiation pattern.

K+ -> pi+ pi0 gamma: Low's theorem for a constant K -> pi pi amplitude A; summed over photon
polarisations |M_IB|^2 = e^2 |A|^2 (-J^2), J = p_pi/(q.p_pi) - p_K/(q.p_K), i.e.
    -J^2 = 2 (p_pi.p_K) / ((q.p_pi)(q.p_K)) - m_pi^2/(q.p_pi)^2 - m_K^2/(q.p_K)^2,
(F. E. Low, Phys. Rev. 110 (1958) 974; H. Chew, Phys. Rev. 123 (1961) 377). With three-body phase
space dGamma = |M|^2 dE_pi dE_gamma / ((2 pi)^3 8 m_K) and Gamma0 = |A|^2 p* / (8 pi m_K^2):
    Gamma_IB / Gamma0 = alpha m_K / (2 pi p*) Int Int (-J^2) dE_gamma dE_pi.

>>> round(radiative_fraction("K+ -> mu+ nu gamma", 0.010), 4)
0.0067
>>> round(radiative_fraction("K+ -> pi+ pi0 gamma", 1e-4, t_pi_range=(0.055, 0.090)) * 0.2067, 6)
0.000255
"""

from __future__ import annotations

__all__ = ["E_GAMMA_MIN_DEFAULT", "kmu2g_f_ib", "kpi2g_j2", "radiative_fraction", "kmu2g", "kpi2g"]

from functools import lru_cache

import numpy as np

from .. import constants
from ..errors import InputError
from .cascade import add_pi0_decay
from .dalitz import first_energy_range
from .phasespace import accept_reject, three_body
from .products import Tree

E_GAMMA_MIN_DEFAULT = 0.010
"""Default photon-energy cut in the kaon rest frame (GeV)."""

_M_K = constants.mass("K+")
_M_MU = constants.mass("mu+")
_M_PI = constants.mass("pi+")
_M_PI0 = constants.mass("pi0")
_R_MU = (_M_MU / _M_K) ** 2
_KMU2G = (_M_MU, 0.0, 0.0)          # daughter order: mu+, nu, gamma
_KPI2G = (_M_PI, _M_PI0, 0.0)       # daughter order: pi+, pi0, gamma


def kmu2g_f_ib(x, y, r: float = _R_MU):
    """f_IB(x, y) of Bijnens-Ecker-Gasser (module docstring); 0 outside the physical region."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    d = x + y - 1.0 - r
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (1.0 - y + r) / (x * x * d) * (x * x + 2.0 * (1.0 - x) * (1.0 - r) - 2.0 * x * r * (1.0 - r) / d)
    ok = (x > 0) & (x <= 1.0 - r) & (y <= 1.0 + r) & (y >= 1.0 - x + r / np.where(x < 1, 1.0 - x, 1.0)) & (d > 0)
    return np.where(ok, f, 0.0)


def kpi2g_j2(e_pi, e_gamma):
    """-J^2 (GeV^-2) for K+ -> pi+ pi0 gamma at rest from E_pi+ and E_gamma (GeV)."""
    e_pi = np.asarray(e_pi, float)
    e_g = np.asarray(e_gamma, float)
    e_pi0 = _M_K - e_pi - e_g
    s_pig = _M_K**2 + _M_PI0**2 - 2.0 * _M_K * e_pi0     # (p_pi+ + q)^2
    qp = 0.5 * (s_pig - _M_PI**2)
    qk = _M_K * e_g
    pk = _M_K * e_pi
    return 2.0 * pk / (qp * qk) - _M_PI**2 / qp**2 - _M_K**2 / qk**2


def _check_emin(e_gamma_min: float, e_max: float) -> float:
    e = float(e_gamma_min)
    if not (0.0 < e < e_max):
        raise InputError("e_gamma_min", f"must be in (0, {e_max:g}) GeV, got {e_gamma_min!r}")
    return e


def _egamma_max(masses) -> float:
    return (_M_K**2 - (masses[0] + masses[1]) ** 2) / (2.0 * _M_K)


def _integrand(decay: str, e_g, t, tpi_range=None, bounds=None):
    """Integrand in (ln E_gamma, t) with E1 = lo + t (hi - lo): E_gamma (hi - lo) |M|^2-shape.
    ``bounds``: ``first_energy_range`` at ``e_g`` when the caller has it already."""
    masses = _KMU2G if decay == "K+ -> mu+ nu gamma" else _KPI2G
    lo, hi = first_energy_range(_M_K, masses, e_g) if bounds is None else bounds
    if tpi_range is not None:
        lo = np.maximum(lo, masses[0] + tpi_range[0])
        hi = np.minimum(hi, masses[0] + tpi_range[1])
    width = np.maximum(hi - lo, 0.0)
    e1 = lo + t * width
    if decay == "K+ -> mu+ nu gamma":
        x = 2.0 * e_g / _M_K
        y = 2.0 * e1 / _M_K
        # dx dy = (2/m_K)^2 dE_gamma dE_mu; keep E_gamma * width * f_IB, constants applied by the caller
        return e_g * width * kmu2g_f_ib(x, y)
    return e_g * width * kpi2g_j2(e1, e_g)


@lru_cache(maxsize=64)
def radiative_fraction(decay: str, e_gamma_min: float = E_GAMMA_MIN_DEFAULT,
                       t_pi_range: tuple[float, float] | None = None) -> float:
    """Gamma_IB(E_gamma* > e_gamma_min) / Gamma(non-radiative mode), to ~1e-4 relative.

    ``decay`` is ``"K+ -> mu+ nu gamma"`` (relative to K+ -> mu+ nu) or ``"K+ -> pi+ pi0 gamma"``
    (relative to K+ -> pi+ pi0); ``t_pi_range`` (GeV, pi+ kinetic energy in the kaon frame)
    optionally restricts the latter. Gauss-Legendre integration in (ln E_gamma, E_1).
    """
    if decay not in ("K+ -> mu+ nu gamma", "K+ -> pi+ pi0 gamma"):
        raise InputError("decay", "radiative fractions exist for 'K+ -> mu+ nu gamma' and 'K+ -> pi+ pi0 gamma'")
    masses = _KMU2G if decay == "K+ -> mu+ nu gamma" else _KPI2G
    e_max = _egamma_max(masses)
    e_min = _check_emin(e_gamma_min, e_max)
    xg, wg = np.polynomial.legendre.leggauss(200)
    u0, u1 = np.log(e_min), np.log(e_max)
    u = 0.5 * (u1 - u0) * (xg + 1.0) + u0
    wu = 0.5 * (u1 - u0) * wg
    # the E_1 integrand peaks near one edge for the muon (collinear region): split [0, 1] in two
    t_nodes, t_w = [], []
    for a, b in ((0.0, 0.9), (0.9, 1.0)):
        t_nodes.append(0.5 * (b - a) * (xg + 1.0) + a)
        t_w.append(0.5 * (b - a) * wg)
    t = np.concatenate(t_nodes)
    wt = np.concatenate(t_w)
    eg = np.exp(u)[:, None]
    vals = _integrand(decay, eg, t[None, :], t_pi_range)
    integral = float(np.sum(wu[:, None] * wt[None, :] * vals))
    alpha = constants.ALPHA_EM
    if decay == "K+ -> mu+ nu gamma":
        return alpha / (2.0 * np.pi) / (1.0 - _R_MU) ** 2 * (2.0 / _M_K) ** 2 * integral
    pstar = float(np.sqrt((_M_K**2 - (_M_PI + _M_PI0) ** 2) * (_M_K**2 - (_M_PI - _M_PI0) ** 2)) / (2 * _M_K))
    return alpha * _M_K / (2.0 * np.pi * pstar) * integral


@lru_cache(maxsize=64)
def _majorant(decay: str, e_min: float) -> float:
    masses = _KMU2G if decay == "K+ -> mu+ nu gamma" else _KPI2G
    eg = np.exp(np.linspace(np.log(e_min), np.log(_egamma_max(masses)), 600))[:, None]
    t = np.linspace(0.0, 1.0, 1201)[None, :]
    return 1.2 * float(np.nanmax(_integrand(decay, eg, t)))


def _generate(decay: str, n: int, rng: np.random.Generator, e_gamma_min: float) -> np.ndarray:
    masses = _KMU2G if decay == "K+ -> mu+ nu gamma" else _KPI2G
    e_max = _egamma_max(masses)
    e_min = _check_emin(e_gamma_min, e_max)
    major = _majorant(decay, e_min)
    u0, u1 = np.log(e_min), np.log(e_max)

    def propose(size):
        eg = np.exp(u0 + (u1 - u0) * rng.random(size))
        t = rng.random(size)
        lo, hi = first_energy_range(_M_K, masses, eg)
        e1 = lo + t * (hi - lo)
        return {"e1": e1, "eg": eg}, _integrand(decay, eg, t, bounds=(lo, hi)) / major

    acc = accept_reject(n, propose, rng, efficiency=0.2)
    return three_body(_M_K, masses, acc["e1"], acc["eg"], rng)


def kmu2g(n: int, rng: np.random.Generator, e_gamma_min: float = E_GAMMA_MIN_DEFAULT) -> Tree:
    """K+ -> mu+ nu gamma (IB, E_gamma* > e_gamma_min). Efficiency ~ 0.17 (log E_gamma proposal)."""
    p4 = _generate("K+ -> mu+ nu gamma", n, rng, e_gamma_min)
    t = Tree(n)
    for j, name in enumerate(("mu+", "nu", "gamma")):
        t.add(name, p4[:, j])
    return t


def kpi2g(n: int, rng: np.random.Generator, e_gamma_min: float = E_GAMMA_MIN_DEFAULT,
          pi0_decay: str = "gg") -> Tree:
    """K+ -> pi+ pi0 gamma (IB, E_gamma* > e_gamma_min), then the pi0 decay. Efficiency ~ 0.21."""
    p4 = _generate("K+ -> pi+ pi0 gamma", n, rng, e_gamma_min)
    t = Tree(n)
    t.add("pi+", p4[:, 0])
    i0 = t.add("pi0", p4[:, 1])
    add_pi0_decay(t, i0, pi0_decay, rng)
    t.add("gamma", p4[:, 2])
    return t
