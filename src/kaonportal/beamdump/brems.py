"""Dark-photon production by proton bremsstrahlung: Fermi-Weizsaecker-Williams splitting of
Bluemlein & Brunner (arXiv:1311.3870) with the time-like proton form factor.

Formula ([Blumlein:2013cua], read from the paper through ALPINIST dp_brems_functions.py
L99-131, with both bugs listed there avoided: the proton mass is never overwritten and the form factor
is |F_rho-family + F_omega-family|^2, the modulus of the complex sum):

    dN/(dz dpT^2) = [sigma_pp(s') / sigma_pp(s)] * w_ba(z, pT^2) * |F_1(m^2)|^2      (per POT)

    w_ba = eps^2 alpha / (2 pi H) * { [1 + (1-z)^2]/z - 2 z (1-z) [(2 M^2 + m^2)/H - 2 z^2 M^4/H^2]
                                      + 2 z (1-z) [1 + (1-z)^2] M^2 m^2/H^2 + 2 z (1-z)^2 m^4/H^2 },
    H = pT^2 + (1-z) m^2 + z^2 M^2,  z = E_A'/E_p,  s = 2 M E_p,  s' = 2 M (E_p - E_A').

Form factor choice (``BeamDumpSetup.brems_form_factor``; the default ``"auto"`` takes ``"none"`` for ee/mumu
only and ``"timelike"`` when hadronic channels are included, the model of the publication being reproduced):

* ``"none"``: |F_1|^2 = 1, the point-like proton of the original Bluemlein-Brunner splitting. This is
  the production model of the published 2021 dilepton contours (JHEP 09 (2023) 035, PRL 133 (2024) 111802):
  NA62's hadronic paper (EPJC 85 (2025) 571, Fig. 10, caption quoted in [S002]) shows the
  dilepton contour "with mixing production and time-like form factor for bremsstrahlung production" as an
  update over the PRL contour, i.e. the published dilepton contours were made without it.
* ``"timelike"``: the VMD form factor above (Faessler et al.), as in the EPJC 85 (2025) 571 update. It raises
  the yield by |F_1|^2 = 1.5 (0.3 GeV), 3.9 (0.5 GeV), 9.0 (0.6 GeV), ~600-900 (0.77-0.8 GeV, rho/omega) and
  13 (1 GeV); with it the 2021 mu mu exclusion reaches ~1 GeV instead of NA62's published ~0.54 GeV, which is
  why the issue-14 comparison against the published 2021 contours needs ``"none"``.

Validity (Bluemlein-Brunner): E_p, E_A', E_p - E_A' >> M, m, pT, so the sample is restricted to
``z_range`` = (0.1, 0.9) and pT < ``pt_max`` = 1 GeV by default; FORESEE varies pT_max between 0.5 and
2 GeV as its uncertainty estimate ([Blumlein:2013cua]), which the ``pt_max`` argument allows.

sigma_pp(s): PDG parametrisation of the pp total cross section,
sigma = Z + B ln^2(s/s_M) + Y1 (s_M/s)^eta1 - Y2 (s_M/s)^eta2, s_M = (2 m_p + M)^2 (PDG Review
"Plots of cross sections and related quantities", HPR1R2 fit) [R: parameter values recalled from the
2016 edition, not re-read; only the ratio sigma(s')/sigma(s) enters, which stays within 15% of one].

>>> round(float(abs(form_factor_f1(0.0))), 3)      # 0.5 + 0.499 in the zero-width limit ([Faessler:2009vmd])
0.992
>>> round(float(sigma_pp_mb(751.3)), 1)    # ~38.9 mb measured at 400 GeV/c
39.9
"""

from __future__ import annotations

__all__ = ["BREMS_FORM_FACTORS", "form_factor_sq", "form_factor_f1", "sigma_pp_mb", "w_ba", "brems_sample", "brems_yield_per_pot"]

import numpy as np

from .. import constants
from .nuclear import P_BEAM_GEV     # the one owner of the SPS proton beam momentum (400 GeV/c)
from .production import XSample, production_vertices
from .setup import BeamDumpSetup

# [Faessler:2009vmd] (arXiv:0910.5589) via [ALPINIST:2022code] (ALPINIST exotic_constants.py L140-146)
_RHO_F = (0.616, 0.223, -0.339)
_RHO_M = (0.77526, 1.465, 1.72)
_RHO_G = (0.1474, 0.4, 0.25)
_OMEGA_F = (1.011, -0.881, 0.369)
_OMEGA_M = (0.78266, 1.41, 1.67)
_OMEGA_G = (0.00868, 0.29, 0.315)

# PDG HPR1R2 pp total cross section (mb, GeV) [R]
_PDG_Z, _PDG_B, _PDG_M = 34.41, 0.2720, 2.1206
_PDG_Y1, _PDG_Y2, _PDG_ETA1, _PDG_ETA2 = 13.07, 7.394, 0.4473, 0.5486


def form_factor_f1(q2):
    """Time-like proton form factor F_1(q^2) (complex), q^2 = m_A'^2 in GeV^2 (vector-meson dominance)."""
    q2 = np.asarray(q2, float)
    f = np.zeros(q2.shape, complex)
    for fs, ms, gs in ((_RHO_F, _RHO_M, _RHO_G), (_OMEGA_F, _OMEGA_M, _OMEGA_G)):
        for fv, mv, gv in zip(fs, ms, gs):
            f = f + fv * mv * mv / (mv * mv - q2 - 1j * mv * gv)
    return f


