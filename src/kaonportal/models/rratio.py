"""A documented parametrisation of R(s) = sigma(e+e- -> hadrons) / sigma_0(e+e- -> mu+ mu-).

The dark-photon hadronic width is Gamma(A' -> hadrons) = Gamma_0(A' -> mu+ mu-) R(m_A'^2)
([Ilten:2018crw] DarkCast 1801.04847 Eqs. 2.17-2.18). The measured inclusive R data are not
shipped with the project, so R is built here from exclusive pieces with published parameters or tables:

- ``pi+ pi-``: R = beta_pi^3 |F_pi(s)|^2 / 4 with the Gounaris-Sakurai pion form factor
  rho(770) + rho(1450) + rho(1700) of Belle, M. Fujikawa et al., Phys. Rev. D 78 (2008) 072006,
  Table VII (fit with F_pi(0) = 1), times the rho-omega interference factor
  (1 + delta s/m_omega^2 BW_omega(s)) with |delta| = 1.9e-3 [U: typical e+e- fit value].
- ``omega`` and ``phi`` resonances, relativistic Breit-Wigner cross-sections
  R_V->f(s) = (9/alpha^2) B(V->ee) B(V->f) r_f(s) m_V^2 Gamma_V^2 / ((s - m_V^2)^2 + m_V^2 Gamma_V^2),
  which equals 9 B_ee B_f / alpha^2 at the peak (narrow-resonance formula, PDG review "Cross-section
  formulae for specific processes"); r_f(s) is a threshold factor that makes the channel vanish at its
  threshold. Branching ratios: PDG 2022 (recalled, [U]); masses and widths from ``particle``.
- ``other hadrons`` (4 pi, omega pi, K K pi, eta pi pi ...): a smooth turn-on
  R = R_pQCD(s) / (1 + exp(-(sqrt(s) - 1.3 GeV)/0.12 GeV)) above the 4 pi threshold, with
  R_pQCD = 2 (1 + alpha_s/pi) (u, d, s quarks). This is a derived estimate [D], good to ~30 % between
  1 and 1.7 GeV; above ~2 GeV it becomes the perturbative value.
- ``pi+ pi- pi0 pi0``, ``K+ K- pi0`` and ``pi+ pi- eta``, multi-hadron final states of the NA62 hadronic dump
  search (EPJC 85 (2025) 571, [NA62:2025fiphad]; pi+ pi- eta is its channel with the background (7.0 +26.2 -5.8)e-8),
  are carved out of ``other hadrons``, so that the total R (and the
  dark-photon lifetime) is unchanged. Each is the measured e+e- cross-section, R_f(s) = sigma_f(s) /
  sigma_0(e+e- -> mu+ mu-), with sigma_f interpolated linearly in sqrt(s) in the BaBar tables shipped in
  ``data/models`` (provenance in the files): pi+ pi- 2 pi0 from [BaBar:2017pipi2pi0] (HEPData table 1, 0.85-3.05
  GeV, peak 32.1 nb at 1.49 GeV), K+ K- pi0 from [BaBar:2008kkpi0] (HEPData table 2, 1.37-3.05 GeV, peak
  1.03 nb at 1.61 GeV) and pi+ pi- eta (eta in all its decay modes) from [BaBar:2018pipieta] (HEPData, 1.21-3.03 GeV,
  peak 4.04 nb at 1.54 GeV). Between the final-state threshold (at least 4 m_pi+, where ``other hadrons`` turns on)
  and the first tabulated energy sigma_f rises linearly from zero (the first rows are compatible with zero
  within their errors); above the last row R_f is held constant (outside the dark-photon mass range). Where
  these exceed ``other hadrons`` (never between 0.5 and 3 GeV, tested) they are scaled down to it. The
  tables replace peak values recalled from the papers' figures (30 nb at 1.5 GeV, 1.5 nb at 1.68 GeV).

Validation (tests/models): the dark-photon c*tau it gives agrees with the DarkCast-derived FORESEE
table of [Ilten:2018crw] within the tolerances stated in the tests.

>>> round(float(r_ratio(0.5**2)), 2)
0.5
"""

from __future__ import annotations

__all__ = ["r_ratio", "r_ratio_channels", "pion_form_factor", "RESONANCES", "EXCLUSIVE", "exclusive_multihadron",
           "cross_section_table"]

from functools import lru_cache
from importlib import resources

import numpy as np

from ..constants import ALPHA_EM, HBARC_GEV_M, mass, width_gev
from ..published import read_curve_csv
from .qcd import alpha_s

_M_PI = mass("pi+")
_M_PI0 = mass("pi0")
_M_K = mass("K+")
_M_K0 = mass("KL")
_M_ETA = mass("eta")

