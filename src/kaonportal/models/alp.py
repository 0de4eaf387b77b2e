"""Axion-like particles: PBC BC9 (photon), BC10 (fermion), BC11 (gluon coupling).

Conventions ([Bauer:2017ris; Beacham:2019nyx]). Mass in GeV.

- **BC9** ``alp-photon``, coupling ``g_agg`` in GeV^-1: L = (g_agg/4) a F Ftilde (ALPaca BC9 c_B =
  (pi/alpha) f g_agg; FORESEE ALP-photon.ipynb). Only decay: Gamma(a -> gamma gamma) = g^2 m^3/(64 pi)
  ([Bauer:2017ris]). Production is Primakoff (and photons from meson decays) in the dump, which is
  :mod:`kaonportal.beamdump`'s job: :meth:`AlpPhoton.production_br` has no kaon channel (K+ -> pi+ a
  from a photon coupling only arises through electroweak loops, not part of BC9 here).
- **BC10** ``alp-fermion``, coupling ``g_Y`` (dimensionless): L = (g_Y/(2v)) d_mu a sum_f fbar gamma^mu
  gamma^5 f, i.e. -i g_Y (m_f/v) a fbar gamma5 f (ALPaca BC10, c_Y = g_Y f/(2v)). Decays: leptons
  Gamma = g_Y^2 m_l^2 m_a/(8 pi v^2) sqrt(1 - 4 m_l^2/m_a^2) (ALPaca fermion_decays.py, 1708.00443) and
  a -> gamma gamma through lepton and heavy-quark (c, b, t) loops, C_gg^eff = sum_f N_c Q_f^2
  (g_Y/v)/(16 pi^2) B_1(4 m_f^2/m_a^2) (1708.00443 Eq. (22) via ALPINIST effective_coupling.py
  L370-388), Gamma = 4 pi alpha^2 m^3 |C_gg^eff|^2, plus the u, d, s part through a-eta/eta' mixing
  (:func:`light_qcd_photon_coupling`, LO U(3) ChPT; no pi0 term for c_uu = c_dd): it changes the
  photon width by up to 6x near 0.5 GeV (ALPaca 1.2 agrees to 4 % at the same low-energy couplings).
  Hadronic decays: with universal couplings the isovector a -> 3 pi vanishes (c_uu = c_dd), a -> 3 pi goes
  through a -> eta*, eta'* -> 3 pi and a -> pi+ pi- gamma through the same eta/eta' kinetic mixing x WZW box
  (both :mod:`.alp_hadronic`), and a -> pi+ pi- eta, pi0 pi0 eta through the same eta' kinetic mixing x the measured
  eta' -> eta pi pi amplitude (:mod:`.alp_etapipi`); the **decays are valid up to 1 GeV** (chiral PT; 4 pi, K K pi
  not modelled);
  the production BRs (FCNC, below) are valid up to m_B - m_K (``production_mass_range``).
  Production: K+ -> pi+ a and B+ -> K+ a from the top-loop FCNC ([Bauer:2021wjo; ALPINIST:2022code]):
  [k_D]_ij = y_t^2/(16 pi^2) V_ti* V_tj (c_R - c_L)[ln(Lambda^2/m_t^2)/2 - 1/4 - 3/2 (1 - x_t + ln x_t)/(1 - x_t)^2]
  (ALPaca rge/matching.py L18-43, after 2012.12272) with Lambda = 1 TeV, y_t = sqrt2 162.5/v, and
  Gamma(P -> P' a) = m_P^3 |k_D/f|^2 f_0^2 (1 - m_P'^2/m_P^2)^2 lambda^1/2/(64 pi) (ALPaca invisible.py
  Kplustopia L72-73, Btopia L149-159), (c_R - c_L)/f = g_Y/v, f_0^{K pi} = 0.97 (the value behind the
  [Bauer:2021wjo; ALPINIST:2022code] [C] numbers; the scalar model uses 0.96 as [Boiarska:2019jym] does; ``f0`` is a parameter). K+ -> pi+ a
  also has the flavour-diagonal LO ChPT term N_8 (m_K^2 - m_pi^2) g_Y/v of 2102.13112 ([Bauer:2021wjo]), which
  interferes destructively with the FCNC one (CKM phase included): it lowers BR(K+ -> pi+ a) by 16 %
  (x 0.839, g_8 = 5; ALPaca 1.2 gives x 0.835), :meth:`AlpFermion.k_to_pi_amplitude`. Still neglected:
  the 27-plet and isospin-breaking terms and the RG running of the couplings between Lambda and m_K
  (ALPaca's c_qq at m_K differ from 2 c_Y by up to 7 %); B+ -> K+ a is top-loop FCNC only.
- **BC11** ``alp-gluon``, coupling ``inv_fG`` = 1/f_G in GeV^-1. The shared reference leaves the
  normalisation open ([Beacham:2019nyx; Bauer:2017ris]). **Our choice:** the QCD-axion normalisation
  L = (alpha_s/(8 pi f_G)) a G Gtilde, i.e. c_GG/f = 1/(2 f_G) in the 2102.13112 basis and
  C_GG/Lambda = 1/(32 pi^2 f_G) in the 1708.00443 basis; this is the normalisation behind the [Bauer:2021wjo; ALPINIST:2022code]
  [C] K+ -> pi+ a numbers (tested). ``normalisation="1/4fG"`` switches to the literal ALPaca reading
  L = (1/(4 f_G)) a G Gtilde, whose rates are larger by (2 pi/alpha_s(1 TeV))^2.
  K+ -> pi+ a: the c_GG term of the LO ChPT amplitude of 2102.13112 ([Bauer:2021wjo; ALPINIST:2022code]),
  A = (N_8/(4 f)) 16 c_GG (m_K^2 - m_pi^2)(m_K^2 - m_a^2)/(4 m_K^2 - m_pi^2 - 3 m_a^2),
  |N_8| = (G_F/sqrt2) V_ud V_us g_8 f_pi^2 with g_8 = 5.0 ([ALPINIST:2022code]; ``g8`` overridable; ALPaca's
  3.61 gives 0.52x the rate). Decay: a -> gamma gamma with the LO U(3) chiral C_gg^eff (Bauer, Neubert,
  Thamm JHEP 12 (2017) 044 Sec. 3 with the a-pi0 mixing term m_a^2/(m_pi^2 - m_a^2), extended to eta,
  eta' and pi0-eta isospin breaking; :func:`gluon_photon_ratio`): C_gg^eff/C_GG goes from -2.0 at m_a -> 0
  through a pole at m_pi0 and a zero near 0.15 GeV. Chiral PT holds below ~1 GeV. Hadronic decays (the
  Aloni-Soreq-Williams 1811.03474 widths are data-driven): a -> 3 pi (LO chiral PT, [Bauer:2017ris], plus
  a -> eta*, eta'* -> 3 pi with the measured eta -> 3 pi amplitude) and a -> pi+ pi- gamma (eta/eta' mixing and the WZW box) from :mod:`.alp_hadronic`,
  a -> pi pi eta (a-eta' mixing x the measured eta' -> eta pi pi amplitude, :mod:`.alp_etapipi`, 9-130x above ALPaca's
  at 0.83-1 GeV, stated there); the **decays are valid up to 1 GeV**, as the production BRs (``production_mass_range``;
  the mixing angles are regularised at m_a = m_pi0, m_eta by -i m_P Gamma_P only). Mixing production with pi0/eta/eta' is given as theta_aP^2 (FORESEE
  ALP-g.ipynb cells 8-9, coupling g = 1/(4 pi^2 f_G) in FORESEE's L = -(g_s^2/8) g a G Gtilde) under keys
  ``"pi0 -> a (mixing)"`` etc.: the number of ALPs is theta^2 times the number of mesons ([FORESEE:2021code; Aloni:2018vki]);
  B -> X_s a = 76 g^2 (1 - m^2/m_B^2)^2 (FORESEE ALP-g.ipynb cells 6-7).

>>> from kaonportal.models import get_model
>>> a = get_model("alp-photon")
>>> f"{float(a.ctau_m(0.1, 1e-4)):.3e}"      # [Bauer:2017ris] [C]: 3.97e-3 m
'3.967e-03'
"""

