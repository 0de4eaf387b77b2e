"""Per-source background estimate of K+ -> pi+ nu nubar from the weighted simulation (and the data-driven
method next to it).

Simulation estimate (S003 = Excited QCD 2020 proceedings): N = N_K,eff * BR * A(R1 u R2), with A the
weighted acceptance per fiducial decay after the full selection (photon-veto and PID suppressions enter
as per-event probabilities, reweighted by the calibration, :mod:`.calibration`); N_K,eff = N_K *
eps_trig * eps_RV (the same normalisation as the signal, ``normalisation.ses``). A calibrated tail
fraction adds t_s * N(region). The data-driven estimate of the same source: :mod:`.data_driven`;
escape diagnostics and the ``reliability`` flag: :mod:`.escapes`; forced-decay pieces: :mod:`.variance`.
"""

from __future__ import annotations

__all__ = ["SourceEstimate", "source_estimate"]

import math
from dataclasses import dataclass, field

import numpy as np

from ...selection import Selection, column, cut_flow, region_mask, signal_region_mask
from .calibration import Calibration, reweighted_columns, veto_parameter
from .data_driven import RADIATIVE_SAMPLES, control_yields, data_driven_estimate
from .escapes import escape_diagnostics, escape_event_weights, escape_fraction
from .variance import apply_multiplier, sample_pieces


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


def source_estimate(source: str, samples: dict[str, tuple[object, float]], sel: Selection, n_k_eff: float,
                    cal: Calibration, bins: list[float], forced: dict[str, object] | None = None) -> SourceEstimate:
    """Budget of one source from its simulated samples.

    ``samples`` maps each decay of the source to ``(events, branching_ratio)``; ``forced`` optionally
    maps a decay to its forced-decay sample (:data:`~.variance.FORCED_DECAYS`). Besides the two estimates,
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
    happens to contain such rare events, whatever its statistical error says (:mod:`.escapes`).
    """
    forced = forced or {}
    sim = var = 0.0
    per_bin = np.zeros(len(bins) - 1)
    region_n = region_var = 0.0
    ctrl_sr = ctrl_reg = ctrl_sr_var = ctrl_reg_var = 0.0
    dd_sim = dd_sim_var = 0.0       # simulated part of the data-driven estimate (radiative samples)
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
        for piece, mult in sample_pieces(events, forced.get(decay)):
            cols = reweighted_columns(piece, source, cal)
            n_events += len(next(iter(cols.values())))
            cf = apply_multiplier(cut_flow(sel, cols), mult)
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
            raw_veto = column(piece, "w_photon_veto") if "w_photon_veto" in cols and "n_photons" in cols else None
            f_esc = escape_fraction(cols, raw_veto)
            f_veto = np.where(has, 1.0 - f_esc, 0.0)
            cf_v, cf_e = apply_multiplier(cf, f_veto), apply_multiplier(cf, f_esc)
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
            x = escape_event_weights(cols, cf, sr, n_k_eff * br)
            if x.size:
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
                if decay in RADIATIVE_SAMPLES:
                    # inner-bremsstrahlung sample: its tail is not a kinematic tail of the control sample (the
                    # radiated photon both moves m2miss and adds veto suppression): simulated, as in NA62 for
                    # "other K+ decays" (data_driven module docstring)
                    dd_sim += n_k_eff * br * a
                    dd_sim_var += (n_k_eff * br * ae) ** 2
                    continue
                s1, e1, s2, e2 = control_yields(sel, cols, spec, mult, sr, reg)
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
    est.detail.update(escape_diagnostics(sim, unvetoable, unvetoable_var, region_unvetoable, region_unvetoable_var,
                                         tail))
    if spec is not None:    # the same for the selected events of the source's own region
        est.detail["region_escape_share"] = region_unvetoable / region_n if region_n > 0 else 0.0
        est.detail["region_escape_effective_events"] = (region_unvetoable ** 2 / region_unvetoable_var
                                                        if region_unvetoable_var > 0 else 0.0)
    est.detail["forced_decay_samples"] = sorted(d for d in samples if d in forced)
    est.detail["region_by_track"] = region_by_track
    est.detail["region_by_track_veto"] = region_by_track_veto
    est.detail["calibrated_tail_fraction"] = tail
    if spec is not None and ctrl_reg > 0:
        dd, dd_err, est.tail_fraction = data_driven_estimate(
            region_n, region_var, ctrl_sr, ctrl_sr_var, ctrl_reg, ctrl_reg_var, tail)
        est.data_driven, est.data_driven_error = dd + dd_sim, math.hypot(dd_err, math.sqrt(dd_sim_var))
        est.detail["data_driven_simulated_radiative"] = dd_sim
        est.control_region = spec.region
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
