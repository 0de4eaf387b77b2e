"""The simulation chain for one block of events: beam -> decay -> propagation -> response -> reco.

:func:`simulate_block` is a pure function of ``(context, block index)``: every random number comes from
``kaonportal.backend.block_rng(seed, block, stream)`` with separate streams, so the output is
bit-identical whatever the chunk size or the worker that runs the block.

Streams: 0 beam (momentum, spot, slopes, decay position), 1 decay generator, 2 detector response
(smearing, and the Bernoulli draws of ``sampling="deletion"``), 3 secondary decays (displaced
parents, in-flight decays of the candidate track), 4 veto averaging (option ``veto_average``), 5 optional
columns (option ``extra_columns``), 6 optional time columns, 7 optional pile-up columns (both
:mod:`kaonportal.simulation.pileup`).

Secondary in-flight decays (option ``secondary_decays``, on by default): a charged pion candidate
decays pi+ -> mu+ nu (isotropic two-body in its rest frame; BR 0.99988, the e nu mode is neglected)
with the exponential law of its decay length (p/m) c tau; if the decay happens before STRAW1 the
spectrometer sees the muon (from the decay point). Decays downstream of STRAW1 are not simulated
(they would change the downstream PID, which the card's PID probabilities describe as measured).
Option ``muon_decays`` (off by default) does the same for a muon candidate with mu+ -> e+ nu nubar
from :func:`kaonportal.decays.generate`.

Forced in-flight decays (option ``force_decays``, off by default; importance sampling for background
studies): every forward candidate that the options above let decay is made to decay before STRAW1.
With L the flight length from its origin to the STRAW1 plane and lambda = (p/m) c tau, the decay
probability P = 1 - exp(-L/lambda) goes into the column ``weight_forced_decay`` and the decay point
is drawn from the exponential law truncated to [0, L) (inverse CDF d = -lambda ln(1 - u P), u uniform
from stream 3). Tracks that cannot decay before STRAW1 (backward, or produced beyond it) get
weight 0. The forced sample, weighted by ``weight_forced_decay``, is thus an unbiased estimate of the
decayed part of an unforced sample (its ``track_decayed`` events), with every event decayed instead of
a fraction ~ L/lambda (~1e-4 for muons): ``analyses.pnn_budget`` combines the two. Without the option
``weight_forced_decay`` is 1 and every other column is unchanged (bit-identical).

Veto averaging (option ``veto_average`` = K, 0 = off; Rao-Blackwellisation of the photon veto): the
pi+ kinematics does not depend on the orientation of a pi0 -> gamma gamma decay in the pi0 rest frame
(isotropic), so the veto probability of its two photons is replaced by its average over K fresh
isotropic orientations (stream 4; the photons actually generated are not used for the veto). The
expectation of ``w_photon_veto`` is unchanged, and the rare configurations where both photons escape
(e.g. through gaps of the veto coverage) are sampled K times per event instead of once. Column
``w_photon_veto_escape`` is the part of ``w_photon_veto`` where every particle to veto escapes all veto
detectors (inefficiency 1), averaged the same way; without the option it is 1 for such events, else 0.

Optional columns (option ``extra_columns``, none by default; :data:`~.schema.OPTIONAL_COLUMNS`): computed
after everything else from quantities the chain already has, with their own random stream 5, so the
default columns are bit-identical with or without them and nothing extra runs when none is asked for.

- ``n_photons_lkr``: final-state photons whose straight line reaches the LKr first among the veto
  detectors (:func:`~kaonportal.detector.propagation.photon_hits`, code ``lkr``: octagon outside the
  photon hole ``r_hole_photon``), with true energy above the LKr cluster threshold ``lkr_cluster_e_min``
  (the card has no cluster threshold: default :data:`LKR_CLUSTER_E_MIN` = 1 GeV, D -- the lowest energy
  threshold of the LKr photon-rejection code, [FW PhotonRejection.cc] "Photon-veto timing windows",
  V for the code, D as a cluster threshold), and not closer than ``photon_veto.lkr_min_distance`` to the
  candidate track's LKr impact (such a photon joins the track's cluster, as in the photon veto;
  no track at the LKr: no merging).
- ``m_gg_lkr``: the two most energetic of those photons (by true energy) become LKr clusters with
  :func:`kaonportal.reco.smearing.lkr_cluster` (energy with the card's sigma_E(E), then each impact
  coordinate with ``lkr_position_m``; default :data:`LKR_POSITION_M` = 1 mm, U: the card has no LKr
  position resolution, the value of the searches' own samples); draws per event from stream 5, first
  the most energetic photon (n energies, (n, 2) positions), then the second, for every event of the
  block (the draws do not depend on which events have two photons). Each photon's direction is the line
  from the TRUE decay vertex (``true_vertex_*``; the published analyses use the reconstructed
  multi-track vertex: not modelled) to its measured impact on the LKr front plane, and
  m_gg^2 = 2 E1 E2 (1 - cos theta_12) (massless photons). NaN with fewer than two photons.

Speed: the per-event arithmetic runs in compiled kernels (:mod:`.kernels`, ``nogil``) that repeat the
documented numpy expressions operation by operation, so the outputs are bit-identical to them (tests in
``tests/simulation/test_simulation_parallel.py``); exp/expm1/log1p stay in numpy. Work arrays that
never leave a block are reused per thread; output columns are rows of cache-line-staggered buffers
(see :func:`_rows`). Threads of ``simulate(workers=...)`` then run the blocks truly in parallel.
"""

