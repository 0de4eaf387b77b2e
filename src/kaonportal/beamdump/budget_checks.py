"""Independent cross-checks of the beam-dump yield budget's factors: the entries of
``data/beamdump/reference_yields.yaml`` that apply to a budget row, with their status and how kaonportal's number
compares (computed here where the entry carries a number). Used by :mod:`.budget_sources`.
"""

from __future__ import annotations

__all__ = ["STATUS_CODES", "factor_checks"]

import math
from functools import lru_cache

from .brems import sigma_pp_mb
from .mesons import load_tables, reference_yields, soft_normalisation_factor
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


def _compare(name: str, e: dict, mdl, setup: BeamDumpSetup) -> str:
    """How kaonportal's number compares with reference entry ``name`` (one phrase)."""
    v = e.get("value")
    if e.get("status") == "gap" or v is None:
        return "no number: unchecked"
    if name == "pp_to_piplus_sigma_mb":
        return (f"normalisation by construction: Pythia's {_pythia_piplus_mb():.1f} mb scaled to {v:g} mb "
                f"(r_NA27 = {soft_normalisation_factor():.3f})")
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
        from ..models import get_model
        point_like = get_model(mdl.name, transition_form_factor="none") \
            if getattr(mdl, "transition_form_factor", "none") != "none" else mdl
        br = float(point_like.production_br(e["mass_gev"], 1e-3)[f"{e['parent']} -> gamma A'"])
        return (f"point-like (F = 1) at m = {e['mass_gev']:g} GeV, eps = 1e-3: {br:.4g} here vs {v:.4g} "
                f"(ratio {br / v:.4f})")
    if name == "decay_volume_start_m":
        z1 = setup.decay_volume[0]
        return f"window starts at z1 = {z1:g} m, {z1 - v:+.2f} m from the vessel start {v:g} m"
    return "stated in reference_yields.yaml; not compared by the budget"


def _applies(name: str, e: dict, kind: str, mdl, label: str, a_scaling) -> bool:
    soft_tables = kind in ("soft", "primakoff")
    if name in ("pp_to_piplus_sigma_mb", "eta_omega_phi_etaprime"):
        return soft_tables
    if name == "pcu_forward_alpha":
        return soft_tables and a_scaling == "alpha"
    if name in ("sigma_pp_total_parametrisation", "a_per_pot_400gev"):
        return kind == "brems"
    if "parent" in e:
        return getattr(mdl, "name", "").startswith("dark-photon") and label == f"{e['parent']} -> gamma A'"
    return True        # selection entries hold for every row; a new entry is shown until it is classified here


def factor_checks(mdl, kind: str, label: str, setup: BeamDumpSetup, a_scaling) -> dict[str, tuple]:
    """factor -> cross-check dicts (reference, status, source, value, factor_in_reference, comparison) of the
    ``reference_yields.yaml`` entries that apply to a row of parent ``kind`` (:func:`.budget_sources.row_sources`)
    and production mechanism ``label``."""
    out: dict[str, list] = {}
    for block in reference_yields().values():
        for name, e in block.items():
            if not _applies(name, e, kind, mdl, label, a_scaling):
                continue
            factor = str(e["factor"]).split()[0]
            if kind == "brems" and factor == "chi":
                # the budget prints the bremsstrahlung rate at unit coupling as n_parent_per_pot (chi = eps^2 x it)
                factor = "n_parent_per_pot"
            out.setdefault(factor, []).append({"reference": name, "status": e["status"], "source": f"[{e['source']}]",
                                               "value": e.get("value"), "factor_in_reference": e["factor"],
                                               "comparison": _compare(name, e, mdl, setup)})
    return {k: tuple(v) for k, v in out.items()}
