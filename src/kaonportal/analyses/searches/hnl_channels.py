"""HNL production channels and their normalisation: the channel table, the parent-decay count N_P (default and
its lower bound from the published curve), the signal acceptance and resolution, and the SM-peak normalisation.

Part of the HNL searches (:mod:`.hnl`: method, sources and outcome in its docstring).
"""

from __future__ import annotations

__all__ = ["HnlChannel", "CHANNELS", "RADIATIVE", "S_MIN_90CL", "default_n_parent", "n_parent_lower_bound",
           "signal_shape", "normalisation"]

import math
from dataclasses import dataclass

import numpy as np

from ...constants import BR_K, BR_PI, mass as pmass
from ...decays import branching_ratio
from ...decays.radiative import E_GAMMA_MIN_DEFAULT
from ...errors import InputError
from ...published import load_curve
from ...selection import load_selection
from ..samples import derive_seed
from .common import check_mass_grid, selection_columns, selection_weights, simulate_sample, weighted_quantile
from .lnv import kaon_decays_per_year, search_inputs

#: background decays generated as inner-bremsstrahlung tails above a photon-energy cut (decay option e_gamma_min)
RADIATIVE = ("K+ -> mu+ nu gamma",)


@dataclass(frozen=True)
class HnlChannel:
    """Fixed description of one HNL production channel."""

    decay: str
    normalisation: str
    lepton: str
    mass_range: tuple[float, float]          # GeV, [NA62:2020mcv; NA62:2021bji; NA62:2025csa]
    selection: str
    model: str
    backgrounds: tuple[tuple[str, bool], ...]  # (decay, muon decays in flight)
    published: tuple[str, ...]                 # shipped curves to compare with

    @property
    def parent(self) -> str:
        return self.decay.split("->")[0].strip()

    @property
    def column(self) -> str:
        return "m2miss_e" if self.lepton == "e+" else "m2miss_mu"

    def br(self, decay: str, e_gamma_min: float = E_GAMMA_MIN_DEFAULT) -> float:
        """Branching ratio of a background or normalisation decay; radiative (IB) modes above
        ``e_gamma_min`` (GeV, kaon frame) via :func:`kaonportal.decays.branching_ratio`."""
        if decay in RADIATIVE:
            return branching_ratio(decay, e_gamma_min)
        return BR_PI[decay] if decay.startswith("pi+") else BR_K[decay]

    @property
    def kinematic_max(self) -> float:
        return pmass(self.parent) - pmass(self.lepton)


CHANNELS = {
    "K+ -> e+ N": HnlChannel("K+ -> e+ N", "K+ -> e+ nu", "e+", (0.144, 0.462), "hnl-ke", "hnl-e",
                             (("K+ -> pi0 e+ nu", False), ("K+ -> mu+ nu", True), ("K+ -> pi+ pi0", False),
                              ("K+ -> e+ nu", False)),
                             ("NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData", "T2K_2019_Ue4sq_90CL_profiled_by_HNLimits")),
    "K+ -> mu+ N": HnlChannel("K+ -> mu+ N", "K+ -> mu+ nu", "mu+", (0.200, 0.384), "hnl-kmu", "hnl-mu",
                              (("K+ -> pi0 mu+ nu", False), ("K+ -> pi+ pi0", False), ("K+ -> mu+ nu", False),
                               ("K+ -> mu+ nu gamma", False)),
                              ("NA62_2021_Kp_to_muN_Umu4sq_90CL_HEPData", "E949_2015_Kp_to_muN_Umu4sq_90CL_digitized",
                               "T2K_2019_Umu4sq_90CL_profiled_by_HNLimits")),
    # parent decays in the FV: default_n_parent (inputs/hnl.yaml)
    "pi+ -> e+ N": HnlChannel("pi+ -> e+ N", "pi+ -> e+ nu", "e+", (0.095, 0.126), "hnl-pie", "hnl-e",
                              (("pi+ -> mu+ nu", True), ("pi+ -> e+ nu", False)),
                              ("NA62_2025_pip_to_eN_Ue4sq_90CL_digitized", "PIENU_2018_pip_to_eN_Ue4sq_90CL_HEPData")),
}


def default_n_parent(channel: str) -> tuple[float, str]:
    """(parent decays in the FV, origin) from ``data/searches/inputs/hnl.yaml``: a published value
    (pi+ -> e+ N, S002) or N_K of the search's years / trigger downscaling (K+ channels, D: 1 for
    K+ -> e+ N, 400 for K+ -> mu+ N; the argument, a lower bound from the published curve, is written in the
    YAML and computed by :func:`n_parent_lower_bound`).

    >>> default_n_parent("pi+ -> e+ N")
    (6500000000000.0, 'inputs/hnl.yaml: published value (status S)')
    >>> n, _ = default_n_parent("K+ -> e+ N"); round(n / 1e12, 3)   # 2.0e12 + 1.879e12, no downscaling
    3.879
    >>> n, _ = default_n_parent("K+ -> mu+ N"); round(n / 1e9, 2)   # (1.21e11 + 2.0e12 + 1.879e12) / 400
    10.0
    """
    spec = search_inputs("hnl")["n_parent"][channel]
    if "value" in spec:
        return float(spec["value"]), f"inputs/hnl.yaml: published value (status {spec['status']})"
    nk = kaon_decays_per_year()
    years = [int(y) for y in spec["years"]]
    d = float(spec["downscaling"])
    n = sum(nk[y] for y in years) / d
    trig = "no trigger downscaling" if d == 1 else f"control-trigger downscaling {d:g}"
    return n, (f"inputs/hnl.yaml: K+ decays {years[0]}-{years[-1]} ({sum(nk[y] for y in years):.3g}, "
               f"kaon_decays_per_year.yaml) / {trig} (status {spec['status']}: published N_K not found; "
               f"lower bound from the published curve in inputs/hnl.yaml)")


