"""The event record: reconstructed objects per event, the one thing the multi-particle searches read.

:func:`kaonportal.simulation.record.build_record` fills an :class:`EventRecord` (one row per decay in the fiducial
window; the decay's products seen by the card's detectors). Like a Delphes output tree it holds objects, not truth
kinematics: a search is a selection and a scan over these arrays and draws no random numbers for detector effects.

Objects are padded per type: every event of one record has the same decay tree, so the number of tracks ``T``
(visible charged particles, in the order of the decay tree; track 0 is the first one, the candidate track matched
to the beam track for the vertex), of photons ``G`` and of LKr cluster hypotheses ``C`` is fixed per record; an
object that misses a detector has NaN positions/times there. Units: GeV, GeV/c, metres, nanoseconds.

Cluster hypotheses: each visible photon has one cluster object per way it can end in the detector -- the photon's
own electromagnetic shower (``mechanism`` "photon"), a photonuclear shower carrying part of its energy
("photonuclear", :mod:`kaonportal.detector.photonuclear`, when the readout has the model), and the e+ and e- of a
conversion upstream of MNP33 ("conversion", :mod:`kaonportal.detector.conversions`). Their probabilities are on the
photon (``photon_p_convert``, ``photon_p_photonuclear``): P(photon object) = (1 - p_convert)(1 - p_photonuclear),
P(photonuclear object) = (1 - p_convert) p_photonuclear, P(lepton pair) = p_convert. Probabilities, not draws, so that
rare mechanisms are sampled in every event (variance reduction; unbiased: the weights sum to one per photon).

=========================== ============ ======= ======================================================================
field                       shape        unit    meaning
=========================== ============ ======= ======================================================================
weight                      (n,)         1       generator weight x probability of the decay inside the fiducial window
vertex_true                 (n, 3)       m       true decay vertex
beam_p4                     (n, 4)       GeV     GTK beam track (measured momentum and slopes), kaon mass hypothesis
vertex                      (n, 3)       m       closest approach of the GTK beam line and track 0's STRAW line
cda                         (n,)         m       distance of closest approach of those two lines
t_ktag_ns, t_gtk_ns         (n,)         ns      KTAG and GTK times (event time 0 plus resolution)
track_names                 (T,)         --      species of each track (truth label of the padded slot)
track_charge                (T,)         e       charge
track_p4                    (n, T, 4)    GeV     STRAW measurement (sigma_p/p, slopes), E with the species' mass
track_p_true                (n, T)       GeV/c   true momentum (truth link, for resolution studies)
track_in                    (n, T, 8)    bool    inside the acceptance of :data:`TRACK_DETECTORS` (STRAW: all chambers)
track_pid                   (n, T, 3)    1       P(identified as pi, mu, e) (:func:`kaonportal.detector.pid_weights`)
track_x_lkr, track_y_lkr    (n, T)       m       impact at the LKr front plane
track_veto                  (n, T)       code    veto detector the track reaches, bent by MNP33 (LAV/IRC/LKr/SAC of
                                                 :data:`kaonportal.detector.DETECTOR_CODES`, MUV0, HASC, STRAW segment:
                                                 :func:`kaonportal.detector.charged_veto.charged_veto_hits`), the
                                                 extra-track veto rule
track_time_ns               (n, T)       ns      CHOD time (NaN outside the CHOD)
track_muv3_time_ns          (n, T)       ns      MUV3 hit time (NaN outside MUV3)
photon_detector             (n, G)       code    where the photon (straight line) is absorbed
photon_veto_time_ns         (n, G)       ns      LAV / IRC / SAC hit time (NaN for LKr or none)
photon_p_convert            (n, G)       1       P(conversion in a STRAW chamber upstream of MNP33); 0 without model
photon_conversion_track     (n, G)       bool    a conversion lepton would make a reconstructed extra track
photon_p_photonuclear       (n, G)       1       P(first LKr interaction photonuclear); 0 without model
cluster_mechanism           (C,)         code    :data:`CLUSTER_MECHANISMS`
cluster_photon              (C,)         index   photon the cluster hypothesis belongs to
cluster_e                   (n, C)       GeV     measured energy (LKr resolution; photonuclear: visible fraction)
cluster_x, cluster_y        (n, C)       m       measured position at the LKr (NaN if not on the LKr)
cluster_z                   (n, C)       m       z of the impact plane
cluster_e_true              (n, C)       GeV     energy of the showering particle (photon or lepton)
cluster_detector            (n, C)       code    where the object ends (LKr, a veto, or none)
cluster_inefficiency        (n, C)       1       P(the object escapes the photon vetoes) (card veto tables)
cluster_time_ns             (n, C)       ns      LKr cluster time, sigma_t(E) of the card (NaN if not on the LKr)
=========================== ============ ======= ======================================================================

Times use :class:`kaonportal.detector.timing.TimeResolutions` (event time 0, no pile-up: the pile-up overlay is
:mod:`kaonportal.simulation.pileup`).
"""