from __future__ import annotations

__all__ = ["SimContext", "make_context", "simulate_block", "CANDIDATE_RULE", "LKR_CLUSTER_E_MIN", "LKR_POSITION_M"]

import math
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import constants
from ..backend import block_rng
from ..beam.profile import BEAM_SPECIES, BeamSample, sample_decay_vertex
from ..detector.card import Card
from ..detector.charged_veto import charged_veto_geometry, charged_veto_hits
from ..detector.propagation import (DETECTOR_CODES, _ACCEPT_KEYS, _charged_geometry, _photon_geometry,
                                    charged_summary_kernel, photon_hits, propagate_charged, track_planes)
from ..detector.response import _pid_kernel, _veto_kernel, _veto_tables
from ..errors import InputError, check_choice
from ..kinematics import boost, two_body_momentum
from ..reco.smearing import LKR_CLUSTER_E_MIN, LKR_POSITION_M, lkr_cluster
from .pileup import optional_columns
from .kernels import (RECO_ROWS, beam_kernel, boost_events, candidate_kernel, flight_kernel, norm3,
                      reconstruct_kernel, seen_kernel, vertex_lab_kernel)
from .schema import COLUMNS, check_extra_columns

CANDIDATE_RULE = "first final-state charged particle with the charge of the beam particle"

_CHARGE = {"pi+": 1, "pi-": -1, "mu+": 1, "mu-": -1, "e+": 1, "e-": -1, "K+": 1, "K-": -1, "p": 1}
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
    extra_columns: tuple[str, ...] = ()
    lkr_cluster_e_min: float = LKR_CLUSTER_E_MIN
    lkr_position_m: float = LKR_POSITION_M
    prepared: Any = field(default=None, repr=False, compare=False)   # card packed for the kernels


