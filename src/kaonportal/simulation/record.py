"""The one place where multi-particle events are made: decays in the beam, seen by the card's detectors, as a
record of reconstructed objects (:class:`~kaonportal.simulation.record_schema.EventRecord`, fields and units in
:mod:`kaonportal.simulation.record_schema`).

Per block of :data:`~kaonportal.backend.BLOCK_SIZE` events (:func:`iter_record_blocks`):

1. generation in the K+ rest frame (the caller's generator, e.g. :func:`decay_events`, stream ``base``);
2. the beam at GTK3 and the decay vertex in the fiducial window, window probability as weight
   (:func:`kaonportal.beam.sample_beam`, :func:`~kaonportal.beam.sample_decay_vertex`, stream ``base + 1``), the
   boost to the lab (:func:`kaonportal.kinematics.boost`);
3. the detector response (stream ``base + 2``, in this order): the GTK beam track (sigma_p/p, slopes: the card's
   ``resolution.gtk_*``), track 0 in the STRAW (:func:`kaonportal.reco.smearing.smeared_track_p4`), the vertex of the
   two measured lines (:func:`~kaonportal.reco.smearing.track_vertex`), the LKr cluster of each photon
   (:func:`~kaonportal.reco.smearing.lkr_cluster`), then the other tracks;
4. photon conversions upstream of MNP33 (:mod:`kaonportal.detector.conversions`, stream ``base + 3``) and the
   photonuclear LKr response (:mod:`kaonportal.detector.photonuclear`, stream ``base + 4``), when the
   :class:`Readout` has their models;
5. times of every object (:mod:`kaonportal.detector.timing`, stream ``base + 5``: one draw per block whose size
   depends only on the decay tree).

Each stage has its own stream, so switching a mechanism off or adding times leaves every other number unchanged; and
every stream is ``block_rng(seed, block, stream)``, so a record is bit-identical for a seed whatever the chunking.
The streams ``base`` .. ``base + 5`` are the caller's: each search keeps its historical ones (visible X: 10,
pi0 -> gamma X: 20), so its seeded outputs did not move when its event building moved here.
Physics approximations (stated): magnet bending of the tracks as :func:`kaonportal.detector.propagate_charged`
(thin lens); decays in flight of the tracks and hadronic interactions are not simulated; the photon vetoes act
through the card's inefficiency tables (a probability per object, ``cluster_inefficiency``).

>>> from kaonportal.detector import load_card
>>> rec = build_record(decay_events("K+ -> pi+ pi0"), 2000, 1, load_card("na62-2022"))
>>> rec.track_names, rec.cluster_e.shape, bool(np.nanmedian(rec.cluster_e) > 1.0)
(('pi+',), (2000, 2), True)
"""

from __future__ import annotations

__all__ = ["Readout", "KaonFrameEvents", "decay_events", "iter_record_blocks", "build_record"]

from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backend import block_ranges, block_rng, default_workers, ordered_blocks
from ..beam import sample_beam, sample_decay_vertex
from ..constants import mass, pdgid
from ..decays import generate
from ..decays.spec import charge
from ..detector import DETECTOR_CODES, lkr_sigma_e, photon_hits, photon_inefficiency, pid_weights, propagate_charged
from ..detector.card import Card
from ..detector.charged_veto import charged_veto_geometry, charged_veto_hits
from ..detector.conversions import ConversionModel, propagate_pair_lepton, upstream_conversions
from ..detector.photonuclear import PhotonuclearModel, visible_fraction
from ..detector.timing import TimeResolutions
from ..errors import InputError
from ..kinematics import boost
from ..reco.smearing import LKR_POSITION_M, lkr_cluster, smeared_track_p4, track_vertex, unit_vector
from .record_schema import CLUSTER_MECHANISMS, TRACK_DETECTORS, EventRecord, concatenate_records
from .scratch import trim_heap

