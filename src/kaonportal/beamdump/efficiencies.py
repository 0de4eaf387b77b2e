"""Per-channel trigger and selection efficiencies that the detector simulation does not contain (trigger, particle
identification, timing, track quality): the A_trig-like factors of N = N_POT chi P_decay BR A_acc A_trig.

Sources and status of every factor are in ``data/beamdump/selection_efficiencies.yaml`` (NA62's published numbers
where they were found; a null value is a gap, counted as 1 and named on every ``--explain`` budget). A user who
knows an efficiency sets it per channel, ``BeamDumpSetup(channel_efficiency=(("ee", 0.6),))`` or
``kaonportal beamdump --channel-efficiency ee=0.6``: it replaces the product of the shipped factors of that channel.
The global ``trigger_efficiency`` of the setup multiplies every channel on top (unchanged meaning).

Why ee is further from NA62 than mu mu (issue 14; measured at m = 0.3 GeV, eps = 4e-7, the lower edge, 2e4 X per
mechanism): kaonportal's ee acceptance is already 0.60 (eta -> gamma A') and 0.70 (bremsstrahlung) of the mu mu
one, from kinematics: the massless electrons take p* = 0.150 GeV/c in the A' frame against 0.106 GeV/c for the
muons, so the pair opens wider and leaves the spectrometer and calorimeter apertures more often. Not the cause,
measured (each moves A_acc(ee)/A_acc(mumu) by < 2 %): the identification detector (electrons in the LKr, muons
in MUV3: swapped, the ratio moves by 1-2 %), the invariant-mass window, the CDA_TAX / Z_TAX pointing cuts and
p_track_min. With BR(A' -> ee)/BR(A' -> mumu) = 1.13, N_ee/N_mumu = 0.73 there, and the ee lower edge lies 5-10 % above the mu
mu one at 0.25-0.5 GeV (each channel alone with NA62's 2021 counts, 36x100 grid 0.2-0.55 GeV, 1e4 X, seed 1). NA62's published ee edge lies further above its mu mu one:
issue 14 recorded kaonportal / published lower-edge ratios of 0.48-0.58 for ee against 0.60-0.68 for mu mu (before
the fixes of :mod:`kaonportal.beamdump`; no ee contour ships with kaonportal, so the ee ratio is not re-measured,
:mod:`.disagreements`). With N ~ eps^4 at the lower edge, (r_ee / r_mumu)^4 = 0.83^4 (0.71-0.97 over the recorded
ranges) means NA62's ee selection behaves as if its efficiency relative to mu mu were ~0.5 (0.25-0.9) of
kaonportal's. That is the size
of the ee-specific factors NA62 applies and kaonportal does not model, the gaps of the ee entry: electron
identification (LKr E/p) of both tracks, the separation of the two electron showers in the LKr, electron
bremsstrahlung in the spectrometer material (momentum tails out of the mass window) and the e+e- trigger
conditions. None has a published number in the material available, so each stays 1 (stated, not tuned).
The bremsstrahlung one is small, estimated here (not applied): an electron that radiates a fraction y > y0 of its
momentum in STRAW1-2 (t = 2 x 0.0045 X0, upstream of MNP33, :class:`kaonportal.detector.conversions.ConversionModel`)
is measured low; with the 3 sigma_m windows of kaonportal's ee sample (half-widths 8.3, 9.3, 11.2 MeV at 0.25, 0.35,
0.5 GeV, i.e. 2.2-3.3 % of m) and m ~ sqrt(p1 p2), y0 = 2 x that = 4.4-6.7 %. The thin-target photon spectrum
dN/dy = (t/y)(4/3 - 4/3 y + y^2) (complete screening; [PDG] RPP "Passage of particles through matter") gives
t [4/3 ln(1/y0) - 4/3 (1 - y0) + (1 - y0^2)/2] = 0.026-0.031 per electron, 5-6 % of the pairs: the ee lower edge
would move by x1.013-1.015 (N ~ eps^4), far from the ~x1.2 (0.83^-1) the ee/mumu comparison above asks for.

>>> channel_efficiency("ee", BeamDumpSetup())                      # every shipped ee factor is a gap
1.0
>>> channel_efficiency("ee", BeamDumpSetup(channel_efficiency=(("ee", 0.6),)))
0.6
>>> [g["factor"] for g in efficiency_factors("mumu")["gaps"]]
['trigger', 'particle_id', 'selection']
"""

from __future__ import annotations

__all__ = ["EFFICIENCY_PATH", "efficiency_table", "efficiency_factors", "channel_efficiency",
           "parse_channel_efficiency"]

from functools import lru_cache
from pathlib import Path

from ..errors import InputError
from ..yamlio import read_yaml
from .detection import CHANNELS
from .setup import BeamDumpSetup

EFFICIENCY_PATH = Path(__file__).resolve().parent.parent / "data" / "beamdump" / "selection_efficiencies.yaml"
_LEPTONIC = ("ee", "mumu")


@lru_cache(maxsize=1)
def efficiency_table() -> dict:
    """The shipped efficiency file (cached)."""
    return read_yaml(EFFICIENCY_PATH, "selection_efficiencies")


def efficiency_factors(channel: str) -> dict:
    """{"value": product of the shipped non-null factors, "factors": {name: entry}, "gaps": [entries with null]}
    for a dump channel; hadronic channels share the "hadronic" entry, channels without an entry have none."""
    table = efficiency_table()["channels"]
    key = channel if channel in _LEPTONIC else ("hadronic" if channel in CHANNELS and channel not in
                                                 ("gg", "pie", "pimu") else None)
    factors = dict(table.get(key) or {}) if key else {}
    value, gaps = 1.0, []
    for name, entry in factors.items():
        if entry.get("value") is None:
            gaps.append({"factor": name, "status": entry.get("status"), "source": entry.get("source"),
                         "note": entry.get("note", "")})
        else:
            value *= float(entry["value"])
    return {"value": value, "factors": factors, "gaps": gaps}


def channel_efficiency(channel: str, setup: BeamDumpSetup) -> float:
    """Efficiency applied to ``channel``: the setup's per-channel override, else the shipped product."""
    override = dict(setup.channel_efficiency)
    if channel in override:
        return float(override[channel])
    return float(efficiency_factors(channel)["value"])


def parse_channel_efficiency(text: str | None) -> tuple:
    """``"ee=0.6,mumu=0.9"`` -> (("ee", 0.6), ("mumu", 0.9)); channel names from :data:`.detection.CHANNELS`,
    values in [0, 1], else InputError naming ``channel_efficiency``."""
    if not text:
        return ()
    out = []
    for item in str(text).split(","):
        name, sep, val = item.partition("=")
        try:
            v = float(val)
        except ValueError:
            v = None
        if not sep or v is None:
            raise InputError("channel_efficiency", f"expected CHANNEL=VALUE[,CHANNEL=VALUE...], got {text!r}")
        out.append((name.strip(), v))
    return BeamDumpSetup(channel_efficiency=tuple(out)).channel_efficiency
