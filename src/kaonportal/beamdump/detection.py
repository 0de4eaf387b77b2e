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
           "mass_window_halfwidth", "MIN_EVENTS_FOR_RESOLUTION"]

from dataclasses import dataclass

import numpy as np

from .. import constants
from ..detector.propagation import DETECTOR_CODES, photon_hits, propagate_charged
from ..detector.response import lkr_sigma_e, straw_sigma_angle, straw_sigma_p_rel
from ..errors import check_choice
from ..kinematics import dot3, norm3
from .phasespace import boost_rows_to_lab, nbody, two_body_at_rest
from .production import XSample
from .masscut import MIN_EVENTS_FOR_RESOLUTION, mass_window, mass_window_halfwidth
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
_BR_TO_GG = {"pi0": constants.BR_PI0_GG, "eta": constants.BR_ETA_GG}


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
    reconstructed invariant mass of the final state (GeV; NaN when not reconstructed); ``mass_halfwidth``: half-width
    n sigma_m (GeV) of the invariant-mass window the selection applied, inf when no mass cut was applied (window
    off, or too few events to estimate sigma_m): the window an observed event must fall into to count at this mass
    (:func:`kaonportal.beamdump.contours.observed_per_mass`).
    """
    accept: np.ndarray
    p: np.ndarray
    flight_to_decay: np.ndarray
    flight_in_volume: np.ndarray
    cda_tax: np.ndarray
    z_tax: np.ndarray
    m_reco: np.ndarray | None = None
    mass_halfwidth: float = float("inf")


def decay_weights(det: Detection, mass: float, ctau_m) -> np.ndarray:
    """Decay-density weights D (n_events, n_ctau) for an array of proper decay lengths (metres)."""
    ctau = np.atleast_1d(np.asarray(ctau_m, float))
    lam = (det.p / mass)[:, None] * ctau[None, :]
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        # (L / lam) * exp(-l / lam), in place (the (n_events, n_ctau) arrays dominate a contour's memory traffic)
        e = np.divide(-det.flight_to_decay[:, None], lam)
        np.exp(e, out=e)
        d = np.divide(det.flight_in_volume[:, None], lam, out=lam)
        d *= e
    d[~np.isfinite(d)] = 0.0
    return d


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
    a = dot3(u, u)
    b = u[:, 2]
    d = dot3(u, w0)
    e = w0[:, 2]
    den = a - b * b                      # |u|^2 |v|^2 - (u.v)^2 with v = (0, 0, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (b * e - d) / den
        s = (a * e - b * d) / den
    p1 = vertex + t[:, None] * u
    cda = np.hypot(p1[:, 0], p1[:, 1] - y_beam)
    bad = den <= 0
    return np.where(bad, np.nan, cda), np.where(bad, np.nan, s)


def _neutral_meson_decays(names, n: int, weight, rng):
    """pi0/eta -> gamma gamma at rest, drawn for all ``n`` events in daughter order: ({daughter index: (n, 2, 4)},
    weight x BR(-> gamma gamma) of each)."""
    rest = {}
    for k, name in enumerate(names):
        if name in _BR_TO_GG:
            rest[k] = two_body_at_rest(np.full(n, constants.mass(name)), 0.0, 0.0, rng)
            weight = weight * _BR_TO_GG[name]
    return rest, weight


def _final_state(daughters) -> list[tuple[str, int, int]]:
    """Detected particles (name, daughter index, photon slot 0/1 or -1): pi0/eta replaced by their two photons."""
    out = []
    for k, name in enumerate(daughters):
        out += [("gamma", k, 0), ("gamma", k, 1)] if name in _BR_TO_GG else [(name, k, -1)]
    return out


def _detector_noise(final, n: int, card, rng) -> dict:
    """Standard-normal smearing draws of every event, in the order the detector response consumes them: per
    track (final-state order) the two STRAW slopes, the momentum and the STRAW1 position, then one LKr energy per
    photon. Drawn for all ``n`` events (rejected ones included) so that the random stream does not depend on
    the acceptance."""
    # one standard-normal draw per particle kind: the generator fills it in order, so the values are those of
    # the per-quantity normal(0, 1, n) / normal(0, sigma, (n, 3)) calls in this order (normal = 0 + sigma z)
    tracks = [j for j, (name, _, _) in enumerate(final) if name in _CHARGE]
    photons = [j for j, (name, _, _) in enumerate(final) if name == "gamma"]
    z = rng.standard_normal(6 * n * len(tracks))
    noise = {}
    for t, j in enumerate(tracks):
        zt = z[6 * n * t:6 * n * (t + 1)]
        noise[j] = (zt[:n], zt[n:2 * n], zt[2 * n:3 * n], zt[3 * n:].reshape(n, 3) * card.resolution.straw_position)
    z = rng.standard_normal(n * len(photons))
    for t, j in enumerate(photons):
        noise[j] = z[n * t:n * (t + 1)]
    return noise


def _smear_track(origin_s1, p3, card, noise):
    """Reconstructed track at STRAW1: smeared position, direction and momentum (``noise`` from
    :func:`_detector_noise`)."""
    n_tx, n_ty, n_p, n_pos = noise
    p = norm3(p3)
    pz = np.where(p3[:, 2] > 0, p3[:, 2], 1.0)
    sig_a = straw_sigma_angle(card, p)
    tx = p3[:, 0] / pz + n_tx * sig_a
    ty = p3[:, 1] / pz + n_ty * sig_a
    p_reco = p * (1.0 + n_p * straw_sigma_p_rel(card, p))
    pos = origin_s1 + n_pos * np.array([1, 1, 0])
    d = np.stack([tx, ty, np.ones_like(tx)], axis=1)
    d /= norm3(d)[:, None]
    return pos, d * p_reco[:, None]


def _two_line_vertex(a, u, b, v):
    """Midpoint of the closest approach of lines a + t u and b + s v."""
    w0 = a - b
    aa, bb, cc = dot3(u, u), dot3(u, v), dot3(v, v)
    dd, ee = dot3(u, w0), dot3(v, w0)
    den = aa * cc - bb * bb
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (bb * ee - cc * dd) / den
        s = (aa * ee - bb * dd) / den
    return 0.5 * (a + t[:, None] * u + b + s[:, None] * v)


class _Candidates:
    """Events still accepted (global indices) and the per-particle arrays aligned with them; ``cut`` drops the
    rejected ones from all of them, so that later particles are propagated for the survivors only."""

    def __init__(self, idx):
        self.idx = idx
        self.data: dict = {}

    def cut(self, keep):
        rows = np.flatnonzero(keep)         # one mask scan; taking rows is cheaper than masking each array
        self.idx = self.idx[rows]
        self.data = {j: tuple(a.take(rows, axis=0) for a in arrs) for j, arrs in self.data.items()}


def _lab_momentum(final, j, rest, gg_rest, x4, idx):
    """Lab four-momentum (m, 4) of final-state particle ``j`` for the events ``idx`` (boosts are per event
    and per particle, so the subset gives the same numbers as the full sample)."""
    _, k, slot = final[j]
    lab = boost_rows_to_lab(rest, k, idx, x4, idx)
    if slot < 0:
        return lab
    return boost_rows_to_lab(gg_rest[k], slot, idx, lab)


def _acceptance(final, rest, gg_rest, x4, dec, ok, card, setup) -> _Candidates:
    """Geometric acceptance and identification of every final-state particle (module docstring), applied
    particle by particle to the surviving events. Data kept per particle: tracks (p3, STRAW1 point, LKr
    x, y), photons (p3, energy, LKr x, y)."""
    cand = _Candidates(np.flatnonzero(ok))
    s1 = card.geometry.straw[0]
    for j, (name, _, _) in enumerate(final):
        if name not in _CHARGE:
            continue
        p4 = _lab_momentum(final, j, rest, gg_rest, x4, cand.idx)
        p3 = p4[:, 1:]
        tr = propagate_charged(dec[cand.idx], p3, _CHARGE[name], card)
        keep = tr.accept["straw"] & tr.accept["chod"] & tr.accept[_PID_DETECTOR[name.rstrip("+-")]]
        keep &= norm3(p3) > setup.p_track_min
        pos = np.stack([tr.x[s1.name], tr.y[s1.name], np.full(p3.shape[0], s1.z)], axis=1)
        cand.data[j] = (p3, np.nan_to_num(pos), tr.x["LKR"], tr.y["LKR"])
        cand.cut(keep)
    tracks = [j for j in cand.data]
    lkr_code = DETECTOR_CODES["lkr"]
    for j, (name, _, _) in enumerate(final):
        if name != "gamma":
            continue
        p4 = _lab_momentum(final, j, rest, gg_rest, x4, cand.idx)
        hit = photon_hits(dec[cand.idx], p4[:, 1:], card)
        e = p4[:, 0]
        keep = (hit.detector == lkr_code) & (e > setup.e_photon_min)
        hx, hy = np.nan_to_num(hit.x), np.nan_to_num(hit.y)
        for t in tracks:
            xt, yt = cand.data[t][2], cand.data[t][3]
            keep &= np.hypot(hx - np.nan_to_num(xt), hy - np.nan_to_num(yt)) > card.photon_veto.lkr_min_distance
        cand.data[j] = (p4[:, 1:], e, hx, hy)
        cand.cut(keep)
    return cand


def detect(sample: XSample, channel: str, card, setup: BeamDumpSetup, rng: np.random.Generator) -> Detection:
    """Decay every X of ``sample`` inside the decay volume into ``channel`` and apply the selection.

    Every random number is drawn for the whole sample, in a fixed order (decay point, phase space, pi0/eta ->
    gamma gamma, track and LKr smearing); the acceptance is then applied particle by particle and the
    reconstruction (smearing, vertex, pointing, invariant mass) is computed for the accepted events only. The
    pointing variables and the mass are therefore NaN for events outside the acceptance.
    """
    daughters = channel_daughters(channel)
    n = sample.n
    m = sample.mass
    x4 = sample.p4
    p = norm3(x4[:, 1:])
    fwd = x4[:, 3] > 0
    pz = np.where(fwd, x4[:, 3], 1.0)
    z1, z2 = setup.decay_volume
    z0 = sample.vertex[:, 2]
    zdec = z1 + (z2 - z1) * rng.random(n)
    scale = p / pz
    flight_to = np.where(fwd, (zdec - z0) * scale, np.inf)
    flight_in = np.where(fwd, (z2 - z1) * scale, 0.0)
    nan = np.full(n, np.nan)

    masses = [constants.mass(d) for d in daughters]
    if m <= sum(masses):      # channel closed at this mass
        return Detection(np.zeros(n), p, flight_to, flight_in, nan, nan.copy())
    tx, ty = x4[:, 1] / pz, x4[:, 2] / pz
    dec = np.stack([sample.vertex[:, 0] + tx * (zdec - z0), sample.vertex[:, 1] + ty * (zdec - z0), zdec], 1)
    rest, w = nbody(np.full(n, m), masses, rng)
    if len(daughters) > 2:
        mean = w.mean()
        w = w / mean if mean > 0 else w
    gg_rest, w = _neutral_meson_decays(daughters, n, w, rng)
    final = _final_state(daughters)
    noise = _detector_noise(final, n, card, rng)
    cand = _acceptance(final, rest, gg_rest, x4, dec, fwd & (w > 0), card, setup)

    idx = cand.idx
    tracks = [(cand.data[j][1], cand.data[j][0], noise[j], final[j][0]) for j in sorted(cand.data)
              if final[j][0] in _CHARGE]
    tracks_reco = [_smear_track(s1, p3, card, tuple(a[idx] for a in nz)) for s1, p3, nz, _ in tracks]
    lkr_z = card.geometry.lkr.z
    photon_reco = []
    for j in sorted(cand.data):
        if final[j][0] != "gamma":
            continue
        _, e, hx, hy = cand.data[j]
        e_reco = e + noise[j][idx] * lkr_sigma_e(card, e)
        photon_reco.append((np.stack([hx, hy, np.full(idx.size, lkr_z)], 1), e_reco))
    ok, cda, ztax, m_reco, halfwidth = _reconstruct(tracks_reco, [daughter_mass(t[3]) for t in tracks], photon_reco,
                                         dec[idx], m, setup)
    accept = np.zeros(n)
    accept[idx] = np.where(ok, w[idx], 0.0)
    out = [nan, nan.copy(), nan.copy()]
    for arr, val in zip(out, (cda, ztax, m_reco)):
        arr[idx] = val
    return Detection(accept, p, flight_to, flight_in, *out, mass_halfwidth=halfwidth)


def _reconstruct(tracks_reco, track_masses, photon_reco, dec, m, setup: BeamDumpSetup):
    """Vertex, pointing and invariant-mass selection of the accepted events: (selected, CDA_TAX, Z_TAX, m_reco,
    half-width of the mass window in GeV, inf when no mass cut was applied)."""
    m_reco = _invariant_mass(tracks_reco, track_masses, photon_reco, dec if len(tracks_reco) < 2 else None)
    if len(tracks_reco) >= 2:
        (a, pa), (b, pb) = tracks_reco[0], tracks_reco[1]
        vtx = _two_line_vertex(a, pa, b, pb)
    else:  # all-neutral final state: vertex from the true decay point (a gamma-gamma search fixes it
        vtx = dec.copy()  # from the LKr cluster pair assuming the X points to the dump; D approximation)
    ptot = np.zeros((dec.shape[0], 3))
    for _, p3r in tracks_reco:
        ptot += p3r
    for pos, e_reco in photon_reco:
        d = np.nan_to_num(pos - vtx)
        d /= np.maximum(norm3(d)[:, None], 1e-12)
        ptot += d * e_reco[:, None]
    z1, z2 = setup.decay_volume
    with np.errstate(invalid="ignore"):
        cda, ztax = pointing(vtx, ptot, setup.y_dump)
        lo, hi = setup.z_tax_window
        ok = (cda < setup.cda_tax_max) & (ztax > lo) & (ztax < hi)
        ok &= (vtx[:, 2] > z1) & (vtx[:, 2] < z2)
    halfwidth = mass_window_halfwidth(m_reco, m, ok, setup.mass_window_sigma)
    if np.isfinite(halfwidth):
        with np.errstate(invalid="ignore"):
            ok &= np.abs(m_reco - m) < halfwidth
    return ok, cda, ztax, m_reco, halfwidth


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
        e_tot += np.sqrt(dot3(p3, p3) + mh * mh)
        p_tot += p3
    if photon_reco:
        vtx = (_two_line_vertex(tracks_reco[0][0], tracks_reco[0][1], tracks_reco[1][0], tracks_reco[1][1])
               if vertex_for_photons is None else vertex_for_photons)
        for pos, e_reco in photon_reco:
            d = np.nan_to_num(pos - vtx)
            d /= np.maximum(norm3(d)[:, None], 1e-12)
            e_tot += e_reco
            p_tot += d * e_reco[:, None]
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.clip(e_tot**2 - dot3(p_tot, p_tot), 0.0, None))
