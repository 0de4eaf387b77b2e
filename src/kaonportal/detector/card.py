"""Detector cards: the NA62 layout, resolutions, vetoes and PID as validated data.

A card is a YAML file (``detector/cards/<name>.yaml``) validated on load by the pydantic models below.
Every field is required and carries its allowed range, so a typo, a missing number or an out-of-range
value is reported as one :class:`~kaonportal.errors.InputError` naming the field and the allowed values.
Each YAML line cites its source by bibliography key (``kaonportal refs``) and its status
(V/S/R/D/U). Units: metres, GeV, GeV/c, radians, nanoseconds.

To run a new experiment, copy a card, change a number, and pass the path:

>>> card = load_card("na62-2018")
>>> card.beam.momentum, card.geometry.mnp33.pt_kick
(75.0, -0.27)
>>> [name for name, _ in list_cards()]
['na62-2018', 'na62-2022']
"""

from __future__ import annotations

__all__ = ["Card", "load_card", "list_cards", "card_from_dict", "CARD_DIR",
           "Beam", "Geometry", "Resolution", "PhotonVeto", "VetoTable", "Pid", "RunConditions", "Pileup"]

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel, Field, ValidationError, model_validator

from ..errors import InputError
from ..yamlio import read_yaml
# the models by concern (re-exported: import them from here)
from .card_base import _f, _Model
from .card_geometry import (Chanti, Geometry, GtkStation, LavStation, Magnet, OffAxisBox, Octagon,  # noqa: F401
                            Ring, Square, StrawChamber)
from .card_pileup import Pileup, Upstream  # noqa: F401

CARD_DIR = Path(__file__).with_name("cards")


# --------------------------------------------------------------------------------------------- beam
class Beam(_Model):
    """Secondary beam at GTK3 ([JINST17; CEDARH; FW])."""
    momentum: float = _f(gt=0, le=400, unit="GeV/c", doc="central momentum")
    momentum_spread: float = _f(ge=0, le=0.1, doc="rms relative momentum spread")
    dxdz: float = _f(ge=-0.01, le=0.01, unit="rad", doc="mean horizontal slope at GTK3")
    dydz: float = _f(ge=-0.01, le=0.01, unit="rad", doc="mean vertical slope at GTK3")
    divergence_x: float = _f(ge=0, le=0.01, unit="rad", doc="rms horizontal divergence")
    divergence_y: float = _f(ge=0, le=0.01, unit="rad", doc="rms vertical divergence")
    x0: float = _f(ge=-0.1, le=0.1, unit="m", doc="mean x at GTK3")
    y0: float = _f(ge=-0.1, le=0.1, unit="m", doc="mean y at GTK3")
    spot_x: float = _f(ge=0, le=0.1, unit="m", doc="rms x spot at GTK3")
    spot_y: float = _f(ge=0, le=0.1, unit="m", doc="rms y spot at GTK3")
    z_gtk3: float = _f(ge=0, le=300, unit="m", doc="reference plane where the beam is defined")
    fraction_kaon: float = _f(ge=0, le=1, doc="K+ fraction of the beam")
    fraction_pion: float = _f(ge=0, le=1, doc="pi+ fraction of the beam")
    fraction_proton: float = _f(ge=0, le=1, doc="proton fraction of the beam")
    z_range_default: tuple[float, float] = Field(..., description="default decay z window (m)")

    @model_validator(mode="after")
    def _check(self):
        s = self.fraction_kaon + self.fraction_pion + self.fraction_proton
        if s > 1.0 + 1e-9:
            raise ValueError(f"fraction_kaon + fraction_pion + fraction_proton must be <= 1, got {s:g}")
        z1, z2 = self.z_range_default
        if not (self.z_gtk3 <= z1 < z2):
            raise ValueError(f"z_range_default must satisfy z_gtk3 <= z1 < z2, got {self.z_range_default}")
        return self


