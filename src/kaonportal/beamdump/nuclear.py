"""p-Cu versus pp: the nuclear (A) dependence of forward soft-meson production in the TAX copper.

The shipped meson tables are Pythia pp collisions at sqrt(s) = 27.4 GeV (:mod:`.mesons`). Per inelastic p-A
collision the forward yield is suppressed relative to pp (the leading system loses energy in the nucleus), the more
the larger x_F. The invariant cross section scales as

    E d3sigma/dp3 (p A -> h X) = A^alpha(x_F, p_T) E d3sigma/dp3 (p p -> h X),

with the exponent parametrised by Bonesini, Marchionni, Pietropaolo and Tabarelli de Fatis ([Bonesini:2001bmpt],
the "BMPT" parametrisation, from the A-dependence measured by [Barton:1983adep], 100 GeV/c protons on nuclei,
charged pions and kaons in the fragmentation region) [R: the papers' text was not retrievable (searched
2026-12-04); two independent public neutrino-flux codes citing BMPT carry the same three x_F coefficients and
0.98, 0.21, one with p_T^2 (used here; the usual Cronin form a + b p_T^2) and one with p_T. The p_T reading would
lower the dark-photon lower edges by 3.5-5.5 % (mu mu) and 1.5-3.5 % (ee) at 0.3-0.5 GeV, measured]:

    alpha(x_F, p_T) = (0.74 - 0.55 x_F + 0.26 x_F^2) (0.98 + 0.21 p_T^2),     p_T in GeV/c.

Per inelastic p-Cu collision (what one proton on the thick target makes, :mod:`.mesons`) the pp multiplicity
density n_pp(p, theta) = sigma_pp(p, theta) / sigma_inel(pp) becomes

    n_pCu(p, theta) = n_pp(p, theta) x f_A,     f_A = A^alpha(x_F, p_T) sigma_inel(pp) / sigma_inel(pCu),

with sigma_inel(pCu) = 769 mb (PDG nuclear interaction length of Cu, :data:`.setup.CU_TARGET`; the same as the
verified TAX lambda_I = 153 mm times the Cu density 8.96 g/cm^3 gives, 770 mb, tested) and sigma_inel(pp)
the one of the Pythia run that made the tables (32.9 mb). x_F = 2 p*_L / sqrt(s) is evaluated in the nucleon-nucleon
centre-of-mass frame with the meson's own mass.

Approximations, stated: (1) the pion/kaon alpha is used for every soft meson (eta, eta', omega, phi, rho0: no
measured alpha(x_F) for them was found); (2) the A^alpha law is applied down to A = 1 (pp), as flux codes do;
(3) backward mesons (x_F < 0, never accepted) take alpha(0, p_T) and x_F is capped at 1; p_T is held at
P_T_MAX = 1.5 GeV/c above it (the (0.98 + 0.21 p_T^2) factor is a low-p_T fit and would diverge; the accepted parents
have p_T <~ 1 GeV/c, and the lower edges move by <= 2% between caps of 1 and 3 GeV/c); (4) the fit describes the
fragmentation region: near x_F = 0 it gives f_A(Cu) ~ 0.87-0.92, below the wounded-nucleon 1.86 for the total
multiplicity, so the total per POT printed with this scaling is a forward-region number, not a measured total.
The NA62 acceptance selects x_F ~ 0.1-0.6 parents, where f_A(Cu) ~ 0.74-0.35 (p_T = 0.3 GeV/c).

>>> round(float(alpha_xf_pt(0.0, 0.0)), 4), round(float(alpha_xf_pt(0.5, 0.5)), 4)
(0.7252, 0.5472)
>>> round(float(forward_factor(0.0, 0.0)), 3)        # x_F -> 0, p_T -> 0: 63.546^0.7252 x 32.9 / 769
0.869
"""

from __future__ import annotations

__all__ = ["alpha_xf_pt", "feynman_x", "forward_factor", "bin_factors", "sub_bin_grid", "SQRT_S_GEV", "P_BEAM_GEV",
           "P_T_MAX"]

import numpy as np

from .. import constants
from .setup import CU_TARGET

