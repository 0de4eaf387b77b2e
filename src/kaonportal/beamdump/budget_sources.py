"""Where each factor of the beam-dump yield budget comes from (issue 14 item 1: a budget that explains itself).

For one row of :func:`.budget.yield_budget` (production mechanism x final state) every factor of

    N_exp = N_POT x chi x P_decay x BR(X -> f) x A_acc x A_trig

gets a :class:`FactorSource`: the formula kaonportal evaluates, its source by bibliography key (written in
brackets, resolvable with ``kaonportal refs KEY``; equation or code location where known), and the independent
cross-checks of that factor in ``data/beamdump/reference_yields.yaml`` (and, for ``eff``,
``selection_efficiencies.yaml``) with their status (:data:`STATUS_CODES`) and how kaonportal's number compares,
computed here where the entry carries a number.

The texts restate the module docstrings of :mod:`.mesons`, :mod:`.nuclear`, :mod:`.brems`, :mod:`.mixing`,
:mod:`.primakoff`, :mod:`.detection`, :mod:`.setup` and of the models; a model without a specific entry here falls
back on its own ``reference`` string, so that no row is left without a source.
"""

from __future__ import annotations

__all__ = ["FactorSource", "FACTORS", "STATUS_CODES", "row_sources"]

from dataclasses import dataclass, field

from .. import references
from .brems import form_factor_sq
from .budget_checks import STATUS_CODES, factor_checks
from . import eta_ratio
from .mesons import HEAVY_MESONS, SOFT_MESONS, a_scaling_factor, soft_normalisation_factor
from .setup import BeamDumpSetup

#: the factors of a budget row that carry a source (the keys of a row's ``sources``)
FACTORS = ("n_parent_per_pot", "production_factor", "chi", "p_decay", "br", "a_acc", "eff", "a_trig", "n_expected",
           "a_factor_accepted")
#: measured transition form factor of each dark-photon production parent (kaonportal.models.transition_ff)
_TFF_SOURCE = {"pi0": "[NA62:2017pi0tff] slope", "eta": "[NA60:2016tff] pole", "omega": "[NA60:2016tff] pole",
               "eta'": "[BESIII:2024etaptff] Breit-Wigner", "phi": "[KLOE2:2015phietatff] pole"}

_NA62_FORMULA = "[NA62:2025fiphad] via [S002]"
_PYTHIA = "[Bierlich:2022pythia83] Pythia 8.317, Monash tune (data/beamdump/README.md)"


@dataclass(frozen=True)
class FactorSource:
    """Formula, source (text with bracketed key citations) and cross-checks (dicts) of one budget factor."""
    formula: str
    source: str
    checks: tuple = field(default=())

    @property
    def keys(self) -> list[str]:
        """The bibliography keys the source cites (aliases resolved), in order."""
        found = references.find_keys(self.source) + references.find_bracket_codes(self.source)
        return list(dict.fromkeys(k for k in (references.resolve(c) for c in found) if k))

    def as_dict(self) -> dict:
        return {"formula": self.formula, "source": self.source, "keys": self.keys, "checks": list(self.checks)}


def _kind(parsed) -> str:
    """soft / heavy / tau / brems / primakoff / other (the parent of the X sample)."""
    if parsed in ("brems", "primakoff"):
        return parsed
    if isinstance(parsed, tuple):
        parent = parsed[0]
        if parent == "tau+":
            return "tau"
        if parent in SOFT_MESONS:
            return "soft"
        if parent in HEAVY_MESONS or parent == "B":
            return "heavy"
    return "other"


# --- n_parent_per_pot ---------------------------------------------------------------------------------------------

