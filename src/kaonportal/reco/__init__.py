"""Reconstruction: smeared beam/track measurements, vertex (closest approach), missing mass."""

from .missing_mass import four_momentum, m2miss
from .vertex import closest_approach

__all__ = ["closest_approach", "m2miss", "four_momentum"]
