"""Smeared measurements for event builders outside the simulation chain (the searches' own samples).

The simulation chain smears inside its compiled kernels (:mod:`kaonportal.simulation.kernels`, its own
random layout); analyses that build their events themselves (``analyses.searches.visible_x``,
``pi0_gamma_x``) use these numpy functions, with the card's resolutions
(:mod:`kaonportal.detector.response`: [JINST17]):

* :func:`smeared_track_p4` -- a STRAW track: sigma_p/p (:func:`~kaonportal.detector.straw_sigma_p_rel`)
  and per-projection slopes (:func:`~kaonportal.detector.straw_sigma_angle`);
* :func:`lkr_cluster` -- an LKr photon cluster: energy (:func:`~kaonportal.detector.lkr_sigma_e`) and
  position (a resolution the caller passes: the card has none);
* :func:`track_vertex` -- the vertex of the smeared GTK beam line and the smeared pi+ STRAW line
  (closest approach, standard two-line geometry as in :mod:`.vertex`).

Random numbers come from the generator the caller passes, drawn in the order each docstring states, so
that a caller's seeded output does not depend on which helper it uses.

>>> import numpy as np
>>> from kaonportal.detector import load_card
>>> card = load_card("na62-2022")
>>> p4 = smeared_track_p4(np.array([[0.0, 0.0, 30.0]] * 20000), 0.13957, card, np.random.default_rng(1))
>>> bool(abs(np.std(p4[:, 3]) / 30.0 - float(straw_sigma_p_rel(card, np.array([30.0]))[0])) < 2e-4)
True
"""

from __future__ import annotations

__all__ = ["LKR_CLUSTER_E_MIN", "LKR_POSITION_M", "LKR_CLUSTER_SEPARATION_M", "unit_vector", "smeared_track_p4",
           "lkr_cluster", "track_vertex"]

import numpy as np

from ..detector.card import Card
from ..detector.propagation import track_planes
from ..detector.response import lkr_sigma_e, straw_sigma_angle, straw_sigma_p_rel

# LKr cluster parameters the card lacks, one definition for the searches' own event builders (pi0_gamma_x,
# visible_x, and simulation.engine for its optional LKr columns).
#: GeV, D: lowest energy threshold of the LKr photon-rejection code ([FW PhotonRejectionLKr.cc] row
#: "Photon-veto timing windows", PhotonRejectionLKr.cc: thresholds 1, 2, 10, 15 GeV), taken as the cluster threshold
LKR_CLUSTER_E_MIN = 1.0
#: m, U: LKr cluster position resolution per coordinate (the card has none; order of magnitude of a
#: 2 cm-cell calorimeter, not from a source)
LKR_POSITION_M = 0.001
#: m, D: minimal distance of two photon clusters resolved as two (visible_x gamma gamma pairs); taken equal to
#: the cluster-to-track distance of the photon rejection (card photon_veto.lkr_min_distance, 100 mm, V), a
#: different quantity for which no source is at hand
LKR_CLUSTER_SEPARATION_M = 0.1


def unit_vector(dxdz, dydz) -> np.ndarray:
    """Unit vectors (n, 3) of slopes dx/dz, dy/dz: (dxdz, dydz, 1) / sqrt(1 + dxdz^2 + dydz^2).

    >>> unit_vector(np.array([0.0]), np.array([0.0])).tolist()
    [[0.0, 0.0, 1.0]]
    """
    n = np.sqrt(1.0 + dxdz ** 2 + dydz ** 2)
    return np.stack([dxdz / n, dydz / n, 1.0 / n], axis=-1)


def smeared_track_p4(p3: np.ndarray, m: float, card: Card, rng: np.random.Generator) -> np.ndarray:
    """Measured four-momenta (n, 4) (GeV) of tracks of true momenta ``p3`` (n, 3) and mass ``m`` (GeV).

    |p| smeared by sigma_p/p, then dx/dz and dy/dz each by the angular resolution at the true |p|
    (draws: n for p, n for x, n for y); E = sqrt(p^2 + m^2).
    """
    p = np.linalg.norm(p3, axis=1)
    n = len(p)
    ps, sa = p * (1.0 + straw_sigma_p_rel(card, p) * rng.standard_normal(n)), straw_sigma_angle(card, p)
    return np.column_stack([np.sqrt(ps ** 2 + m ** 2),
                            ps[:, None] * unit_vector(p3[:, 0] / p3[:, 2] + sa * rng.standard_normal(n),
                                                      p3[:, 1] / p3[:, 2] + sa * rng.standard_normal(n))])


