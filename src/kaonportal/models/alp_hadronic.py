"""Hadronic decays of the ALPs (BC10, BC11): a -> 3 pi and a -> pi+ pi- gamma (a -> pi pi eta: :mod:`.alp_etapipi`).

Units: GeV for masses and widths, GeV^-1 for the couplings c/f. Conventions of
:mod:`kaonportal.models.alp` (2102.13112 basis): L = c_GG (alpha_s/4 pi)(a/f) G Gtilde
+ (d_mu a/(2 f)) sum_q c_q qbar gamma^mu gamma5 q. F = f_pi/sqrt2 = 92 MeV below.

**a -> 3 pi** ([Bauer:2017ris] Sec. 3, the a -> pi^a pi^b pi^0 rate; derived again here at leading order in
two-flavour chiral perturbation theory). The chiral rotation q -> exp(-i kappa_q c_GG (a/f) gamma5) q with
kappa_q = m_q^-1 / sum m^-1 removes a G Gtilde and the ALP-mass-term mixing; the ALP then couples to the
isovector axial current with delta/f = (chat_u - chat_d)/(2 f), chat_q = c_q + 2 kappa_q c_GG (BNT's
Delta c_ud/Lambda = 2 delta/f, Delta c_ud = c_uu - c_dd + 32 pi^2 C_GG (m_d - m_u)/(m_d + m_u)). With
d_mu J_A^3 = F m_pi^2 pi^3 (sigma-model parametrisation) and the LO pi pi amplitude (s - m_pi^2)/F^2:

    A(a -> pi+ pi- pi0) = (delta/f)(m_pi^2/F)(s_+- - m_pi^2)/(m_a^2 - m_pi^2),
    A(a -> 3 pi0)       = (delta/f)(m_pi^2/F) m_a^2/(m_a^2 - m_pi^2),

which integrate to BNT's Gamma = (pi/6)(m_a m_pi^4/(Lambda^2 f_pi^2)) (Delta c_ud / (32 pi^2))^2 g_ab(m_pi^2/m_a^2)
(f_pi = 130 MeV; g_00(0) = g_+-(0) = 1; tested). Here the phase space uses the physical charged and neutral
pion masses ([PDG]) and m_pi = m_pi0 in the amplitude.

**a -> eta*, eta'* -> 3 pi** (the piece the two-flavour BNT rate lacks; the data-driven mixing picture of
[Aloni:2018vki], A(a -> f) = sum_P theta_aP A(P -> f)). In U(3) the ALP also mixes with eta, eta' (angles
theta_aP of :func:`u3_mixing_angles`, the LO kinetic + mass mixing of kaonportal.models.alp), and P -> 3 pi goes
through the isospin-breaking pi0-P mass mixing. With the a -> P* -> pi0* chain at p^2 = m_a^2 the amplitude is

    A_P(s) = theta_aP N_P (3 s - 4 m_pi^2)/(m_a^2 - m_pi^2),

the LO shape of eta -> 3 pi ([Gasser:1985eta3pi]: 1 + 3(s - s_0)/(m_eta^2 - m_pi^2)
written for an external mass m_a), with |N_P| fixed by the measured Gamma(P -> pi+ pi- pi0) ([PDG]: data-driven,
as ASW; LO chiral PT is 2-3x low for eta -> 3 pi) and sign(N_P) = sign(m_u - m_d) sign((t_P)_uu) (the pi0-P mass
mixing 2 B_0 Tr(M t_pi0 t_P)), both in the generator basis of the mixing angles. A(3 pi0) = A(s) + A(t) + A(u)
(Delta I = 1). Cross-check: our theta_a_eta equals the FORESEE/[Aloni:2018vki] fit 3.671 g(a2 m^2 + b0)/(m^2 - m_eta^2)
within 1 % (tested).

Validity: LO chiral PT; NLO corrections are O(1) already ~0.1 GeV above the threshold (Di Luzio, Piazza,
arXiv:2206.04061). The eta' -> 3 pi shape is not LO-like (rho pi, [U]).

**a -> pi+ pi- gamma** (data-driven mixing picture of [Aloni:2018vki]: A(a -> f) = sum_P theta_aP A(P -> f),
P = eta, eta'; theta_aP are the same LO U(3) angles as in the 3 pi chain, :func:`u3_mixing_angles`, one sign
convention, the generator basis of :func:`_generators` that also defines c_P below; the FORESEE/[Aloni:2018vki]
fit, :func:`mixing_angle_gluon`, equals -1 x these to 1 % (eta) and 3-4 % (eta') and is kept for the production by
mixing of :class:`kaonportal.models.alp.AlpGluon`, where only |theta|^2 enters).
A(P -> pi+ pi- gamma) is the Wess-Zumino-Witten box anomaly ([Wess:1971yu; Witten:1983tw]),
A = (e/(4 sqrt3 pi^2 F^3)) c_P eps_{mu nu rho sigma} epsilon^mu k^nu p+^rho p-^sigma F_rho(s), with
c_P = (sqrt6/2) [(t_P)_uu + (t_P)_dd] (c_eta8 = 1; eta-eta' angle -14.1 deg) and the rho vector-meson
dominance factor F_rho(s) = m_rho^2/(m_rho^2 - s - i m_rho Gamma_rho), integrated as

    dGamma/ds = |A|^2 s beta^3 (m_a^2 - s)^3 / (6144 pi^3 m_a^3),   beta = sqrt(1 - 4 m_pi+^2/s).

Check: Gamma(eta -> pi+ pi- gamma) = 55.7 eV (PDG 55.3 eV), Gamma(eta' -> pi+ pi- gamma) = 35 keV (PDG 54 keV,
the fixed-width rho; tested).

Peer comparison (ALPaca 1.2.0, which implements the Aloni-Soreq-Williams widths; stored table in the tests). Issue 14
found ALPaca's a -> pi+ pi- pi0 9-37x above the two-flavour BNT rate at 0.42-0.50 GeV. The cause: the a -> eta* -> 3 pi
chain (eta pole at 0.548 GeV; eta' included). The f_G convention (a constant 5160 in every width, the
alpha_s/8 pi vs 1/(4 f_G) normalisation, checked on a -> gamma gamma), the 3 pi0 / pi+ pi- pi0 split (0.9-1.1 of
ALPaca's) and the BNT normalisation (tested) are not. With it ALPaca is 2.0-2.7x above ours at 0.42-0.50 GeV,
1.1-1.8x at 0.55-0.60 GeV; both have an interference zero between 0.65 and 0.8 GeV (ALPaca ~0.70, here ~0.74 GeV),
so the ratio is 0.1-400 at 0.65-0.8 GeV. The residual 2.0-2.7x is ASW's K-factor: [Aloni:2018vki] multiply the whole
LO chiral contact amplitude by sqrt(2.7) so that it reproduces the measured eta, eta' -> 3 pi rates; ALPaca re-run with
the K-factor set to 1 gives 2.6-2.8x smaller widths, 0.72-0.97 of ours at 0.42-0.50 GeV (tested, stored table). Our
eta*, eta'* -> 3 pi chain is normalised to the measured eta -> 3 pi width, so it already contains what the K-factor
restores and it is not applied again (``k3pi=2.7`` of the ALP models applies it, for comparisons); whether the isovector (a-pi0) part deserves a pi pi rescattering K-factor of
its own is open (its size at m_a != m_eta has no source here; the chiral-rotation dependence of that part is
discussed in [Ovchynnikov:2025alpgluon]): stated, not tuned. The a -> pi+ pi- gamma
differs by 0.006-390x (zeros of the eta/eta' interference at different masses, ~0.7 GeV there, ~0.8 GeV here).
Above the eta pi pi threshold (:data:`ETAPIPI_THRESHOLD_GEV`) a -> pi pi eta is :mod:`.alp_etapipi`'s, which also
ends the ALPs' decay model at 1 GeV (its docstring has the 0.83-1 GeV comparison with ALPaca).
"""

