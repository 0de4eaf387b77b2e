"""Dark photon: PBC BC1 (visible decays) and BC2 (invisible decays into light dark matter).

Model ([Ilten:2018crw]): L ⊃ -eps e A'_mu sum_f Q_f fbar gamma^mu f below the Z mass.
Coupling variable: the kinetic mixing ``epsilon`` (not squared). Mass in GeV.

Decays ([Ilten:2018crw]):

- leptons: Gamma(A' -> l+ l-) = (eps^2 alpha m/3)(1 + 2 m_l^2/m^2) sqrt(1 - 4 m_l^2/m^2)
  (ALPINIST decay_widths_DP.py L60-69; DarkCast model.py L219-225, 1801.04847 Eq. 2.13);
- hadrons: Gamma(A' -> f) = (eps^2 alpha m/3) R_f(m^2) (f includes pi+ pi- pi0 pi0 and K+ K- pi0, the
  multi-hadron channels of the NA62 dump search), with the *massless* muon normalisation of
  DarkCast (1801.04847 Eqs. 2.17-2.18). A pitfall of [ALPINIST:2022code]: ALPINIST uses
  the massive Gamma_mumu instead; R is defined relative to the point-like massless cross-section
  4 pi alpha^2/(3 s), so the massless normalisation is the consistent one (tested). R_f(s) comes
  from :mod:`kaonportal.models.rratio`, a documented parametrisation (no inclusive R data in the repository;
  the pi+ pi- pi0 pi0 and K+ K- pi0 pieces are the shipped BaBar e+e- cross-section tables).

BC2 ([Beacham:2019nyx]): A' -> chi chibar with alpha_D = 0.1 and m_chi = m_A'/3 (PBC/LDM benchmark).
The spin of chi is not fixed by the sources ([Beacham:2019nyx]); **choice: Dirac fermion**
(Gamma = (alpha_D m/3)(1 + 2r^2) sqrt(1 - 4r^2), r = m_chi/m), overridable with
``chi_spin="scalar"`` (Gamma = (alpha_D m/12)(1 - 4r^2)^{3/2}).

Production ([Ilten:2018crw; ALPINIST:2022code]):

- P -> gamma A' (P = pi0, eta, eta'): BR = 2 eps^2 (1 - m^2/m_P^2)^3 BR(P -> gamma gamma) |F_P(m^2)|^2
  (FORESEE DarkPhoton.ipynb cells 6-8; ALPINIST exotic_functions.py L142-143, there with F = 1), PDG
  BR(P -> gamma gamma); F_P the measured transition form factor (:mod:`.transition_ff`, default
  ``transition_form_factor="pole"``; ``"none"`` gives the point-like formula);
- V -> P A' (omega -> pi0 A', phi -> eta A'): the point-like V P gamma* (magnetic-dipole) vertex of
  [Landsberg:1985tff], BR = eps^2 BR(V -> P gamma) [lambda(m_V^2, m_P^2, m^2)/(m_V^2 - m_P^2)^2]^(3/2), i.e. the
  cube of the P momentum ratio, times |F_VP(m^2)|^2 as above (the form in which NA60's omega TFF was measured). The
  ALPINIST exotic_functions.py L145-146 form used before, (m_V^2 - m^2 - m_P^2)^2 lambda^1/2/(m_V^2 - m_P^2)^3,
  drops the -4 m_P^2 m^2 term of lambda: +18 % for omega -> pi0 A' at 0.5 GeV, +34 % for phi -> eta A' at 0.3 GeV
  (found by the budget's cross-check, data/beamdump/reference_yields.yaml);
- K+ -> pi+ A': approximate parametrisation of 0811.1030 as in ALPINIST exotic_functions.py L708-714,
  |W(z)|^2 = 3e-12 (1 + 2 z), z = m^2/m_K^2 [U: W(z) should come from the K+ -> pi+ e+ e- form factor].

Proton bremsstrahlung is in :mod:`kaonportal.beamdump`; the coupling helpers it needs are
:func:`lepton_width`, :func:`hadronic_width` and :data:`~kaonportal.constants.ALPHA_EM`.

>>> from kaonportal.models import get_model
>>> dp = get_model("dark-photon")
>>> f"{float(dp.ctau_m(0.050022, 1.0)):.4e}"   # FORESEE ctau.txt line 50: 1.62174e-12 m
'1.6217e-12'
>>> point_like = get_model("dark-photon", transition_form_factor="none")
>>> br = point_like.production_br(0.05, 1e-3)["pi0 -> gamma A'"]   # [Ilten:2018crw; ALPINIST:2022code] check value [C]
>>> f"{float(br):.4e}"
'1.2694e-06'
>>> round(float(dp.production_br(0.05, 1e-3)["pi0 -> gamma A'"] / br), 4)   # |F_pi0(m^2)|^2, NA62 slope
1.0102
"""

