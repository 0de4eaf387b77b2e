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
from typing import Annotated, Any

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..yamlio import read_yaml

CARD_DIR = Path(__file__).with_name("cards")


def _f(*, ge: float | None = None, le: float | None = None, gt: float | None = None,
       lt: float | None = None, unit: str = "", doc: str = "") -> Any:
    """A required numeric field with its allowed range and unit."""
    return Field(..., ge=ge, le=le, gt=gt, lt=lt, description=doc, json_schema_extra={"unit": unit})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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


# ----------------------------------------------------------------------------------------- geometry
class GtkStation(_Model):
    name: str
    z: float = _f(ge=0, le=300, unit="m")
    half_x: float = _f(gt=0, le=1, unit="m")
    half_y: float = _f(gt=0, le=1, unit="m")


class Chanti(_Model):
    z_front: float = _f(ge=0, le=300, unit="m")
    z_back: float = _f(ge=0, le=300, unit="m")
    hole_half_x: float = _f(gt=0, le=1, unit="m")
    hole_half_y: float = _f(gt=0, le=1, unit="m")
    half_size: float = _f(gt=0, le=2, unit="m")


class LavStation(_Model):
    name: str
    z_front: float = _f(ge=0, le=300, unit="m")
    z_back: float = _f(ge=0, le=300, unit="m")
    r_inner: float = _f(gt=0, le=5, unit="m")
    r_outer: float = _f(gt=0, le=5, unit="m")

    @model_validator(mode="after")
    def _check(self):
        if not (self.z_front < self.z_back and self.r_inner < self.r_outer):
            raise ValueError("need z_front < z_back and r_inner < r_outer")
        return self


class StrawChamber(_Model):
    name: str
    z: float = _f(ge=0, le=300, unit="m")
    r_max: float = _f(gt=0, le=5, unit="m", doc="outer acceptance radius")
    hole_half: float = _f(ge=0, le=1, unit="m", doc="half-size of the square beam hole")
    hole_x: float = _f(ge=-1, le=1, unit="m", doc="x of the beam-hole centre")


class Magnet(_Model):
    z: float = _f(ge=0, le=300, unit="m", doc="centre (thin-lens kick plane)")
    length: float = _f(gt=0, le=10, unit="m")
    pt_kick: float = _f(ge=-5, le=5, unit="GeV/c", doc="horizontal pT kick for charge +1 (x direction)")


class Ring(_Model):
    """Annular acceptance r_min < R < r_max around (x_center, 0) at plane z."""
    z: float = _f(ge=0, le=300, unit="m")
    r_min: float = _f(ge=0, le=5, unit="m")
    r_max: float = _f(gt=0, le=5, unit="m")
    x_center: float = _f(ge=-1, le=1, unit="m")


class Octagon(_Model):
    """LKr front face: regular octagon (apothem) with a circular central hole. ``r_hole`` is the inner edge
    of the track acceptance; ``r_hole_photon`` that of photon detection for the veto (None: ``r_hole``)."""
    z: float = _f(ge=0, le=300, unit="m")
    r_hole: float = _f(ge=0, le=1, unit="m")
    apothem: float = _f(gt=0, le=5, unit="m")
    r_hole_photon: float | None = Field(None, ge=0, le=1, json_schema_extra={"unit": "m"})


class Square(_Model):
    """Square |x|,|y| < half_side outside a central hole R > r_min."""
    z: float = _f(ge=0, le=300, unit="m")
    r_min: float = _f(ge=0, le=1, unit="m")
    half_side: float = _f(gt=0, le=5, unit="m")


class OffAxisBox(_Model):
    """Rectangle x_min < x < x_max, |y| < half_y at plane z (off-axis vetoes MUV0, HASC)."""
    z: float = _f(ge=0, le=300, unit="m")
    x_min: float = _f(ge=-5, le=5, unit="m")
    x_max: float = _f(ge=-5, le=5, unit="m")
    half_y: float = _f(gt=0, le=5, unit="m")


def _muv0() -> OffAxisBox:
    # [GA; BEATCH] V: z = 237.358 m, 1545 < x < 2945 mm; height not found: square, |y| < 0.7 m (D)
    return OffAxisBox(z=237.358, x_min=1.545, x_max=2.945, half_y=0.7)


def _hasc() -> OffAxisBox:
    # [BEATCH; MCgeo:HAC] V: front 253.35 m, 3x3 modules at -480 < x < -180 mm; |y| < 0.15 m from square modules (D)
    return OffAxisBox(z=253.35, x_min=-0.480, x_max=-0.180, half_y=0.15)


def _beam_dipole() -> "Magnet":
    # [BEATCH; MCgeo:HAC] V: 248.2-250.2 m, pT -990 MeV/c for charge +1 (sweeps the charged beam off the SAC)
    return Magnet(z=249.2, length=2.0, pt_kick=-0.990)


