"""Heavy neutral leptons: peak scans in K+ -> e+ N, K+ -> mu+ N and beam pi+ -> e+ N, limits on |U_l4|^2.

Method ([NA62:2020mcv; NA62:2021bji; NA62:2025csa]; [S002]):

* m2miss = (P_parent - P_lepton)^2 (GTK parent, STRAW lepton, lepton mass hypothesis): simulated
  column ``m2miss_e`` / ``m2miss_mu``; selection ``hnl-ke`` / ``hnl-kmu`` / ``hnl-pie`` (single track,
  lepton identification as a weight, photon veto).
* Normalisation on the SM peak P+ -> l+ nu (``normalisation`` region of the selection): the expected
  count N_P BR(P -> l nu) A_norm is Poisson-fluctuated with the run's seed (the "measured" peak) and
  gives N_P back, N_P = N_norm / (BR A_norm) (same form as N_K of ``normalisation.ses``).
* Signal acceptance A_N(m) and the m2miss resolution sigma(m) (half the 16-84 % weighted interval of
  m2miss - m^2) from simulated P -> l N at a few masses, interpolated linearly in mass;
  SES(m) = 1 / (N_P A_N(m) eps_trig).
* Background: simulated SM decays with their BR (``constants.BR_K`` / ``BR_PI``) and the card's
  mis-identification and veto probabilities, as a weighted kernel density in m2miss (Silverman bandwidth,
  :func:`background_model`); the expected background in each window is its integral, with the simulation
  statistics as an uncertainty; pseudo-data are Poisson draws per bin (or a user candidate file).
  Muon decays in flight (mu+ -> e+ nu nubar before STRAW1, the muon background of the positron modes:
  S004 section 3, Fig. 3 caption, from PLB 807 (2020) 135599) are importance-sampled with forced decays
  (:func:`muon_dif_pieces`). mu+ -> e+ mis-identification: the card value is a placeholder (D); by default
  the RICH x calorimeter/MUV3 suppression of mu -> pi is used instead (:func:`muon_as_electron`).
  Muon mode: K+ -> mu+ nu gamma (inner bremsstrahlung above E_gamma* = 10 MeV, ``decays``
  "K+ -> mu+ nu gamma", BR = radiative_fraction x BR(K+ -> mu+ nu), photon vetoed with the simulation's
  photon-veto weight), the major background of K+ -> mu+ nu_H at E949 (PRD 91 (2015) 052001, abstract);
  inputs/hnl.yaml states the photon-energy cut and the (0.7 %, harmless) double counting with K+ -> mu+ nu.
  Accidental beam-track association (K+ channels, :mod:`.accidentals`): every background gets a copy with
  the GTK track redrawn from the beam profile, weight p_mis (1.3 % at 450 MHz, [FW] MVA matching tool V,
  scaled with the card's beam rate, D), with m2miss, CDA and vertex recomputed; the beam and fiducial-z cuts
  act on it, the CDA cut does not (p_mis is the mismatch rate after the tool's own CDA matching: D,
  :data:`ACCIDENTAL_SKIP`).
  Not modelled: beam-halo muons and decays upstream of GTK3 (they would need the halo-muon flux and
  momentum/angle spectrum in the decay volume and the upstream-decay rate seen by the single-track trigger,
  none of which is in shared/ or readable here), non-Gaussian tails of the GTK/STRAW response.
* Peak scan (:func:`kaonportal.stats.peak_scan`) over m_N^2 in the m2miss variable, then
  |U_l4|^2 limits through the portal model (:func:`kaonportal.models.convert.coupling_limit`, production
  BR(P -> l N) = BR(P -> l nu) rho_l(m_N) |U|^2, Shrock; N required to survive the detector: published
  lifetime assumption tau_N > 50 ns, [NA62:2020mcv; NA62:2021bji; NA62:2025csa]).

Normalisation defaults (``data/searches/inputs/hnl.yaml``, sources and status there): beam pi+ decays
N_pi = 6.5e12 ([NA62:2025csa] pi+ -> e+ N, S002). For the K+ channels the published N_K is **not found**
([NA62:2020mcv; NA62:2021bji; NA62:2025csa]): the default is the number of K+ decays of the search's data-taking years
(``inputs/kaon_decays_per_year.yaml``: 2016 V, 2017 S, 2018 D), undownscaled for K+ -> e+ N (3.879e12) and
divided by the control-trigger downscaling 400 (D placeholder of the pnn selection) for K+ -> mu+ N (1.0e10);
override ``n_parent`` or scale with ``n_scale``. Argument (D, :func:`n_parent_lower_bound`, tested): a 90 % CL
limit needs >= 2.3 signal events, so N_K >= 2.3 / (A(m) BR(K+ -> l+ N)(m, |U|^2_published(m))). For K+ -> e+ N
the bound is 6.8e9 (at ~200 MeV): N_K/400 = 9.7e9 would need >= 70 % of our idealised acceptance and *no*
background, while the simulated K+ -> mu+ nu (mu+ -> e+ in flight) and K+ -> pi0 e+ nu backgrounds put
1e2-1e4 events in each window at N_K/400 (even the -2 sigma expected band is 8x above the published curve):
a downscaled trigger cannot give the published limit. For K+ -> mu+ N, N_K/400 is 17x above its bound
(5.9e8), consistent with a muon search on the downscaled control trigger.

Cards (:mod:`.datasets`): :func:`hnl_section` runs each K+ channel with the card of its data-taking years
(``cards``, inputs/hnl.yaml: na62-2018 for both), pi+ -> e+ N (2017-24 data, mostly 2021-24) with na62-2022;
a run's top-level ``card:`` replaces all of them unless the user set ``cards`` for that channel.

Outcome (defaults, seed 0; no tuning; na62-2018 and na62-2022 cards agree within 1 %): expected median
|U|^2 / published (median over masses) K+ -> e+ N 0.70 (0.704; 10-90 % of masses 0.41-1.14); K+ -> mu+ N
0.68 (0.676; 0.38-1.21; it was 0.04-0.5 before K+ -> mu+ nu gamma, which is now 10x all other backgrounds in
the scan range); pi+ -> e+ N ~0.25 (unchanged). Re-measured after the accidental copy stopped taking the CDA
cut (:data:`ACCIDENTAL_SKIP`): before, 0.702 and 0.674 (the accidental sources grow by ~10 % for K+ -> mu+ N
and, for K+ -> mu+ nu in the positron mode, by 1.8x, but stay ~2 % of the total background).

>>> sorted(CHANNELS)
['K+ -> e+ N', 'K+ -> mu+ N', 'pi+ -> e+ N']
>>> CHANNELS["pi+ -> e+ N"].mass_range
(0.095, 0.126)
"""

