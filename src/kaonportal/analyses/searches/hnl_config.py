"""Configuration of the HNL searches and the checks of what it points at (before anything is simulated).

Part of the HNL searches (:mod:`.hnl`: method, sources and outcome in its docstring).
"""

from __future__ import annotations

__all__ = ["HnlConfig", "channel_mismatch", "check_hnl_inputs"]

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ...constants import mass as pmass
from ...detector import load_card
from ...errors import InputError
from ...reco.accidentals import mismatch_at_intensity, mismatch_probability
from .common import check_inject, check_mass_grid, read_candidates
from .hnl_channels import CHANNELS
from .lnv import search_inputs

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
                                               "(reco.accidentals; inputs/hnl.yaml)")
    mismatch: float | None = Field(None, ge=0, le=1, description="K-track mismatch probability p_mis at the "
                                   "card's nominal beam rate; null: 1.3% (2017 MVA tool, V) x card beam rate / "
                                   "450 MHz (D, reco.accidentals)")
    intensity_scale: float = Field(1.0, gt=0, allow_inf_nan=False,
                                   description="beam intensity / the card's nominal rate (kaonportal run "
                                               "--intensity-scale): p_mis follows the pile-up model "
                                               "(reco.accidentals.mismatch_at_intensity); 1: unchanged")
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
    rate-scaled 2017 value (:func:`kaonportal.reco.accidentals.mismatch_probability` with p_ref from inputs/hnl.yaml at
    :data:`kaonportal.reco.accidentals.RATE_REF_MHZ`); at ``cfg.intensity_scale`` != 1 moved with the pile-up model
    (:func:`kaonportal.reco.accidentals.mismatch_at_intensity`)."""
    if channel not in cfg.accidentals:
        return 0.0
    if cfg.mismatch is not None:
        p = float(cfg.mismatch)
    else:
        spec = search_inputs("hnl")["accidental_association"]
        p = mismatch_probability(card, float(spec["p_ref"]))      # at the reference rate RATE_REF_MHZ
    # at another intensity: moved by the pile-up model's ratio (1x: unchanged, the model is not run)
    return mismatch_at_intensity(p, card, cfg.intensity_scale)


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
        check_inject(f"inject[{ch!r}]", inj, [CHANNELS[ch].mass_range], with_candidates=ch in cfg.candidates_file)
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