def _f_a_text(a_scaling) -> tuple[str, str]:
    if a_scaling == "alpha":
        return ("f_A = A^alpha(x_F, p_T) sigma_pp/sigma_pCu per table bin",
                "[Bonesini:2001bmpt] alpha(x_F, p_T) from the data of [Barton:1983adep]; "
                "[PDG] sigma_inel(p Cu) = 769 mb")
    if a_scaling == "wounded":
        return (f"f_A = (1 + nu)/2 = {a_scaling_factor('wounded'):.3g} (wounded nucleons)",
                "[Bialas:1976wounded]; [PDG] sigma_inel(p Cu) = 769 mb")
    if a_scaling == "pp":
        return "f_A = 1 (pp multiplicity per collision, no nuclear scaling)", "user choice a_scaling='pp'"
    return f"f_A = {float(a_scaling):g} (constant)", "user choice of a_scaling"


def _soft_parent(a_scaling, parent: str | None = None, eta_choice: str = "na27") -> FactorSource:
    fa, fa_src = _f_a_text(a_scaling)
    weighted = parent == "eta" and eta_choice == "na27"
    eta = (" x w_eta(p_T) = NA27 eta/pi0 over Pythia's per table bin (the eta multiplicity x"
           f"{eta_ratio.comparison()['multiplicity_factor']:.2f} in pp)") if weighted else ""
    if parent == "eta" and not weighted:        # the user's raw table: no weight, and say so
        eta = " (raw eta table, eta_ratio='pythia': not reweighted to NA27's eta/pi0)"
    return FactorSource(f"n_M/POT = <n_M>_pp (Pythia 8 tables, pp at sqrt(s) = 27.4 GeV) x r_NA27 "
                        f"({soft_normalisation_factor():.3f}){eta} x f_A; {fa}",
                        f"{_PYTHIA}; [AguilarBenitez:1991yy] r_NA27 = sigma(pp -> pi+ X) 134.4 mb / Pythia's"
                        + (", eta/pi0 versus p_T (kaonportal.beamdump.eta_ratio)" if weighted else "")
                        + f"; {fa_src}")


def _heavy_parent(parent: str) -> FactorSource:
    run = "beauty" if parent.startswith("B") else "charm"
    sigma = "sigma_bbbar = 1.7 nb" if run == "beauty" else "sigma_ccbar = 18.1 ub"
    return FactorSource(f"n_M/POT = A sigma_QQbar(per nucleon) / sigma_inel(p Cu) x <n_M per QQbar event> (Pythia 8); "
                        f"{sigma} per nucleon at 400 GeV, linear in A",
                        f"[SHiP:2019hnlsens] section 2 [R]; {_PYTHIA} hadronisation fractions and spectra; "
                        "[PDG] sigma_inel(p Cu) = 769 mb")


def _parent_source(kind: str, parsed, setup: BeamDumpSetup, a_scaling, mass: float) -> FactorSource:
    if kind == "soft":
        return _soft_parent(a_scaling, parsed[0], setup.eta_ratio)
    if kind == "heavy":
        return _heavy_parent(parsed[0])
    if kind == "tau":
        h = _heavy_parent("Ds+")
        return FactorSource("n_tau/POT = n_Ds/POT x BR(Ds+ -> tau+ nu); " + h.formula,
                            "[PDG] BR(Ds+ -> tau+ nu); " + h.source)
    if kind == "brems":
        ff = setup.brems_form_factor
        f2 = float(form_factor_sq(mass, "none" if ff == "auto" else ff))
        ff_text = ("|F_1|^2 = 1 (point-like proton, the model of NA62's 2021 dilepton contours)" if ff != "timelike"
                   else f"|F_1(m^2)|^2 = {f2:.3g} (time-like VMD form factor, the model of EPJC 85 (2025) 571)")
        ff_src = ("point-like as in [Blumlein:2013cua]; NA62's 2021 contours used none, as read from the caption of "
                  "[NA62:2025fiphad] Fig. 10" if ff != "timelike"
                  else "[Faessler:2009vmd] via [ALPINIST:2022code]; [NA62:2025fiphad] Fig. 10")
        return FactorSource("A'/POT at eps = 1: integral over 0.1 < z < 0.9, p_T < 1 GeV of dN/(dz dp_T^2) = "
                            "[sigma_pp(s')/sigma_pp(s)] w_ba(z, p_T^2) |F_1(m^2)|^2; " + ff_text,
                            "[Blumlein:2013cua] w_ba (Fermi-Weizsaecker-Williams splitting); "
                            f"[PDG] sigma_pp HPR1R2 fit [R]; {ff_src}")
    if kind == "primakoff":
        soft = _soft_parent(a_scaling)
        return FactorSource("a/POT at g_agg = 1/GeV: photons of pi0, eta -> gamma gamma (soft-meson tables, "
                            "normalised as the meson rows) x sigma_Primakoff(E)/sigma_abs(gamma Cu), sigma_abs = (7/9) "
                            "A/(N_A X0)",
                            "[Dobrich:2015alpbd; Feng:2018forward] Eq. (6) (Tsai cross section and elastic form "
                            "factor); [PDG] X0(Cu) = 12.86 g/cm^2; [ALPINIST:2022code] photon source (its proton "
                            "Budnev flux not included); " + soft.source)
    return FactorSource("the model's own table of this production channel", "model table (no bibliography key)")


