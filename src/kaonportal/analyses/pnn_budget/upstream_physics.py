"""Upstream background of K+ -> pi+ nu nubar from its mechanisms (the default; the one-parameter scale model of
:mod:`.upstream` stays selectable with ``pnn.upstream_model: scale``).

Units: metres, GeV, GeV/c, MHz, ns.

Upstream background: a pi+ from a kaon decay or a beam-particle interaction upstream of the fiducial volume (FV)
that is associated with an accidental (pile-up) beam track, which moves the reconstructed vertex into the FV
([NA62:2020eqcd] "upstream background": early kaon decays or beam interactions upstream of the FV; estimated
from the probability of matching a pi+ to a pile-up beam particle). Modelled here:

(A) K+ decays upstream of the FV (modes :data:`DECAYS` with a pi+ candidate, PDG branching ratios), simulated with
    the engine in two z ranges. A1: from the exit of the last GTK-achromat dipole (card ``upstream.z_achromat_end``)
    to GTK3 -- the kaon leaves no GTK3 hit, so it has no GTK track; simulated with the card's beam moved to start
    at ``z_achromat_end`` (the beam spot and slopes of GTK3 used 3 m upstream: D, the beam optics is not
    modelled). A2: from GTK3 to the FV entrance -- the kaon's own track is found and associated with probability
    eps_K (the selection's ``kpi_timing`` efficiency) and the event is then selected with it (its vertex lies
    upstream of the FV but for resolution tails); otherwise it has no kaon track. The pi+ of a decay upstream of
    the final collimator must cross its aperture (straight line at its front and back faces, card
    ``upstream.collimator_*``, [FW GigaTracker-Collimator.dat]), and a pi+ crossing the CHANTI front or back plane
    outside its beam hole is vetoed (the CHANTI veto of the pnn selection, [NA62:2020eqcd]; taken as fully
    efficient, D).
(B) inelastic interactions of beam particles (all species, the card's beam rate) in GTK3, probability
    ``pileup.gtk_interaction_probability`` / number of GTK stations. Their pi+ is given the kinematics of the
    pi+ of K+ -> pi+ nu nubar decays in the A2 range (:data:`PROXY`: a pi+ emerging near GTK3 at small angle
    with the broad missing-mass spectrum of the signal; a proxy, D) and goes through the same association and
    selection, without the photon veto (the other products of the interaction are vetoed by the CHANTI and
    multiplicity cuts, whose inefficiency is part of the yield below): its acceptance S_B depends on the beam
    rate, the CDA, FV, R(STRAW1)-z, GTK3-plane and momentum cuts. The number of such pi+ per interaction times
    that inefficiency, ``upstream.interaction_pion_yield`` Y, is the one calibrated number (D; :func:`calibrate`,
    on the 2017 budget): N_B = N_beam(GTK3) P_int Y S_B.

Association with an accidental (events without their own kaon track, and mechanism B): the in-time accidental
GTK tracks of :func:`kaonportal.simulation.pileup.in_time_beam_tracks` at the card's beam rate (their true
momentum and slopes: the GTK resolution, 0.2% and 16 urad, is neglected); the one with the smallest CDA to the
measured pi+ track becomes the event's beam track: CDA, midpoint vertex and m2miss_pi = (P_K - P_pi)^2 are
recomputed with it. No in-time accidental: no K-pi association, the event is rejected. The pnn selection then
acts on the event as on any other (CDA, beam windows, FV, the upstream R(STRAW1)-z cut, momentum, PID, photon
veto, signal regions) except ``kpi_timing`` (the association is made), plus the GTK3-plane cut
:data:`GTK3_BOX` of the 2017-era upstream rejection (the pi+ may not point back into the beam region at GTK3);
the calibration's veto and PID scales apply as to the kaon-decay sources. Normalisation: N_K(GTK3) eps_trig
eps_RV = N_K,eff / f_FV, f_FV the probability that a kaon at GTK3 decays in the FV. The intensity dependence
comes from the accidentals alone: at a higher beam rate more pi+ find an in-time accidental.

Not modelled (stated on the result): decays upstream of the last achromat dipole and in its field, the TRIM5
kick, absorption of photons in the collimator (they are vetoed as in the FV, which under-estimates (A) for
pi+ pi0), GTK3-plane hits of the pi+, the 2021-22 box/BDT upstream cuts (the 2017-era R(STRAW1)-z cut of the
selection is used).
Uncertainty: the simulation's statistical errors of (A) and of S_B and the calibration error of Y (the 2017
published error), in quadrature.
"""

