"""Photon conversions upstream of the spectrometer magnet: a photon that converts in STRAW1/STRAW2 becomes an
e+ e- pair that MNP33 splits, so the LKr sees two clusters, one, or none, each with only part of the energy.

Why it matters for pi0 -> gamma A' (:mod:`kaonportal.analyses.searches.pi0_gamma_x`): in K+ -> pi+ pi0,
pi0 -> gamma gamma with one photon lost, a seen "photon" whose measured energy is (1 + eps) times the true one,
along the true direction, gives

    m_miss^2 = (k1 + k2 - (1 + eps) k1)^2 = (k2 - eps k1)^2 = -2 eps k1.k2 = -eps m_pi0^2     (k1^2 = k2^2 = 0,
                                                                                                2 k1.k2 = m_pi0^2)

(derived here; :func:`missing_mass2`), so a cluster carrying a fraction x = 1 + eps of the photon energy lands at
m_miss = m_pi0 sqrt(1 - x): x = 0.56 gives 90 MeV. A converted photon whose softer lepton is swept out of the LKr
by the magnet kick leaves exactly such a cluster (plus a displacement of the cluster along x, also in the
reconstruction).

Model (arrays in, arrays out; the caller draws the random numbers):

* Material: each STRAW chamber upstream of MNP33 (card geometry: z < MNP33 front) is a thin layer of
  ``straw_chamber_x0`` radiation lengths, crossed by photons inside R < r_max and outside the square beam hole
  (card). Conversion probability per layer 1 - exp(-7/9 t), t = x/X0 (PDG RPP "Passage of particles through
  matter", high-energy pair-production cross section sigma = 7/9 A / (X0 N_A), complete screening), in z order.
  Downstream of the magnet (STRAW3/4, RICH) the pair is not split and reaches the LKr together: those
  conversions are not modelled (one cluster with the full energy up to pre-shower losses, neglected).
* Energy sharing: the e+ takes x of the photon energy with dsigma/dx ~ 1 - 4/3 x (1 - x) (same PDG section,
  complete screening; :func:`sample_pair_fraction`). Opening angle (~m_e/E) and multiple scattering in the
  chamber (~0.1 mrad at 10 GeV) are neglected against the magnet deflection (27 mrad at 10 GeV).
* Leptons: massless, along the photon direction from the conversion point (chamber centre), through the detector
  by the rules of every charged particle outside the spectrometer (:mod:`kaonportal.detector.charged_veto`, the
  engine's and the pile-up model's): thin-lens MNP33 kick, the LAV stations (entered through the front face or
  the inner radius within the station, as photons), the IRC ring, the LKr octagon (photon edge
  ``r_hole_photon``), MUV0, the beam dipole, then HASC or SAC. Showers of e+- in LAV / IRC / LKr / SAC are treated
  as photon showers of the same energy (the caller uses the card's photon-veto tables, D); a MUV0 or HASC hit, or a
  track segment in >= 2 STRAW chambers downstream of the conversion (the charged-veto rule), rejects the event.
* Tracks: a lepton crossing at least ``track_min_chambers`` STRAW chambers downstream of its conversion chamber
  inside their acceptance makes a reconstructible extra track (the event is rejected by the single-track tag);
  a STRAW2 conversion therefore never makes a track with the default 3 (R, see :class:`ConversionModel`), but
  may leave a segment.

>>> float(conversion_probability(9.0 / 7.0))        # t = 9/7 X0: 1 - 1/e
0.6321205588285577
>>> round(float(sample_pair_fraction(np.array([0.5]))[0]), 12)   # symmetric spectrum: median 1/2
0.5
"""

from __future__ import annotations

__all__ = ["ConversionModel", "conversion_probability", "pair_fraction_cdf", "sample_pair_fraction",
           "upstream_conversions", "propagate_pair_lepton", "missing_mass2"]

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, check_range
from .charged_veto import HASC, MUV0, STRAW_SEGMENT, charged_veto_hits, straw_chambers_crossed
from .propagation import DETECTOR_CODES, ChargedTrack, propagate_charged


