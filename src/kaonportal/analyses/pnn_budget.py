"""Background budget of K+ -> pi+ nu nubar: weighted simulation, data-driven method, upstream model.

Two estimates per kaon-decay source, as NA62 does (S003 = Excited QCD 2020 proceedings):

* **simulation**: N = N_K,eff * BR * A(R1 u R2), with A the weighted acceptance per fiducial decay
  after the full selection (photon-veto and PID suppressions enter as per-event probabilities);
  N_K,eff = N_K * eps_trig * eps_RV (the same normalisation as the signal, ``normalisation.ses``).
* **data-driven**: N = N(region) * f_kin, where N(region) is the fully selected sample in the
  source's own m2miss region (e.g. pi+ pi0) and f_kin = N_ctrl(R1 u R2) / N_ctrl(region) is the
  tail fraction of the kinematic distribution measured on a control sample selected without the
  cut that suppresses the source (photon veto for pi+ pi0, pi+ ID for mu+ nu, ...; selection YAML
  ``control``). Here both come from the simulated samples, so the two methods can be compared;
  they differ where the suppression is correlated with m2miss (e.g. a pi+ -> mu+ nu decay in flight
  both moves m2miss and changes the particle identification).

Calibrated parameters: scales of card inputs with status R or D that the budget depends on, shared
by all sources (written by ``scripts/calibrate_pnn_budget.py``, a fit to the 2017 budget,
published_results.md A1b; each scale multiplies a per-event probability, capped at 1):

* ``photon_veto`` c_gamma: ``w_photon_veto`` of events with photons to veto (card photon-veto
  inefficiency tables, R approx.), for sources with a pi0 or photon (incl. the radiative samples),
* ``extra_charged_veto`` c_ch: ``w_photon_veto`` of events whose extra particles are charged
  (pi+ pi+ pi-, pi+ pi- e+ nu; card ``extra_charged_inefficiency``, D),
* ``muon_as_pion`` c_mu: ``w_pid_pi`` of candidates that are muons in STRAW1 (card ``muon_as_pion_*``, D):
  K+ -> mu+ nu, and pi+ -> mu+ nu decays in flight in every sample,
* ``electron_as_pion`` c_e: ``w_pid_pi`` of candidates that are positrons (card ``electron_as_pion``, D):
  mu+ -> e+ decays in flight, K+ -> pi0 e+ nu,
* ``tail_fractions`` t_s (per source with its own kinematic region):
  the fraction of the fully selected events of the source's region (e.g. the pi+ pi0 peak) that
  non-Gaussian resolution tails (large-angle scattering, pile-up mis-association; D, not in the
  fast simulation's resolution model) move into R1+R2. It adds t_s * N(region) to the simulation
  estimate and t_s to the tail fraction f_kin of the data-driven estimate (calibrated for
  K+ -> pi+ pi0 and K+ -> pi+ pi+ pi-).
* ``upstream_probability`` p_up: the upstream model (below).

Upstream background model (documented, one parameter; D): accidental association of a pileup
beam track with a pi+ from an early decay/interaction scales with the number of kaons and with the
probability of an accidental beam track in the matching window, i.e. with the beam rate:
N_up = p_up * N_K,eff * (R_beam / R_ref), R_ref = 450 MHz (2016-18 typical rate, NP section 1).
It does not model changes of the upstream cuts between analyses.

>>> cal = Calibration()
>>> cal.scale("photon_veto")
(1.0, 0.0)
>>> round(upstream_estimate(cal.model_copy(update={"upstream_probability": 1e-12}), 1.5e12, 600.0)[0], 2)
2.0
"""

from __future__ import annotations

__all__ = ["RATE_REF_MHZ", "Calibration", "load_calibration", "SourceEstimate", "reweighted_columns", "veto_parameter",
           "source_estimate", "upstream_estimate", "scale_kind", "PARAMETERS", "TRACK_PARAMETERS"]

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError
from ..yamlio import parse_yaml, read_text
from ..selection import Selection, column, cut_flow, region_mask, signal_region_mask

PARAMETERS = ("photon_veto", "extra_charged_veto", "muon_as_pion", "electron_as_pion")
TRACK_PARAMETERS = {13: "muon_as_pion", 11: "electron_as_pion"}     # |PDG id| of the candidate -> scale


#: reference beam rate of the upstream-background probability: "typical beam particle rate at GTK3 is
#: about 450 MHz" (2016-18; na62_parameters.md row "Beam rate, typical 2016-2018" [V])
RATE_REF_MHZ = 450.0


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
    details: dict = Field(default_factory=dict)
    note: str = ""

    def scale(self, name: str) -> tuple[float, float]:
        """(value, relative error) of one scale (1, 0 when not calibrated)."""
        if name not in PARAMETERS:
            raise InputError("calibration.scales", f"unknown parameter {name!r}; known: {', '.join(PARAMETERS)}")
        v, e = self.scales.get(name, (1.0, 0.0))
        return float(v), (float(e) / float(v) if v > 0 else 0.0)


