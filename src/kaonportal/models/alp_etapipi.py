"""a -> pi pi eta of the ALPs (BC10, BC11) through a -> eta'* -> eta pi pi; the ALPs' hadronic range to 1 GeV.

Units: GeV for masses and widths, GeV^-1 for the couplings c/f (conventions of :mod:`kaonportal.models.alp`).

**Amplitude** (the data-driven mixing picture of [Aloni:2018vki], A(a -> f) = sum_P theta_aP A(P* -> f), already
used for the 3 pi and pi+ pi- gamma chains of :mod:`.alp_hadronic`). Of the three pseudoscalars only the eta' has a
measured eta pi pi decay, so

    A(a -> eta pi+ pi-) = A(a -> eta pi0 pi0) = theta_aeta' N',

with theta_aeta' the same a-eta' angle as the other channels (LO U(3) kinetic + mass mixing for BC11,
:func:`.alp_hadronic.u3_mixing_angles`; kinetic mixing for BC10, :func:`.alp_hadronic.kinetic_mixing_angle`) and
a constant N' (the eta' -> eta pi pi Dalitz plot is flat to ~10 %: slopes a, b, d of -0.06 to -0.05, BESIII PRD 97
(2018) 012003 [U]), |N'| fixed by the measured Gamma(eta' -> eta pi+ pi-) ([PDG] width and branching fraction). The
two final states share the I = 0 pi pi amplitude (isospin), eta pi0 pi0 with the 1/2! of identical pions; with
|N'| from the charged mode the neutral one gives BR(eta' -> eta pi0 pi0) = 24.0 % against the measured 22.4 %
(~7 % high, the flat-amplitude approximation; tested to 10 %). For a
constant amplitude

    Gamma = |theta_aeta' N'|^2 / (256 pi^3 m_a^3) int ds beta_pi(s) lambda^1/2(m_a^2, s, m_eta^2)  (x 1/2 for pi0 pi0),

s the pi pi invariant mass squared (the 3-body width of [PDG] kinematics, Eq. 49.22 integrated over the other
Dalitz variable).

**Not included (stated)**: a -> eta* -> eta pi pi and the isospin-breaking a -> pi0* -> eta pi pi (no measured
amplitude; the LO chiral eta eta pi pi vertex is O(m_pi^2/F^2)), the energy dependence of the eta'* amplitude away
from m_a = m_eta' (the real eta' -> eta pi pi is dominated by scalar resonances, sigma/f0/a0; [Aloni:2018vki]
include them with a K-factor 2.7 on the chiral contact term), and a -> 4 pi, a -> K Kbar pi, a -> omega omega. Near
m_eta' (0.958 GeV) the first-order a-eta' mixing is resonant (width-regularised only) and not reliable within a few
eta' widths, like the pi0 and eta poles of the other channels.

**Peer comparison** (ALPaca 1.2.0, the Aloni-Soreq-Williams amplitudes; stored tables in the tests): our a -> pi pi
eta is 9x (1.0 GeV) to 127x (0.83 GeV) above ALPaca's for BC11 and 8x (1.0 GeV) to 133x (0.85 GeV) for BC10, both
modes alike (each range is its stored table's masses above threshold: BC11's start at 0.83 GeV, BC10's at 0.85);
a -> gamma gamma agrees to 2 % at 0.83-0.95 GeV, so the a-eta' angles agree and the difference is the eta pi pi amplitude.
Near the eta' pole the mixing picture must reproduce the eta' branching fractions: ours gives Gamma(pi+ pi- pi0)/Gamma(pi+
pi- eta) = 0.0085 at m_a = m_eta' (the eta''s 3.61e-3/0.425, tested), ALPaca gives 1.0 at 0.95 GeV and 0.25-0.82
within 1.3 MeV of the pole, and Gamma(pi+ pi- eta)/Gamma(gamma gamma) = 0.67 at 0.95 GeV, 0.83 at the pole, against
the eta''s 18 (ours 14 at the pole, 12 at 0.95 GeV; stored tables, tested): its eta pi pi amplitude does not carry the
measured eta' -> eta pi pi strength even at m_eta'. Further from the pole the
growing ratio towards threshold is the constant-amplitude extrapolation of ours against ALPaca's momentum-dependent
(chiral contact + resonance) amplitude; neither has a measurement there: stated, not tuned.

**Range**: the ALPs' hadronic widths are given up to :data:`VALID_MAX_GEV` = 1 GeV, the limit of chiral
perturbation theory and below the K Kbar pi threshold (1.12 GeV); in the ALPaca 1.2 model the channels left out
here (4 pi, omega omega) are < 1e-3 of its total width below 1 GeV at the BC11 point.
"""