S_MIN_90CL = -math.log(0.1)
"""Smallest 90% CL upper limit on a Poisson signal mean: -ln(0.1) = 2.303 events (n = 0, b = 0). A CLs (or
flat-prior Bayesian) limit never falls below it, whatever n and b (at n = 0, CLs = exp(-s)); Feldman-Cousins
limits can (n = 0 with b > 0), so the bound below assumes a CLs-type limit (D)."""


def n_parent_lower_bound(channel: str, masses=None, *, card="na62-2022", seed: int = 0, n: int = 8000,
                         s_min: float = S_MIN_90CL, curve: str | None = None) -> dict:
    """Smallest number of parent decays for which the published |U|^2 curve can be a 90% CL upper limit (D).

    Argument (D, written here): a 90% CL upper limit needs at least ``s_min`` = 2.3 expected signal events
    (:data:`S_MIN_90CL`, zero background -- any background only raises it), so at every mass
    N_P >= s_min / (A(m) BR(P -> l N)(m, |U|^2_pub(m))) with BR = BR(P -> l nu) rho_l(m) |U|^2 (Shrock,
    :func:`kaonportal.models.hnl.shrock_factor`; N surviving the detector, the published lifetime assumption)
    and A(m) <= 1 the selection acceptance. A(m) is simulated directly at each mass (:func:`signal_shape`,
    no interpolation: it falls steeply near the kinematic end); the fast simulation has none of NA62's
    unmodelled inefficiencies (GTK matching, trigger, timing), so the simulated A over-estimates the real one
    and the bound is conservative (lower). ``curve``: shipped published curve (default: the channel's first).
    Returns masses, A, published |U|^2, BR and the per-mass bound ``n_min``.

    >>> b = n_parent_lower_bound("K+ -> mu+ N", [0.3], n=2000)
    >>> 1e7 < float(b["n_min"][0]) < 1e10
    True
    """
    from ...models.hnl import shrock_factor
    if channel not in CHANNELS:
        raise InputError("channel", f"unknown HNL channel {channel!r}; known: {', '.join(CHANNELS)}")
    if not float(s_min) > 0:
        raise InputError("s_min", f"must be > 0 events, got {s_min!r}")
    ch = CHANNELS[channel]
    c = load_curve(curve or ch.published[0])
    lo, hi = max(ch.mass_range[0], float(c.mass_gev.min())), min(ch.mass_range[1], float(c.mass_gev.max()))
    m = np.linspace(lo, hi, 12) if masses is None else check_mass_grid("masses", masses, [(lo, hi)])
    acc = signal_shape(ch, m, n, seed, card)["acceptance"]
    u2 = np.interp(m, c.mass_gev, c.limit)
    br = ch.br(ch.normalisation) * shrock_factor(m, pmass(ch.parent), pmass(ch.lepton)) * u2
    with np.errstate(divide="ignore"):
        n_min = np.where(acc > 0, float(s_min) / (acc * br), np.inf)
    return {"mass_gev": m, "acceptance": acc, "u2_published": u2, "br_published": br, "n_min": n_min,
            "s_min": float(s_min), "curve": c.source}


def signal_shape(ch: HnlChannel, masses, n: int, seed: int, card) -> dict:
    """Acceptance A_N(m) per parent decay in the FV and the m2miss resolution sigma(m) (GeV^2) at ``masses``."""
    sel = load_selection(ch.selection)
    acc, sig = [], []
    for m in masses:
        ev = simulate_sample(ch.decay, n, seed, card, sel.fiducial_z, mass=float(m),
                             columns=selection_columns(sel, [ch.column]))
        w, total = selection_weights(sel, ev)
        acc.append(float(w.sum() / total) if total > 0 else 0.0)
        q16, q84 = weighted_quantile(ev[ch.column] - m * m, w, [0.16, 0.84])
        sig.append(0.5 * (q84 - q16) if np.isfinite(q16) else np.nan)
    acc, sig = np.array(acc), np.array(sig)
    if not np.any(acc > 0):
        raise InputError("n_signal", f"no simulated {ch.decay} event passes {ch.selection}; increase n_signal")
    good = np.isfinite(sig) & (sig > 0)
    sig = np.where(good, sig, np.interp(masses, np.asarray(masses)[good], sig[good]))
    return {"mass_gev": np.asarray(masses, float), "acceptance": acc, "sigma_m2": sig}


def normalisation(ch: HnlChannel, n_parent_true: float, n: int, seed: int, card) -> dict:
    """SM peak: acceptance, expected and Poisson-fluctuated count, and N_parent measured from it."""
    sel = load_selection(ch.selection)
    ev = simulate_sample(ch.normalisation, n, seed, card, sel.fiducial_z, columns=selection_columns(sel, [ch.column]))
    w, total = selection_weights(sel, ev, region=sel.normalisation.region)
    a = float(w.sum() / total)
    if a <= 0:
        raise InputError("n_normalisation", f"no {ch.normalisation} event in the normalisation region")
    br = ch.br(ch.normalisation)
    expected = n_parent_true * br * a
    observed = int(np.random.default_rng(derive_seed(seed, "hnl norm " + ch.decay)).poisson(expected))
    if observed <= 0:
        raise InputError("n_parent", f"no {ch.normalisation} normalisation event expected: N_parent too small")
    n_meas = observed / (br * a)
    return {"decay": ch.normalisation, "acceptance": a, "br": br, "expected": expected, "observed": observed,
            "n_parent_measured": n_meas, "n_parent_error": n_meas / math.sqrt(observed), "n_parent_input": n_parent_true}