from __future__ import annotations

__all__ = ["HnlChannel", "HnlConfig", "CHANNELS", "RADIATIVE", "S_MIN_90CL", "n_parent_lower_bound",
           "channel_mismatch", "signal_shape", "normalisation", "background_model", "window_background",
           "default_n_parent", "muon_as_electron", "muon_dif_pieces", "check_hnl_inputs", "ACCIDENTAL_SKIP",
           "hnl_scan", "hnl_section"]

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ...constants import BR_K, BR_PI, mass as pmass
from ...decays import branching_ratio
from ...decays.radiative import E_GAMMA_MIN_DEFAULT
from ...detector import load_card, pid_weights
from ...errors import InputError
from ...report.style import published_label
from ...models import get_model
from ...models.convert import coupling_limit
from ...published import load_curve
from ...selection import load_selection
from ...stats import peak_scan
from ...stats.kernel_sums import KernelSet
from ..samples import derive_seed
from .accidentals import accidental_pairing, mismatch_probability
from ..agreement import agreement_of_curve, band_note
from .datasets import SEARCH_DATA, data_used, resolve_card
from .common import (check_mass_grid, load_search_config, mass_grid, plot_limit_curves, read_candidates,
                     selection_columns, selection_weights, simulate_sample, weighted_quantile, write_curve)
from .lnv import kaon_decays_per_year, search_inputs

BANDS = ("minus2", "minus1", "median", "plus1", "plus2")

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


def muon_as_electron(card, p, model: str | float = "rich_x_calo") -> np.ndarray:
    """P(mu+ identified as e+) at momentum ``p`` (GeV/c).

    ``"card"``: the card's ``pid.muon_as_electron`` (placeholder D); a number: that probability;
    ``"rich_x_calo"`` (default, inputs/hnl.yaml): the card's mu -> pi suppression (RICH factor
    ``muon_as_pion_rich`` inside [rich_p_min, rich_p_max], 1 outside, times ``muon_as_pion_calo``), taken from
    the detector's own PID response :func:`kaonportal.detector.response.pid_weights` for a true mu+.

    >>> from kaonportal.detector import load_card
    >>> [float(f"{x:.3g}") for x in muon_as_electron(load_card("na62-2018"), np.array([20.0, 40.0]))]
    [1e-07, 1e-05]
    >>> [float(f"{x:.3g}") for x in muon_as_electron(load_card("na62-2022"), np.array([40.0, 50.0]))]
    [1e-07, 1e-05]
    """
    p = np.asarray(p, float)
    c = card.pid
    if isinstance(model, str) and model == "card":
        return np.full(p.shape, c.muon_as_electron)
    if isinstance(model, str) and model == "rich_x_calo":
        return pid_weights(np.full(p.shape, -13), p, card)[0]
    if isinstance(model, str):
        raise InputError("muon_as_electron", f"unknown model {model!r}; use 'card', 'rich_x_calo' or a probability")
    if not 0.0 <= float(model) <= 1.0:
        raise InputError("muon_as_electron", f"must be in [0, 1], got {model!r}")
    return np.full(p.shape, float(model))


def _check_channel_keys(keys, allowed=None) -> None:
    """ValueError (a pydantic validation message) naming the keys that are not in ``allowed`` (default: every
    channel); an unknown key would otherwise be silently ignored."""
    allowed = list(CHANNELS) if allowed is None else list(allowed)
    bad = [c for c in keys if c not in allowed]
    if bad:
        raise ValueError(f"unknown channel(s) {bad} (allowed here: {allowed})")


