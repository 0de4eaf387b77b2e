"""Heavy neutral leptons: PBC BC6 (electron), BC7 (muon), BC8 (tau dominance).

One Majorana HNL N mixing with one flavour ([Bondarenko:2018hnl; Shrock:1981prd]). Coupling variable: the
squared mixing ``U2`` = |U_l4|^2. Mass in GeV. The multi-flavour functions :func:`hnl_widths` and
:func:`hnl_total_width` take ``(U_e^2, U_mu^2, U_tau^2)``.

Production ([Shrock:1981prd; Bondarenko:2018hnl; HNLCalc:2024code]):

- K+/pi+ -> l+ N: BR(P -> l nu) rho_l(m_N) |U|^2 with the full Shrock factor
  rho = [(x + y) - (x - y)^2] lambda^1/2(1, x, y) / [x (1 - x)^2], x = m_l^2/m_P^2, y = m_N^2/m_P^2
  (NA62 proceedings Eq. (1) citing Shrock PLB 96 (1980) 159, PRD 24 (1981) 1232; NA62FW
  HNLFunctions.cc L185-197). Normalised to the *measured* BR(P -> l nu) because the tree-level width
  misses ~2 % of radiative corrections (the measured [PDG] BRs include them);
- D+, Ds+, B+ -> l+ N: absolute width G_F^2 f_P^2 |V|^2 m_P^3 |U|^2/(8 pi) [(x+y) - (x-y)^2]
  lambda^1/2(1, y, x) (Bondarenko et al. 1805.08567; HNLCalc L355-368), divided by Gamma_P;
- tau+ -> N + (pi+, K+, rho+, l+ nu): [Bondarenko:2018hnl; HNLCalc:2024code] (HNLCalc get_2body_br_tau L370-397);
- D -> K l N and D -> pi l N ([Bondarenko:2018hnl] lists them, formulas not written out there): the helicity
  form for two massive leptons, dGamma/dq^2 = G_F^2 |V|^2 |U|^2 p' q^2/(96 pi^3 m_D^2) lambda^1/2(1, x_l, x_N)
  [A H_0^2 + B H_t^2], A = (2 - x_l - x_N - (x_l - x_N)^2)/2, B = 3 (x_l + x_N - (x_l - x_N)^2)/2,
  H_0 = 2 m_D p' f_+/sqrt(q^2), H_t = (m_D^2 - m_P^2) f_0/sqrt(q^2), x = m^2/q^2 (reduces to the textbook
  G_F^2 |V|^2 p'^3 |f_+|^2/(24 pi^3) for massless leptons; tested against the measured D0 -> K- e+ nu and
  D0 -> pi- e+ nu). Single-pole form factors with f_+(0) from the HFLAV products f_+^{DK}(0)|V_cs| = 0.7180
  and f_+^{D pi}(0)|V_cd| = 0.1426, effective vector poles 1.93 GeV (D -> K) and 1.91 GeV (D -> pi) from
  the CLEO-c single-pole fits (PRD 80 (2009) 032005), scalar poles D_s0*(2317), D0*(2300)
  [U: all recalled, not re-read]. B -> D(*) l N and vector final states are NOT included.

Decays ([Bondarenko:2018hnl]), per-channel "Dirac-like" widths of Bondarenko et al. 1805.08567 /
Gorbunov-Shaposhnikov 0705.1729 multiplied by **2 for the Majorana HNL** (pitfall 1; NA62FW GammaTot
L808, FairShip, ALPINIST). Each channel key stands for the channel *and* its charge conjugate, e.g.
``"N -> e- pi+"`` is N -> e- pi+ plus N -> e+ pi-. Channels:
3 nu; nu l+ l- (NC, and CC+NC interference for the mixing flavour; the log term is evaluated in a
cancellation-free form, pitfall 9); l_a- l_b+ nu (CC, full phase-space integral I); P+ l- for
P = pi, K, D, Ds; P0 nu for pi0, eta, eta'; rho+ l-; rho0 nu, omega nu. Above 1 GeV the missing
multi-hadron final states are added as ``"N -> multi-hadrons"`` = max(0, inclusive quark width x QCD
correction - exclusive hadronic widths), i.e. hadronic = max(exclusive, inclusive) as in ALPINIST
(decay_widths.py L70); HNLCalc switches at the same 1 GeV. Our choice: the remainder is switched on
linearly between 1.0 and 1.2 GeV, so that the total width is continuous (a 10 % step otherwise).

Kinematics: every decay channel is open iff the sum of its final-state masses is below m_N (three-body:
x_u + x_d + x_l < 1), every production channel iff m_N is below the parent mass minus the other
daughters' masses; each channel's width goes continuously to zero at its threshold
(tests/models/test_models_hnl_thresholds.py checks every channel of BC6-BC8).

Valid mass range: 1 MeV - 5 GeV (above ~2 GeV the hadronic width is the inclusive estimate).

>>> from kaonportal.models import get_model
>>> n = get_model("hnl-e")
>>> round(float(n.ctau_m(0.3, 1.0)), 4)     # [Bondarenko:2018hnl] check value [C]: 0.0805 m
0.0805
>>> round(float(n.production_br(0.3, 1.0)["K+ -> e+ N"]), 2)   # [Shrock:1981prd; Bondarenko:2018hnl]: 2.17
2.17
"""