def load_calibration(name_or_path: str | Path | None) -> Calibration:
    """A calibration by file name in ``kaonportal/data/configs`` or by path; ``None`` = identity."""
    if name_or_path is None:
        return Calibration()
    builtin = resources.files("kaonportal") / "data" / "configs" / str(name_or_path)
    p = Path(str(name_or_path))
    if p.is_file():
        text = read_text(p, "pnn.calibration")
    elif builtin.is_file():
        text = builtin.read_text()
    else:
        raise InputError("pnn.calibration", f"calibration file {str(name_or_path)!r} not found "
                                            "(run scripts/calibrate_pnn_budget.py, or set it to null)")
    data = parse_yaml(text, "pnn.calibration", str(name_or_path), mapping=True)
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
    from .config import BACKGROUND_SOURCES
    decays = BACKGROUND_SOURCES.get(source, [source])
    return "photon_veto" if any(scale_kind(d) == "photon" for d in decays) else "extra_charged_veto"


def reweighted_columns(events, source: str, cal: Calibration) -> dict[str, np.ndarray]:
    """The event columns as numpy arrays, with ``w_photon_veto`` (events with something to veto) and
    ``w_pid_pi`` (muon / positron candidates) multiplied by the calibrated scales, capped at 1."""
    names = events.column_names if hasattr(events, "column_names") else list(events)
    cols = {n: column(events, n) for n in names}
    c, _ = cal.scale(veto_parameter(source))
    if c != 1.0 and "w_photon_veto" in cols and "n_photons" in cols:
        w = cols["w_photon_veto"].astype(float)
        cols["w_photon_veto"] = np.where(cols["n_photons"] > 0, np.minimum(w * c, 1.0), w)
    if "w_pid_pi" in cols and "track_true_pdgid" in cols:
        pdg = np.abs(cols["track_true_pdgid"])
        w = cols["w_pid_pi"].astype(float)
        for code, name in TRACK_PARAMETERS.items():
            s, _ = cal.scale(name)
            if s != 1.0:
                w = np.where(pdg == code, np.minimum(w * s, 1.0), w)
        cols["w_pid_pi"] = w
    return cols


@dataclass
class SourceEstimate:
    """Expected events of one source in R1+R2, by both methods, with per-momentum-bin detail."""

    source: str
    simulation: float
    simulation_error: float
    per_bin: list[float]
    data_driven: float | None = None
    data_driven_error: float | None = None
    tail_fraction: float | None = None
    control_region: str | None = None
    n_events: int = 0
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"source": self.source, "simulation": self.simulation, "simulation_error": self.simulation_error,
                "simulation_per_momentum_bin": self.per_bin, "data_driven": self.data_driven,
                "data_driven_error": self.data_driven_error, "tail_fraction": self.tail_fraction,
                "control_region": self.control_region, "n_simulated": self.n_events, **self.detail}


def _rel(a: float, e: float) -> float:
    return e / a if a > 0 else 0.0