from __future__ import annotations

__all__ = ["ETAPIPI_THRESHOLD_GEV", "kappa", "isovector_coupling", "three_pion_widths", "phase_space_g",
           "mixing_numerators", "u3_mixing_angles", "eta_three_pion_norm", "three_pion_widths_linear",
           "three_pion_coefficients",
           "box_coefficient", "pipigamma_width", "eta_pipigamma_width", "mixing_angle_gluon",
           "gluon_hadronic_widths", "kinetic_mixing_angle", "fermion_hadronic_widths"]

from functools import lru_cache

import numpy as np

from ..constants import ALPHA_EM, BR_ETA_PIPIPI0, BR_ETAP_PIPIPI0, F_PI, M_QUARK_MSBAR, mass, width_gev

#: eta pi+ pi- threshold (GeV): a -> pi pi eta opens here (kaonportal.models.alp_etapipi)
ETAPIPI_THRESHOLD_GEV = mass("eta") + 2.0 * mass("pi+")
_F = F_PI / np.sqrt(2.0)                           # F = 92 MeV
#: MS-bar light-quark masses at 2 GeV (GeV), PDG 2024 quark summary [PDG]; only their ratios enter
_M_UDS = np.array([M_QUARK_MSBAR[q] for q in "uds"])
#: eta-eta' octet-singlet angle, -14.1 deg (RBC/UKQCD lattice, Christ et al. PRL 105 (2010) 241601; the value
#: ALPaca uses); also used by kaonportal.models.alp for a -> gamma gamma
_THETA_ETA = np.deg2rad(-14.1)
_M_RHO, _G_RHO = mass("rho0"), width_gev("rho0")
_X, _W = np.polynomial.legendre.leggauss(96)       # fixed quadrature: smooth integrands, < 1e-6 relative


