"""Events of the pi0 -> gamma X search and the one-photon selection over them.

K+ -> pi+ pi0 with the pi0 decay of each signal and background source (:data:`SOURCES`; physics of the decay only:
the pi0 decayed in its rest frame, the gamma nu nubar matrix-element weight), made by the shared event record
(:mod:`kaonportal.simulation.record`), then selected: the pi+ pi0 tag and exactly one seen LKr cluster (module
docstring of :mod:`.pi0_gamma_x`). Nothing here draws random numbers: the record holds the measured objects and the
probabilities of each photon's cluster hypotheses (conversion, photonuclear); this module selects and weights them.
"""

from __future__ import annotations

__all__ = ["SOURCES", "MECHANISMS", "nunu_photon_weight", "reconstruct_source", "reconstruct_pi0_gamma",
           "nunu_acceptance"]

import functools
from pathlib import Path

import numpy as np

from ...backend import derive_seed
from ...constants import mass
from ...decays import generate, to_frame
from ...detector import DETECTOR_CODES, load_card
from ...detector.conversions import ConversionModel, missing_mass2
from ...detector.photonuclear import PhotonuclearModel
from ...errors import InputError
from ...reco.smearing import LKR_CLUSTER_E_MIN, LKR_POSITION_M
from ...simulation.record import KaonFrameEvents, Readout, iter_record_blocks
from ...simulation.record_schema import CLUSTER_MECHANISMS, EventRecord

_LKR = DETECTOR_CODES["lkr"]
_STREAMS = 20           # first random stream of this search's records (20-25: its historical streams)
_PI0_MODES = {"gamma A'": "gamma A'", "gamma nu nubar": "gamma nu nubar", "gamma gamma": "gamma gamma",
              "dalitz": "e+ e- gamma"}
SOURCES = ("gamma A'", "gamma nu nubar", "gamma gamma", "dalitz", "kpi2g")
#: what made the one seen LKr cluster: the photon (Gaussian response), a lepton of a photon converted upstream of
#: MNP33 (:mod:`kaonportal.detector.conversions`), or a photonuclear shower (:mod:`kaonportal.detector.photonuclear`):
#: the event record's cluster mechanisms
MECHANISMS = CLUSTER_MECHANISMS


def nunu_photon_weight(x) -> np.ndarray:
    """Weight turning flat pi0 -> gamma nu nubar phase space into the physical photon spectrum.

    x = 2 E_gamma / m_pi0 (pi0 rest frame). The pi0 -> gamma Z* -> gamma nu nubar amplitude has the anomaly
    (epsilon-tensor) form eps^{mnab} e*_m k_n q_a J_b, q = p_nu + p_nubar, J the neutrino current; summing the
    photon polarisations gives 2 (k.q)^2 and integrating the massless-neutrino current over its angles
    (q^a q^b - q^2 g^ab), so |M|^2 ~ q^2 (k.q)^2 and dGamma/dq^2 ~ q^2 (m^2 - q^2)^3, i.e.
    dGamma/dx ~ x^3 (1 - x) (derived here; the SM calculation is Arnellos, Marciano, Parsa, Nucl. Phys. B196
    (1982) 378, not readable here). Flat massless three-body phase space gives dGamma/dx ~ x (the Dalitz-plot
    width at fixed E_gamma is E_gamma). Normalised densities 20 x^3 (1 - x) and 2 x: w = 10 x^2 (1 - x),
    phase-space mean 1.

    >>> float(nunu_photon_weight(0.5))
    1.25
    """
    x = np.asarray(x, float)
    return np.where((x >= 0) & (x <= 1), 10.0 * x * x * (1.0 - x), 0.0)


def _generate(source, n, rng, x_mass, nunu_me, e_gamma_min) -> KaonFrameEvents:
    """Kaon-frame decays of one source (four-momenta, names, visible flags, generator weights)."""
    if source == "kpi2g":
        prod = generate("K+ -> pi+ pi0 gamma", n, rng, e_gamma_min=e_gamma_min)
        return KaonFrameEvents(prod.p4, prod.names, np.array(prod.final) & ~np.array(prod.invisible), prod.weight)
    prod = generate("K+ -> pi+ pi0", n, rng, pi0_decay="invisible")
    ip0 = prod.names.index("pi0")
    dec = generate(f"pi0 -> {_PI0_MODES[source]}", n, rng, **({} if x_mass is None else {"mass": x_mass}))
    kf = np.concatenate([prod.p4, to_frame(dec.p4, prod.p4[:, ip0], mass("pi0"))], axis=1)
    vis = np.concatenate([np.array(prod.final) & ~np.array(prod.invisible), np.array(dec.final)])
    w = prod.weight * dec.weight
    if source == "gamma nu nubar" and nunu_me:
        w = w * nunu_photon_weight(2.0 * dec.p4[:, dec.names.index("gamma"), 0] / mass("pi0"))
    return KaonFrameEvents(kf, prod.names + dec.names, vis, w)