from __future__ import annotations

__all__ = ["HeavyNeutralLepton", "shrock_factor", "hnl_widths", "hnl_total_width",
           "pseudoscalar_to_lepton_n_width", "phase_space_integral_I", "semileptonic_width"]

import numpy as np

from ..constants import (BR_K, BR_PI, F_D, F_DS, F_B, F_ETA, F_ETAP, F_K, F_OMEGA, F_PI, G_F, G_RHO,
                         M_QUARK_MSBAR, SIN2_THETA_W, V_CB, V_CD, V_CS, V_UB, V_UD, V_US, mass, width_gev)
from ..errors import check_choice
from ..kinematics import kallen
from .base import PortalModel
from .qcd import qcd_correction

_LEPTONS = ("e", "mu", "tau")
_M_L = {"e": mass("e-"), "mu": mass("mu-"), "tau": mass("tau-")}
#: MS-bar quark masses (GeV) for the inclusive widths above 1 GeV: kaonportal.constants.M_QUARK_MSBAR [PDG]
#: (the values of ALPINIST constants.py L25-30); b is not reachable below 5 GeV in CC with a lepton.
_M_Q = M_QUARK_MSBAR
_CKM = {("u", "d"): V_UD, ("u", "s"): V_US, ("u", "b"): V_UB,
        ("c", "d"): V_CD, ("c", "s"): V_CS, ("c", "b"): V_CB}
#: charged pseudoscalars: (name, decay constant GeV, CKM element) ([PDG])
_CHARGED_P = (("pi", "pi+", F_PI, V_UD), ("K", "K+", F_K, V_US),
              ("D", "D+", F_D, V_CD), ("Ds", "Ds+", F_DS, V_CS))
_NEUTRAL_P = (("pi0", "pi0", F_PI), ("eta", "eta", F_ETA), ("eta'", "eta'", F_ETAP))
_INCLUSIVE_FROM = 1.0   # GeV; HNLCalc gen_ctau L1938, ALPINIST L70
_INCLUSIVE_RAMP = 0.2   # GeV; our choice, to keep the total width continuous
_GL_X, _GL_W = np.polynomial.legendre.leggauss(64)


def _sqrt_kallen(a, b, c):
    return np.sqrt(np.clip(kallen(a, b, c), 0.0, None))