def kappa() -> np.ndarray:
    """kappa_q = m_q^-1 / sum_q m_q^-1 for (u, d, s): the rotation that removes the ALP-mass mixing."""
    inv = 1.0 / _M_UDS
    return inv / inv.sum()


def isovector_coupling(cgg_over_f, cq_over_f=(0.0, 0.0, 0.0)):
    """delta/f = (chat_u - chat_d)/(2 f) in GeV^-1, chat_q = c_q + 2 kappa_q c_GG (see module docstring)."""
    k = kappa()
    cgg = np.asarray(cgg_over_f, dtype=float)
    return 0.5 * ((cq_over_f[0] - cq_over_f[1]) + 2.0 * cgg * (k[0] - k[1]))


def _integrate(fun, lo, hi):
    """Gauss-Legendre integral of fun(x) over [lo, hi] (arrays broadcast; 0 where hi <= lo)."""
    lo, hi = np.broadcast_arrays(np.asarray(lo, float), np.asarray(hi, float))
    half = 0.5 * np.clip(hi - lo, 0.0, None)
    x = (lo + half)[..., None] + half[..., None] * _X
    return np.sum(fun(x) * _W, axis=-1) * half


def _lam_sqrt(a, b, c):
    return np.sqrt(np.clip(a * a + b * b + c * c - 2 * (a * b + a * c + b * c), 0.0, None))


def phase_space_g(m_a, kind: str):
    """BNT's g_00 or g_+- at m_a (GeV): the phase-space integrals normalised to 1 for m_pi << m_a.

    kind "+-": 12/(1-r0)^2 int dz sqrt(1 - 4 rc/z) (z - r0)^2 lambda^1/2(1, z, r0) over the pi+pi- pair (z = s/m_a^2);
    kind "00": 2/(1-r0)^2 int dz sqrt(1 - 4 r0/z) lambda^1/2(1, z, r0); r0 = m_pi0^2/m_a^2, rc = m_pi+^2/m_a^2.
    """
    m_a = np.asarray(m_a, dtype=float)
    r0 = (mass("pi0") / m_a) ** 2
    rc = (mass("pi+") / m_a) ** 2 if kind == "+-" else r0
    lo, hi = 4.0 * rc, (1.0 - np.sqrt(r0)) ** 2

    def integrand(z):
        r0b, rcb = r0[..., None], rc[..., None]
        beta = np.sqrt(np.clip(1.0 - 4.0 * rcb / z, 0.0, None))
        lam = _lam_sqrt(1.0, z, r0b)
        return beta * lam * ((12.0 * (z - r0b) ** 2) if kind == "+-" else 2.0)
    val = _integrate(integrand, lo, hi) / (1.0 - r0) ** 2
    return np.where(hi > lo, val, 0.0)