# ---------------------------------------------------------------------------------------- resolution
class Resolution(_Model):
    """Resolutions ([JINST17; RICH20])."""
    gtk_p_rel: float = _f(ge=0, le=0.1, doc="GTK sigma_p/p")
    gtk_angle: float = _f(ge=0, le=0.01, unit="rad", doc="GTK angular resolution per projection")
    gtk_position: float = _f(ge=0, le=0.01, unit="m", doc="GTK3 position resolution")
    gtk_time_ns: float = _f(ge=0, le=10, unit="ns")
    straw_p_const: float = _f(ge=0, le=0.1, doc="STRAW sigma_p/p constant term")
    straw_p_slope: float = _f(ge=0, le=0.01, unit="1/(GeV/c)", doc="STRAW sigma_p/p term linear in p")
    straw_angle_const: float = _f(ge=0, le=0.01, unit="rad", doc="STRAW angle resolution, constant term")
    straw_angle_ms: float = _f(ge=0, le=0.1, unit="rad GeV/c", doc="STRAW angle resolution, multiple-scattering term / p")
    straw_position: float = _f(ge=0, le=0.01, unit="m", doc="track position resolution at STRAW1")
    straw_time_ns: float = _f(ge=0, le=100, unit="ns")
    rich_time_ns: float = _f(ge=0, le=10, unit="ns")
    chod_time_ns: float = _f(ge=0, le=10, unit="ns")
    ktag_time_ns: float = _f(ge=0, le=10, unit="ns")
    lkr_e_stochastic: float = _f(ge=0, le=1, doc="LKr sigma_E/E stochastic term (x 1/sqrt(E/GeV))")
    lkr_e_noise: float = _f(ge=0, le=1, doc="LKr sigma_E/E noise term (x 1/(E/GeV))")
    lkr_e_const: float = _f(ge=0, le=1, doc="LKr sigma_E/E constant term")
    # Time resolutions the first cards did not carry (optional, so older card files stay valid; sources and
    # status in the built-in YAML; :mod:`kaonportal.detector.timing` uses them).
    newchod_time_ns: float = _f(default=1.0, ge=0, le=10, unit="ns", doc="NewCHOD hit time (D)")
    lav_time_ns: float = _f(default=1.0, ge=0, le=10, unit="ns", doc="LAV hit time (D)")
    irc_sac_time_ns: float = _f(default=0.56, ge=0, le=10, unit="ns", doc="IRC/SAC time after slewing correction (V)")
    muv3_time_ns: float = _f(default=0.5, ge=0, le=10, unit="ns", doc="MUV3 hit time (V/R 0.4-0.6)")
    chanti_time_ns: float = _f(default=1.0, ge=0, le=10, unit="ns", doc="CHANTI hit time (D)")
    hasc_time_ns: float = _f(default=1.0, ge=0, le=10, unit="ns", doc="HASC hit time (not found, D)")
    muv0_time_ns: float = _f(default=1.0, ge=0, le=10, unit="ns", doc="MUV0 hit time (not found, D)")
    lkr_time_a_ns: float = _f(default=0.56, ge=0, le=10, unit="ns", doc="LKr sigma_t(E) = a + b/E + c/sqrt(E): a")
    lkr_time_b_ns: float = _f(default=1.53, ge=0, le=10, unit="ns GeV", doc="LKr sigma_t(E): b")
    lkr_time_c_ns: float = _f(default=-0.233, ge=-10, le=10, unit="ns GeV^0.5", doc="LKr sigma_t(E): c")


# -------------------------------------------------------------------------------------- photon veto
class VetoTable(_Model):
    """Inefficiency versus photon energy; log(inefficiency) linear in log(E) between the points.

    Below the first energy the photon is not detected (inefficiency 1); above the last, the last value.
    """
    energy: list[float] = Field(..., min_length=2, description="GeV, strictly increasing, > 0")
    inefficiency: list[float] = Field(..., min_length=2, description="in (0, 1]")

    @model_validator(mode="after")
    def _check(self):
        if len(self.energy) != len(self.inefficiency):
            raise ValueError("energy and inefficiency must have the same length")
        if any(e <= 0 or not math.isfinite(e) for e in self.energy) or any(
                b <= a for a, b in zip(self.energy, self.energy[1:])):
            raise ValueError("energy must be finite, > 0 GeV and strictly increasing")
        if any(not (0 < x <= 1) for x in self.inefficiency):
            raise ValueError("inefficiency values must be in (0, 1]")
        return self


