"""Beam-dump mode: 400 GeV/c protons dumped on the TAX; long-lived X produced in the copper, decaying in
the 105-180 m decay volume, seen in the same detector (card) as the kaon-mode searches.

Pieces (one physics concern per module):

- :mod:`.setup`: dump position, decay volume, selection (overridable parameters with sources);
- :mod:`.mesons`: Pythia 8 meson tables per proton on target (``scripts/make_meson_tables.py``);
- :mod:`.production`, :mod:`.brems`, :mod:`.primakoff`: X samples from meson decays and mixing, proton
  bremsstrahlung (dark photon) and Primakoff conversion of meson-decay photons (photon-coupled ALP);
- :mod:`.phasespace`: two-body and n-body decay kinematics;
- :mod:`.detection`: decay in flight, products through the card geometry, pointing to the TAX;
- :mod:`.yields`: N = N_POT chi P_decay A_acc A_trig on a (mass, coupling) grid, with MC uncertainty;
- :mod:`.contours`: 90% CL exclusion contours, expected bands, projections;
- :mod:`.analysis`: end-to-end runs, output files, and :func:`beamdump_section` for ``kaonportal run``.

>>> from kaonportal.beamdump import BeamDumpSetup
>>> BeamDumpSetup().decay_volume
(105.0, 180.0)
"""

from .analysis import (POT_2021, POT_RUN2, PUBLISHED_2021, BeamDumpResult, beamdump_section, run_beamdump,
                       write_outputs)
from .contours import Exclusion, contour_lines, exclusion, projection
from .detection import CHANNELS, decay_weights, detect
from .mesons import multiplicity_per_pot, sample_meson
from .setup import BeamDumpSetup
from .yields import YieldGrid, expected_events, model_channels

__all__ = ["BeamDumpSetup", "expected_events", "YieldGrid", "model_channels", "exclusion", "projection",
           "Exclusion", "contour_lines", "run_beamdump", "BeamDumpResult", "write_outputs", "beamdump_section",
           "CHANNELS", "detect", "decay_weights", "multiplicity_per_pot", "sample_meson",
           "POT_2021", "POT_RUN2", "PUBLISHED_2021"]
