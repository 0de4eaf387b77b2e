"""The simulation chain for one block of events: beam -> decay -> propagation -> response -> reco.

:func:`simulate_block` is a pure function of ``(context, block index)``: every random number comes from
``kaonportal.backend.block_rng(seed, block, stream)`` with separate streams, so the output is
bit-identical whatever the chunk size or the worker that runs the block.

Streams: 0 beam (momentum, spot, slopes, decay position), 1 decay generator, 2 detector response
(smearing, and the Bernoulli draws of ``sampling="deletion"``), 3 secondary decays (displaced
parents, in-flight decays of the candidate track).

Secondary in-flight decays (option ``secondary_decays``, on by default): a charged pion candidate
decays pi+ -> mu+ nu (isotropic two-body in its rest frame; BR 0.99988, the e nu mode is neglected)
with the exponential law of its decay length (p/m) c tau; if the decay happens before STRAW1 the
spectrometer sees the muon (from the decay point). Decays downstream of STRAW1 are not simulated
(they would change the downstream PID, which the card's PID probabilities describe as measured).
Option ``muon_decays`` (off by default) does the same for a muon candidate with mu+ -> e+ nu nubar
from :func:`kaonportal.decays.generate`.
"""

from __future__ import annotations

__all__ = ["SimContext", "make_context", "simulate_block", "CANDIDATE_RULE"]

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import constants
from ..backend import block_rng
from ..beam.profile import BEAM_SPECIES, BeamSample, sample_decay_vertex
from ..detector.card import Card
from ..detector.propagation import photon_hits, propagate_charged
from ..detector.response import photon_veto_update, pid_weights
from ..errors import InputError, check_choice
from ..kinematics import boost, two_body_momentum
from .kernels import RECO_ROWS, boost_events, norm3, reconstruct_kernel
from .schema import COLUMNS

CANDIDATE_RULE = "first final-state charged particle with the charge of the beam particle"

_CHARGE = {"pi+": 1, "pi-": -1, "mu+": 1, "mu-": -1, "e+": 1, "e-": -1, "K+": 1, "K-": -1, "p": 1}
_STREAM_BEAM, _STREAM_DECAY, _STREAM_RESPONSE, _STREAM_SECONDARY = 0, 1, 2, 3


@dataclass
class SimContext:
    """Everything a block needs, fixed for the whole run."""
    decay: str
    parent: str
    card: Card
    seed: int
    z_range: tuple[float, float]
    mass: float | None
    sampling: str
    secondary_decays: bool
    muon_decays: bool
    generator: Callable[..., Any]
    decay_options: dict = field(default_factory=dict)


def make_context(decay: str, seed: int, card: Card, z_range, mass, sampling: str,
                 secondary_decays: bool, muon_decays: bool, generator, decay_options: dict) -> SimContext:
    check_choice("sampling", sampling, ("weights", "deletion"))
    return SimContext(decay, decay.split("->")[0].strip(), card, int(seed), tuple(z_range), mass,
                      sampling, bool(secondary_decays), bool(muon_decays), generator, dict(decay_options))


def _charge(name: str) -> int:
    return _CHARGE.get(name, 0)


def _beam(ctx: SimContext, n: int, rng: np.random.Generator) -> tuple[BeamSample, np.ndarray, np.ndarray]:
    """Beam at GTK3 (5 normals + 1 uniform per event from stream 0) and the decay vertex."""
    b = ctx.card.beam
    g = rng.standard_normal((5, n))
    u = rng.random(n)
    beam = BeamSample(p=b.momentum * (1.0 + b.momentum_spread * g[0]), x=b.x0 + b.spot_x * g[1],
                      y=b.y0 + b.spot_y * g[2], dxdz=b.dxdz + b.divergence_x * g[3],
                      dydz=b.dydz + b.divergence_y * g[4])
    if np.any(beam.p <= 0):  # only for absurd cards (spread > 10%): keep physics finite
        raise InputError("card.beam.momentum_spread", "produced a non-positive beam momentum")
    z, prob = sample_decay_vertex(beam, u, ctx.parent, ctx.z_range, ctx.card)
    return beam, z, prob