def lkr_cluster(e_true: np.ndarray, x: np.ndarray, y: np.ndarray, card: Card, rng: np.random.Generator,
                position_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Measured energy (n,) (GeV) and position (n, 2) (m) of LKr clusters of photons of energy ``e_true``
    hitting the LKr at (``x``, ``y``): E smeared by sigma_E(E), each coordinate by ``position_m``
    (draws: n for E, then (n, 2) for the position)."""
    n = len(e_true)
    e = e_true + lkr_sigma_e(card, e_true) * rng.standard_normal(n)
    xy = np.stack([x, y], axis=1) + position_m * rng.standard_normal((n, 2))
    return e, xy


def track_vertex(vtx: np.ndarray, beam, p_pi: np.ndarray, card: Card, rng: np.random.Generator,
                 beam_slopes: tuple[np.ndarray, np.ndarray] | None = None,
                 track_slopes: tuple[np.ndarray, np.ndarray] | None = None,
                 with_cda: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Reconstructed vertex (n, 3) (m) of a pi+ of true momentum ``p_pi`` (n, 3) from the true vertex ``vtx``
    (n, 3) of a kaon of the beam sample ``beam`` (:class:`~kaonportal.beam.BeamSample`, at GTK3).

    Beam line: GTK3 point smeared by ``resolution.gtk_position`` ((n, 2) draws), slopes by
    ``resolution.gtk_angle`` (n, n). Track line: the true line at STRAW1 smeared by
    ``resolution.straw_position`` ((n, 2)), slopes by the STRAW angular resolution (n, n). The vertex is
    the midpoint of the closest approach of the two lines.

    ``beam_slopes`` / ``track_slopes``: the already measured (dx/dz, dy/dz) of the beam / track, when the
    caller has smeared them for its kinematics; they are used as they are (no slope draws for that line), so
    the vertex and the momenta come from ONE measurement of each track. ``with_cda``: also return the distance of
    closest approach (n,) (m) of the two lines (no extra draws).
    """
    n = len(vtx)
    res = card.resolution
    z0, zs = card.beam.z_gtk3, track_planes(card)["STRAW1"]
    a = np.column_stack([beam.x, beam.y, np.full(n, z0)]) + np.column_stack(
        [res.gtk_position * rng.standard_normal((n, 2)), np.zeros(n)])
    if beam_slopes is None:
        u = unit_vector(beam.dxdz + res.gtk_angle * rng.standard_normal(n),
                        beam.dydz + res.gtk_angle * rng.standard_normal(n))
    else:
        u = unit_vector(*beam_slopes)
    p = np.linalg.norm(p_pi, axis=1)
    sa = straw_sigma_angle(card, p)
    tx, ty = p_pi[:, 0] / p_pi[:, 2], p_pi[:, 1] / p_pi[:, 2]
    b = np.column_stack([vtx[:, 0] + tx * (zs - vtx[:, 2]), vtx[:, 1] + ty * (zs - vtx[:, 2]), np.full(n, zs)])
    b[:, :2] += res.straw_position * rng.standard_normal((n, 2))
    v = (unit_vector(tx + sa * rng.standard_normal(n), ty + sa * rng.standard_normal(n)) if track_slopes is None
         else unit_vector(*track_slopes))
    # two-line closest approach with unit direction vectors (the geometry of reco.vertex.closest_approach,
    # which takes slopes; kept in this form so that seeded outputs are unchanged: the two differ by rounding)
    w0 = a - b
    uv, uw, vw = np.sum(u * v, 1), np.sum(u * w0, 1), np.sum(v * w0, 1)
    den = np.maximum(1.0 - uv ** 2, 1e-300)
    s, t = (uv * vw - uw) / den, (vw - uv * uw) / den
    vertex = 0.5 * (a + s[:, None] * u + b + t[:, None] * v)      # this association: seeded outputs unchanged
    if not with_cda:
        return vertex
    return vertex, np.linalg.norm(a + s[:, None] * u - b - t[:, None] * v, axis=1)