def make_context(decay: str, seed: int, card: Card, z_range, mass, sampling: str,
                 secondary_decays: bool, muon_decays: bool, generator, decay_options: dict,
                 force_decays: bool = False, veto_average: int = 0, extra_columns=(),
                 lkr_cluster_e_min: float = LKR_CLUSTER_E_MIN, lkr_position_m: float = LKR_POSITION_M) -> SimContext:
    check_choice("sampling", sampling, ("weights", "deletion"))
    extra = check_extra_columns(extra_columns)
    for fld, v, hi in (("lkr_cluster_e_min", lkr_cluster_e_min, 100.0), ("lkr_position_m", lkr_position_m, 0.1)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not 0.0 <= v <= hi:
            raise InputError(fld, f"must be a number in [0, {hi:g}] ({'GeV' if fld.endswith('min') else 'm'}), got {v!r}")
    if isinstance(veto_average, bool) or not isinstance(veto_average, (int, np.integer)) or not 0 <= veto_average <= 4096:
        raise InputError("veto_average", f"must be an integer in [0, 4096] (orientations per pi0), got {veto_average!r}")
    if veto_average and sampling == "deletion":
        raise InputError("veto_average", "needs sampling='weights' (an averaged probability is not a 0/1 outcome)")
    ctx = SimContext(decay, decay.split("->")[0].strip(), card, int(seed), tuple(z_range), mass,
                     sampling, bool(secondary_decays), bool(muon_decays), generator, dict(decay_options),
                     bool(force_decays), int(veto_average), extra, float(lkr_cluster_e_min), float(lkr_position_m))
    ctx.prepared = _prepare(ctx)
    return ctx


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
                     card.photon_veto.lkr_min_distance ** 2, pid_par, charged_veto_geometry(card))


_SCRATCH = threading.local()


def _stagger() -> int:
    """A cache-line offset (0..31) that changes from call to call in this thread."""
    c = getattr(_SCRATCH, "counter", 0) + 1
    _SCRATCH.counter = c
    return (c * 7) % 32


def _rows(nrows: int, n: int, dtype=np.float64) -> np.ndarray:
    """(nrows, n) array whose rows are contiguous 1-D arrays a whole number of cache lines plus one
    apart, starting at a varying cache-line offset.

    Blocks are 2^16 events, so plain (nrows, n) arrays and separately allocated (n,) arrays sit at
    multiples of 4 KiB from each other: a kernel touching element i of 20-30 of them then maps them
    all onto the same L1/L2 cache sets and thrashes. Staggering costs nothing and keeps the kernels
    memory-bound only on real traffic. Rows are used as output columns (pyarrow wraps them as is).
    """
    dt = np.dtype(dtype)
    line = 64 // dt.itemsize
    stride = n + line
    start = _stagger() * line
    buf = np.empty(start + nrows * stride, dt)
    return buf[start:].reshape(nrows, stride)[:, :n]


