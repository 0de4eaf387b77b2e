"""Run configuration of ``kaonportal run`` (pydantic) and the named datasets.

The default configuration ships as ``kaonportal/data/configs/default.yaml``; a user file is read
on top of it (only the keys it gives change). ``quick`` scales every sample size by
``quick_scale``. Datasets (``data/configs/datasets.yaml``) bind a card, a selection and the
published numbers of one NA62 data-taking period.

>>> cfg = load_config()
>>> cfg.dataset, cfg.sections.pnn
('pnn-2021-22', True)
>>> load_config(quick=True).pnn.n_signal < cfg.pnn.n_signal
True
"""

from __future__ import annotations

__all__ = ["RunConfig", "PnnConfig", "Sections", "Dataset", "load_config", "load_datasets", "get_dataset", "dataset_card",
           "DEFAULT_CONFIG", "BACKGROUND_SOURCES"]

import copy
import math
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from .bounds import check_config_values
from ..yamlio import read_yaml

CONFIG_DIR = resources.files("kaonportal") / "data" / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"

# Background sources of the K+ -> pi+ nu nubar budget ([NA62:2020eqcd] Table I; [Blazek:2025patras]) -> decay simulated.
# The "(gamma)" of pi+ pi0 (gamma) and mu+ nu (gamma) is the inner-bremsstrahlung sample above the
# generator's photon-energy cut (decays.radiative); its BR is radiative_fraction x BR(non-radiative).
# The non-radiative samples keep the full BR: the overlap (< 1% of the mode) is neglected.
BACKGROUND_SOURCES = {
    "K+ -> pi+ pi0": ["K+ -> pi+ pi0", "K+ -> pi+ pi0 gamma"],
    "K+ -> mu+ nu": ["K+ -> mu+ nu", "K+ -> mu+ nu gamma"],
    "K+ -> pi+ pi+ pi-": ["K+ -> pi+ pi+ pi-"],
    "K+ -> pi+ pi- e+ nu": ["K+ -> pi+ pi- e+ nu"],
    "K+ -> pi+ gamma gamma": ["K+ -> pi+ gamma gamma"],
    "K+ -> pi0 l+ nu": ["K+ -> pi0 e+ nu", "K+ -> pi0 mu+ nu"],
}


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sections(BaseModel):
    """Which sections of the run to execute. Sections registered by the searches
    (``kaonportal.analyses.searches.SECTIONS``) are enabled unless set to false here by name."""
    model_config = ConfigDict(extra="allow")
    pnn: bool = True
    beamdump: bool = True

    @model_validator(mode="after")
    def _bools(self):
        for k, v in (self.model_extra or {}).items():
            if not isinstance(v, bool):
                raise ValueError(f"sections.{k} must be true or false")
        return self

    def enabled(self, name: str) -> bool:
        return bool(getattr(self, name, (self.model_extra or {}).get(name, True)))


class PnnConfig(_M):
    """K+ -> pi+ nu nubar section."""
    n_signal: int = Field(200_000, ge=1000, description="simulated K+ -> pi+ nu nubar events")
    n_normalisation: int = Field(200_000, ge=0, description="simulated K+ -> pi+ pi0 normalisation events")
    n_background: dict[str, int] = Field(default_factory=dict, description="events per simulated decay")
    observed: int | None = Field(None, ge=0, description="observed events in R1+R2 (null: the dataset's published count)")
    pseudo_data_br: float | None = Field(None, ge=0, le=1e-8, description="also simulate pseudo-data at this BR")
    momentum_bins: list[float] | None = Field(None, description="override the selection's pi+ momentum bins (GeV/c)")
    sm_method: Literal["parametric", "full"] = "parametric"
    sm_inputs: dict = Field(default_factory=dict, description="overrides of SMInputs, e.g. v_cb: [0.0422, 0.0008]")
    calibration: str | None = Field("pnn-calibration.yaml", description="budget calibration file (data/configs or a path); null = raw simulation")
    random_veto: Literal["card", "predicted"] = Field("card", description="eps_RV: 'card' (the dataset/card value, moved by the predicted "
                             "ratio eps(X)/eps(1) when intensity_scale != 1) or 'predicted' (the pile-up model's, "
                             "kaonportal.analyses.intensity)")

    upstream_model: Literal["physics", "scale"] = Field("physics", description="upstream background: 'physics' "
                             "(mechanisms, kaonportal.analyses.pnn_budget.upstream_physics) or 'scale' (the one-parameter "
                             "model fitted to 2017, kaonportal.analyses.pnn_budget.upstream)")
    n_upstream: int = Field(100_000, ge=1000, description="simulated events per upstream sample (physics model)")
    intensity_projection: list[float] | None = Field(None, description="intensity scales (> 0) of a projection "
                                                     "table/plot of SES, eps_RV, backgrounds and expected limit; null: none")

    @field_validator("intensity_projection")
    @classmethod
    def _scales(cls, v):
        if v is not None and (not v or any(not (isinstance(x, (int, float)) and 0 < x <= 100) for x in v)):
            raise ValueError("must be a non-empty list of intensity scales in (0, 100]")
        return v


class BeamdumpConfig(_M):
    pot: float | None = Field(None, gt=0, description="protons on target (null: the section's default)")