from __future__ import annotations

__all__ = ["VALID_MAX_GEV", "BR_ETAP_ETAPIPI", "BR_ETAP_ETAPI0PI0", "flat_three_body", "etap_etapipi_norm",
           "etapipi_widths"]

from functools import lru_cache

import numpy as np

from ..constants import mass, width_gev
from .alp_hadronic import _integrate, _lam_sqrt

#: upper end of the ALPs' decay model (GeV): chiral PT limit, below the K Kbar pi threshold (module docstring)
VALID_MAX_GEV = 1.0
#: eta' -> pi+ pi- eta, (42.5 +- 0.5) % and eta' -> pi0 pi0 eta, (22.4 +- 0.5) % ([PDG] 2024 eta' listing)
BR_ETAP_ETAPIPI = 0.425
BR_ETAP_ETAPI0PI0 = 0.224


def flat_three_body(m, m_pair: float, m_odd: float):
    """Gamma/|A|^2 (GeV; A dimensionless) of m -> P P' X with a constant amplitude, P P' distinguishable.

    int ds beta(s) lambda^1/2(m^2, s, m_odd^2)/(256 pi^3 m^3), s from (2 m_pair)^2 to (m - m_odd)^2,
    beta = sqrt(1 - 4 m_pair^2/s); 0 at and below threshold (m <= 2 m_pair + m_odd). m in GeV, broadcast.
    """
    m = np.asarray(m, dtype=float)
    lo = 4.0 * m_pair**2
    hi = np.maximum((m - m_odd) ** 2, lo)

    def integrand(s):
        beta = np.sqrt(np.clip(1.0 - lo / s, 0.0, None))
        return beta * _lam_sqrt(m[..., None] ** 2, s, m_odd**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        val = _integrate(integrand, lo, hi) / (256.0 * np.pi**3 * np.maximum(m, 1e-300) ** 3)
    return np.where(m > 2.0 * m_pair + m_odd, val, 0.0)


@lru_cache(maxsize=None)
def etap_etapipi_norm() -> float:
    """|N'| (dimensionless) of the constant eta' -> eta pi+ pi- amplitude from Gamma_eta' BR(eta' -> eta pi+ pi-) ([PDG])."""
    unit = float(flat_three_body(mass("eta'"), mass("pi+"), mass("eta")))
    return float(np.sqrt(width_gev("eta'") * BR_ETAP_ETAPIPI / unit))


def etapipi_widths(m_a, theta_etap) -> dict:
    """Gamma(a -> pi+ pi- eta), Gamma(a -> pi0 pi0 eta) in GeV for the a-eta' mixing angle ``theta_etap``
    (complex, broadcast with m_a in GeV): A = theta_aeta' N' (module docstring)."""
    m_a = np.asarray(m_a, dtype=float)
    amp2 = np.abs(np.asarray(theta_etap)) ** 2 * etap_etapipi_norm() ** 2
    return {"a -> pi+ pi- eta": amp2 * flat_three_body(m_a, mass("pi+"), mass("eta")),
            "a -> pi0 pi0 eta": amp2 * flat_three_body(m_a, mass("pi0"), mass("eta")) / 2.0}
