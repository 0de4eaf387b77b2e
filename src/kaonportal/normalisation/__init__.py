"""Normalisation of K+ -> pi+ nu nubar: number of kaon decays N_K and the single event sensitivity.

>>> from kaonportal.normalisation import single_event_sensitivity
>>> round(single_event_sensitivity(2.85e12, 0.0762, 0.859, 0.632).value * 1e12, 2)
8.48
"""

from .ses import (SES, kaon_decays_from_normalisation, expected_normalisation_events,
                  single_event_sensitivity, ses_per_bin)

__all__ = ["SES", "kaon_decays_from_normalisation", "expected_normalisation_events",
           "single_event_sensitivity", "ses_per_bin"]