class PhotonVeto(_Model):
    """Photon-veto inefficiency tables per detector ([FW PhotonRejection.cc; JINST17])."""
    lav: VetoTable
    lkr: VetoTable
    irc: VetoTable
    sac: VetoTable
    lkr_min_distance: float = _f(ge=0, le=1, unit="m", doc="photon clusters closer than this to the track are merged with it (not vetoed)")
    extra_charged_inefficiency: float = _f(ge=0, le=1, doc="probability to miss an extra charged particle outside the spectrometer hitting a veto")


# --------------------------------------------------------------------------------------------- PID
class Pid(_Model):
    """Identification efficiencies and mis-identification probabilities of the candidate track."""
    rich_p_min: float = _f(ge=0, le=100, unit="GeV/c", doc="lower end of the RICH pi/mu separation range")
    rich_p_max: float = _f(ge=0, le=100, unit="GeV/c", doc="upper end of the RICH pi/mu separation range")
    pion_efficiency: float = _f(ge=0, le=1, doc="P(pi+ identified as pi)")
    pion_as_muon: float = _f(ge=0, le=1, doc="P(pi+ identified as mu)")
    pion_as_electron: float = _f(ge=0, le=1, doc="P(pi+ identified as e)")
    muon_efficiency: float = _f(ge=0, le=1, doc="P(mu+ identified as mu)")
    muon_as_pion_rich: float = _f(ge=0, le=1, doc="RICH factor of P(mu+ identified as pi) inside the RICH range (1 outside)")
    muon_as_pion_calo: float = _f(ge=0, le=1, doc="calorimeter/MUV3 factor of P(mu+ identified as pi)")
    muon_as_electron: float = _f(ge=0, le=1, doc="P(mu+ identified as e)")
    electron_efficiency: float = _f(ge=0, le=1, doc="P(e+ identified as e)")
    electron_as_pion: float = _f(ge=0, le=1, doc="P(e+ identified as pi)")
    electron_as_muon: float = _f(ge=0, le=1, doc="P(e+ identified as mu)")

    @model_validator(mode="after")
    def _check(self):
        if self.rich_p_min >= self.rich_p_max:
            raise ValueError("rich_p_min must be < rich_p_max")
        for who, tot in (("pion", self.pion_efficiency + self.pion_as_muon + self.pion_as_electron),
                         ("muon", self.muon_efficiency + self.muon_as_pion_rich * self.muon_as_pion_calo
                          + self.muon_as_electron),
                         ("electron", self.electron_efficiency + self.electron_as_pion + self.electron_as_muon)):
            if tot > 1 + 1e-12:
                raise ValueError(f"{who}: identification probabilities sum to {tot:g} > 1")
        return self


# -------------------------------------------------------------------------------- run conditions
class RunConditions(_Model):
    """Dataset-level numbers an analysis needs besides the detector (sources in the YAML)."""
    dataset: str
    trigger_efficiency_pnn: float = _f(ge=0, le=1)
    random_veto_efficiency: float = _f(ge=0, le=1)
    beam_rate_mhz: float = _f(gt=0, le=10000, unit="MHz", doc="beam particle rate at GTK3")
    spill_length_s: float = _f(gt=0, le=100, unit="s")
    kaon_decays: float | None = Field(..., ge=0, description="K+ decays in the fiducial volume of the dataset (null if not known)")


class Card(_Model):
    """A complete detector card."""
    name: str
    format_version: int = Field(..., ge=1, le=1, description="card format version")
    description: str
    beam: Beam
    geometry: Geometry
    resolution: Resolution
    photon_veto: PhotonVeto
    pid: Pid
    run_conditions: RunConditions
    pileup: Pileup = Field(default_factory=Pileup, description="accidental activity (optional section)")
    upstream: Upstream = Field(default_factory=Upstream, description="upstream beam line (optional section)")
    source: str | None = Field(None, description="file the card was read from (filled on load)")


