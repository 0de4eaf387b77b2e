"""Strong coupling and perturbative QCD corrections used by the inclusive hadronic widths.

Only what the portal widths need above ~1.5-2 GeV: a one-loop running alpha_s anchored at the tau
mass, and the massless-quark correction series of the hadronic R ratio.

>>> round(float(alpha_s(1.77686)), 3)
0.33
>>> round(float(qcd_correction(2.0)), 3)
1.177
"""

from __future__ import annotations

__all__ = ["ALPHA_S_MTAU", "alpha_s", "qcd_correction"]

import numpy as np

from ..constants import mass

#: alpha_s(m_tau) = 0.33 (PDG review of QCD: alpha_s(m_tau) ~ 0.32-0.33 from tau decays) [U];
#: the inclusive widths using it are only needed above ~1.5 GeV, where the exclusive channels stop.
ALPHA_S_MTAU = 0.33
_M_TAU = mass("tau-")    # GeV, from the particle package like every mass (developers' guide)


def alpha_s(mu, nf: int = 3):
    """One-loop running alpha_s(mu) (mu in GeV), anchored at alpha_s(m_tau) = :data:`ALPHA_S_MTAU`.

    1/alpha_s(mu) = 1/alpha_s(m_tau) + b0/(4 pi) ln(mu^2/m_tau^2), b0 = 11 - 2 nf/3.
    The scale is clipped at 1 GeV from below, where one loop stops being meaningful.
    """
    mu = np.maximum(np.asarray(mu, dtype=float), 1.0)
    b0 = 11.0 - 2.0 * nf / 3.0
    return 1.0 / (1.0 / ALPHA_S_MTAU + b0 / (4.0 * np.pi) * np.log(mu**2 / _M_TAU**2))


def qcd_correction(mu):
    """1 + a + 5.2 a^2 + 26.4 a^3 with a = alpha_s(mu)/pi.

    Massless-quark correction to inclusive hadronic widths, as used for HNL -> quarks
    ([HNLCalc:2024code] L2256, [FairShip:2017hnl] ``QCD_correction``).
    """
    a = alpha_s(mu) / np.pi
    return 1.0 + a + 5.2 * a**2 + 26.4 * a**3
