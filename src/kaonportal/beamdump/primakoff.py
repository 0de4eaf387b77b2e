"""Primakoff production of photon-coupled ALPs (BC9) in the copper dump: gamma Cu -> a Cu.

Photon source: the photons of pi0 -> gamma gamma and eta -> gamma gamma decays of the tabulated mesons
(:mod:`.mesons`), as in the NA62-member tool ALPINIST ([ALPINIST:2022code]; its additional
Budnev photon flux of the protons is not included here). Each photon converts into an ALP with probability
sigma_Primakoff(E) / sigma_abs(gamma Cu), since the dump absorbs every photon.

Cross section (Tsai; [Dobrich:2015alpbd] arXiv:1512.03069; [Feng:2018forward] Feng et al.
arXiv:1806.02348 Eq. (6)):

    dsigma/dtheta = (g^2 alpha Z^2 / 4) |F(t)|^2 p_a^4 sin^3(theta) / t^2,   t = E^2 theta^2 + m^4/(4 E^2)

with the elastic form factor F(t) = [a^2 t/(1 + a^2 t)] [1/(1 + t/d)], a = 111 Z^(-1/3)/m_e,
d = 0.164 A^(-2/3) GeV^2 (Tsai, Rev. Mod. Phys. 46 (1974) 815, atomic screening x nuclear size; the
same two factors FORESEE applies piecewise, [FORESEE:2021code]).

Photon absorption: sigma_abs = (7/9) A / (N_A X0) with X0(Cu) = 12.86 g/cm^2 (PDG "Atomic and nuclear
properties": copper) = 6.38 b [R]. The ALP is emitted along the photon (its angle to the photon,
~sqrt(t)/E < 1e-4 rad, is neglected against the mrad photon angles) with the photon energy.

>>> round(sigma_abs_cm2() * 1e24, 2)       # barn
6.38
"""

from __future__ import annotations

__all__ = ["primakoff_cross_section_cm2", "sigma_abs_cm2", "primakoff_sample"]

import numpy as np

from .. import constants
from .mesons import DEFAULT_A_SCALING, multiplicity_per_pot, sample_meson
from .nuclear import P_BEAM_GEV
from .phasespace import boost_to_lab, two_body_at_rest
from .production import XSample, meson_momenta, production_vertices
from .setup import CU_TARGET, BeamDumpSetup

GEV2_TO_CM2 = 0.3893794e-27          # (hbar c)^2 = 0.3893794 mb GeV^2 (PDG)
N_AVOGADRO = 6.02214076e23
X0_CU_G_CM2 = 12.86                  # PDG, copper radiation length [R]


def sigma_abs_cm2() -> float:
    """High-energy photon absorption cross section of Cu, (7/9) A/(N_A X0), in cm^2."""
    return 7.0 / 9.0 * CU_TARGET["A"] / (N_AVOGADRO * X0_CU_G_CM2)


def _form_factor(t):
    z, a_mass = CU_TARGET["Z"], CU_TARGET["A"]
    me = constants.mass("e-")
    a = 111.0 * z ** (-1.0 / 3.0) / me
    d = 0.164 * a_mass ** (-2.0 / 3.0)
    return a * a * t / (1.0 + a * a * t) / (1.0 + t / d)


def primakoff_cross_section_cm2(energy, mass: float, g: float = 1.0, n_theta: int = 600):
    """sigma(gamma Cu -> a Cu) in cm^2 for photon energies ``energy`` (GeV), coupling g (GeV^-1).

    Integrated over theta in [1e-12, 0.3] rad on a log grid (trapezoid in ln theta); zero below E = m.

    >>> s = primakoff_cross_section_cm2([10.0, 100.0], 0.1, 1e-4)
    >>> bool(s[1] > s[0] > 0)
    True
    """
    e = np.atleast_1d(np.asarray(energy, float))
    m = float(mass)
    z = CU_TARGET["Z"]
    theta = np.geomspace(1e-12, 0.3, n_theta)
    ee = e[:, None]
    pa2 = np.maximum(ee * ee - m * m, 0.0)
    t = ee * ee * theta[None, :] ** 2 + m**4 / (4.0 * ee * ee)
    f = _form_factor(t)
    integrand = (g * g * constants.ALPHA_EM * z * z / 4.0) * f * f * pa2 * pa2 * np.sin(theta) ** 3 / (t * t)
    sig = np.trapezoid(integrand * theta[None, :], np.log(theta), axis=1)
    return np.where(e > m, sig, 0.0) * GEV2_TO_CM2


def primakoff_sample(mass: float, n: int, rng: np.random.Generator, setup: BeamDumpSetup, *,
                     a_scaling: str | float = DEFAULT_A_SCALING, e_min: float = 1.0) -> XSample:
    """ALPs from Primakoff conversion of meson-decay photons, weights for g_agg = 1 GeV^-1 (x g^2).

    ``n`` mesons are drawn (half pi0, half eta); both photons of each decay are kept. Photons below
    ``e_min`` GeV or below the ALP mass get weight zero.
    """
    m = float(mass)
    halves = {"pi0": n - n // 2, "eta": n // 2}
    br = {"pi0": constants.BR_PI0_GG, "eta": constants.BR_ETA_GG}
    p4s, ws = [], []
    for name, k in halves.items():
        if k == 0:
            continue
        mm = constants.mass(name)
        p, th, ph = sample_meson(name, k, rng, a_scaling=a_scaling, eta_ratio=setup.eta_ratio)
        parent = meson_momenta(p, th, ph, mm)
        lab = boost_to_lab(two_body_at_rest(np.full(k, mm), 0.0, 0.0, rng), parent)
        w_photon = multiplicity_per_pot(name, a_scaling, eta_ratio=setup.eta_ratio) * br[name] / k   # per pair
        for j in (0, 1):
            p4s.append(lab[:, j])
            ws.append(np.full(k, w_photon))
    g4 = np.concatenate(p4s)
    w = np.concatenate(ws)
    e = g4[:, 0]
    # interpolate sigma(E) on a log grid (smooth in log E)
    grid = np.geomspace(max(e_min, m * 1.0001), P_BEAM_GEV, 80)     # no photon above the beam momentum
    sig = primakoff_cross_section_cm2(grid, m, 1.0)
    conv = np.interp(np.log(e), np.log(grid), sig / sigma_abs_cm2(), left=0.0, right=float(sig[-1] / sigma_abs_cm2()))
    conv = np.where((e >= max(e_min, m)), conv, 0.0)
    pa = np.sqrt(np.maximum(e * e - m * m, 0.0))
    direction = g4[:, 1:] / np.maximum(np.linalg.norm(g4[:, 1:], axis=1, keepdims=True), 1e-300)
    a4 = np.concatenate([np.where(pa > 0, e, m)[:, None], direction * pa[:, None]], axis=1)
    return XSample("gamma Cu -> a Cu (Primakoff)", m, a4, production_vertices(a4.shape[0], rng, setup), w * conv)