from __future__ import annotations

__all__ = ["DarkPhoton", "DarkPhotonInvisible", "lepton_width", "hadronic_width", "meson_to_gamma_br",
           "vector_to_pseudoscalar_br", "k_to_pi_aprime_width"]

import numpy as np

from ..constants import (ALPHA_EM, BR_ETA_GG, BR_ETAP_GG, BR_OMEGA_PI0G, BR_PHI_ETAG, BR_PI0_GG,
                         mass, width_gev)
from ..errors import check_choice, check_range
from ..kinematics import kallen
from .base import PortalModel
from .rratio import r_ratio_channels
from .transition_ff import TFF_CHOICES, transition_ff2

_M_E, _M_MU = mass("e-"), mass("mu-")
_M_K, _M_PI = mass("K+"), mass("pi+")


def lepton_width(m, eps, m_l):
    """Gamma(A' -> l+ l-) in GeV for mass ``m`` (GeV), kinetic mixing ``eps`` ([Ilten:2018crw])."""
    m = np.asarray(m, dtype=float)
    x = m_l**2 / np.maximum(m, 1e-300) ** 2
    beta = np.sqrt(np.clip(1.0 - 4.0 * x, 0.0, None))
    return np.where(4.0 * x < 1.0, np.asarray(eps) ** 2 * ALPHA_EM * m / 3.0 * (1.0 + 2.0 * x) * beta, 0.0)


def hadronic_channel_widths(m, eps) -> dict[str, np.ndarray]:
    """Exclusive hadronic widths eps^2 (alpha m/3) R_f(m^2) ([Ilten:2018crw], massless normalisation)."""
    m = np.asarray(m, dtype=float)
    base = np.asarray(eps) ** 2 * ALPHA_EM * m / 3.0
    return {f"A' -> {k}": base * v for k, v in r_ratio_channels(m * m).items()}


def hadronic_width(m, eps):
    """Total Gamma(A' -> hadrons) in GeV = eps^2 (alpha m/3) R(m^2)."""
    return np.sum(np.stack(list(hadronic_channel_widths(m, eps).values())), axis=0)


def meson_to_gamma_br(m, eps, m_p, br_gg):
    """BR(P -> gamma A') = 2 eps^2 (1 - m^2/m_P^2)^3 BR(P -> gamma gamma), zero above m_P ([Ilten:2018crw; ALPINIST:2022code])."""
    m = np.asarray(m, dtype=float)
    x = np.clip(1.0 - m**2 / m_p**2, 0.0, None)
    return np.where(m < m_p, 2.0 * np.asarray(eps) ** 2 * x**3 * br_gg, 0.0)


def vector_to_pseudoscalar_br(m, eps, m_v, m_p, br_vpg):
    """BR(V -> P A') for a point-like V P gamma* vertex, eps^2 BR(V -> P gamma) (lambda/(m_V^2 - m_P^2)^2)^(3/2)
    ([Landsberg:1985tff]; masses in GeV); zero above m_V - m_P.

    >>> round(float(vector_to_pseudoscalar_br(1e-6, 1.0, 0.78266, 0.13498, 0.0835)), 6)   # m -> 0: BR(V -> P gamma)
    0.0835
    >>> float(vector_to_pseudoscalar_br(0.78266 - 0.13498, 1.0, 0.78266, 0.13498, 0.0835))   # closes at m_V - m_P
    0.0
    """
    m = np.asarray(m, dtype=float)
    lam = np.clip(kallen(m_v**2, m_p**2, m**2), 0.0, None)
    val = np.asarray(eps) ** 2 * br_vpg * lam**1.5 / (m_v**2 - m_p**2) ** 3
    return np.where(m < m_v - m_p, val, 0.0)


def k_to_pi_aprime_width(m, eps, w2_0: float = 3e-12):
    """Gamma(K+ -> pi+ A') in GeV, approximate form of 0811.1030 (ALPINIST L708-714) [U].

    Gamma = lambda^1/2 / (16 pi m_K^3) * eps^2 e^2 m^2 |W(z)|^2 lambda / (16 pi^2 m_K^2)^2,
    |W(z)|^2 = w2_0 (1 + 2 z), z = m^2/m_K^2, lambda = lambda(m_K^2, m_pi^2, m^2).
    """
    m = np.asarray(m, dtype=float)
    lam = np.clip(kallen(_M_K**2, _M_PI**2, m**2), 0.0, None)
    w2 = w2_0 * (1.0 + 2.0 * m**2 / _M_K**2)
    e2 = 4.0 * np.pi * ALPHA_EM
    amp2 = np.asarray(eps) ** 2 * e2 * m**2 * w2 * lam / (16.0 * np.pi**2 * _M_K**2) ** 2
    return np.where(m < _M_K - _M_PI, np.sqrt(lam) / (16.0 * np.pi * _M_K**3) * amp2, 0.0)


