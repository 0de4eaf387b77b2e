"""Independent cross-checks of the beam-dump yield budget's factors: the entries of
``data/beamdump/reference_yields.yaml`` that apply to a budget row, with their status and how kaonportal's number
compares (computed here where the entry carries a number). Used by :mod:`.budget_sources`.

An entry with a ``quantity`` names the kaonportal number it checks (:func:`check_quantity`) and the rows it belongs
to (its ``model``, mechanism ``label``, heavy-flavour ``run`` or ``parent``): QQbar pairs per POT against SHiP's
chi_QQ [SHiP:2019hnlsens], B and D mesons per pair against measured or NA62-framework fragmentation fractions,
lifetimes against FORESEE / ALPINIST tables, production widths against scalar_portal and the HNL formulas, V -> P A'
against the point-like V P gamma* (Landsberg) kinematics [Landsberg:1985tff], the A'-V mixing couplings against the
measured Gamma(V -> e+ e-). The comparison says "agrees" within 5 % and otherwise states the difference: the
numbers are never tuned to the reference.
"""

from __future__ import annotations

__all__ = ["STATUS_CODES", "check_quantity", "factor_checks", "qq_pairs_per_pot"]

import math
from functools import lru_cache

from ..constants import BR_OMEGA_PI0G, BR_PHI_ETAG, width_gev
from . import eta_ratio
from .brems import brems_yield_per_pot, sigma_pp_mb
from .mesons import (CU_TARGET, HEAVY_MESONS, SIGMA_QQ_PER_NUCLEON_MB, load_tables, multiplicity_per_pot,
                     reference_yields, soft_normalisation_factor)
from .nuclear import SQRT_S_GEV, alpha_xf_pt
from .setup import BeamDumpSetup

#: status codes of the cross-check entries (the headers of the two reference files)
STATUS_CODES = {"V": "verified in the source text", "R": "attributed, not re-read", "L": "peer code or literature "
                "table", "C": "computed from the cited formula", "S": "talk or proceedings", "F": "only in a figure",
                "gap": "searched for and not found: the factor stays unchecked"}


@lru_cache(maxsize=1)
def _pythia_piplus_mb() -> float:
    # sigma(pp -> pi+ X) of the shipped Pythia tables, mb (the denominator of r_NA27)
    t = load_tables()
    return t.extra_counts["pi+"] / t.n_events["soft"] * float(t.meta["soft_sigma_gen_mb"])


#: BR(V -> P gamma) the dark-photon model multiplies its V -> P A' kinematic factor with (kaonportal.constants)
_BR_V_TO_P_GAMMA = {"omega -> pi0 A'": BR_OMEGA_PI0G, "phi -> eta A'": BR_PHI_ETAG}
#: relative difference above which a comparison is called a disagreement in the explain text
_AGREE = 0.05


def qq_pairs_per_pot(run: str) -> float:
    """QQbar pairs per proton on the copper dump, A sigma_QQ(per nucleon)/sigma_inel(p Cu) (:mod:`.mesons`)."""
    return CU_TARGET["A"] * SIGMA_QQ_PER_NUCLEON_MB[run] / CU_TARGET["sigma_inel_pA_mb"]


def _point_like(mdl):
    # check values are the point-like vertex: the dark-photon model's F = 1 variant (a no-op for other models)
    from ..models import get_model
    return get_model(mdl.name, transition_form_factor="none") \
        if getattr(mdl, "transition_form_factor", "none") != "none" else mdl


#: what "here" is when the checked number is not the budget table's own (the same quantity, another MC estimate)
_BREMS_POINTS = 200_000
_HERE = {"brems_per_pot": f"here (kaonportal's point-like rate from a separate {_BREMS_POINTS:.0e}-event integral, "
                          "seed 0; the table's n_par/POT is this run's own sample of the same quantity, with its "
                          "n_per_mass events and form factor, at the budget's mass)"}


@lru_cache(maxsize=8)
def _brems_per_pot(mass: float) -> float:
    # the point-like Bluemlein-Brunner rate at eps = 1 with kaonportal's default z and p_T ranges (fixed seed)
    return brems_yield_per_pot(mass, form_factor="none", n=_BREMS_POINTS)