class HnlConfig(BaseModel):
    """Configuration of the HNL searches (one block for all channels)."""

    model_config = ConfigDict(extra="forbid")
    channels: list[str] = Field(default_factory=lambda: list(CHANNELS))
    n_parent: dict[str, float] = Field(default_factory=dict, description="decays in the FV per channel; "
                                       "default inputs/hnl.yaml: [NA62:2020mcv; NA62:2021bji; NA62:2025csa] (pi+, S) or N_K of the search years, "
                                       "undownscaled (K+ -> e+ N) or / 400 (K+ -> mu+ N) (D)")
    n_scale: float = Field(1.0, gt=0, description="projections: parent decays x n_scale")
    eps_trig: float = Field(1.0, gt=0, le=1, description="trigger efficiency (not found: 1, D)")
    mass_step: dict[str, float] = Field(default_factory=lambda: {"K+ -> e+ N": 0.002, "K+ -> mu+ N": 0.002,
                                                                 "pi+ -> e+ N": 0.0005})
    masses: dict[str, list[float]] | None = Field(None, description="explicit mass grids (GeV) per channel")
    n_signal_masses: int = Field(8, ge=3, description="simulated signal masses per channel")
    n_signal: int = Field(20_000, ge=1000, description="simulated events per signal mass")
    n_background: dict[str, int] = Field(default_factory=lambda: {"K+ -> e+ N": 200_000, "K+ -> mu+ N": 200_000,
                                                                  "pi+ -> e+ N": 500_000},
                                         description="simulated events per background decay, per channel "
                                                     "(pi+ -> e+ N: mu+ -> e+ decays in flight are rare)")
    n_normalisation: int = Field(40_000, ge=1000)
    window: float = Field(1.5, gt=0, description="counting window half-width in sigma")
    cl: float = Field(0.9, gt=0, lt=1)
    candidates_file: dict[str, str] = Field(default_factory=dict, description="observed m2miss per channel (CSV)")
    inject: dict[str, list[float]] = Field(default_factory=dict,
                                           description="channel -> [mass GeV, signal events]: add a peak to pseudo-data")
    ntoys: int = Field(0, ge=0, description="toys for the global significance (0: Sidak correction)")
    muon_as_electron: str | float = Field(
        default_factory=lambda: search_inputs("hnl")["muon_as_electron"]["model"],
        description="mu+ -> e+ mis-identification: 'rich_x_calo' (default, D, inputs/hnl.yaml), 'card' "
                    "(card placeholder 1e-4) or a probability")
    forced_decays: bool = Field(default_factory=lambda: bool(search_inputs("hnl")["forced_decays"]),
                                description="importance-sample muon decays in flight (forced decays)")

    @field_validator("n_parent", "mass_step", "n_background")
    @classmethod
    def _check_per_channel(cls, v, info):
        # an unknown channel key would be silently ignored; a non-positive or NaN value fails deep inside the
        # scan (rng.poisson, mass_grid), after other channels ran
        _check_channel_keys(v)
        for c, x in v.items():
            if not (math.isfinite(x) and x > 0):
                raise ValueError(f"{info.field_name}[{c!r}] must be finite and > 0, got {x!r}")
        return v

    @field_validator("cards")
    @classmethod
    def _check_cards(cls, v):
        _check_channel_keys(v)
        return v

    @field_validator("accidentals")
    @classmethod
    def _check_acc(cls, v):
        _check_channel_keys(v, [c for c in CHANNELS if c.startswith("K+")])
        return v

    @field_validator("muon_as_electron")
    @classmethod
    def _check_misid(cls, v):
        if isinstance(v, str) and v not in ("card", "rich_x_calo"):
            raise ValueError(f"unknown model {v!r}; use 'card', 'rich_x_calo' or a probability")
        if not isinstance(v, str) and not 0.0 <= float(v) <= 1.0:
            raise ValueError(f"must be a probability in [0, 1], got {v!r}")
        return v

    e_gamma_min: float = Field(default_factory=lambda: float(search_inputs("hnl")["radiative"]["e_gamma_min"]),
                               gt=0, lt=0.2, description="photon-energy cut (GeV, kaon frame) of the K+ -> mu+ nu "
                               "gamma (IB) background sample and BR (inputs/hnl.yaml, D)")
    accidentals: list[str] = Field(default_factory=lambda: list(
                                       search_inputs("hnl")["accidental_association"]["channels"]),
                                   description="channels whose backgrounds get the accidental beam-track copy "
                                               "(.accidentals; inputs/hnl.yaml)")
    mismatch: float | None = Field(None, ge=0, le=1, description="K-track mismatch probability p_mis; null: "
                                   "1.3% (2017 MVA tool, V) x card beam rate / 450 MHz (D, .accidentals)")
    cards: dict[str, str | None] = Field(default_factory=lambda: dict(search_inputs("hnl")["cards"]),
                                         description="detector card per channel in hnl_section (the search's "
                                                     "data-taking years, inputs/hnl.yaml); set by the user: wins "
                                                     "over the run's card; missing or null: the run's card "
                                                     "override, else na62-2022")
    mc_stat_error: bool = Field(False, description="include the simulation statistics of the background "
                                "template as a background uncertainty (default: background taken as known, as "
                                "from a data-driven estimate; the error is reported in the curves)")


def channel_mismatch(channel: str, cfg: HnlConfig, card) -> float:
    """p_mis used for ``channel``: 0 unless listed in ``cfg.accidentals``; ``cfg.mismatch`` if given, else the
    rate-scaled 2017 value (:func:`.accidentals.mismatch_probability` with p_ref from inputs/hnl.yaml at
    :data:`.accidentals.RATE_REF_MHZ`)."""
    if channel not in cfg.accidentals:
        return 0.0
    if cfg.mismatch is not None:
        return float(cfg.mismatch)
    spec = search_inputs("hnl")["accidental_association"]
    return mismatch_probability(card, float(spec["p_ref"]))      # at the reference rate RATE_REF_MHZ