P_BEAM_GEV = 400.0
_M_P = constants.mass("p")
_E_BEAM = float(np.hypot(P_BEAM_GEV, _M_P))
#: nucleon-nucleon centre-of-mass energy for 400 GeV/c protons on a nucleon at rest (27.43 GeV)
SQRT_S_GEV = float(np.sqrt(2.0 * _M_P * _M_P + 2.0 * _M_P * _E_BEAM))
_BETA_CM = P_BEAM_GEV / (_E_BEAM + _M_P)
_GAMMA_CM = (_E_BEAM + _M_P) / SQRT_S_GEV
#: sigma_inel(pp) of the Pythia run that made the tables; the tables' own value is passed where known
SIGMA_PP_TABLES_MB = 32.9
#: p_T (GeV/c) above which alpha is evaluated at this value (module docstring, approximation 3)
P_T_MAX = 1.5


def alpha_xf_pt(x_f, p_t):
    """BMPT exponent alpha(x_F, p_T) of the A-dependence (module docstring); x_F clipped to [0, 1], p_T (GeV/c)
    to [0, P_T_MAX]."""
    x = np.clip(np.asarray(x_f, float), 0.0, 1.0)
    pt = np.clip(np.asarray(p_t, float), 0.0, P_T_MAX)
    return (0.74 - 0.55 * x + 0.26 * x * x) * (0.98 + 0.21 * pt * pt)


def feynman_x(p, theta, mass):
    """x_F = 2 p*_L / sqrt(s) of a particle of lab momentum ``p`` (GeV/c), polar angle ``theta`` (rad) and ``mass``
    (GeV), in the centre-of-mass frame of a 400 GeV/c proton on a nucleon at rest."""
    p = np.asarray(p, float)
    th = np.asarray(theta, float)
    e = np.sqrt(p * p + mass * mass)
    pl_star = _GAMMA_CM * (p * np.cos(th) - _BETA_CM * e)
    return 2.0 * pl_star / SQRT_S_GEV


def forward_factor(x_f, p_t, a: float = CU_TARGET["A"], sigma_pp_mb: float = SIGMA_PP_TABLES_MB,
                   sigma_pa_mb: float = CU_TARGET["sigma_inel_pA_mb"]):
    """f_A = A^alpha(x_F, p_T) sigma_inel(pp) / sigma_inel(pA): multiplicity per inelastic p-A collision over the
    one per pp collision at (x_F, p_T) (module docstring)."""
    return np.power(float(a), alpha_xf_pt(x_f, p_t)) * float(sigma_pp_mb) / float(sigma_pa_mb)


def bin_factors(logp_edges, logtheta_edges, mass: float, sigma_pp_mb: float = SIGMA_PP_TABLES_MB,
                n_sub: int = 4) -> np.ndarray:
    """f_A averaged over each (log10 p, log10 theta) bin of a meson table, shape (n_p, n_theta).

    Inside a bin the table's events are uniform in log p and log theta (that is how :func:`.mesons.sample_meson`
    draws them); the average over an ``n_sub`` x ``n_sub`` grid of sub-bin centres removes the bin-centre bias
    (the factor varies by up to ~6% across one bin at x_F ~ 0.3).
    """
    pp, tt = sub_bin_grid(logp_edges, logtheta_edges, n_sub)
    f = forward_factor(feynman_x(pp, tt, mass), pp * np.sin(tt), sigma_pp_mb=sigma_pp_mb)
    return f.mean(axis=(2, 3))


def sub_bin_grid(logp_edges, logtheta_edges, n_sub: int = 4):
    """Lab (p [GeV/c], theta [rad]) at the centres of an ``n_sub`` x ``n_sub`` grid inside every (log10 p,
    log10 theta) table bin, as arrays broadcasting to shape (n_p, n_theta, n_sub, n_sub); averaging a per-event
    quantity over the last two axes gives its bin average (the table's events are uniform in log p, log theta)."""
    lp, lt = np.asarray(logp_edges, float), np.asarray(logtheta_edges, float)
    frac = (np.arange(n_sub) + 0.5) / n_sub
    p = 10.0 ** (lp[:-1, None] + frac[None, :] * np.diff(lp)[:, None])           # (n_p, n_sub)
    th = 10.0 ** (lt[:-1, None] + frac[None, :] * np.diff(lt)[:, None])          # (n_theta, n_sub)
    return p[:, None, :, None], th[None, :, None, :]