_LKR, _VETOES = DETECTOR_CODES["lkr"], (DETECTOR_CODES["lav"], DETECTOR_CODES["irc"], DETECTOR_CODES["sac"])


@dataclass(frozen=True)
class Readout:
    """How the detector is read: fiducial decay window ``z_range`` (m), LKr cluster position resolution
    ``lkr_position_m`` (m, U: the card has none, :data:`kaonportal.reco.smearing.LKR_POSITION_M`), the conversion and
    photonuclear models (None: mechanism off) and the first of the six random streams ``stream_base``."""

    z_range: tuple[float, float] = (105.0, 165.0)
    lkr_position_m: float = LKR_POSITION_M
    conversion: ConversionModel | None = None
    photonuclear: PhotonuclearModel | None = None
    stream_base: int = 10
    #: False: no detector times drawn (every ``*_time_ns`` field NaN, as for an object not measured); the time stream
    #: is the sixth and feeds nothing else, so every other field keeps its numbers (issue 17: ~15 % of a block)
    timing: bool = True


@dataclass(frozen=True)
class KaonFrameEvents:
    """Generated decays in the K+ rest frame: four-momenta ``p4`` (n, k, 4) GeV, particle ``names`` (k,), ``visible``
    flags (k,: exists in the detector and leaves a signal) and generator ``weight`` (n,)."""

    p4: np.ndarray
    names: tuple
    visible: np.ndarray
    weight: np.ndarray


def decay_events(decay: str, **options) -> Callable[[int, np.random.Generator], KaonFrameEvents]:
    """Generator of ``decay`` (:func:`kaonportal.decays.generate` with ``options``) for :func:`build_record`."""
    def gen(n: int, rng: np.random.Generator) -> KaonFrameEvents:
        prod = generate(decay, n, rng, **options)
        return KaonFrameEvents(prod.p4, tuple(prod.names), np.array(prod.final) & ~np.array(prod.invisible),
                               prod.weight)
    return gen


def _beam_and_vertex(n, rng_b, card, z_range):
    beam = sample_beam(n, rng_b, card)
    z, w = sample_decay_vertex(beam, rng_b.random(n), "K+", z_range, card)
    z0 = card.beam.z_gtk3
    vtx = np.stack([beam.x + beam.dxdz * (z - z0), beam.y + beam.dydz * (z - z0), z], axis=1)
    return beam, w, vtx


def _photon_objects(vtx, p4, h, card, ro, rng_d, rng_c, rng_p, geo):
    """Cluster hypotheses of one photon (lab four-momenta ``p4`` (n, 4), hits ``h``): list of (mechanism, e, xy, z,
    e_true, detector) and the photon's (p_convert, conversion_track, p_photonuclear)."""
    n = len(vtx)
    e0 = p4[:, 0]
    e, xy = lkr_cluster(e0, h.x, h.y, card, rng_d, ro.lkr_position_m)
    objs = [("photon", e, xy, h.z, e0, h.detector)]
    pc, track, p_pn = np.zeros(n), np.zeros(n, bool), np.zeros(n)
    if ro.conversion is not None:
        c = upstream_conversions(vtx, p4[:, 1:], h, card, ro.conversion, rng_c.random(n), rng_c.random(n))
        pc, u = c["probability"], p4[:, 1:] / e0[:, None]
        els = [np.maximum(e0 * frac, 1e-9) for frac in (c["fraction"], 1.0 - c["fraction"])]     # e+, e-
        # both leptons in one call (each row is propagated on its own; no random draw in there, so the cluster
        # draws below keep their order: e+ then e-)
        t = propagate_pair_lepton(np.concatenate([c["point"]] * 2), np.concatenate([u, u]), np.concatenate(els),
                                  np.repeat([1.0, -1.0], n), card, np.concatenate([c["chamber"]] * 2),
                                  ro.conversion, geo)
        for k, el in enumerate(els):
            rows = slice(k * n, (k + 1) * n)
            ee, xyl = lkr_cluster(el, t["x"][rows], t["y"][rows], card, rng_c, ro.lkr_position_m)
            objs.append(("conversion", ee, xyl, np.full(n, card.geometry.lkr.z), el, t["detector"][rows]))
            track |= t["track"][rows]
    if ro.photonuclear is not None:
        # same position, a fraction of the energy (detector.photonuclear); after the photon in the cluster list
        p_pn = np.where(h.detector == _LKR, ro.photonuclear.probability, 0.0)
        epn = e0 * visible_fraction(rng_p.random(n), ro.photonuclear)
        epn = epn + lkr_sigma_e(card, np.maximum(epn, 1e-9)) * rng_p.standard_normal(n)
        objs.insert(1, ("photonuclear", epn, xy, h.z, e0, h.detector))
    return objs, (pc, track, p_pn)