class Geometry(_Model):
    """Positions and apertures ([GA; BEATCH; MCgeo])."""
    gtk: list[GtkStation] = Field(..., min_length=1)
    chanti: Chanti
    lav: list[LavStation] = Field(..., min_length=1)
    straw: list[StrawChamber] = Field(..., min_length=1)
    mnp33: Magnet
    rich: Ring
    newchod: Ring
    chod: Ring
    irc: Ring
    lkr: Octagon
    muv1: Square
    muv2: Square
    muv3: Square
    sac: Square
    muv0: OffAxisBox = Field(default_factory=_muv0, description="off-axis MUV0 (optional; default the V values)")
    hasc: OffAxisBox = Field(default_factory=_hasc, description="HASC behind the beam dipole (optional)")
    beam_dipole: Magnet = Field(default_factory=_beam_dipole, description="beam-deflecting dipole before the SAC (optional)")

    @model_validator(mode="after")
    def _order(self):
        zs = [s.z for s in self.straw]
        if zs != sorted(zs):
            raise ValueError("straw chambers must be ordered in z")
        if not (zs[0] < self.mnp33.z < zs[-1]):
            raise ValueError("mnp33.z must lie between the first and last straw chamber")
        lz = [s.z_front for s in self.lav]
        if lz != sorted(lz):
            raise ValueError("lav stations must be ordered in z")
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
    newchod_time_ns: float = Field(1.0, ge=0, le=10, json_schema_extra={"unit": "ns"}, description="NewCHOD hit time (D)")
    lav_time_ns: float = Field(1.0, ge=0, le=10, json_schema_extra={"unit": "ns"}, description="LAV hit time (D)")
    irc_sac_time_ns: float = Field(0.56, ge=0, le=10, json_schema_extra={"unit": "ns"}, description="IRC/SAC time after slewing correction (V)")
    muv3_time_ns: float = Field(0.5, ge=0, le=10, json_schema_extra={"unit": "ns"}, description="MUV3 hit time (V/R 0.4-0.6)")
    chanti_time_ns: float = Field(1.0, ge=0, le=10, json_schema_extra={"unit": "ns"}, description="CHANTI hit time (D)")
    hasc_time_ns: float = Field(1.0, ge=0, le=10, json_schema_extra={"unit": "ns"}, description="HASC hit time (not found, D)")
    muv0_time_ns: float = Field(1.0, ge=0, le=10, json_schema_extra={"unit": "ns"}, description="MUV0 hit time (not found, D)")
    lkr_time_a_ns: float = Field(0.56, ge=0, le=10, json_schema_extra={"unit": "ns"}, description="LKr sigma_t(E) = a + b/E + c/sqrt(E): a")
    lkr_time_b_ns: float = Field(1.53, ge=0, le=10, json_schema_extra={"unit": "ns GeV"}, description="LKr sigma_t(E): b")
    lkr_time_c_ns: float = Field(-0.233, ge=-10, le=10, json_schema_extra={"unit": "ns GeV^0.5"}, description="LKr sigma_t(E): c")


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


# ------------------------------------------------------------------------------------------ pile-up
_PositiveBounded = Annotated[float, Field(gt=0, le=1000)]