def three_pion_widths(m_a, delta_over_f) -> dict:
    """Gamma(a -> pi+ pi- pi0) and Gamma(a -> 3 pi0) in GeV (LO chiral PT, module docstring): the analytic two-flavour
    (BNT) width, kept as the public reference that :func:`three_pion_widths_linear` reproduces with the BNT inputs
    (tests); the model widths use :func:`three_pion_widths_linear`."""
    m_a = np.asarray(m_a, dtype=float)
    mp = mass("pi0")
    pref = np.asarray(delta_over_f, float) ** 2 * m_a * mp**4 / (3072.0 * np.pi**3 * _F**2)
    with np.errstate(invalid="ignore"):
        pm = np.where(m_a > 2 * mass("pi+") + mp, pref * phase_space_g(m_a, "+-"), 0.0)
        zz = np.where(m_a > 3 * mp, pref * phase_space_g(m_a, "00"), 0.0)
    return {"a -> pi+ pi- pi0": pm, "a -> pi0 pi0 pi0": zz}


def mixing_numerators(m_a, c_gg, c_q=(0.0, 0.0, 0.0)) -> np.ndarray:
    """h_P = Tr(chat t_P) m_a^2 - 4 B_0 c_GG Tr(kappa M t_P), P = (pi0, eta, eta') on a last axis.

    The LO U(3) ALP-meson mixing (kinetic minus mass mixing; kaonportal.models.alp.light_qcd_photon_coupling)
    for chat = c_q + 2 c_GG kappa, B_0 = m_pi0^2/(m_u + m_d); c_gg scalar, c_q (u, d, s), m_a in GeV.
    """
    m2 = np.asarray(m_a, dtype=float) ** 2
    k = kappa()
    c_hat = np.asarray(c_q, dtype=float) + 2.0 * c_gg * k
    b0 = mass("pi0") ** 2 / (_M_UDS[0] + _M_UDS[1])
    t = np.stack(list(_generators().values()))                               # (P, q)
    return (t @ c_hat) * m2[..., None] - 4.0 * b0 * c_gg * t @ (k * _M_UDS)


def u3_mixing_angles(m_a, cgg_over_f) -> dict:
    """Physical a-P mixing angles theta_aP = (F/sqrt2) h_P/(m_a^2 - m_P^2 + i m_P Gamma_P) (complex) of a gluon
    ALP, c_GG/f = ``cgg_over_f`` (GeV^-1, broadcast with m_a); no isospin-breaking P-Q mixing (that is in the
    P -> 3 pi amplitude). Linear in c_GG: h is computed at c_GG = 1."""
    m2 = np.asarray(m_a, dtype=float) ** 2
    h = mixing_numerators(m_a, 1.0)
    c = np.asarray(cgg_over_f, dtype=float)
    return {p: c * _F / np.sqrt(2.0) * h[..., i] / (m2 - mass(p) ** 2 + 1j * mass(p) * width_gev(p))
            for i, p in enumerate(_generators())}


