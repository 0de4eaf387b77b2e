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
  (pi+ pi+ pi-, pi+ pi- e+ nu; card ``extra_charged_inefficiency``, D); neither veto scale touches the
  events none of whose particles a veto detector can see (``w_photon_veto`` = 1, :func:`scalable_veto`):
  their escape is geometry (or energy below every threshold), not a detector inefficiency,
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

Forced in-flight decays (variance reduction, unbiased): the decays in :data:`FORCED_DECAYS` are simulated
a second time with the simulation option ``force_decays`` (every candidate decays before STRAW1, the
probability in ``weight_forced_decay``; ``simulation.engine``). A source's yield is then the sum of
the ordinary sample without its ``track_decayed`` events and the forced sample's ``track_decayed``
events weighted by ``weight_forced_decay``: both are unbiased for their part, so the sum is unbiased,
and the decayed part has every forced event instead of ~3e-4 of the muons. This is where the
K+ -> mu+ nu budget comes from (mu+ -> e+ nu nubar before STRAW1 and a positron taken for a pi+).

Veto averaging (variance reduction, unbiased): the samples of the decays in :data:`VETO_AVERAGE` are
simulated with the option ``veto_average`` (``simulation.engine``): the veto probability of each
pi0 -> gamma gamma pair is averaged over isotropic orientations in the pi0 rest frame, on which the
pi+ kinematics does not depend. Where both photons can escape every veto (w = 1, gaps of the veto
coverage) this turns a handful of full-weight events into many fractional ones.

