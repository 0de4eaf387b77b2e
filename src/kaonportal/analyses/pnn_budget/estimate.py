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

__all__ = ["SourceEstimate", "SourceAccumulator", "source_estimate"]

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ...selection import Selection, column, region_mask, signal_region_mask
from ...selection.cutflow import cut_weights
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

    The whole samples at once; :class:`SourceAccumulator` gives the same estimate (to float rounding)
    from blocks of events, without holding a sample in memory.
    """
    acc = SourceAccumulator(source, sel, n_k_eff, cal, bins)
    for decay, (events, br) in samples.items():
        for i, (piece, mult) in enumerate(sample_pieces(events, (forced or {}).get(decay))):
            acc.add(decay, piece, br, mult=mult, piece=i)
    acc.forced_decays |= {d for d in samples if d in (forced or {})}
    return acc.finish()


_TRACKS = ("pi", "mu", "e")


class SourceAccumulator:
    """:func:`source_estimate` block by block: :meth:`add` one block of events of one piece of a decay's
    sample at a time (any partition of the events), then :meth:`finish`.

    Every quantity of the estimate is a weighted sum over events divided by the fiducial total T of its
    (decay, piece) sample (``selection.cut_flow``): the blocks add raw sums (cut flows with total 1)
    and T, and :meth:`finish` divides each (decay, piece) by its T (squared for the variances). The
    result equals the whole-sample one up to the order of the float additions (relative ~1e-15).
    """

    def __init__(self, source: str, sel: Selection, n_k_eff: float, cal: Calibration, bins: list[float]):
        self.source, self.sel, self.n_k_eff, self.cal, self.bins = source, sel, n_k_eff, cal, list(bins)
        self.spec = sel.control.get(source)
        self.n_events = 0
        self.n_escaped = 0
        self.forced_decays: set[str] = set()
        self._parts: dict[tuple[str, int], dict] = {}     # (decay, piece) -> {"total", "lin", "var"}

    def _part(self, decay: str, piece: int) -> dict:
        return self._parts.setdefault((decay, piece), {"total": 0.0, "lin": {}, "var": {}})

    def add(self, decay: str, events, br: float, *, mult=None, piece: int = 0, kinematic: bool = False):
        """Add one block of ``decay`` events (branching ratio ``br``), per-event multiplier ``mult``
        (``variance.sample_pieces``: ``None``, the undecayed mask, or the forced-decay weights); ``piece``
        numbers the independent samples of the decay (0 ordinary, 1 forced), each with its own total.

        ``kinematic``: also return the block's weights after the selection without its weight cuts (the
        m2miss plots; the same as ``cut_flow(sel, events, skip=<weight cuts>).weights``, computed with the
        block's cut masks); else ``None``."""
        sel, bins, spec = self.sel, self.bins, self.spec
        part = self._part(decay, piece)
        lin, var = part["lin"], part["var"]

        def put(name, value, error=None):
            lin[name] = lin.get(name, 0.0) + value
            if error is not None:
                var[name] = var.get(name, 0.0) + error * error

        scale = self.n_k_eff * br
        cols = reweighted_columns(events, self.source, self.cal)
        n = len(next(iter(cols.values())))
        self.n_events += n
        memo: dict = {}     # the block's cut masks, shared by the full and the control selections
        cf0 = cut_weights(sel, cols, memo=memo)
        # the weight cuts skipped, the reweighted columns are not read: the same weights as on ``events``
        kin = cut_weights(sel, cols, skip=[c.id for c in sel.cuts if c.kind == "weight"],
                          memo=memo).weights if kinematic else None
        part["total"] += cf0.total
        # raw weighted sums: the cut flow with total 1 (finish() divides by the sample's total)
        cf = apply_multiplier(replace(cf0, total=1.0), mult)
        p = np.asarray(cols["p_track"], dtype=float)
        inb = (p >= bins[0]) & (p < bins[-1])
        sr = signal_region_mask(sel, cols) & inb
        a, ae = cf.yield_in(sr)
        put("sim", scale * a, scale * ae)
        if "track_decayed" in cols:
            put("decayed", scale * cf.yield_in(sr & cols["track_decayed"].astype(bool))[0])
        idx = np.digitize(p, bins) - 1
        put("per_bin", scale * np.array([cf.yield_in(sr & (idx == i))[0] for i in range(len(bins) - 1)]))
        pdg = np.abs(cols["track_true_pdgid"]) if "track_true_pdgid" in cols else np.full(n, 211)
        has = cols["n_photons"] > 0 if "n_photons" in cols else np.zeros(n, bool)
        # each event's weight splits into a part the veto scale multiplies and an escape part
        # (every particle undetectable, ``escape_part``): fractions f_esc + f_veto = 1 where has
        raw_veto = column(events, "w_photon_veto") if "w_photon_veto" in cols and "n_photons" in cols else None
        f_esc = escape_fraction(cols, raw_veto)
        f_veto = np.where(has, 1.0 - f_esc, 0.0)
        cf_v, cf_e = apply_multiplier(cf, f_veto), apply_multiplier(cf, f_esc)
        track = {"mu": pdg == 13, "e": pdg == 11, "pi": (pdg != 13) & (pdg != 11)}
        for key in _TRACKS:
            y, ye = cf.yield_in(sr & track[key])
            put("by_track:" + key, scale * y, scale * ye)
            put("by_track_veto:" + key, scale * cf_v.yield_in(sr & track[key])[0])
        put("with_veto", scale * cf_v.yield_in(sr)[0])
        # every particle to veto escapes: not changed by the veto scale
        u, ue = cf_e.yield_in(sr)
        put("unvetoable", scale * u, scale * ue)
        self.n_escaped += int(np.count_nonzero((cf.weights > 0) & inb & (f_esc > 0)))
        x = escape_event_weights(cols, cf, sr, scale)
        put("esc_sum", float(x.sum()))
        var["esc_sum"] = var.get("esc_sum", 0.0) + float(np.sum(x * x))     # sum x^2: scales as 1/T^2
        if spec is None:
            return kin
        reg = region_mask(sel, cols, spec.region) & inb
        ra, rae = cf.yield_in(reg)
        put("region_n", scale * ra, scale * rae)
        for key in _TRACKS:
            put("region_by_track:" + key, scale * cf.yield_in(reg & track[key])[0])
            put("region_by_track_veto:" + key, scale * cf_v.yield_in(reg & track[key])[0])
        u, ue = cf_e.yield_in(reg)
        put("region_unvetoable", scale * u, scale * ue)
        put("region_per_bin", scale * np.array([cf.yield_in(reg & (idx == i))[0] for i in range(len(bins) - 1)]))
        if decay in RADIATIVE_SAMPLES:
            # inner-bremsstrahlung sample: its tail is not a kinematic tail of the control sample (the
            # radiated photon both moves m2miss and adds veto suppression): simulated, as in NA62 for
            # "other K+ decays" (data_driven module docstring)
            put("dd_sim", scale * a, scale * ae)
            return kin
        s1, e1, s2, e2 = control_yields(sel, cols, spec, mult, sr, reg, total=1.0, memo=memo)
        put("ctrl_sr", br * s1, br * e1)
        put("ctrl_reg", br * s2, br * e2)
        return kin

    def _sums(self) -> tuple[dict, dict]:
        """Linear sums (divided by each sample's total) and variances (divided by the total squared)."""
        lin: dict = {}
        var: dict = {}
        for part in self._parts.values():
            t = part["total"]
            if not t > 0:       # no fiducial decay in this sample: its yields are 0 (CutFlow.yield_in)
                continue
            for k, v in part["lin"].items():
                lin[k] = lin.get(k, 0.0) + v / t
            for k, v in part["var"].items():
                var[k] = var.get(k, 0.0) + v / (t * t)
        return lin, var

    def finish(self) -> SourceEstimate:
        """The :class:`SourceEstimate` of everything added."""
        source, bins, spec, cal = self.source, self.bins, self.spec, self.cal
        lin, var = self._sums()
        nb = len(bins) - 1
        sim, var_sim = lin.get("sim", 0.0), var.get("sim", 0.0)
        per_bin = lin.get("per_bin", np.zeros(nb))
        region_n, region_var = lin.get("region_n", 0.0), var.get("region_n", 0.0)
        region_per_bin = lin.get("region_per_bin", np.zeros(nb))
        by_track = {k: lin.get("by_track:" + k, 0.0) for k in _TRACKS}
        by_track_veto = {k: lin.get("by_track_veto:" + k, 0.0) for k in _TRACKS}
        by_track_var = {k: var.get("by_track:" + k, 0.0) for k in _TRACKS}
        region_by_track = {k: lin.get("region_by_track:" + k, 0.0) for k in _TRACKS}
        region_by_track_veto = {k: lin.get("region_by_track_veto:" + k, 0.0) for k in _TRACKS}
        with_veto, decayed_part = lin.get("with_veto", 0.0), lin.get("decayed", 0.0)
        unvetoable, unvetoable_var = lin.get("unvetoable", 0.0), var.get("unvetoable", 0.0)
        region_unvetoable = lin.get("region_unvetoable", 0.0)
        region_unvetoable_var = var.get("region_unvetoable", 0.0)
        esc_sum, esc_sum2 = lin.get("esc_sum", 0.0), var.get("esc_sum", 0.0)
        dd_sim, dd_sim_var = lin.get("dd_sim", 0.0), var.get("dd_sim", 0.0)
        ctrl_sr, ctrl_sr_var = lin.get("ctrl_sr", 0.0), var.get("ctrl_sr", 0.0)
        ctrl_reg, ctrl_reg_var = lin.get("ctrl_reg", 0.0), var.get("ctrl_reg", 0.0)
        n_events, n_escaped, var = self.n_events, self.n_escaped, var_sim
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
        est.detail["forced_decay_samples"] = sorted(self.forced_decays)
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
