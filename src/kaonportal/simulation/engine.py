"""The simulation chain for one block of events: beam -> decay -> propagation -> response -> reco.

:func:`simulate_block` is a pure function of ``(context, block index)``: every random number comes from
``kaonportal.backend.block_rng(seed, block, stream)`` with separate streams, so the output is
bit-identical whatever the chunk size or the worker that runs the block.

Streams: 0 beam (momentum, spot, slopes, decay position), 1 decay generator, 2 detector response
(smearing, and the Bernoulli draws of ``sampling="deletion"``), 3 secondary decays (displaced
parents, in-flight decays of the candidate track), 4 veto averaging (option ``veto_average``), 5 optional
columns (option ``extra_columns``), 6 optional time columns, 7 optional pile-up columns (both
:mod:`kaonportal.simulation.pileup`).

Secondary and forced in-flight decays of the candidate (options ``secondary_decays``, ``muon_decays``,
``force_decays``; the column ``weight_forced_decay``): :mod:`.inflight`. Vetoes of the other particles
(photons, and charged particles outside the spectrometer on their track bent by MNP33,
:mod:`kaonportal.detector.charged_veto`), veto averaging (option ``veto_average``) and the optional
LKr photon columns (option ``extra_columns``, "Optional columns"): :mod:`.vetoes`.

Speed: the per-event arithmetic runs in compiled kernels (:mod:`.kernels`, ``nogil``) that repeat the
documented numpy expressions operation by operation, so the outputs are bit-identical to them (tests in
``tests/simulation/test_simulation_parallel.py``); exp/expm1/log1p stay in numpy. Work arrays that
never leave a block are reused per thread; output columns are rows of cache-line-staggered buffers
(see :func:`.scratch.rows`). Threads of ``simulate(workers=...)`` then run the blocks truly in parallel.
"""

from __future__ import annotations

__all__ = ["SimContext", "make_context", "simulate_block", "release_scratch", "species_of", "CANDIDATE_RULE",
           "LKR_CLUSTER_E_MIN", "LKR_POSITION_M"]

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import constants
from ..backend import block_rng
from ..beam.profile import BEAM_SPECIES, BeamSample, sample_decay_vertex
from ..detector.card import Card
from ..detector.charged_veto import charged_veto_geometry
from ..detector.propagation import _ACCEPT_KEYS, _charged_geometry, _photon_geometry, charged_summary_kernel, track_planes
from ..detector.response import _pid_kernel, _veto_tables
from ..errors import InputError, check_choice
from ..reco.smearing import LKR_CLUSTER_E_MIN, LKR_POSITION_M
from .inflight import candidate_decay, unit
from .kernels import (RECO_ROWS, beam_kernel, boost_events, candidate_kernel, norm3, reconstruct_kernel,
                      seen_kernel, vertex_lab_kernel)
from .pileup import PILEUP_COLUMNS, build_library, optional_columns
from .schema import COLUMNS, check_extra_columns
from .scratch import release_scratch
from .scratch import rows as _rows
from .scratch import scratch as _scratch
from .vetoes import CHARGE, check_veto_average_where, lkr_photon_columns, particle_vetoes

CANDIDATE_RULE = "first final-state charged particle with the charge of the beam particle"

_STREAM_BEAM, _STREAM_DECAY, _STREAM_RESPONSE, _STREAM_SECONDARY, _STREAM_VETO = 0, 1, 2, 3, 4
_STREAM_OPTIONAL = 5      # optional columns only (module docstring)

# Optional columns (module docstring): the LKr cluster threshold (D) and position resolution (U) are
# defined once, in reco.smearing, with their arguments.


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
    force_decays: bool = False
    veto_average: int = 0
    veto_average_where: tuple = ()      # ((column, low, high), ...): simulation.vetoes.check_veto_average_where
    extra_columns: tuple[str, ...] = ()
    lkr_cluster_e_min: float = LKR_CLUSTER_E_MIN
    lkr_position_m: float = LKR_POSITION_M
    prepared: Any = field(default=None, repr=False, compare=False)   # card packed for the kernels