from __future__ import annotations

__all__ = ["DECAYS", "PROXY", "UpstreamResult", "upstream_physics", "calibrate", "in_time_probability"]

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ... import constants
from ...beam.profile import decay_fraction
from ...reco import m2miss
from ...reco.vertex import closest_approach
from ...selection import Selection, signal_region_mask
from ...simulation import pileup as P
from ...backend import default_workers, derive_seed
from .calibration import Calibration, reweighted_columns

#: upstream kaon decays with a pi+ candidate (K+ -> mu+ nu and K_l3 give a lepton candidate that the PID removes)
DECAYS = ("K+ -> pi+ pi0", "K+ -> pi+ pi+ pi-", "K+ -> pi+ pi0 pi0")
#: kinematic proxy of the pi+ of a GTK3 interaction (mechanism B)
PROXY = "K+ -> pi+ nu nubar"
KPI_CUT = "kpi_timing"
#: half-sizes (m) of the GTK3-plane region in which the pi+ track may not point back ([FW KaonDecaySelection.cc]
#: "Upstream-background geometric cuts (2017 era)": 30 mm in x, 15 mm in y, V values, exact logic not read; assumed
#: unchanged in 2018-22, U). The selections leave it out (about 2% of the 2021-22 signal); it acts here only.
GTK3_BOX = (0.030, 0.015)
#: columns the association with an accidental track replaces
_ACC_COLUMNS = ("cda", "vertex_x", "vertex_y", "vertex_z", "p_beam", "beam_dxdz", "beam_dydz", "m2miss_pi")


@dataclass
class UpstreamResult:
    """Upstream events in R1+R2: total (value, error) and its parts."""
    value: float
    error: float
    decays: float                  # mechanism (A)
    decays_error: float
    interactions: float            # mechanism (B)
    interactions_error: float
    beam_rate_mhz: float
    in_time_probability: float     # P(an in-time accidental GTK track), 1 - exp(-R eps_GTK 2 W)
    interaction_acceptance: float  # S_B (module docstring)
    interaction_acceptance_error: float
    by_region: dict = field(default_factory=dict)     # (A) by z range and decay
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def in_time_probability(card) -> float:
    """P_in(R) = 1 - exp(-R eps_GTK 2 W) (module docstring, mechanism B)."""
    pu = card.pileup
    lam = card.run_conditions.beam_rate_mhz * 1e-3 * (1.0 - pu.gtk_hit_inefficiency) ** 3 * 2.0 * pu.window_kpi_ns
    return -math.expm1(-lam)


def _moved_card(card, z_start: float):
    """The card with its beam starting at ``z_start`` (region A1, module docstring)."""
    c = card.model_copy(deep=True)
    c.beam.z_gtk3 = float(z_start)
    return c


def _pion_survives(card, cols: dict) -> np.ndarray:
    """The pi+ crosses the final-collimator aperture (if produced upstream of its back face) and does not hit
    the CHANTI outside its beam hole (module docstring)."""
    up, ch = card.upstream, card.geometry.chanti
    x0, y0, z0 = cols["true_vertex_x"], cols["true_vertex_y"], cols["true_vertex_z"]
    tx, ty = cols["true_track_dxdz"], cols["true_track_dydz"]
    ok = np.isfinite(tx)
    z_back = up.collimator_z_front + up.collimator_length
    for z in (up.collimator_z_front, z_back):
        x, y = x0 + tx * (z - z0), y0 + ty * (z - z0)
        ok &= (z0 >= z) | ((np.abs(x) < up.collimator_half_x) & (np.abs(y) < up.collimator_half_y))
    for z in (ch.z_front, ch.z_back):
        x, y = x0 + tx * (z - z0), y0 + ty * (z - z0)
        in_chanti = ((np.abs(x) > ch.hole_half_x) | (np.abs(y) > ch.hole_half_y)) & (np.abs(x) < ch.half_size) \
            & (np.abs(y) < ch.half_size)
        ok &= (z0 >= z) | ~in_chanti
    return ok


