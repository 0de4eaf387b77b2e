"""A yield budget that explains itself: every factor of

    N_exp = N_POT x chi x P_decay x BR(X -> f) x A_acc x A_trig

(NA62 EPJC 85 (2025) 571 via [S002] "hh final state studies"; [FORESEE:2021code; FW HNLFunctions.cc]) for
one (model, mass, coupling), per production mechanism and final state, computed from the *same* samples, random
streams and detector response as :func:`.yields.expected_events` on the one-cell grid (mass, coupling), so the
budget's N_exp is that grid's number exactly (tested).

Factors (definitions used here):

- ``n_parent_per_pot``: parent mesons per proton on target (:func:`.mesons.multiplicity_per_pot`: soft mesons
  normalised to the NA27 pi+ cross section, ``soft_meson_normalisation`` in the output); for
  bremsstrahlung / Primakoff, A' (a) per POT at unit coupling (the integral of the production density).
- ``production_factor``: BR(parent -> X ...) (meson decays), the mixing probability (``"P -> X"``), or
  coupling^2 (bremsstrahlung, Primakoff).
- ``chi``: X per POT = n_parent_per_pot x production_factor (X going backwards included).
- ``p_decay``: the mean over the X sample of exp(-l1/lambda) - exp(-l2/lambda), l1, l2 = flight lengths to the
  planes z1, z2 of the decay volume along each X direction ([FORESEE:2021code; FW HNLFunctions.cc]; geometry *not*
  required: an X that decays in the z window but misses the detector counts here and fails A_acc).
- ``br``: BR(X -> f) from the model.
- ``a_acc``: accepted / decayed-in-window, i.e. geometry, track and photon acceptance, pointing (CDA_TAX,
  Z_TAX) and vertex cuts, times BR(pi0/eta -> gamma gamma) and the phase-space weights of multi-body states.
- ``a_trig``: :attr:`.setup.BeamDumpSetup.trigger_efficiency`.
- ``f_A`` (report only, already inside ``n_parent_per_pot`` and ``chi``): the p-Cu factor of the parent mesons
  (:mod:`.nuclear`, ``a_scaling``), averaged over the accepted decays (column ``f_A(acc)``; ``a_factor_accepted``
  in the JSON), i.e. how much the forward nuclear suppression changes this row against pp collisions.
- ``eff``: the per-channel trigger x identification x selection efficiency of :mod:`.efficiencies` (the setup's
  ``channel_efficiency`` or NA62's published factors); ``efficiency_gaps`` names the factors that are gaps (counted
  as 1: not published in the material available).

Sources: every row carries ``sources`` (:func:`.budget_sources.row_sources`), per factor the formula, its source by
bibliography key and the cross-checks of ``data/beamdump/reference_yields.yaml`` with their status and how
kaonportal's number compares (status codes in ``source_status_codes``); the table prints them as numbered footnotes
(column ``src``).

``p_decay`` is the mean over *all* X, while the accepted X are the fast forward ones, so the two factors are
correlated; their product is exact. ``a_acc`` is a ratio of two Monte Carlo estimates (the accepted decays are
sampled at random points of the window with the density weights of :func:`.detection.decay_weights`): for very
short lifetimes (P_decay << 1e-6) its sampling error is large and it can come out above 1.
"""

from __future__ import annotations

__all__ = ["YieldBudget", "yield_budget", "parse_explain"]

import json
import textwrap
from dataclasses import dataclass, field

import numpy as np

from ..backend import block_rng
from ..errors import InputError
from ..kinematics import decay_probability
from .disagreements import stated_disagreements
from .budget_sources import FACTORS, STATUS_CODES, row_sources
from .detection import decay_weights, detect
from .efficiencies import channel_efficiency, efficiency_factors
from .eta_ratio import ETA_SPECTRA
from .mesons import check_a_scaling, multiplicity_per_pot, soft_normalisation_factor
from .production import _MIXTURES
from .setup import BeamDumpSetup
from .yields import (MECHANISM_GROUPS, _subset, check_channels, check_channels_open, check_n_per_mass, draw_sample,
                     mechanism_jobs, resolve_model)