def three_pion_widths_linear(m_a, a0, a1) -> dict:
    """Gamma(a -> pi+ pi- pi0), Gamma(a -> 3 pi0) in GeV for A_+-0(s, t, u) = a0 + a1 s (complex, broadcast with m_a).

    Gamma_+-0 = int ds |a0 + a1 s|^2 beta_+(s) lambda^1/2(m_a^2, s, m_pi0^2)/(256 pi^3 m_a^3);
    A_000 = A(s) + A(t) + A(u) = 3 a0 + a1 (m_a^2 + 3 m_pi0^2) is constant, with the 1/3! of identical pions.
    """
    m_a = np.asarray(m_a, dtype=float)
    a0, a1 = np.asarray(a0, complex), np.asarray(a1, complex)
    mc, m0 = mass("pi+"), mass("pi0")
    norm = 1.0 / (256.0 * np.pi**3 * m_a**3)

    def pm(s):
        beta = np.sqrt(np.clip(1.0 - 4.0 * mc**2 / s, 0.0, None))
        return np.abs(a0[..., None] + a1[..., None] * s) ** 2 * beta * _lam_sqrt(m_a[..., None] ** 2, s, m0**2)

    def zz(s):
        beta = np.sqrt(np.clip(1.0 - 4.0 * m0**2 / s, 0.0, None))
        return beta * _lam_sqrt(m_a[..., None] ** 2, s, m0**2)
    a0, a1, m_a = np.broadcast_arrays(a0, a1, m_a)
    with np.errstate(invalid="ignore"):
        g_pm = norm * _integrate(pm, 4.0 * mc**2, np.maximum((m_a - m0) ** 2, 4.0 * mc**2))
        amp0 = np.abs(3.0 * a0 + a1 * (m_a**2 + 3.0 * m0**2)) ** 2
        g_00 = norm * amp0 / 6.0 * _integrate(zz, 4.0 * m0**2, np.maximum((m_a - m0) ** 2, 4.0 * m0**2))
    return {"a -> pi+ pi- pi0": np.where(m_a > 2 * mc + m0, g_pm, 0.0),
            "a -> pi0 pi0 pi0": np.where(m_a > 3 * m0, g_00, 0.0)}


@lru_cache(maxsize=None)
def eta_three_pion_norm(meson: str) -> float:
    """N_P (dimensionless, signed) of A(P -> pi+ pi- pi0) = N_P (3 s - 4 m_pi^2)/(m_P^2 - m_pi^2), P = eta, eta',
    fixed by the PDG width Gamma_P BR(P -> pi+ pi- pi0) ([PDG]); sign = sign(m_u - m_d) sign((t_P)_uu)."""
    br = {"eta": BR_ETA_PIPIPI0, "eta'": BR_ETAP_PIPIPI0}[meson]
    mp, mpi = mass(meson), mass("pi0")
    unit = three_pion_widths_linear(mp, -4.0 * mpi**2 / (mp**2 - mpi**2), 3.0 / (mp**2 - mpi**2))
    sign = np.sign(_M_UDS[0] - _M_UDS[1]) * np.sign(_generators()[meson][0])
    return float(sign * np.sqrt(width_gev(meson) * br / float(unit["a -> pi+ pi- pi0"])))


def three_pion_coefficients(m_a, delta_over_f, thetas: dict) -> tuple:
    """(a0, a1) of A_+-0 = a0 + a1 s: the two-flavour BNT term plus a -> P* -> 3 pi for P in ``thetas``."""
    m_a = np.asarray(m_a, dtype=float)
    mp = mass("pi0")
    k = np.asarray(delta_over_f, float) * mp**2 / (_F * (m_a**2 - mp**2))      # BNT: k (s - m_pi^2)
    a0, a1 = -k * mp**2 + 0j, k + 0j
    for p, th in thetas.items():
        c = th * eta_three_pion_norm(p) / (m_a**2 - mp**2)
        a0, a1 = a0 - 4.0 * mp**2 * c, a1 + 3.0 * c
    return a0, a1


def box_coefficient() -> dict:
    """c_P of the WZW pi+ pi- gamma box for P = eta, eta' in units of the eta_8 amplitude."""
    c, s = np.cos(_THETA_ETA), np.sin(_THETA_ETA)
    # (t_8)_uu + (t_8)_dd = 2/sqrt6 -> 1; (t_0)_uu + (t_0)_dd = 2/sqrt3 -> sqrt2
    return {"eta": c - np.sqrt(2.0) * s, "eta'": s + np.sqrt(2.0) * c}


