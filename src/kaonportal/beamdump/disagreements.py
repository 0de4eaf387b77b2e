"""Known, unresolved disagreements of beam-dump results with NA62's published ones (issue 14).

Each applies to a configuration (model, channels, :class:`.setup.BeamDumpSetup`, transition form factors) and is
stated on every result it applies to (summary.json ``stated_disagreements``, the plot, ``--explain``, recast),
never tuned away.
"""

from __future__ import annotations

__all__ = ["stated_disagreements", "model_family", "TABULATED_SUFFIX"]

from .setup import BeamDumpSetup

# Disagreements with the published results that are known and not fixed (issue 14): stated on every result
# they apply to (summary.json "stated_disagreements", the plot), never tuned away.
#: how the mumu numbers below were measured (kaonportal beamdump, NA62's 2021 mumu counts unless stated)
GRID = "36x100 grid over 0.2-0.55 GeV, 1e4 X per mechanism and mass, seed 1"
MEASURED_WITH = f"mumu only, {GRID}, against the shipped digitised mumu contour"
#: measured mumu lower edge / published one at 0.25, 0.3, 0.4, 0.5 GeV (MEASURED_WITH; "every mass": NA62's event
#: counted at every mass, --observed 1 --background 0.016; tests/beamdump/test_beamdump_setup.py re-measures 0.3 GeV)
LOWER_EDGE_RATIOS = {
    ("default", "notch"): (0.70, 0.69, 0.69, 0.75), ("default", "every mass"): (0.82, 0.80, 0.83, 0.98),
    ("a_scaling=pp", "notch"): (0.63, 0.60, 0.61, 0.66), ("a_scaling=pp", "every mass"): (0.72, 0.70, 0.73, 0.84),
    ("meson_tff=none", "notch"): (0.74, 0.74, 0.77, 0.84), ("meson_tff=none", "every mass"): (0.86, 0.86, 0.94, 1.14),
    ("bremsstrahlung alone", "notch"): (0.97, 0.92, 0.88, 0.86),
    # NA27's eta/pi0 read as x_F-integrated E d3sigma/dp3 instead of dsigma/dp_T^2 (eta_ratio.NA27_READINGS)
    ("NA27 as x_F-integrated invariant", "notch"): (0.76, 0.73, 0.72, 0.75),
    ("NA27 as x_F-integrated invariant", "every mass"): (0.88, 0.86, 0.87, 0.99),
    # the raw Pythia eta table (eta_ratio="pythia", not reweighted to NA27)
    ("eta_ratio=pythia", "notch"): (0.66, 0.64, 0.66, 0.74),
}


def _ratios(key) -> str:
    r = LOWER_EDGE_RATIOS[key]
    return f"{r[0]:.2f}, {r[1]:.2f}, {r[2]:.2f} below 0.45 GeV and {r[3]:.2f} at 0.5 GeV"


#: the ee lower edge: no NA62 ee contour ships, so the ratio is an estimate from issue 14's recorded ratios
EE_ESTIMATE = (
    "ee: no NA62 ee contour ships with kaonportal and none is drawn or compared. kaonportal's ee lower edge (ee only, "
    "NA62's 2021 ee counts, otherwise as for mumu) is 3.1, 3.1, 3.2, 3.9e-7 at 0.25, 0.3, 0.4, 0.5 GeV (mumu "
    "2.9, 2.8, 2.9, 3.5e-7). Issue 14 recorded lower-edge ratios to the published contours of 0.48-0.58 (ee) and "
    "0.60-0.68 (mumu, its event counted at every mass) before the fixes listed in kaonportal.beamdump; those measured "
    "for both channels moved ee as mumu, so, if the others did too (the observed-event fix concerns mumu only), the ee "
    "ratio is now an estimated 0.48-0.58 x (0.80-0.83)/(0.60-0.68) ~ 0.56-0.80 below 0.45 GeV (~2.4-10x NA62's events "
    "at its edge): an estimate, not a measurement.")
