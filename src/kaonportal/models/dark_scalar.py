"""Higgs-mixed dark scalar: PBC BC4 (mixing only) and BC5 (mixing + quartic h S S coupling).

Model ([Winkler:2018qyg; Boiarska:2019jym]): L ⊃ -sin(theta) sum_f (m_f/v) S fbar f + ...; BC5 adds
-lambda S^2 H^dagger H. Coupling variable: ``sin2theta`` = sin^2(theta) (ALPINIST's Y). Mass in GeV.

Production ([Boiarska:2019jym; Winkler:2018qyg]):

- K+ -> pi+ S: Gamma = theta^2 xi_sd^2 (m_K^2 - m_pi^2)^2 f_0^2 p_S/(32 pi v^2 m_K^2),
  xi_sd = 3 sqrt2 G_F m_t^2 V_td V_ts/(16 pi^2) (top loop; 1904.10447 / Winkler 1809.01876; scalar_portal
  hadronic_common.py L37-40, L80-83; two_body_hadronic.py L33), f_0^{K pi} = 0.96 (no q^2 slope).
  Pitfall 3: we do *not* use Eq. (5) of 1909.11670 (m_K^2 in place of (m_K^2 - m_pi^2) f_0, +28 %).
  Inputs: m_t pole 172.57 GeV and |V_td V_ts| = 3.57e-4 (PDG 2022), giving BR/theta^2 = 1.48e-3 at
  m_S = 0 ([Boiarska:2019jym; Winkler:2018qyg] [C]); ``xi_sd`` is an overridable parameter ([Boiarska:2019jym; Winkler:2018qyg] [U]: 1.3-1.9e-3 spread);
- K_L -> pi0 S: the same formula with K_L/pi0 masses times tau_KL, with |V_td V_ts| [U: the CP-allowed
  Re(V_td* V_ts) is smaller; as in dkgen];
- B -> K S: same structure with xi_bs = 3 sqrt2 G_F m_t^2 V_ts V_tb/(16 pi^2) and
  f_0^{BK}(q^2) = 0.33/(1 - q^2/38 GeV^2) (scalar_portal form_factors.py L30). ALPINIST's ``B_K_S``
  (4x too large against [Boiarska:2019jym]) is not used. Inclusive B -> X_s S = 5.6 theta^2 (1 - m^2/m_B^2)^2
  (FORESEE DarkHiggs.ipynb cells 6-7) is given as ``"B -> Xs S"``;
- BC5 only: h -> S S with fixed BR(h -> S S) (``br_h_ss``, default 0.01 [U: PBC value not confirmed,
  [Beacham:2019nyx]]) and B -> Xs S S from dBR/(dq^2 dcos) = 2 x 3.68e-10 sqrt(1 - 4 m^2/q^2)(1 - q^2/m_b^2)^2
  (m_b/4.5)^3 lambda^2 (FORESEE DarkHiggs.ipynb cells 10-11 [U]); these do not scale with theta.

Decays ([Winkler:2018qyg; ScalarPortal:2019code]), all proportional to sin^2 theta:

- S -> l+ l-: theta^2 m_l^2 m_S/(8 pi v^2) (1 - 4 m_l^2/m_S^2)^{3/2} (scalar_portal leptonic.py L20);
- S -> pi pi and S -> K Kbar: Winkler's dispersive widths (1809.01876), tabulated in
  ``data/models/winkler_scalar_{pipi,kk}.csv`` (provenance in the files), split pi+pi- : pi0pi0 = 2 : 1
  and K+K- : K0K0bar = 1 : 1 (isospin; scalar_portal two_pions.py L43-56); below the first table
  point the width is continued with the S-wave threshold factor beta;
- S -> 4 pi: theta^2 C m_S^3 sqrt(1 - 16 m_pi^2/m_S^2), C = 5.1e-9 GeV^-2 (ALPINIST L161-170 [U]);
  split 4/9 : 4/9 : 1/9 into pi+pi-pi+pi-, pi+pi-pi0pi0, 4 pi0 (two I = 0 pi pi pairs; rho rho would give 1/3 : 2/3 : 0);
- above 2 GeV: perturbative S -> g g, s sbar, c cbar (phase space from the 2 m_K, 2 m_D thresholds), tau tau: standard
  Higgs-like widths (Gamma(ff) = N_c theta^2 m_f^2 m_S beta^3/(8 pi v^2), Gamma(gg) =
  theta^2 alpha_s^2 m_S^3/(72 pi^3 v^2) |sum_q (3/4) A_1/2(tau_q)|^2 over c, b, t), i.e. the
  "perturbative quarks and gluons" of [Winkler:2018qyg; ScalarPortal:2019code] (ALPINIST L172-202). Our choice: the exclusive and
  perturbative descriptions are blended linearly between 2.0 and 2.5 GeV (factor-of-few theory
  uncertainty there, see 1904.10447), so the total width is continuous.

Valid mass range: 2 m_e ... 4.7 GeV (B -> K S closes at 4.79 GeV).

>>> from kaonportal.models import get_model
>>> s = get_model("dark-scalar")
>>> round(float(s.production_br(0.0011, 1.0)["K+ -> pi+ S"]) * 1e3, 2)   # [Boiarska:2019jym; Winkler:2018qyg] [C]: 1.48e-3
1.48
"""

