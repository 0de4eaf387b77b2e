"""Particle data and the few physical constants the ``particle`` package lacks.

Masses and lifetimes come from the scikit-hep ``particle`` package (PDG tables); this module is
the *only* place that reads them, and the only place that defines constants ``particle`` does not
carry (couplings, decay constants, CKM elements, branching ratios, form-factor parameters).

Units: masses in GeV/c^2, lifetimes in seconds, ``ctau`` in metres.

Examples
--------
>>> round(mass("K+"), 6)
0.493677
>>> round(ctau_m("K+"), 3)
3.711
"""

from __future__ import annotations

__all__ = [
    "mass", "lifetime_s", "ctau_m", "width_gev", "pdgid", "KNOWN_PARTICLES",
    "HBAR_GEV_S", "HBARC_GEV_M", "C_M_PER_NS", "C_M_PER_S", "G_F", "ALPHA_EM", "SIN2_THETA_W",
    "F_PI", "F_K", "V_UD", "V_US", "BR_K", "BR_PI", "BR_PI0_GG", "BR_PI0_DALITZ",
]

import math
from functools import lru_cache
from types import MappingProxyType

from particle import Particle

from .errors import InputError

# --- CODATA ([CODATA:2018const]) -------------------------------------------------------
HBAR_GEV_S = 6.582119569e-25          # hbar in GeV s
HBARC_GEV_M = 1.973269804e-16         # hbar c in GeV m
C_M_PER_S = 299_792_458.0
C_M_PER_NS = 0.299792458

# --- Electroweak ([PDG]) ---------------------------------------------
G_F = 1.1663788e-5                    # Fermi constant, GeV^-2
ALPHA_EM = 1.0 / 137.035999084        # alpha(0)
SIN2_THETA_W = 0.23121                # MS-bar at M_Z [PDG] [U]

# --- Decay constants, CKM ([PDG]) ----------------------------------------
F_PI = 0.1302                         # f_pi+ in GeV, FLAG 2019 (F_pi = f_pi/sqrt2 convention is the models' job)
F_K = 0.1557                          # f_K+ in GeV, FLAG 2019
V_UD = 0.97373                        # PDG 2022
V_US = 0.2243                         # PDG 2022

# --- Branching ratios (PDG 2018 values as used in the NA62 framework;
#     [PDG]) -----------
BR_K = {
    "K+ -> mu+ nu": 0.6356,
    "K+ -> pi+ pi0": 0.2067,
    "K+ -> pi+ pi+ pi-": 0.05583,
    "K+ -> pi0 e+ nu": 0.0507,
    "K+ -> pi0 mu+ nu": 0.03352,
    "K+ -> pi+ pi0 pi0": 0.01760,
    "K+ -> pi+ pi- e+ nu": 4.247e-5,
    "K+ -> e+ nu": 1.582e-5,
    "K+ -> pi+ gamma gamma": 9.61e-7,   # NA62 2017-18, arXiv:2311.01837
    "K+ -> pi+ nu nubar": 8.4e-11,      # SM prediction, Buras et al. JHEP 11 (2015) 033
}
BR_PI = {
    "pi+ -> mu+ nu": 0.9998770,
    "pi+ -> e+ nu": 1.2327e-4,          # PDG 2024 [U]; [PDG]
}
BR_PI0_GG = 0.98823                   # PDG
BR_PI0_DALITZ = 1.174e-2              # PDG, pi0 -> e+ e- gamma

# Names understood by this package -> PDG Monte Carlo ids (the ``particle`` package's name in the comment).
# Looked up by id: ``Particle.from_pdgid`` is a table lookup, ``Particle.from_name`` a scan of the whole
# PDG table on every call (issue 17: 26 s in 21 calls); tests/test_constants.py checks every id against
# ``Particle.from_name`` of the name.
_PDGIDS = {
    "nu": None, "nubar": None, "N": None, "X": None, "S": None, "A'": None, "a": None,
    "K+": 321, "K-": -321, "pi+": 211, "pi-": -211, "pi0": 111, "mu+": -13, "mu-": 13,
    "e+": -11, "e-": 11, "gamma": 22, "p": 2212, "eta": 221,
    "eta'": 331,            # eta'(958)
    "omega": 223,           # omega(782)
    "phi": 333,             # phi(1020)
    "rho0": 113,            # rho(770)0
    "K*(892)+": 323,        # K*(892)+ (the K* K intermediate state of e+e- -> K+ K- pi0)
    "KL": 130, "KS": 310,   # K(L)0, K(S)0
    "tau+": -15, "tau-": 15, "D+": 411, "D0": 421,
    "Ds+": 431,             # D(s)+
    "B+": 521, "B0": 511,
}
_ALIASES = _PDGIDS          # backward-compatible name (None: not a PDG particle)
KNOWN_PARTICLES = tuple(k for k, v in _PDGIDS.items() if v is not None)
_MASSLESS = {"nu", "nubar", "gamma"}


@lru_cache(maxsize=None)
def _particle(name: str) -> Particle:
    if name not in _PDGIDS or _PDGIDS[name] is None:
        raise InputError("particle", f"unknown particle {name!r}; known: {', '.join(KNOWN_PARTICLES)}")
    return Particle.from_pdgid(_PDGIDS[name])