def _block(gen, n, rngs, card: Card, ro: Readout) -> EventRecord:
    rng_g, rng_b, rng_d, rng_c, rng_p, rng_t = rngs
    ev = gen(n, rng_g)
    beam, w, vtx = _beam_and_vertex(n, rng_b, card, ro.z_range)
    e_k = np.sqrt(beam.p ** 2 + mass("K+") ** 2)
    lab = boost(ev.p4, (beam.p[:, None] * unit_vector(beam.dxdz, beam.dydz) / e_k[:, None])[:, None, :])
    names = ev.names
    ich = [i for i, nm in enumerate(names) if ev.visible[i] and charge(nm) != 0]
    iph = [i for i, nm in enumerate(names) if ev.visible[i] and nm == "gamma"]
    if not ich:
        raise InputError("decay", f"the event record needs a visible charged particle; decay tree {names!r} has none")
    prop = [propagate_charged(vtx, lab[:, i, 1:], float(charge(names[i])), card) for i in ich]
    # detector response, one stream, fixed order (module docstring): GTK, track 0, vertex, photons, other tracks
    res, g = card.resolution, rng_d.standard_normal
    pk_r = beam.p * (1.0 + res.gtk_p_rel * g(n))
    pk = np.column_stack([np.sqrt(pk_r ** 2 + mass("K+") ** 2), pk_r[:, None] * unit_vector(
        beam.dxdz + res.gtk_angle * g(n), beam.dydz + res.gtk_angle * g(n))])
    p3 = lab[:, ich[0], 1:]
    tracks = [smeared_track_p4(p3, mass(names[ich[0]]), card, rng_d)]
    r, cda = track_vertex(vtx, beam, p3, card, rng_d, beam_slopes=(pk[:, 1] / pk[:, 3], pk[:, 2] / pk[:, 3]),
                          track_slopes=(tracks[0][:, 1] / tracks[0][:, 3], tracks[0][:, 2] / tracks[0][:, 3]),
                          with_cda=True)
    hits = [photon_hits(vtx, lab[:, i, 1:], card) for i in iph]
    objs, per_photon = [], []
    geo = charged_veto_geometry(card)           # packed once per block (conversion leptons, extra-track veto)
    for k, i in enumerate(iph):
        o, pp = _photon_objects(vtx, lab[:, i], hits[k], card, ro, rng_d, rng_c, rng_p, geo)
        objs += [(k,) + x for x in o]
        per_photon.append(pp)
    tracks += [smeared_track_p4(lab[:, i, 1:], mass(names[i]), card, rng_d) for i in ich[1:]]
    return _assemble(ev, w, vtx, pk, (r, cda), ich, prop, tracks, hits, objs, per_photon, lab, card, geo,
                     rng_t if ro.timing else None)


def _stack(arrays, n, dtype=float):
    """(n, k) of k arrays (n,): stacked as (k, n) and transposed, a Fortran-ordered array whose columns (what the
    selections read, one object at a time) are contiguous; ~5x faster than a C-ordered column_stack, same values."""
    return np.stack(arrays).T.astype(dtype, copy=False) if arrays else np.zeros((n, 0), dtype)