def check_hnl_inputs(cfg: HnlConfig, channels=None) -> dict[str, np.ndarray]:
    """Validate what ``cfg`` points at before anything is simulated (``channels``: the ones to check, default
    ``cfg.channels``; the per-channel mappings are checked for every key they hold): channel names, mass
    grids and injected masses inside the channel's range, no ``inject`` together with a candidate file for the
    same channel, the detector cards of ``cfg.cards`` (:func:`kaonportal.detector.load_card`), and the
    candidate files (readable, finite ``m2miss_e`` / ``m2miss_mu`` with |m2miss| <= m_parent^2: a units check,
    D, a file in MeV^2 fails). Returns the user candidates per channel (only the channels with a file).
    Field names quote the channel ("[pi+ -> e+ N]" unquoted would read as rich markup on the command line).

    >>> check_hnl_inputs(HnlConfig(cards={"K+ -> mu+ N": "bogus"}))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: cards['K+ -> mu+ N']: unknown card 'bogus'; built-in cards: na62-2018, na62-2022 (or give the path of a YAML card)
    >>> check_hnl_inputs(HnlConfig())
    {}
    """
    known = ", ".join(CHANNELS)
    channels = list(cfg.channels if channels is None else channels)
    for ch in channels:
        if ch not in CHANNELS:
            raise InputError("channels", f"unknown HNL channel {ch!r}; known: {known}")
    for key, mapping in (("masses", cfg.masses or {}), ("candidates_file", cfg.candidates_file),
                         ("inject", cfg.inject)):
        for ch in mapping:
            if ch not in CHANNELS:
                raise InputError(key, f"unknown HNL channel {ch!r}; known: {known}")
    for ch, m in (cfg.masses or {}).items():
        check_mass_grid(f"masses[{ch!r}]", m, [CHANNELS[ch].mass_range])
    for ch, inj in cfg.inject.items():
        if len(inj) != 2 or not (math.isfinite(inj[1]) and inj[1] >= 0):
            raise InputError(f"inject[{ch!r}]", f"must be [mass GeV, signal events >= 0], got {inj!r}")
        check_mass_grid(f"inject[{ch!r}]", [inj[0]], [CHANNELS[ch].mass_range])
        if ch in cfg.candidates_file:
            # injected signal goes into pseudo-data, which a candidate file replaces (as the other searches)
            raise InputError(f"inject[{ch!r}]", "adds signal to the pseudo-data; not allowed with candidates_file")
    for ch, name in cfg.cards.items():
        if name is not None:
            try:
                load_card(name)
            except InputError as exc:
                raise InputError(f"cards[{ch!r}]", exc.message) from None
    out = {}
    for ch, path in cfg.candidates_file.items():
        m2 = pmass(CHANNELS[ch].parent) ** 2
        out[ch] = read_candidates(path, CHANNELS[ch].column, allowed=(-m2, m2), field=f"candidates_file[{ch!r}]")
    return out


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


def _bandwidth(x: np.ndarray, w: np.ndarray, floor: float) -> float:
    """Silverman's bandwidth h = 0.9 min(sd, IQR/1.34) n_eff^(-1/5), n_eff = (sum w)^2 / sum w^2
    (B. W. Silverman, "Density Estimation", 1986, eq. 3.31) for weighted events; at least ``floor``."""
    n_eff = w.sum() ** 2 / np.sum(w * w)
    q25, q75 = weighted_quantile(x, w, [0.25, 0.75])
    mean = np.sum(w * x) / w.sum()
    sd = math.sqrt(max(np.sum(w * (x - mean) ** 2) / w.sum(), 0.0))
    spread = min(sd, (q75 - q25) / 1.34) if q75 > q25 else sd
    return max(0.9 * spread * n_eff ** -0.2, floor)


_PART = 250_000

ACCIDENTAL_SKIP = ("cda",)
"""Cut ids of the ``hnl-*`` selections NOT applied to the accidental beam-track copy of a background (D).
Argument: the mismatch probability p_mis (1.3 %, :data:`.accidentals.MISMATCH_REF`) is the rate of wrong
K-track associations that the 2017 MVA matching tool makes *after* its own CDA and timing matching
([FW SpectrometerGigaTrackerMVAMatchingTool.cc]), i.e. a mismatched pair in that fraction has already passed a CDA requirement;
cutting again on the CDA recomputed with a random beam particle would suppress the copy a second time
(9.4 % of the accidental K+ -> mu+ nu copies fail cda < 30 mm). The fiducial-z cut (``vertex_z``) still acts:
the matching tool does not constrain where the (wrong) vertex lies along the beam, so the analysis' z cut
rejects some of the accidental pairings. The beam momentum/slope cuts act too (they test the GTK track)."""


def muon_dif_pieces(decay: str, n: int, seed: int, card, z_range, columns, forced: bool = True,
                    forced_fraction: float = 0.25) -> list[dict]:
    """Samples of ``decay`` with muon decays in flight whose weighted sum is unbiased for the decay:
    without ``forced`` one sample (decays at their natural rate, ~1e-4 of the muons); with ``forced``
    the unforced sample with its decayed events removed plus a forced-decay sample keeping only its
    decayed events, weighted by their decay probability ``weight_forced_decay`` (simulation.engine,
    option force_decays; the same combination as analyses/pnn_budget.py) -- ``forced_fraction`` x n events
    suffice since every one of them decays. Each piece has a ``_mult`` column (per-event weight
    multiplier); large samples in parts of <= 250k events, each with its own seed."""
    cols = sorted({*columns, "track_decayed", "weight_forced_decay"})

    def sample(m: int, force: bool) -> dict:
        opts = {"force_decays": True} if force else {}
        parts = [simulate_sample(decay, min(_PART, m - i), derive_seed(seed, f"part{i}"), card, z_range,
                                 columns=cols, muon_decays=True, **opts) for i in range(0, m, _PART)]
        return {c: np.concatenate([p[c] for p in parts]) for c in cols if c in parts[0]}

    plain = sample(n, False)
    if not forced:
        return [{**plain, "_mult": np.ones(len(plain["weight_gen"]))}]
    frc = sample(max(1000, int(n * forced_fraction)), True)
    keep = ~plain["track_decayed"].astype(bool)
    dec = frc["track_decayed"].astype(bool)
    return [{**plain, "_mult": keep.astype(float)},
            {**frc, "_mult": np.where(dec, frc["weight_forced_decay"], 0.0)}]