class DarkPhoton(PortalModel):
    """PBC BC1: dark photon decaying to visible SM final states. Coupling: epsilon.

    >>> dp = DarkPhoton()
    >>> sorted(dp.branching_ratios(0.1, 1e-4))[:3]
    ["A' -> K+ K-", "A' -> K+ K- pi0", "A' -> KL KS"]
    >>> round(float(dp.branching_ratios(0.1, 1e-4)["A' -> e+ e-"]), 4)
    1.0
    """

    name = "dark-photon"
    label = "BC1"
    particle = "A'"
    coupling_name = "epsilon"
    mass_range = (2.0 * _M_E, 3.0)
    kaon_channel = "K+ -> pi+ A'"
    coupling_scan = (1e-12, 1.0)
    reference = ("[Ilten:2018crw] DarkCast 1801.04847; [ALPINIST:2022code] decay_widths_DP.py; "
                 "FORESEE DarkPhoton.ipynb); PBC report 1901.09966 BC1")
    #: meson transition form factors in P -> gamma A', V -> P A' (:mod:`.transition_ff`): "pole" or "none"
    transition_form_factor = "pole"

    def __init__(self, transition_form_factor: str = "pole"):
        check_choice("transition_form_factor", transition_form_factor, TFF_CHOICES)
        self.transition_form_factor = transition_form_factor

    def _widths(self, m, c):
        out = {"A' -> e+ e-": lepton_width(m, c, _M_E), "A' -> mu+ mu-": lepton_width(m, c, _M_MU)}
        out.update(hadronic_channel_widths(m, c))
        return out

    def _production(self, m, c):
        def ff2(parent):
            return transition_ff2(parent, m, self.transition_form_factor)

        return {
            "pi0 -> gamma A'": meson_to_gamma_br(m, c, mass("pi0"), BR_PI0_GG) * ff2("pi0"),
            "eta -> gamma A'": meson_to_gamma_br(m, c, mass("eta"), BR_ETA_GG) * ff2("eta"),
            "eta' -> gamma A'": meson_to_gamma_br(m, c, mass("eta'"), BR_ETAP_GG) * ff2("eta'"),
            "omega -> pi0 A'": vector_to_pseudoscalar_br(m, c, mass("omega"), mass("pi0"), BR_OMEGA_PI0G)
            * ff2("omega"),
            "phi -> eta A'": vector_to_pseudoscalar_br(m, c, mass("phi"), mass("eta"), BR_PHI_ETAG) * ff2("phi"),
            "K+ -> pi+ A'": k_to_pi_aprime_width(m, c) / width_gev("K+"),
        }


class DarkPhotonInvisible(DarkPhoton):
    """PBC BC2: dark photon decaying mostly into light dark matter chi chibar. Coupling: epsilon.

    Parameters ([Beacham:2019nyx]): ``alpha_d`` = 0.1, ``mass_ratio`` = m_chi/m_A' = 1/3, ``chi_spin`` =
    ``"dirac"`` (default, see the module docstring) or ``"scalar"``. The visible channels of BC1 are
    kept (they scale as eps^2; the invisible one does not), so BR(A' -> chi chibar) ~ 1 for eps << 1.

    >>> bc2 = DarkPhotonInvisible()
    >>> round(float(bc2.partial_widths(1.0, 1e-3)["A' -> chi chibar"]) / (0.1 * 1.0), 5)
    0.30366
    """

    name = "dark-photon-invisible"
    label = "BC2"
    width_scales_as_coupling = False
    invisible_channels = frozenset({"A' -> chi chibar"})
    reference = DarkPhoton.reference + "; BC2 [Beacham:2019nyx]"

    def __init__(self, alpha_d: float = 0.1, mass_ratio: float = 1.0 / 3.0, chi_spin: str = "dirac"):
        check_range("alpha_d", alpha_d, 0.0, None, low_inclusive=False)
        check_range("mass_ratio", mass_ratio, 0.0, 0.5, high_inclusive=False)
        check_choice("chi_spin", chi_spin, ("dirac", "scalar"))
        self.alpha_d, self.mass_ratio, self.chi_spin = float(alpha_d), float(mass_ratio), chi_spin

    def invisible_width(self, m):
        """Gamma(A' -> chi chibar) in GeV (independent of epsilon)."""
        r2 = self.mass_ratio**2
        if self.chi_spin == "dirac":
            return self.alpha_d * np.asarray(m) / 3.0 * (1.0 + 2.0 * r2) * np.sqrt(1.0 - 4.0 * r2)
        return self.alpha_d * np.asarray(m) / 12.0 * (1.0 - 4.0 * r2) ** 1.5

    def _widths(self, m, c):
        out = super()._widths(m, c)
        out["A' -> chi chibar"] = self.invisible_width(m) * np.ones_like(c)
        return out
