"""Accidental beam-track association: the GTK track paired with the downstream track is not the decaying kaon.

At NA62 rates several beam particles cross the GTK within the matching time window; the K-track matching
picks the wrong one with probability p_mis ("mismatch"). The 2017 MVA matching tool quotes a mismatch
of ~1.3 % (and a no-match of ~19 %) ([FW SpectrometerGigaTrackerMVAMatchingTool.cc], "K-pi matching (2017 MVA tool)",
[FW] NA62Analysis/ToolsLib/src/SpectrometerGigaTrackerMVAMatchingTool.cc, status V), at the 2017 intensity.

Model (D, written here): with probability p_mis the event's beam track is replaced by an independent beam
particle drawn from the card's beam profile at GTK3 (:func:`kaonportal.beam.sample_beam`: momentum, spot,
slopes; the species does not matter, all beam particles share the beam line's phase space, and m2miss is
computed under the kaon mass hypothesis as in the analysis) and smeared with the card's GTK resolution
(``resolution.gtk_p_rel``, ``gtk_angle``, ``gtk_position``, as :func:`kaonportal.simulation.kernels.reconstruct_kernel`
does for the true kaon). The downstream track keeps its reconstructed momentum and slopes; its line passes
through its position at STRAW1 (``track_x/y_straw1``, smeared with ``resolution.straw_position``). Then
m2miss (:func:`kaonportal.reco.m2miss`) and the closest approach (:func:`kaonportal.reco.closest_approach`:
vertex and CDA) are recomputed, so that the selection's beam-momentum/slope, CDA and fiducial-z cuts act on
the accidental pairing. The event weight is multiplied by p_mis by the caller.

Rate scaling (D): the probability that a second beam particle falls in the matching window is proportional to
the beam rate for small p_mis, so p_mis(R) = p_ref R / R_ref with p_ref = 1.3 % at R_ref = 450 MHz (the
2016-18 typical rate, ``kaonportal.analyses.pnn_budget.upstream.RATE_REF_MHZ``, V; the 2017 tool was tuned
on 2017 data, D): see
:func:`mismatch_probability`.

Intensity (:func:`mismatch_at_intensity`, D): at ``intensity_scale`` X (the beam and halo rates times X,
``kaonportal run --intensity-scale``) p_mis moves with the pile-up model of
:mod:`kaonportal.simulation.pileup`: accidental GTK tracks arrive as a Poisson process, so the probability that
at least one of them is matched better than the kaon's own track is 1 - exp(-lambda X) with
exp(-lambda) = 1 - m(1), m(1) the model's ``kpi_mismatch`` at the nominal rate (the mean over K+ -> pi+ nu nubar
tracks; exact for a common lambda, the spread of lambda over tracks changes it at O(m^2) = 0.1%). The model's
absolute m(1) (~3% for the 2021-22 card) is not used: the default p_mis at the nominal rate stays the 2017
tool's rate-scaled value above (the published-agreeing HNL numbers do not move at 1x); only the ratio
(1 - (1 - m(1))^X) / m(1) applies.

Approximations: the original (correctly matched) events keep their full weight (the O(p_mis) = 1 % loss
cancels between the signal, the background and the K+ -> l+ nu normalisation); the GTK reconstruction is the
same Gaussian response for the accidental track (no mis-reconstructed GTK tracks, no pile-up hits); the time
of the accidental is not used (the analysis' timing cuts are inside p_mis).

>>> from kaonportal.detector import load_card
>>> round(mismatch_probability(load_card("na62-2018")), 4), round(mismatch_probability(load_card("na62-2022")), 4)
(0.013, 0.0173)
>>> ev = {"p_track": np.array([30.0, 20.0]), "track_dxdz": np.array([0.004, -0.002]),
...       "track_dydz": np.array([0.001, 0.003]), "track_x_straw1": np.array([0.20, -0.05]),
...       "track_y_straw1": np.array([0.05, 0.25])}
>>> out = accidental_pairing(ev, load_card("na62-2018"), seed=1)
>>> sorted(out)[:4], out["cda"].shape
(['beam_dxdz', 'beam_dydz', 'cda', 'm2miss_e'], (2,))
"""

from __future__ import annotations

__all__ = ["MISMATCH_REF", "RATE_REF_MHZ", "mismatch_probability", "mismatch_at_intensity", "accidental_pairing",
           "ACCIDENTAL_COLUMNS"]

import math
from pathlib import Path

import numpy as np

from ..backend import derive_seed
from ..beam import sample_beam
from ..constants import mass as pmass
from ..errors import InputError
from .missing_mass import m2miss
from .vertex import closest_approach

MISMATCH_REF = 0.013
"""K-track mismatch probability of the 2017 MVA matching tool ([FW]
SpectrometerGigaTrackerMVAMatchingTool.cc, status V)."""

# Beam rate at which MISMATCH_REF applies: the typical 2016-18 beam-particle rate at GTK3, 450 MHz
# ([RICH20] "Beam rate, typical 2016-2018", V; = na62-2018 card run_conditions.beam_rate_mhz),
# taken for the 2017 tool (D). The same number with the same meaning (the reference rate of a probability
# that scales linearly with the beam rate) is the pnn budget's upstream-background reference: one constant,
# RATE_REF_MHZ of kaonportal.analyses.pnn_budget.upstream, re-exported here through a module __getattr__ (reco
# must not import the analyses package at import time: it would import the whole analyses layer).