def shrock_factor(m_n, m_parent: float, m_lepton: float):
    """Shrock factor rho_l(m_N) for P+ -> l+ N relative to P+ -> l+ nu ([Shrock:1981prd; Bondarenko:2018hnl]).

    rho -> 1 as m_N -> 0 and rho = 0 for m_N >= m_P - m_l.

    >>> from kaonportal.constants import mass
    >>> round(float(shrock_factor(0.3, mass("K+"), mass("mu+"))), 3)
    3.9
    """
    m_n = np.asarray(m_n, dtype=float)
    x = m_lepton**2 / m_parent**2
    y = m_n**2 / m_parent**2
    rho = ((x + y) - (x - y) ** 2) * _sqrt_kallen(1.0, x, y) / (x * (1.0 - x) ** 2)
    return np.where(m_n < m_parent - m_lepton, rho, 0.0)


def pseudoscalar_to_lepton_n_width(m_n, u2, m_parent: float, m_lepton: float, f_p: float, v_ckm: float):
    """Gamma(P+ -> l+ N) in GeV, absolute (Bondarenko et al. 1805.08567; [Shrock:1981prd; Bondarenko:2018hnl])."""
    m_n = np.asarray(m_n, dtype=float)
    x = m_lepton**2 / m_parent**2
    y = m_n**2 / m_parent**2
    val = (G_F**2 * f_p**2 * v_ckm**2 * m_parent**3 * np.asarray(u2) / (8.0 * np.pi)
           * ((x + y) - (x - y) ** 2) * _sqrt_kallen(1.0, y, x))
    return np.where(m_n < m_parent - m_lepton, val, 0.0)


def phase_space_integral_I(xu, xd, xl):
    """I(x_u, x_d, x_l) of [Bondarenko:2018hnl] (three-body V-A phase space), by 64-point Gauss-Legendre.

    I = 12 int_{(x_d+x_l)^2}^{(1-x_u)^2} ds/s (s - x_l^2 - x_d^2)(1 + x_u^2 - s)
        lambda^1/2(s, x_l^2, x_d^2) lambda^1/2(1, s, x_u^2); zero when closed, i.e. unless
    x_u + x_d + x_l < 1 (the final-state masses sum below m_N). I(0, 0, 0) = 1.

    >>> x = 0.3
    >>> closed = 1 - 8*x**2 + 8*x**6 - x**8 - 24*x**4*np.log(x)
    >>> bool(abs(float(phase_space_integral_I(x, 0.0, 0.0)) / closed - 1) < 1e-5)
    True
    """
    xu, xd, xl = (np.asarray(v, dtype=float) for v in (xu, xd, xl))
    lo = (xd + xl) ** 2
    hi = (1.0 - xu) ** 2
    # open iff the final-state masses fit: x_u + x_d + x_l < 1. Comparing hi > lo instead is true
    # again for x_u > 1, where (1 - x_u)^2 grows (issue #12 item 1).
    open_ = (xu + xd + xl) < 1.0
    lo_, hi_ = np.where(open_, lo, 0.0), np.where(open_, hi, 1.0)
    # substitution s = lo + (hi-lo) sin^2(phi), phi in [0, pi/2], removes the endpoint square roots
    phi = (np.pi / 4.0) * (_GL_X + 1.0)
    w = (np.pi / 4.0) * _GL_W
    sh = np.shape(np.broadcast_arrays(lo_, hi_, xu, xd, xl)[0])
    lo_b, hi_b, xu_b, xd_b, xl_b = (np.broadcast_to(v, sh)[..., None] for v in (lo_, hi_, xu, xd, xl))
    s = lo_b + (hi_b - lo_b) * np.sin(phi) ** 2
    jac = (hi_b - lo_b) * 2.0 * np.sin(phi) * np.cos(phi)
    f = ((s - xl_b**2 - xd_b**2) * (1.0 + xu_b**2 - s) * _sqrt_kallen(s, xl_b**2, xd_b**2)
         * _sqrt_kallen(1.0, s, xu_b**2) / s)
    val = 12.0 * np.sum(f * jac * w, axis=-1)
    return np.where(open_, val, 0.0)


