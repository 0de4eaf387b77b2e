"""Electromagnetic transition form factors of the light mesons, for dark-photon production in meson decays.

A dark photon couples to the electromagnetic current (eps e J_em), so the amplitude of P -> gamma A' is the
P -> gamma gamma* amplitude at the virtuality q^2 = m_A'^2, which carries the transition form factor F_P(q^2)
normalised to F_P(0) = 1 (the same factor that shapes the Dalitz spectrum P -> gamma l+ l-, Landsberg's
review [Landsberg:1985tff] Eq. for d Gamma(P -> gamma l+ l-)/dq^2 proportional to (1 - q^2/M^2)^3 |F(q^2)|^2).
Hence

    BR(P -> gamma A') = 2 eps^2 BR(P -> gamma gamma) (1 - m^2/M_P^2)^3 |F_P(m^2)|^2          (P = pi0, eta, eta')
    BR(V -> P A')     = eps^2 BR(V -> P gamma) [lambda(M_V^2, M_P^2, m^2)/(M_V^2 - M_P^2)^2]^(3/2) |F_VP(m^2)|^2

(:func:`.dark_photon.vector_to_pseudoscalar_br`, the point-like V P gamma* vertex of [Landsberg:1985tff]), the
point-like formulas of [Ilten:2018crw; Landsberg:1985tff] recovered for F = 1. Each F is the single-pole
fit of the measured Dalitz decays, |F(q^2)|^2 = (1 - q^2/Lambda^2)^-2 (the eta' excepted), with (GeV^-2; every
value re-read in the paper's abstract or its PDG listing, 2026-12-04):

- eta: Lambda^-2 = 1.934 +- 0.067 +- 0.050 (NA60, eta -> mu+ mu- gamma in p-A at 400 GeV, [NA60:2016tff]);
- omega -> pi0: Lambda^-2 = 2.223 +- 0.026 +- 0.037 (same paper, omega -> mu+ mu- pi0);
- eta': the pole lies inside the decay's range (Lambda ~ 0.8 GeV < M_eta'), where the spectrum shows the rho/omega
  peak, so the "multi-pole" (Breit-Wigner) fit of the measurement is used, |F|^2 = Lambda^2 (Lambda^2 + gamma^2) /
  ((Lambda^2 - q^2)^2 + Lambda^2 gamma^2), Lambda = 0.802 +- 0.007 +- 0.008 GeV, gamma = 0.113 +- 0.010 +- 0.002 GeV
  (BESIII, eta' -> gamma e+ e- from 10^10 J/psi, [BESIII:2024etaptff]). Its slope at q^2 = 0, 1/(Lambda^2 + gamma^2)
  = 1.524 GeV^-2, is the value the PDG lists for this measurement (1.524 +- 0.041, with that relation), a check of
  the functional form; the earlier BESIII fit [BESIII:2015etaptff] (slope 1.60 +- 0.17 +- 0.08) agrees;
- pi0: slope a = 0.0368 +- 0.0051 +- 0.0025 of F = 1 + a q^2/m_pi0^2 (NA62, pi0 -> e+ e- gamma, [NA62:2017pi0tff]),
  used as the pole Lambda^-2 = a/m_pi0^2: same slope, |F|^2 higher than (1 + a x)^2 by 2 a^2 x^2 <= 0.3 % (x <= 1);
- phi -> eta: b = Lambda^-2 = 1.28 +- 0.10 +0.09 -0.08 (KLOE, phi -> eta e+ e-, [KLOE2:2015phietatff]; the PDG
  average with SND is 1.29 +- 0.13).

The pole fits describe the measured spectra up to the kinematic limit of each decay, i.e. over the whole mass
range in which the A' can be produced (m < M_P, or m < M_V - M_P); beyond the data (never reached here) a pole
has no meaning. ``"none"`` gives F = 1 (the point-like vertex of the formulas above), for reproducing a result
made without the form factor.

>>> round(float(transition_ff2("eta", 0.3)), 3)       # |F_eta(0.09 GeV^2)|^2 = (1 - 0.09 x 1.934)^-2
1.466
>>> float(transition_ff2("eta", 0.0)), float(transition_ff2("eta", 0.3, "none"))
(1.0, 1.0)
"""

from __future__ import annotations

__all__ = ["TFF_CHOICES", "LAMBDA_INV2_GEV2", "BREIT_WIGNER_GEV", "transition_ff2", "kinematic_limit"]

import numpy as np

from ..constants import mass
from ..errors import check_choice

#: "pole": measured single-pole form factors (default, the physics); "none": point-like vertex, F = 1
TFF_CHOICES = ("pole", "none")

#: production key parent -> Lambda^-2 in GeV^-2 of the single-pole fit (module docstring for sources)
LAMBDA_INV2_GEV2 = {
    "pi0": 0.0368 / mass("pi0") ** 2,     # [NA62:2017pi0tff] slope a / m_pi0^2
    "eta": 1.934,                         # [NA60:2016tff]
    "omega": 2.223,                       # [NA60:2016tff], omega -> pi0 gamma*
    "phi": 1.28,                          # [KLOE2:2015phietatff], phi -> eta gamma*
}
#: parent -> (Lambda, gamma) in GeV of the Breit-Wigner fit, for the eta' whose pole is inside its decay range
BREIT_WIGNER_GEV = {"eta'": (0.802, 0.113)}    # [BESIII:2024etaptff]


def transition_ff2(parent: str, m, choice: str = "pole"):
    """|F(m^2)|^2 of the ``parent`` meson's transition to a photon of virtuality m^2 (m in GeV); 1 for "none".

    Only meaningful below the kinematic limit of the parent's decay (where the pole fits were measured), which is
    where the production branching ratios that use it are non-zero.
    """
    check_choice("transition_form_factor", choice, TFF_CHOICES)
    m = np.asarray(m, dtype=float)
    if choice == "none":
        return np.ones_like(m)
    check_choice("transition_form_factor parent", parent, (*LAMBDA_INV2_GEV2, *BREIT_WIGNER_GEV))
    # beyond the decay's kinematic limit (no data, and the production BR is zero there) the factor is set to 1,
    # which also keeps the single poles (above each limit) out of the arithmetic
    q2 = np.where(m < kinematic_limit(parent), m * m, 0.0)
    if parent in BREIT_WIGNER_GEV:
        lam, gam = BREIT_WIGNER_GEV[parent]
        return lam**2 * (lam**2 + gam**2) / ((lam**2 - q2) ** 2 + lam**2 * gam**2)
    return 1.0 / (1.0 - q2 * LAMBDA_INV2_GEV2[parent]) ** 2


def kinematic_limit(parent: str) -> float:
    """Largest A' mass (GeV) of the parent's production decay: M_P for P -> gamma A', M_V - M_P for V -> P A'."""
    recoil = {"omega": "pi0", "phi": "eta"}.get(parent)
    return mass(parent) - (mass(recoil) if recoil else 0.0)