# --- production_factor --------------------------------------------------------------------------------------------

def _tff(mdl, label: str, mass: float) -> tuple[str, str]:
    """(formula part, source part) of the meson transition form factor of a dark-photon meson-decay row."""
    from ..models.transition_ff import transition_ff2

    parent = label.split("->")[0].strip()
    choice = getattr(mdl, "transition_form_factor", "none")
    if choice == "none" or parent not in _TFF_SOURCE:
        return " x |F|^2 = 1 (point-like vertex, transition_form_factor='none')", ""
    f2 = float(transition_ff2(parent, mass, choice))
    return (f" x |F_{parent}(m^2)|^2 = {f2:.3g} (measured transition form factor)",
            f"; {_TFF_SOURCE[parent]} fit; [Landsberg:1985tff]")


def _production_source(mdl, label: str, kind: str, mass: float) -> FactorSource:
    name = getattr(mdl, "name", "")
    if _tabulated(mdl):
        # a tabulated model (kaonportal.models.tabulated) gives every factor as its table x coupling^power
        return FactorSource(f"the model file's table of {label!r} x coupling^power", _model_reference(mdl))
    if kind == "brems":
        return FactorSource("eps^2 (the rate is proportional to the kinetic mixing squared)", "[Blumlein:2013cua]")
    if kind == "primakoff":
        if name == "alp-photon":
            return FactorSource("g_agg^2", "[Dobrich:2015alpbd] (cross section proportional to g_agg^2)")
        return FactorSource("g_eff^2 = 64 pi Gamma(a -> gamma gamma)/m^3 (the model's photon width at this mass)",
                            "[Bauer:2017ris] Gamma(a -> gamma gamma) = g^2 m^3/(64 pi)")
    if name.startswith("dark-photon"):
        tff, tff_src = _tff(mdl, label, mass)
        if label.endswith("-> gamma A'"):
            return FactorSource("BR(P -> gamma A') = 2 eps^2 (1 - m^2/m_P^2)^3 BR(P -> gamma gamma)" + tff,
                                "[Ilten:2018crw; ALPINIST:2022code] exotic_functions.py L142-143; "
                                "[PDG] BR(P -> gamma gamma)" + tff_src)
        if label.startswith(("omega -> pi0", "phi -> eta")):
            return FactorSource("BR(V -> P A') = eps^2 BR(V -> P gamma) [lambda(m_V^2, m_P^2, m^2)/"
                                "(m_V^2 - m_P^2)^2]^(3/2)" + tff,
                                "[Landsberg:1985tff] point-like V P gamma* vertex; [PDG] BR(V -> P gamma)" + tff_src)
        if "(mixing)" in label:
            return FactorSource("theta_V^2 = eps^2 (e/g_V)^2 m_V^4/((m^2 - m_V^2)^2 + m_V^2 Gamma_V^2), g_V = 5, 17, "
                                "-12.88 (rho, omega, phi); on with hadronic channels",
                                "[Ilten:2018crw; ALPINIST:2022code] (FORESEE DarkPhoton.ipynb cells 9-10); "
                                "[NA62:2025fiphad] Fig. 10 (mixing production)")
    if name.startswith("dark-scalar"):
        if label == "B -> Xs S":
            return FactorSource("BR(B -> X_s S) = 5.6 sin^2(theta) (1 - m^2/m_B^2)^2",
                                "[FORESEE:2021code] DarkHiggs.ipynb cells 6-7; [Boiarska:2019jym]")
        if label.startswith("B+ -> K+"):
            return FactorSource("Gamma(B+ -> K+ S)/Gamma_B, top-loop xi_bs = 3 sqrt2 G_F m_t^2 V_ts V_tb/(16 pi^2), "
                                "f_0^BK(q^2) = 0.33/(1 - q^2/38 GeV^2)", "[Boiarska:2019jym; Winkler:2018qyg]")
    if name.startswith("alp"):
        if label == "B -> Xs a":
            return FactorSource("BR(B -> X_s a) = 76 g^2 (1 - m^2/m_B^2)^2, g = 8 C_GG/Lambda",
                                "[FORESEE:2021code] ALP-g.ipynb cells 6-7 [L]")
        if label.startswith("B+ -> K+"):
            return FactorSource("Gamma(B+ -> K+ a)/Gamma_B, top-loop FCNC k_D (Lambda = 1 TeV), f_0^BK(q^2) = "
                                "0.33/(1 - q^2/38 GeV^2)", "[Bauer:2021wjo; ALPINIST:2022code]; [ALPaca:2025code] "
                                "Btopia; [Boiarska:2019jym] f_0^BK")
        if "(mixing)" in label and name == "alp-gluon":
            return FactorSource("|theta_aP|^2, theta_aP = 3.671 g (a2 m^2 + b0)/(m^2 - m_P^2 + i m_P Gamma_P)",
                                "[FORESEE:2021code] ALP-g; [Aloni:2018vki]")
        if "(mixing)" in label:
            return FactorSource("|theta_aP|^2 from the LO U(3) kinetic mixing of the decays (kaonportal.models."
                                "alp_hadronic); no pi0 angle for universal couplings",
                                "[Bauer:2017ris; Aloni:2018vki]; [NA62:2025fiphad] ALP production list")
    if name.startswith("hnl"):
        return FactorSource("BR(parent -> ... N) = Gamma(parent -> ... N)/Gamma_parent (U^2 times the SM-like width "
                            "with the HNL mass)", "[Bondarenko:2018hnl; Shrock:1981prd; HNLCalc:2024code]")
    return FactorSource(f"model.production_br[{label!r}]", _model_reference(mdl))


