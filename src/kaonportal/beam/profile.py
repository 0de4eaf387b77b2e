"""Beam particles at GTK3 and their decay vertices in a z window.

The beam (K+, pi+ or p) is defined at the GTK3 plane ``card.beam.z_gtk3``: Gaussian momentum
(``momentum`` x (1 + ``momentum_spread`` g)), Gaussian slopes around (``dxdz``, ``dydz``) with rms
``divergence_x/y`` and a Gaussian spot ([JINST17; CEDARH; FW BeamParameters.cc]). Particles fly straight from
GTK3 (no magnet in the decay region).

Decay vertex: the flight length s from GTK3 is exponential with mean lambda = (p/m) c tau
(kaonportal.kinematics.decay_length_m); with the slope factor k = sqrt(1 + dxdz^2 + dydz^2),
s = k (z - z_gtk3). The vertex is drawn from the exponential truncated to [z1, z2] by inverting its
CDF, and the event carries the exact probability to decay in the window,
P = exp(-s1/lambda) - exp(-s2/lambda) (kaonportal.kinematics.decay_probability;
derived, D, with the PDG K+ lifetime [PDG]), so that sum(weights x P)/n normalises to beam particles.

>>> from kaonportal.detector import load_card
>>> round(decay_fraction("K+", load_card("na62-2018"), (105.0, 165.0)), 4)
0.1005
"""

from __future__ import annotations

__all__ = ["BeamSample", "BEAM_SPECIES", "sample_beam", "sample_decay_vertex", "decay_fraction",
           "beam_normals"]

from dataclasses import dataclass

import numpy as np

from .. import constants
from ..detector.card import Card
from ..errors import InputError, check_choice
from ..kinematics import decay_length_m, decay_probability

#: beam species understood by the generator
BEAM_SPECIES = ("K+", "pi+", "p")


@dataclass
class BeamSample:
    """Beam particles at GTK3: momentum (GeV/c), position (m) and slopes."""
    p: np.ndarray
    x: np.ndarray
    y: np.ndarray
    dxdz: np.ndarray
    dydz: np.ndarray

    def p3(self) -> np.ndarray:
        """(n, 3) momentum vectors in GeV/c."""
        pz = self.p / np.sqrt(1.0 + self.dxdz ** 2 + self.dydz ** 2)
        return np.stack([pz * self.dxdz, pz * self.dydz, pz], axis=-1)


def beam_normals(n: int, rng: np.random.Generator) -> np.ndarray:
    """The (5, n) standard normals a beam sample consumes (momentum, x, y, dxdz, dydz)."""
    return rng.standard_normal((5, n))


def sample_beam(n: int, rng: np.random.Generator, card: Card) -> BeamSample:
    """Draw ``n`` beam particles at GTK3 from the card's beam parameters."""
    b = card.beam
    g = beam_normals(n, rng)
    return BeamSample(p=b.momentum * (1.0 + b.momentum_spread * g[0]),
                      x=b.x0 + b.spot_x * g[1], y=b.y0 + b.spot_y * g[2],
                      dxdz=b.dxdz + b.divergence_x * g[3], dydz=b.dydz + b.divergence_y * g[4])


def _species_data(species: str) -> tuple[float, float]:
    check_choice("beam species", species, BEAM_SPECIES)
    return constants.mass(species), constants.ctau_m(species)


def check_z_range(z_range, card: Card) -> tuple[float, float]:
    """Validate a decay window: z_gtk3 <= z1 < z2 <= LKr front (metres)."""
    try:
        z1, z2 = (float(v) for v in z_range)
    except (TypeError, ValueError):
        raise InputError("z_range", f"must be two numbers (z1, z2) in metres, got {z_range!r}") from None
    lo, hi = card.beam.z_gtk3, card.geometry.lkr.z
    if not (np.isfinite(z1) and np.isfinite(z2) and lo <= z1 < z2 <= hi):
        raise InputError("z_range", f"need {lo:g} <= z1 < z2 <= {hi:g} m (GTK3 to LKr), got ({z1:g}, {z2:g})")
    return z1, z2


def sample_decay_vertex(beam: BeamSample, u: np.ndarray, species: str, z_range, card: Card
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Decay z (m) from the exponential truncated to ``z_range``, and the exact window probability.

    ``u``: uniform [0, 1) numbers, one per particle. Stable species (protons) get probability 0 and
    a z uniform in the window (so that the event still has a vertex, with zero normalisation weight).
    Inversion: s = s1 - lambda log(1 - u (1 - exp(-(s2 - s1)/lambda))), written with log1p/expm1.
    """
    m, ctau = _species_data(species)
    z1, z2 = check_z_range(z_range, card)
    k = np.sqrt(1.0 + beam.dxdz ** 2 + beam.dydz ** 2)
    s1 = k * (z1 - card.beam.z_gtk3)
    s2 = k * (z2 - card.beam.z_gtk3)
    if not np.isfinite(ctau):
        return z1 + u * (z2 - z1), np.zeros_like(u)
    lam = decay_length_m(beam.p, m, ctau)
    frac = -np.expm1(-(s2 - s1) / lam)
    s = s1 - lam * np.log1p(-u * frac)
    prob = decay_probability(beam.p, m, ctau, s1, s2)
    return card.beam.z_gtk3 + s / k, prob


def decay_fraction(species: str, card: Card, z_range=None, n_nodes: int = 48) -> float:
    """Probability that a beam particle of ``species`` at GTK3 decays inside ``z_range``, averaged over
    the Gaussian momentum spread (Gauss-Hermite quadrature; slopes at their mean value)."""
    m, ctau = _species_data(species)
    z1, z2 = check_z_range(card.beam.z_range_default if z_range is None else z_range, card)
    if not np.isfinite(ctau):
        return 0.0
    b = card.beam
    k = np.sqrt(1.0 + b.dxdz ** 2 + b.dydz ** 2)
    x, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    p = b.momentum * (1.0 + b.momentum_spread * x)
    p = np.where(p > 0, p, np.nan)
    pr = decay_probability(p, m, ctau, k * (z1 - b.z_gtk3), k * (z2 - b.z_gtk3))
    return float(np.nansum(w * pr) / np.sum(w[np.isfinite(p)]))