def _nc_pair_factor(x, c1, c2):
    """Curly bracket of Gamma(N -> nu f fbar) ([Bondarenko:2018hnl]), x = m_f/m_N; zero above x = 1/2."""
    x = np.asarray(x, dtype=float)
    ok = x < 0.5
    x = np.where(ok, x, 0.25)
    s = np.sqrt(1.0 - 4.0 * x**2)
    x2, x4, x6 = x**2, x**4, x**6
    # L(x) = ln{[1 - 3x^2 - (1-x^2) s] / [x^2 (1 + s)]}; the numerator equals
    # 4 x^6 / (1 - 3x^2 + (1-x^2) s) exactly, which avoids the cancellation of pitfall 9.
    with np.errstate(divide="ignore", invalid="ignore"):
        big_l = np.log(4.0 * x4 / ((1.0 - 3.0 * x2 + (1.0 - x2) * s) * (1.0 + s)))
        t1 = (1.0 - 14.0 * x2 - 2.0 * x4 - 12.0 * x6) * s + np.where(x > 0, 12.0 * x4 * (x4 - 1.0) * big_l, 0.0)
        t2 = x2 * (2.0 + 10.0 * x2 - 12.0 * x4) * s + np.where(x > 0, 6.0 * x4 * (1.0 - 2.0 * x2 + 2.0 * x4) * big_l, 0.0)
    # just above x = 1/2 the two terms cancel to ~1e-16 of their size and can round below zero:
    # a width is never negative, so the rounding residue is clipped (found by the threshold tests)
    return np.where(ok, np.clip(c1 * t1 + 4.0 * c2 * t2, 0.0, None), 0.0)


def _nc_lepton_coeffs(same_flavour: bool, sw2: float):
    if same_flavour:   # CC + NC interference (C3, C4 of [Bondarenko:2018hnl])
        return 0.25 * (1 + 4 * sw2 + 8 * sw2**2), 0.5 * sw2 * (2 * sw2 + 1)
    return 0.25 * (1 - 4 * sw2 + 8 * sw2**2), 0.5 * sw2 * (2 * sw2 - 1)


def _nc_quark_coeffs(q: str, sw2: float):
    """NC couplings for N -> nu q qbar (Bondarenko et al. 1805.08567, table of C1^f, C2^f)."""
    if q in ("u", "c"):
        return 0.25 * (1 - 8 / 3 * sw2 + 32 / 9 * sw2**2), sw2 / 3 * (4 / 3 * sw2 - 1)
    return 0.25 * (1 - 4 / 3 * sw2 + 8 / 9 * sw2**2), sw2 / 6 * (2 / 3 * sw2 - 1)