def parse_explain(text: str) -> tuple[float, float]:
    """``"0.3,1e-6"`` -> (mass GeV, coupling); finite and positive, else InputError naming ``explain``.

    >>> parse_explain("0.3,1e-6")
    (0.3, 1e-06)
    """
    try:
        m, c = (float(x) for x in str(text).split(","))
    except ValueError:
        raise InputError("explain", f"expected MASS,COUPLING (GeV, model coupling), got {text!r}") from None
    if not (np.isfinite(m) and np.isfinite(c) and m > 0 and c > 0):
        raise InputError("explain", f"MASS and COUPLING must be finite and > 0, got {text!r}")
    return m, c


@dataclass
class YieldBudget:
    """Factors of the expected event count at one (mass, coupling); see the module docstring."""
    model: str
    coupling_name: str
    mass: float
    coupling: float
    pot: float
    ctau_m: float
    a_trig: float
    rows: list = field(default_factory=list)      # one dict per (mechanism, channel)
    skipped: tuple = ()
    soft_meson_normalisation: float = 1.0          # r_NA27 applied to the Pythia soft-meson yields
    a_scaling: object = "alpha"                    # p-Cu scaling of the soft-meson yields (.mesons)
    # known disagreements with NA62's results for this configuration: the same statements (one definition,
    # :func:`.analysis.stated_disagreements`) as on the contour's summary.json, so a total is never read unflagged
    stated_disagreements: list = field(default_factory=list)
    efficiencies: dict = field(default_factory=dict)      # channel -> eff, where it comes from, gaps (module doc)
    meson_transition_form_factor: str | None = None       # dark photon: "pole" or "none" (models.transition_ff)
    eta_ratio: str = "na27"       # eta spectrum: "na27" (reweighted to NA27's eta/pi0) or "pythia" (.eta_ratio)

    @property
    def n_expected(self) -> float:
        return float(sum(r["n_expected"] for r in self.rows))

    def as_dict(self) -> dict:
        return {"model": self.model, "coupling_name": self.coupling_name, "mass_gev": self.mass,
                "coupling": self.coupling, "n_pot": self.pot, "ctau_m": self.ctau_m, "a_trig": self.a_trig,
                "formula": "N_exp = N_POT x chi x P_decay x BR(X->f) x A_acc x A_trig",
                "soft_meson_normalisation": self.soft_meson_normalisation, "a_scaling": self.a_scaling,
                "rows": self.rows, "n_expected": self.n_expected,
                "ignored_production_channels": list(self.skipped),
                "channel_efficiencies": self.efficiencies,
                "meson_transition_form_factor": self.meson_transition_form_factor,
                "eta_ratio": self.eta_ratio, "eta_spectrum": ETA_SPECTRA[self.eta_ratio],
                "stated_disagreements": list(self.stated_disagreements),
                "source_status_codes": dict(STATUS_CODES)}

    def table(self) -> str:
        """Human-readable table (one line per mechanism and channel, then the total)."""
        head = (f"{self.model}: m = {self.mass:g} GeV, {self.coupling_name} = {self.coupling:g}, "
                f"c tau = {self.ctau_m:.3g} m, N_POT = {self.pot:.3g}, A_trig = {self.a_trig:g}; "
                f"soft mesons: Pythia x {self.soft_meson_normalisation:.3f} (NA27 pi+) x f_A, p-Cu scaling "
                f"{self.a_scaling!r}" + (" = A^alpha(x_F,p_T) sigma_pp/sigma_pCu [Bonesini:2001bmpt]"
                                         if self.a_scaling == "alpha" else ""))
        if self.meson_transition_form_factor:
            head += f"; meson transition form factors: {self.meson_transition_form_factor}"
        head += f"; eta spectrum: {ETA_SPECTRA[self.eta_ratio]}"
        cols = f"{'mechanism':32s} {'channel':10s} {'n_par/POT':>10s} {'BR':>10s} {'chi':>10s} " \
               f"{'P_decay':>10s} {'BR(X->f)':>10s} {'A_acc':>10s} {'eff':>6s} {'N_exp':>10s} {'f_A(acc)':>9s}  src"
        lines = [head, cols]
        row_notes, notes = _source_notes(self.rows)
        for r, src in zip(self.rows, row_notes):
            lines.append(f"{r['mechanism'][:32]:32s} {r['channel']:10s} {r['n_parent_per_pot']:10.3g} "
                         f"{r['production_factor']:10.3g} {r['chi']:10.3g} {r['p_decay']:10.3g} {r['br']:10.3g} "
                         f"{r['a_acc']:10.3g} {r.get('eff', 1.0):6.3g} {r['n_expected']:10.3g} " +
                         (f"{r['a_factor_accepted']:9.3g}" if r["a_factor_accepted"] is not None else f"{'-':>9s}")
                         + f"  {src}")
        flag = f"  ({len(self.stated_disagreements)} stated disagreement(s) with NA62 below)" \
            if self.stated_disagreements else ""
        lines.append(f"{'total':43s} {'':>61s} {self.n_expected:10.3g}{flag}")
        for ch, e in self.efficiencies.items():
            gaps = ", ".join(f"{g['factor']} ({g['status']}, [{g['source']}])" for g in e["gaps"])
            lines.append(f"eff({ch}) = {e['eff']:.3g} ({e['source']})"
                         + (f"; gaps counted as 1: {gaps}" if gaps else ""))
        lines += notes
        for k, note in enumerate(self.stated_disagreements, 1):
            lines.append(textwrap.fill(note, 118, initial_indent=f"stated disagreement {k}: ",
                                       subsequent_indent="  "))
        return "\n".join(lines)


