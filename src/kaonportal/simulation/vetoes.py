"""Vetoes of the particles other than the candidate, veto averaging and the optional LKr photon columns
(simulation engine).

Units: metres, GeV, GeV/c.

Veto averaging (option ``veto_average`` = K, 0 = off; Rao-Blackwellisation of the photon veto): the
pi+ kinematics does not depend on the orientation of a pi0 -> gamma gamma decay in the pi0 rest frame
(isotropic), so the veto probability of its two photons is replaced by its average over K fresh
isotropic orientations (stream 4; the photons actually generated are not used for the veto). The
expectation of ``w_photon_veto`` is unchanged, and the rare configurations where both photons escape
(e.g. through gaps of the veto coverage) are sampled K times per event instead of once. Column
``w_photon_veto_escape`` is the part of ``w_photon_veto`` where every particle to veto escapes all veto
detectors (inefficiency 1), averaged the same way; without the option it is 1 for such events, else 0.

Which events: only those whose candidate track is in the acceptance (``in_acceptance``; a cut of every
shipped selection: pnn, HNL) are averaged; the others keep the veto of the photons actually generated, as
without the option. Both are unbiased for the same expectation, and ``in_acceptance`` does not depend on
the pi0 orientation, so the choice does not bias anything; it only leaves the variance of events no
selection keeps unreduced (a quarter of K+ -> pi+ pi0, half of K+ -> pi0 e+ nu: the averaging cost is
paid on the events that are used). Stream 4 is drawn for every event of the block, so an averaged event's
orientations, and its weights, are the same as when every event was averaged. Option ``veto_average_where``
(:func:`check_veto_average_where`) narrows this further to windows low <= x <= high on reconstructed columns
computed before the vetoes (e.g. the pi+ momentum range of a selection): a selection that cuts on them before
its photon veto gives an event outside them weight 0 whatever its veto, so its estimates stay bit-identical.

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
"""

from __future__ import annotations

__all__ = ["CHARGE", "particle_vetoes", "average_pi0_vetoes", "pi0_groups", "lkr_photon_columns",
           "check_veto_average_where"]


import math

import numpy as np

from ..detector.charged_veto import charged_veto_hits
from ..detector.propagation import DETECTOR_CODES, photon_hits, propagate_charged
from ..detector.response import _veto_kernel
from ..errors import InputError
from ..reco.smearing import lkr_cluster
from .kernels import RECO_ROWS, photon_pair_kernel

#: electric charge of the final-state particles the engine tracks (0 for anything else)
CHARGE = {"pi+": 1, "pi-": -1, "mu+": 1, "mu-": -1, "e+": 1, "e-": -1, "K+": 1, "K-": -1, "p": 1}


def check_veto_average_where(spec, veto_average: int) -> tuple[tuple[str, float, float], ...]:
    """Validated windows of option ``veto_average_where`` (module docstring): a mapping {column: (low, high)}
    or pairs (column, (low, high)); columns among the reconstructed ones (``kernels.RECO_ROWS``, computed before
    the vetoes), ``None`` for an open bound. Returns ((column, low, high), ...) sorted by column; () for none.

    >>> check_veto_average_where({"p_track": (15, 45.0)}, 8)
    (('p_track', 15.0, 45.0),)
    """
    if not spec:
        return ()
    items = spec.items() if isinstance(spec, dict) else spec
    out = []
    try:
        for name, (lo, hi) in items:
            lo = -math.inf if lo is None else float(lo)
            hi = math.inf if hi is None else float(hi)
            if name not in RECO_ROWS or math.isnan(lo) or math.isnan(hi) or lo > hi:
                raise ValueError(name)
            out.append((str(name), lo, hi))
    except (TypeError, ValueError):
        raise InputError("veto_average_where", f"must map columns among {', '.join(RECO_ROWS)} to windows "
                                               f"(low, high) with low <= high, got {spec!r}") from None
    if not veto_average:
        raise InputError("veto_average_where", "needs veto_average > 0 (it narrows which events are averaged)")
    return tuple(sorted(out))