def _tabulated(mdl) -> bool:
    # only kaonportal.models.tabulated models name their dump mechanisms (yields.mechanism_jobs)
    return getattr(mdl, "dump_special_production", None) is not None


def _model_reference(mdl) -> str:
    ref = str(getattr(mdl, "reference", "") or "")
    return ref if references.find_keys(ref) or references.find_bracket_codes(ref) else \
        (ref or "model without a stated reference") + " (no bibliography key)"


# --- BR(X -> f) ---------------------------------------------------------------------------------------------------

_LEPTONIC = ("ee", "mumu")


def _br_source(mdl, channel: str) -> FactorSource:
    name = getattr(mdl, "name", "")
    base = "Gamma(X -> f)/Gamma_tot from the model's partial widths"
    if _tabulated(mdl):
        return FactorSource(base + " (the model file's tables)", _model_reference(mdl))
    if name.startswith("dark-photon"):
        if channel in _LEPTONIC:
            return FactorSource(base + "; Gamma(A' -> l l) = (eps^2 alpha m/3)(1 + 2 m_l^2/m^2) beta_l",
                                "[Ilten:2018crw] Eq. 2.13; Gamma_tot includes the hadronic widths (eps^2 alpha m/3) "
                                "R(m^2), [Ilten:2018crw] Eqs. 2.17-2.18 (kaonportal.models.rratio)")
        return FactorSource(base + "; Gamma(A' -> f) = (eps^2 alpha m/3) R_f(m^2), R_f from the R-ratio tables "
                            "(kaonportal.models.rratio: pi pi Gounaris-Sakurai, BaBar pi+pi-2pi0, K+K-pi0 and pi+pi-eta data)",
                            "[Ilten:2018crw] Eqs. 2.17-2.18; [BaBar:2017pipi2pi0; BaBar:2008kkpi0; BaBar:2018pipieta]")
    if name.startswith("dark-scalar"):
        if channel in _LEPTONIC:
            return FactorSource(base + "; Gamma(S -> l l) = theta^2 m_l^2 m/(8 pi v^2) beta_l^3",
                                "[Winkler:2018qyg; ScalarPortal:2019code]")
        return FactorSource(base + "; S -> pi pi, K K: dispersive widths (tables), S -> 4 pi: C m^3 phase space [U]",
                            "[Winkler:2018qyg; ScalarPortal:2019code]; [ALPINIST:2022code] S -> 4 pi")
    if name.startswith("alp"):
        if channel in _LEPTONIC:
            return FactorSource(base + "; Gamma(a -> l l) = g^2 m_l^2 m/(8 pi v^2) beta_l", "[Bauer:2017ris]")
        if channel == "gg":
            return FactorSource(base + "; Gamma(a -> gamma gamma) = 4 pi alpha^2 m^3 |C_gg^eff/Lambda|^2",
                                "[Bauer:2017ris]")
        return FactorSource(base + "; a -> 3 pi (LO chiral PT plus a -> eta*, eta'* -> 3 pi), a -> pi+ pi- gamma "
                            "(eta/eta' mixing x WZW box) (kaonportal.models.alp_hadronic)",
                            "[Bauer:2017ris] Sec. 3; [Aloni:2018vki]; [Gasser:1985eta3pi]; "
                            "[Wess:1971yu; Witten:1983tw]")
    if name.startswith("hnl"):
        return FactorSource(base + " (Majorana, x2 the Dirac-like widths)", "[Bondarenko:2018hnl]")
    return FactorSource(base, _model_reference(mdl))


