"""Beam-dump configuration: where the protons stop, where X may decay, and the signal selection.

The detector itself (STRAW chambers, MNP33 kick, CHOD, LKr, MUV3 apertures and resolutions) is read from
the same detector card as the kaon-mode simulation (:func:`kaonportal.detector.load_card`). The card has
no beam-dump block, so the dump-specific numbers live here as named, overridable parameters, each with
its source and status (V verified, S talk/proceedings, R attributed not re-read, D derived; sources by key, `kaonportal refs`).

Units: metres, GeV.

>>> s = BeamDumpSetup()
>>> s.z_dump, s.decay_volume
(23.07, (105.0, 180.0))
>>> BeamDumpSetup(decay_volume=(180.0, 105.0))
Traceback (most recent call last):
...
kaonportal.errors.InputError: decay_volume: must satisfy z_dump < z1 < z2 <= 183.5 m (first STRAW chamber), got (180.0, 105.0)
"""

from __future__ import annotations

__all__ = ["BeamDumpSetup", "CU_TARGET"]

from dataclasses import dataclass, replace

from ..errors import InputError, check_choice, check_range

# Copper of the TAX ([FW HNLFunctions.cc; ALP], "TAX material (MC)": Cu, lambda_I = 153 mm, A = 63.5,
# Z = 29 [V]).  sigma_inel(p Cu) from the PDG nuclear interaction length of Cu, 137.3 g/cm^2
# (PDG "Atomic and nuclear properties", copper): sigma = A / (N_A * lambda) = 769 mb.
CU_TARGET = {"A": 63.546, "Z": 29, "lambda_int_m": 0.153, "sigma_inel_pA_mb": 769.0}


