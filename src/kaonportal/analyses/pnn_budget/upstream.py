"""Upstream background of K+ -> pi+ nu nubar: a documented one-parameter model (D).

Accidental association of a pileup beam track with a pi+ from an early decay/interaction scales with the
number of kaons and with the probability of an accidental beam track in the matching window, i.e. with
the beam rate: N_up = p_up * N_K,eff * (R_beam / R_ref), R_ref = 450 MHz (2016-18 typical rate, [RICH20]
"Beam rate, typical 2016-2018"). It does not model changes of the upstream cuts between analyses. p_up is calibrated
(``upstream_probability`` of :class:`~.calibration.Calibration`).

>>> from kaonportal.analyses.pnn_budget import Calibration
>>> round(upstream_estimate(Calibration(upstream_probability=1e-12), 1.5e12, 600.0)[0], 2)
2.0
"""

from __future__ import annotations

__all__ = ["RATE_REF_MHZ", "upstream_estimate"]

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # pragma: no cover - annotation only (calibration imports RATE_REF_MHZ from here)
    from .calibration import Calibration

#: reference beam rate of the upstream-background probability: "typical beam particle rate at GTK3 is
#: about 450 MHz" (2016-18; [RICH20] "Beam rate, typical 2016-2018" [V])
RATE_REF_MHZ = 450.0


def _rel(a: float, e: float) -> float:
    return e / a if a > 0 else 0.0


def upstream_estimate(cal: Calibration, n_k_eff: float, beam_rate_mhz: float) -> tuple[float, float]:
    """Upstream background (value, error) of the one-parameter model in the module docstring."""
    val = cal.upstream_probability * n_k_eff * beam_rate_mhz / cal.rate_ref_mhz
    err = val * _rel(cal.upstream_probability, cal.upstream_probability_error)
    return val, err