from __future__ import annotations

__all__ = ["DarkScalar", "DarkScalarQuartic", "k_to_pi_s_width", "b_to_k_s_width", "XI_SD", "XI_BS"]

from functools import lru_cache
from importlib import resources

import numpy as np

from ..constants import (F0_KPI, G_F, M_QUARK_MSBAR, M_TOP_POLE, V_HIGGS, V_TB, V_TD, V_TS, mass, width_gev)
from ..errors import check_range
from ..kinematics import kallen
from ..published import read_curve_csv
from .base import PortalModel
from .qcd import alpha_s

#: top-loop FCNC coefficients ([Boiarska:2019jym]), PDG 2022 CKM and the PDG 2024 pole m_t
XI_SD = 3.0 * np.sqrt(2.0) * G_F * M_TOP_POLE**2 * V_TD * V_TS / (16.0 * np.pi**2)
XI_BS = 3.0 * np.sqrt(2.0) * G_F * M_TOP_POLE**2 * V_TS * V_TB / (16.0 * np.pi**2)
_C_4PI = 5.1e-9          # GeV^-2, ALPINIST decay_widths_DS.py L161-170 [U]
_BLEND = (2.0, 2.5)      # GeV, exclusive -> perturbative hadronic widths (our choice)
_M_QUARK = {**M_QUARK_MSBAR, "t": M_TOP_POLE}   # GeV, MS-bar (u-b) and pole (t) masses, [PDG]
_M_H = 125.13            # GeV, [PDG] (particle 2026 table)
_GAMMA_H_SM = 3.7e-3     # GeV, SM Higgs width [PDG] used by the [C] check


@lru_cache(maxsize=None)
def _winkler(name: str, envelope_below: float = 0.0):
    text = resources.files("kaonportal").joinpath(f"data/models/{name}").read_text()
    m, g = read_curve_csv(text, name).columns.values()     # (m_S_GeV, Gamma_..._GeV)
    order = np.argsort(m)
    m, g = m[order], g[order]
    if envelope_below > 0:
        # remove the interleaved lower series of the digitised K K threshold rise (see the file header)
        sel = m < envelope_below
        g = g.copy()
        g[sel] = np.maximum.accumulate(g[sel])
    return m, np.log(g)


