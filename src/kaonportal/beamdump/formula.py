"""The yield formula and production mechanisms of one beam-dump run, in words, for its output headers.

A run's contour.csv / projection.csv header states the formula that made it, with every factor
(N_exp = N_POT chi P_decay BR(X -> f) A_acc A_trig eff_f, :mod:`.yields`), and the production mechanisms the run
actually simulated (its yield grid's mechanism keys, :func:`.mechanisms.mechanism_jobs`), each with its source by
bibliography key: a B-decay scalar (BC4) or a mixing/Primakoff ALP (BC11) is never labelled with the dark photon's
meson tables and bremsstrahlung.

>>> yield_formula_line(["ee", "mumu"])
'N_exp = N_POT sum_mechanisms chi sum_f P_decay BR(X -> f) A_acc A_trig eff_f over f in ee, mumu (kaonportal.beamdump.yields)'
>>> mechanism_family("p -> p A' (bremsstrahlung)"), mechanism_family("B -> Xs S"), mechanism_family("eta -> a (mixing)")
('bremsstrahlung', 'heavy', 'mixing')
"""

from __future__ import annotations

__all__ = ["yield_formula_line", "production_line", "mechanism_family"]

from .mesons import HEAVY_MESONS
from .production import parse_production_key

#: mechanism family -> how it is computed (sources by bibliography key, ``kaonportal refs``)
_FAMILY_TEXT = {
    "soft": "decays of soft mesons (Pythia 8 tables per proton, pi+ normalised to NA27 [AguilarBenitez:1991yy], "
            "p-Cu forward scaling [Bonesini:2001bmpt]; eta spectrum: {eta})",
    "heavy": "decays of charm/beauty mesons (Pythia 8 tables per ccbar/bbbar event, sigma_QQ linear in A)",
    "mixing": "meson mixing",
    "bremsstrahlung": "proton bremsstrahlung ([Blumlein:2013cua]; proton form factor: {ff})",
    "primakoff": "Primakoff conversion on Cu of meson-decay photons",
    "other": "other",
}


def yield_formula_line(channels) -> str:
    """The run's yield formula with every factor and its final states."""
    return ("N_exp = N_POT sum_mechanisms chi sum_f P_decay BR(X -> f) A_acc A_trig eff_f over f in "
            f"{', '.join(channels)} (kaonportal.beamdump.yields)")


def mechanism_family(key: str) -> str:
    """The family of a production mechanism key of a yield grid (see ``_FAMILY_TEXT``)."""
    if "(bremsstrahlung)" in key:
        return "bremsstrahlung"
    if "(Primakoff)" in key:
        return "primakoff"
    if "(mixing)" in key:
        return "mixing"
    parsed = parse_production_key(key)
    if parsed is None:
        return "other"
    parent = parsed[0]
    return "heavy" if parent == "B" or parent in HEAVY_MESONS else "soft"


def production_line(mechanism_keys, setup) -> str:
    """'production: <family>: <keys>; ...' for the mechanisms a run simulated (``setup``: its
    :class:`.setup.BeamDumpSetup`, for the eta spectrum and the bremsstrahlung form factor)."""
    groups: dict = {}
    for key in mechanism_keys:
        groups.setdefault(mechanism_family(key), []).append(key)
    if not groups:
        return "production: none simulated (every mechanism closed on this grid)"
    eta = getattr(setup, "eta_spectrum", "na27")
    ff = getattr(setup, "brems_form_factor", "auto")
    parts = [f"{_FAMILY_TEXT[fam].format(eta=eta, ff=ff)}: {', '.join(keys)}" for fam, keys in groups.items()]
    return "production: " + "; ".join(parts)
