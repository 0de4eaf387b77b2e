"""Flight, decay and detection of X: decay point in the decay volume, decay products, acceptance through
the detector card, and the selection that points the visible momentum back to the dump.

Decay position (importance sampling): the decay point is drawn uniformly in z inside the decay volume
(z1, z2) along the X flight line, and each event carries the exact decay density relative to that
sampling density,

    D(lambda) = (L / lambda) exp(-l / lambda),   lambda = (|p|/m) c tau,

where l is the flight distance from the production point to the decay point and L the flight length
inside the window. Averaged over the uniform z, D gives exp(-l1/lambda) - exp(-l2/lambda), the
decay probability ([FORESEE:2021code] foresee.py; [FW HNLFunctions.cc]) (:func:`kaonportal.kinematics.decay_probability`);
because D is analytic in lambda, one sample serves every coupling (only c tau changes).

Decay products are generated in the X rest frame (two-body isotropic, n-body flat phase space with
weights, :mod:`.phasespace`) and boosted: isotropy ignores the polarisation of a vector X (approximation).
pi0 -> gamma gamma and eta -> gamma gamma are decayed further, times their branching ratios.

Detection (``kaonportal.detector.propagation`` with the card geometry): every charged daughter above
``p_track_min`` must cross the four STRAW chambers (MNP33 kick included) and the CHOD; electrons must reach
the LKr, muons MUV3, pions and kaons the LKr (calorimetric identification); photons must hit the LKr above
``e_photon_min`` and away from the track impacts. [D: the published beam-dump selections were not read;
these are the generic NA62 acceptance conditions of [GA].]

Invariant mass: the final state's mass from the smeared tracks (identified-species mass hypotheses) and LKr
photons must lie within ``mass_window_sigma`` (setup, default 3) standard deviations of m_X, the resolution
being that of the simulated sample (:func:`mass_window`; issue 14 "invariant-mass and pointing selection").

Pointing (S004 "CDA_TAX vs Z_TAX"): the track momenta and directions are smeared with the card's STRAW
resolutions, the vertex is the closest approach of the first two tracks, the visible momentum is the sum of
tracks and photons (photon direction from the vertex to the LKr impact, energy smeared with the LKr
resolution); CDA_TAX and Z_TAX are the distance and the z of closest approach between that line and the
nominal proton beam line (x = 0, y = y_dump, along z).

>>> import numpy as np
>>> from kaonportal.beamdump.setup import BeamDumpSetup
>>> channel_daughters("mumu")
('mu+', 'mu-')
"""

from __future__ import annotations

__all__ = ["CHANNELS", "channel_daughters", "Detection", "detect", "decay_weights", "pointing", "mass_window",
           "MIN_EVENTS_FOR_RESOLUTION"]

from dataclasses import dataclass

import numpy as np

from .. import constants
from ..detector.propagation import DETECTOR_CODES, photon_hits, propagate_charged
from ..detector.response import lkr_sigma_e, straw_sigma_angle, straw_sigma_p_rel
from ..errors import check_choice
from .phasespace import boost_to_lab, nbody, two_body_at_rest
from .production import XSample
from .setup import BeamDumpSetup

#: Final states of the NA62 beam-dump searches (leptonic: PRL 133 (2024) 111802, JHEP 09 (2023) 035;
#: hadronic: EPJC 85 (2025) 571, channel list in [FIPhad]).
CHANNELS = {
    "ee": ("e+", "e-"),
    "mumu": ("mu+", "mu-"),
    "pipi": ("pi+", "pi-"),
    "pipigamma": ("pi+", "pi-", "gamma"),
    "pipipi0": ("pi+", "pi-", "pi0"),
    "pipi2pi0": ("pi+", "pi-", "pi0", "pi0"),
    "pipieta": ("pi+", "pi-", "eta"),
    "KK": ("K+", "K-"),
    "KKpi0": ("K+", "K-", "pi0"),
    "gg": ("gamma", "gamma"),
    "pie": ("pi+", "e-"),          # HNL N -> pi e (either charge combination; the model BR carries both)
    "pimu": ("pi+", "mu-"),        # HNL N -> pi mu
}
_CHARGE = {"e+": 1, "e-": -1, "mu+": 1, "mu-": -1, "pi+": 1, "pi-": -1, "K+": 1, "K-": -1}
_PID_DETECTOR = {"e": "lkr", "mu": "muv3", "pi": "lkr", "K": "lkr"}
# eta -> gamma gamma (PDG), as used by the models (kaonportal.constants).
_BR_TO_GG = {"pi0": constants.BR_PI0_GG, "eta": getattr(constants, "BR_ETA_GG", 0.3936)}