def _times(n, t_dim, objs, hits, t_in, c_e, c_det, ph_det, card, rng_t) -> dict:
    """The record's ``*_time_ns`` fields (NaN where nothing is measured; all NaN when ``rng_t`` is None)."""
    c_dim, g_dim = len(objs), len(hits)
    if rng_t is None:
        nan = lambda *shape: np.full(shape, np.nan)       # noqa: E731
        return dict(t_ktag_ns=nan(n), t_gtk_ns=nan(n), track_time_ns=nan(n, t_dim), track_muv3_time_ns=nan(n, t_dim),
                    photon_veto_time_ns=nan(n, g_dim), cluster_time_ns=nan(n, c_dim))
    tres = TimeResolutions.from_card(card)
    # one (2 + 2T + 5G, n) draw whatever is hit or modelled: beam, tracks, photon veto hits, then four cluster
    # slots per photon (photon, photonuclear, e+, e-), so no time depends on the acceptance or on the models on
    gt = rng_t.standard_normal((2 + 2 * t_dim + 5 * g_dim, n))
    slot, seen = [], {}
    for x in objs:                   # (photon index, mechanism, ...): the slot of each hypothesis
        k = seen.setdefault(x[0], {"photon": 0, "photonuclear": 1, "conversion": 2})
        slot.append(2 + 2 * t_dim + g_dim + 4 * x[0] + k[x[1]])
        k["conversion"] += x[1] == "conversion"
    o = 2 + 2 * t_dim
    chod, muv3 = t_in[:, :, TRACK_DETECTORS.index("chod")], t_in[:, :, TRACK_DETECTORS.index("muv3")]
    ph_sig = np.array([tres.sigma("lav"), tres.sigma("irc"), tres.sigma("sac")])
    code_to_sig = np.zeros(int(max(DETECTOR_CODES.values())) + 1)
    code_to_sig[list(_VETOES)] = ph_sig
    return dict(
        t_ktag_ns=tres.ktag * gt[0], t_gtk_ns=tres.gtk * gt[1],
        track_time_ns=np.where(chod, tres.chod * gt[2:2 + t_dim].T, np.nan),
        track_muv3_time_ns=np.where(muv3, tres.muv3 * gt[2 + t_dim:o].T, np.nan),
        photon_veto_time_ns=np.where(np.isin(ph_det, _VETOES), code_to_sig[ph_det] * gt[o:o + g_dim].T, np.nan),
        cluster_time_ns=np.where(c_det == _LKR, tres.lkr(c_e) * gt[slot].T.reshape(n, c_dim), np.nan))


def _assemble(ev, w, vtx, pk, r, ich, prop, tracks, hits, objs, per_photon, lab, card, geo, rng_t) -> EventRecord:
    n, names = len(w), ev.names
    t_dim = len(ich)
    p_true = np.column_stack([np.linalg.norm(lab[:, i, 1:], axis=1) for i in ich])
    pid = np.stack([np.stack(pid_weights(np.full(n, pdgid(names[i])), p_true[:, j], card), axis=-1)
                    for j, i in enumerate(ich)], axis=1)
    t_in = np.stack([np.stack([t.accept[d] for d in TRACK_DETECTORS], axis=-1) for t in prop], axis=1)
    # as the engine (simulation.vetoes.particle_vetoes) and pileup: MNP33 bending, MUV0, HASC, STRAW segments
    veto = _stack([charged_veto_hits(vtx, lab[:, i, 1:], charge(names[i]), card, geo, t)
                   for i, t in zip(ich, prop)], n, np.int8)
    c_e = _stack([o[2] for o in objs], n)
    c_det = _stack([o[6] for o in objs], n, np.int8)
    ph_det = _stack([h.detector for h in hits], n, np.int8)
    return EventRecord(
        weight=w * ev.weight, vertex_true=vtx, beam_p4=pk, vertex=r[0], cda=r[1],
        **_times(n, t_dim, objs, hits, t_in, c_e, c_det, ph_det, card, rng_t),
        track_names=tuple(names[i] for i in ich), track_charge=np.array([charge(names[i]) for i in ich], float),
        track_p4=np.stack(tracks, axis=1), track_p_true=p_true, track_in=t_in, track_pid=pid,
        track_x_lkr=_stack([t.x["LKR"] for t in prop], n), track_y_lkr=_stack([t.y["LKR"] for t in prop], n),
        track_veto=veto,
        photon_detector=ph_det,
        photon_p_convert=_stack([p[0] for p in per_photon], n),
        photon_conversion_track=_stack([p[1] for p in per_photon], n, bool),
        photon_p_photonuclear=_stack([p[2] for p in per_photon], n),
        cluster_mechanism=np.array([CLUSTER_MECHANISMS[x[1]] for x in objs], np.int8),
        cluster_photon=np.array([x[0] for x in objs], int),
        cluster_e=c_e, cluster_x=_stack([x[3][:, 0] for x in objs], n), cluster_y=_stack([x[3][:, 1] for x in objs], n),
        cluster_z=_stack([x[4] for x in objs], n), cluster_e_true=_stack([x[5] for x in objs], n),
        cluster_detector=c_det,
        cluster_inefficiency=_stack([photon_inefficiency(x[6], x[5], card) for x in objs], n))