def make_context(decay: str, seed: int, card: Card, z_range, mass, sampling: str,
                 secondary_decays: bool, muon_decays: bool, generator, decay_options: dict,
                 force_decays: bool = False, veto_average: int = 0, extra_columns=(),
                 lkr_cluster_e_min: float = LKR_CLUSTER_E_MIN, lkr_position_m: float = LKR_POSITION_M,
                 veto_average_where=None) -> SimContext:
    check_choice("sampling", sampling, ("weights", "deletion"))
    extra = check_extra_columns(extra_columns)
    for fld, v, hi in (("lkr_cluster_e_min", lkr_cluster_e_min, 100.0), ("lkr_position_m", lkr_position_m, 0.1)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not 0.0 <= v <= hi:
            raise InputError(fld, f"must be a number in [0, {hi:g}] ({'GeV' if fld.endswith('min') else 'm'}), got {v!r}")
    if isinstance(veto_average, bool) or not isinstance(veto_average, (int, np.integer)) or not 0 <= veto_average <= 4096:
        raise InputError("veto_average", f"must be an integer in [0, 4096] (orientations per pi0), got {veto_average!r}")
    if veto_average and sampling == "deletion":
        raise InputError("veto_average", "needs sampling='weights' (an averaged probability is not a 0/1 outcome)")
    where = check_veto_average_where(veto_average_where, veto_average)
    ctx = SimContext(decay, decay.split("->")[0].strip(), card, int(seed), tuple(z_range), mass,
                     sampling, bool(secondary_decays), bool(muon_decays), generator, dict(decay_options),
                     bool(force_decays), int(veto_average), where, extra, float(lkr_cluster_e_min),
                     float(lkr_position_m))
    ctx.prepared = _prepare(ctx)
    return ctx


def _charge(name: str) -> int:
    return CHARGE.get(name, 0)


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


@dataclass
class _Prepared:
    """Card numbers packed once per run for the compiled kernels (read-only, shared by the threads)."""
    m_parent: float
    ctau_parent: float
    beam_par: np.ndarray
    reco_par: np.ndarray
    reco_masses: np.ndarray
    charged_geo: tuple
    keep_planes: np.ndarray      # STRAW1, LKr: the planes whose positions the engine uses
    veto_geo: tuple
    veto_tables: tuple
    lkr_min_d2: float
    pid_par: np.ndarray
    charged_veto_geo: tuple
    pileup_library: Any = None   # accidental library, built once per run when pile-up columns are asked for


def _prepare(ctx: SimContext) -> _Prepared:
    card, res, b = ctx.card, ctx.card.resolution, ctx.card.beam
    geo = card.geometry
    m_parent = constants.mass(ctx.parent)
    ctau = constants.ctau_m(ctx.parent)
    z1, z2 = ctx.z_range
    beam_par = np.array([b.momentum, b.momentum_spread, b.x0, b.spot_x, b.y0, b.spot_y, b.dxdz,
                         b.divergence_x, b.dydz, b.divergence_y, z1 - b.z_gtk3, z2 - b.z_gtk3,
                         m_parent, ctau], float)
    reco_par = np.array([res.gtk_p_rel, res.gtk_angle, res.gtk_position, res.straw_p_const,
                         res.straw_p_slope, res.straw_angle_const, res.straw_angle_ms, res.straw_position,
                         b.z_gtk3, geo.straw[0].z, b.momentum, b.dxdz, b.dydz])
    masses = np.array([m_parent, constants.mass("pi+"), constants.mass("mu+"), constants.mass("e+")])
    planes = list(track_planes(card))
    veto_tables = _veto_tables(card)
    c = card.pid
    pid_par = np.array([c.rich_p_min, c.rich_p_max, c.pion_efficiency, c.pion_as_muon, c.pion_as_electron,
                        c.muon_efficiency, c.muon_as_pion_rich, c.muon_as_pion_calo, c.muon_as_electron,
                        c.electron_efficiency, c.electron_as_pion, c.electron_as_muon])
    return _Prepared(m_parent, ctau, beam_par, reco_par, masses, _charged_geometry(card),
                     np.array([0, planes.index("LKR")], np.int64), _photon_geometry(card), veto_tables,
                     card.photon_veto.lkr_min_distance ** 2, pid_par, charged_veto_geometry(card),
                     build_library(card, ctx.seed) if set(ctx.extra_columns) & set(PILEUP_COLUMNS) else None)


def _beam_and_lab(ctx: SimContext, prep: _Prepared, n: int, rng: np.random.Generator, p4: np.ndarray,
                  cols: dict[str, np.ndarray]):
    """Beam at GTK3, vertex, window probability and the decay products boosted into the lab.

    Same draws (5 normals then 1 uniform per event from stream 0) and the same arithmetic as
    ``_beam`` + :func:`~kaonportal.simulation.kernels.boost_events`, fused into two compiled passes
    around the numpy transcendental functions. Fills the beam/vertex truth columns of ``cols``.
    Returns (vtx (n, 3) view, pb3 (n, 3), eb (n,), lab (n, k, 4)).
    """
    g = rng.standard_normal(out=_scratch("g_beam", (5, n)))
    u = rng.random(out=_scratch("u_beam", (n,)))
    beam = _rows(5, n)
    k, s1, lam, a1, a2 = (_scratch(nm, (n,)) for nm in ("k", "s1", "lam", "a1", "a2"))
    if not beam_kernel(g, prep.beam_par, beam, k, s1, lam, a1, a2):
        # only for absurd cards (spread > 10%): keep physics finite
        raise InputError("card.beam.momentum_spread", "produced a non-positive beam momentum")
    frac = np.expm1(a1, out=a1)
    np.negative(frac, out=frac)                 # frac = -expm1(-(s2 - s1)/lambda)
    log_term = np.negative(u, out=g[0])         # g[0] is no longer needed: reuse it
    np.multiply(log_term, frac, out=log_term)
    np.log1p(log_term, out=log_term)            # log1p(-u frac)
    exp_a2 = np.exp(a2, out=a2)                 # exp(-s1/lambda)
    vtx_t = _rows(4, n)                        # rows: contiguous true_vertex_x/y/z columns, decay_prob
    prob = vtx_t[3]
    pb3 = _scratch("pb3", (n, 3))
    eb = _scratch("eb", (n,))
    p4 = np.ascontiguousarray(p4, dtype=np.float64)
    lab = _scratch("lab", p4.shape)
    vertex_lab_kernel(beam, k, s1, lam, log_term, exp_a2, frac, ctx.card.beam.z_gtk3, prep.m_parent ** 2,
                      p4, vtx_t.T, prob, pb3, eb, lab)
    cols["decay_prob"] = prob
    cols["true_p_beam"] = beam[0]
    cols["true_beam_dxdz"] = beam[3]
    cols["true_beam_dydz"] = beam[4]
    cols["true_vertex_x"], cols["true_vertex_y"], cols["true_vertex_z"] = vtx_t[0], vtx_t[1], vtx_t[2]
    return beam, vtx_t.T, pb3, eb, lab


def _propagate(prep: _Prepared, origin: np.ndarray, p3: np.ndarray, charge: float):
    """:func:`~kaonportal.detector.propagation.propagate_charged` with the card geometry packed once,
    keeping STRAW1 and LKr positions only: returns (x, y at STRAW1, x, y at LKr, flags by key, forward)."""
    n = origin.shape[0]
    xk = _rows(2, n)
    yk = _rows(2, n)
    acc = _rows(len(_ACCEPT_KEYS), n, np.bool_)
    fwd = np.empty(n, np.bool_)
    # p3 as a contiguous copy: a slice of one event's row is contiguous, of more is not, and numba compiles one
    # specialisation per layout (a second one in a later block of another size, on the threads)
    charged_summary_kernel(origin, np.ascontiguousarray(p3), float(charge), *prep.charged_geo, prep.keep_planes,
                           xk, yk, acc, fwd)
    return xk[0], yk[0], xk[1], yk[1], {key: acc[i] for i, key in enumerate(_ACCEPT_KEYS)}, fwd


def simulate_block(ctx: SimContext, block: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Columns (see :data:`~kaonportal.simulation.schema.COLUMNS`) for events ``start..stop-1`` of
    block ``block``."""
    n = stop - start
    card, geo = ctx.card, ctx.card.geometry
    prep = ctx.prepared
    if prep is None:
        prep = ctx.prepared = _prepare(ctx)
    rng_beam = block_rng(ctx.seed, block, _STREAM_BEAM)
    rng_dec = block_rng(ctx.seed, block, _STREAM_DECAY)
    rng_res = block_rng(ctx.seed, block, _STREAM_RESPONSE)
    rng_sec = block_rng(ctx.seed, block, _STREAM_SECONDARY)
    cols: dict[str, np.ndarray] = {}

    # --- decay products, beam and vertex, boost to the lab ---------------------------------------------
    prod = ctx.generator(ctx.decay, n, rng_dec, mass=ctx.mass, **ctx.decay_options)
    names = prod.names
    k = len(names)
    if math.isfinite(prep.ctau_parent) and prep.ctau_parent > 0:
        beam_rows, vtx, pb3, eb, lab = _beam_and_lab(ctx, prep, n, rng_beam, prod.p4, cols)
        beam = BeamSample(p=beam_rows[0], x=beam_rows[1], y=beam_rows[2], dxdz=beam_rows[3],
                          dydz=beam_rows[4])
    else:  # stable beam species: uniform vertex, zero probability (generic numpy path)
        beam, vz, decay_prob = _beam(ctx, n, rng_beam)
        dz = vz - card.beam.z_gtk3
        vtx = np.stack([beam.x + beam.dxdz * dz, beam.y + beam.dydz * dz, vz], axis=-1)
        pb3 = beam.p3()
        eb = np.sqrt(beam.p ** 2 + prep.m_parent ** 2)
        lab = boost_events(prod.p4, pb3 / eb[:, None])
        cols["decay_prob"] = decay_prob
        cols["true_p_beam"], cols["true_beam_dxdz"], cols["true_beam_dydz"] = beam.p, beam.dxdz, beam.dydz
        cols["true_vertex_x"], cols["true_vertex_y"], cols["true_vertex_z"] = vtx[:, 0], vtx[:, 1], vtx[:, 2]
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
            decay_pt.append(origin[i] + unit(pl) * (lam * rng_sec.standard_exponential(n))[:, None])
        else:
            decay_pt.append(origin[i])

    beam_q = _charge(ctx.parent)
    cand = next((i for i in range(k) if prod.final[i] and not invisible[i] and beam_q != 0
                 and _charge(names[i]) == beam_q), -1)

    cols["event"] = np.arange(start, stop, dtype=np.int64)
    cols["weight_gen"] = np.ascontiguousarray(prod.weight, dtype=float)

    g = rng_res.standard_normal(out=_scratch("g_res", (10, n)))
    nan = np.full(n, np.nan)
    w_forced = np.ones(n)
    if cand < 0:
        seen_p4 = np.full((n, 4), np.nan)
        seen_pdg = np.zeros(n, np.int32)
        decayed = np.zeros(n, bool)
        cols["true_p_track"] = cols["true_track_dxdz"] = cols["true_track_dydz"] = nan
        cols["true_m2miss"] = nan
        track = None
    else:
        p_c, tx_c, ty_c, m2_c = _rows(4, n)
        seen_p4 = _scratch("seen_p4", (n, 4))
        seen_origin = _scratch("seen_origin", (n, 3))
        candidate_kernel(lab, cand, eb, pb3, origin[cand], p_c, tx_c, ty_c, m2_c, seen_p4, seen_origin)
        cols["true_p_track"], cols["true_track_dxdz"], cols["true_track_dydz"] = p_c, tx_c, ty_c
        cols["true_m2miss"] = m2_c
        seen_pdg = np.full(n, constants.pdgid(names[cand]), np.int32)
        sel = candidate_decay(ctx, names[cand], prod.ctau_m[cand], lab[:, cand], p_c, seen_origin, seen_p4,
                              seen_pdg, geo.straw[0].z, rng_sec, w_forced)
        decayed = np.zeros(n, bool) if sel is None else sel
        track = _propagate(prep, seen_origin, seen_p4[:, 1:], beam_q)
    cols["track_true_pdgid"] = seen_pdg
    cols["track_decayed"] = decayed
    cols["weight_forced_decay"] = w_forced

    # --- GTK and STRAW measurement, vertex, missing masses (fused kernel) ----------------------------
    reco = _rows(len(RECO_ROWS), n)
    if track is not None:
        xs1, ys1, x_lkr, y_lkr, acc, fwd = track     # STRAW1 is the first plane of track_planes
        p_seen, stx, sty = _rows(3, n)
        seen_kernel(seen_p4, p_seen, stx, sty)
        lkr_xy = (x_lkr, y_lkr)
    else:
        xs1 = ys1 = p_seen = stx = sty = nan
        fwd = np.zeros(n, bool)
        acc = {key: np.zeros(n, bool) for key in ("straw", "rich", "chod", "newchod", "lkr", "muv3")}
        lkr_xy = (nan, nan)
    reconstruct_kernel(g, beam.p, beam.dxdz, beam.dydz, beam.x, beam.y, p_seen, stx, sty, fwd, xs1, ys1,
                       prep.reco_par, prep.reco_masses, reco)
    for r, name in enumerate(RECO_ROWS):
        cols[name] = reco[r]
    cols["track_x_straw1"], cols["track_y_straw1"] = xs1, ys1
    in_straw = acc["straw"]

    # --- other visible particles: extra tracks and vetoes ----------------------------------------------
    rng_veto = block_rng(ctx.seed, block, _STREAM_VETO) if ctx.veto_average > 0 else None
    in_acc = acc["straw"] & acc["rich"] & acc["chod"] & acc["newchod"] & acc["lkr"] & acc["muv3"]
    # veto averaging where a selection can use the veto: candidate in acceptance and inside the windows of
    # option veto_average_where (simulation.vetoes)
    avg_where = in_acc
    for name, lo, hi in ctx.veto_average_where:
        avg_where = avg_where & (cols[name] >= lo) & (cols[name] <= hi)
    n_tracks, n_phot, w_veto, w_escape = particle_vetoes(ctx, prep, prod, lab, origin, decay_pt, cand, invisible,
                                                         lkr_xy, in_straw.astype(np.int16), rng_veto, avg_where)
    cols["n_tracks"] = n_tracks
    cols["n_photons"] = n_phot

    # --- acceptance flags and PID --------------------------------------------------------------------
    for flag, key in (("in_straw", "straw"), ("in_rich", "rich"), ("in_chod", "chod"),
                      ("in_newchod", "newchod"), ("in_lkr", "lkr"), ("in_muv3", "muv3")):
        cols[flag] = acc[key]
    cols["in_acceptance"] = in_acc
    pid = np.zeros((3, n))      # C-contiguous, as in pid_weights: the kernel is compiled once
    ids = seen_pdg.astype(np.int64)
    if track is not None:
        _pid_kernel(ids, p_seen, prep.pid_par, pid)      # same as pid_weights(seen_pdg, |p_seen|, card)
    else:
        _pid_kernel(ids, nan, prep.pid_par, pid)
    wpi, wmu, we = pid[0], pid[1], pid[2]
    if ctx.sampling == "deletion":
        # Random deletion instead of weights: realise each probability as a 0/1 outcome.
        u = rng_res.random((2, n))
        w_veto = (u[0] < w_veto).astype(float)
        c1, c2 = wpi, wpi + wmu
        wpi, wmu, we = ((u[1] < c1).astype(float), ((u[1] >= c1) & (u[1] < c2)).astype(float),
                        ((u[1] >= c2) & (u[1] < c2 + we)).astype(float))
    cols["w_photon_veto"] = w_veto
    cols["w_photon_veto_escape"] = w_escape
    cols["w_pid_pi"], cols["w_pid_mu"], cols["w_pid_e"] = wpi, wmu, we
    if ctx.extra_columns:
        if "n_photons_lkr" in ctx.extra_columns or "m_gg_lkr" in ctx.extra_columns:
            rng_opt = block_rng(ctx.seed, block, _STREAM_OPTIONAL) if "m_gg_lkr" in ctx.extra_columns else None
            cols.update(lkr_photon_columns(ctx, rng_opt, prod, lab, origin, vtx, lkr_xy))
        # times and pile-up (streams 6 and 7): kaonportal.simulation.pileup
        cols.update(optional_columns(card, ctx.seed, block, ctx.parent, ctx.extra_columns, cols,
                                     prep.pileup_library))
        return {name: np.ascontiguousarray(cols[name]) for name in (*COLUMNS, *ctx.extra_columns)}
    return {name: np.ascontiguousarray(cols[name]) for name in COLUMNS}


def species_of(decay_parent: str) -> str:
    check_choice("decay parent (beam species)", decay_parent, [s for s in BEAM_SPECIES if s != "p"])
    return decay_parent