def channel_daughters(channel: str) -> tuple[str, ...]:
    """Daughters of a channel short name (see :data:`CHANNELS`); InputError listing them otherwise."""
    check_choice("channels", channel, CHANNELS)
    return CHANNELS[channel]


@dataclass
class Detection:
    """Per-event result for one X sample and one final state (arrays of length n).

    ``accept``: selection weight in [0, 1] (0 = rejected; phase-space and pi0/eta -> gamma gamma
    factors included); ``p``: |p_X|; ``flight_to_decay``: l (m); ``flight_in_volume``: L (m);
    ``cda_tax``, ``z_tax``: reconstructed pointing variables (NaN when not reconstructed); ``m_reco``:
    reconstructed invariant mass of the final state (GeV; NaN when not reconstructed).
    """
    accept: np.ndarray
    p: np.ndarray
    flight_to_decay: np.ndarray
    flight_in_volume: np.ndarray
    cda_tax: np.ndarray
    z_tax: np.ndarray
    m_reco: np.ndarray | None = None


def decay_weights(det: Detection, mass: float, ctau_m) -> np.ndarray:
    """Decay-density weights D (n_events, n_ctau) for an array of proper decay lengths (metres)."""
    ctau = np.atleast_1d(np.asarray(ctau_m, float))
    lam = (det.p / mass)[:, None] * ctau[None, :]
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        d = det.flight_in_volume[:, None] / lam * np.exp(-det.flight_to_decay[:, None] / lam)
    return np.where(np.isfinite(d), d, 0.0)


def pointing(vertex, p3, y_beam: float):
    """CDA (m) and z (m) of closest approach between the line vertex + t p3 and the beam line
    (x = 0, y = y_beam, along z). Parallel lines give NaN.

    >>> import numpy as np
    >>> cda, z = pointing(np.array([[0.1, -0.022, 150.0]]), np.array([[0.1, 0.0, 127.0]]), -0.022)
    >>> round(float(cda[0]), 6), round(float(z[0]), 3)
    (0.0, 23.0)
    """
    vertex = np.asarray(vertex, float)
    u = np.asarray(p3, float)
    w0 = vertex - np.array([0.0, y_beam, 0.0])
    a = np.sum(u * u, axis=1)
    b = u[:, 2]
    d = np.sum(u * w0, axis=1)
    e = w0[:, 2]
    den = a - b * b                      # |u|^2 |v|^2 - (u.v)^2 with v = (0, 0, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (b * e - d) / den
        s = (a * e - b * d) / den
    p1 = vertex + t[:, None] * u
    cda = np.hypot(p1[:, 0], p1[:, 1] - y_beam)
    bad = den <= 0
    return np.where(bad, np.nan, cda), np.where(bad, np.nan, s)


def _expand_neutral_mesons(names, p4, weight, rng):
    """Replace pi0/eta daughters by their two photons; multiply weights by BR(-> gamma gamma)."""
    out_names, out_p4 = [], []
    for k, name in enumerate(names):
        if name in _BR_TO_GG:
            m = constants.mass(name)
            rest = two_body_at_rest(np.full(p4.shape[0], m), 0.0, 0.0, rng)
            lab = boost_to_lab(rest, p4[:, k])
            out_names += ["gamma", "gamma"]
            out_p4 += [lab[:, 0], lab[:, 1]]
            weight = weight * _BR_TO_GG[name]
        else:
            out_names.append(name)
            out_p4.append(p4[:, k])
    return out_names, np.stack(out_p4, axis=1), weight


def _smear_track(origin_s1, p3, card, rng):
    """Reconstructed track at STRAW1: smeared position, direction and momentum."""
    p = np.linalg.norm(p3, axis=1)
    pz = np.where(p3[:, 2] > 0, p3[:, 2], 1.0)
    sig_a = straw_sigma_angle(card, p)
    tx = p3[:, 0] / pz + rng.normal(0.0, 1.0, p.size) * sig_a
    ty = p3[:, 1] / pz + rng.normal(0.0, 1.0, p.size) * sig_a
    p_reco = p * (1.0 + rng.normal(0.0, 1.0, p.size) * straw_sigma_p_rel(card, p))
    pos = origin_s1 + rng.normal(0.0, card.resolution.straw_position, origin_s1.shape) * np.array([1, 1, 0])
    d = np.stack([tx, ty, np.ones_like(tx)], axis=1)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return pos, d * p_reco[:, None]