@functools.cache
def _default_tag_window() -> tuple:
    """The pi+ pi0 tag window in m_miss^2 (GeV^2/c^4) of the pnn-2022 normalisation region (parsed once per
    process: the scan asks for it once per sample)."""
    from ...selection import load_selection
    sel = load_selection("pnn-2022")
    return tuple(sel.region(sel.normalisation.region).windows["m2miss_pi"])


def _extra_tracks_lost(rec: EventRecord, card) -> np.ndarray:
    """P(every track but track 0 goes unseen): one in the STRAW acceptance rejects the event (single-track tag);
    outside, it escapes a veto it hits with the card's ``extra_charged_inefficiency`` (D) and surely if it hits none
    -- the fast simulation's rule for extra charged particles (:mod:`kaonportal.simulation.engine`)."""
    straw = rec.track_accept("straw")
    lost = np.ones(rec.n)
    for k in range(1, len(rec.track_names)):
        esc = np.where(rec.track_veto[:, k] > 0, card.photon_veto.extra_charged_inefficiency, 1.0)
        lost *= np.where(straw[:, k], 0.0, esc)
    return lost


def _select(rec: EventRecord, card, tag_window, conversion: ConversionModel | None):
    """The one-photon selection over a record: generated and tagged weights, m_miss^2 (n, k) of each cluster
    hypothesis taken as the one seen cluster, its weights (n, k), and the hypotheses' :data:`MECHANISMS` codes."""
    p_pi0 = rec.beam_p4 - rec.track_p4[:, 0]
    m2tag = p_pi0[:, 0] ** 2 - np.sum(p_pi0[:, 1:] ** 2, axis=1)
    tag = (rec.track_accept("straw")[:, 0] & rec.track_accept("rich")[:, 0] & (m2tag > tag_window[0])
           & (m2tag < tag_window[1]))
    r = rec.vertex          # from the same GTK and STRAW slope measurements as the tag kinematics
    dmin = float(card.photon_veto.lkr_min_distance)     # clusters > 0.1 m from the track (card, V)
    lost_charged = _extra_tracks_lost(rec, card)
    pi_x, pi_y = rec.track_x_lkr[:, 0], rec.track_y_lkr[:, 0]

    def cluster(j):
        """One-cluster candidate flag, escape probability and m_miss^2 of cluster hypothesis ``j``."""
        e, x, y = rec.cluster_e[:, j], rec.cluster_x[:, j], rec.cluster_y[:, j]
        on_lkr = rec.cluster_detector[:, j] == _LKR
        near = on_lkr & (np.hypot(x - pi_x, y - pi_y) <= dmin)
        dx, dy, dz = x - r[:, 0], y - r[:, 1], rec.cluster_z[:, j] - r[:, 2]
        norm = np.sqrt(dx * dx + dy * dy + dz * dz)        # np.linalg.norm's sum order: the same numbers
        m2_ = missing_mass2(p_pi0, e, np.stack([dx / norm, dy / norm, dz / norm], axis=1))
        # a cluster merged with the pi+ cluster escapes the veto, as in photon_veto_update
        return on_lkr & (e > LKR_CLUSTER_E_MIN) & ~near, np.where(near, 1.0, rec.cluster_inefficiency[:, j]), m2_

    # per visible photon: its hypotheses (simulation.record_schema), P(hypothesis is the one seen cluster | photon
    # state), and P(photon leaves nothing detected)
    obj_seen, obj_w, obj_m2, owner, lost = [], [], [], [], []
    for g in range(rec.photon_detector.shape[1]):
        mine = np.flatnonzero(rec.cluster_photon == g)
        mech = rec.cluster_mechanism[mine]
        s0, f0, m0 = cluster(mine[mech == MECHANISMS["photon"]][0])
        objs = [cluster(j) for j in mine[mech == MECHANISMS["conversion"]]]
        pc, p_pn = rec.photon_p_convert[:, g], rec.photon_p_photonuclear[:, g]
        keep = np.where(rec.photon_conversion_track[:, g], 0.0, 1.0)     # an extra reconstructed track rejects
        lost.append((1.0 - pc) * f0 + (pc * keep * objs[0][1] * objs[1][1] if objs else 0.0))
        obj_seen.append(s0)
        obj_w.append((1.0 - pc) * (1.0 - p_pn) * (1.0 - f0))
        obj_m2.append(m0)
        for j in mine[mech == MECHANISMS["photonuclear"]]:
            spn, _, mpn = cluster(j)        # its veto escape probability stays the photon's (measured inefficiency)
            obj_seen.append(spn)
            obj_w.append((1.0 - pc) * p_pn * (1.0 - f0))
            obj_m2.append(mpn)
        for k, (sk, fk, mk) in enumerate(objs):
            obj_seen.append(sk)
            obj_w.append(pc * keep * (1.0 - fk) * objs[1 - k][1] * conversion.lepton_cluster_inefficiency)
            obj_m2.append(mk)
        owner += [len(lost) - 1] * (len(obj_seen) - len(owner))
    wk = []
    for k in range(len(obj_seen)):
        others = [lost[j] for j in range(len(lost)) if j != owner[k]]
        rest = np.prod(others, axis=0) if others else 1.0
        wk.append(np.where(tag & obj_seen[k], obj_w[k] * rest * lost_charged, 0.0))
    wt = rec.weight
    wk = np.column_stack(wk) * wt[:, None]
    conv = np.broadcast_to(rec.cluster_mechanism, wk.shape)
    return (float(wt.sum()), float((wt * tag).sum()), np.where(wk > 0, np.column_stack(obj_m2), np.nan), wk,
            conv)