def _table_width(m, name: str, m_threshold: float, envelope_below: float = 0.0):
    """Interpolated Winkler width (theta = 1), S-wave beta continuation down to threshold."""
    tm, tlg = _winkler(name, envelope_below)
    m = np.asarray(m, dtype=float)
    inside = np.exp(np.interp(m, tm, tlg))
    beta = np.sqrt(np.clip(1.0 - m_threshold**2 / np.maximum(m, 1e-9) ** 2, 0.0, None))
    beta0 = np.sqrt(1.0 - m_threshold**2 / tm[0] ** 2)
    below = np.exp(tlg[0]) * beta / beta0
    return np.where(m <= m_threshold, 0.0, np.where(m < tm[0], below, inside))


def _fermion_width(m, m_f, n_c=1.0, m_threshold=None):
    """N_c m_f^2 m beta^3/(8 pi v^2) (theta = 1); beta from ``m_threshold`` (hadron pair) if given."""
    m_th = m_f if m_threshold is None else m_threshold
    x = 4.0 * m_th**2 / np.maximum(m, 1e-12) ** 2
    beta3 = np.clip(1.0 - x, 0.0, None) ** 1.5
    return np.where(x < 1.0, n_c * m_f**2 * m / (8.0 * np.pi * V_HIGGS**2) * beta3, 0.0)


