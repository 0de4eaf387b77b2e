"""Beam-dump mode: 400 GeV/c protons dumped on the TAX; long-lived X produced in the copper, decaying in
the 105-180 m decay volume, seen in the same detector (card) as the kaon-mode searches.

Pieces (one physics concern per module):

- :mod:`.setup`: dump position, decay volume, selection (overridable parameters with sources);
- :mod:`.mesons`: Pythia 8 meson tables per proton on target (``scripts/make_meson_tables.py``);
- :mod:`.production`, :mod:`.brems`, :mod:`.primakoff`: X samples from meson decays and mixing, proton
  bremsstrahlung (dark photon) and Primakoff conversion of meson-decay photons (photon-coupled ALP);
- :mod:`.phasespace`: two-body and n-body decay kinematics;
- :mod:`.detection`: decay in flight, products through the card geometry, pointing to the TAX;
- :mod:`.mixing`: dark-photon production by rho/omega/phi mixing (hadronic-analysis production model);
- :mod:`.yields`: N = N_POT chi P_decay A_acc A_trig on a (mass, coupling) grid, with MC uncertainty;
- :mod:`.budget`: the same N for one (mass, coupling), factor by factor (``kaonportal beamdump --explain M,C``);
- :mod:`.contours`: 90% CL exclusion contours, expected bands, projections;
- :mod:`.significance`: 5 sigma discovery thresholds of the hadronic search (EPJC 85 (2025) 571 table);
- :mod:`.analysis`, :mod:`.plotting`: end-to-end runs, output files and plots, and :func:`beamdump_section` for
  ``kaonportal run``.

Validation against NA62's 2021 dilepton contours (issue 14; published contours read off the papers' figures,
not shipped). Which factor was wrong, and by how much:

* **Bremsstrahlung form factor** (fixed). The time-like VMD proton form factor multiplied the A' bremsstrahlung
  yield by |F_1|^2 = 1.5 (0.3 GeV), 3.9 (0.5), 9.0 (0.6), ~600-900 (0.77-0.8) and 13 (1 GeV). NA62's published
  2021 dilepton contours were made without it (EPJC 85 (2025) 571, Fig. 10 caption in [S002]: the
  time-like form factor and vector-meson mixing appear there as an update of the PRL contour). With the
  point-like proton for ee/mumu (``brems_form_factor="auto"``), the mu mu exclusion ends at ~0.51 GeV instead of
  0.997 GeV (NA62: ~0.54 GeV), the ee one at ~0.55 GeV instead of > 1 GeV, and the lower edge at 0.5 GeV moves
  from 2.9e-7 to 4.9e-7 (mu mu). For hadronic channels the EPJC 85 (2025) 571 model (form factor and mixing)
  is used.
* **Lower edge below ~0.45 GeV** (not fixed, stated on every result): the lower edge moved by only 3-15% (mu mu
  2.7e-7 -> 2.8e-7 at 0.3 GeV, 2.9e-7 -> 3.3e-7 at 0.4 GeV), so it stays at ~0.6-0.7 (mu mu) and ~0.5-0.6 (ee)
  of the published one: at NA62's edge this code predicts ~3-4x (mu mu) and up to ~10x (ee) NA62's event count.
  There the yield is dominated by eta -> gamma A' (and pi0 -> gamma A' for ee), e.g. at 0.3 GeV, eps = 2.7e-7:
  N = 1.4e17 x chi 1.1e-14 x P_decay 0.11 x BR 0.47 x A_acc 0.030 = 2.5 mu mu events from eta decays out of
  3.6 in total (``--explain 0.3,2.7e-7``). No factor with a source was found to be wrong: the parent yields
  are Pythia's (pi+ +17% against NA27), the p-Cu forward suppression at the x_F ~ 0.15-0.4 of the accepted
  parents is expected to be <~ 30%, and requiring 2 cm between the two tracks at STRAW1 moves the ee edge by <= 6%
  (checked); NA62's selection and trigger efficiencies were not available (A_trig = 1). A sourced lead (issue 14
  follow-up): EPJC 85 (2025) 571, Fig. 10 caption in [S002], recomputes the 2021 dilepton contour "with updated
  light meson spectra only", i.e. the published JHEP 09 (2023) 035 / PRL 133 (2024) 111802 contours were made with
  earlier light-meson spectra than NA62's current ones. The lower-edge region is exactly where meson decays
  dominate, so part of the difference may be that spectra change; the size and direction of the update are not
  in the text available, so nothing was changed here. Invariant-mass selection (3 sigma_m) costs 1-6 % of the
  signal, not the missing factor.

ALPs (issue 14, BC10/BC11): production by pi0/eta/eta' mixing, B -> X_s a and Primakoff conversion of meson-decay
photons with the model's own a gamma gamma coupling (:func:`.yields.primakoff_coupling2`); BC11 decays to
pi+ pi- pi0 and pi+ pi- gamma from :mod:`kaonportal.models.alp_hadronic` up to 0.827 GeV (a -> pi pi eta not
modelled; a -> 3 pi is LO chiral PT plus the a -> eta*, eta'* -> 3 pi chain, 2.0-2.7x below the data-driven widths of
EPJC 85 (2025) 571's model at 0.42-0.5 GeV, stated on every BC11 hadronic result). BC10 has no hadronic channel here (stated).

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
