"""In-flight decays of the candidate track between its origin and STRAW1 (simulation engine, stream 3).

Units: metres, GeV, GeV/c.

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
"""

from __future__ import annotations

__all__ = ["candidate_decay", "compile_in_flight", "forced_flight", "two_body_in_flight", "unit"]

import math

import numpy as np

from .. import constants
from ..decays.phasespace import isotropic
from ..kinematics import boost, two_body_momentum
from .kernels import flight_kernel, norm3
from .scratch import scratch


def unit(p3: np.ndarray) -> np.ndarray:
    """Unit vectors of the rows of ``p3`` (n, 3)."""
    return p3 / norm3(p3)[:, None]


def two_body_in_flight(p4_parent: np.ndarray, m_parent: float, m1: float, m2: float,
                        rng: np.random.Generator) -> np.ndarray:
    """Lab four-momentum of daughter 1 of an isotropic two-body decay of a moving parent."""
    n = p4_parent.shape[0]
    ps = float(two_body_momentum(m_parent, m1, m2))
    rest = np.column_stack([np.full(n, math.sqrt(ps * ps + m1 * m1)), isotropic(rng, n, ps)])
    return boost(rest, p4_parent[:, 1:] / p4_parent[:, :1])


def forced_flight(p: np.ndarray, pz: np.ndarray, z0: np.ndarray, m: float, ctau: float, z_end: float,
                  rng: np.random.Generator, dist: np.ndarray, sel: np.ndarray, weight: np.ndarray) -> int:
    """Forced decay before ``z_end`` (module docstring, "Forced in-flight decays"): fills ``dist`` (flight
    length to the decay, m), ``sel`` (decay forced) and ``weight`` (its probability P, 0 where no decay before ``z_end`` is
    possible); returns the number of forced decays.

    >>> d, s, w = np.empty(2), np.empty(2, bool), np.empty(2)
    >>> forced_flight(np.array([10.0, 10.0]), np.array([10.0, -10.0]), np.array([100.0, 100.0]),
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


def candidate_decay(ctx, cname: str, ct: float, cp4: np.ndarray, p_c: np.ndarray, seen_origin: np.ndarray,
                    seen_p4: np.ndarray, seen_pdg: np.ndarray, z_straw1: float, rng: np.random.Generator,
                    w_forced: np.ndarray) -> np.ndarray | None:
    """In-flight decay before STRAW1 of the candidate ``cname`` (lab four-momenta ``cp4`` (n, 4), momentum
    ``p_c``, c tau ``ct`` in m) with the options of ``ctx`` (module docstring). Replaces, for the decayed
    events, the seen particle in ``seen_p4``, ``seen_origin``, ``seen_pdg`` (in place; ``w_forced`` too);
    returns the ``track_decayed`` mask, or None if the options let nothing decay (draws from ``rng``,
    stream 3 of the engine, only then)."""
    do_pi = ctx.secondary_decays and cname in ("pi+", "pi-")
    do_mu = ctx.muon_decays and cname in ("mu+", "mu-")
    if not ((do_pi or do_mu) and math.isfinite(ct) and ct > 0):
        return None
    n = cp4.shape[0]
    m_c = constants.mass(cname)
    dist = scratch("dist", (n,))
    sel = np.empty(n, np.bool_)     # becomes the track_decayed column
    if ctx.force_decays:
        n_sel = forced_flight(p_c, cp4[:, 3], seen_origin[:, 2], m_c, ct, z_straw1, rng, dist, sel, w_forced)
    else:
        # flight length to the decay; the full decay point only for the few that decay before STRAW1. Contiguous
        # copies of the columns: a column of one event is contiguous, of more is not, and numba compiles one
        # specialisation per layout (a second one in a later block of another size, on the threads)
        expo = rng.standard_exponential(out=scratch("expo", (n,)))
        n_sel = flight_kernel(p_c, np.ascontiguousarray(cp4[:, 3]), np.ascontiguousarray(seen_origin[:, 2]), expo,
                              np.array([m_c, ct]), z_straw1, dist, sel)
    if n_sel:
        dpt = seen_origin[sel] + unit(cp4[sel, 1:]) * dist[sel, None]
        if do_pi:
            sign = "+" if cname.endswith("+") else "-"
            mu4 = two_body_in_flight(cp4[sel], m_c, constants.mass("mu" + sign), 0.0, rng)
            seen_pdg[sel] = constants.pdgid("mu" + sign)
        else:
            sub = ctx.generator(f"{cname} -> e{cname[-1]} nu nubar", int(n_sel), rng)
            j = sub.names.index("e" + cname[-1])
            ps = cp4[sel]
            mu4 = boost(sub.p4[:, j], ps[:, 1:] / ps[:, :1])
            seen_pdg[sel] = constants.pdgid("e" + cname[-1])
        seen_p4[sel] = mu4
        seen_origin[sel] = dpt
    return sel


def compile_in_flight(ctx) -> None:
    """Run the decay branch of :func:`candidate_decay` (``if n_sel:``) on two made-up tracks that surely decay
    before STRAW1, for each candidate the options of ``ctx`` let decay (results dropped), so that numba compiles
    (or loads) the kernels it calls in the job that runs alone (:meth:`~kaonportal.backend.BlockThreads.ordered`,
    ``compile_job``).

    Why: a block reaches the branch only when one of its candidates decays before STRAW1: the muon decays'
    sub-generator (``mu+ -> e+ nu nubar``, :func:`kaonportal.decays.generate`) first compiled in a later block,
    on two threads at once, when the first block of a run had no such decay (card na62-2022, measured: 17 decays
    per block of 65 536 K+ -> mu+ nu, 9 of pi+ -> mu+ nu; none in a full first block: about 1 in 6e7 and 1 in
    1.2e4; none in a first sample of 1000 K+ -> mu+ nu: 0.76). Its own generator: no stream of the run moves.
    The tracks: 1 MeV/c along the beam from 100 m before STRAW1 (decay lengths (p/m) c tau of 7 mm for a pion,
    9.5 mm for a muon, with the made-up c tau = 1 m)."""
    sign = ctx.parent[-1]
    if sign not in "+-":
        return          # a neutral parent: no candidate track
    rng = np.random.default_rng(0)
    z_straw1 = ctx.card.geometry.straw[0].z
    for cname in ("pi" + sign, "mu" + sign):
        lab = np.zeros((2, 2, 4))           # the engine's candidate is a column of the (n, k, 4) lab array
        lab[:, 0, 3] = 1e-3
        lab[:, 0, 0] = math.hypot(1e-3, constants.mass(cname))
        origin = np.zeros((2, 3))
        origin[:, 2] = z_straw1 - 100.0
        candidate_decay(ctx, cname, 1.0, lab[:, 0], np.full(2, 1e-3), origin, lab[:, 0].copy(),
                        np.zeros(2, np.int32), z_straw1, rng, np.ones(2))