# --- detector and common factors ------------------------------------------------------------------------------------

def _common_sources(mdl, setup: BeamDumpSetup, card: str) -> dict:
    z1, z2 = setup.decay_volume
    trig = ("A_trig = 1: no published efficiency of NA62's beam-dump trigger was found (taken as 1, stated)"
            if setup.trigger_efficiency == 1.0 else f"A_trig = {setup.trigger_efficiency:g} (set by the user)")
    return {
        "chi": FactorSource("chi = n_parent_per_pot x production_factor (sum of the Monte Carlo weights; X going "
                            "backwards included)", f"{_NA62_FORMULA}: chi = sum_M n_M/POT x BR(M -> X + ...)"),
        "p_decay": FactorSource(f"<exp(-l1/lambda) - exp(-l2/lambda)>, lambda = (p/m) c tau, l1, l2 the flight "
                                f"lengths to z = {z1:g}, {z2:g} m; c tau = hbar c/Gamma_tot of the model",
                                "[FORESEE:2021code] foresee.py; [FW HNLFunctions.cc]; [CEDARH] decay volume "
                                "105-180 m; Gamma_tot: " + _model_reference(mdl)),
        "a_acc": FactorSource(f"accepted/decayed in the window: detector card {card} (STRAW, MNP33, CHOD, LKr, MUV3 "
                              f"geometry and resolutions), p_track > {setup.p_track_min:g} GeV/c, E_gamma > "
                              f"{setup.e_photon_min:g} GeV, |m_reco - m| < {setup.mass_window_sigma:g} sigma_m, "
                              f"CDA_TAX < {setup.cda_tax_max:g} m, {setup.z_tax_window[0]:g} < Z_TAX < "
                              f"{setup.z_tax_window[1]:g} m, x BR(pi0/eta -> gamma gamma) and phase-space weights",
                              "[JINST17] detector; [S004] CDA_TAX vs Z_TAX signal boxes (+-3 sigma; their numbers "
                              "not published: cut values derived [D], kaonportal.beamdump.setup)"),
        "a_trig": FactorSource(trig, "[NA62:2023dpmumu; NA62:2024dpll] (no trigger efficiency stated)"),
        "n_expected": FactorSource("N_POT x chi x P_decay x BR(X -> f) x A_acc x eff x A_trig", _NA62_FORMULA),
    }