>>> cal = Calibration()
>>> cal.scale("photon_veto")
(1.0, 0.0)
>>> round(upstream_estimate(cal.model_copy(update={"upstream_probability": 1e-12}), 1.5e12, 600.0)[0], 2)
2.0
"""

from __future__ import annotations

__all__ = ["RATE_REF_MHZ", "Calibration", "load_calibration", "SourceEstimate", "reweighted_columns", "veto_parameter",
           "source_estimate", "upstream_estimate", "scale_kind", "PARAMETERS", "TRACK_PARAMETERS", "FORCED_DECAYS",
           "forced_sample_size", "scalable_veto", "VETO_AVERAGE", "sample_options", "escape_part"]

import math
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputError
from ..yamlio import parse_yaml, read_text
from ..selection import Selection, column, cut_flow, region_mask, signal_region_mask

PARAMETERS = ("photon_veto", "extra_charged_veto", "muon_as_pion", "electron_as_pion")
TRACK_PARAMETERS = {13: "muon_as_pion", 11: "electron_as_pion"}     # |PDG id| of the candidate -> scale


#: decay -> size of its forced-decay sample relative to the ordinary one (module docstring). K+ -> mu+ nu
#: only: elsewhere the decayed candidates (pi+ -> mu+ nu) are suppressed by the mu -> pi mis-ID ~1e-7 and
#: contribute < 1e-4 of the source (2017 samples: 3e-6 of the 0.27 K+ -> pi+ pi0 (gamma) events)
FORCED_DECAYS = {"K+ -> mu+ nu": 0.25}


#: decay -> number of pi0 -> gamma gamma orientations its veto probability is averaged over (simulation
#: option ``veto_average``; unbiased, module docstring): the decays with a pi0, whose estimates are
#: otherwise carried by a few events where both photons escape every veto (~1.5e-5 of K+ -> pi+ pi0).
#: 8 orientations: up to 8x more effective escape events for +2 s per 1e6 events (~+20 s on the default
#: ``kaonportal run``; 16 would double both).
VETO_AVERAGE = {"K+ -> pi+ pi0": 8, "K+ -> pi+ pi0 gamma": 8, "K+ -> pi0 e+ nu": 8, "K+ -> pi0 mu+ nu": 8}


def sample_options(decay: str) -> dict:
    """Simulation options of the budget's samples of ``decay`` (veto averaging, :data:`VETO_AVERAGE`).

    >>> sample_options("K+ -> pi+ pi0"), sample_options("K+ -> mu+ nu")
    ({'veto_average': 8}, {})
    """
    k = VETO_AVERAGE.get(decay)
    return {"veto_average": k} if k else {}


def forced_sample_size(decay: str, n: int) -> int:
    """Events of the forced-decay sample that goes with ``n`` ordinary ``decay`` events (0: none).

    >>> forced_sample_size("K+ -> mu+ nu", 4_000_000), forced_sample_size("K+ -> pi+ pi0", 10)
    (1000000, 0)
    """
    f = FORCED_DECAYS.get(decay)
    return max(1, int(round(n * f))) if f else 0


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


def scalable_veto(n_photons: np.ndarray, w_photon_veto: np.ndarray) -> np.ndarray:
    """Events whose ``w_photon_veto`` a veto-inefficiency scale changes: something to veto, and not every
    particle undetectable (w = 1: outside all veto detectors or below their energy thresholds, a
    geometric escape that no detector inefficiency describes).

    >>> scalable_veto(np.array([0, 2, 2]), np.array([1.0, 1e-4, 1.0])).tolist()
    [False, True, False]
    """
    return (np.asarray(n_photons) > 0) & (np.asarray(w_photon_veto, float) < 1.0 - 1e-9)


def escape_part(cols: dict) -> np.ndarray:
    """The part of each event's raw ``w_photon_veto`` where every particle to veto escapes: column
    ``w_photon_veto_escape`` (averaged with the simulation option ``veto_average``), or, in tables
    without it, w itself where nothing is detectable (w = 1, :func:`scalable_veto`)."""
    w = cols["w_photon_veto"].astype(float)
    if "w_photon_veto_escape" in cols:
        return np.minimum(cols["w_photon_veto_escape"].astype(float), w)
    has = cols["n_photons"] > 0
    return np.where(has & ~scalable_veto(cols["n_photons"], w), w, 0.0)


def reweighted_columns(events, source: str, cal: Calibration) -> dict[str, np.ndarray]:
    """The event columns as numpy arrays, with ``w_photon_veto`` (events with something to veto that a
    veto detector can see: see :func:`scalable_veto`) and ``w_pid_pi`` (muon / positron candidates)
    multiplied by the calibrated scales, capped at 1."""
    names = events.column_names if hasattr(events, "column_names") else list(events)
    cols = {n: column(events, n) for n in names}
    c, _ = cal.scale(veto_parameter(source))
    if c != 1.0 and "w_photon_veto" in cols and "n_photons" in cols:
        # the scale multiplies the detectable part w - w_escape; the escape part is geometry
        w = cols["w_photon_veto"].astype(float)
        esc = escape_part(cols)
        cols["w_photon_veto"] = np.where(cols["n_photons"] > 0, np.minimum(esc + c * (w - esc), 1.0), w)
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


def _pieces(events, forced) -> list[tuple[object, np.ndarray | None]]:
    """(events, per-event multiplier) pieces whose yields add up to the decay's yield: the sample as is,
    or, with a forced-decay sample, its undecayed events plus the forced sample's decayed events
    weighted by their decay probability (module docstring)."""
    if forced is None:
        return [(events, None)]
    keep = ~column(events, "track_decayed").astype(bool)
    dec = column(forced, "track_decayed").astype(bool)
    return [(events, keep.astype(float)), (forced, np.where(dec, column(forced, "weight_forced_decay"), 0.0))]


def _scaled(cf, mult):
    return cf if mult is None else replace(cf, weights=cf.weights * mult)


def source_estimate(source: str, samples: dict[str, tuple[object, float]], sel: Selection, n_k_eff: float,
                    cal: Calibration, bins: list[float], forced: dict[str, object] | None = None) -> SourceEstimate:
    """Budget of one source from its simulated samples.

    ``samples`` maps each decay of the source to ``(events, branching_ratio)``; ``forced`` optionally
    maps a decay to its forced-decay sample (:data:`FORCED_DECAYS`). Besides the two estimates,
    ``by_track`` splits the simulation estimate by the candidate's identity (pi, mu, e),
    ``by_track_veto`` is the part of each the veto scale applies to and ``by_track_error`` its
    statistical error: the calibration fit uses them. Diagnostics (parts of the simulation estimate):
    ``decayed_in_flight`` (candidate decayed before STRAW1); ``unvetoable`` (events with particles to
    veto that no veto detector can see, raw ``w_photon_veto`` = 1: "escapes"); ``escape_share`` and
    ``escape_effective_events``, the share of the estimate from escapes (including through the tail
    term) and the effective number of events (sum w)^2 / sum w^2 carrying it, and the same for the
    source's own region (``region_escape_*``); ``escaped_events_selected``, the selected events (any
    m2miss) that are escapes; ``escape_event_weight``, what one more escape in R1+R2 would weigh (mean
    weight without the veto factor of the selected events with particles to veto, weighted by itself).
    A large share carried by few escapes means the estimate depends on whether a sample of this size
    happens to contain such rare events, whatever its statistical error says.
    """
    forced = forced or {}
    sim = var = 0.0
    per_bin = np.zeros(len(bins) - 1)
    region_n = region_var = 0.0
    ctrl_sr = ctrl_reg = ctrl_sr_var = ctrl_reg_var = 0.0
    by_track = {"pi": 0.0, "mu": 0.0, "e": 0.0}
    by_track_veto = {"pi": 0.0, "mu": 0.0, "e": 0.0}
    by_track_var = {"pi": 0.0, "mu": 0.0, "e": 0.0}
    region_by_track = {"pi": 0.0, "mu": 0.0, "e": 0.0}
    region_by_track_veto = {"pi": 0.0, "mu": 0.0, "e": 0.0}
    region_per_bin = np.zeros(len(bins) - 1)
    with_veto = 0.0
    decayed_part = 0.0
    unvetoable = unvetoable_var = 0.0
    region_unvetoable = region_unvetoable_var = 0.0
    esc_sum = esc_sum2 = 0.0
    n_escaped = 0
    spec = sel.control.get(source)
    n_events = 0
    for decay, (events, br) in samples.items():
        for piece, mult in _pieces(events, forced.get(decay)):
            cols = reweighted_columns(piece, source, cal)
            n_events += len(next(iter(cols.values())))
            cf = _scaled(cut_flow(sel, cols), mult)
            p = cols["p_track"].astype(float)
            sr = signal_region_mask(sel, cols) & (p >= bins[0]) & (p < bins[-1])
            a, ae = cf.yield_in(sr)
            sim += n_k_eff * br * a
            var += (n_k_eff * br * ae) ** 2
            if "track_decayed" in cols:
                decayed_part += n_k_eff * br * cf.yield_in(sr & cols["track_decayed"].astype(bool))[0]
            idx = np.digitize(p, bins) - 1
            for i in range(len(bins) - 1):
                per_bin[i] += n_k_eff * br * cf.yield_in(sr & (idx == i))[0]
            pdg = np.abs(cols["track_true_pdgid"]) if "track_true_pdgid" in cols else np.full(len(p), 211)
            has = cols["n_photons"] > 0 if "n_photons" in cols else np.zeros(len(p), bool)
            # each event's weight splits into a part the veto scale multiplies and an escape part
            # (every particle undetectable, ``escape_part``): fractions f_esc + f_veto = 1 where has
            if "w_photon_veto" in cols and "n_photons" in cols:
                wv = cols["w_photon_veto"].astype(float)
                raw = {"w_photon_veto": column(piece, "w_photon_veto"), "n_photons": cols["n_photons"]}
                if "w_photon_veto_escape" in cols:
                    raw["w_photon_veto_escape"] = cols["w_photon_veto_escape"]
                f_esc = np.where(has & (wv > 0), escape_part(raw) / np.where(wv > 0, wv, 1.0), 0.0)
            else:
                f_esc = np.zeros(len(p))
            f_veto = np.where(has, 1.0 - f_esc, 0.0)
            cf_v, cf_e = _scaled(cf, f_veto), _scaled(cf, f_esc)
            for key, m in (("mu", pdg == 13), ("e", pdg == 11), ("pi", (pdg != 13) & (pdg != 11))):
                y, ye = cf.yield_in(sr & m)
                by_track[key] += n_k_eff * br * y
                by_track_var[key] += (n_k_eff * br * ye) ** 2
                by_track_veto[key] += n_k_eff * br * cf_v.yield_in(sr & m)[0]
            with_veto += n_k_eff * br * cf_v.yield_in(sr)[0]
            # every particle to veto escapes: not changed by the veto scale
            u, ue = cf_e.yield_in(sr)
            unvetoable += n_k_eff * br * u
            unvetoable_var += (n_k_eff * br * ue) ** 2
            inb = (p >= bins[0]) & (p < bins[-1])
            n_escaped += int(np.count_nonzero((cf.weights > 0) & inb & (f_esc > 0)))
            if "w_photon_veto" in cols and cf.total > 0:
                # what each selected event with something to veto would weigh if its particles escaped
                pv = cols["w_photon_veto"].astype(float)
                m = sr & has & (cf.weights > 0) & (pv > 0)
                x = n_k_eff * br * cf.weights[m] / pv[m] / cf.total
                esc_sum += float(x.sum())
                esc_sum2 += float(np.sum(x * x))
            if spec is not None:
                reg = region_mask(sel, cols, spec.region) & (p >= bins[0]) & (p < bins[-1])
                ra, rae = cf.yield_in(reg)
                region_n += n_k_eff * br * ra
                region_var += (n_k_eff * br * rae) ** 2
                for key, m in (("mu", pdg == 13), ("e", pdg == 11), ("pi", (pdg != 13) & (pdg != 11))):
                    region_by_track[key] += n_k_eff * br * cf.yield_in(reg & m)[0]
                    region_by_track_veto[key] += n_k_eff * br * cf_v.yield_in(reg & m)[0]
                u, ue = cf_e.yield_in(reg)
                region_unvetoable += n_k_eff * br * u
                region_unvetoable_var += (n_k_eff * br * ue) ** 2
                for i in range(len(bins) - 1):
                    region_per_bin[i] += n_k_eff * br * cf.yield_in(reg & (idx == i))[0]
                cc = _scaled(cut_flow(sel, cols, skip=spec.skip, extra_weights=spec.extra_weights), mult)
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
    est.detail["by_track_veto"] = by_track_veto
    est.detail["by_track_error"] = {k: math.sqrt(v) for k, v in by_track_var.items()}
    est.detail["with_veto"] = with_veto
    est.detail["decayed_in_flight"] = decayed_part
    est.detail["unvetoable"] = unvetoable
    est.detail["escape_event_weight"] = esc_sum2 / esc_sum if esc_sum > 0 else None
    est.detail["escaped_events_selected"] = n_escaped
    # the part of the estimate from events whose particles all escaped (incl. through the tail term), and
    # its effective number of events (sum w)^2 / sum w^2: a large share carried by few events = rare escapes
    esc = unvetoable + tail * region_unvetoable
    esc_var = unvetoable_var + tail * tail * region_unvetoable_var
    est.detail["escape_share"] = esc / sim if sim > 0 else 0.0
    est.detail["escape_effective_events"] = esc * esc / esc_var if esc_var > 0 else 0.0
    # flag for users: more than half of the estimate from fewer than 10 effective escapes (a Poisson
    # fluctuation above 30% of that part; another sample of this size may contain none, or more)
    rare = est.detail["escape_share"] > 0.5 and est.detail["escape_effective_events"] < 10
    est.detail["reliability"] = ("rare-escape dominated: {:.0%} of the estimate from {:.1f} effective events whose "
                                 "particles all escape the vetoes".format(est.detail["escape_share"],
                                                                         est.detail["escape_effective_events"])
                                 if rare else "ok")
    if spec is not None:    # the same for the selected events of the source's own region
        est.detail["region_escape_share"] = region_unvetoable / region_n if region_n > 0 else 0.0
        est.detail["region_escape_effective_events"] = (region_unvetoable ** 2 / region_unvetoable_var
                                                        if region_unvetoable_var > 0 else 0.0)
    est.detail["forced_decay_samples"] = sorted(d for d in samples if d in forced)
    est.detail["region_by_track"] = region_by_track
    est.detail["region_by_track_veto"] = region_by_track_veto
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
    # calibration error: dN/d ln(parameter) for each calibrated parameter, combined with the fit's
    # covariance of the ln(parameters) when the calibration has one (else as independent errors)
    grad = {veto_parameter(source): with_veto + tail * sum(region_by_track_veto.values()),
            "muon_as_pion": by_track["mu"], "electron_as_pion": by_track["e"]}
    if tail > 0:
        grad[f"tail:{source}"] = tail * region_n
    cal_err = cal.propagate(grad)
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