def __getattr__(name):
    if name == "RATE_REF_MHZ":
        from ..analyses.pnn_budget.upstream import RATE_REF_MHZ
        return RATE_REF_MHZ
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: columns an accidental pairing replaces (inputs: p_track, track_dxdz/dydz, track_x/y_straw1)
ACCIDENTAL_COLUMNS = ("p_beam", "beam_dxdz", "beam_dydz", "vertex_x", "vertex_y", "vertex_z", "cda",
                      "m2miss_pi", "m2miss_mu", "m2miss_e")


def _card(card):
    from ..detector import load_card
    return load_card(card) if isinstance(card, (str, Path)) else card


def mismatch_probability(card, p_ref: float = MISMATCH_REF, rate_ref_mhz: float | None = None) -> float:
    """p_mis at the card's beam rate: p_ref x R / R_ref (linear in the rate, D; module docstring), capped at 1.
    ``rate_ref_mhz`` None: :data:`RATE_REF_MHZ`."""
    if rate_ref_mhz is None:
        from ..analyses.pnn_budget.upstream import RATE_REF_MHZ
        rate_ref_mhz = RATE_REF_MHZ
    if not 0.0 <= float(p_ref) <= 1.0:
        raise InputError("p_ref", f"must be a probability in [0, 1], got {p_ref!r}")
    if not float(rate_ref_mhz) > 0:
        raise InputError("rate_ref_mhz", f"must be > 0 MHz, got {rate_ref_mhz!r}")
    c = _card(card)
    return min(1.0, float(p_ref) * c.run_conditions.beam_rate_mhz / float(rate_ref_mhz))


def mismatch_at_intensity(p_nominal: float, card, intensity_scale: float, seed: int = 1,
                          n_tracks: int = 20_000) -> float:
    """p_mis at ``intensity_scale`` X from its value ``p_nominal`` at the card's nominal rate: p_nominal x
    (1 - (1 - m1)^X) / m1, m1 the pile-up model's K-pi mismatch at the nominal rate (module docstring,
    "Intensity"); X = 1 returns ``p_nominal`` without running the model. Capped at 1."""
    x = float(intensity_scale)
    if not (math.isfinite(x) and x > 0):
        raise InputError("intensity_scale", f"must be a finite number > 0, got {intensity_scale!r}")
    if x == 1.0 or p_nominal == 0.0:
        return float(p_nominal)
    from ..analyses.intensity import predict       # lazily: reco must not import the analyses layer
    m1 = predict(_card(card), (1.0,), seed=seed, n_tracks=n_tracks)[0].kpi_mismatch
    ratio = (1.0 - (1.0 - m1) ** x) / m1 if m1 > 0 else x
    return min(1.0, float(p_nominal) * ratio)


def accidental_pairing(events: dict, card, seed: int) -> dict[str, np.ndarray]:
    """The columns of :data:`ACCIDENTAL_COLUMNS` recomputed with an accidental beam track for every event.

    ``events``: ``p_track``, ``track_dxdz``, ``track_dydz``, ``track_x_straw1``, ``track_y_straw1``
    (GeV/c, slopes, metres; NaN where no track: the outputs are NaN there). The accidental beam particles
    come from a generator seeded with ``derive_seed(seed, "accidental beam")`` (reproducible, independent of
    the event sample's own streams). Units: GeV/c, metres, GeV^2/c^4.
    """
    c = _card(card)
    p_t = np.asarray(events["p_track"], float)
    n = p_t.size
    rng = np.random.default_rng(derive_seed(seed, "accidental beam"))
    beam = sample_beam(n, rng, c)
    r = c.resolution
    g = rng.standard_normal((7, n))
    pb = beam.p * (1.0 + r.gtk_p_rel * g[0])
    btx = beam.dxdz + r.gtk_angle * g[1]
    bty = beam.dydz + r.gtk_angle * g[2]
    bx = beam.x + r.gtk_position * g[3]
    by = beam.y + r.gtk_position * g[4]
    ttx, tty = np.asarray(events["track_dxdz"], float), np.asarray(events["track_dydz"], float)
    tx1 = np.asarray(events["track_x_straw1"], float) + r.straw_position * g[5]
    ty1 = np.asarray(events["track_y_straw1"], float) + r.straw_position * g[6]
    v, cda = closest_approach(bx, by, c.beam.z_gtk3, btx, bty, tx1, ty1, c.geometry.straw[0].z, ttx, tty)
    mk = pmass("K+")
    out = {"p_beam": pb, "beam_dxdz": btx, "beam_dydz": bty, "vertex_x": v[:, 0], "vertex_y": v[:, 1],
           "vertex_z": v[:, 2], "cda": cda}
    for col, lep in (("m2miss_pi", "pi+"), ("m2miss_mu", "mu+"), ("m2miss_e", "e+")):
        out[col] = m2miss(pb, btx, bty, mk, p_t, ttx, tty, pmass(lep))
    return out