def sigma_pp_mb(s):
    """pp total cross section in mb at Mandelstam s (GeV^2), PDG HPR1R2 form [R]."""
    s = np.asarray(s, float)
    s_m = (2.0 * constants.mass("p") + _PDG_M) ** 2
    x = s_m / s
    return _PDG_Z + _PDG_B * np.log(s / s_m) ** 2 + _PDG_Y1 * x**_PDG_ETA1 - _PDG_Y2 * x**_PDG_ETA2


def w_ba(z, pt2, m, eps=1.0):
    """Bluemlein-Brunner splitting function w_ba(z, pT^2) in GeV^-2 ([Blumlein:2013cua])."""
    z = np.asarray(z, float)
    pt2 = np.asarray(pt2, float)
    mp = constants.mass("p")
    h = pt2 + (1.0 - z) * m * m + z * z * mp * mp
    brace = ((1.0 + (1.0 - z) ** 2) / z
             - 2.0 * z * (1.0 - z) * ((2.0 * mp * mp + m * m) / h - 2.0 * z * z * mp**4 / h**2)
             + 2.0 * z * (1.0 - z) * (1.0 + (1.0 - z) ** 2) * mp * mp * m * m / h**2
             + 2.0 * z * (1.0 - z) ** 2 * m**4 / h**2)
    return eps * eps * constants.ALPHA_EM / (2.0 * np.pi * h) * brace


BREMS_FORM_FACTORS = ("none", "timelike")


def form_factor_sq(m, form_factor: str = "timelike"):
    """|F_1(m^2)|^2 for the chosen form factor (module docstring); 1 for ``"none"``."""
    if form_factor in ("none", "auto"):      # "auto" is resolved before sampling; a bare sample is point-like
        return np.ones_like(np.asarray(m, float))
    if form_factor != "timelike":
        raise ValueError(f"form_factor must be one of {BREMS_FORM_FACTORS}, got {form_factor!r}")
    return np.abs(form_factor_f1(np.asarray(m, float) ** 2)) ** 2


def _density(z, pt2, m, form_factor: str = "timelike"):
    """dN/(dz dpT^2) per POT at eps = 1."""
    mp = constants.mass("p")
    e_p = np.hypot(P_BEAM_GEV, mp)
    s = 2.0 * mp * e_p
    s_prime = 2.0 * mp * (e_p - z * e_p)
    ff2 = form_factor_sq(m, form_factor)
    return sigma_pp_mb(s_prime) / sigma_pp_mb(s) * w_ba(z, pt2, m) * ff2


def brems_sample(mass: float, n: int, rng: np.random.Generator, setup: BeamDumpSetup, *,
                 z_range=(0.1, 0.9), pt_max: float = 1.0) -> XSample:
    """Weighted A' sample from proton bremsstrahlung at eps = 1 (multiply the weights by eps^2).

    z is uniform in ``z_range``; pT^2 is drawn with density 1/H (H = pT^2 + H0), which follows the
    leading 1/H behaviour of w_ba, and each event carries the exact density over the sampling density.

    >>> import numpy as np
    >>> s = brems_sample(0.3, 20000, np.random.default_rng(3), BeamDumpSetup())
    >>> bool(0 < s.weight.sum() < 1)
    True
    """
    m = float(mass)
    mp = constants.mass("p")
    e_p = np.hypot(P_BEAM_GEV, mp)
    z1, z2 = z_range
    z = z1 + (z2 - z1) * rng.random(n)
    h0 = (1.0 - z) * m * m + z * z * mp * mp
    log_span = np.log1p(pt_max * pt_max / h0)
    h = h0 * np.exp(log_span * rng.random(n))
    pt2 = h - h0
    # density of the sample: 1/(z2 - z1) * 1/(H log_span)  ->  weight = f * (z2 - z1) * H * log_span / n
    weight = _density(z, pt2, m, setup.brems_form_factor) * (z2 - z1) * h * log_span / n
    e = z * e_p
    pl2 = e * e - m * m - pt2
    good = pl2 > 0
    weight = np.where(good, weight, 0.0)
    pl = np.sqrt(np.where(good, pl2, 0.0))
    pt = np.sqrt(pt2)
    phi = 2.0 * np.pi * rng.random(n)
    p4 = np.stack([np.where(good, e, m), pt * np.cos(phi), pt * np.sin(phi), pl], axis=-1)
    return XSample("p -> p A' (bremsstrahlung)", m, p4, production_vertices(n, rng, setup), weight)


def brems_yield_per_pot(mass: float, *, z_range=(0.1, 0.9), pt_max: float = 1.0, n: int = 200_000,
                        seed: int = 0, form_factor: str = "none") -> float:
    """A' per POT at eps = 1 from bremsstrahlung (Monte Carlo integral of the density): the rate to set against
    the Bluemlein-Brunner numbers [Blumlein:2013cua]. ``form_factor="none"`` is what NA62's 2021 dilepton
    contours used (the ``BeamDumpSetup`` ``auto`` choice for ee/mumu); ``"timelike"`` adds the time-like proton
    form factor of the EPJC 85 (2025) 571 model (x1.5 at 0.3 GeV, x3.9 at 0.5 GeV, ~x900 at the rho/omega pole)."""
    rng = np.random.default_rng(seed)
    setup = BeamDumpSetup(brems_form_factor=form_factor)
    return float(brems_sample(mass, n, rng, setup, z_range=z_range, pt_max=pt_max).weight.sum())