def hnl_widths(m, u2e=0.0, u2mu=0.0, u2tau=0.0, sin2w: float = SIN2_THETA_W,
               majorana: bool = True) -> dict[str, np.ndarray]:
    """Partial widths (GeV) of an HNL of mass ``m`` (GeV) with mixings (U_e^2, U_mu^2, U_tau^2).

    See the module docstring for the channel list and sources. ``majorana=False`` gives the
    Dirac-like per-channel widths (half the Majorana ones).
    """
    m = np.asarray(m, dtype=float)
    u2 = {"e": np.asarray(u2e, float), "mu": np.asarray(u2mu, float), "tau": np.asarray(u2tau, float)}
    shape = np.broadcast_shapes(m.shape, *(v.shape for v in u2.values()))
    m = np.broadcast_to(m, shape)
    u2 = {k: np.broadcast_to(v, shape) for k, v in u2.items()}
    u2sum = u2["e"] + u2["mu"] + u2["tau"]
    g5 = G_F**2 * m**5 / (192.0 * np.pi**3)
    g3 = G_F**2 * m**3
    out: dict[str, np.ndarray] = {}

    def add(key, val):
        out[key] = out.get(key, 0.0) + val

    # --- purely leptonic -------------------------------------------------------------------
    add("N -> nu nu nubar", g5 * u2sum)
    for b in _LEPTONS:
        xb = _M_L[b] / m
        val = 0.0
        for a in _LEPTONS:
            c1, c2 = _nc_lepton_coeffs(a == b, sin2w)
            val = val + u2[a] * _nc_pair_factor(xb, c1, c2)
        add(f"N -> nu {b}+ {b}-", g5 * val)
    for a in _LEPTONS:
        for b in _LEPTONS:
            if a != b:
                add(f"N -> {a}- {b}+ nu", g5 * u2[a] * phase_space_integral_I(_M_L[a] / m, _M_L[b] / m, 0.0))
    # --- single mesons ----------------------------------------------------------------------
    hadronic_excl = np.zeros(shape)
    for a in _LEPTONS:
        xl = _M_L[a] / m
        for label, pname, f_p, v in _CHARGED_P:
            xp = mass(pname) / m
            val = (g3 * f_p**2 * v**2 * u2[a] / (16.0 * np.pi)
                   * ((1 - xl**2) ** 2 - xp**2 * (1 + xl**2)) * _sqrt_kallen(1.0, xp**2, xl**2))
            val = np.where(xp + xl < 1.0, val, 0.0)
            add(f"N -> {a}- {pname}", val)
            hadronic_excl = hadronic_excl + val
        xv = mass("rho0") / m
        val = (g3 * G_RHO**2 * V_UD**2 * u2[a] / (16.0 * np.pi * mass("rho0") ** 2)
               * ((1 - xl**2) ** 2 + xv**2 * (1 + xl**2) - 2 * xv**4) * _sqrt_kallen(1.0, xv**2, xl**2))
        val = np.where(xv + xl < 1.0, val, 0.0)
        add(f"N -> {a}- rho+", val)
        hadronic_excl = hadronic_excl + val
    for label, pname, f_p in _NEUTRAL_P:
        xp = mass(pname) / m
        val = np.where(xp < 1.0, g3 * f_p**2 * u2sum / (32.0 * np.pi) * (1 - xp**2) ** 2, 0.0)
        add(f"N -> {pname} nu", val)
        hadronic_excl = hadronic_excl + val
    # neutral vectors: kappa_rho = 1 - 2 s_W^2, kappa_omega = 4/3 s_W^2 (Bondarenko et al.), f_V = g_V/m_V
    for pname, f_v, kappa in (("rho0", G_RHO / mass("rho0"), 1 - 2 * sin2w),
                              ("omega", F_OMEGA, 4.0 / 3.0 * sin2w)):
        xv = mass(pname) / m
        val = np.where(xv < 1.0, g3 * f_v**2 * kappa**2 * u2sum / (32.0 * np.pi)
                       * (1 + 2 * xv**2) * (1 - xv**2) ** 2, 0.0)
        add(f"N -> {pname} nu", val)
        hadronic_excl = hadronic_excl + val
    # --- inclusive multi-hadron remainder above 1 GeV --------------------------------------------
    incl = np.zeros(shape)
    for a in _LEPTONS:
        for (qu, qd), v in _CKM.items():
            incl = incl + 3.0 * v**2 * u2[a] * phase_space_integral_I(_M_L[a] / m, _M_Q[qu] / m, _M_Q[qd] / m)
    for q in ("u", "d", "s", "c"):
        c1, c2 = _nc_quark_coeffs(q, sin2w)
        incl = incl + 3.0 * u2sum * _nc_pair_factor(_M_Q[q] / m, c1, c2)
    incl = g5 * incl * qcd_correction(m)
    # switched on linearly over 1.0-1.2 GeV so that the total width stays continuous
    ramp = np.clip((m - _INCLUSIVE_FROM) / _INCLUSIVE_RAMP, 0.0, 1.0)
    add("N -> multi-hadrons", ramp * np.clip(incl - hadronic_excl, 0.0, None))
    factor = 2.0 if majorana else 1.0
    return {k: factor * np.broadcast_to(v, shape).astype(float) for k, v in out.items()}