def _with_accidental(card, cols: dict, rng: np.random.Generator) -> dict:
    """``cols`` with the beam track replaced by the in-time accidental of smallest CDA (module docstring)."""
    n = cols["p_track"].shape[0]
    evt, beam = P.in_time_beam_tracks(card, n, rng)
    z1 = card.geometry.straw[0].z
    tx, ty = cols["track_dxdz"][evt], cols["track_dydz"][evt]
    vtx, cda = closest_approach(beam.x, beam.y, np.full(evt.shape[0], card.beam.z_gtk3), beam.dxdz, beam.dydz,
                                cols["track_x_straw1"][evt], cols["track_y_straw1"][evt], np.full(evt.shape[0], z1),
                                tx, ty)
    # the best accidental per event: sort by (event, CDA), keep the first of each event; NaN CDA (no track) last
    order = np.lexsort((np.nan_to_num(cda, nan=np.inf), evt))
    first = order[np.r_[True, evt[order][1:] != evt[order][:-1]]] if order.size else order
    out = dict(cols)
    for name in _ACC_COLUMNS:
        out[name] = np.full(n, np.nan)
    e = evt[first]
    out["cda"][e] = cda[first]
    out["vertex_x"][e], out["vertex_y"][e], out["vertex_z"][e] = vtx[first, 0], vtx[first, 1], vtx[first, 2]
    out["p_beam"][e], out["beam_dxdz"][e], out["beam_dydz"][e] = beam.p[first], beam.dxdz[first], beam.dydz[first]
    out["m2miss_pi"][e] = m2miss(beam.p[first], beam.dxdz[first], beam.dydz[first], constants.mass("K+"),
                                 cols["p_track"][e], cols["track_dxdz"][e], cols["track_dydz"][e], constants.mass("pi+"))
    return out


def _outside_gtk3_box(card, cols: dict) -> np.ndarray:
    """The measured pi+ track extrapolated to the GTK3 plane lies outside |x| < :data:`GTK3_BOX` [0],
    |y| < :data:`GTK3_BOX` [1] (module docstring)."""
    dz = card.beam.z_gtk3 - card.geometry.straw[0].z
    x = cols["track_x_straw1"] + cols["track_dxdz"] * dz
    y = cols["track_y_straw1"] + cols["track_dydz"] * dz
    return ~((np.abs(x) < GTK3_BOX[0]) & (np.abs(y) < GTK3_BOX[1]))


def _selected(sel: Selection, cols: dict, base: np.ndarray, card, photon_veto: bool = True) -> np.ndarray:
    """Per-event weight after the selection (minus ``kpi_timing``, and the photon veto unless ``photon_veto``)
    and the GTK3-plane cut, inside R1+R2 and the momentum range."""
    from ...selection import cut_flow
    skip = [c.id for c in sel.cuts if c.id == KPI_CUT or (not photon_veto and c.kind == "weight"
                                                          and c.weight == "w_photon_veto")]
    w = cut_flow(sel, cols, skip=skip, base_weight=base).weights
    lo, hi = sel.momentum_range
    p = cols["p_track"]
    return np.where(signal_region_mask(sel, cols) & (p >= lo) & (p < hi) & _outside_gtk3_box(card, cols), w, 0.0)


def _kaon_track_efficiency(sel: Selection, card) -> float:
    cut = next((c for c in sel.cuts if c.id == KPI_CUT and c.efficiency is not None), None)
    return float(cut.efficiency) if cut is not None else (1.0 - card.pileup.gtk_hit_inefficiency) ** 3


def _decay_yields(card, sel: Selection, cal: Calibration, n: int, seed: int, decays=DECAYS
                  ) -> tuple[dict, tuple[float, float]]:
    """Mechanism (A): {region/decay: (events per kaon at GTK3 x eps_trig eps_RV, error)}, and the acceptance S_B
    of mechanism (B) (module docstring)."""
    from ...simulation import simulate
    eps_k = _kaon_track_efficiency(sel, card)
    regions = {"A1": (_moved_card(card, card.upstream.z_achromat_end), (card.upstream.z_achromat_end, card.beam.z_gtk3)),
               "A2": (card, (card.beam.z_gtk3, sel.fiducial_z[0]))}
    out = {}
    for reg, (c, zr) in regions.items():
        for decay in decays:
            s = derive_seed(seed, f"upstream/{reg}/{decay}")
            ev = simulate(decay, n, s, c, z_range=zr, workers=default_workers()).events
            cols = reweighted_columns(ev, decay, cal)
            base = cols["weight_gen"] * cols["decay_prob"] * _pion_survives(card, cols)
            truth = {k: v for k, v in cols.items() if k != "true_vertex_z"}   # no truth-FV filter (module docstring)
            # the accidentals are measured at the real GTK3 (``card``, not the moved beam start of A1)
            acc = _with_accidental(card, truth, np.random.default_rng(derive_seed(s, "accidentals")))
            w = _selected(sel, acc, base * (1.0 if reg == "A1" else 1.0 - eps_k), card)
            if reg == "A2":
                w = w + _selected(sel, truth, base * eps_k, card)
            br = constants.BR_K[decay]
            out[f"{reg}: {decay}"] = (br * float(w.sum()) / n, br * float(np.sqrt(np.sum(w * w))) / n)
    # the pi+ proxy of mechanism (B), one per pi+ (no decay weight)
    s = derive_seed(seed, "upstream/B")
    cols = reweighted_columns(simulate(PROXY, n, s, card, z_range=regions["A2"][1], workers=default_workers()).events,
                              PROXY, cal)
    truth = {k: v for k, v in cols.items() if k != "true_vertex_z"}
    acc = _with_accidental(card, truth, np.random.default_rng(derive_seed(s, "accidentals")))
    w = _selected(sel, acc, _pion_survives(card, cols).astype(float), card, photon_veto=False)
    return out, (float(w.mean()), float(np.sqrt(np.sum(w * w))) / n)


