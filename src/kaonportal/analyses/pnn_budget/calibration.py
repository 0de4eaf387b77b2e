"""Calibration model of the K+ -> pi+ nu nubar budget: the calibrated parameters and how they reweight events.

Calibrated parameters: scales of card inputs with status R or D that the budget depends on, shared
by all sources (written by ``scripts/calibrate_pnn_budget.py``, a fit to the 2017 budget,
[NA62:2020eqcd] Table I; each scale multiplies a per-event probability, capped at 1):

* ``photon_veto`` c_gamma: ``w_photon_veto`` of events with photons to veto (card photon-veto
  inefficiency tables, R approx.), for sources with a pi0 or photon (incl. the radiative samples),
* ``extra_charged_veto`` c_ch: ``w_photon_veto`` of events whose extra particles are charged
  (pi+ pi+ pi-, pi+ pi- e+ nu; card ``extra_charged_inefficiency``, D); neither veto scale touches the
  events none of whose particles a veto detector can see (``w_photon_veto`` = 1,
  :func:`~.escapes.scalable_veto`): their escape is geometry (or energy below every threshold), not a
  detector inefficiency,
* ``muon_as_pion`` c_mu: ``w_pid_pi`` of candidates that are muons in STRAW1 (card ``muon_as_pion_*``, D):
  K+ -> mu+ nu, and pi+ -> mu+ nu decays in flight in every sample,
* ``electron_as_pion`` c_e: ``w_pid_pi`` of candidates that are positrons (card ``electron_as_pion``, D):
  mu+ -> e+ decays in flight, K+ -> pi0 e+ nu,
* ``tail_fractions`` t_s (per source with its own kinematic region):
  the fraction of the fully selected events of the source's region (e.g. the pi+ pi0 peak) that
  non-Gaussian resolution tails (large-angle scattering, pile-up mis-association; D, not in the
  fast simulation's resolution model) move into R1+R2. It adds t_s * N(region) to the simulation
  estimate and t_s to the tail fraction f_kin of the data-driven estimate (calibrated for
  K+ -> pi+ pi0 and K+ -> pi+ pi+ pi-; :mod:`.estimate`).
* ``upstream_probability`` p_up: the upstream model (:mod:`.upstream`).

>>> cal = Calibration()
>>> cal.scale("photon_veto")
(1.0, 0.0)
"""

from __future__ import annotations

__all__ = ["PARAMETERS", "TRACK_PARAMETERS", "Calibration", "load_calibration", "scale_kind", "veto_parameter",
           "reweighted_columns"]

import math
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...errors import InputError
from ...selection import column
from ...yamlio import read_yaml
from .escapes import escape_part
from .upstream import RATE_REF_MHZ

PARAMETERS = ("photon_veto", "extra_charged_veto", "muon_as_pion", "electron_as_pion")
TRACK_PARAMETERS = {13: "muon_as_pion", 11: "electron_as_pion"}     # |PDG id| of the candidate -> scale


class Calibration(BaseModel):
    """Calibrated budget parameters: ``scales`` name -> [value, error] (missing = 1, the card as is);
    ``upstream_probability`` 0 = no upstream background."""

    model_config = ConfigDict(extra="forbid")
    scales: dict[str, tuple[float, float]] = Field(default_factory=dict)
    tail_fractions: dict[str, tuple[float, float]] = Field(default_factory=dict)
    upstream_probability: float = Field(0.0, ge=0)
    upstream_probability_error: float = Field(0.0, ge=0)
    rate_ref_mhz: float = Field(RATE_REF_MHZ, gt=0)
    calibrated_on: str = "none"
    #: covariance of the fitted ln(parameters): {"names": [...], "matrix": [[...]]} (names as in
    #: ``scales`` plus ``tail:<source>``); empty in files written before it existed (then the
    #: parameter errors are propagated as independent)
    log_covariance: dict = Field(default_factory=dict)
    details: dict = Field(default_factory=dict)
    note: str = ""

    def scale(self, name: str) -> tuple[float, float]:
        """(value, relative error) of one scale (1, 0 when not calibrated)."""
        if name not in PARAMETERS:
            raise InputError("calibration.scales", f"unknown parameter {name!r}; known: {', '.join(PARAMETERS)}")
        v, e = self.scales.get(name, (1.0, 0.0))
        return float(v), (float(e) / float(v) if v > 0 else 0.0)

    def _rel_error(self, name: str) -> float:
        if name.startswith("tail:"):
            v, e = self.tail_fractions.get(name.split(":", 1)[1], (0.0, 0.0))
            return float(e) / float(v) if v > 0 else 0.0
        return self.scale(name)[1]

    def propagate(self, grad: dict[str, float]) -> float:
        """Error of a yield N from the calibration, given dN/d ln(parameter) per parameter name:
        sqrt(g^T C g) with the fit's ``log_covariance``, else parameters taken as independent.

        >>> cal = Calibration(scales={"photon_veto": (2.0, 1.0)})
        >>> cal.propagate({"photon_veto": 3.0, "muon_as_pion": 1.0})
        1.5
        """
        names = list(self.log_covariance.get("names", []))
        if names:
            mat = np.asarray(self.log_covariance["matrix"], float)
            g = np.array([grad.get(n, 0.0) for n in names])
            rest = sum((v * self._rel_error(k)) ** 2 for k, v in grad.items() if k not in names)
            return math.sqrt(max(float(g @ mat @ g), 0.0) + rest)
        return math.sqrt(sum((v * self._rel_error(k)) ** 2 for k, v in grad.items()))