#: exclusive channels carved out of "other hadrons" (module docstring): the shipped BaBar cross-section table and
#: the final-state masses (threshold of the linear rise below the first tabulated energy)
EXCLUSIVE = {
    "pi+ pi- pi0 pi0": ("babar_ee_pipi2pi0.csv", ("pi+", "pi-", "pi0", "pi0")),
    "K+ K- pi0": ("babar_ee_kkpi0.csv", ("K+", "K-", "pi0")),
    "pi+ pi- eta": ("babar_ee_pipieta.csv", ("pi+", "pi-", "eta")),
}
#: sigma(e+e- -> mu+ mu-) = 4 pi alpha^2/(3 s) = 86.85 nb GeV^2 / s (massless muons): converts nb to R
_SIGMA_MUMU_NB_GEV2 = 4.0 * np.pi * ALPHA_EM**2 / 3.0 * HBARC_GEV_M**2 * 1e37     # (hbar c)^2 in nb GeV^2 (1 nb = 1e-37 m^2)

#: Belle GS fit, F_pi(0) = 1 fixed (PRD 78 (2008) 072006 Table VII): (mass, width) GeV, |c|, phase deg.
_BELLE_RHO = ((0.7746, 0.1481, 1.0, 0.0), (1.446, 0.434, 0.15, 202.0), (1.728, 0.164, 0.037, 24.0))
#: rho-omega mixing amplitude |delta| and phase (rad) [U, typical e+e- -> pi+ pi- fit value].
_DELTA_OMEGA = 1.9e-3 * np.exp(0.1j)

#: PDG 2022 branching ratios of the narrow isoscalar vectors [U: recalled PDG values].
RESONANCES = {
    "omega": {"ee": 7.38e-5, "channels": {"pi+ pi- pi0": 0.892, "pi0 gamma": 0.084}},
    "phi": {"ee": 2.979e-4,
            "channels": {"K+ K-": 0.491, "KL KS": 0.339, "pi+ pi- pi0": 0.1524, "eta gamma": 0.01303}},
}


def _p_pi(s):
    return np.sqrt(np.maximum(s / 4.0 - _M_PI**2, 0.0))


def _h(s):
    p = _p_pi(s)
    rs = np.sqrt(s)
    return 2.0 / np.pi * p / rs * np.log((rs + 2.0 * p) / (2.0 * _M_PI))


def _gs_bw(s, m, g):
    """Gounaris-Sakurai Breit-Wigner, normalised to 1 at s = 0 (Phys. Rev. Lett. 21 (1968) 244)."""
    pm = _p_pi(m * m)
    hm = _h(m * m)
    dhds = hm * (1.0 / (8.0 * pm**2) - 1.0 / (2.0 * m * m)) + 1.0 / (2.0 * np.pi * m * m)
    d = (3.0 / np.pi * _M_PI**2 / pm**2 * np.log((m + 2.0 * pm) / (2.0 * _M_PI))
         + m / (2.0 * np.pi * pm) - _M_PI**2 * m / (np.pi * pm**3))
    p = _p_pi(s)
    f = g * m * m / pm**3 * (p**2 * (_h(s) - hm) + (m * m - s) * pm**2 * dhds)
    gam = g * (m * m / s) * (p / pm) ** 3
    return (m * m + d * m * g) / (m * m - s + f - 1j * np.sqrt(s) * gam)


def pion_form_factor(s):
    """Electromagnetic pion form factor F_pi(s), complex, for s >= 4 m_pi^2 (GeV^2)."""
    s = np.asarray(s, dtype=float)
    s = np.maximum(s, 4.0 * _M_PI**2 * (1.0 + 1e-12))
    num = 0.0j
    norm = 0.0j
    for m, g, c, ph in _BELLE_RHO:
        coef = c * np.exp(1j * np.deg2rad(ph))
        num = num + coef * _gs_bw(s, m, g)
        norm = norm + coef
    m_om, g_om = mass("omega"), width_gev("omega")
    bw_om = m_om**2 / (m_om**2 - s - 1j * m_om * g_om)
    rho = _gs_bw(s, *_BELLE_RHO[0][:2])
    # omega interference acts on the rho(770) term only
    num = num + rho * _DELTA_OMEGA * s / m_om**2 * bw_om
    return num / norm


def _threshold_factor(s, channel: str, m_v: float):
    """r_f(s) = Gamma_f(s)/Gamma_f(m_V^2): vanishes at threshold, 1 on the peak."""
    rs = np.sqrt(s)
    if channel == "pi+ pi- pi0":
        th = 2 * _M_PI + _M_PI0
        # three-body phase space near threshold ~ (sqrt(s) - sum m)^2; capped at 1 above the peak
        return np.clip((rs - th) / (m_v - th), 0.0, 1.0) ** 2
    if channel in ("K+ K-", "KL KS"):
        mk = _M_K if channel == "K+ K-" else _M_K0
        p = np.sqrt(np.maximum(s / 4.0 - mk**2, 0.0))
        pm = np.sqrt(m_v**2 / 4.0 - mk**2)
        return (p / pm) ** 3 * m_v**2 / s          # P wave, as the rho width above
    m_p = _M_PI0 if channel == "pi0 gamma" else _M_ETA
    k = np.maximum(s - m_p**2, 0.0) / (2.0 * rs)
    km = (m_v**2 - m_p**2) / (2.0 * m_v)
    return (k / km) ** 3                            # magnetic-dipole V -> P gamma