@dataclass(frozen=True)
class ConversionModel:
    """Named, overridable parameters of the conversion model (status letters V/S/R/D/U as in the detector cards).

    ``straw_chamber_x0`` (D, cross-checked R): material of one STRAW chamber in radiation lengths. Derived from the
    straw geometry (recalled, JINST 12 (2017) P05025 STRAW section, not re-read: 4 views x 4 staggered layers,
    9.8 mm diameter straws of 36 um PET at 17.6 mm pitch): a photon crosses ~2.2 straws per view, each
    with a mean wall path pi x 36 um (two walls, chord averaged over the impact parameter), i.e.
    16 x 0.55 x pi x 36 um ~ 1.0 mm PET / X0(PET) = 28.5 cm (PDG) = 0.35 %, plus the Ar/CO2 gas (~7 cm of
    X0 ~ 110 m: 0.06 %) and the Cu/Au coating and wires (~0.03 %): ~0.45 %. The paper quotes ~0.5 % X0 per
    chamber (recalled, R).
    ``track_min_chambers`` (R): chambers a track needs to be reconstructed (NA62 spectrometer reconstruction
    accepts 3- and 4-chamber tracks; recalled). The conversion chamber itself is not counted.
    ``lepton_cluster_inefficiency`` (U): probability that the one LKr cluster of the one-photon selection, when
    made by a conversion lepton, is NOT recognised as charged (e.g. by STRAW hits or a CHOD/NewCHOD hit in
    front of it). 1 = no such rejection: the one-photon selection of JHEP 05 (2019) 182 was not readable here
    (the pnn multiplicity cuts, [FW] MultiplicitySelection.cc, may reject part of these events: then this
    background is an upper estimate). Not fitted.
    """

    straw_chamber_x0: float = 0.0045
    track_min_chambers: int = 3
    lepton_cluster_inefficiency: float = 1.0

    def __post_init__(self):
        check_range("straw_chamber_x0", self.straw_chamber_x0, 0.0, 0.5)
        check_range("track_min_chambers", self.track_min_chambers, 1, 4)
        check_range("lepton_cluster_inefficiency", self.lepton_cluster_inefficiency, 0.0, 1.0)


def conversion_probability(t_x0) -> np.ndarray:
    """Probability that a high-energy photon converts in a layer of ``t_x0`` radiation lengths:
    1 - exp(-7/9 t) (PDG RPP, "Passage of particles through matter", pair-production cross section 7/9 A/(X0 N_A)).

    >>> round(float(conversion_probability(0.0045)), 6)
    0.003494
    """
    t = np.asarray(t_x0, float)
    if np.any(t < 0) or not np.all(np.isfinite(t)):
        raise InputError("t_x0", "thickness in radiation lengths must be finite and >= 0")
    return -np.expm1(-7.0 / 9.0 * t)


def pair_fraction_cdf(x) -> np.ndarray:
    """CDF of the e+ energy fraction x for pair production with complete screening, density
    (9/7) (1 - 4/3 x (1 - x)) on [0, 1] (PDG RPP, "Passage of particles through matter", dsigma/dx):
    F(x) = (9/7) (x - 2/3 x^2 + 4/9 x^3).

    >>> float(pair_fraction_cdf(1.0))
    1.0
    """
    x = np.clip(np.asarray(x, float), 0.0, 1.0)
    return 9.0 / 7.0 * (x - 2.0 / 3.0 * x * x + 4.0 / 9.0 * x ** 3)


def sample_pair_fraction(u) -> np.ndarray:
    """Inverse of :func:`pair_fraction_cdf` for uniform ``u`` in [0, 1] (Newton; the density is within [6/7, 9/7],
    so 8 iterations from x = u reach machine precision)."""
    u = np.asarray(u, float)
    x = u.copy()
    for _ in range(8):
        dens = 9.0 / 7.0 * (1.0 - 4.0 / 3.0 * x * (1.0 - x))
        x = np.clip(x - (pair_fraction_cdf(x) - u) / dens, 0.0, 1.0)
    return x