def _two_line_vertex(a, u, b, v):
    """Midpoint of the closest approach of lines a + t u and b + s v."""
    w0 = a - b
    aa, bb, cc = np.sum(u * u, 1), np.sum(u * v, 1), np.sum(v * v, 1)
    dd, ee = np.sum(u * w0, 1), np.sum(v * w0, 1)
    den = aa * cc - bb * bb
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (bb * ee - cc * dd) / den
        s = (aa * ee - bb * dd) / den
    return 0.5 * (a + t[:, None] * u + b + s[:, None] * v)


def detect(sample: XSample, channel: str, card, setup: BeamDumpSetup, rng: np.random.Generator) -> Detection:
    """Decay every X of ``sample`` inside the decay volume into ``channel`` and apply the selection."""
    daughters = channel_daughters(channel)
    n = sample.n
    m = sample.mass
    x4 = sample.p4
    p = np.linalg.norm(x4[:, 1:], axis=1)
    fwd = x4[:, 3] > 0
    pz = np.where(fwd, x4[:, 3], 1.0)
    z1, z2 = setup.decay_volume
    z0 = sample.vertex[:, 2]
    zdec = z1 + (z2 - z1) * rng.random(n)
    tx, ty = x4[:, 1] / pz, x4[:, 2] / pz
    dec = np.stack([sample.vertex[:, 0] + tx * (zdec - z0), sample.vertex[:, 1] + ty * (zdec - z0), zdec], 1)
    scale = p / pz
    flight_to = (zdec - z0) * scale
    flight_in = (z2 - z1) * scale

    masses = [constants.mass(d) for d in daughters]
    if m <= sum(masses):      # channel closed at this mass
        zero = np.zeros(n)
        return Detection(zero, p, np.where(fwd, flight_to, np.inf), np.where(fwd, flight_in, 0.0),
                         np.full(n, np.nan), np.full(n, np.nan))
    rest, w = nbody(np.full(n, m), masses, rng)
    if len(daughters) > 2:
        mean = w.mean()
        w = w / mean if mean > 0 else w
    lab = boost_to_lab(rest, x4)
    names, lab, w = _expand_neutral_mesons(daughters, lab, w, rng)
    ok = fwd & (w > 0)

    charged = [k for k, nm in enumerate(names) if nm in _CHARGE]
    photons = [k for k, nm in enumerate(names) if nm == "gamma"]
    tracks_reco = []
    lkr_xy = []
    for k in charged:
        p3 = lab[:, k, 1:]
        tr = propagate_charged(dec, p3, _CHARGE[names[k]], card)
        flavour = names[k].rstrip("+-")
        ok &= tr.accept["straw"] & tr.accept["chod"] & tr.accept[_PID_DETECTOR[flavour]]
        ok &= np.linalg.norm(p3, axis=1) > setup.p_track_min
        lkr_xy.append((tr.x["LKR"], tr.y["LKR"]))
        s1 = card.geometry.straw[0]
        pos = np.stack([tr.x[s1.name], tr.y[s1.name], np.full(n, s1.z)], axis=1)
        tracks_reco.append(_smear_track(np.nan_to_num(pos), p3, card, rng))
    lkr_code = DETECTOR_CODES["lkr"]
    photon_reco = []
    for k in photons:
        p3 = lab[:, k, 1:]
        hit = photon_hits(dec, p3, card)
        e = lab[:, k, 0]
        ok &= (hit.detector == lkr_code) & (e > setup.e_photon_min)
        for (xt, yt) in lkr_xy:
            ok &= np.hypot(np.nan_to_num(hit.x) - np.nan_to_num(xt), np.nan_to_num(hit.y) - np.nan_to_num(yt)) \
                > card.photon_veto.lkr_min_distance
        e_reco = e + rng.normal(0.0, 1.0, n) * lkr_sigma_e(card, e)
        photon_reco.append((np.stack([np.nan_to_num(hit.x), np.nan_to_num(hit.y), np.full(n, card.geometry.lkr.z)], 1),
                            e_reco))

    m_reco = _invariant_mass(tracks_reco, [daughter_mass(names[k]) for k in charged], photon_reco, dec if
                             len(tracks_reco) < 2 else None)
    # Reconstructed vertex and pointing
    if len(tracks_reco) >= 2:
        (a, pa), (b, pb) = tracks_reco[0], tracks_reco[1]
        vtx = _two_line_vertex(a, pa, b, pb)
    else:  # all-neutral final state: vertex from the true decay point (a gamma-gamma search fixes it
        vtx = dec.copy()  # from the LKr cluster pair assuming the X points to the dump; D approximation)
    ptot = np.zeros((n, 3))
    for _, p3r in tracks_reco:
        ptot += p3r
    for pos, e_reco in photon_reco:
        d = np.nan_to_num(pos - vtx)
        d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
        ptot += d * e_reco[:, None]
    with np.errstate(invalid="ignore"):
        cda, ztax = pointing(vtx, ptot, setup.y_dump)
        lo, hi = setup.z_tax_window
        ok &= (cda < setup.cda_tax_max) & (ztax > lo) & (ztax < hi)
        ok &= (vtx[:, 2] > z1) & (vtx[:, 2] < z2)
    ok &= mass_window(m_reco, m, ok, setup.mass_window_sigma)
    accept = np.where(ok, w, 0.0)
    return Detection(accept, p, np.where(fwd, flight_to, np.inf), np.where(fwd, flight_in, 0.0), cda, ztax,
                     m_reco)