def check_quantity(e: dict, mdl=None) -> float:
    """kaonportal's number for a reference entry with a ``quantity`` (the units of the entry's ``value``)."""
    q = e["quantity"]
    if q == "qq_per_pot":
        return qq_pairs_per_pot(e["run"])
    if q == "meson_fraction":
        # heavy mesons per QQbar pair (per Q quark with per_quark)
        run = e.get("run", "beauty")
        per_pair = sum(multiplicity_per_pot(s) for s in e["species"]) / qq_pairs_per_pot(run)
        return per_pair / 2 if e.get("per_quark") else per_pair
    if q == "ctau_m":
        return float(mdl.ctau_m(e["mass_gev"], e["coupling"]))
    if q == "width_gev":
        return float(mdl.production_br(e["mass_gev"], 1.0)[e["label"]]) * width_gev(e["parent"])
    if q == "production_br":
        return float(mdl.production_br(e["mass_gev"], e["coupling"])[e["label"]])
    if q == "v_to_p_kinematics":
        eps = 1e-3
        br = float(_point_like(mdl).production_br(e["mass_gev"], eps)[e["label"]])
        return br / (eps ** 2 * _BR_V_TO_P_GAMMA[e["label"]])
    if q == "brems_per_pot":
        return _brems_per_pot(float(e["mass_gev"]))
    if q == "vmd_coupling":
        from .mixing import G_V
        return abs(G_V[e["meson"]])
    raise ValueError(f"unknown check quantity {q!r}")


def _compare_quantity(e: dict, mdl) -> str:
    ours, v = check_quantity(e, mdl), float(e["value"])
    # expected_ratio: a known, sourced difference of setup between the reference and kaonportal (e.g. target)
    expect = float(e.get("expected_ratio", 1.0))
    r = ours / v / expect
    at = f" at m = {e['mass_gev']:g} GeV" if "mass_gev" in e else ""
    verdict = "agrees" if abs(r - 1) <= _AGREE else f"DISAGREES by {100 * (r - 1):+.0f} % (stated, not tuned)"
    if "band" in e:
        # a reference with its own uncertainty band (a different model: only the band is like for like)
        lo, hi = (float(x) for x in e["band"])
        verdict = (f"{100 * (r - 1):+.0f} % from its central value, "
                   + ("inside" if lo <= ours <= hi else "OUTSIDE") + f" its band {lo:.3g}-{hi:.3g}")
    exp = f", {r:.3f} of the expected {expect:g}" if expect != 1.0 else ""
    here = _HERE.get(e["quantity"], "here")
    return f"{e['quantity']}{at}: {ours:.4g} {here} vs {v:.4g} (ratio {ours / v:.3f}{exp}; {verdict})"


def _compare(name: str, e: dict, mdl, setup: BeamDumpSetup) -> str:
    """How kaonportal's number compares with reference entry ``name`` (one phrase)."""
    v = e.get("value")
    if e.get("status") == "gap" or v is None:
        return "no number: unchecked"
    if "quantity" in e:
        return _compare_quantity(e, mdl)
    if name == "pp_to_piplus_sigma_mb":
        return (f"normalisation by construction: Pythia's {_pythia_piplus_mb():.1f} mb scaled to {v:g} mb "
                f"(r_NA27 = {soft_normalisation_factor():.3f})")
    if name == "na27_eta_to_pi0_vs_pt":
        c = eta_ratio.comparison()
        at = {round(float(x), 2): (float(y), float(r)) for x, y, r in zip(c["pt"], c["na27"], c["pythia"])}
        pts = "; ".join(f"p_T {x:g}: {at[x][0]:.3f} there, Pythia {at[x][1]:.3f}" for x in (0.39, 0.5, 0.97))
        fix = (f"reweighted to NA27 per p_T (eta multiplicity x{c['multiplicity_factor']:.2f} in pp; "
               "kaonportal.beamdump.eta_ratio)")
        use = (f"the eta table is {fix}" if getattr(setup, "eta_ratio", "na27") == "na27"
               else f"NOT corrected here (eta_ratio='pythia': the raw eta table; the default is {fix})")
        # NA27's variable is not established (eta_ratio docstring): every model fed by the eta table (the dark photon,
        # the ALPs' eta mixing) carries the other reading's numbers here, not only the dark photon's stated note
        alt = eta_ratio.comparison(reading="xf_integrated_invariant")
        reading = (f"NA27's ratio read as {eta_ratio.NA27_READINGS[c['reading']].split(' (')[0]}; which cross section "
                   f"it is of is not established: read as x_F-integrated E d3sigma/dp3, chi2 {alt['chi2']:.0f} and "
                   f"eta multiplicity x{alt['multiplicity_factor']:.2f} in pp")
        return f"Pythia's eta/pi0 DISAGREES (chi2 {c['chi2']:.0f} for {c['n']} points; {pts}; {reading}): {use}"
    if name == "pcu_forward_alpha":
        a0, a5 = float(alpha_xf_pt(0.0, 0.0)), float(alpha_xf_pt(0.5, 0.5))
        return (f"the coefficients used; alpha(0, 0) = {a0:.4f}, alpha(0.5, 0.5) = {a5:.4f} "
                "(check values 0.7252, 0.5472)")
    if name == "sigma_pp_total_parametrisation":
        s = SQRT_S_GEV ** 2
        x = v["s1"] / s
        # the COMPETE-form fit of the entry, sigma = Z + B ln^2(s/s0) + Y1 (s1/s)^eta1 - Y2 (s1/s)^eta2 (mb, GeV^2)
        ref = (v["Z"] + v["B"] * math.log(s / v["sqrt_s0"] ** 2) ** 2 + v["Y1"] * x ** v["eta1"]
               - v["Y2"] * x ** v["eta2"])
        ours = float(sigma_pp_mb(s))
        return f"sigma_pp(400 GeV/c) = {ours:.2f} mb here, {ref:.2f} mb there (ratio {ours / ref:.4f})"
    if "mass_gev" in e and "parent" in e:
        # the check values are the point-like formula: compared with the model's F = 1 variant (the row's own
        # factor carries |F(m^2)|^2 on top, stated in its formula)
        br = float(_point_like(mdl).production_br(e["mass_gev"], 1e-3)[f"{e['parent']} -> gamma A'"])
        return (f"point-like (F = 1) at m = {e['mass_gev']:g} GeV, eps = 1e-3: {br:.4g} here vs {v:.4g} "
                f"(ratio {br / v:.4f})")
    if name == "decay_volume_start_m":
        z1 = setup.decay_volume[0]
        return f"window starts at z1 = {z1:g} m, {z1 - v:+.2f} m from the vessel start {v:g} m"
    return "stated in reference_yields.yaml; not compared by the budget"