def _resonance(s, name: str, channel: str):
    m_v = mass(name)
    g_v = width_gev(name)
    info = RESONANCES[name]
    b_f = info["channels"][channel]
    bw = m_v**2 * g_v**2 / ((s - m_v**2) ** 2 + m_v**2 * g_v**2)
    return 9.0 / ALPHA_EM**2 * info["ee"] * b_f * _threshold_factor(s, channel, m_v) * bw


def _other(s):
    rs = np.sqrt(s)
    on = rs > 4.0 * _M_PI
    turn_on = 1.0 / (1.0 + np.exp(-(rs - 1.3) / 0.12))
    return np.where(on, 2.0 * (1.0 + alpha_s(rs) / np.pi) * turn_on, 0.0)


@lru_cache(maxsize=None)
def cross_section_table(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sqrt(s) GeV, sigma nb, uncertainty nb) of the shipped e+e- table of channel ``name`` (:data:`EXCLUSIVE`),
    with the threshold prepended at zero cross-section."""
    fname, final = EXCLUSIVE[name]
    text = resources.files("kaonportal").joinpath(f"data/models/{fname}").read_text()
    cols = read_curve_csv(text, fname).columns
    rs, sig, err = (np.asarray(cols[c], float) for c in ("sqrt_s_GeV", "sigma_nb", "sigma_err_nb"))
    # not below 4 m_pi+, where "other hadrons" (which the channel is carved out of) turns on
    thr = max(sum(mass(p) for p in final), 4.0 * _M_PI)
    return np.concatenate([[thr], rs]), np.concatenate([[0.0], sig]), np.concatenate([[0.0], err])


def exclusive_multihadron(s) -> dict[str, np.ndarray]:
    """R(s) of the :data:`EXCLUSIVE` channels (``pi+ pi- pi0 pi0``, ``K+ K- pi0``, ``pi+ pi- eta``) before the cap by ``other hadrons`` (s in GeV^2)."""
    s = np.asarray(s, dtype=float)
    rs = np.sqrt(np.maximum(s, 0.0))
    out = {}
    for name in EXCLUSIVE:
        x, sig, _ = cross_section_table(name)
        # R = sigma / sigma_mumu(s); above the table R is held at its last value
        r_tab = sig * x**2 / _SIGMA_MUMU_NB_GEV2
        out[name] = np.where(rs > x[0], np.interp(rs, x, r_tab), 0.0)
    return out


def r_ratio_channels(s) -> dict[str, np.ndarray]:
    """R(s) split by final state: ``pi+ pi-``, ``pi+ pi- pi0``, ``pi0 gamma``, ``K+ K-``,
    ``KL KS``, ``eta gamma``, ``pi+ pi- pi0 pi0``, ``K+ K- pi0``, ``pi+ pi- eta``, ``other hadrons``. s in GeV^2; zero below each
    threshold."""
    s = np.asarray(s, dtype=float)
    safe = np.maximum(s, 1e-6)
    out = {}
    pipi = 0.25 * (1.0 - 4.0 * _M_PI**2 / np.maximum(safe, 4 * _M_PI**2)) ** 1.5 \
        * np.abs(pion_form_factor(safe)) ** 2
    out["pi+ pi-"] = np.where(s > 4.0 * _M_PI**2, pipi, 0.0)
    out["pi+ pi- pi0"] = _resonance(safe, "omega", "pi+ pi- pi0") + _resonance(safe, "phi", "pi+ pi- pi0")
    out["pi0 gamma"] = np.where(s > _M_PI0**2, _resonance(safe, "omega", "pi0 gamma"), 0.0)
    out["K+ K-"] = np.where(s > 4 * _M_K**2, _resonance(safe, "phi", "K+ K-"), 0.0)
    out["KL KS"] = np.where(s > 4 * _M_K0**2, _resonance(safe, "phi", "KL KS"), 0.0)
    out["eta gamma"] = np.where(s > _M_ETA**2, _resonance(safe, "phi", "eta gamma"), 0.0)
    other = _other(safe)
    excl = exclusive_multihadron(safe)
    tot = sum(excl.values())
    # carved out of "other hadrons": the total R is unchanged (capped where the exclusive sum would exceed it)
    scale = np.where(tot > other, other / np.where(tot > 0, tot, 1.0), 1.0)
    for name, val in excl.items():
        out[name] = val * scale
    out["other hadrons"] = other - tot * scale
    return out


def r_ratio(s) -> np.ndarray:
    """Total R(s) (s in GeV^2), the sum of :func:`r_ratio_channels`."""
    return np.sum(np.stack(list(r_ratio_channels(s).values())), axis=0)