def hnl_total_width(m, u2e=0.0, u2mu=0.0, u2tau=0.0, **kw) -> np.ndarray:
    """Total width in GeV (sum of :func:`hnl_widths`)."""
    return np.sum(np.stack(list(hnl_widths(m, u2e, u2mu, u2tau, **kw).values())), axis=0)


#: semileptonic D -> P l N: (key parent, key daughter, mass name, CKM, f_+(0), vector pole, scalar pole, isospin)
_SEMILEPTONIC = (("D0", "K-", "K+", V_CS, 0.7180 / V_CS, 1.93, 2.3178, 1.0),
                 ("D+", "K0bar", "KL", V_CS, 0.7180 / V_CS, 1.93, 2.3178, 1.0),
                 ("D0", "pi-", "pi+", V_CD, 0.1426 / V_CD, 1.91, 2.343, 1.0),
                 ("D+", "pi0", "pi0", V_CD, 0.1426 / V_CD, 1.91, 2.343, 0.5))


def semileptonic_width(m_n, u2, m_h: float, m_p: float, m_l: float, v_ckm: float, fplus0: float,
                       m_vpole: float, m_spole: float, isospin: float = 1.0):
    """Gamma(H -> P l N) in GeV for a pseudoscalar H -> pseudoscalar P transition (see module docstring).

    ``m_n = 0`` and ``m_l = 0`` give the SM semileptonic width G_F^2 |V|^2 int p'^3 |f_+|^2 dq^2/(24 pi^3).
    """
    m_n = np.asarray(m_n, dtype=float)
    lo = (m_l + m_n) ** 2
    hi = (m_h - m_p) ** 2
    open_ = lo < hi
    lo_ = np.where(open_, lo, 0.0)[..., None]
    phi = (np.pi / 4.0) * (_GL_X + 1.0)
    w = (np.pi / 4.0) * _GL_W
    q2 = lo_ + (hi - lo_) * np.sin(phi) ** 2
    jac = (hi - lo_) * 2.0 * np.sin(phi) * np.cos(phi)
    p_prime = _sqrt_kallen(m_h**2, m_p**2, q2) / (2.0 * m_h)
    fp = fplus0 / (1.0 - q2 / m_vpole**2)
    fz = fplus0 / (1.0 - q2 / m_spole**2)
    h0 = 4.0 * m_h**2 * p_prime**2 * fp**2 / q2
    ht = (m_h**2 - m_p**2) ** 2 * fz**2 / q2
    x1, x2 = m_l**2 / q2, m_n[..., None] ** 2 / q2
    a = 0.5 * (2.0 - x1 - x2 - (x1 - x2) ** 2)
    b = 1.5 * (x1 + x2 - (x1 - x2) ** 2)
    dgam = (G_F**2 * v_ckm**2 * p_prime * q2 / (96.0 * np.pi**3 * m_h**2)
            * _sqrt_kallen(1.0, x1, x2) * (a * h0 + b * ht))
    val = isospin * np.asarray(u2) * np.sum(dgam * jac * w, axis=-1)
    return np.where(open_, val, 0.0)


def _tau_to_n_widths(m_n, u2, flavour: str) -> dict[str, np.ndarray]:
    """Gamma(tau+ -> N X) in GeV ([Bondarenko:2018hnl; HNLCalc:2024code]; HNLCalc get_2body_br_tau L370-397)."""
    m_tau = _M_L["tau"]
    y = np.asarray(m_n, float) / m_tau
    out = {}
    if flavour == "tau":
        for pname, f_p, v in (("pi+", F_PI, V_UD), ("K+", F_K, V_US)):
            xp = mass(pname) / m_tau
            val = (G_F**2 * f_p**2 * v**2 * m_tau**3 * u2 / (16.0 * np.pi)
                   * ((1 - y**2) ** 2 - xp**2 * (1 + y**2)) * _sqrt_kallen(1.0, xp**2, y**2))
            out[f"tau+ -> {pname} N"] = np.where(xp + y < 1.0, val, 0.0)
        xv = mass("rho0") / m_tau
        val = (G_F**2 * G_RHO**2 * V_UD**2 * m_tau**3 * u2 / (16.0 * np.pi * mass("rho0") ** 2)
               * ((1 - y**2) ** 2 + xv**2 * (1 + y**2) - 2 * xv**4) * _sqrt_kallen(1.0, xv**2, y**2))
        out["tau+ -> rho+ N"] = np.where(xv + y < 1.0, val, 0.0)
        for b in ("e", "mu"):    # tau -> N l nu via U_tau: N paired with tau in the current
            out[f"tau+ -> {b}+ nu N"] = (G_F**2 * m_tau**5 / (192 * np.pi**3) * u2
                                         * phase_space_integral_I(y, _M_L[b] / m_tau, 0.0))
    else:                        # tau -> nu_tau l N via U_l: W -> l N
        out[f"tau+ -> {flavour}+ nu N"] = (G_F**2 * m_tau**5 / (192 * np.pi**3) * u2
                                           * phase_space_integral_I(0.0, _M_L[flavour] / m_tau, y))
    return out