def _applies_quantity(e: dict, kind: str, mdl, label: str, parent) -> bool:
    q, name = e["quantity"], getattr(mdl, "name", "")
    if q == "qq_per_pot":
        return kind == "heavy" and HEAVY_MESONS.get(parent, "beauty" if parent == "B" else None) == e["run"]
    if q == "meson_fraction":
        return kind == "heavy" and parent == e["parent"]
    if q == "ctau_m":
        return name.startswith(e["model"])
    if q == "brems_per_pot":
        return kind == "brems"
    if q in ("v_to_p_kinematics", "vmd_coupling"):
        return name.startswith("dark-photon") and label == e["label"]
    return name.startswith(e["model"]) and label == e["label"]


def _applies(name: str, e: dict, kind: str, mdl, label: str, a_scaling, parent=None) -> bool:
    if "quantity" in e:
        return _applies_quantity(e, kind, mdl, label, parent)
    soft_tables = kind in ("soft", "primakoff")
    if name in ("pp_to_piplus_sigma_mb", "eta_omega_phi_etaprime"):
        return soft_tables
    if name == "pcu_forward_alpha":
        return soft_tables and a_scaling == "alpha"
    if name == "na27_eta_to_pi0_vs_pt":
        return kind == "soft" and parent == "eta"
    if name in ("sigma_pp_total_parametrisation", "a_per_pot_400gev"):
        return kind == "brems"
    if "parent" in e:
        return getattr(mdl, "name", "").startswith("dark-photon") and label == f"{e['parent']} -> gamma A'"
    return True        # selection entries hold for every row; a new entry is shown until it is classified here


def factor_checks(mdl, kind: str, label: str, setup: BeamDumpSetup, a_scaling, parent=None) -> dict[str, tuple]:
    """factor -> cross-check dicts (reference, status, source, value, factor_in_reference, comparison) of the
    ``reference_yields.yaml`` entries that apply to a row of parent ``kind`` (:func:`.budget_sources.row_sources`)
    and production mechanism ``label`` (``parent``: the parent meson of a meson-decay row)."""
    out: dict[str, list] = {}
    for block in reference_yields().values():
        for name, e in block.items():
            if not _applies(name, e, kind, mdl, label, a_scaling, parent):
                continue
            factor = str(e["factor"]).split()[0]
            if kind == "brems" and factor == "chi":
                # the budget prints the bremsstrahlung rate at unit coupling as n_parent_per_pot (chi = eps^2 x it)
                factor = "n_parent_per_pot"
            out.setdefault(factor, []).append({"reference": name, "status": e["status"], "source": f"[{e['source']}]",
                                               "value": e.get("value"), "factor_in_reference": e["factor"],
                                               "comparison": _compare(name, e, mdl, setup)})
    return {k: tuple(v) for k, v in out.items()}
