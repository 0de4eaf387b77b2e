"""Detector-card geometry: the NA62 layout (GTK, CHANTI, LAV, STRAW, magnets, RICH/CHOD rings, LKr, MUV, SAC, the
off-axis MUV0 and HASC), validated on load. Units: metres, GeV/c. Part of :mod:`.card` (which re-exports it);
each card YAML line cites its source and status.
"""

from __future__ import annotations

__all__ = ["GtkStation", "Chanti", "LavStation", "StrawChamber", "Magnet", "Ring", "Octagon", "Square",
           "OffAxisBox", "Geometry"]

from pydantic import Field, model_validator

from .card_base import _f, _Model


# ----------------------------------------------------------------------------------------- geometry
class GtkStation(_Model):
    name: str
    z: float = _f(ge=0, le=300, unit="m")
    half_x: float = _f(gt=0, le=1, unit="m")
    half_y: float = _f(gt=0, le=1, unit="m")


class Chanti(_Model):
    z_front: float = _f(ge=0, le=300, unit="m")
    z_back: float = _f(ge=0, le=300, unit="m")
    hole_half_x: float = _f(gt=0, le=1, unit="m")
    hole_half_y: float = _f(gt=0, le=1, unit="m")
    half_size: float = _f(gt=0, le=2, unit="m")


class LavStation(_Model):
    name: str
    z_front: float = _f(ge=0, le=300, unit="m")
    z_back: float = _f(ge=0, le=300, unit="m")
    r_inner: float = _f(gt=0, le=5, unit="m")
    r_outer: float = _f(gt=0, le=5, unit="m")

    @model_validator(mode="after")
    def _check(self):
        if not (self.z_front < self.z_back and self.r_inner < self.r_outer):
            raise ValueError("need z_front < z_back and r_inner < r_outer")
        return self


class StrawChamber(_Model):
    name: str
    z: float = _f(ge=0, le=300, unit="m")
    r_max: float = _f(gt=0, le=5, unit="m", doc="outer acceptance radius")
    hole_half: float = _f(ge=0, le=1, unit="m", doc="half-size of the square beam hole")
    hole_x: float = _f(ge=-1, le=1, unit="m", doc="x of the beam-hole centre")


class Magnet(_Model):
    z: float = _f(ge=0, le=300, unit="m", doc="centre (thin-lens kick plane)")
    length: float = _f(gt=0, le=10, unit="m")
    pt_kick: float = _f(ge=-5, le=5, unit="GeV/c", doc="horizontal pT kick for charge +1 (x direction)")


class Ring(_Model):
    """Annular acceptance r_min < R < r_max around (x_center, 0) at plane z."""
    z: float = _f(ge=0, le=300, unit="m")
    r_min: float = _f(ge=0, le=5, unit="m")
    r_max: float = _f(gt=0, le=5, unit="m")
    x_center: float = _f(ge=-1, le=1, unit="m")


class Octagon(_Model):
    """LKr front face: regular octagon (apothem) with a circular central hole. ``r_hole`` is the inner edge
    of the track acceptance; ``r_hole_photon`` that of photon detection for the veto (None: ``r_hole``)."""
    z: float = _f(ge=0, le=300, unit="m")
    r_hole: float = _f(ge=0, le=1, unit="m")
    apothem: float = _f(gt=0, le=5, unit="m")
    r_hole_photon: float | None = _f(default=None, ge=0, le=1, unit="m")


class Square(_Model):
    """Square |x|,|y| < half_side outside a central hole R > r_min."""
    z: float = _f(ge=0, le=300, unit="m")
    r_min: float = _f(ge=0, le=1, unit="m")
    half_side: float = _f(gt=0, le=5, unit="m")


class OffAxisBox(_Model):
    """Rectangle x_min < x < x_max, |y| < half_y at plane z (off-axis vetoes MUV0, HASC)."""
    z: float = _f(ge=0, le=300, unit="m")
    x_min: float = _f(ge=-5, le=5, unit="m")
    x_max: float = _f(ge=-5, le=5, unit="m")
    half_y: float = _f(gt=0, le=5, unit="m")


def _muv0() -> OffAxisBox:
    # [GA; BEATCH] V: z = 237.358 m, 1545 < x < 2945 mm; height not found: square, |y| < 0.7 m (D)
    return OffAxisBox(z=237.358, x_min=1.545, x_max=2.945, half_y=0.7)


def _hasc() -> OffAxisBox:
    # [BEATCH; MCgeo:HAC] V: front 253.35 m, 3x3 modules at -480 < x < -180 mm; |y| < 0.15 m from square modules (D)
    return OffAxisBox(z=253.35, x_min=-0.480, x_max=-0.180, half_y=0.15)


def _beam_dipole() -> "Magnet":
    # [BEATCH; MCgeo:HAC] V: 248.2-250.2 m, pT -990 MeV/c for charge +1 (sweeps the charged beam off the SAC)
    return Magnet(z=249.2, length=2.0, pt_kick=-0.990)


class Geometry(_Model):
    """Positions and apertures ([GA; BEATCH; MCgeo])."""
    gtk: list[GtkStation] = Field(..., min_length=1)
    chanti: Chanti
    lav: list[LavStation] = Field(..., min_length=1)
    straw: list[StrawChamber] = Field(..., min_length=1)
    mnp33: Magnet
    rich: Ring
    newchod: Ring
    chod: Ring
    irc: Ring
    lkr: Octagon
    muv1: Square
    muv2: Square
    muv3: Square
    sac: Square
    muv0: OffAxisBox = Field(default_factory=_muv0, description="off-axis MUV0 (optional; default the V values)")
    hasc: OffAxisBox = Field(default_factory=_hasc, description="HASC behind the beam dipole (optional)")
    beam_dipole: Magnet = Field(default_factory=_beam_dipole, description="beam-deflecting dipole before the SAC (optional)")

    @model_validator(mode="after")
    def _order(self):
        zs = [s.z for s in self.straw]
        if zs != sorted(zs):
            raise ValueError("straw chambers must be ordered in z")
        if not (zs[0] < self.mnp33.z < zs[-1]):
            raise ValueError("mnp33.z must lie between the first and last straw chamber")
        lz = [s.z_front for s in self.lav]
        if lz != sorted(lz):
            raise ValueError("lav stations must be ordered in z")
        return self