_LEPTONIC_DP_NOTE = (
    "dark photon ee/mumu vs NA62 2021 (JHEP 09 (2023) 035, PRL 133 (2024) 111802): with the defaults (measured "
    "meson transition form factors, p-Cu forward scaling A^alpha(x_F, p_T), eta table reweighted to NA27's eta/pi0) "
    "the lower (long-lifetime) edge of the excluded band lies at " + _ratios(("default", "notch")) + " of the "
    "published one (at 0.25, 0.3, 0.4, 0.5 GeV; " + MEASURED_WITH + "), i.e. ~4x (below 0.45 GeV) and ~3x (0.5 GeV) more "
    "events than NA62 at its edge (N ~ eps^4 there). Which cross section NA27's eta/pi0 is a ratio of is not "
    "established (kaonportal.beamdump.eta_ratio): the default reads it as dsigma/dp_T^2; read as E d3sigma/dp3 "
    "integrated over x_F, the soft-eta weight is lower still and the lower edge lies at "
    + _ratios(("NA27 as x_F-integrated invariant", "notch")) + " (" + _ratios(("NA27 as x_F-integrated invariant",
    "every mass")) + " with the event counted at every mass). " + EE_ESTIMATE + " NA62's one mu mu event (m_mumu ~ 0.411 GeV) "
    "counts, as in NA62's analysis, only for the masses whose invariant-mass window holds it: the published "
    "contour's notch at 0.405-0.42 GeV is reproduced (kaonportal 0.404-0.418 GeV on a 2 MeV grid, lower edge x1.23 "
    "and upper edge x0.87 there; published x1.30 and x0.86); counting it at every mass instead (--observed 1 "
    "--background 0.016, same grid) gives " + _ratios(("default", "every mass")) + ". With bremsstrahlung "
    "alone the mumu lower edge is 4.0, 3.7, 3.7, 4.1e-7 at 0.25, 0.3, 0.4, 0.5 GeV, "
    + _ratios(("bremsstrahlung alone", "notch")) + " of the published one (same grid): the excess is mostly the meson-decay (eta -> gamma A', omega -> pi0 A') "
    "contribution, computed from Pythia 8 spectra normalised to the NA27 pi+ cross section and suppressed per p-Cu "
    "collision by the measured forward A-dependence (Bonesini et al., EPJC 20 (2001) 13; f_A ~ 0.53 for the accepted "
    "eta; a_scaling='pp' gives " + _ratios(("a_scaling=pp", "notch")) + ", or "
    + _ratios(("a_scaling=pp", "every mass")) + " with the event counted at every mass; the ee lower edge moves by x0.87-0.90); NA62 redid these contours with "
    "updated light-meson spectra afterwards (EPJC 85 (2025) 571 Fig. 10), the earlier ones are not published. For "
    "ee, NA62's trigger, electron-identification and "
    "selection efficiencies are not in the material available (each a gap counted as 1, listed in "
    "data/beamdump/selection_efficiencies.yaml and by --explain; a known value is applied with "
    "--channel-efficiency). With the bremsstrahlung form factor of the published analysis (brems_form_factor="
    "'none', the default for ee/mumu) the upper edge lies at 1.20, 1.12, 1.10, 1.09 of the published one (mumu, "
    "0.25-0.5 GeV, same grid) and the mass reach at 1.07 (mumu 0.575 GeV, published 0.538; ee+mumu 0.62 GeV, "
    "published ~0.6 combined; 40x100 grid over 0.2-0.7 GeV, 1e4 X per mass, seed 1): the larger yield widens the "
    "band on both sides.")
_TFF_NOTES = {
    "pole": ("meson transition form factors (NA60 eta and omega poles: |F|^2 = 1.47 and 1.56 at 0.3 GeV, 3.7 and 5.1 "
             "at 0.5 GeV; kaonportal.models.transition_ff) are included; whether NA62's 2021 dilepton contours "
             "included them is not stated in the material available. With the p-Cu scaling they move the lower edge "
             "down by 5-6 % at 0.25-0.3 GeV and 11 % at 0.4 and 0.5 GeV (mumu; ee 4-6 %, 11 %, 10 %; "
             + f"each channel alone, {GRID}); --meson-tff none gives the "
             "point-like vertex."),
    "none": ("meson_tff='none': point-like P -> gamma A' and V -> P A' vertices (no measured transition form factor); "
             "the mumu lower edge then lies at " + _ratios(("meson_tff=none", "notch")) + " of the published one ("
             + _ratios(("meson_tff=none", "every mass")) + " with the observed event counted at every mass; "
             + MEASURED_WITH
             + "); the ee lower edge moves up by x1.05-1.12 against the default."),
}


#: name suffix of a built-in model exported to a table (:mod:`kaonportal.models.export`)
TABULATED_SUFFIX = "-tabulated"


def model_family(model) -> str:
    """The built-in model a result's physics comes from: an exported table ("dark-photon-tabulated", or any model
    with a ``base_model`` attribute) belongs to its built-in's family, whose disagreements it inherits.

    >>> model_family("dark-photon-tabulated"), model_family("alp-gluon")
    ('dark-photon', 'alp-gluon')
    """
    base = getattr(model, "base_model", None)
    if base:
        return str(base)
    name = str(getattr(model, "name", model))
    return name[: -len(TABULATED_SUFFIX)] if name.endswith(TABULATED_SUFFIX) else name


