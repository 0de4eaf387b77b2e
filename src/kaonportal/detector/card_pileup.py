"""Detector-card run conditions for pile-up and the upstream background: the accidental rates and veto windows
(``pileup``) and the upstream-background model inputs (``upstream``), validated on load. Part of :mod:`.card`
(which re-exports it). Units: MHz, ns, metres.
"""

from __future__ import annotations

__all__ = ["Pileup", "Upstream"]

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from .card_base import _f, _Model


# ------------------------------------------------------------------------------------------ pile-up
_PositiveBounded = Annotated[float, Field(gt=0, le=1000)]


class Pileup(_Model):
    """Accidental activity of the beam ([FW UpstreamPileupGenerator.cc; PhotonRejection.cc]; the rest D).

    Optional section (defaults below, the values of the built-in cards); used by
    :mod:`kaonportal.simulation.pileup`. Windows are half-widths around the event time (ns).
    """
    halo_rate_mhz: float = _f(default=4.0, ge=0, le=1000, unit="MHz",
                              doc="muon-halo rate crossing the downstream detectors at the card's beam rate (D)")
    gtk_interaction_probability: float = Field(1.9e-3, ge=0, le=1, description="inelastic interaction probability of a beam particle in the GTK stations (D)")
    gtk_hit_inefficiency: float = Field(0.04, ge=0, le=1, description="GTK hit inefficiency (V, MC default)")
    readout_half_window_ns: float = _f(default=50.0, gt=0, le=1000, unit="ns",
                                       doc="half-width of the window in which accidentals are overlaid (D)")
    window_lav_ns: float = _f(default=3.0, gt=0, le=100, unit="ns")
    window_irc_ns: float = _f(default=7.0, gt=0, le=100, unit="ns")
    window_sac_ns: float = _f(default=7.0, gt=0, le=100, unit="ns")
    lkr_window_energies_gev: list[_PositiveBounded] = Field([1.0, 2.0, 15.0], min_length=3, max_length=3, description=(
        "LKr cluster energy bands E1 < E2 < E3 (GeV) of the pnn photon rejection [FW PhotonRejectionLKr.cc] (V)"))
    lkr_window_low_ns: float = _f(default=5.0, gt=0, le=100, unit="ns", doc=(
        "LKr half-window for clusters below E1 [FW PhotonRejectionLKr.cc] (V)"))
    lkr_window_sigmas: list[_PositiveBounded] = Field([5.0, 15.0, 70.0], min_length=3, max_length=3, description=(
        "LKr half-windows in units of sigma_t(E) for E1-E2, E2-E3 and above E3 [FW PhotonRejectionLKr.cc] (V)"))
    window_chanti_ns: float = _f(default=3.0, gt=0, le=100, unit="ns")
    window_chod_ns: float = _f(default=5.0, gt=0, le=100, unit="ns", doc=(
        "NewCHOD extra hit +-5 ns in coincidence with a CHOD pair [FW MultiplicitySelection.cc] (V)"))
    window_muv3_ns: float = _f(default=3.0, gt=0, le=100, unit="ns")
    window_lkr_chod_ns: float = _f(default=8.5, gt=0, le=100, unit="ns", doc=(
        "one charged particle in the CHOD and the LKr: LKr extra activity -7..+10 ns in coincidence with a CHOD pair "
        "[FW MultiplicitySelection.cc] (V), as +-8.5 ns (D)"))
    window_ktag_ns: float = _f(default=1.0, gt=0, le=100, unit="ns")
    window_hasc_ns: float = _f(default=3.0, gt=0, le=100, unit="ns",
                               doc="HASC +-3 ns [FW MultiplicitySelection.cc] (V)")
    window_muv0_ns: float = _f(default=9.0, gt=0, le=100, unit="ns",
                               doc="MUV0 -10..+8 ns [FW MultiplicitySelection.cc] (V) as +-9 ns (D)")
    window_kpi_ns: float = _f(default=0.5, gt=0, le=100, unit="ns",
                              doc="K-pi matching: |t_GTK - t_downstream| half-window (D)")
    kpi_cda_m: float = _f(default=0.030, gt=0, le=1, unit="m", doc="K-pi matching CDA cut (U)")
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
    final collimator, the built-in na62-2022 card has the 2018 design. Without it interaction_pion_yield is 0,
    which the pnn section refuses under ``pnn.upstream_model: physics`` (``kaonportal.analyses.pnn``)."""
    z_achromat_end: float = _f(default=99.46, ge=50, le=105, unit="m",
                               doc="exit of BEND 6, the last dipole of the GTK achromat [BEATCH] (V)")
    collimator_z_front: float = _f(default=101.255, ge=50, le=105, unit="m",
                                   doc="final collimator front face [FW GigaTracker-Collimator.dat] (V)")
    collimator_length: float = _f(default=1.0, gt=0, le=5, unit="m")
    collimator_half_x: float = _f(default=0.033, gt=0, le=1, unit="m",
                                  doc="half of the inner aperture width (66 mm, 2016 design, V)")
    collimator_half_y: float = _f(default=0.0165, gt=0, le=1, unit="m",
                                  doc="half of the inner aperture height (33 mm, 2016 design, V)")
    interaction_pion_yield: float = Field(0.0, ge=0, le=1, description=(
        "probability that an inelastic interaction in GTK3 yields a pi+ passing the whole pnn selection once an "
        "accidental beam track is in time (D: calibrated on the 2017 upstream budget)"))
    interaction_pion_yield_error: float = Field(0.0, ge=0, le=1, description="its calibration error")

    @model_validator(mode="after")
    def _check(self):
        if not self.z_achromat_end < self.collimator_z_front:
            raise ValueError("need z_achromat_end < collimator_z_front")
        return self
