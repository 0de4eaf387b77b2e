"""Configuration of the LNV/LFV counting search (:mod:`.lnv`): the channels and the calibrating exposure from the
shipped inputs file ``kaonportal/data/searches/inputs/lnv.yaml`` (every number with its source and status), the
per-year K+ decay counts and :class:`LnvConfig`. Re-exported by :mod:`.lnv`.

>>> [c.decay for c in default_channels()][:2]
['K+ -> pi- mu+ mu+', 'K+ -> pi- e+ e+']
>>> len(default_channels())
9
>>> round(year_fraction([2017], [2017, 2018]), 3)
0.516
"""

from __future__ import annotations

__all__ = ["LnvChannel", "LnvExposure", "LnvConfig", "default_channels", "default_exposure", "year_fraction",
           "search_inputs", "kaon_decays_per_year", "PI0_CHANNELS"]

from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from ...errors import InputError
from ...yamlio import read_yaml


@lru_cache(maxsize=None)
def search_inputs(name: str) -> dict:
    """A shipped published-inputs file ``data/searches/inputs/<name>.yaml`` (every number with its
    source and status).

    >>> search_inputs("kaon_decays_per_year")["kaon_decays_per_year"][2016]["status"]
    'V'
    """
    where = f"data/searches/inputs/{name}.yaml"
    return read_yaml(resources.files("kaonportal").joinpath(where), "inputs", where=where)


def _inputs() -> dict:
    return search_inputs("lnv")


def kaon_decays_per_year() -> dict[int, float]:
    """K+ decays in the fiducial volume per year (``inputs/kaon_decays_per_year.yaml``: 2016 V, 2017 S,
    2018 D from the S004 Run1 total)."""
    return {int(y): float(v["n_k"]) for y, v in search_inputs("kaon_decays_per_year")["kaon_decays_per_year"].items()}


class LnvChannel(BaseModel):
    """One LNV/LFV decay and its published inputs ([NA62:2021lnvlfv; NA62:2022pipi0ee; NA62:2023munuee])."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    decay: str
    published_ul: float | None = None
    reference: str = ""
    years: list[int] = Field(default_factory=lambda: [2017, 2018], description="data-taking years of the search")
    background: float = Field(0.0, ge=0, description="expected background; 0 where not found (D)")
    background_error: float = Field(0.0, ge=0)
    observed: int | None = Field(None, ge=0, description="observed events; null: pseudo-data")
    source: str = ""
    status: str = "D"


class LnvExposure(BaseModel):
    """Published yield of the SM decay that calibrates N_K x efficiencies of the multi-track data."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    decay: str
    candidates: float = Field(gt=0)
    background: float = Field(0.0, ge=0)
    branching_ratio: float = Field(gt=0)
    years: list[int]
    source: str = ""
    status: str = "D"


def default_channels() -> list[LnvChannel]:
    """The nine K+ channels of [NA62:2019lnv17; NA62:2021lnvlfv; NA62:2022pipi0ee; NA62:2023munuee; NA62:2024pi0pimue] (the 2017-2018 pi- e+ e+ row; pi0 -> mu- e+ is
    a pi0 decay tagged in K+ -> pi+ pi0: :mod:`.lnv_pi0`), from the shipped inputs file."""
    return [LnvChannel(**c) for c in _inputs()["channels"]]


def default_exposure() -> LnvExposure:
    """K+ -> pi+ mu+ mu- 2017-2018 yield ([NA62:2022qes]), from the shipped inputs file."""
    return LnvExposure(**_inputs()["exposure"])


def year_fraction(years, reference_years, kaon_decays: dict[int, float] | None = None) -> float:
    """N_K(years) / N_K(reference_years) with the per-year K+ decay counts of the inputs file."""
    nk = kaon_decays or kaon_decays_per_year()
    for y in [*years, *reference_years]:
        if y not in nk:
            raise InputError("years", f"no K+ decay count for year {y}; known: {', '.join(map(str, sorted(nk)))}")
    return sum(nk[y] for y in years) / sum(nk[y] for y in reference_years)


# Every channel with a pi0 in its final state has the pi0 -> gamma gamma reconstructed (selection
# lnv-3track-pi0): the K+ -> pi0 pi mu e channels of arXiv:2409.12981 and K+ -> pi- pi0 e+ e+ (PLB 830 (2022)
# 137172; [NA62:2022pipi0ee]): a search for a fully reconstructed K+ decay needs the pi0 photons in the LKr (the
# published selections' pi0 cuts were not read: the window is ours, lnv-3track-pi0.yaml). Configurable through
# LnvConfig.pi0_channels.
PI0_CHANNELS = ("K+ -> pi- pi0 e+ e+", "K+ -> pi0 pi- mu+ e+", "K+ -> pi0 pi+ mu- e+", "K+ -> pi0 pi+ mu+ e-")


class LnvConfig(BaseModel):
    """Configuration of the LNV/LFV counting search."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    channels: list[LnvChannel] = Field(default_factory=default_channels)
    exposure: LnvExposure = Field(default_factory=default_exposure)
    kaon_decays_per_year: dict[int, float] = Field(default_factory=kaon_decays_per_year)
    n_k: float | None = Field(None, gt=0, description="explicit N_K (K+ decays in the FV): SES = 1/(N_K A eps_trig); "
                                                      "null: calibrated on the exposure yield")
    n_k_scale: float = Field(1.0, gt=0, description="projections: exposure (or N_K) and backgrounds x n_k_scale")
    eps_trig: float = Field(1.0, gt=0, le=1, description="multi-track trigger efficiency, explicit-N_K mode only "
                                                          "(not found: 1, D)")
    selection: str = "lnv-3track"
    pi0_selection: str = Field("lnv-3track-pi0", description="selection of the pi0_channels "
                               "(three tracks + pi0 -> gamma gamma in the LKr)")
    pi0_channels: list[str] = Field(default_factory=lambda: list(PI0_CHANNELS),
                                    description="channels selected with pi0_selection")
    n_sim: int = Field(20_000, ge=500, description="simulated phase-space events per channel")
    inject: dict[str, float] = Field(default_factory=dict, description="decay -> signal events added to the "
                                     "pseudo-data (injection tests; the channel's published count is then not used)")
    observed: dict[str, int] = Field(default_factory=dict, description="decay -> observed events (e.g. counted in "
                                     "a user's own data), replacing the published count / pseudo-data")
    cl: float = Field(0.9, gt=0, lt=1)
    method: str = Field("cls", pattern="^(cls|fc)$")
