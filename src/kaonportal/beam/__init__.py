"""Beam particles (K+, pi+, p) at GTK3 and decay vertices in a z window.

>>> from kaonportal.detector import load_card
>>> round(decay_fraction("pi+", load_card("na62-2018"), (105.0, 165.0)), 4)
0.0142
"""

from .profile import (BEAM_SPECIES, BeamSample, beam_normals, check_z_range, decay_fraction,
                      sample_beam, sample_decay_vertex)

__all__ = ["BEAM_SPECIES", "BeamSample", "sample_beam", "beam_normals", "sample_decay_vertex",
           "decay_fraction", "check_z_range"]