def reconstruct_source(source: str, n: int, seed: int, card, z_range=(105.0, 165.0), mass: float | None = None,
                       lkr_position_m: float = LKR_POSITION_M, tag_window=None, nunu_me: bool = True,
                       e_gamma_min: float = 0.010,
                       conversion: ConversionModel | None = ConversionModel(),
                       photonuclear: PhotonuclearModel | None = PhotonuclearModel(),
                       drop_rejected: bool = False) -> dict:
    """Simulate ``n`` decays of one ``source`` (:data:`SOURCES`: "gamma A'", "gamma nu nubar", "gamma gamma" and
    "dalitz" are K+ -> pi+ pi0 with that pi0 decay; "kpi2g" is K+ -> pi+ pi0 gamma (inner bremsstrahlung, E_gamma
    > ``e_gamma_min`` GeV in the kaon frame), pi0 -> gamma gamma) and reconstruct the one-photon events.

    Returns ``generated`` (fiducial weight), ``tagged`` (weight passing the pi+ pi0 tag), ``m2`` (m_miss^2 of
    each object -- a photon, a lepton of a photon converted upstream of MNP33,
    or a photonuclear LKr cluster -- taken as the one seen cluster, GeV^2/c^4, NaN if rejected), ``weights`` (same
    shape, flattened) and ``mechanism`` (:data:`MECHANISMS` code of each object). ``nunu_me``: pi0 -> gamma nu
    nubar with the photon spectrum of :func:`nunu_photon_weight` (else flat). ``conversion``: the
    :class:`kaonportal.detector.conversions.ConversionModel`, ``photonuclear``: the
    :class:`kaonportal.detector.photonuclear.PhotonuclearModel` (None: mechanism off; the event record draws each
    from its own stream, so switching one off leaves every other draw unchanged). Events come from
    :func:`kaonportal.simulation.record.iter_record_blocks` with streams 20-25, the historical ones of this search.
    ``drop_rejected``: keep only the entries of positive weight (in order), block by block -- what a caller that
    drops the others anyway gets without holding the whole (n, k) arrays (1e6 pi0 -> gamma gamma events make 8e6
    entries, most rejected).
    """
    if source not in SOURCES:
        raise InputError("x_decay", f"{source!r}; allowed: {', '.join(SOURCES)}")
    card = load_card(card) if isinstance(card, (str, Path)) else card
    if tag_window is None:
        tag_window = _default_tag_window()
    label = {"dalitz": "pi0 -> e+ e- gamma", "kpi2g": f"K+ -> pi+ pi0 gamma|{e_gamma_min!r}"}.get(source, source)
    s = derive_seed(seed, f"pi0-gamma-x|{label}|{mass!r}")
    readout = Readout(tuple(z_range), lkr_position_m, conversion, photonuclear, stream_base=_STREAMS,
                      timing=False)          # the selection reads no time (Readout.timing)

    def selected(rec):
        """What the caller keeps of a block (in the block's thread: iter_record_blocks)."""
        g0, t, a, b, c = _select(rec, card, tag_window, conversion)
        a, b, c = a.ravel(), b.ravel(), c.ravel()
        if drop_rejected:
            k = b > 0
            a, b, c = a[k], b[k], c[k]
        return g0, t, a, b, c

    gen, tw, m2, wk, cv = 0.0, 0.0, [], [], []
    # per block, as before the move: the float sums of generated / tagged weight are accumulated block by block
    # what selects code: the source and the flags, X's mass by its type (None or a number); e_gamma_min and the tag
    # window are numbers
    key = ("pi0-gamma-x source", source, type(mass).__name__, bool(nunu_me), bool(drop_rejected))
    for g0, t, a, b, c in iter_record_blocks(lambda k, rng: _generate(source, k, rng, mass, nunu_me, e_gamma_min),
                                             n, s, card, readout, per_block=selected, compile_key=key):
        gen += g0
        tw += t
        m2.append(a)
        wk.append(b)
        cv.append(c)
    return {"generated": gen, "tagged": tw, "m2": np.concatenate(m2), "weights": np.concatenate(wk),
            "mechanism": np.concatenate(cv)}