def iter_record_blocks(gen: Callable[[int, np.random.Generator], KaonFrameEvents], n: int, seed: int, card: Card,
                       readout: Readout = Readout(), *, workers: int | None = None,
                       per_block: Callable[..., Any] | None = None, compile_key: Hashable | None = None) -> Iterator:
    """Records of ``n`` events of generator ``gen`` (:func:`decay_events`), one per block of
    :data:`~kaonportal.backend.BLOCK_SIZE` events (streams ``block_rng(seed, block, readout.stream_base + 0..5)``),
    in block order, or what ``per_block`` (e.g. a selection; called with the block's record) makes of each: it runs
    in the block's thread, so that it runs in parallel too and only what it keeps of a block waits for the caller
    (a record is ~50 MB per block).
    The blocks are built on ``workers`` threads (:func:`~kaonportal.backend.ordered_blocks`; None:
    :func:`~kaonportal.backend.default_workers`); each block's numbers depend on (seed, block) alone, so the
    records are bit-identical whatever ``workers`` (``gen`` and ``per_block`` are called from those threads).
    ``compile_key``: the caller's name for the kernels ``gen`` and ``per_block`` call, and with which argument types
    (:meth:`~kaonportal.backend.BlockThreads.ordered`; the readout's mechanisms are added here): the first block of a
    call whose key has run in this process does not run alone. None: the first block of every call runs alone."""
    b = int(readout.stream_base)
    if compile_key is not None:
        compile_key = ("event record", compile_key, readout.conversion is not None, readout.photonuclear is not None,
                       bool(readout.timing))

    def block(job: tuple[int, int, int]):
        b0, i0, i1 = job
        rec = _block(gen, i1 - i0, tuple(block_rng(seed, b0, b + j) for j in range(6)), card, readout)
        return rec if per_block is None else per_block(rec)

    workers = default_workers() if workers is None else int(workers)
    try:
        yield from ordered_blocks(block, list(block_ranges(n, chunk_blocks=1)), workers, compile_key)
    finally:
        # also when the caller stops early or a block fails (as simulate does): the block threads' malloc arenas
        # keep what they freed (scratch.trim_heap)
        if workers > 1:
            trim_heap()


def build_record(gen: Callable[[int, np.random.Generator], KaonFrameEvents], n: int, seed: int, card: Card,
                 readout: Readout = Readout(), *, workers: int | None = None) -> EventRecord:
    """One record of ``n`` events (the blocks of :func:`iter_record_blocks`, concatenated)."""
    return concatenate_records(list(iter_record_blocks(gen, n, seed, card, readout, workers=workers)))