def _box_rate(m, amp_weight_sq):
    """int ds |e/(4 sqrt3 pi^2 F^3) F_rho(s)|^2 w(s) s beta^3 (m^2 - s)^3/(6144 pi^3 m^3), amp_weight_sq(s) = |w|^2."""
    m = np.asarray(m, dtype=float)
    mpc = mass("pi+")
    c0 = np.sqrt(4 * np.pi * ALPHA_EM) / (4.0 * np.sqrt(3.0) * np.pi**2 * _F**3)

    def integrand(s):
        beta = np.sqrt(np.clip(1.0 - 4.0 * mpc**2 / s, 0.0, None))
        vmd = np.abs(_M_RHO**2 / (_M_RHO**2 - s - 1j * _M_RHO * _G_RHO)) ** 2
        mm = m[..., None]
        return c0**2 * vmd * amp_weight_sq(s) * s * beta**3 * (mm**2 - s) ** 3 / (6144.0 * np.pi**3 * mm**3)
    return np.where(m > 2 * mpc, _integrate(integrand, 4 * mpc**2, np.maximum(m**2, 4 * mpc**2)), 0.0)


def eta_pipigamma_width(meson: str = "eta") -> float:
    """Gamma(P -> pi+ pi- gamma) (GeV) of the physical eta or eta' from the box formula (validation)."""
    c = box_coefficient()[meson]
    return float(_box_rate(mass(meson), lambda s: c**2))


def pipigamma_width(m_a, theta_eta, theta_etap):
    """Gamma(a -> pi+ pi- gamma) in GeV from the a-eta, a-eta' mixing angles (complex allowed; broadcast with m_a)."""
    cb = box_coefficient()
    amp = np.asarray(theta_eta) * cb["eta"] + np.asarray(theta_etap) * cb["eta'"]
    m_a, amp = np.broadcast_arrays(np.asarray(m_a, float), amp)
    flat_m, flat_a = m_a.ravel(), amp.ravel()
    out = _box_rate(flat_m, lambda s: np.abs(flat_a[:, None]) ** 2 * np.ones_like(s))
    return out.reshape(m_a.shape)


#: ALP-meson mixing theta_aP = 3.671 g (a2 m_a^2 + b0)/(m_a^2 - m_P^2) with g = 8 C_GG/Lambda = c_GG/(2 pi^2 f):
#: [FORESEE:2021code] ALP-g; [Aloni:2018vki]; one table for the decays here and the production by mixing in
#: kaonportal.models.alp (AlpGluon._production)
_MIXING = {"pi0": (-0.180, 0.0), "eta": (-0.3596, 0.0021), "eta'": (-0.3362, 0.0092)}


def mixing_angle_gluon(m_a, cgg_over_f, meson: str):
    """theta_aP (complex) of a gluon-coupled ALP; the pole is regularised with -i m_P Gamma_P (only there)."""
    a2, b0 = _MIXING[meson]
    g = np.asarray(cgg_over_f, float) / (2.0 * np.pi**2)
    m2 = np.asarray(m_a, float) ** 2
    mp = mass(meson)
    return 3.671 * g * (a2 * m2 + b0) / (m2 - mp**2 + 1j * mp * width_gev(meson))


def gluon_hadronic_widths(m_a, cgg_over_f) -> dict:
    """Hadronic partial widths (GeV) of the BC11 ALP for c_GG/f = ``cgg_over_f`` (GeV^-1); pi pi eta: .alp_etapipi."""
    # one set of mixing angles for both channels: the LO U(3) angles in the generator basis that also fixes
    # sign(N_P) of the 3 pi chain and c_P of the box (they are -1 x the FORESEE/[Aloni:2018vki] fit, to 1 % for the
    # eta and 3-4 % for the eta'; the fit's overall sign drops out of |A|^2, its magnitude does not)
    th = u3_mixing_angles(m_a, cgg_over_f)
    out = three_pion_widths_linear(m_a, *three_pion_coefficients(
        m_a, isovector_coupling(cgg_over_f), {"eta": th["eta"], "eta'": th["eta'"]}))
    out["a -> pi+ pi- gamma"] = pipigamma_width(m_a, th["eta"], th["eta'"])
    return out