def _unit(p3: np.ndarray) -> np.ndarray:
    return p3 / norm3(p3)[:, None]


def _two_body_in_flight(p4_parent: np.ndarray, m_parent: float, m1: float, m2: float,
                        rng: np.random.Generator) -> np.ndarray:
    """Lab four-momentum of daughter 1 of an isotropic two-body decay of a moving parent."""
    n = p4_parent.shape[0]
    u = rng.random((2, n))
    cost = 2.0 * u[0] - 1.0
    sint = np.sqrt(np.maximum(0.0, 1.0 - cost * cost))
    phi = 2.0 * math.pi * u[1]
    ps = float(two_body_momentum(m_parent, m1, m2))
    rest = np.stack([np.full(n, math.sqrt(ps * ps + m1 * m1)), ps * sint * np.cos(phi),
                     ps * sint * np.sin(phi), ps * cost], axis=-1)
    return boost(rest, p4_parent[:, 1:] / p4_parent[:, :1])


def simulate_block(ctx: SimContext, block: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Columns (see :data:`~kaonportal.simulation.schema.COLUMNS`) for events ``start..stop-1`` of
    block ``block``."""
    n = stop - start
    card, geo, res = ctx.card, ctx.card.geometry, ctx.card.resolution
    rng_beam = block_rng(ctx.seed, block, _STREAM_BEAM)
    rng_dec = block_rng(ctx.seed, block, _STREAM_DECAY)
    rng_res = block_rng(ctx.seed, block, _STREAM_RESPONSE)
    rng_sec = block_rng(ctx.seed, block, _STREAM_SECONDARY)

    # --- beam and vertex -------------------------------------------------------------------------
    beam, vz, decay_prob = _beam(ctx, n, rng_beam)
    dz = vz - card.beam.z_gtk3
    vtx = np.stack([beam.x + beam.dxdz * dz, beam.y + beam.dydz * dz, vz], axis=-1)
    m_parent = constants.mass(ctx.parent)
    pb3 = beam.p3()
    eb = np.sqrt(beam.p ** 2 + m_parent ** 2)

    # --- decay products in the lab -----------------------------------------------------------------
    prod = ctx.generator(ctx.decay, n, rng_dec, mass=ctx.mass, **ctx.decay_options)
    names = prod.names
    k = len(names)
    lab = boost_events(prod.p4, pb3 / eb[:, None])                    # (n, k, 4)
    invisible = getattr(prod, "invisible", None) or tuple(nm in ("nu", "nubar") for nm in names)
    origin: list[np.ndarray] = []     # (n, 3) per particle; shared references, no copies
    decay_pt: list[np.ndarray] = []
    for i in range(k):
        par = prod.parent[i]
        origin.append(vtx if par < 0 else decay_pt[par])
        ct = prod.ctau_m[i]
        if not prod.final[i] and ct > 0 and math.isfinite(ct):
            # displaced parent (e.g. X with finite lifetime): exponential flight (p/m) c tau
            pl = lab[:, i, 1:]
            m_i = np.sqrt(np.maximum(lab[:, i, 0] ** 2 - np.sum(pl * pl, axis=-1), 0.0))
            lam = norm3(pl) / np.where(m_i > 0, m_i, np.inf) * ct
            decay_pt.append(origin[i] + _unit(pl) * (lam * rng_sec.standard_exponential(n))[:, None])
        else:
            decay_pt.append(origin[i])

    beam_q = _charge(ctx.parent)
    cand = next((i for i in range(k) if prod.final[i] and not invisible[i] and beam_q != 0
                 and _charge(names[i]) == beam_q), -1)

    cols: dict[str, np.ndarray] = {}
    cols["event"] = np.arange(start, stop, dtype=np.int64)
    cols["weight_gen"] = np.asarray(prod.weight, float)
    cols["decay_prob"] = decay_prob
    cols["true_p_beam"] = beam.p
    cols["true_beam_dxdz"] = beam.dxdz
    cols["true_beam_dydz"] = beam.dydz
    cols["true_vertex_x"], cols["true_vertex_y"], cols["true_vertex_z"] = vtx[:, 0], vtx[:, 1], vtx[:, 2]

    g = rng_res.standard_normal((10, n))
    nan = np.full(n, np.nan)
    if cand < 0:
        seen_p4 = np.full((n, 4), np.nan)
        seen_origin = vtx
        seen_pdg = np.zeros(n, np.int32)
        decayed = np.zeros(n, bool)
        cols["true_p_track"] = cols["true_track_dxdz"] = cols["true_track_dydz"] = nan
        cols["true_m2miss"] = nan
        track = None
    else:
        cp4 = lab[:, cand]
        cols["true_p_track"] = norm3(cp4[:, 1:])
        cols["true_track_dxdz"] = cp4[:, 1] / cp4[:, 3]
        cols["true_track_dydz"] = cp4[:, 2] / cp4[:, 3]
        de, dx, dy, dzz = eb - cp4[:, 0], pb3[:, 0] - cp4[:, 1], pb3[:, 1] - cp4[:, 2], pb3[:, 2] - cp4[:, 3]
        cols["true_m2miss"] = de * de - dx * dx - dy * dy - dzz * dzz
        seen_p4 = cp4.copy()
        seen_origin = origin[cand].copy()
        seen_pdg = np.full(n, constants.pdgid(names[cand]), np.int32)
        decayed = np.zeros(n, bool)
        cname = names[cand]
        ct = prod.ctau_m[cand]
        do_pi = ctx.secondary_decays and cname in ("pi+", "pi-")
        do_mu = ctx.muon_decays and cname in ("mu+", "mu-")
        if (do_pi or do_mu) and math.isfinite(ct) and ct > 0:
            m_c = constants.mass(cname)
            p_c = cols["true_p_track"]
            dist = p_c / m_c * ct * rng_sec.standard_exponential(n)     # flight length to the decay
            # decay z first; the full decay point only for the few that decay before STRAW1
            sel = (seen_origin[:, 2] + dist * cp4[:, 3] / p_c < geo.straw[0].z) & (cp4[:, 3] > 0)
            if sel.any():
                dpt = seen_origin[sel] + _unit(cp4[sel, 1:]) * dist[sel, None]
                if do_pi:
                    sign = "+" if cname.endswith("+") else "-"
                    mu4 = _two_body_in_flight(cp4[sel], m_c, constants.mass("mu" + sign), 0.0, rng_sec)
                    seen_pdg[sel] = constants.pdgid("mu" + sign)
                else:
                    sub = ctx.generator(f"{cname} -> e{cname[-1]} nu nubar", int(sel.sum()), rng_sec)
                    j = sub.names.index("e" + cname[-1])
                    ps = cp4[sel]
                    mu4 = boost(sub.p4[:, j], ps[:, 1:] / ps[:, :1])
                    seen_pdg[sel] = constants.pdgid("e" + cname[-1])
                seen_p4[sel] = mu4
                seen_origin[sel] = dpt
                decayed = sel
        track = propagate_charged(seen_origin, seen_p4[:, 1:], beam_q, card)
    cols["track_true_pdgid"] = seen_pdg
    cols["track_decayed"] = decayed

    # --- GTK and STRAW measurement, vertex, missing masses (fused kernel) ----------------------------
    b = card.beam
    par = np.array([res.gtk_p_rel, res.gtk_angle, res.gtk_position, res.straw_p_const, res.straw_p_slope,
                    res.straw_angle_const, res.straw_angle_ms, res.straw_position, b.z_gtk3, geo.straw[0].z,
                    b.momentum, b.dxdz, b.dydz])
    masses = np.array([m_parent, constants.mass("pi+"), constants.mass("mu+"), constants.mass("e+")])
    reco = np.empty((len(RECO_ROWS), n))
    if track is not None:
        s1 = geo.straw[0]
        xs1, ys1 = track.x[s1.name], track.y[s1.name]
        fwd = track.forward
        with np.errstate(invalid="ignore", divide="ignore"):
            p_seen = norm3(seen_p4[:, 1:])
            stx = seen_p4[:, 1] / seen_p4[:, 3]
            sty = seen_p4[:, 2] / seen_p4[:, 3]
        acc = track.accept
    else:
        xs1 = ys1 = p_seen = stx = sty = nan
        fwd = np.zeros(n, bool)
        acc = {key: np.zeros(n, bool) for key in ("straw", "rich", "chod", "newchod", "lkr", "muv3")}
    reconstruct_kernel(g, beam.p, beam.dxdz, beam.dydz, beam.x, beam.y, p_seen, stx, sty, fwd, xs1, ys1,
                       par, masses, reco)
    for r, name in enumerate(RECO_ROWS):
        cols[name] = reco[r]
    cols["track_x_straw1"], cols["track_y_straw1"] = xs1, ys1
    in_straw = acc["straw"]

    # --- other visible particles: extra tracks and vetoes ----------------------------------------------
    n_tracks = in_straw.astype(np.int16)
    n_phot = np.zeros(n, np.int16)
    w_veto = np.ones(n)
    lkr_xy = (track.x["LKR"], track.y["LKR"]) if track is not None else (nan, nan)
    for i in range(k):
        if i == cand or not prod.final[i] or invisible[i]:
            continue
        p4i = lab[:, i]
        oi = origin[i]
        if names[i] == "gamma" or _charge(names[i]) == 0:
            photon_veto_update(w_veto, oi, p4i, lkr_xy[0], lkr_xy[1], card)
            n_phot += 1
            continue
        # extra charged particle: a track if inside the spectrometer, otherwise it must be vetoed
        t = propagate_charged(oi, p4i[:, 1:], _charge(names[i]), card)
        ins = t.accept["straw"]
        n_tracks += ins
        hits = photon_hits(oi, p4i[:, 1:], card)  # straight line: magnet bending neglected here
        ineff = np.where(hits.detector > 0, card.photon_veto.extra_charged_inefficiency, 1.0)
        w_veto *= np.where(ins, 1.0, ineff)
        n_phot += (~ins).astype(np.int16)
    cols["n_tracks"] = n_tracks
    cols["n_photons"] = n_phot

    # --- acceptance flags and PID --------------------------------------------------------------------
    for flag, key in (("in_straw", "straw"), ("in_rich", "rich"), ("in_chod", "chod"),
                      ("in_newchod", "newchod"), ("in_lkr", "lkr"), ("in_muv3", "muv3")):
        cols[flag] = acc[key]
    cols["in_acceptance"] = (acc["straw"] & acc["rich"] & acc["chod"] & acc["newchod"] & acc["lkr"]
                             & acc["muv3"])
    p_for_pid = norm3(seen_p4[:, 1:]) if track is not None else nan
    wpi, wmu, we = pid_weights(seen_pdg, p_for_pid, card)
    if ctx.sampling == "deletion":
        # Random deletion instead of weights: realise each probability as a 0/1 outcome.
        u = rng_res.random((2, n))
        w_veto = (u[0] < w_veto).astype(float)
        c1, c2 = wpi, wpi + wmu
        wpi, wmu, we = ((u[1] < c1).astype(float), ((u[1] >= c1) & (u[1] < c2)).astype(float),
                        ((u[1] >= c2) & (u[1] < c2 + we)).astype(float))
    cols["w_photon_veto"] = w_veto
    cols["w_pid_pi"], cols["w_pid_mu"], cols["w_pid_e"] = wpi, wmu, we
    return {name: np.ascontiguousarray(cols[name]) for name in COLUMNS}


def species_of(decay_parent: str) -> str:
    check_choice("decay parent (beam species)", decay_parent, [s for s in BEAM_SPECIES if s != "p"])
    return decay_parent
