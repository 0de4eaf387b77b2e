"""Dark photon production by mixing with the neutral vector mesons (rho0, omega, phi) at the dump.

[Ilten:2018crw; ALPINIST:2022code] (FORESEE DarkPhoton.ipynb cells 9-10, after arXiv:1810.01879):

    sigma(A') = theta_V^2 sigma(V),   theta_V = (eps e / g_V) m_V^2 / (m_A'^2 - m_V^2 + i m_V Gamma_V),

with g_rho = 5, g_omega = 17, g_phi = -12.88 and e^2 = 4 pi alpha; the A' takes the momentum of the meson
(FORESEE convention; the meson spectra are the Pythia tables of :mod:`.mesons`).

This is part of the production model of NA62's hadronic paper, EPJC 85 (2025) 571 ("with mixing production and
time-like form factor for bremsstrahlung", Fig. 10 caption, [S002]); the published 2021 dilepton
contours were made without it. ``BeamDumpSetup.vector_mixing`` ("auto": on with hadronic channels) selects it.
Overlap with the rho/omega peak of the time-like bremsstrahlung form factor is not subtracted, as in that paper's
model [approximation, U].

>>> f"{float(theta2_vector('omega', 0.5, 1e-3)) / 1e-6:.3g}"   # theta_omega^2/eps^2 = (e/17)^2 m^4/(m^2-m_V^2)^2
'0.000905'
"""

from __future__ import annotations

__all__ = ["G_V", "theta2_vector", "mixing_jobs"]

import numpy as np

from ..constants import ALPHA_EM, mass, width_gev

#: vector-meson couplings g_V ([Ilten:2018crw; ALPINIST:2022code]; FORESEE, after arXiv:1810.01879)
G_V = {"rho0": 5.0, "omega": 17.0, "phi": -12.88}


def theta2_vector(meson: str, m, eps):
    """|theta_V|^2 for meson V in ``G_V``, A' mass ``m`` (GeV) and kinetic mixing ``eps``."""
    m = np.asarray(m, float)
    mv, gv = mass(meson), width_gev(meson)
    e2 = 4.0 * np.pi * ALPHA_EM
    den = (m * m - mv * mv) ** 2 + (mv * gv) ** 2
    return np.asarray(eps, float) ** 2 * e2 / G_V[meson] ** 2 * mv**4 / den


def mixing_jobs(m: float, couplings) -> list:
    """(label, parsed key, factor) jobs for :func:`.yields.mechanism_jobs`: X takes the meson momentum."""
    return [(f"{v} -> A' (mixing)", (v, (), "A'"), theta2_vector(v, m, couplings)) for v in G_V]