from __future__ import annotations

__all__ = ["AlpPhoton", "AlpFermion", "AlpGluon", "loop_b1", "fcnc_kd_coefficient", "gluon_photon_ratio",
           "light_qcd_photon_coupling"]

import numpy as np

from ..constants import (ALPHA_EM, F_PI, G_F, M_QUARK_MSBAR, M_TOP_POLE, V_HIGGS, V_TB, V_TD, V_TS, V_UD,
                         V_US, mass, width_gev)
from ..errors import check_choice, check_range
from ..kinematics import kallen
from .alp_etapipi import VALID_MAX_GEV as HADRONIC_VALID_MAX, etapipi_widths
from .alp_hadronic import (fermion_hadronic_widths, gluon_hadronic_widths, kinetic_mixing_angle, mixing_angle_gluon,
                           mixing_numerators, u3_mixing_angles)
from .alp_hadronic import _M_UDS, _THETA_ETA, kappa  # noqa: F401  (one definition, see below)
from .alp_hadronic import _generators as _meson_generators
from .base import PortalModel

_M_W = 80.37            # GeV, W mass for x_t ([PDG] lists 80.362)
_ALPHA_S_1TEV = 0.0885  # alpha_s(1 TeV) [U], for the 1/(4 f_G) alternative normalisation of BC11
#: heavy quarks of the a -> gamma gamma loop: (mass GeV: MS-bar c, b and pole t, [PDG]; electric charge)
_Q_HEAVY = {"c": (M_QUARK_MSBAR["c"], 2.0 / 3.0), "b": (M_QUARK_MSBAR["b"], -1.0 / 3.0), "t": (M_TOP_POLE, 2.0 / 3.0)}