#: table column of each budget factor (footnotes name the factor by its column)
_COLUMN = {"n_parent_per_pot": "n_par/POT", "production_factor": "BR", "chi": "chi", "p_decay": "P_decay",
           "br": "BR(X->f)", "a_acc": "A_acc", "eff": "eff", "a_trig": "A_trig", "n_expected": "N_exp",
           "a_factor_accepted": "f_A(acc)"}


def _source_notes(rows) -> tuple[list[str], list[str]]:
    """(src column per row, footnote lines): one numbered footnote per distinct (factor, formula, source, checks);
    a row's src column lists the footnotes that differ between rows, those shared by every row say so."""
    number: dict[str, int] = {}
    per_row = []
    for r in rows:
        ids = []
        for factor in FACTORS:
            s = r["sources"].get(factor)
            if s is not None:
                ids.append(number.setdefault(json.dumps([factor, s], sort_keys=True), len(number) + 1))
        per_row.append(ids)
    common = set.intersection(*map(set, per_row)) if per_row else set()
    labels = [",".join(str(i) for i in sorted(set(ids) - common)) or "-" for ids in per_row]
    lines = ["sources (src: the footnotes of a row; '(all rows)': shared by every row; keys: `kaonportal refs KEY`)"]
    for text, i in number.items():
        factor, s = json.loads(text)
        checks = "; ".join(f"{c['reference']} ({c['status']}, {c['source']}): {c['comparison']}" for c in s["checks"])
        body = (f"{_COLUMN[factor]}{' (all rows)' if i in common else ''}: {s['formula']}. Source: {s['source']}. "
                f"Cross-check: {checks or 'none in reference_yields.yaml'}.")
        lines.append(textwrap.fill(body, 118, initial_indent=f"{i:>3d} ", subsequent_indent="      "))
    return labels, lines


def _parent_yield(parsed, a_scaling, eta_ratio: str) -> float | None:
    if isinstance(parsed, str):
        return None
    parent = parsed[0]
    if parent == "tau+":
        return None
    return float(sum(multiplicity_per_pot(q, a_scaling, eta_ratio=eta_ratio)
                     for q in _MIXTURES.get(parent, (parent,))))