# --------------------------------------------------------------------------------------- loading
def _constraint_text(card_cls: type[BaseModel], loc: tuple) -> str:
    """Allowed values of the field at ``loc`` (e.g. '[0, 0.1] rad'), or '' if not a ranged field."""
    cls: Any = card_cls
    info = None
    for key in loc:
        if isinstance(key, int):
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or key not in cls.model_fields:
            return ""
        info = cls.model_fields[key]
        ann = info.annotation
        args = getattr(ann, "__args__", ())
        nxt = next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        cls = nxt
    if info is None:
        return ""
    lo = hi = None
    lo_inc = hi_inc = True
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Gt):
            lo, lo_inc = m.gt, False
        elif isinstance(m, annotated_types.Le):
            hi = m.le
        elif isinstance(m, annotated_types.Lt):
            hi, hi_inc = m.lt, False
    if lo is None and hi is None:
        return f"({info.description})" if info.description else ""
    unit = (info.json_schema_extra or {}).get("unit", "") if isinstance(info.json_schema_extra, dict) else ""
    a = ("[" if lo_inc else "(") + ("-inf" if lo is None else f"{lo:g}")
    b = ("inf" if hi is None else f"{hi:g}") + ("]" if hi_inc else ")")
    return f"allowed range {a}, {b}" + (f" {unit}" if unit else "")


def card_from_dict(data: dict, source: str = "<dict>") -> Card:
    """Validate a card given as a dict; errors become one :class:`InputError` naming the field."""
    if not isinstance(data, dict):
        raise InputError("card", f"{source}: expected a mapping at the top level")
    try:
        return Card.model_validate({**data, "source": source})
    except ValidationError as exc:
        errs = exc.errors()
        e = errs[0]
        loc = tuple(e.get("loc", ()))
        field = "card." + ".".join(str(x) for x in loc) if loc else "card"
        allowed = _constraint_text(Card, loc)
        msg = e.get("msg", "invalid")
        if e.get("type") == "missing":
            msg = "missing field"
        got = "" if e.get("type") == "missing" else f", got {e.get('input')!r}"
        more = f" (+{len(errs) - 1} more problem(s))" if len(errs) > 1 else ""
        raise InputError(field, f"{msg}{got}" + (f"; {allowed}" if allowed else "")
                         + f" [card {source}]{more}") from None


@lru_cache(maxsize=32)
def _load_path(path: str, mtime: float) -> Card:
    data = read_yaml(path, "card")
    return card_from_dict(data, source=path)


def _builtin_names() -> list[str]:
    return sorted(p.stem for p in CARD_DIR.glob("*.yaml"))


def load_card(card: str | Path | Card) -> Card:
    """Load a built-in card by name (``"na62-2018"``) or a YAML file by path; a Card passes through.

    Returns a fresh copy, so changing it (``card.beam.momentum = 74.0``) does not affect other users.
    Unknown names raise :class:`InputError` listing the built-in cards.
    """
    if isinstance(card, Card):
        return card
    s = str(card)
    p = Path(s)
    if s in _builtin_names():
        p = CARD_DIR / f"{s}.yaml"
    elif not (p.suffix in (".yaml", ".yml") or p.exists()):
        raise InputError("card", f"unknown card {s!r}; built-in cards: {', '.join(_builtin_names())} "
                                 "(or give the path of a YAML card)")
    if not p.exists():
        raise InputError("card", f"card file {s} does not exist")
    p = p.resolve()
    return _load_path(str(p), p.stat().st_mtime).model_copy(deep=True)


def list_cards() -> list[tuple[str, str]]:
    """Built-in cards as ``(name, dataset description)``."""
    return [(name, load_card(name).run_conditions.dataset) for name in _builtin_names()]