class HeavyNeutralLepton(PortalModel):
    """PBC BC6/BC7/BC8 Majorana HNL mixing with one flavour (``"e"``, ``"mu"`` or ``"tau"``).

    Coupling: ``U2`` = |U_l4|^2.

    >>> hnl = HeavyNeutralLepton("mu")
    >>> hnl.name, hnl.label
    ('hnl-mu', 'BC7')
    >>> round(float(hnl.production_br(0.3, 1.0)["K+ -> mu+ N"]), 2)   # [Shrock:1981prd; Bondarenko:2018hnl]: 2.48
    2.48
    """

    particle = "N"
    coupling_name = "U2"
    coupling_power = 1
    coupling_max = 1.0          # |U_l4|^2 is a mixing probability
    mass_range = (1.0e-3, 5.0)
    invisible_channels = frozenset({"N -> nu nu nubar"})
    reference = ("[Shrock:1980plb; Shrock:1981prd] Shrock 1980/1981; [Bondarenko:2018hnl] 1805.08567; "
                 "Gorbunov-Shaposhnikov 0705.1729); PBC report 1901.09966 BC6-BC8")

    def __init__(self, flavour: str = "e"):
        check_choice("flavour", flavour, _LEPTONS)
        self.flavour = flavour
        self.name = f"hnl-{flavour}"
        self.label = {"e": "BC6", "mu": "BC7", "tau": "BC8"}[flavour]
        self.kaon_channel = {"e": "K+ -> e+ N", "mu": "K+ -> mu+ N", "tau": "tau+ -> pi+ N"}[flavour]

    def _widths(self, m, c):
        return hnl_widths(m, **{f"u2{self.flavour}": c})

    def _production(self, m, c):
        fl = self.flavour
        ml = _M_L[fl]
        lep = {"e": "e+", "mu": "mu+", "tau": "tau+"}[fl]
        out = {}
        if fl != "tau":
            out[f"K+ -> {lep} N"] = BR_K[f"K+ -> {lep} nu"] * shrock_factor(m, mass("K+"), ml) * c
            out[f"pi+ -> {lep} N"] = BR_PI[f"pi+ -> {lep} nu"] * shrock_factor(m, mass("pi+"), ml) * c
        for pname, f_p, v in (("D+", F_D, V_CD), ("Ds+", F_DS, V_CS), ("B+", F_B, V_UB)):
            out[f"{pname} -> {lep} N"] = (pseudoscalar_to_lepton_n_width(m, c, mass(pname), ml, f_p, v)
                                          / width_gev(pname))
        for parent, dname, mname, v, fp0, mv, ms, iso in _SEMILEPTONIC:
            out[f"{parent} -> {dname} {lep} N"] = (semileptonic_width(m, c, mass(parent), mass(mname), ml, v,
                                                                      fp0, mv, ms, iso) / width_gev(parent))
        for k, v in _tau_to_n_widths(m, c, fl).items():
            out[k] = v / width_gev("tau+")
        return out