def _a_half(tau):
    """Fermion loop function A_1/2(tau) = 2 tau [1 + (1 - tau) f(tau)], tau = 4 m_q^2/m^2 (complex)."""
    tau = np.asarray(tau, dtype=float)
    f_hi = np.arcsin(1.0 / np.sqrt(np.maximum(tau, 1.0))) ** 2
    sq = np.sqrt(np.clip(1.0 - tau, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        f_lo = -0.25 * (np.log((1 + sq) / np.maximum(1 - sq, 1e-300)) - 1j * np.pi) ** 2
    f = np.where(tau >= 1.0, f_hi + 0j, f_lo)
    return 2.0 * tau * (1.0 + (1.0 - tau) * f)


def _gluon_width(m):
    amp = sum(0.75 * _a_half(4.0 * _M_QUARK[q] ** 2 / m**2) for q in ("c", "b", "t"))
    return alpha_s(m) ** 2 * m**3 / (72.0 * np.pi**3 * V_HIGGS**2) * np.abs(amp) ** 2


def k_to_pi_s_width(m_s, sin2theta, m_k: float | None = None, m_pi: float | None = None,
                    xi: float = XI_SD, f0: float = F0_KPI):
    """Gamma(K -> pi S) in GeV ([Boiarska:2019jym; Winkler:2018qyg]); K+/pi+ masses unless given."""
    m_k = mass("K+") if m_k is None else m_k
    m_pi = mass("pi+") if m_pi is None else m_pi
    m_s = np.asarray(m_s, dtype=float)
    p = np.sqrt(np.clip(kallen(m_k**2, m_pi**2, m_s**2), 0.0, None)) / (2.0 * m_k)
    val = (np.asarray(sin2theta) * xi**2 * (m_k**2 - m_pi**2) ** 2 * f0**2 * p
           / (32.0 * np.pi * V_HIGGS**2 * m_k**2))
    return np.where(m_s < m_k - m_pi, val, 0.0)


def b_to_k_s_width(m_s, sin2theta, xi: float = XI_BS):
    """Gamma(B+ -> K+ S) in GeV with f_0^{BK}(q^2) = 0.33/(1 - q^2/38 GeV^2) ([Boiarska:2019jym])."""
    m_b, m_k = mass("B+"), mass("K+")
    m_s = np.asarray(m_s, dtype=float)
    f0 = 0.33 / (1.0 - m_s**2 / 38.0)
    p = np.sqrt(np.clip(kallen(m_b**2, m_k**2, m_s**2), 0.0, None)) / (2.0 * m_b)
    val = (np.asarray(sin2theta) * xi**2 * (m_b**2 - m_k**2) ** 2 * f0**2 * p
           / (32.0 * np.pi * V_HIGGS**2 * m_b**2))
    return np.where(m_s < m_b - m_k, val, 0.0)


class DarkScalar(PortalModel):
    """PBC BC4: Higgs-mixed scalar. Coupling: ``sin2theta``.

    Parameter ``xi_sd`` (default :data:`XI_SD`) overrides the K -> pi S coefficient, e.g. to
    reproduce a publication's convention ([Boiarska:2019jym; Winkler:2018qyg] [U]).

    >>> s = DarkScalar()
    >>> f"{float(s.ctau_m(0.0410, 1.0)):.3e}"    # leptons only; FORESEE table 2.879e-2 m ([Winkler:2018qyg; ScalarPortal:2019code])
    '2.811e-02'
    """

    name = "dark-scalar"
    label = "BC4"
    particle = "S"
    coupling_name = "sin2theta"
    coupling_power = 1
    coupling_max = 1.0          # sin^2 theta
    mass_range = (2.0 * mass("e-"), 4.7)
    kaon_channel = "K+ -> pi+ S"
    reference = ("[Winkler:2018qyg] 1809.01876; [Boiarska:2019jym] 1904.10447; "
                 "scalar_portal); PBC report 1901.09966 BC4/BC5")

    def __init__(self, xi_sd: float = XI_SD, xi_bs: float = XI_BS):
        check_range("xi_sd", xi_sd, 0.0, None)
        check_range("xi_bs", xi_bs, 0.0, None)
        self.xi_sd, self.xi_bs = float(xi_sd), float(xi_bs)

    def _widths(self, m, c):
        m_pi, m_pi0, m_k, m_k0 = mass("pi+"), mass("pi0"), mass("K+"), mass("KL")
        t = np.clip((m - _BLEND[0]) / (_BLEND[1] - _BLEND[0]), 0.0, 1.0)
        excl = 1.0 - t
        pipi = _table_width(m, "winkler_scalar_pipi.csv", 2 * m_pi)
        kk = _table_width(m, "winkler_scalar_kk.csv", 2 * m_k, envelope_below=1.01)
        four_pi = np.where(m > 4 * m_pi, _C_4PI * m**3 * np.sqrt(np.clip(1 - 16 * m_pi**2 / m**2, 0, None)), 0.0)
        out = {
            "S -> e+ e-": _fermion_width(m, mass("e-")),
            "S -> mu+ mu-": _fermion_width(m, mass("mu-")),
            "S -> tau+ tau-": _fermion_width(m, mass("tau-")),
            "S -> pi+ pi-": excl * 2.0 / 3.0 * pipi,
            "S -> pi0 pi0": excl * np.where(m > 2 * m_pi0, 1.0 / 3.0 * pipi, 0.0),
            "S -> K+ K-": excl * 0.5 * kk,
            "S -> K0 K0bar": excl * np.where(m > 2 * m_k0, 0.5 * kk, 0.0),
            # 4 pi split by charge for an I = 0 state decaying through two I = 0 (S-wave) pi pi pairs, each
            # 2/3 pi+pi- and 1/3 pi0pi0 (isospin Clebsch-Gordan): 4/9 : 4/9 : 1/9. Through rho rho instead the
            # pi+pi-pi0pi0 share would be 2/3 (x1.5): the model uncertainty of that channel (EPJC 85 (2025) 571 uses it)
            "S -> pi+ pi- pi+ pi-": excl * four_pi * 4.0 / 9.0,
            "S -> pi+ pi- pi0 pi0": excl * four_pi * 4.0 / 9.0,
            "S -> pi0 pi0 pi0 pi0": excl * four_pi / 9.0,
            "S -> g g": t * np.where(t > 0, _gluon_width(np.maximum(m, 1.0)), 0.0),
            # open-flavour thresholds 2 m_K, 2 m_D for the quark pairs (continuous total width)
            "S -> s sbar": t * _fermion_width(m, _M_QUARK["s"], 3.0, m_k),
            "S -> c cbar": t * _fermion_width(m, _M_QUARK["c"], 3.0, mass("D0")),
        }
        return {k: c * v for k, v in out.items()}

    def _production(self, m, c):
        m_b = mass("B+")
        return {
            "K+ -> pi+ S": k_to_pi_s_width(m, c, xi=self.xi_sd) / width_gev("K+"),
            "KL -> pi0 S": k_to_pi_s_width(m, c, mass("KL"), mass("pi0"), xi=self.xi_sd) / width_gev("KL"),
            "B+ -> K+ S": b_to_k_s_width(m, c, xi=self.xi_bs) / width_gev("B+"),
            # inclusive BR(B -> X_s S) = 5.6 theta^2 (1 - m_S^2/m_B^2)^2: [Winkler:2018qyg; Boiarska:2019jym] [L]
            "B -> Xs S": np.where(m < m_b, 5.6 * c * np.clip(1 - m**2 / m_b**2, 0, None) ** 2, 0.0),
        }


class DarkScalarQuartic(DarkScalar):
    """PBC BC5: BC4 plus a quartic coupling fixed by ``br_h_ss`` = BR(h -> S S). Coupling: ``sin2theta``.

    lambda follows from Gamma(h -> S S) = lambda^2 v^2/(8 pi m_h) sqrt(1 - 4 m_S^2/m_h^2) with
    BR = Gamma_SS/(Gamma_h^SM + Gamma_SS), Gamma_h^SM = 3.7 MeV ([Boiarska:2019jym]).

    >>> bc5 = DarkScalarQuartic()
    >>> round(float(bc5.quartic_lambda(0.01)) * 1e3, 2)     # [Boiarska:2019jym] [C]: 1.39e-3
    1.39
    """

    name = "dark-scalar-quartic"
    label = "BC5"
    width_scales_as_coupling = True      # decays scale as sin^2 theta; the pair production does not
    unscaled_production = frozenset({"h -> S S", "B -> Xs S S"})

    def __init__(self, br_h_ss: float = 0.01, **kw):
        super().__init__(**kw)
        check_range("br_h_ss", br_h_ss, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        self.br_h_ss = float(br_h_ss)

    def quartic_lambda(self, m_s):
        """lambda reproducing ``br_h_ss`` at scalar mass m_s (GeV)."""
        beta = np.sqrt(np.clip(1.0 - 4.0 * np.asarray(m_s, float) ** 2 / _M_H**2, 1e-300, None))
        gam_ss = self.br_h_ss * _GAMMA_H_SM / (1.0 - self.br_h_ss)
        return np.sqrt(gam_ss * 8.0 * np.pi * _M_H / (V_HIGGS**2 * beta))

    def _production(self, m, c):
        out = super()._production(m, c)
        lam = self.quartic_lambda(m)
        m_b = _M_QUARK["b"]
        # integrate dBR/(dq^2 dcos) over q^2 in [4 m^2, m_b^2] and cos in [-1, 1] (Gauss-Legendre)
        # dBR/(dq^2 dcos) = 2 x 3.68e-10 sqrt(1 - 4 m_S^2/q^2) (1 - q^2/m_b^2)^2 (m_b/4.5)^3 lambda^2:
        # [Boiarska:2019jym] (BC5 quartic coupling)
        x, w = np.polynomial.legendre.leggauss(48)
        q_lo, q_hi = 4.0 * m[..., None] ** 2, m_b**2
        q2 = q_lo + (q_hi - q_lo) * 0.5 * (x + 1.0)
        dens = (2 * 3.68e-10 * np.sqrt(np.clip(1 - q_lo / q2, 0, None)) * (1 - q2 / m_b**2) ** 2
                * (m_b / 4.5) ** 3)
        integral = np.sum(dens * w, axis=-1) * 0.5 * (q_hi - q_lo[..., 0]) * 2.0
        out["B -> Xs S S"] = np.where(2 * m < m_b, integral * lam**2, 0.0) * np.ones_like(c)
        out["h -> S S"] = np.where(2 * m < _M_H, self.br_h_ss, 0.0) * np.ones_like(c)
        return out
