"""Detector description (cards) and response: geometry, propagation, photon vetoes, PID.

Cards: :func:`load_card` (built-in name or YAML path, pydantic-validated), :func:`list_cards`.
Propagation from an arbitrary vertex (reusable by the beam-dump mode): :func:`propagate_charged`,
:func:`photon_hits`; response probabilities: :func:`photon_inefficiency`, :func:`pid_weights`.

>>> card = load_card("na62-2022")
>>> card.run_conditions.trigger_efficiency_pnn
0.859
"""

from .card import (Beam, Card, Geometry, Pid, PhotonVeto, Resolution, RunConditions, VetoTable,
                   card_from_dict, list_cards, load_card)
from .propagation import (DETECTOR_CODES, ChargedTrack, PhotonHits, charged_acceptance, in_octagon, in_ring,
                          in_square, photon_hits, propagate_charged, track_planes)
from .response import (lkr_sigma_e, photon_inefficiency, photon_veto_update, pid_weights,
                       straw_sigma_angle, straw_sigma_p_rel, veto_inefficiency)

__all__ = ["Card", "Beam", "Geometry", "Resolution", "PhotonVeto", "VetoTable", "Pid", "RunConditions",
           "load_card", "list_cards", "card_from_dict",
           "propagate_charged", "charged_acceptance", "photon_hits", "ChargedTrack", "PhotonHits", "DETECTOR_CODES",
           "track_planes", "in_ring", "in_octagon", "in_square",
           "photon_inefficiency", "photon_veto_update", "veto_inefficiency", "pid_weights", "straw_sigma_p_rel",
           "straw_sigma_angle", "lkr_sigma_e"]