def _upstream_chambers(card):
    g = card.geometry
    front = g.mnp33.z - 0.5 * g.mnp33.length
    return [s for s in sorted(g.straw, key=lambda s: s.z) if s.z < front]


def upstream_conversions(vtx, p3, hits, card, model: ConversionModel, u_where, u_share) -> dict:
    """Conversion of photons from ``vtx`` (n, 3) with momentum ``p3`` (n, 3) in the STRAW chambers upstream of
    MNP33.

    ``hits``: the photons' :func:`kaonportal.detector.photon_hits` (a photon absorbed in a LAV before a chamber
    does not reach it). ``u_where``, ``u_share``: uniform numbers (n,) choosing the chamber (given a conversion)
    and the e+ energy fraction. Returns ``probability`` (n,) to convert in any of them, and, for the conversion
    given that it happens, ``chamber`` (index into the card's STRAW list sorted by z, -1 if probability 0),
    ``point`` (n, 3) and ``fraction`` (e+ energy fraction).
    """
    vtx, p3 = np.asarray(vtx, float), np.asarray(p3, float)
    n = len(vtx)
    ch = _upstream_chambers(card)
    tx, ty = p3[:, 0] / p3[:, 2], p3[:, 1] / p3[:, 2]
    survive = np.ones(n)
    p_at = np.zeros((n, len(ch)))
    lav_code = DETECTOR_CODES["lav"]
    for j, s in enumerate(ch):
        x, y = vtx[:, 0] + tx * (s.z - vtx[:, 2]), vtx[:, 1] + ty * (s.z - vtx[:, 2])
        reach = (p3[:, 2] > 0) & (vtx[:, 2] < s.z) & ~((hits.detector == lav_code) & (hits.z < s.z))
        inside = reach & (x * x + y * y < s.r_max ** 2) & ~((np.abs(x - s.hole_x) < s.hole_half)
                                                            & (np.abs(y) < s.hole_half))
        pj = np.where(inside, conversion_probability(model.straw_chamber_x0), 0.0)
        p_at[:, j] = survive * pj
        survive = survive * (1.0 - pj)
    prob = 1.0 - survive
    cum = np.cumsum(p_at, axis=1) / np.where(prob > 0, prob, 1.0)[:, None]
    idx = np.where(prob > 0, np.minimum(np.sum(cum < np.asarray(u_where)[:, None], axis=1), len(ch) - 1), -1)
    zc = np.array([s.z for s in ch])[np.maximum(idx, 0)] if ch else np.full(n, np.nan)
    point = np.column_stack([vtx[:, 0] + tx * (zc - vtx[:, 2]), vtx[:, 1] + ty * (zc - vtx[:, 2]), zc])
    return {"probability": prob, "chamber": idx, "point": point, "fraction": sample_pair_fraction(u_share)}


#: where a conversion lepton is started on the photon's line for :func:`propagate_charged` (which starts tracks
#: upstream of STRAW1): this far upstream of STRAW1 (m); the photon crossed that stretch without being absorbed
_START_BEFORE_STRAW1 = 1e-3