def load_calibration(name_or_path: str | Path | None) -> Calibration:
    """A calibration by file name in ``kaonportal/data/configs`` or by path; ``None`` = identity."""
    if name_or_path is None:
        return Calibration()
    builtin = resources.files("kaonportal") / "data" / "configs" / str(name_or_path)
    p = Path(str(name_or_path))
    if not p.is_file():
        if not builtin.is_file():
            raise InputError("pnn.calibration", f"calibration file {str(name_or_path)!r} not found "
                                                "(run scripts/calibrate_pnn_budget.py, or set it to null)")
        p = builtin
    data = read_yaml(p, "pnn.calibration", where=str(name_or_path))
    try:
        cal = Calibration.model_validate(data)
    except ValidationError as exc:
        raise InputError("pnn.calibration", f"invalid calibration {str(name_or_path)!r}: {exc}") from None
    for k in cal.scales:
        cal.scale(k)
    return cal


def scale_kind(decay: str) -> str:
    """Which veto scale applies to a decay: ``"photon"`` (pi0 or gamma in the final state) or ``"charged"``.

    >>> scale_kind("K+ -> pi+ pi0"), scale_kind("K+ -> pi+ pi+ pi-"), scale_kind("K+ -> mu+ nu")
    ('photon', 'charged', 'charged')
    """
    daughters = decay.split("->", 1)[-1].split()
    return "photon" if any(d in ("pi0", "gamma") for d in daughters) else "charged"


def veto_parameter(source: str) -> str:
    """Name of the veto scale for a source: ``photon_veto`` if any of its decays has a photon or pi0
    (``config.BACKGROUND_SOURCES``), else ``extra_charged_veto``.

    >>> veto_parameter("K+ -> mu+ nu"), veto_parameter("K+ -> pi+ pi- e+ nu")
    ('photon_veto', 'extra_charged_veto')
    """
    from ..config import BACKGROUND_SOURCES
    decays = BACKGROUND_SOURCES.get(source, [source])
    return "photon_veto" if any(scale_kind(d) == "photon" for d in decays) else "extra_charged_veto"


def reweighted_columns(events, source: str, cal: Calibration) -> dict[str, np.ndarray]:
    """The event columns as numpy arrays, with ``w_photon_veto`` (events with something to veto that a
    veto detector can see: see :func:`~.escapes.scalable_veto`) and ``w_pid_pi`` (muon / positron
    candidates) multiplied by the calibrated scales, capped at 1."""
    names = events.column_names if hasattr(events, "column_names") else list(events)
    cols = {n: column(events, n) for n in names}
    c, _ = cal.scale(veto_parameter(source))
    if c != 1.0 and "w_photon_veto" in cols and "n_photons" in cols:
        # the scale multiplies the detectable part w - w_escape; the escape part is geometry
        w = np.asarray(cols["w_photon_veto"], dtype=float)
        esc = escape_part(cols)
        cols["w_photon_veto"] = np.where(cols["n_photons"] > 0, np.minimum(esc + c * (w - esc), 1.0), w)
    if "w_pid_pi" in cols and "track_true_pdgid" in cols:
        pdg = np.abs(cols["track_true_pdgid"])
        w = np.asarray(cols["w_pid_pi"], dtype=float)
        for code, name in TRACK_PARAMETERS.items():
            s, _ = cal.scale(name)
            if s != 1.0:
                w = np.where(pdg == code, np.minimum(w * s, 1.0), w)
        cols["w_pid_pi"] = w
    return cols