def _eff_source(channel: str, setup: BeamDumpSetup) -> FactorSource:
    """The per-channel trigger x identification x selection efficiency (:mod:`.efficiencies`); its entries in
    ``data/beamdump/selection_efficiencies.yaml`` are the cross-checks (a gap counts as 1)."""
    from .efficiencies import channel_efficiency, efficiency_factors

    eff = channel_efficiency(channel, setup)
    if channel in dict(setup.channel_efficiency):
        return FactorSource(f"eff = {eff:g} (set by the user for {channel})", "user choice (channel_efficiency)")
    factors = efficiency_factors(channel)["factors"]
    checks = tuple({"reference": f"selection_efficiencies.yaml {name}", "status": e.get("status"),
                    "source": f"[{e.get('source')}]", "value": e.get("value"), "factor_in_reference": "eff",
                    "comparison": "not published: counted as 1" if e.get("value") is None else f"used: {e['value']:g}"}
                   for name, e in factors.items())
    gaps = [name for name, e in factors.items() if e.get("value") is None]
    if not factors:
        return FactorSource(f"eff = {eff:g}: no efficiency entry for {channel} (counted as 1)",
                            f"{_NA62_FORMULA} (yield formula without a per-channel efficiency)")
    keys = "; ".join(dict.fromkeys(f"[{e.get('source')}]" for e in factors.values()))
    return FactorSource(f"eff = product of NA62's {', '.join(factors)} efficiencies of {channel} = {eff:g}"
                        + (f" ({', '.join(gaps)} not published: counted as 1)" if gaps else ""),
                        keys + " (searched)", checks)


def row_sources(mdl, label: str, parsed, channel: str, setup: BeamDumpSetup, a_scaling, mass: float,
                card: str = "na62-2022") -> dict[str, FactorSource]:
    """factor -> :class:`FactorSource` for one budget row (mechanism ``label``, final state ``channel``)."""
    kind = _kind(parsed)
    out = {"n_parent_per_pot": _parent_source(kind, parsed, setup, a_scaling, mass),
           "production_factor": _production_source(mdl, label, kind, mass),
           "eff": _eff_source(channel, setup),
           "br": _br_source(mdl, channel), **_common_sources(mdl, setup, card)}
    if kind in ("soft", "heavy"):
        fa, fa_src = _f_a_text(a_scaling) if kind == "soft" else ("f_A = 1 (heavy flavour: linear A-scaling)",
                                                                 "[SHiP:2019hnlsens]")
        out["a_factor_accepted"] = FactorSource("mean f_A of the parents of the accepted decays (report only, already "
                                                "inside n_parent_per_pot); " + fa, fa_src)
    checks = factor_checks(mdl, kind, label, setup, a_scaling, parsed[0] if isinstance(parsed, tuple) else None)
    return {k: FactorSource(s.formula, s.source, s.checks + checks.get(k, ())) for k, s in out.items()}