def background_model(ch: HnlChannel, n_parent: float, n: int, seed: int, card, x_range: tuple[float, float],
                     nbins: int = 400, mis_id: str | float = "card", forced_decays: bool = False,
                     e_gamma_min: float = E_GAMMA_MIN_DEFAULT, mismatch: float = 0.0,
                     accidental_skip: tuple[str, ...] = ACCIDENTAL_SKIP) -> dict:
    """Background as a weighted Gaussian kernel density of the simulated SM decays (per source, Silverman
    bandwidth, :func:`_bandwidth`): a sparse source (a few simulated events standing for 1e8 decays) is
    spread over a wide kernel instead of leaving zero-background windows between spikes. Returns the
    kernel centres/weights/widths of all sources (events per parent decays ``n_parent``), the expected
    events per bin of ``x_range`` and the per-source totals in the range (and of its mis-identified
    muons). ``mis_id``: mu+ -> e+ model of :func:`muon_as_electron` (positron channels); ``forced_decays``:
    muon decays in flight from :func:`muon_dif_pieces`; ``e_gamma_min``: photon-energy cut (GeV, kaon frame)
    of the radiative sources (:data:`RADIATIVE`, sample option and BR); ``mismatch``: probability p_mis that
    the GTK track is an accidental beam particle: every source gets a second copy, source name
    ``"<decay> [accidental beam track]"``, with the beam track redrawn (:func:`.accidentals.accidental_pairing`)
    and weight x p_mis (0: none); the selection's cuts ``accidental_skip`` (default :data:`ACCIDENTAL_SKIP`:
    the CDA, already inside p_mis) are not applied to that copy."""
    from scipy.special import ndtr
    if not 0.0 <= float(mismatch) <= 1.0:
        raise InputError("mismatch", f"must be a probability in [0, 1], got {mismatch!r}")
    sel = load_selection(ch.selection)
    edges = np.linspace(x_range[0], x_range[1], nbins + 1)
    span = x_range[1] - x_range[0]
    xs, ws, hs, per_source, bandwidth = [], [], [], {}, {}
    card_obj = load_card(card) if isinstance(card, (str, Path)) else card
    extra = [ch.column, "track_true_pdgid", "p_track"]
    if mismatch > 0:
        extra += ["track_dxdz", "track_dydz", "track_x_straw1", "track_y_straw1"]
    cols = selection_columns(sel, extra)
    misid_in_range = {}

    def add_source(name: str, br: float, pieces: list[dict], mult: float = 1.0, skip=()) -> None:
        # each piece normalised to its own number of fiducial decays (the forced sample is smaller)
        w_parts = []
        for piece in pieces:
            pc = {c: piece[c] for c in cols}
            if ch.lepton == "e+":
                mu = np.abs(pc["track_true_pdgid"]) == 13
                pc["w_pid_e"] = np.where(mu, muon_as_electron(card_obj, pc["p_track"], mis_id), pc["w_pid_e"])
            w_p, total_p = selection_weights(sel, pc, skip=skip)
            w_parts.append(w_p * piece["_mult"] / total_p)
        ev = {c: np.concatenate([p[c] for p in pieces]) for c in (ch.column, "track_true_pdgid")}
        is_mu = np.abs(ev["track_true_pdgid"]) == 13
        w = np.concatenate(w_parts) * mult
        x = ev[ch.column]
        # events near the scan range (the kernel of a far-away event does not reach it)
        ok = np.isfinite(x) & (w > 0) & (x > x_range[0] - span) & (x < x_range[1] + span)
        if not np.any(ok):
            per_source[name] = 0.0
            return
        wk = w[ok] * n_parent * br
        h = _bandwidth(x[ok], wk, span / nbins)
        in_rng = ndtr((x_range[1] - x[ok]) / h) - ndtr((x_range[0] - x[ok]) / h)
        misid_in_range[name] = float(np.sum((wk * in_rng)[is_mu[ok]])) if ch.lepton == "e+" else 0.0
        xs.append(x[ok])
        ws.append(wk)
        hs.append(np.full(int(ok.sum()), h))
        per_source[name] = float(np.sum(wk * in_rng))
        bandwidth[name] = h

    for decay, mu_dec in ch.backgrounds:
        opts = {"e_gamma_min": float(e_gamma_min)} if decay in RADIATIVE else {}
        if mu_dec:
            pieces = muon_dif_pieces(decay, n, seed, card, sel.fiducial_z, cols, forced=forced_decays)
        else:
            # large samples in parts of <= 250k events (memory), each with its own derived seed
            parts = [simulate_sample(decay, min(_PART, n - i), derive_seed(seed, f"part{i}"), card, sel.fiducial_z,
                                     columns=cols, **opts) for i in range(0, n, _PART)]
            pieces = [{c: np.concatenate([p[c] for p in parts]) for c in cols}]
            pieces[0]["_mult"] = np.ones(len(pieces[0]["weight_gen"]))
        br = ch.br(decay, e_gamma_min)
        add_source(decay, br, pieces)
        if mismatch > 0:
            acc = [{**pc, **accidental_pairing(pc, card_obj, derive_seed(seed, f"accidental {decay} {k}"))}
                   for k, pc in enumerate(pieces)]
            add_source(f"{decay} [accidental beam track]", br, acc, float(mismatch), tuple(accidental_skip))
    kern = {"x": np.concatenate(xs) if xs else np.zeros(0), "w": np.concatenate(ws) if ws else np.zeros(0),
            "h": np.concatenate(hs) if hs else np.ones(0)}
    # sorted once for every window query on this model (the scan, kmunux's region choice)
    kern["index"] = KernelSet(kern["x"], kern["w"], kern["h"])
    counts = window_background(kern, edges[:-1], edges[1:])[0]
    return {"edges": edges, "counts": counts, "kernels": kern, "per_source_in_range": per_source,
            "misidentified_muons_in_range": misid_in_range, "bandwidth_m2": bandwidth}