def pi0_groups(prod) -> list[tuple[int, tuple[int, int]]]:
    """(pi0 index, (photon, photon)) for every pi0 of the products that decayed to exactly two photons."""
    out = []
    for j, nm in enumerate(prod.names):
        kids = [i for i, par in enumerate(prod.parent) if par == j]
        if nm == "pi0" and len(kids) == 2 and all(prod.names[i] == "gamma" and prod.final[i] for i in kids):
            out.append((j, (kids[0], kids[1])))
    return out


def average_pi0_vetoes(ctx, prep, rng: np.random.Generator, groups, lab, decay_pt, lkr_xy,
                       w_others: np.ndarray, where: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``veto_average`` (module docstring): the event veto probability with each pi0's photon pair
    averaged over K isotropic orientations in the pi0 rest frame, and the probability that every
    particle escapes (product over the pi0s of the escape frequency, times [all other particles escape]).

    ``where`` (bool, n): the events to average (module docstring, "Which events"); the others take the veto of
    the photons actually generated. The draws of stream 4 are made for every event of the block (the
    orientations of an event do not depend on ``where``), so an averaged event is the same with or without it."""
    n = w_others.shape[0]
    big_k = ctx.veto_average
    w = w_others.copy()
    esc = (w_others >= 1.0).astype(float)      # no other particle, or none of them detectable
    sel = None if where is None else np.flatnonzero(where)
    if sel is not None and sel.size < n:
        _plain_pairs(prep, groups, lab, decay_pt, lkr_xy, np.flatnonzero(~where), w, esc)

    def pick(a):
        return a if sel is None else np.ascontiguousarray(a[sel])

    m_ev = n if sel is None else sel.size
    lx, ly = pick(lkr_xy[0]), pick(lkr_xy[1])
    u = np.empty((2, n))
    g1, g2 = np.empty((m_ev, 4)), np.empty((m_ev, 4))
    wr, hit = np.empty(m_ev), np.empty(m_ev, bool)
    acc, acc_esc = np.empty(m_ev), np.empty(m_ev)
    for j, _ in groups:
        p4 = pick(lab[:, j])
        m = np.sqrt(np.maximum(p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=-1), 0.0))
        beta = np.ascontiguousarray(p4[:, 1:] / p4[:, :1])
        o = np.ascontiguousarray(pick(decay_pt[j]))     # one copy: a picked row set is contiguous already
        h = 0.5 * m
        acc.fill(0.0)
        acc_esc.fill(0.0)
        for _ in range(big_k):
            rng.random(out=u)                   # the same numbers as rng.random((2, n))
            u0, phi = pick(u[0]), np.multiply(2.0 * math.pi, pick(u[1]))
            # photons at this orientation (compiled: the numpy expressions of kinematics.boost, same bits);
            # cos and sin stay in numpy, which decides their rounding
            photon_pair_kernel(h, beta, u0, np.cos(phi), np.sin(phi), g1, g2)
            wr.fill(1.0)
            for g in (g1, g2):
                _veto_kernel(wr, o, g, lx, ly, prep.lkr_min_d2, *prep.veto_geo, *prep.veto_tables)
            acc += wr
            acc_esc += np.greater_equal(wr, 1.0, out=hit)
        if sel is None:
            w *= acc / big_k
            esc *= acc_esc / big_k
        else:
            w[sel] *= acc / big_k
            esc[sel] *= acc_esc / big_k
    return w, esc


def _plain_pairs(prep, groups, lab, decay_pt, lkr_xy, rest: np.ndarray, w: np.ndarray, esc: np.ndarray) -> None:
    """Events ``rest`` (not averaged): ``w`` times the veto probability of the pi0 photons actually generated,
    ``esc`` = [every particle escapes], as without ``veto_average``."""
    wp = w[rest]
    lx, ly = np.ascontiguousarray(lkr_xy[0][rest]), np.ascontiguousarray(lkr_xy[1][rest])
    for j, pair in groups:
        o = np.ascontiguousarray(decay_pt[j][rest])
        for i in pair:
            _veto_kernel(wp, o, np.ascontiguousarray(lab[rest, i]), lx, ly, prep.lkr_min_d2, *prep.veto_geo,
                         *prep.veto_tables)
    w[rest] = wp
    esc[rest] = wp >= 1.0


def lkr_photon_columns(ctx, rng: np.random.Generator | None, prod, lab: np.ndarray, origin, vtx: np.ndarray,
                       lkr_xy) -> dict[str, np.ndarray]:
    """``n_photons_lkr`` and ``m_gg_lkr`` (module docstring, "Optional columns") for one block; ``rng`` (stream 5
    of the engine) is needed for ``m_gg_lkr`` only."""
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


def particle_vetoes(ctx, prep, prod, lab: np.ndarray, origin, decay_pt, cand: int, invisible, lkr_xy,
                    n_tracks: np.ndarray, rng_veto: np.random.Generator | None, average_where=None):
    """Vetoes of every visible final-state particle but the candidate: photons and neutral particles with the
    photon-veto tables, charged particles inside the spectrometer add a track, outside it they must be vetoed
    by the detector they reach on their track bent by MNP33, or by their track segment in the STRAW chambers
    (:mod:`kaonportal.detector.charged_veto`), with
    ``photon_veto.extra_charged_inefficiency``. Returns (n_tracks, n_photons, w_photon_veto,
    w_photon_veto_escape); ``rng_veto`` (stream 4) for ``veto_average`` only, ``average_where`` (bool, n; None:
    every event) the events whose pi0 photons are averaged (:func:`average_pi0_vetoes`)."""
    card, names = ctx.card, prod.names
    n = lab.shape[0]
    n_tracks = n_tracks.copy()
    n_phot = np.zeros(n, np.int16)
    w_veto = np.ones(n)
    groups = pi0_groups(prod) if ctx.veto_average > 0 else []
    grouped = {i for _, pair in groups for i in pair}
    for i in range(len(names)):
        if i == cand or not prod.final[i] or invisible[i]:
            continue
        p4i = lab[:, i]
        oi = origin[i]
        if i in grouped:        # veto_average: this photon's veto probability is averaged below
            n_phot += 1
            continue
        q = CHARGE.get(names[i], 0)
        if names[i] == "gamma" or q == 0:
            # photon_veto_update with the geometry and tables packed once per run
            # C-contiguous copies (n x 4 and n x 3 doubles, small beside the kernel): the kernel is compiled
            # for one array layout only, the one average_pi0_vetoes passes (first-run compile time)
            _veto_kernel(w_veto, np.ascontiguousarray(oi), np.ascontiguousarray(p4i), lkr_xy[0], lkr_xy[1],
                         prep.lkr_min_d2, *prep.veto_geo, *prep.veto_tables)
            n_phot += 1
            continue
        # extra charged particle: a track if inside the spectrometer, otherwise it must be vetoed
        t = propagate_charged(oi, p4i[:, 1:], q, card)
        ins = t.accept["straw"]
        n_tracks += ins
        det = charged_veto_hits(oi, p4i[:, 1:], q, card, prep.charged_veto_geo, t)
        ineff = np.where(det > 0, card.photon_veto.extra_charged_inefficiency, 1.0)
        w_veto *= np.where(ins, 1.0, ineff)
        n_phot += (~ins).astype(np.int16)
    if groups:
        w_veto, w_escape = average_pi0_vetoes(ctx, prep, rng_veto, groups, lab, decay_pt, lkr_xy, w_veto,
                                              average_where)
        w_escape = np.where(n_phot > 0, w_escape, 0.0)
    else:
        w_escape = ((n_phot > 0) & (w_veto >= 1.0)).astype(float)
    return n_tracks, n_phot, w_veto, w_escape