@dataclass(frozen=True)
class BeamDumpSetup:
    """Beam-dump running conditions and signal selection (all overridable).

    Attributes (status codes V/S/R/D as above):

    - ``z_dump``: TAX1 front face, 23.070 m [V; BEATCH; ALP; FW HNLFunctions.cc].
    - ``y_dump``: vertical beam impact position on the TAX, -0.022 m [V; ALP].
    - ``lambda_int``: nuclear interaction length of Cu, 0.153 m [V]; protons interact at
      ``z_dump + Exp(lambda_int)``.
    - ``decay_volume``: (z1, z2) window in which X must decay, 105-180 m [V; CEDARH "FV between
      105 m and 180 m"].
    - ``p_track_min``: minimum track momentum, GeV/c.  [D: the published value was not found]
    - ``e_photon_min``: minimum LKr photon energy, GeV. [D]
    - ``cda_tax_max``: signal region in CDA between the total visible momentum line and the nominal
      proton beam line at the TAX, m. [D: NA62 uses "+-3 sigma of the expected signal" (S004), numbers
      not found; 0.02 m is about 3x the 99% quantile of this simulation's own signal CDA]
    - ``z_tax_window``: signal region in Z_TAX (z of that closest approach), m. [D, as above: the
      1-99% range of the simulated signal is about 18-29 m]
    - ``trigger_efficiency``: A_trig of N = N_POT chi P_decay BR(X -> f) A_acc A_trig eff_f (:mod:`.yields`).
      [D: not found in the shared references; 1.0 unless the user sets it]
    - ``mass_window_sigma``: invariant-mass selection |m_reco - m_X| < n sigma_m, sigma_m the resolution of the
      simulated signal (:func:`.masscut.mass_window`); 0 switches it off. The same window decides at which mass
      hypotheses an observed event of known mass counts (:func:`.contours.observed_per_mass`; off: at every mass).
      [D: NA62's beam-dump selections use signal regions of about +-3 sigma of the expected signal (S004, for
      CDA_TAX); the mass window itself was not found; the notch of NA62's mu mu contour at its 411 MeV event is
      0.405-0.42 GeV wide, kaonportal's +-3 sigma_m window there 0.403-0.419 GeV]
    - ``brems_form_factor``: proton form factor of the dark-photon bremsstrahlung, ``"none"`` (point-like,
      as in the published 2021 dilepton analyses), ``"timelike"`` (VMD, the production model of EPJC 85 (2025)
      571) or ``"auto"`` (default): the model of the publication whose channels are asked for, ``"none"`` for
      ee/mumu only, ``"timelike"`` as soon as a hadronic channel is included (:func:`resolve_form_factor`);
      see :mod:`.brems` for the source and size of the difference.
    - ``vector_mixing``: dark-photon production by rho/omega/phi mixing (:mod:`.mixing`), ``"on"``, ``"off"``
      or ``"auto"`` (default: off for ee/mumu only, on with hadronic channels, as for the form factor).
    - ``channel_efficiency``: ((channel, efficiency in [0, 1]), ...) per-channel trigger x identification x
      selection efficiency replacing the shipped one of :mod:`.efficiencies` (whose NA62 values are gaps, i.e. 1,
      where not published in the material available). Empty by default.
    - ``eta_ratio``: the eta spectrum of every eta-produced X (:mod:`.eta_ratio`, :func:`.mesons.meson_table`):
      ``"na27"`` (default: the Pythia table reweighted per bin to NA27's measured eta/pi0 versus p_T,
      [AguilarBenitez:1991yy]) or ``"pythia"`` (the raw Pythia 8 table, about twice NA27's soft etas).
    """

    z_dump: float = 23.07
    y_dump: float = -0.022
    lambda_int: float = CU_TARGET["lambda_int_m"]
    decay_volume: tuple[float, float] = (105.0, 180.0)
    p_track_min: float = 5.0
    e_photon_min: float = 1.0
    cda_tax_max: float = 0.02
    z_tax_window: tuple[float, float] = (15.0, 33.0)
    trigger_efficiency: float = 1.0
    mass_window_sigma: float = 3.0
    brems_form_factor: str = "auto"
    vector_mixing: str = "auto"
    channel_efficiency: tuple = ()
    eta_ratio: str = "na27"     # = mesons.DEFAULT_ETA_RATIO (tested; mesons imports this module)

    def __post_init__(self):
        check_range("z_dump", self.z_dump, 0.0, 100.0, unit="m")
        check_range("y_dump", self.y_dump, -0.5, 0.5, unit="m")
        check_range("lambda_int", self.lambda_int, 0.0, 10.0, low_inclusive=False, unit="m")
        z1, z2 = (float(v) for v in self.decay_volume)
        if not (self.z_dump < z1 < z2 <= 183.5):
            raise InputError("decay_volume", "must satisfy z_dump < z1 < z2 <= 183.5 m (first STRAW "
                                             f"chamber), got {tuple(self.decay_volume)}")
        check_range("p_track_min", self.p_track_min, 0.0, 400.0, unit="GeV/c")
        check_range("e_photon_min", self.e_photon_min, 0.0, 400.0, unit="GeV")
        check_range("cda_tax_max", self.cda_tax_max, 0.0, 10.0, low_inclusive=False, unit="m")
        a, b = (float(v) for v in self.z_tax_window)
        if not a < b:
            raise InputError("z_tax_window", f"must be (low, high) with low < high, got {self.z_tax_window}")
        check_range("trigger_efficiency", self.trigger_efficiency, 0.0, 1.0)
        check_range("mass_window_sigma", self.mass_window_sigma, 0.0, 100.0)
        check_choice("brems_form_factor", self.brems_form_factor, ("auto", "none", "timelike"))
        check_choice("vector_mixing", self.vector_mixing, ("auto", "on", "off"))
        from .eta_ratio import ETA_RATIOS     # deferred: eta_ratio imports nuclear, which imports this module

        check_choice("eta_ratio", self.eta_ratio, ETA_RATIOS)
        self._check_channel_efficiency()

    def _check_channel_efficiency(self) -> None:
        from .detection import CHANNELS     # deferred: detection imports this module

        pairs = tuple(tuple(p) for p in (self.channel_efficiency.items() if isinstance(self.channel_efficiency, dict)
                                         else self.channel_efficiency))
        for pair in pairs:
            if len(pair) != 2:
                raise InputError("channel_efficiency", f"expected (channel, efficiency) pairs, got {pair!r}")
            check_choice("channel_efficiency", str(pair[0]), CHANNELS)
            try:
                value = float(pair[1])
            except (TypeError, ValueError):
                value = float("nan")
            if not 0.0 <= value <= 1.0:         # False for NaN: the message names the allowed range
                raise InputError("channel_efficiency", f"{pair[0]}: must be a finite number in [0, 1], got {pair[1]!r}")
        object.__setattr__(self, "channel_efficiency", tuple((str(c), float(v)) for c, v in pairs))

    def resolved(self, channels) -> "BeamDumpSetup":
        """Copy with ``brems_form_factor="auto"`` replaced by the choice for ``channels`` (see above).

        >>> BeamDumpSetup().resolved(["ee", "mumu"]).brems_form_factor
        'none'
        >>> BeamDumpSetup().resolved(["mumu", "pipi"]).brems_form_factor
        'timelike'
        """
        leptonic = set(channels) <= {"ee", "mumu"}
        out = self
        if out.brems_form_factor == "auto":
            out = replace(out, brems_form_factor="none" if leptonic else "timelike")
        if out.vector_mixing == "auto":
            out = replace(out, vector_mixing="off" if leptonic else "on")
        return out

    @property
    def eta_spectrum(self) -> str:
        """What the ``eta_ratio`` choice is, in words (for summary.json and the budget)."""
        from .eta_ratio import ETA_SPECTRA

        return ETA_SPECTRA[self.eta_ratio]

    def with_(self, **changes) -> "BeamDumpSetup":
        """Copy with some fields changed (validated)."""
        return replace(self, **changes)