def _scratch(name: str, shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """Per-thread work array ``name`` of ``shape``, reused from block to block (uninitialised).

    Only for arrays that never leave :func:`simulate_block`: reusing them avoids allocating, page-faulting
    and freeing tens of MB per block, which costs more than the arithmetic and serialises threads in
    the kernel's memory management. Each is contiguous and starts at a different cache-line offset
    (see :func:`_rows`).
    """
    store = getattr(_SCRATCH, "arrays", None)
    if store is None:
        store = _SCRATCH.arrays = {}
    key = (name, shape, np.dtype(dtype).str)
    arr = store.get(key)
    if arr is None:
        if len(store) > 64:       # many block sizes / decays in one thread: start afresh
            store.clear()
        dt = np.dtype(dtype)
        line = 64 // dt.itemsize
        start = (len(store) * 5 % 32) * line
        size = int(np.prod(shape))
        arr = store[key] = np.empty(start + size, dt)[start:].reshape(shape)
    return arr


def release_scratch() -> None:
    """Free this thread's work arrays (:func:`simulate` calls it when a run ends)."""
    _SCRATCH.arrays = {}


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
    charged_summary_kernel(origin, p3, float(charge), *prep.charged_geo, prep.keep_planes, xk, yk, acc, fwd)
    return xk[0], yk[0], xk[1], yk[1], {key: acc[i] for i, key in enumerate(_ACCEPT_KEYS)}, fwd


def _forced_flight(p: np.ndarray, pz: np.ndarray, z0: np.ndarray, m: float, ctau: float, z_end: float,
                   rng: np.random.Generator, dist: np.ndarray, sel: np.ndarray, weight: np.ndarray) -> int:
    """Forced decay before ``z_end`` (module docstring): fills ``dist`` (flight length to the decay, m),
    ``sel`` (decay forced) and ``weight`` (its probability P, 0 where no decay before ``z_end`` is
    possible); returns the number of forced decays.

    >>> d, s, w = np.empty(2), np.empty(2, bool), np.empty(2)
    >>> _forced_flight(np.array([10.0, 10.0]), np.array([10.0, -10.0]), np.array([100.0, 100.0]),
    ...                0.1057, 659.0, 180.0, np.random.default_rng(1), d, s, w)
    1
    >>> bool(0 < d[0] < 80.0), round(float(w[0]), 6), float(w[1])   # P = 1 - exp(-80 m / (10/0.1057) 659 m)
    (True, 0.001282, 0.0)
    """
    u = rng.random(p.shape[0])
    lam = p / m * ctau
    fwd = (pz > 0.0) & (z0 < z_end)
    length = np.where(fwd, (z_end - z0) * p / np.where(fwd, pz, 1.0), 0.0)   # flight length to z_end
    prob = -np.expm1(-length / lam)
    np.copyto(weight, prob)
    np.copyto(sel, prob > 0.0)
    # inverse CDF of the exponential law truncated to [0, length): d = -lambda ln(1 - u P)
    np.copyto(dist, -lam * np.log1p(-u * prob))
    return int(np.count_nonzero(sel))


def _pi0_groups(prod) -> list[tuple[int, tuple[int, int]]]:
    """(pi0 index, (photon, photon)) for every pi0 of the products that decayed to exactly two photons."""
    out = []
    for j, nm in enumerate(prod.names):
        kids = [i for i, par in enumerate(prod.parent) if par == j]
        if nm == "pi0" and len(kids) == 2 and all(prod.names[i] == "gamma" and prod.final[i] for i in kids):
            out.append((j, (kids[0], kids[1])))
    return out


def _average_pi0_vetoes(ctx: SimContext, prep: _Prepared, block: int, groups, lab, decay_pt, lkr_xy,
                        w_others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``veto_average`` (module docstring): the event veto probability with each pi0's photon pair
    averaged over K isotropic orientations in the pi0 rest frame, and the probability that every
    particle escapes (product over the pi0s of the escape frequency, times [all other particles escape])."""
    rng = block_rng(ctx.seed, block, _STREAM_VETO)
    n = w_others.shape[0]
    big_k = ctx.veto_average
    w = w_others.copy()
    esc = (w_others >= 1.0).astype(float)      # no other particle, or none of them detectable
    for j, _ in groups:
        p4 = np.ascontiguousarray(lab[:, j])
        m = np.sqrt(np.maximum(p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=-1), 0.0))
        beta = p4[:, 1:] / p4[:, :1]
        o = np.ascontiguousarray(decay_pt[j])
        acc = np.zeros(n)
        acc_esc = np.zeros(n)
        for _ in range(big_k):
            u = rng.random((2, n))
            cost = 2.0 * u[0] - 1.0
            sint = np.sqrt(np.maximum(0.0, 1.0 - cost * cost))
            phi = 2.0 * math.pi * u[1]
            h = 0.5 * m
            rest = np.stack([h, h * sint * np.cos(phi), h * sint * np.sin(phi), h * cost], axis=-1)
            g1 = np.ascontiguousarray(boost(rest, beta))
            rest[:, 1:] *= -1.0
            g2 = np.ascontiguousarray(boost(rest, beta))
            wr = np.ones(n)
            for g in (g1, g2):
                _veto_kernel(wr, o, g, lkr_xy[0], lkr_xy[1], prep.lkr_min_d2, *prep.veto_geo, *prep.veto_tables)
            acc += wr
            acc_esc += wr >= 1.0
        w *= acc / big_k
        esc *= acc_esc / big_k
    return w, esc


def _lkr_photon_columns(ctx: SimContext, block: int, prod, lab: np.ndarray, origin, vtx: np.ndarray,
                        lkr_xy) -> dict[str, np.ndarray]:
    """``n_photons_lkr`` and ``m_gg_lkr`` (module docstring, "Optional columns") for one block."""
    card = ctx.card
    n = lab.shape[0]
    phot = [i for i, nm in enumerate(prod.names) if nm == "gamma" and prod.final[i]]
    e = np.zeros((n, max(len(phot), 2)))           # true energy of each counted photon, 0 otherwise
    xh = np.full(e.shape, np.nan)
    yh = np.full(e.shape, np.nan)
    dmin2 = card.photon_veto.lkr_min_distance ** 2
    for j, i in enumerate(phot):
        p4 = lab[:, i]
        hits = photon_hits(origin[i], p4[:, 1:], card)
        # merged with the track's cluster as in the photon veto; NaN track impact compares False: no merging
        merged = (hits.x - lkr_xy[0]) ** 2 + (hits.y - lkr_xy[1]) ** 2 < dmin2
        ok = (hits.detector == DETECTOR_CODES["lkr"]) & (p4[:, 0] > ctx.lkr_cluster_e_min) & ~merged
        e[:, j] = np.where(ok, p4[:, 0], 0.0)
        xh[:, j], yh[:, j] = hits.x, hits.y
    count = np.count_nonzero(e > 0.0, axis=1)
    out: dict[str, np.ndarray] = {}
    if "n_photons_lkr" in ctx.extra_columns:
        out["n_photons_lkr"] = count.astype(np.int16)
    if "m_gg_lkr" in ctx.extra_columns:
        rng = block_rng(ctx.seed, block, _STREAM_OPTIONAL)
        top = np.argsort(-e, axis=1, kind="stable")[:, :2]
        z_lkr = card.geometry.lkr.z
        mom = []
        for s in range(2):
            col = top[:, s:s + 1]
            e_s = np.take_along_axis(e, col, 1)[:, 0]
            x_s = np.take_along_axis(xh, col, 1)[:, 0]
            y_s = np.take_along_axis(yh, col, 1)[:, 0]
            e_m, xy = lkr_cluster(e_s, x_s, y_s, card, rng, ctx.lkr_position_m)
            d = np.stack([xy[:, 0] - vtx[:, 0], xy[:, 1] - vtx[:, 1], z_lkr - vtx[:, 2]], axis=-1)
            mom.append((e_m, d / np.linalg.norm(d, axis=-1, keepdims=True)))
        (e1, u1), (e2, u2) = mom
        cos12 = np.sum(u1 * u2, axis=-1)
        m2 = 2.0 * e1 * e2 * (1.0 - cos12)
        out["m_gg_lkr"] = np.where(count >= 2, np.sqrt(np.maximum(m2, 0.0)), np.nan)
    return out


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
            decay_pt.append(origin[i] + _unit(pl) * (lam * rng_sec.standard_exponential(n))[:, None])
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
        decayed = np.zeros(n, bool)
        cname = names[cand]
        ct = prod.ctau_m[cand]
        do_pi = ctx.secondary_decays and cname in ("pi+", "pi-")
        do_mu = ctx.muon_decays and cname in ("mu+", "mu-")
        if (do_pi or do_mu) and math.isfinite(ct) and ct > 0:
            m_c = constants.mass(cname)
            cp4 = lab[:, cand]
            dist = _scratch("dist", (n,))
            sel = np.empty(n, np.bool_)     # becomes the track_decayed column
            if ctx.force_decays:
                n_sel = _forced_flight(p_c, cp4[:, 3], seen_origin[:, 2], m_c, ct, geo.straw[0].z, rng_sec,
                                       dist, sel, w_forced)
            else:
                # flight length to the decay; the full decay point only for the few that decay before STRAW1
                expo = rng_sec.standard_exponential(out=_scratch("expo", (n,)))
                n_sel = flight_kernel(p_c, cp4[:, 3], seen_origin[:, 2], expo,
                                      np.array([m_c, ct]), geo.straw[0].z, dist, sel)
            if n_sel:
                dpt = seen_origin[sel] + _unit(cp4[sel, 1:]) * dist[sel, None]
                if do_pi:
                    sign = "+" if cname.endswith("+") else "-"
                    mu4 = _two_body_in_flight(cp4[sel], m_c, constants.mass("mu" + sign), 0.0, rng_sec)
                    seen_pdg[sel] = constants.pdgid("mu" + sign)
                else:
                    sub = ctx.generator(f"{cname} -> e{cname[-1]} nu nubar", int(n_sel), rng_sec)
                    j = sub.names.index("e" + cname[-1])
                    ps = cp4[sel]
                    mu4 = boost(sub.p4[:, j], ps[:, 1:] / ps[:, :1])
                    seen_pdg[sel] = constants.pdgid("e" + cname[-1])
                seen_p4[sel] = mu4
                seen_origin[sel] = dpt
                decayed = sel
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
    n_tracks = in_straw.astype(np.int16)
    n_phot = np.zeros(n, np.int16)
    w_veto = np.ones(n)
    groups = _pi0_groups(prod) if ctx.veto_average > 0 else []
    grouped = {i for _, pair in groups for i in pair}
    for i in range(k):
        if i == cand or not prod.final[i] or invisible[i]:
            continue
        p4i = lab[:, i]
        oi = origin[i]
        if i in grouped:        # veto_average: this photon's veto probability is averaged below
            n_phot += 1
            continue
        if names[i] == "gamma" or _charge(names[i]) == 0:
            # photon_veto_update with the geometry and tables packed once per run
            _veto_kernel(w_veto, oi, p4i, lkr_xy[0], lkr_xy[1], prep.lkr_min_d2, *prep.veto_geo,
                         *prep.veto_tables)
            n_phot += 1
            continue
        # extra charged particle: a track if inside the spectrometer, otherwise it must be vetoed
        t = propagate_charged(oi, p4i[:, 1:], _charge(names[i]), card)
        ins = t.accept["straw"]
        n_tracks += ins
        # the veto it reaches on its track bent by MNP33 (detector.charged_veto)
        det = charged_veto_hits(oi, p4i[:, 1:], _charge(names[i]), card, prep.charged_veto_geo)
        ineff = np.where(det > 0, card.photon_veto.extra_charged_inefficiency, 1.0)
        w_veto *= np.where(ins, 1.0, ineff)
        n_phot += (~ins).astype(np.int16)
    if groups:
        w_veto, w_escape = _average_pi0_vetoes(ctx, prep, block, groups, lab, decay_pt, lkr_xy, w_veto)
        w_escape = np.where(n_phot > 0, w_escape, 0.0)
    else:
        w_escape = ((n_phot > 0) & (w_veto >= 1.0)).astype(float)
    cols["n_tracks"] = n_tracks
    cols["n_photons"] = n_phot

    # --- acceptance flags and PID --------------------------------------------------------------------
    for flag, key in (("in_straw", "straw"), ("in_rich", "rich"), ("in_chod", "chod"),
                      ("in_newchod", "newchod"), ("in_lkr", "lkr"), ("in_muv3", "muv3")):
        cols[flag] = acc[key]
    cols["in_acceptance"] = (acc["straw"] & acc["rich"] & acc["chod"] & acc["newchod"] & acc["lkr"]
                             & acc["muv3"])
    pid = _rows(3, n)
    pid[:] = 0.0
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
            cols.update(_lkr_photon_columns(ctx, block, prod, lab, origin, vtx, lkr_xy))
        # times and pile-up (streams 6 and 7): kaonportal.simulation.pileup
        cols.update(optional_columns(card, ctx.seed, block, ctx.parent, ctx.extra_columns, cols))
        return {name: np.ascontiguousarray(cols[name]) for name in (*COLUMNS, *ctx.extra_columns)}
    return {name: np.ascontiguousarray(cols[name]) for name in COLUMNS}


def species_of(decay_parent: str) -> str:
    check_choice("decay parent (beam species)", decay_parent, [s for s in BEAM_SPECIES if s != "p"])
    return decay_parent
