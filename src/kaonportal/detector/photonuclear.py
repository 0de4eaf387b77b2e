"""Non-Gaussian LKr photon response from photonuclear interactions: a photon whose first interaction in the
krypton is hadronic (instead of pair production) makes a hadronic shower, of which only part of the energy is
measured (nuclear binding, neutrons, response to hadrons below that to electrons, leakage out of the ~2 lambda_I
deep calorimeter). The cluster keeps the photon's position but carries a fraction f < 1 of its energy, so in
pi0 -> gamma gamma with the other photon lost, m_miss^2 = (1 - f) m_pi0^2 (:func:`.conversions.missing_mass2`):
a continuum up to m_pi0^2, populating the high-mass pi0 -> gamma A' region.

Probability that the first interaction is photonuclear (high-energy limits; derived here, D):

    P = sigma_gammaA / (sigma_gammaA + sigma_pair),   sigma_pair = 7/9 A / (X0 N_A)   (PDG RPP "Passage of
    particles through matter", complete screening),   sigma_gammaA = A^alpha sigma_gammap

with, for krypton, A = 83.798 and X0 = 11.37 g/cm^2 (PDG "Atomic and nuclear properties", V as PDG table values,
R as not re-read here), sigma_gammap ~ 0.12 mb above ~5 GeV (PDG "Plots of cross sections and related quantities",
total hadronic gamma p, R) and alpha ~ 0.91 (nuclear shadowing of real photons at 10-100 GeV, R): P ~ 7e-4.
Later (secondary-photon) photonuclear interactions lose small fractions and are left in the Gaussian resolution.

Visible fraction f: uniform on ``visible_range`` (U: no measured LKr response to photonuclear showers was found;
the default [0, 1] is the maximal-ignorance choice; mean 0.5 is within the e/h-type response of a partly contained
hadronic shower).

>>> round(float(photonuclear_probability()), 5)
0.00071
"""

from __future__ import annotations

__all__ = ["PhotonuclearModel", "photonuclear_probability", "visible_fraction"]

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, check_range

KRYPTON_A = 83.798          # g/mol (PDG atomic and nuclear properties)
KRYPTON_X0_G_CM2 = 11.37    # g/cm^2 (PDG atomic and nuclear properties, krypton) R (value recalled)
SIGMA_GAMMA_P_MB = 0.12     # mb, total hadronic gamma p cross section above ~5 GeV (PDG cross-section plots) R
SHADOWING_ALPHA = 0.91      # sigma_gammaA = A^alpha sigma_gammap for real photons at 10-100 GeV R
_N_A = 6.02214076e23        # 1/mol (exact, SI)


def photonuclear_probability(a: float = KRYPTON_A, x0_g_cm2: float = KRYPTON_X0_G_CM2,
                             sigma_gamma_p_mb: float = SIGMA_GAMMA_P_MB, alpha: float = SHADOWING_ALPHA) -> float:
    """P(first interaction of a high-energy photon is photonuclear) = sigma_gammaA / (sigma_gammaA + sigma_pair)
    (module docstring; dimensionless)."""
    for name, v in (("a", a), ("x0_g_cm2", x0_g_cm2), ("sigma_gamma_p_mb", sigma_gamma_p_mb)):
        check_range(name, v, 0.0, None, low_inclusive=False)
    check_range("alpha", alpha, 0.5, 1.0)
    sigma_pair = 7.0 / 9.0 * a / (x0_g_cm2 * _N_A)           # cm^2
    sigma_had = a ** alpha * sigma_gamma_p_mb * 1e-27          # mb -> cm^2
    return sigma_had / (sigma_had + sigma_pair)


@dataclass(frozen=True)
class PhotonuclearModel:
    """``probability`` (D, :func:`photonuclear_probability`) and ``visible_range`` (U) of the visible energy
    fraction of a photonuclear LKr cluster. Not fitted to any published curve."""

    probability: float = photonuclear_probability()
    visible_range: tuple[float, float] = (0.0, 1.0)

    def __post_init__(self):
        check_range("photonuclear_probability", self.probability, 0.0, 1.0)
        lo, hi = self.visible_range
        check_range("photonuclear_visible_range", [lo, hi], 0.0, 1.0)
        if not lo < hi:
            raise InputError("photonuclear_visible_range", f"must be [low, high] with low < high, got {lo}, {hi}")


def visible_fraction(u, model: PhotonuclearModel) -> np.ndarray:
    """Visible energy fraction of a photonuclear cluster for uniform numbers ``u`` (uniform on the model range).

    >>> visible_fraction(np.array([0.0, 0.5]), PhotonuclearModel(visible_range=(0.2, 0.6))).tolist()
    [0.2, 0.4]
    """
    lo, hi = model.visible_range
    return lo + (hi - lo) * np.asarray(u, float)