def _interactions_per_unit_yield(card, n_gtk3: float, s_b: float) -> float:
    """Mechanism (B) events per unit ``upstream.interaction_pion_yield`` Y: N_B / Y = N_beam(GTK3) P_int S_B
    (module docstring), N_beam = ``n_gtk3`` kaons at GTK3 / the beam's kaon fraction, P_int per GTK station."""
    return n_gtk3 / card.beam.fraction_kaon * card.pileup.gtk_interaction_probability / len(card.geometry.gtk) * s_b


def upstream_physics(card, sel: Selection, n_k_eff: float, cal: Calibration | None = None, n: int = 200_000,
                     seed: int = 1, decays=DECAYS) -> UpstreamResult:
    """Upstream events in R1+R2 for ``n_k_eff`` = N_K eps_trig eps_RV kaon decays in the FV, at the card's beam
    rate (module docstring); ``n`` events simulated per decay and z range (``decays``: mechanism A's modes)."""
    cal = cal or Calibration()
    f_fv = decay_fraction("K+", card, tuple(sel.fiducial_z))
    n_gtk3 = n_k_eff / f_fv                                       # kaons at GTK3 x eps_trig eps_RV
    parts, (s_b, s_b_err) = _decay_yields(card, sel, cal, n, seed, decays)
    a = n_gtk3 * sum(v for v, _ in parts.values())
    a_err = n_gtk3 * math.sqrt(sum(e * e for _, e in parts.values()))
    up = card.upstream
    b = _interactions_per_unit_yield(card, n_gtk3, s_b) * up.interaction_pion_yield
    b_err = b * math.hypot(up.interaction_pion_yield_error / up.interaction_pion_yield if b > 0 else 0.0,
                           s_b_err / s_b if s_b > 0 else 0.0)
    note = ("mechanisms: upstream K+ decays (simulated) + GTK3 interactions (yield calibrated on the 2017 budget); "
            "not modelled: decays inside the achromat, photon absorption in the collimator, GTK3-plane hits, "
            "2021-22 box/BDT upstream cuts")
    return UpstreamResult(a + b, math.hypot(a_err, b_err), a, a_err, b, b_err, card.run_conditions.beam_rate_mhz,
                          in_time_probability(card), s_b, s_b_err, {k: n_gtk3 * v for k, (v, _) in parts.items()}, note)


def calibrate(card, sel: Selection, n_k_eff: float, published: tuple[float, float], cal: Calibration | None = None,
              n: int = 200_000, seed: int = 1) -> tuple[float, float, UpstreamResult]:
    """The interaction yield (value, error) that makes (A) + (B) equal the ``published`` (value, error) upstream
    count of the calibration data set (0 if (A) alone exceeds it), and the result without (B)."""
    c = card.model_copy(deep=True)
    c.upstream.interaction_pion_yield = c.upstream.interaction_pion_yield_error = 0.0
    res = upstream_physics(c, sel, n_k_eff, cal, n, seed)
    unit = _interactions_per_unit_yield(c, n_k_eff / decay_fraction("K+", c, tuple(sel.fiducial_z)),
                                        res.interaction_acceptance)
    y = max(published[0] - res.decays, 0.0) / unit
    # relative errors: the published count (with the simulated decay part's) and the statistics of S_B
    rel = math.hypot(math.hypot(published[1], res.decays_error) / max(published[0] - res.decays, 1e-300),
                     res.interaction_acceptance_error / res.interaction_acceptance if res.interaction_acceptance else 0.0)
    return y, y * rel, res