def yield_budget(model, mass: float, coupling: float, channels=("ee", "mumu"), *, pot: float = 1.4e17,
                 card="na62-2022", setup: BeamDumpSetup | None = None, n_per_mass: int = 5000, seed: int = 1,
                 mechanisms=MECHANISM_GROUPS, a_scaling="alpha", brems_pt_max: float = 1.0,
                 momentum_bias: float = 1.0) -> YieldBudget:
    """Budget of N_exp at (``mass`` GeV, ``coupling``), same arguments as :func:`.yields.expected_events`."""
    from ..detector import load_card

    mdl = resolve_model(model)
    m, c = float(mass), float(coupling)
    if not (np.isfinite(m) and np.isfinite(c) and c > 0):
        raise InputError("explain", f"mass and coupling must be finite and coupling > 0, got {m:g},{c:g}")
    mdl.check_mass(np.array([m]))
    if not (np.isfinite(pot) and pot >= 0):
        raise InputError("pot", f"must be a finite number >= 0, got {pot}")
    chan = check_channels(mdl, channels)
    check_channels_open(chan, m, "explain")
    check_a_scaling(a_scaling)          # validate before any simulation
    check_n_per_mass(n_per_mass)
    setup = (setup or BeamDumpSetup()).resolved(chan)
    card_obj = load_card(card)
    mechanisms = [mechanisms] if isinstance(mechanisms, str) else list(mechanisms)
    cc = np.array([c])
    brs = mdl.branching_ratios(m, cc)
    ctau = np.asarray(mdl.ctau_m(m, cc), float)
    jobs, skipped = mechanism_jobs(mdl, m, cc, mechanisms, setup)
    z1, z2 = setup.decay_volume
    card_name = getattr(card_obj, "name", str(card))
    rows = []
    for j, (label, parsed, factor) in enumerate(jobs):
        f = float(np.asarray(factor).ravel()[0])
        if not f > 0:
            continue
        rng = block_rng(seed, 0, stream=j)       # mass index 0 of a one-mass grid: same stream as the grid
        sample = draw_sample(parsed, m, n_per_mass, rng, setup, a_scaling=a_scaling, brems_pt_max=brems_pt_max,
                             momentum_bias=momentum_bias)
        if sample is None:
            continue
        w = sample.weight
        x_per_pot = float(w.sum())
        p = np.linalg.norm(sample.p4[:, 1:], axis=1)
        fwd = sample.p4[:, 3] > 0
        scale = np.where(fwd, p / np.where(fwd, sample.p4[:, 3], 1.0), np.inf)
        z0 = sample.vertex[:, 2]
        with np.errstate(invalid="ignore", over="ignore"):
            pdec = np.where(fwd, decay_probability(p, m, ctau[0], (z1 - z0) * scale, (z2 - z0) * scale), 0.0)
        decayed = float((w * pdec).sum())
        n_parent = _parent_yield(parsed, a_scaling, setup.eta_ratio)
        for ch, key in chan.items():       # every channel, in the grid's order: same random numbers
            det = detect(sample, ch, card_obj, setup, rng)
            sel = det.accept > 0
            br = float(np.asarray(brs[key]).ravel()[0])
            acc_dec, f_acc = 0.0, None
            if sel.any():
                wa = w[sel] * det.accept[sel] * decay_weights(_subset(det, sel), m, ctau)[:, 0]
                acc_dec = float(wa.sum())
                if sample.parent_a_factor is not None and acc_dec > 0:
                    f_acc = float((wa * sample.parent_a_factor[sel]).sum() / acc_dec)
            eff = channel_efficiency(ch, setup)
            n_exp = pot * f * br * setup.trigger_efficiency * eff * acc_dec
            rows.append({"mechanism": label, "channel": ch,
                         "n_parent_per_pot": n_parent if n_parent is not None else x_per_pot,
                         "production_factor": f, "chi": f * x_per_pot,
                         "p_decay": decayed / x_per_pot if x_per_pot > 0 else 0.0, "br": br,
                         "a_acc": acc_dec / decayed if decayed > 0 else 0.0,
                         "a_trig": setup.trigger_efficiency, "eff": eff, "n_expected": n_exp,
                         "a_factor_accepted": f_acc,
                         "sources": {k: v.as_dict() for k, v in row_sources(
                             mdl, label, parsed, ch, setup, a_scaling, m, card_name).items()}})
    return YieldBudget(mdl.name, mdl.coupling_name, m, c, float(pot), float(ctau[0]), setup.trigger_efficiency,
                       rows, tuple(sorted(skipped)), soft_normalisation_factor(), a_scaling,
                       stated_disagreements(mdl.name, list(chan), setup, getattr(mdl, "transition_form_factor", None)),
                       _efficiency_notes(chan, setup),
                       getattr(mdl, "transition_form_factor", None), setup.eta_ratio)


def _efficiency_notes(channels, setup: BeamDumpSetup) -> dict:
    """{channel: {"eff", "source": "setup" | "shipped", "gaps": [...]}} for the budget (see :mod:`.efficiencies`)."""
    override = dict(setup.channel_efficiency)
    out = {}
    for ch in channels:
        info = efficiency_factors(ch)
        out[ch] = {"eff": channel_efficiency(ch, setup), "source": "setup" if ch in override else "shipped",
                   "gaps": [] if ch in override else info["gaps"]}
    return out
