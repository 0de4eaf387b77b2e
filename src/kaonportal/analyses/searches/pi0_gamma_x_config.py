"""Configuration and input checks of the pi0 -> gamma A' / gamma nu nubar search.

Part of :mod:`.pi0_gamma_x` (method, sources and outcome in its docstring; every name is importable from there).
"""

from __future__ import annotations

__all__ = ["MASS_RANGE", "M2MISS_ALLOWED", "Pi0GammaXConfig", "check_pi0_gamma_x_inputs"]

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ...constants import mass
from ...detector.conversions import ConversionModel
from ...detector.photonuclear import PhotonuclearModel
from ...reco.smearing import LKR_POSITION_M
from .common import M2MISS_ALLOWED_K, check_inject, check_mass_grid, read_candidates

MASS_RANGE = (0.005, 0.130)     # GeV; below m_pi0, the NA62 A' scan range (arXiv:1903.08767 figures, approx.)
M2MISS_ALLOWED = M2MISS_ALLOWED_K     # allowed candidate m2miss (GeV^2/c^4): common.M2MISS_ALLOWED_K


class Pi0GammaXConfig(BaseModel):
    """Configuration (defaults: [CortinaGil:2019nuo], JHEP 05 (2019) 182)."""

    model_config = ConfigDict(extra="forbid")
    n_pi0_tagged: float = Field(4.12e8, gt=0, description="tagged pi0 ([CortinaGil:2019nuo])")
    n_scale: float = Field(1.0, gt=0, description="projection: tagged pi0 x n_scale")
    mass_step: float = Field(0.0025, gt=0, description="A' mass step (GeV)")
    masses: list[float] | None = Field(None, description="explicit A' masses (GeV)")
    n_signal_masses: int = Field(6, ge=2)
    n_signal: int = Field(10_000, ge=1000)
    n_background: int = Field(1_000_000, ge=5000, description="pi0 -> gamma gamma events (heavy-tailed weights)")
    z_range: tuple[float, float] = Field((105.0, 165.0), description="fiducial decay z (m)")
    lkr_position_m: float = Field(LKR_POSITION_M, gt=0, description="U: LKr cluster position resolution (m), "
                                                                    "reco.smearing.LKR_POSITION_M")
    window: float = Field(1.5, gt=0, description="half-window in sigma(m_miss^2)")
    nunu_m2_min: float = Field(0.004, ge=0, lt=mass("pi0") ** 2,
                               description="D: pi0 -> gamma nu nubar region m_miss^2 > this (GeV^2); below m_pi0^2, "
                                           "the kinematic end of the signal")
    published_nunu_limit: float = Field(1.9e-7, description="BR(pi0 -> gamma nu nubar) < 1.9e-7, 90% CL ([CortinaGil:2019nuo], S003)")
    cl: float = Field(0.9, gt=0, lt=1)
    inject: list[float] | None = Field(None, description="[m_A' GeV, signal events] added to the pseudo-data")
    candidates_file: str | None = Field(
        None, description="observed candidates: CSV (.csv/.txt) with an m2miss column, m_miss^2 = (P_K - P_pi+ - "
                          "P_gamma)^2 in GeV^2/c^4 (M2MISS_ALLOWED); relative paths from the working directory; "
                          "also the gamma nu nubar count (m2miss > nunu_m2_min); null: pseudo-data")
    nunu_background_error: Literal["simulation", "data-driven"] = Field(
        "data-driven", description="uncertainty of the gamma nu nubar background: this run's simulation statistics "
                                  "(a fixed fraction of b: the limit stops improving with n_scale) or sqrt(b) (D)")
    extra_backgrounds: list[Literal["dalitz", "kpi2g"]] = Field(
        default_factory=lambda: ["dalitz", "kpi2g"],
        description="backgrounds besides pi0 -> gamma gamma: pi0 Dalitz (e+ e- lost), K+ -> pi+ pi0 gamma IB")
    n_background_extra: int = Field(200_000, ge=5000, description="events per extra background source")
    e_gamma_min: float = Field(0.010, gt=0, lt=0.1, description="D: K+ -> pi+ pi0 gamma IB photon-energy cut "
                                                                "(GeV, kaon frame); softer photons are in gamma gamma")
    background_error: Literal["simulation", "data-driven"] = Field(
        "data-driven", description="uncertainty of the background in the scan: this run's simulation statistics, or "
                                   "a control-sample estimate with the window's own Poisson precision sqrt(b) (D)")
    nunu_spectrum: Literal["standard-model", "phase-space"] = Field(
        "standard-model", description="pi0 -> gamma nu nubar photon spectrum (nunu_photon_weight) or flat")
    conversions: bool = Field(True, description="photon conversions in the STRAW chambers upstream of MNP33 "
                                                "(detector.conversions; False: none)")
    straw_chamber_x0: float = Field(0.0045, ge=0, le=0.5, description="D/R: STRAW chamber material in X0 "
                                                                      "(detector.conversions.ConversionModel)")
    track_min_chambers: int = Field(3, ge=1, le=4, description="R: STRAW chambers a reconstructed track needs")
    lepton_cluster_inefficiency: float = Field(
        1.0, ge=0, le=1, description="U: P(a conversion-lepton cluster is not recognised as charged); 1 = the "
                                     "one-photon selection has no such rejection (ConversionModel)")

    photonuclear: bool = Field(True, description="photonuclear LKr response (detector.photonuclear; False: none)")
    photonuclear_probability: float | None = Field(
        None, ge=0, le=1, description="D: P(photon's first LKr interaction is photonuclear); None = "
                                      "detector.photonuclear.photonuclear_probability() (~7e-4)")
    photonuclear_visible_range: tuple[float, float] = Field(
        (0.0, 1.0), description="U: visible energy fraction of a photonuclear cluster, uniform on this range")

    def photonuclear_model(self) -> PhotonuclearModel | None:
        """The photonuclear LKr response of this configuration (None when ``photonuclear`` is False)."""
        if not self.photonuclear:
            return None
        p = PhotonuclearModel().probability if self.photonuclear_probability is None else self.photonuclear_probability
        return PhotonuclearModel(p, tuple(self.photonuclear_visible_range))

    def conversion_model(self) -> ConversionModel | None:
        """The conversion model of this configuration (None when ``conversions`` is False)."""
        if not self.conversions:
            return None
        return ConversionModel(self.straw_chamber_x0, self.track_min_chambers, self.lepton_cluster_inefficiency)