def _generators() -> dict:
    """Diagonals of the U(3) generators (Tr t_a t_b = delta_ab) of pi0, eta, eta' in (u, d, s); angle -14.1 deg."""
    t3 = np.array([1.0, -1.0, 0.0]) / np.sqrt(2.0)
    t8 = np.array([1.0, 1.0, -2.0]) / np.sqrt(6.0)
    t0 = np.ones(3) / np.sqrt(3.0)
    c, s = np.cos(_THETA_ETA), np.sin(_THETA_ETA)
    return {"pi0": t3, "eta": c * t8 - s * t0, "eta'": s * t8 + c * t0}


def kinetic_mixing_angle(m_a, chat_over_f, meson: str):
    """theta_aP (complex) from the axial-current coupling (d_mu a/(2f)) sum_q chat_q qbar gamma^mu gamma5 q.

    With <0| qbar gamma^mu gamma5 t_P q |P(p)> = i sqrt2 F p^mu the coupling is a kinetic mixing
    -eps_P d a . d P, eps_P = F Tr(chat t_P)/(sqrt2 f), and on the ALP mass shell theta_aP = eps_P m_a^2/(m_a^2 - m_P^2)
    (pole regularised with -i m_P Gamma_P). ``chat_over_f``: (chat_u, chat_d, chat_s)/f in GeV^-1, broadcast
    against m_a on a last axis of length 3. Check: for a gluon coupling, chat = 2 kappa c_GG, the pi0 angle is
    F (kappa_u - kappa_d) c_GG/f m_a^2/(m_a^2 - m_pi^2) = 0.0340 c_GG/f, the FORESEE/[Aloni:2018vki] 3.671 x 0.180/(2 pi^2)
    = 0.0335 c_GG/f (tested).
    """
    t = _generators()[meson]
    eps = _F * np.tensordot(np.asarray(chat_over_f, float), t, axes=([-1], [0])) / np.sqrt(2.0)
    m2 = np.asarray(m_a, float) ** 2
    mp = mass(meson)
    return eps * m2 / (m2 - mp**2 + 1j * mp * width_gev(meson))


def fermion_hadronic_widths(m_a, cq_over_f) -> dict:
    """Hadronic widths (GeV) of an ALP with axial quark couplings only (BC10: chat_q/f = g_Y/v for every quark).

    a -> 3 pi: the isovector (BNT) part needs c_u != c_d, the a -> eta*, eta'* -> 3 pi chain (kinetic mixing of
    :func:`kinetic_mixing_angle` x the measured P -> 3 pi amplitude, module docstring) does not, so universal
    couplings decay to 3 pi too; a -> pi+ pi- gamma through the same eta, eta' kinetic mixing (the LO U(3)
    picture of the model's photon coupling). ``cq_over_f``: (c_u, c_d, c_s)/f, each broadcast with m_a.
    """
    m_a = np.asarray(m_a, float)
    cq = np.stack(np.broadcast_arrays(*(np.asarray(c, float) for c in cq_over_f), m_a)[:3], axis=-1)
    th = {p: kinetic_mixing_angle(m_a, cq, p) for p in ("eta", "eta'")}
    # isovector (BNT) part plus the a -> eta*, eta'* -> 3 pi chain (which survives universal couplings)
    out = three_pion_widths_linear(m_a, *three_pion_coefficients(m_a, 0.5 * (cq[..., 0] - cq[..., 1]), th))
    out["a -> pi+ pi- gamma"] = pipigamma_width(m_a, th["eta"], th["eta'"])
    return out