def propagate_pair_lepton(point, direction, energy, charge, card, chamber, model: ConversionModel,
                          geometry: tuple | None = None) -> dict:
    """Where a conversion lepton (massless, ``energy`` GeV, along the unit photon ``direction`` from ``point``,
    produced in upstream chamber index ``chamber``) ends, by the rules of any charged particle outside the
    spectrometer (:func:`kaonportal.detector.charged_veto.charged_veto_hits`: MNP33 kick, LAV, IRC, LKr, MUV0,
    beam dipole, HASC, SAC, STRAW segment). Returns

    * ``code``: the charged-veto code (:data:`kaonportal.detector.DETECTOR_CODES`, ``STRAW_SEGMENT``, ``MUV0``,
      ``HASC``);
    * ``detector``: the code where it has a photon-veto table (LAV, IRC, LKr, SAC: the shower is treated as a
      photon shower of the same energy, D), else 0;
    * ``x``, ``y`` at the LKr front plane (m; NaN if not LKr);
    * ``reconstructible``: it crosses >= ``model.track_min_chambers`` chambers downstream of its own inside their
      acceptance (:func:`~kaonportal.detector.charged_veto.straw_chambers_crossed`);
    * ``track``: the event is rejected by the lepton outside the photon-veto tables: a reconstructible track,
      or a STRAW segment, MUV0 or HASC hit. Those vetoes are taken as certain (the engine's
      ``extra_charged_inefficiency``, 1e-3 placeholder D, is neglected: there are no tables for them).

    The lepton's line upstream of the magnet is the photon's, so it is propagated from a point of that line just
    upstream of STRAW1 (where :func:`~kaonportal.detector.propagate_charged` starts tracks): the photon crossed
    the stretch up to its conversion point without being absorbed (:func:`upstream_conversions`), so no veto is
    reached there; the chambers at or upstream of the conversion point do not see the lepton.
    ``geometry``: :func:`~kaonportal.detector.charged_veto.charged_veto_geometry` if packed already."""
    point, d = np.asarray(point, float), np.asarray(direction, float)
    e = np.asarray(energy, float)
    straws = sorted(card.geometry.straw, key=lambda s: s.z)
    z0 = straws[0].z - _START_BEFORE_STRAW1
    with np.errstate(divide="ignore", invalid="ignore"):
        step = (z0 - point[:, 2]) / d[:, 2]
    origin = point + np.where(d[:, 2] > 0, step, 0.0)[:, None] * d
    p3 = e[:, None] * d
    full = propagate_charged(origin, p3, charge, card)
    before = {s.name: point[:, 2] + 1e-6 >= s.z for s in straws}      # the photon, not the lepton, crossed them
    track = ChargedTrack({k: np.where(before[k], np.nan, v) if k in before else v for k, v in full.x.items()},
                         {k: np.where(before[k], np.nan, v) if k in before else v for k, v in full.y.items()},
                         full.accept, full.forward, full.dxdz_after, full.dydz_after)
    code = charged_veto_hits(origin, p3, charge, card, geometry, track)
    ok = full.forward & (e > 0) & (np.asarray(chamber) >= 0)
    code = np.where(ok, code, 0).astype(np.int8)
    reconstructible = ok & (straw_chambers_crossed(track, card) >= model.track_min_chambers)
    untabled = np.isin(code, (STRAW_SEGMENT, MUV0, HASC))
    det = np.where(untabled, 0, code).astype(np.int8)
    lkr = det == DETECTOR_CODES["lkr"]
    return {"code": code, "detector": det, "x": np.where(lkr, full.x["LKR"], np.nan),
            "y": np.where(lkr, full.y["LKR"], np.nan), "reconstructible": reconstructible,
            "track": reconstructible | untabled}


def missing_mass2(p_miss4, energy, direction) -> np.ndarray:
    """(P - P_gamma)^2 (GeV^2/c^4) of four-momenta ``p_miss4`` (n, 4) minus a massless cluster of ``energy`` (n,)
    along the unit vectors ``direction`` (n, 3). For P = k1 + k2 (pi0 -> gamma gamma) and a cluster (1 + eps) k1:
    -eps m_pi0^2 (module docstring).

    >>> k1, k2 = np.array([[1.0, 0, 0, 1.0]]), np.array([[1.0, 0, 0, -1.0]])     # m^2 = 4
    >>> round(float(missing_mass2(k1 + k2, np.array([0.6]), np.array([[0, 0, 1.0]]))[0]), 12)   # eps = -0.4
    1.6
    """
    p = np.asarray(p_miss4, float)
    e = np.asarray(energy, float)
    q0 = p[:, 0] - e
    q = p[:, 1:] - e[:, None] * np.asarray(direction, float)
    return q0 * q0 - np.sum(q * q, axis=1)