from __future__ import annotations

__all__ = ["EventRecord", "CLUSTER_MECHANISMS", "TRACK_DETECTORS", "concatenate_records"]

from dataclasses import dataclass, fields

import numpy as np

#: what made a cluster hypothesis: the photon's own shower, a lepton of an upstream conversion, a photonuclear shower
CLUSTER_MECHANISMS = {"photon": 0, "conversion": 1, "photonuclear": 2}
#: detectors of ``EventRecord.track_in`` (the acceptance flags of :func:`kaonportal.detector.propagate_charged`)
TRACK_DETECTORS = ("straw", "rich", "newchod", "chod", "lkr", "muv1", "muv2", "muv3")
# per-record (not per-event) fields: the object labels of the padded slots
_STATIC = ("track_names", "track_charge", "cluster_mechanism", "cluster_photon")


@dataclass(frozen=True)
class EventRecord:
    """Reconstructed objects of ``n`` events (module docstring: shapes and units)."""

    weight: np.ndarray
    vertex_true: np.ndarray
    beam_p4: np.ndarray
    vertex: np.ndarray
    cda: np.ndarray
    t_ktag_ns: np.ndarray
    t_gtk_ns: np.ndarray
    track_names: tuple
    track_charge: np.ndarray
    track_p4: np.ndarray
    track_p_true: np.ndarray
    track_in: np.ndarray
    track_pid: np.ndarray
    track_x_lkr: np.ndarray
    track_y_lkr: np.ndarray
    track_veto: np.ndarray
    track_time_ns: np.ndarray
    track_muv3_time_ns: np.ndarray
    photon_detector: np.ndarray
    photon_veto_time_ns: np.ndarray
    photon_p_convert: np.ndarray
    photon_conversion_track: np.ndarray
    photon_p_photonuclear: np.ndarray
    cluster_mechanism: np.ndarray
    cluster_photon: np.ndarray
    cluster_e: np.ndarray
    cluster_x: np.ndarray
    cluster_y: np.ndarray
    cluster_z: np.ndarray
    cluster_e_true: np.ndarray
    cluster_detector: np.ndarray
    cluster_inefficiency: np.ndarray
    cluster_time_ns: np.ndarray

    @property
    def n(self) -> int:
        return int(self.weight.shape[0])

    def track_accept(self, detector: str) -> np.ndarray:
        """(n, T) acceptance flags of one of :data:`TRACK_DETECTORS`."""
        return self.track_in[:, :, TRACK_DETECTORS.index(detector)]

    def track_index(self, name: str, k: int = 0) -> int:
        """Slot of the ``k``-th track of species ``name``."""
        return [i for i, nm in enumerate(self.track_names) if nm == name][k]


def concatenate_records(parts: list[EventRecord]) -> EventRecord:
    """One record of the events of ``parts`` (records of the same decay tree, e.g. consecutive blocks), in order."""
    if not parts:
        raise ValueError("no records to concatenate")
    out = {}
    for f in fields(EventRecord):
        if f.name in _STATIC:
            out[f.name] = getattr(parts[0], f.name)
        else:
            out[f.name] = np.concatenate([getattr(p, f.name) for p in parts], axis=0)
    return EventRecord(**out)