def check_pi0_gamma_x_inputs(cfg: Pi0GammaXConfig) -> np.ndarray | None:
    """Validate what the configuration points at before anything is simulated: the mass grid and the injected
    mass inside :data:`MASS_RANGE`, ``inject`` only with pseudo-data, the conversion and photonuclear models
    (:meth:`Pi0GammaXConfig.conversion_model`, :meth:`~Pi0GammaXConfig.photonuclear_model`, e.g.
    ``photonuclear_visible_range``), the candidate file readable with finite ``m2miss`` values in
    :data:`M2MISS_ALLOWED` (GeV^2/c^4). Returns the user candidates (``None``: pseudo-data).

    >>> check_pi0_gamma_x_inputs(Pi0GammaXConfig(masses=[0.14]))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: masses[0]: 0.14 GeV is outside the allowed range(s) [0.005, 0.13] GeV
    >>> check_pi0_gamma_x_inputs(Pi0GammaXConfig(photonuclear_visible_range=(0.6, 0.2)))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: photonuclear_visible_range: must be [low, high] with low < high, got 0.6, 0.2
    >>> check_pi0_gamma_x_inputs(Pi0GammaXConfig()) is None
    True
    """
    cfg.conversion_model()
    cfg.photonuclear_model()
    if cfg.masses is not None:
        check_mass_grid("masses", cfg.masses, [MASS_RANGE])
    if cfg.inject is not None:
        check_inject("inject", cfg.inject, [MASS_RANGE], with_candidates=cfg.candidates_file is not None)
    if cfg.candidates_file is None:
        return None
    return read_candidates(cfg.candidates_file, "m2miss", allowed=M2MISS_ALLOWED, field="candidates_file")