def window_background(kern: dict, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Expected background in windows [lo, hi) and its simulation-statistics error:
    b = sum_i w_i f_i, var = sum_i w_i^2 f_i^2 with f_i the kernel fraction of event i in the window
    (:func:`kaonportal.stats.kernel_sums.window_sums`: sorted prefix sums, equal to the direct sum to ~1e-15).
    ``kern``: ``x, w, h`` per kernel and optionally ``index``, their :class:`~kaonportal.stats.kernel_sums.KernelSet`
    (built by :func:`background_model`; sorted once for all queries)."""
    index = kern.get("index")
    if index is None:
        index = KernelSet(kern["x"], kern["w"], kern["h"])
    return index.window_sums(lo, hi)


def _pseudo_data(bkg: dict, seed: int, label: str, inject=None, sigma_fn=None) -> np.ndarray:
    """Pseudo-data as counts in the background-model bins: Poisson per bin (the background of a
    single simulated event can stand for 1e8 decays, so individual candidates are not drawn), plus an
    optional Gaussian peak of ``inject = (mass GeV, events)`` at m2miss = m^2 with width sigma_fn(m)."""
    rng = np.random.default_rng(derive_seed(seed, "pseudo-data " + label))
    edges = bkg["edges"]
    k = rng.poisson(bkg["counts"]).astype(float)
    if inject:
        m, n_sig = float(inject[0]), float(inject[1])
        x = m * m + sigma_fn(m) * rng.standard_normal(int(rng.poisson(n_sig)))
        k += np.histogram(x, bins=edges)[0]
    return k


def hnl_scan(channel: str, cfg: HnlConfig, card, seed: int, quick: bool = False,
             candidates: dict[str, np.ndarray] | None = None) -> dict:
    """Peak scan of one channel: BR limits (observed, expected bands), |U|^2 limits, inputs.
    ``candidates``: the result of :func:`check_hnl_inputs` (``None``: it is called here, before anything is
    simulated)."""
    if candidates is None:
        candidates = check_hnl_inputs(cfg, [channel])
    ch = CHANNELS[channel]
    lo, hi = ch.mass_range
    if cfg.masses and channel in cfg.masses:
        masses = check_mass_grid(f"masses[{channel}]", cfg.masses[channel], [ch.mass_range])
    else:
        step = cfg.mass_step.get(channel, 0.002) * (2.5 if quick else 1.0)
        masses = mass_grid([ch.mass_range], step)
    # parent decays in the FV
    if channel in cfg.n_parent:
        n_true, origin = float(cfg.n_parent[channel]), "config n_parent"
    else:
        n_true, origin = default_n_parent(channel)
    n_true *= cfg.n_scale
    f = 0.2 if quick else 1.0
    n_sig, n_bkg, n_norm = (max(1000, int(cfg.n_signal * f)),
                            max(2000, int(cfg.n_background.get(channel, 200_000) * (0.4 if quick else 1.0))),
                            max(2000, int(cfg.n_normalisation * f)))
    n_sm = max(3, cfg.n_signal_masses // (2 if quick else 1))
    sim_m = np.linspace(lo, hi, n_sm)
    shape = signal_shape(ch, sim_m, n_sig, seed, card)
    norm = normalisation(ch, n_true, n_norm, seed, card)
    n_meas = norm["n_parent_measured"]

    def acc(m):
        return np.interp(m, shape["mass_gev"], shape["acceptance"])

    def sigma(m):
        return np.interp(m, shape["mass_gev"], shape["sigma_m2"])

    if np.any(acc(masses) <= 0):
        bad = float(masses[np.argmax(acc(masses) <= 0)])
        raise InputError("masses", f"zero simulated acceptance at m_N = {bad:g} GeV for {channel}")
    ses = 1.0 / (n_meas * acc(masses) * cfg.eps_trig)
    s2 = sigma(masses)
    x_range = (lo * lo - 8 * float(s2.max()), hi * hi + 8 * float(s2.max()))
    p_mis = channel_mismatch(channel, cfg, card)
    bkg = background_model(ch, n_meas, n_bkg, seed, card, x_range, mis_id=cfg.muon_as_electron,
                           forced_decays=cfg.forced_decays, e_gamma_min=cfg.e_gamma_min, mismatch=p_mis)
    wlo, whi = masses ** 2 - cfg.window * s2, masses ** 2 + cfg.window * s2
    b, b_mc_err = window_background(bkg["kernels"], wlo, whi)
    b_err = b_mc_err if cfg.mc_stat_error else np.zeros_like(b_mc_err)
    centres = 0.5 * (bkg["edges"][1:] + bkg["edges"][:-1])
    cand = counts = None
    if channel in cfg.candidates_file:
        cand = candidates[channel]        # read and unit-checked by check_hnl_inputs
        cand_origin = cfg.candidates_file[channel]
    else:
        inj = cfg.inject.get(channel)
        counts = _pseudo_data(bkg, seed, channel, inj, sigma)
        cand_origin = f"pseudo-data (seed {seed})" + (f", injected {inj[1]:g} events at {inj[0]:g} GeV" if inj else "")
    dens = bkg["counts"] / np.diff(bkg["edges"])
    if cand is not None:
        data = {"candidates": cand}
    else:
        # binned pseudo-data: peak_scan counts the bins whose centre is in a window, so the background
        # expectation must be summed over the same bins (a continuous integral would differ by a fraction
        # of a bin, i.e. by many sqrt(b) when b ~ 1e6)
        data = {"histogram": (bkg["edges"], counts)}
        csum = np.concatenate([[0.0], np.cumsum(bkg["counts"])])
        b = csum[np.searchsorted(centres, whi)] - csum[np.searchsorted(centres, wlo)]
    calc = "exact" if float(np.max(b)) < 300 else "asymptotic"
    scan = peak_scan(masses ** 2, **data, resolution=s2, background=b, background_error=b_err, ses=ses,
                     window=cfg.window, cl=cfg.cl, calculator=calc, n_jobs=1,
                     background_density=(lambda x: np.interp(x, centres, dens)) if cfg.ntoys else None,
                     scan_range=x_range if cfg.ntoys else None, ntoys=cfg.ntoys, seed=seed)
    model = get_model(ch.model)
    u2 = {}
    for key, br_ul in [("observed", scan.observed_limit), *((k, scan.expected[k]) for k in BANDS)]:
        cl_res = coupling_limit(model, masses, br_ul, production=ch.decay, final_state="invisible",
                                momentum_gev=None)
        u2[key] = np.interp(masses, cl_res.mass_gev, cl_res.coupling_low)
    return {"channel": channel, "masses_gev": masses, "n_parent_input": n_true, "n_parent_origin": origin,
            "mismatch": p_mis,
            "normalisation": norm, "signal_shape": shape, "ses": ses, "sigma_m2": s2, "background": b,
            "background_error": b_err, "background_mc_error": b_mc_err, "background_per_source_in_range": bkg["per_source_in_range"],
            "misidentified_muons_in_range": bkg["misidentified_muons_in_range"],
            "candidates_origin": cand_origin,
            "n_candidates": int(len(cand)) if cand is not None else int(counts.sum()), "scan": scan, "u2": u2,
            "calculator": calc, "model": ch.model}


def _notes(ch: HnlChannel, cfg: HnlConfig) -> list[str]:
    """Placeholders and models of the inputs (data/searches/inputs/hnl.yaml), for the outputs."""
    notes = []
    if ch.parent == "K+":
        notes.append("published N_K of this search: not found; default = K+ decays of its years, undownscaled for "
                     "K+ -> e+ N, / control-trigger downscaling 400 for K+ -> mu+ N (D, bound argument in "
                     "inputs/hnl.yaml)")
    if ch.lepton == "mu+":
        notes.append(f"K+ -> mu+ nu gamma (IB, E_gamma* > {cfg.e_gamma_min:g} GeV) background with the "
                     "photon-veto weight")
    if ch.decay in cfg.accidentals:
        notes.append("accidental beam-track association: every background with a redrawn GTK track, weight p_mis "
                     "(1.3% at 450 MHz, V, x beam rate, D); the CDA cut is not re-applied to it (inside p_mis, D)")
    if ch.lepton == "e+":
        notes.append(f"mu+ -> e+ mis-identification: {cfg.muon_as_electron!r} (card value 1e-4 is a placeholder D; "
                     "default RICH x calorimeter/MUV3 model, D)")
        notes.append(f"muon decays in flight: {'forced (importance sampling)' if cfg.forced_decays else 'natural rate'}")
    notes.append("published selection (lepton momentum range, identification, timing), resolution and background "
                 "numbers: not found")
    return notes


def _published_u2(name: str):
    c = load_curve(name)
    return c.mass_gev, c.limit, c.source


# Why an HNL channel can disagree with its published curve (inputs not checked against the paper; no tuning).
# pi+ -> e+ N (PLB 872 (2026) 140119): N_pi = 6.5e12 pi+ decays in the FV (S002) is used as fully efficient; the
# data came through the K+ -> pi+ nu nubar trigger line, "limited efficiency for beam pions" (S002): its value
# and the paper's selection and positron-ID efficiencies were not found, so they are not modelled and our limit
# is too strong (expected ~0.23-0.25 x the published curve). No efficiency is fitted to close the gap.
DISAGREEMENT_REASONS = {
    "pi+ -> e+ N": "N_pi 6.5e12 (S002) taken as fully efficient: the data came through the K pi nu nu trigger "
                   "line, 'limited efficiency for beam pions' (S002), whose value and the paper's selection / "
                   "positron-ID efficiencies were not found, so they are not modelled",
    "K+ -> e+ N": "N_K of the search not found (years' N_K, undownscaled trigger assumed, D); backgrounds and "
                  "acceptance of the paper not found",
    "K+ -> mu+ N": "N_K of the search not found (years' N_K / control-trigger downscaling 400, D); backgrounds "
                   "and acceptance of the paper not found",
}


def _agreement(channel: str, u2: dict, m) -> dict:
    """``published_ratio`` (median over masses of expected median / published |U|^2) and ``agreement`` by the
    rule of :mod:`kaonportal.analyses.agreement`: the published curve inside the expected +-2 sigma band,
    both as medians over the masses where the published curve is defined."""
    pm, pl, _ = _published_u2(CHANNELS[channel].published[0])
    return agreement_of_curve(u2, np.interp(m, pm, pl, left=np.nan, right=np.nan), DISAGREEMENT_REASONS[channel])


def hnl_section(out_dir: Path, *, card: str | None = None, seed: int = 0, quick: bool = False, config=None) -> dict:
    """Run the HNL scans of ``config.channels``; write BR and |U|^2 curves and plots. ``card``: the run's card
    override (every channel), else each channel's data-period card (``cards``; :mod:`.datasets`)."""
    cfg = load_search_config(HnlConfig, config)
    candidates = check_hnl_inputs(cfg)      # every channel's inputs before the first one is simulated
    out_dir = Path(out_dir)
    summary, files = {}, []
    run_card = card
    user_cards = cfg.cards if "cards" in cfg.model_fields_set else {}
    default_cards = HnlConfig.model_fields["cards"].get_default(call_default_factory=True)
    for channel in cfg.channels:
        card, card_origin = resolve_card("hnl", run_card, user_value=user_cards.get(channel),
                                         default=default_cards.get(channel))
        r = hnl_scan(channel, cfg, card, seed, quick, candidates=candidates)
        ch = CHANNELS[channel]
        scan, m = r["scan"], r["masses_gev"]
        slug = {"K+ -> e+ N": "kp_eN", "K+ -> mu+ N": "kp_muN", "pi+ -> e+ N": "pip_eN"}[channel]
        agree = _agreement(channel, r["u2"], m)
        inputs = [f"N_parent = {r['n_parent_input']:.4g} ({r['n_parent_origin']}); measured from the "
                  f"{ch.normalisation} peak: {r['normalisation']['n_parent_measured']:.4g}",
                  f"card {card}; selection {ch.selection}; seed {seed}; candidates: {r['candidates_origin']}",
                  f"peak scan in {ch.column} (window +-{cfg.window:g} sigma, {r['calculator']} CLs); "
                  f"model {ch.model} (kaonportal.models), N surviving the detector",
                  *_notes(ch, cfg), band_note(ch.published[0], agree["agreement"])]
        files.append(write_curve(out_dir / "curves" / f"hnl_{slug}_br.csv",
                                 f"upper limit on BR({channel}) versus m_N", "m_N in GeV/c^2; BR dimensionless", cfg.cl,
                                 inputs, {"m_n_gev": m, "ses": r["ses"], "background_in_window": r["background"],
                                          "background_mc_error": r["background_mc_error"],
                                          "n_observed": scan.n_observed, "br_ul_observed": scan.observed_limit,
                                          **{f"br_ul_expected_{k}": scan.expected[k] for k in BANDS},
                                          "local_significance": scan.local_significance}))
        lep = "e" if ch.lepton == "e+" else r"\mu"
        files.append(write_curve(out_dir / "curves" / f"hnl_{slug}_U2.csv",
                                 f"upper limit on |U_{ch.lepton[:-1]}4|^2 from {channel} (model {ch.model})",
                                 "m_N in GeV/c^2; |U|^2 dimensionless", cfg.cl, inputs,
                                 {"m_n_gev": m, "u2_ul_observed": r["u2"]["observed"],
                                  **{f"u2_ul_expected_{k}": r["u2"][k] for k in BANDS}}))
        pub = []
        for name in ch.published:
            pm, pl, _ = _published_u2(name)
            pub.append((published_label(name), pm, pl))
        files += plot_limit_curves(out_dir / "plots" / f"hnl_{slug}_U2", m, r["u2"]["observed"],
                                   {k: r["u2"][k] for k in BANDS}, xlabel=r"$m_N$ [GeV/$c^2$]",
                                   ylabel=rf"$|U_{{{lep}4}}|^2$ upper limit (90% CL)",
                                   title=f"{channel}: this run (N = {r['n_parent_input']:.3g}) vs published",
                                   published=pub)
        pm, pl, psrc = _published_u2(ch.published[0])
        ratio = np.interp(m, pm, pl, left=np.nan, right=np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = r["u2"]["median"] / ratio
        summary[channel] = {
            "mass_range_gev": list(ch.mass_range), "n_masses": int(len(m)), "n_parent_input": r["n_parent_input"],
            "card": card, "card_origin": card_origin, "mismatch": r["mismatch"],
            "selection": ch.selection, "n_k": r["n_parent_input"],
            "data_used": data_used(channel, card, r["n_parent_input"], ch.selection),
            "n_parent_origin": r["n_parent_origin"], "normalisation": r["normalisation"],
            "signal_acceptance": {"mass_gev": r["signal_shape"]["mass_gev"], "acceptance": r["signal_shape"]["acceptance"],
                                  "sigma_m2": r["signal_shape"]["sigma_m2"]},
            "background_per_source_in_scan_range": r["background_per_source_in_range"],
            "candidates": r["candidates_origin"], "n_candidates": r["n_candidates"],
            "max_local_significance": float(np.nanmax(scan.local_significance)),
            "max_excess_mass_gev": math.sqrt(max(scan.max_excess_mass, 0.0)),
            "global_significance": scan.global_significance, "global_method": scan.global_method,
            "u2_expected_median_range": [float(np.nanmin(r["u2"]["median"])), float(np.nanmax(r["u2"]["median"]))],
            "u2_observed_range": [float(np.nanmin(r["u2"]["observed"])), float(np.nanmax(r["u2"]["observed"]))],
            "published_curve": ch.published[0], "notes": _notes(ch, cfg),
            "misidentified_muons_in_scan_range": r["misidentified_muons_in_range"],
            "median_ratio_expected_to_published": float(np.nanmedian(ratio)) if np.any(np.isfinite(ratio)) else None,
            **agree}
    cards = sorted({v["card"] for v in summary.values()})
    return {"channels": summary, "card": cards[0] if len(cards) == 1 else ", ".join(cards),
            "dataset": SEARCH_DATA["hnl"].period, "card_origin": "per channel (channels.<name>.card_origin)",
            "data_used": "; ".join(f"{k}: card {v['card']}, N {v['n_parent_input']:.4g}, selection {v['selection']}"
                                   for k, v in summary.items()),
            "seed": seed, "files": files, "status": "done"}