class RunConfig(_M):
    """Top-level configuration of ``kaonportal run``."""
    dataset: str = "pnn-2021-22"
    card: str | None = None
    selection: str | None = None
    seed: int = Field(20250207, ge=0, lt=2**63)
    quick_scale: float = Field(0.05, gt=0, le=1)
    chunk_blocks: int = Field(4, ge=1)
    intensity_scale: float = Field(1.0, gt=0, le=100, allow_inf_nan=False,
                                   description="beam intensity / the card's (moves beam rate, pile-up, random veto)")
    sections: Sections = Sections()
    pnn: PnnConfig = PnnConfig()
    beamdump: BeamdumpConfig = BeamdumpConfig()
    searches: dict[str, dict] = Field(default_factory=dict, description="per-search options, passed as config=")

    @field_validator("seed", "chunk_blocks", "quick_scale", mode="before")
    @classmethod
    def _not_bool(cls, v, info):
        # pydantic reads `seed: true` as 1 (YAML booleans are ints in lax mode): a typo, not a seed
        if isinstance(v, bool):
            raise ValueError(f"must be a number, got {v!r}")
        return v

    def scaled(self, factor: float) -> "RunConfig":
        """Copy with every sample size multiplied by ``factor`` (at least 2000 events each)."""
        c = self.model_copy(deep=True)
        c.pnn.n_signal = max(2000, int(c.pnn.n_signal * factor))
        c.pnn.n_normalisation = max(2000, int(c.pnn.n_normalisation * factor)) if c.pnn.n_normalisation else 0
        c.pnn.n_background = {k: max(2000, int(v * factor)) for k, v in c.pnn.n_background.items()}
        c.pnn.n_upstream = max(20_000, int(c.pnn.n_upstream * factor))   # S_B ~ 3e-3: >= 60 selected proxies
        return c


class Dataset(_M):
    """A named data set (``datasets.yaml``); numbers are [value, err] or [value, err_low, err_high]."""
    name: str = ""
    description: str
    card: str
    selection: str
    n_k: list[float] | None = None
    eps_trig: list[float] | None = None
    eps_rv: list[float] | None = None
    ses: list[float] | None = None
    acceptance: list[float] | None = None
    expected_sm: list[float] | None = None
    observed: int | None = None
    backgrounds: dict[str, list[float]] = {}
    background_total: list[float] | None = None
    # dotted card path -> value, applied to ``card`` when the run uses the dataset's own card (dataset_card)
    card_overrides: dict[str, float | int | bool | str] = {}


def dataset_card(ds: Dataset, run_card=None):
    """(card object, card name, origin) a section running dataset ``ds`` uses.

    ``run_card`` (the run's top-level ``card:``, a name or path) wins and is used as given: the dataset's
    ``card_overrides`` describe its own card only. Otherwise the dataset's card with its overrides applied
    and validated (:func:`kaonportal.detector.overrides.apply_card_overrides`; InputError naming
    ``dataset.<name>.card_overrides`` for a bad path or an out-of-range value).

    >>> card, name, origin = dataset_card(get_dataset("pnn-2018"))
    >>> name, card.pid.rich_p_max, origin
    ('na62-2018', 45.0, 'dataset default of pnn-2018 with card_overrides pid.rich_p_max=45')
    >>> dataset_card(get_dataset("pnn-2018"), "na62-2018")[0].pid.rich_p_max
    35.0
    """
    from ..detector.card import load_card
    from ..detector.overrides import apply_card_overrides, describe_overrides
    if run_card is not None:
        card = load_card(run_card)      # its InputError names the full field path (card.resolution.ktag_time_ns)
        return card, str(run_card), "run card override (top-level card:)"
    card = apply_card_overrides(ds.card, ds.card_overrides, f"dataset {ds.name}",
                                field=f"dataset.{ds.name}.card_overrides")
    origin = f"dataset default of {ds.name}"
    if ds.card_overrides:
        origin += f" with card_overrides {describe_overrides(ds.card_overrides)}"
    return card, ds.card, origin


def _deep_update(base: dict, new: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k not in ("n_background", "sm_inputs"):
            out[k] = _deep_update(out[k], v)
        else:
            out[k] = v
    return out


def load_config(path: str | Path | None = None, quick: bool = False, overrides: dict | None = None) -> RunConfig:
    """Default config, updated by the YAML file ``path`` and ``overrides``; validated; scaled if ``quick``."""
    data = read_yaml(DEFAULT_CONFIG, "config")
    if path is not None:
        data = _deep_update(data, read_yaml(path, "config"))
    if overrides:
        data = _deep_update(data, overrides)
    try:
        cfg = RunConfig.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]           # one line: the first problem, named by its field
        where = "config." + ".".join(str(x) for x in e["loc"])
        val = e.get("input")
        if isinstance(val, float) and not math.isfinite(val):     # pydantic's bound message misleads for NaN
            raise InputError(where, f"must be a finite number, got {val}") from None
        raise InputError(where, e["msg"][:1].lower() + e["msg"][1:]) from None
    # NaN / infinities, absurd magnitudes and reversed ranges pydantic lets through (issue 12 item 14)
    check_config_values(cfg, "config")
    return cfg.scaled(cfg.quick_scale) if quick else cfg


def load_datasets() -> dict[str, Dataset]:
    """All named datasets.

    >>> sorted(load_datasets())
    ['pnn-2016-22', 'pnn-2017', 'pnn-2018', 'pnn-2021-22']
    """
    raw = read_yaml(CONFIG_DIR / "datasets.yaml", "dataset")
    return {k: Dataset.model_validate({**v, "name": k}) for k, v in raw.items()}


def get_dataset(name: str) -> Dataset:
    """One dataset by name; :class:`InputError` listing the known ones."""
    ds = load_datasets()
    if name not in ds:
        raise InputError("dataset", f"unknown dataset {name!r}; known: {', '.join(sorted(ds))}")
    return ds[name]