def reconstruct_pi0_gamma(x_decay: str, n: int, seed: int, card, z_range=(105.0, 165.0), mass: float | None = None,
                          lkr_position_m: float = LKR_POSITION_M, tag_window=None,
                          nunu_me: bool = True,
                          conversion: ConversionModel | None = ConversionModel(),
                          photonuclear: PhotonuclearModel | None = PhotonuclearModel()
                          ) -> tuple[float, np.ndarray, np.ndarray]:
    """Tagged weight, m_miss^2 (GeV^2/c^4; NaN: rejected) and one-photon weights of ``n`` K+ -> pi+ pi0,
    pi0 -> ``x_decay`` events (``x_decay``: "gamma A'", "gamma nu nubar", "gamma gamma" or "dalitz")."""
    if x_decay not in _PI0_MODES:
        raise InputError("x_decay", f"{x_decay!r}; allowed: {', '.join(_PI0_MODES)}")
    r = reconstruct_source(x_decay, n, seed, card, z_range, mass, lkr_position_m, tag_window, nunu_me,
                           conversion=conversion, photonuclear=photonuclear)
    return r["tagged"], r["m2"], r["weights"]


def _cdf_quantiles(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles ``q`` of ``x`` (NaN entries carry w = 0) from the right-continuous weighted CDF sum_{x_i <= x} w_i
    / sum w_i, linearly interpolated (the mid-point variant is :func:`.common.weighted_quantile`)."""
    k = w > 0
    o = np.argsort(x[k])
    cw = np.cumsum(w[k][o])
    return np.interp(np.asarray(q, float) * cw[-1], cw, x[k][o])


def _window_sums(x: np.ndarray, w: np.ndarray, lo, hi, squares: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Sums of ``w`` and of ``w**2`` over the entries with ``lo <= x < hi``, per window (arrays ``lo``, ``hi``);
    ``squares=False``: the sums of ``w`` only (None for the squares; the breakdowns need no variance)."""
    o = np.argsort(x)
    xs = x[o]
    wo = w[o]
    c = np.concatenate([[0.0], np.cumsum(wo)])
    i0, i1 = np.searchsorted(xs, lo), np.searchsorted(xs, hi)
    if not squares:
        return c[i1] - c[i0], None
    c2 = np.concatenate([[0.0], np.cumsum(wo ** 2)])
    return c[i1] - c[i0], c2[i1] - c2[i0]


def nunu_acceptance(tagged: float, m2: np.ndarray, w: np.ndarray, m2_min: float) -> float:
    """pi0 -> gamma nu nubar acceptance: one-photon weight at m_miss^2 > ``m2_min`` (GeV^2/c^4) per tagged weight;
    :class:`InputError` on ``nunu_m2_min`` if it is zero (no limit can be set).

    >>> nunu_acceptance(4.0, np.array([0.001, 0.01, np.nan]), np.array([1.0, 1.0, 0.0]), 0.004)
    0.25
    """
    a = float(np.sum(np.where(m2 > m2_min, w, 0.0)) / tagged) if tagged > 0 else 0.0
    if not a > 0:
        raise InputError("nunu_m2_min", f"no simulated pi0 -> gamma nu nubar event above {m2_min:g} GeV^2/c^4 "
                                        "(signal m_miss^2 < m_pi0^2 = 0.0182): lower it")
    return a