def daughter_mass(name: str) -> float:
    """Mass hypothesis of a reconstructed track (its identified species, GeV)."""
    return constants.mass(name)


def _invariant_mass(tracks_reco, track_masses, photon_reco, vertex_for_photons):
    """Invariant mass (GeV) of the reconstructed tracks (mass hypotheses) and LKr photons.

    Photon momenta point from the reconstructed vertex (the midpoint of the first two tracks) to the LKr
    cluster; without two tracks the vertex is ``vertex_for_photons`` (true decay point, as in :func:`detect`).
    """
    n = (tracks_reco[0][1] if tracks_reco else photon_reco[0][1]).shape[0]
    e_tot, p_tot = np.zeros(n), np.zeros((n, 3))
    for (_, p3), mh in zip(tracks_reco, track_masses):
        e_tot += np.sqrt(np.sum(p3 * p3, axis=1) + mh * mh)
        p_tot += p3
    if photon_reco:
        vtx = (_two_line_vertex(tracks_reco[0][0], tracks_reco[0][1], tracks_reco[1][0], tracks_reco[1][1])
               if vertex_for_photons is None else vertex_for_photons)
        for pos, e_reco in photon_reco:
            d = np.nan_to_num(pos - vtx)
            d /= np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
            e_tot += e_reco
            p_tot += d * e_reco[:, None]
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.clip(e_tot**2 - np.sum(p_tot**2, axis=1), 0.0, None))


#: fewest selected events for which the mass resolution is estimated from the sample (fewer: no mass cut)
MIN_EVENTS_FOR_RESOLUTION = 20


def mass_window(m_reco, m_true: float, selected, n_sigma: float):
    """Boolean mask |m_reco - m_X| < n_sigma sigma_m; True everywhere when ``n_sigma`` is 0 (cut off).

    sigma_m is the resolution of this very sample: 1.4826 x the median absolute deviation of m_reco - m_X over
    the events passing every other cut. It follows from the card's STRAW momentum/angle and LKr energy
    resolutions used to smear the tracks and photons (no separate mass-resolution parameter exists in the card);
    with fewer than MIN_EVENTS_FOR_RESOLUTION such events the cut is not applied.
    """
    keep = np.ones(np.shape(m_reco), bool)
    if n_sigma <= 0:
        return keep
    dm = (np.asarray(m_reco) - m_true)[np.asarray(selected, bool) & np.isfinite(m_reco)]
    if dm.size < MIN_EVENTS_FOR_RESOLUTION:
        return keep
    sigma = 1.4826 * float(np.median(np.abs(dm - np.median(dm))))
    with np.errstate(invalid="ignore"):
        return np.abs(np.asarray(m_reco) - m_true) < n_sigma * max(sigma, 1e-9)