def source_estimate(source: str, samples: dict[str, tuple[object, float]], sel: Selection, n_k_eff: float,
                    cal: Calibration, bins: list[float]) -> SourceEstimate:
    """Budget of one source from its simulated samples.

    ``samples`` maps each decay of the source to ``(events, branching_ratio)``. Besides the two
    estimates, ``by_track`` splits the simulation estimate by the candidate's identity (pi, mu, e)
    and ``with_veto`` is the part with particles to veto: the calibration fit uses them.
    """
    sim = var = 0.0
    per_bin = np.zeros(len(bins) - 1)
    region_n = region_var = 0.0
    ctrl_sr = ctrl_reg = ctrl_sr_var = ctrl_reg_var = 0.0
    by_track = {"pi": 0.0, "mu": 0.0, "e": 0.0}
    region_by_track = {"pi": 0.0, "mu": 0.0, "e": 0.0}
    region_per_bin = np.zeros(len(bins) - 1)
    with_veto = 0.0
    spec = sel.control.get(source)
    n_events = 0
    for decay, (events, br) in samples.items():
        cols = reweighted_columns(events, source, cal)
        n_events += len(next(iter(cols.values())))
        cf = cut_flow(sel, cols)
        p = cols["p_track"].astype(float)
        sr = signal_region_mask(sel, cols) & (p >= bins[0]) & (p < bins[-1])
        a, ae = cf.yield_in(sr)
        sim += n_k_eff * br * a
        var += (n_k_eff * br * ae) ** 2
        idx = np.digitize(p, bins) - 1
        for i in range(len(bins) - 1):
            per_bin[i] += n_k_eff * br * cf.yield_in(sr & (idx == i))[0]
        pdg = np.abs(cols["track_true_pdgid"]) if "track_true_pdgid" in cols else np.full(len(p), 211)
        for key, code in (("mu", 13), ("e", 11)):
            by_track[key] += n_k_eff * br * cf.yield_in(sr & (pdg == code))[0]
        by_track["pi"] += n_k_eff * br * cf.yield_in(sr & (pdg != 13) & (pdg != 11))[0]
        if "n_photons" in cols:
            with_veto += n_k_eff * br * cf.yield_in(sr & (cols["n_photons"] > 0))[0]
        if spec is not None:
            reg = region_mask(sel, cols, spec.region) & (p >= bins[0]) & (p < bins[-1])
            ra, rae = cf.yield_in(reg)
            region_n += n_k_eff * br * ra
            region_var += (n_k_eff * br * rae) ** 2
            for key, m in (("mu", pdg == 13), ("e", pdg == 11), ("pi", (pdg != 13) & (pdg != 11))):
                region_by_track[key] += n_k_eff * br * cf.yield_in(reg & m)[0]
            for i in range(len(bins) - 1):
                region_per_bin[i] += n_k_eff * br * cf.yield_in(reg & (idx == i))[0]
            cc = cut_flow(sel, cols, skip=spec.skip, extra_weights=spec.extra_weights)
            s1, e1 = cc.yield_in(sr)
            s2, e2 = cc.yield_in(reg)
            ctrl_sr += br * s1
            ctrl_sr_var += (br * e1) ** 2
            ctrl_reg += br * s2
            ctrl_reg_var += (br * e2) ** 2
    tail, tail_err = cal.tail_fractions.get(source, (0.0, 0.0)) if spec is not None else (0.0, 0.0)
    sim_core = sim
    sim += tail * region_n
    var += (tail * math.sqrt(region_var)) ** 2
    per_bin = per_bin + tail * region_per_bin
    est = SourceEstimate(source=source, simulation=sim, simulation_error=math.sqrt(var),
                         per_bin=per_bin.tolist(), n_events=n_events)
    est.detail["statistical_error"] = math.sqrt(var)
    est.detail["simulation_without_tail"] = sim_core
    est.detail["by_track"] = by_track
    est.detail["with_veto"] = with_veto
    est.detail["region_by_track"] = region_by_track
    est.detail["calibrated_tail_fraction"] = tail
    if spec is not None and ctrl_reg > 0:
        f = ctrl_sr / ctrl_reg + tail
        dd = region_n * f
        if ctrl_sr > 0:
            rel = math.sqrt(ctrl_sr_var / ctrl_sr**2 + ctrl_reg_var / ctrl_reg**2)
            dd_err = dd * math.hypot(rel, _rel(region_n, math.sqrt(region_var)))
        else:
            # no control event in R1+R2: 68% CL upper value of f from the effective control-sample size
            n_eff = ctrl_reg**2 / ctrl_reg_var if ctrl_reg_var > 0 else 1.0
            dd_err = region_n * 1.14 / n_eff    # 1.14 = -ln(0.32): 68% CL Poisson upper mean for 0 seen
        est.data_driven, est.data_driven_error = dd, dd_err
        est.tail_fraction, est.control_region = f, spec.region
        est.detail["events_in_control_region"] = region_n
    # calibration error: d N / d ln c for each scale times its relative error (scales independent)
    rv = cal.scale(veto_parameter(source))[1]
    parts = [with_veto * rv, by_track["mu"] * cal.scale("muon_as_pion")[1],
             by_track["e"] * cal.scale("electron_as_pion")[1]]
    parts.append(region_n * tail_err)
    cal_err = math.sqrt(sum(x * x for x in parts))
    est.detail["calibration_error"] = cal_err
    est.simulation_error = math.hypot(est.simulation_error, cal_err)
    if est.data_driven is not None and sim > 0:
        est.data_driven_error = math.hypot(est.data_driven_error, est.data_driven * cal_err / sim)
    return est


def upstream_estimate(cal: Calibration, n_k_eff: float, beam_rate_mhz: float) -> tuple[float, float]:
    """Upstream background (value, error) of the one-parameter model in the module docstring."""
    val = cal.upstream_probability * n_k_eff * beam_rate_mhz / cal.rate_ref_mhz
    err = val * _rel(cal.upstream_probability, cal.upstream_probability_error)
    return val, err