class Pileup(_Model):
    """Accidental activity of the beam ([FW UpstreamPileupGenerator.cc; PhotonRejection.cc]; the rest D).

    Optional section (defaults below, the values of the built-in cards); used by
    :mod:`kaonportal.simulation.pileup`. Windows are half-widths around the event time (ns).
    """
    halo_rate_mhz: float = Field(4.0, ge=0, le=1000, json_schema_extra={"unit": "MHz"},
                                 description="muon-halo rate crossing the downstream detectors at the card's beam rate (D)")
    gtk_interaction_probability: float = Field(1.9e-3, ge=0, le=1, description="inelastic interaction probability of a beam particle in the GTK stations (D)")
    gtk_hit_inefficiency: float = Field(0.04, ge=0, le=1, description="GTK hit inefficiency (V, MC default)")
    readout_half_window_ns: float = Field(50.0, gt=0, le=1000, json_schema_extra={"unit": "ns"},
                                          description="half-width of the window in which accidentals are overlaid (D)")
    window_lav_ns: float = Field(3.0, gt=0, le=100, json_schema_extra={"unit": "ns"})
    window_irc_ns: float = Field(7.0, gt=0, le=100, json_schema_extra={"unit": "ns"})
    window_sac_ns: float = Field(7.0, gt=0, le=100, json_schema_extra={"unit": "ns"})
    lkr_window_energies_gev: list[_PositiveBounded] = Field([1.0, 2.0, 15.0], min_length=3, max_length=3, description=(
        "LKr cluster energy bands E1 < E2 < E3 (GeV) of the pnn photon rejection [FW PhotonRejectionLKr.cc] (V)"))
    lkr_window_low_ns: float = Field(5.0, gt=0, le=100, json_schema_extra={"unit": "ns"}, description=(
        "LKr half-window for clusters below E1 [FW PhotonRejectionLKr.cc] (V)"))
    lkr_window_sigmas: list[_PositiveBounded] = Field([5.0, 15.0, 70.0], min_length=3, max_length=3, description=(
        "LKr half-windows in units of sigma_t(E) for E1-E2, E2-E3 and above E3 [FW PhotonRejectionLKr.cc] (V)"))
    window_chanti_ns: float = Field(3.0, gt=0, le=100, json_schema_extra={"unit": "ns"})
    window_chod_ns: float = Field(5.0, gt=0, le=100, json_schema_extra={"unit": "ns"}, description=(
        "NewCHOD extra hit +-5 ns in coincidence with a CHOD pair [FW MultiplicitySelection.cc] (V)"))
    window_muv3_ns: float = Field(3.0, gt=0, le=100, json_schema_extra={"unit": "ns"})
    window_lkr_chod_ns: float = Field(8.5, gt=0, le=100, json_schema_extra={"unit": "ns"}, description=(
        "one charged particle in the CHOD and the LKr: LKr extra activity -7..+10 ns in coincidence with a CHOD pair "
        "[FW MultiplicitySelection.cc] (V), as +-8.5 ns (D)"))
    window_ktag_ns: float = Field(1.0, gt=0, le=100, json_schema_extra={"unit": "ns"})
    window_hasc_ns: float = Field(3.0, gt=0, le=100, json_schema_extra={"unit": "ns"},
                                  description="HASC +-3 ns [FW MultiplicitySelection.cc] (V)")
    window_muv0_ns: float = Field(9.0, gt=0, le=100, json_schema_extra={"unit": "ns"},
                                  description="MUV0 -10..+8 ns [FW MultiplicitySelection.cc] (V) as +-9 ns (D)")
    window_kpi_ns: float = Field(0.5, gt=0, le=100, json_schema_extra={"unit": "ns"},
                                 description="K-pi matching: |t_GTK - t_downstream| half-window (D)")
    kpi_cda_m: float = Field(0.030, gt=0, le=1, json_schema_extra={"unit": "m"}, description="K-pi matching CDA cut (U)")
    veto_detectors: list[str] = Field(["lav", "lkr", "irc", "sac", "chanti", "chod"],
                                      description="detectors whose in-time accidental hits veto the event (D)")

    @field_validator("lkr_window_energies_gev")
    @classmethod
    def _increasing(cls, e):
        if not e[0] < e[1] < e[2]:
            raise ValueError("must be 3 increasing energies in (0, 1000] GeV")
        return e

    @model_validator(mode="after")
    def _check(self):
        allowed = ("lav", "lkr", "irc", "sac", "chanti", "chod", "muv3", "hasc", "muv0", "lkr_chod")
        bad = [d for d in self.veto_detectors if d not in allowed]
        if bad:
            raise ValueError(f"unknown veto detector(s) {bad}; allowed: {', '.join(allowed)}")
        widest = max(self.window_lav_ns, self.window_irc_ns, self.window_sac_ns, self.window_chanti_ns,
                     self.window_chod_ns, self.window_muv3_ns, self.window_hasc_ns, self.window_muv0_ns,
                     self.window_lkr_chod_ns)
        if self.readout_half_window_ns < widest:
            raise ValueError(f"readout_half_window_ns must cover the widest veto window ({widest:g} ns)")
        return self


class Upstream(_Model):
    """Beam-line elements upstream of the fiducial volume and the one calibrated number of the upstream background
    (:mod:`kaonportal.analyses.pnn_budget.upstream_physics`). Optional section; the defaults are the 2016-design
    final collimator, the built-in na62-2022 card has the 2018 design."""
    z_achromat_end: float = Field(99.46, ge=50, le=105, json_schema_extra={"unit": "m"},
                                  description="exit of BEND 6, the last dipole of the GTK achromat [BEATCH] (V)")
    collimator_z_front: float = Field(101.255, ge=50, le=105, json_schema_extra={"unit": "m"},
                                      description="final collimator front face [FW GigaTracker-Collimator.dat] (V)")
    collimator_length: float = Field(1.0, gt=0, le=5, json_schema_extra={"unit": "m"})
    collimator_half_x: float = Field(0.033, gt=0, le=1, json_schema_extra={"unit": "m"},
                                     description="half of the inner aperture width (66 mm, 2016 design, V)")
    collimator_half_y: float = Field(0.0165, gt=0, le=1, json_schema_extra={"unit": "m"},
                                     description="half of the inner aperture height (33 mm, 2016 design, V)")
    interaction_pion_yield: float = Field(0.0, ge=0, le=1, description=(
        "probability that an inelastic interaction in GTK3 yields a pi+ passing the whole pnn selection once an "
        "accidental beam track is in time (D: calibrated on the 2017 upstream budget)"))
    interaction_pion_yield_error: float = Field(0.0, ge=0, le=1, description="its calibration error")

    @model_validator(mode="after")
    def _check(self):
        if not self.z_achromat_end < self.collimator_z_front:
            raise ValueError("need z_achromat_end < collimator_z_front")
        return self


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