@lru_cache(maxsize=None)
def mass(name: str) -> float:
    """Mass in GeV/c^2 (PDG via ``particle``); neutrinos and photons are massless."""
    if name in _MASSLESS:
        return 0.0
    return _particle(name).mass * 1e-3


@lru_cache(maxsize=None)
def lifetime_s(name: str) -> float:
    """Mean proper lifetime in seconds (``inf`` for stable particles)."""
    if name in _MASSLESS:
        return math.inf
    return _particle(name).lifetime * 1e-9


def ctau_m(name: str) -> float:
    """Proper decay length c*tau in metres."""
    return lifetime_s(name) * C_M_PER_S


@lru_cache(maxsize=None)
def width_gev(name: str) -> float:
    """Total width in GeV (hbar / tau)."""
    tau = lifetime_s(name)
    return 0.0 if math.isinf(tau) else HBAR_GEV_S / tau


def pdgid(name: str) -> int:
    """PDG Monte Carlo id; 0 for the portal particles (N, X, S, A', a), 12/-12 for nu/nubar."""
    if name in ("nu", "nubar"):
        return 12 if name == "nu" else -12
    if name in _PDGIDS and _PDGIDS[name] is None:
        return 0
    return int(_particle(name).pdgid)


# --- Portal-model inputs (appended by the models helper; sources per line, `kaonportal refs`
#     [PDG] unless stated; [U] = the file marks the value as unverified / edition-dependent) -----
__all__ += ["V_HIGGS", "F_D", "F_DS", "F_B", "F_ETA", "F_ETAP", "G_RHO", "F_OMEGA",
            "V_CD", "V_CS", "V_CB", "V_UB", "V_TD", "V_TS", "V_TB", "M_TOP_POLE",
            "BR_ETA_GG", "BR_ETAP_GG", "BR_ETA_PIPIPI0", "BR_ETAP_PIPIPI0", "BR_OMEGA_PI0G", "BR_PHI_ETAG", "F0_KPI"]
V_HIGGS = (math.sqrt(2.0) * G_F) ** -0.5  # Higgs vev v = (sqrt2 G_F)^-1/2 = 246.22 GeV ([PDG], derived)
F_D = 0.2120                          # f_D+ in GeV, FLAG [U]
F_DS = 0.2499                         # f_Ds in GeV, FLAG [U]
F_B = 0.1900                          # f_B+ in GeV, FLAG [U]
F_ETA = 0.0817                        # f_eta (HNL NC decays, Bondarenko convention), ALPINIST constants.py L105 [U]
F_ETAP = -0.0947                      # f_eta' (same convention), ALPINIST constants.py L106 [U]
G_RHO = 0.162                         # g_rho in GeV^2 (HNL -> rho l), ALPINIST constants.py L107 [U]
F_OMEGA = 0.195                       # g_omega = F_OMEGA * m_omega in GeV^2, ALPINIST constants.py L108-109 [U]
V_CD, V_CS, V_CB, V_UB = 0.221, 0.975, 0.0408, 0.00382   # PDG 2022 (HNLCalc L269-273)
V_TD, V_TS, V_TB = 0.0086, 0.0415, 1.0                    # PDG 2022 (HNLCalc L274-276)
M_TOP_POLE = 172.57                   # GeV, PDG 2024 pole mass [PDG]
BR_ETA_GG = 0.3936                    # PDG, eta -> gamma gamma
BR_ETAP_GG = 0.02307                  # PDG [U], eta' -> gamma gamma
BR_ETA_PIPIPI0 = 0.2292               # PDG 2024, eta -> pi+ pi- pi0 (22.92 +- 0.28) %
BR_ETAP_PIPIPI0 = 3.61e-3             # PDG 2024 [U: recalled], eta' -> pi+ pi- pi0 (3.61 +- 0.17) x 1e-3
BR_OMEGA_PI0G = 0.084                 # PDG, omega -> pi0 gamma (ALPINIST exotic_constants L68)
BR_PHI_ETAG = 0.01303                 # PDG 2022, phi -> eta gamma (recalled PDG value, not re-read) [U]
F0_KPI = 0.96                         # K -> pi scalar form factor f_0(0), scalar_portal form_factors.py L32

# --- MS-bar quark masses in GeV ([PDG] 2024 quark summary tables): u, d, s at mu = 2 GeV; c and b at their own
#     scale, m_c(m_c) and m_b(m_b). The one definition for every model (read-only); the top enters as M_TOP_POLE.
__all__ += ["M_QUARK_MSBAR"]
M_QUARK_MSBAR = MappingProxyType({"u": 0.00216, "d": 0.00470, "s": 0.0935, "c": 1.273, "b": 4.183})

# --- Beam-dump inputs (appended by the beamdump helper) ------------------------------------------
__all__ += ["BR_DS_TAUNU"]
BR_DS_TAUNU = 0.0536                  # PDG 2024, D_s+ -> tau+ nu_tau = (5.36 +- 0.10)% [R: recalled PDG value]