def loop_b1(tau):
    """B_1(tau) = 1 - tau f(tau)^2 (1708.00443; ALPINIST effective_coupling.py L362-365), complex.

    f = arcsin(1/sqrt(tau)) for tau >= 1, pi/2 + (i/2) ln[(1 + sqrt(1-tau))/(1 - sqrt(1-tau))] below.
    B_1 -> 1 for light loop particles, -> -1/(3 tau) (decoupling) for heavy ones.

    >>> round(abs(complex(loop_b1(1e-8))), 4)
    1.0
    """
    tau = np.asarray(tau, dtype=float)
    f_hi = np.arcsin(1.0 / np.sqrt(np.maximum(tau, 1.0))) + 0j
    sq = np.sqrt(np.clip(1.0 - tau, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        f_lo = np.pi / 2 + 0.5j * np.log((1 + sq) / np.maximum(1 - sq, 1e-300))
    f = np.where(tau >= 1.0, f_hi, f_lo)
    return 1.0 - tau * f**2


#: CKM angle beta: sin 2 beta = 0.709(11) (PDG 2024 CKM review), the phase of V_td* V_ts in K -> pi a
_CKM_BETA = 0.5 * np.arcsin(0.709)
_Q2 = np.array([4.0, 1.0, 1.0]) / 9.0                 # quark charges squared (u, d, s)
# the light-quark masses _M_UDS and the eta-eta' angle _THETA_ETA (-14.1 deg) are those of .alp_hadronic (one
# definition for the photon and the hadronic widths). -19.5 deg (Gilman-Kauffman) instead changes BC11
# Gamma(a -> gamma gamma) by < 1 % below 0.2 GeV, +4 % at 0.3 GeV, +11 % at 0.4 GeV.
#: the kappa-rotation constant of C_gg^eff/C_GG: -2 N_c Tr(Q^2 kappa) at LO (= -2.016 with _M_UDS; BNT
#: JHEP 12 (2017) 044 Sec. 3), the value that makes the LO mixing sum kappa-independent and the one
#: ALPaca uses. BNT quote the NLO QCD-axion value -1.92(4) (Grilli di Cortona et al. 1511.02867):
#: 9.5 % smaller width at m_a -> 0 and the destructive zero near 0.15 GeV moved by 1 MeV; selectable
#: with AlpGluon(c0="nlo").
_KAPPA = kappa()
_CGG_LO = float(-2.0 * 3.0 * np.dot(_Q2, _KAPPA))
_CGG_NLO = -1.92


def light_qcd_photon_coupling(m_a, c_gg: float = 0.0, c_q=(0.0, 0.0, 0.0), c0: float = _CGG_LO):
    """Light-QCD part of C_gamma gamma^eff (complex) for gluon coupling ``c_gg`` and axial light-quark
    couplings ``c_q`` = (c_uu, c_dd, c_ss), in the units of the fermion loops N_c Q_f^2 c_ff B_1; m_a in
    GeV below ~1 GeV. u, d, s enter only through this (no B_1 loops for them below ~1 GeV).

    Leading-order U(3) chiral perturbation theory (Bauer, Neubert, Thamm JHEP 12 (2017) 044, Sec. 3,
    the C_gamma gamma^eff equation after Eq. (22); Aloni, Soreq, Williams 1811.03474 for the U(3)
    extension). After the quark rotation with kappa_q = m_q^-1 / sum m^-1 that removes a G Gtilde,
    the ALP mixes with P = pi0, eta, eta' (generators t_P) and inherits their anomaly coupling:

        C_gg^eff = c0 C_GG + N_c sum_P Tr(Q^2 t_P) theta_P,
        theta = (m_a^2 - M^2)^-1 [Tr(c_hat t) m_a^2 - 4 B_0 C_GG Tr(kappa M t)]   (3-vector over P),
        c_hat = c_q + 2 C_GG kappa,

    the first term of the bracket being the kinetic (derivative) mixing, the second the mass mixing
    (kappa M is proportional to the unit matrix, so only the singlet part of eta, eta' mixes). M^2 holds
    the physical masses on the diagonal (with -i m_P Gamma_P) and the LO isospin-breaking pi0-eta,
    pi0-eta' entries 2 B_0 Tr(M t_P t_Q) off it, the inverse taken to first order in these entries;
    B_0 = m_pi0^2/(m_u + m_d); ``c0`` is the rotation constant (LO -2 N_c Tr(Q^2 kappa) = -2.016, see
    ``_CGG_LO``). Derived for kaonportal from the LO chiral Lagrangian: its
    pi0 term is exactly BNT's -m_a^2/(m_pi^2 - m_a^2) [C_GG (m_d - m_u)/(m_u + m_d) + (c_uu - c_dd)/2]
    (isospin limit of kappa; BNT's (c_uu - c_dd)/(32 pi^2) in their loop units), and with a LO-consistent mass matrix the sum does not depend on the choice of kappa.
    Validity: chiral PT, m_a below ~1 GeV (kaonportal's ALP decays stop at 1 GeV, see AlpGluon). The meson
    widths only regularise the poles: within a few widths of m_pi0, m_eta the first-order mixing is
    not reliable (|theta_aP| ~ 1 there).
    """
    m2 = np.asarray(m_a, dtype=float) ** 2
    b0 = mass("pi0") ** 2 / (_M_UDS[0] + _M_UDS[1])
    gens = _meson_generators()
    t = np.stack(list(gens.values()))                                      # (P, q)
    # propagators with the physical masses (-i m_P Gamma_P only regularises the poles)
    prop = 1.0 / (m2[..., None] - np.array([mass(p) ** 2 - 1j * mass(p) * width_gev(p) for p in gens]))
    h = mixing_numerators(m_a, c_gg, c_q)                                  # kinetic - mass mixing (.alp_hadronic)
    # isospin-breaking pi0-eta, pi0-eta' entries of the LO mass matrix 2 B_0 Tr(M t_P t_Q), to first
    # order: the physical masses already contain their second-order shifts, so the poles stay put
    ib = 2.0 * b0 * (t * _M_UDS) @ t.T
    off = np.zeros((3, 3))
    off[0, 1:], off[1:, 0] = ib[0, 1:], ib[1:, 0]
    theta = prop * (h + (h * prop) @ off.T)
    return c0 * c_gg + 3.0 * theta @ (t @ _Q2)


def gluon_photon_ratio(m_a, c0: float = _CGG_LO):
    """C_gamma gamma^eff / C_GG of a gluon-coupled ALP (BC11): :func:`light_qcd_photon_coupling` at
    C_GG = 1 and no quark couplings (complex; m_a in GeV)."""
    return light_qcd_photon_coupling(m_a, 1.0, (0.0, 0.0, 0.0), c0)


def fcnc_kd_coefficient(vckm: float, lam: float = 1000.0) -> float:
    """k_D per unit (c_R - c_L): y_t^2/(16 pi^2) V [ln(L^2/m_t^2)/2 - 1/4 - 3/2 (1-x+ln x)/(1-x)^2] ([Bauer:2021wjo; ALPINIST:2022code]).

    >>> round(fcnc_kd_coefficient(V_TD * V_TS) * 1e6, 2)     # [Bauer:2021wjo; ALPINIST:2022code] [C]: 3.44e-6
    3.44
    """
    y_t2 = (np.sqrt(2.0) * 162.5 / V_HIGGS) ** 2        # y_t(m_t) with m_t(m_t) = 162.5 GeV ([Bauer:2021wjo; ALPINIST:2022code] [C])
    x_t = M_TOP_POLE**2 / _M_W**2
    bracket = 0.5 * np.log(lam**2 / M_TOP_POLE**2) - 0.25 - 1.5 * (1 - x_t + np.log(x_t)) / (1 - x_t) ** 2
    return float(y_t2 / (16 * np.pi**2) * vckm * bracket)


def _p_to_p_a_width(m_a, coupling_over_f, m_p, m_pp, f0):
    """Gamma(P -> P' a) = m_P^3 |k/f|^2 f_0^2 (1 - m_P'^2/m_P^2)^2 lambda^1/2(1, r'^2, r_a^2)/(64 pi)."""
    m_a = np.asarray(m_a, dtype=float)
    lam = np.clip(kallen(1.0, m_pp**2 / m_p**2, m_a**2 / m_p**2), 0.0, None)
    val = (m_p**3 * np.abs(coupling_over_f) ** 2 * f0**2 * (1 - m_pp**2 / m_p**2) ** 2 * np.sqrt(lam)
           / (64.0 * np.pi))
    return np.where(m_a < m_p - m_pp, val, 0.0)


def _universal_cq(m, g_y):
    """(c_u, c_d, c_s)/f = g_Y/v on a last axis, broadcast with m (BC10's universal axial quark couplings)."""
    return np.stack(np.broadcast_arrays(*(np.asarray(g_y, float) / V_HIGGS,) * 3, np.asarray(m, float))[:3], axis=-1)


class _Alp(PortalModel):
    particle = "a"
    #: factor on the a -> 3 pi widths: 1 by default (the a -> eta*, eta'* -> 3 pi chain is normalised to the measured
    #: eta -> 3 pi width); 2.7 is the K-factor [Aloni:2018vki] put on their whole LO amplitude (ALPaca's kfact), i.e.
    #: the convention of the widths behind EPJC 85 (2025) 571, for comparisons (models.alp_hadronic docstring)
    k3pi = 1.0

    def _set_k3pi(self, k3pi):
        check_range("k3pi", k3pi, 0.0, None, low_inclusive=False)
        self.k3pi = float(k3pi)

    def _scale_three_pion(self, widths: dict) -> dict:
        for key in ("a -> pi+ pi- pi0", "a -> pi0 pi0 pi0"):
            widths[key] = self.k3pi * widths[key]
        return widths

    def _photon_width(self, m, c_eff):
        """Gamma(a -> gamma gamma) = 4 pi alpha^2 m^3 |C_gg^eff/Lambda|^2 ([Bauer:2017ris])."""
        return 4.0 * np.pi * ALPHA_EM**2 * m**3 * np.abs(c_eff) ** 2


class AlpPhoton(_Alp):
    """PBC BC9. Coupling ``g_agg`` (GeV^-1). Only a -> gamma gamma.

    >>> AlpPhoton().branching_ratios(0.3, 1e-5)
    {'a -> gamma gamma': array(1.)}
    """

    name = "alp-photon"
    label = "BC9"
    coupling_name = "g_agg"
    coupling_unit = "GeV^-1"
    mass_range = (1.0e-3, 5.0)
    reference = "[FORESEE:2021code] ALP-photon; [ALPaca:2025code] BC9; [Beacham:2019nyx] BC9"

    def _widths(self, m, c):
        return {"a -> gamma gamma": c**2 * m**3 / (64.0 * np.pi)}

    def _production(self, m, c):
        return {}


class AlpFermion(_Alp):
    """PBC BC10. Coupling ``g_Y`` (dimensionless, Yukawa-like: a f f coupling g_Y m_f/v).

    >>> fcnc_only = AlpFermion(k_to_pi="fcnc")
    >>> round(float(fcnc_only.production_br(1.1e-3, 1.0)["K+ -> pi+ a"]) * 1e3, 2)   # [Bauer:2021wjo; ALPINIST:2022code] [C]: 1.61e-3
    1.61
    >>> round(float(AlpFermion().production_br(1.1e-3, 1.0)["K+ -> pi+ a"]) * 1e3, 2)  # with the N_8 terms
    1.35
    """

    name = "alp-fermion"
    label = "BC10"
    coupling_name = "g_Y"
    mass_range = (2.0 * mass("e-"), HADRONIC_VALID_MAX)     # hadronic decays to 1 GeV (alp_etapipi)
    production_mass_range = (2.0 * mass("e-"), mass("B+") - mass("K+"))
    kaon_channel = "K+ -> pi+ a"
    coupling_scan = (1e-12, 10.0)
    reference = ("[Bauer:2017ris] 1708.00443; [Bauer:2020alpeft] 2012.12272; [ALPaca:2025code] BC10; "
                 "PBC report 1901.09966 BC10")
    validity = ("decays valid up to 1 GeV (a -> gamma gamma from lepton and heavy-quark loops plus LO U(3) "
                "a-eta/eta' mixing; a -> pi+ pi- gamma by the same mixing x WZW box; a -> 3 pi through a -> eta*, eta'* -> 3 pi "
                "(the isovector part vanishes for universal couplings), a -> pi pi eta by eta' mixing x the measured eta' -> eta pi pi "
                "amplitude, 4 pi and K K pi not implemented); K+ -> pi+ a: LO ChPT top-loop FCNC plus "
                "the flavour-diagonal N_8 term (x 0.84 in rate), RG running between 1 TeV and m_K and the "
                "27-plet neglected.")

    def __init__(self, lam: float = 1000.0, f0: float = 0.97, g8: float = 5.0, k_to_pi: str = "full",
                 k3pi: float = 1.0):
        self._set_k3pi(k3pi)
        check_range("lam", lam, M_TOP_POLE, None, low_inclusive=False)
        check_range("g8", g8, 0.0, None, low_inclusive=False)
        check_choice("k_to_pi", k_to_pi, ("full", "fcnc"))
        self.lam, self.f0, self.k_to_pi = float(lam), float(f0), k_to_pi
        self.kd_sd = fcnc_kd_coefficient(V_TD * V_TS, lam)
        self.kd_bs = fcnc_kd_coefficient(V_TS * V_TB, lam)
        #: N_8 = -(G_F/sqrt2) V_ud* V_us g_8 f_pi^2 ([ALPINIST:2022code]; negative), f_pi = 130 MeV convention
        self.n8 = -G_F / np.sqrt(2.0) * V_UD * V_US * float(g8) * F_PI**2

    def k_to_pi_amplitude(self, m, c):
        """A(K+ -> pi+ a) in GeV for g_Y = ``c`` (LO ChPT, Bauer et al. 2102.13112 [Bauer:2021wjo]).

        A = (N_8/(4f)){(2c_uu + c_dd + c_ss)(m_K^2 - m_pi^2 - m_a^2) + 4 c_ss m_a^2 + ...}
            - (m_K^2 - m_pi^2)/(2f) [k]_sd.
        BC10 (c_qq = c_qR - c_qL = 2 c_Y for every quark, c_Y/f = g_Y/(2v), k_d + k_D - k_s - k_S = 0)
        leaves A = (m_K^2 - m_pi^2)(g_Y/v)[N_8 - f_0 K_sd/2], the flavour-diagonal N_8 term against the top-loop
        FCNC K_sd = -|k_D| e^{-i beta} (V_ts* V_td = -|V_ts V_td| e^{-i beta}; f_0 on the FCNC term as before).
        The N_8 term interferes destructively: |1 + r|^2 = 0.839 with g_8 = 5 (ALPaca: 0.835).
        ``k_to_pi="fcnc"`` keeps only the FCNC term (the [Bauer:2021wjo; ALPINIST:2022code] [C] numbers).
        """
        m_k, m_pi = mass("K+"), mass("pi+")
        k_sd = -self.kd_sd * np.exp(-1j * _CKM_BETA)
        bracket = (self.n8 if self.k_to_pi == "full" else 0.0) - self.f0 * k_sd / 2.0
        amp = (m_k**2 - m_pi**2) * (np.asarray(c) / V_HIGGS) * bracket
        return np.where(np.asarray(m) < m_k - m_pi, amp, 0.0)

    def _widths(self, m, c):
        out = {}
        c_eff = 0.0
        for lep, q in (("e", 1.0), ("mu", 1.0), ("tau", 1.0)):
            ml = mass(f"{lep}-")
            beta = np.sqrt(np.clip(1 - 4 * ml**2 / m**2, 0.0, None))
            out[f"a -> {lep}+ {lep}-"] = np.where(m > 2 * ml, c**2 * ml**2 * m / (8 * np.pi * V_HIGGS**2) * beta, 0.0)
            c_eff = c_eff + q**2 * loop_b1(4 * ml**2 / m**2)
        for mq, q in _Q_HEAVY.values():
            c_eff = c_eff + 3.0 * q**2 * loop_b1(4 * mq**2 / m**2)
        # u, d, s through a-eta/eta' mixing (universal couplings: no pi0 term); up to 6x in the width
        c_eff = c_eff + light_qcd_photon_coupling(m, 0.0, (1.0, 1.0, 1.0))
        out["a -> gamma gamma"] = self._photon_width(m, c_eff * c / (V_HIGGS * 16 * np.pi**2))
        out.update(self._scale_three_pion(fermion_hadronic_widths(m, (c / V_HIGGS,) * 3)))    # .alp_hadronic
        out.update(etapipi_widths(m, kinetic_mixing_angle(m, _universal_cq(m, c), "eta'")))    # .alp_etapipi
        return out

    def _production(self, m, c):
        coup = c      # amplitudes are linear in g_Y
        m_k, m_pi = mass("K+"), mass("pi+")
        lam = np.clip(kallen(1.0, m_pi**2 / m_k**2, m**2 / m_k**2), 0.0, None)
        k_pi_a = np.abs(self.k_to_pi_amplitude(m, coup)) ** 2 * np.sqrt(lam) / (16 * np.pi * m_k)
        return {
            "K+ -> pi+ a": k_pi_a / width_gev("K+"),
            # f_0^{BK}(q^2) = 0.33/(1 - q^2/38 GeV^2): [PDG] table row "B->K f_0", [Boiarska:2019jym]
            "B+ -> K+ a": _p_to_p_a_width(m, self.kd_bs * coup / V_HIGGS, mass("B+"), mass("K+"),
                                          0.33 / (1 - m**2 / 38.0)) / width_gev("B+"),
            # ALP-meson mixing |theta_aP|^2 from the same LO kinetic mixing as the decays (.alp_hadronic); the pi0
            # angle vanishes for universal couplings (isospin limit): EPJC 85 (2025) 571 ALP production list
            **{f"{p} -> a (mixing)": np.abs(kinetic_mixing_angle(m, _universal_cq(m, c), p)) ** 2
               for p in ("eta", "eta'")},
        }


class AlpGluon(_Alp):
    """PBC BC11. Coupling ``inv_fG`` = 1/f_G (GeV^-1); normalisation: see the module docstring.

    >>> bc11 = AlpGluon()
    >>> round(float(bc11.production_br(1e-3, 1e-3)["K+ -> pi+ a"]) * 1e7, 1)   # [Bauer:2021wjo; ALPINIST:2022code] [C]: 2.14e-7
    2.1
    """

    name = "alp-gluon"
    label = "BC11"
    coupling_name = "inv_fG"
    coupling_unit = "GeV^-1"
    mass_range = (1.0e-3, HADRONIC_VALID_MAX)     # hadronic decays to 1 GeV (alp_etapipi)
    production_mass_range = (1.0e-3, 1.0)
    kaon_channel = "K+ -> pi+ a"
    coupling_scan = (1e-14, 1.0)
    reference = ("[Bauer:2021wjo] 2102.13112; [Bauer:2017ris] 1708.00443; [FORESEE:2021code] ALP-g; "
                 "PBC report 1901.09966 BC11")
    validity = ("a -> gamma gamma from LO U(3) chiral perturbation theory with a-pi0/eta/eta' mixing "
                "(Bauer-Neubert-Thamm JHEP 12 (2017) 044), valid below ~1 GeV; a -> 3 pi at LO chiral PT (BNT) plus "
                "a -> eta*, eta'* -> 3 pi (measured eta -> 3 pi amplitude; 2.0-2.7x below the Aloni-Soreq-Williams "
                "data-driven widths at 0.42-0.5 GeV: their K-factor 2.7, which k3pi=2.7 applies) and "
                "a -> pi+ pi- gamma (eta/eta' mixing x WZW box), a -> pi pi eta (a-eta' mixing x the measured eta' -> "
                "eta pi pi amplitude, 9-130x above ALPaca 1.2 at 0.83-1 GeV); the model stops at 1 GeV (4 pi, K K pi "
                "not implemented); within a few widths of m_pi0, m_eta, m_eta' the first-order mixing is not reliable.")

    def __init__(self, normalisation: str = "alpha_s/8pi", g8: float = 5.0, c0: str = "lo", k3pi: float = 1.0):
        self._set_k3pi(k3pi)
        check_choice("normalisation", normalisation, ("alpha_s/8pi", "1/4fG"))
        check_range("g8", g8, 0.0, None, low_inclusive=False)
        check_choice("c0", c0, ("lo", "nlo"))
        self.normalisation, self.g8 = normalisation, float(g8)
        #: m_a -> 0 constant of C_gg^eff/C_GG: LO -2.016 (kappa-consistent) or BNT's NLO -1.92
        self.c0 = _CGG_LO if c0 == "lo" else _CGG_NLO
        #: |N_8| = (G_F/sqrt2) V_ud V_us g_8 f_pi^2 ([ALPINIST:2022code]), f_pi = 130 MeV convention
        self.n8 = G_F / np.sqrt(2.0) * V_UD * V_US * self.g8 * F_PI**2

    def cgg_over_f(self, inv_fg):
        """c_GG/f in GeV^-1 in the 2102.13112 basis, L = c_GG (alpha_s/4 pi)(a/f) G Gtilde."""
        scale = 0.5 if self.normalisation == "alpha_s/8pi" else np.pi / _ALPHA_S_1TEV
        return scale * np.asarray(inv_fg)

    def _widths(self, m, c):
        c_gg_bnt = self.cgg_over_f(c) / (16.0 * np.pi**2)   # C_GG/Lambda: g_s^2 C_GG = c_GG alpha_s/(4 pi)
        out = {"a -> gamma gamma": self._photon_width(m, gluon_photon_ratio(m, self.c0) * c_gg_bnt)}
        out.update(self._scale_three_pion(gluon_hadronic_widths(m, self.cgg_over_f(c))))    # 3 pi, pi pi gamma
        out.update(etapipi_widths(m, u3_mixing_angles(m, self.cgg_over_f(c))["eta'"]))     # .alp_etapipi
        return out

    def _production(self, m, c):
        m_k, m_pi = mass("K+"), mass("pi+")
        amp = (self.n8 / 4.0 * 16.0 * self.cgg_over_f(c) * (m_k**2 - m_pi**2) * (m_k**2 - m**2)
               / (4 * m_k**2 - m_pi**2 - 3 * m**2))
        lam = np.clip(kallen(1.0, m_pi**2 / m_k**2, m**2 / m_k**2), 0.0, None)
        k_pi_a = np.where(m < m_k - m_pi, amp**2 * np.sqrt(lam) / (16 * np.pi * m_k), 0.0) / width_gev("K+")
        g = self.cgg_over_f(c) / (16.0 * np.pi**2) * 8.0        # FORESEE g_agg = 8 C_GG/Lambda
        # BR(B -> X_s a) = 76 g^2 (1 - m_a^2/m_B^2)^2: [FORESEE:2021code] ALP-g [L]
        out = {"K+ -> pi+ a": k_pi_a,
               "B -> Xs a": np.where(m < mass("B+"), 76.0 * g**2 * (1 - m**2 / mass("B+") ** 2) ** 2, 0.0)}
        # ALP-meson mixing |theta_aP|^2, theta_aP = 3.671 g (a2 m_a^2 + b0)/(m_a^2 - m_P^2 + i m_P Gamma_P):
        # [FORESEE:2021code] ALP-g; [Aloni:2018vki]; the table of .alp_hadronic (the same angles as the decays)
        for pname in ("pi0", "eta", "eta'"):
            out[f"{pname} -> a (mixing)"] = np.abs(mixing_angle_gluon(m, self.cgg_over_f(c), pname)) ** 2
        return out