def stated_disagreements(model_name, channels, setup: BeamDumpSetup, meson_tff: str | None = "pole") -> list[str]:
    """Known, unresolved disagreements with published NA62 results that apply to this configuration (``model_name``:
    a model or its name, matched by :func:`model_family` so an exported table keeps its built-in's statements;
    ``meson_tff``: the dark photon's transition-form-factor choice, :mod:`kaonportal.models.transition_ff`)."""
    notes = []
    model_name = model_family(model_name)
    if model_name == "dark-photon" and set(channels) & {"ee", "mumu"}:
        notes.append(_LEPTONIC_DP_NOTE)
        if meson_tff in _TFF_NOTES:
            notes.append(_TFF_NOTES[meson_tff])
        if setup.eta_ratio == "pythia":
            notes.append("eta_ratio='pythia': the raw Pythia eta table, about twice NA27's measured soft eta/pi0 at 400 "
                         "GeV/c (kaonportal.beamdump.eta_ratio); the mumu lower edge then lies at "
                         + _ratios(("eta_ratio=pythia", "notch")) + " of the published one (at 0.25, 0.3, 0.4, "
                         "0.5 GeV; " + MEASURED_WITH + "; x0.93-0.99 of the default).")
        if setup.brems_form_factor == "timelike" and set(channels) <= {"ee", "mumu"}:
            notes.append("brems_form_factor='timelike' (EPJC 85 (2025) 571 update): not the production model of "
                         "the published 2021 dilepton contours; the excluded mass range extends to ~1 GeV "
                         "(published ~0.54 GeV for mumu).")
    hadronic = set(channels) - {"ee", "mumu", "gg"}
    if model_name == "dark-photon" and hadronic & {"pipi2pi0", "KKpi0", "pipieta"}:
        notes.append("A' -> pi+pi-pi0pi0, K+K-pi0 and pi+pi-eta: R-ratio pieces from the tabulated BaBar e+e- "
                     "cross-sections (PRD 96 (2017) 092009, PRD 77 (2008) 092002, PRD 97 (2018) 052007; HEPData; "
                     "pi+pi-eta below 1.2 GeV a linear rise from threshold) carved out of the inclusive "
                     "'other hadrons' of kaonportal.models.rratio (lifetime unchanged); the total hadronic R that "
                     "sets the lifetime and the remaining 'other hadrons' are a smooth turn-on good to ~30 % at "
                     "1-1.7 GeV.")
    if model_name == "dark-scalar" and "pipi2pi0" in channels:
        notes.append("S -> pi+pi-pi0pi0 is 4/9 of the model's inclusive S -> 4 pi width (two I = 0 pi pi pairs); "
                     "through rho rho it would be 2/3, i.e. this channel's rate carries a x1.5 model uncertainty "
                     "(and the inclusive 4 pi width itself is marked unverified in kaonportal.models.dark_scalar).")
    if model_name == "alp-gluon" and hadronic:
        notes.append("BC11 hadronic widths: a -> 3 pi (leading-order chiral PT, Bauer-Neubert-Thamm JHEP 12 (2017) 044, "
                     "plus the a -> eta*, eta'* -> 3 pi chain with the measured eta -> 3 pi amplitude) is 2.0-2.7x "
                     "below the Aloni-Soreq-Williams data-driven widths (PRL 123 (2019) 031803, used by EPJC 85 (2025) "
                     "571) at 0.42-0.50 GeV, their K-factor 2.7 on the whole LO amplitude (without it they are 0.72-0.97 "
                     "of ours; model option k3pi=2.7 applies it), with its interference zero at ~0.74 GeV, not ~0.70; "
                     "a -> pi+ pi- gamma (eta/eta' mixing x WZW box) differs from them by 0.006-390x; a -> pi pi eta "
                     "(a-eta' mixing x measured eta' -> eta pi pi, constant amplitude) is 9-130x above theirs at 0.83-1 "
                     "GeV; 4 pi, K K pi0 not modelled: the model stops at 1 GeV (kaonportal.models.alp_etapipi).")
    if model_name == "alp-fermion":
        notes.append("BC10 hadronic decays: a -> pi+ pi- gamma (eta/eta' kinetic mixing x WZW box), a -> 3 pi (a -> eta*, "
                     "eta'* -> 3 pi, measured eta -> 3 pi amplitude; 0.35-0.47 of ALPaca 1.2 at 0.42-0.5 GeV) and a -> "
                     "pi pi eta (a-eta' mixing x measured eta' -> eta pi pi; 8-133x above ALPaca at 0.85-1 GeV, the "
                     "masses of ALPaca's stored BC10 table; kaonportal.models.alp_etapipi); 4 pi, "
                     "K K pi0 not implemented (range ends at 1 GeV). Below 0.85 GeV they give < 1e-3 events at 1.4e17 "
                     "POT (g_Y up to 10) except within ~10 MeV of m_eta (up to ~1e4 events; first-order mixing not "
                     "reliable there); at 0.9-0.97 GeV pi+ pi- gamma and pi+ pi- eta reach 0.1-3 events through the "
                     "a-eta' mixing (resonant at 0.958 GeV, as unreliable there): the BC10 contour of EPJC 85 (2025) "
                     "571 is here the leptonic one plus these two islands.")
    return notes
