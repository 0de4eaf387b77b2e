"""Pile-up: accidental beam particles and muon halo overlaid on each event, in time.

Units: ns, MHz (1 MHz x 1 ns = 1e-3 particles), metres, GeV.

Model (each step D unless a source is named; parameters in the card's ``pileup`` section):

1. Rates at GTK3: the card's beam rate R = ``run_conditions.beam_rate_mhz`` x intensity scale, split by the
   beam composition (``beam.fraction_kaon/pion/proton``; the remaining ~1% of mu+/e+ [RICH20] leaves no
   hits and is dropped), plus the muon halo ``pileup.halo_rate_mhz`` (same scale). Arrivals are a Poisson
   process: in the overlay window [-T, T] (T = ``readout_half_window_ns``, widened if needed to cover the widest
   LKr window, :func:`overlay_half_window`) an event receives N ~ Poisson((R + R_halo) 2T) accidentals with times
   uniform in the window, each of a species drawn with probability R_s / (R + R_halo).
2. What one accidental leaves (:func:`build_library`, a library of simulated accidentals per species):
   - every beam particle: a GTK track with probability (1 - ``gtk_hit_inefficiency``)^3 (three stations;
     hit inefficiency 4% [FW UpstreamPileupGenerator.cc] V) and, with ``gtk_interaction_probability``,
     an inelastic interaction in the GTK seen by the CHANTI;
   - K+: decays between GTK3 and the LKr front with the exact exponential probability; the decay mode
     is drawn with the PDG branching ratios of the six main modes (``constants.BR_K``, 99.9%); the
     products are propagated with the detector module: photons to the first veto they reach
     (:func:`~kaonportal.detector.propagation.photon_hits`) and detected with 1 - the card's inefficiency;
     charged particles through the spectrometer (:func:`~kaonportal.detector.propagation.propagate_charged`):
     a CHOD hit inside its acceptance, a MUV3 hit for muons inside its acceptance, and outside the
     spectrometer the veto they reach on their track bent by MNP33 (:func:`~kaonportal.detector.charged_veto.
     charged_veto_hits`, as in the engine: LAV, IRC, LKr, the off-axis MUV0, and behind the beam-deflecting
     dipole the HASC; the SAC is out of their reach), detected with
     1 - ``extra_charged_inefficiency``; inside the spectrometer a charged particle reaches the LKr if inside its
     track acceptance. In the LKr, photons and electrons leave a cluster of their energy, pi and mu a MIP-like
     one (``detector.timing.LKR_MIP_ENERGY``); a charged particle crossing both the CHOD and the LKr leaves the
     ``lkr_chod`` coincidence of the multiplicity rejection. The library keeps, per accidental, the LKr
     cluster with the widest veto window;
   - pi+: pi+ -> mu+ nu in the same z range, the muon as above;
   - protons: only the GTK track and interactions;
   - halo muons: a CHOD and a MUV3 hit (the halo rate is defined as the rate crossing them, D), and, since the
     CHOD (0.13 < R < 1.10 m) lies inside the LKr octagon and outside its hole, a MIP-like LKr cluster and the
     LKr-CHOD coincidence.
   Not modelled: in-flight decays of the accidentals' daughters, hadronic showers of pions in the LKr
   (a pi+ leaves a MIP-like cluster), halo muons in the LAV (no halo profile in the reference), beam
   interactions downstream of GTK3, extra STRAW tracks, the CHOD slab-count (> 3 slabs within 7 ns) cut, the
   +-25 ns side windows of 10-15 GeV LKr clusters, time-of-flight differences between detectors.
3. Random veto (:func:`overlay_random_veto`): an accidental vetoes the event if it has a hit in one of
   ``pileup.veto_detectors`` whose measured time (true time + Gaussian resolution,
   :class:`~kaonportal.detector.timing.TimeResolutions`) lies inside that detector's window, the pnn cuts:
   LAV +-3 ns, IRC/SAC +-7 ns ([FW PhotonRejection.cc] V); LKr (:func:`lkr_window`): any cluster > 100 mm
   from the track within 5 ns below 1 GeV, 5 sigma_t(E) at 1-2 GeV, 15 sigma_t(E) at 2-15 GeV, 70 sigma_t(E)
   above ([FW PhotonRejectionLKr.cc] V); multiplicity ([FW MultiplicitySelection.cc] V): NewCHOD extra hit
   +-5 ns with a CHOD pair (``chod``), LKr extra activity -7..+10 ns (as +-8.5 ns, D) with a CHOD pair
   (``lkr_chod``), HASC +-3 ns, MUV0 -10..+8 ns (as +-9 ns); CHANTI +-3 ns. The random veto
   efficiency is the fraction of events with no vetoing accidental. Closed form for checks
   (:func:`analytic_random_veto`): eps = exp(-sum_s R_s E_s[2 W_max]), W_max the widest window among the
   accidental's vetoing hits (exact without time smearing; smearing preserves each window's
   2W acceptance, so the error is only in the overlap of several hits).
4. K-pi matching (:func:`kpi_matching`): accidental GTK tracks with measured |t - t_event| <
   ``window_kpi_ns`` (resolution GTK (+) RICH) get a beam track drawn from the card's beam profile; it is
   matched to the downstream track if their closest distance of approach < ``kpi_cda_m``.

Randomness: every draw comes from ``block_rng(seed, block, STREAM_PILEUP)`` (events) or from a generator
seeded by ``(seed, LIBRARY_KEY)`` (the library), so results are bit-identical whatever the chunking.
"""

from __future__ import annotations

__all__ = ["PileupRates", "AccidentalLibrary", "build_library", "rates", "scaled_card", "overlay_random_veto",
           "analytic_random_veto", "random_veto_breakdown", "lkr_window", "overlay_half_window", "kpi_matching",
           "in_time_beam_tracks", "ktag_accidental_probability", "gtk_accidental_mean",
           "STREAM_TIME", "STREAM_PILEUP", "PILEUP_COLUMNS", "SPECIES", "LIBRARY_SIZE", "HIT_DETECTORS"]

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .. import constants
from ..beam.profile import sample_beam, sample_decay_vertex
from ..decays import generate
from ..detector.card import Card, load_card
from ..detector.charged_veto import HASC, MUV0, charged_veto_hits
from ..detector.propagation import DETECTOR_CODES, photon_hits, propagate_charged
from ..detector.response import photon_inefficiency
from ..detector.timing import LKR_MIP_ENERGY, TimeResolutions
from ..errors import InputError
from ..kinematics import boost
from ..reco.vertex import closest_approach
from .veto_windows import HIT_DETECTORS, lkr_window, overlay_half_window, veto_sigmas, veto_windows

STREAM_TIME = 6        # engine stream of the optional time columns
STREAM_PILEUP = 7      # engine stream of the optional pile-up columns
LIBRARY_KEY = 0x9117   # spawn key of the accidental library's generator
LIBRARY_SIZE = 200_000   # accidentals per species: ~2000 vetoing pi+ decays, eps_RV to ~0.1%
SPECIES = ("K+", "pi+", "p", "halo")
PILEUP_COLUMNS = ("n_pileup_gtk", "kpi_accidental_match", "kpi_mismatch", "random_veto_pass")
_K_MODES = ("K+ -> mu+ nu", "K+ -> pi+ pi0", "K+ -> pi+ pi+ pi-", "K+ -> pi0 e+ nu", "K+ -> pi0 mu+ nu",
            "K+ -> pi+ pi0 pi0")
_CODE_NAME = {**{DETECTOR_CODES[k]: k for k in ("lav", "irc", "lkr", "sac")}, MUV0: "muv0", HASC: "hasc"}


def scaled_card(card, intensity_scale: float) -> Card:
    """A copy of ``card`` with the beam rate and the halo rate multiplied by ``intensity_scale`` (> 0)."""
    x = intensity_scale
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)) or not math.isfinite(x) or x <= 0:
        raise InputError("intensity_scale", f"must be a finite number > 0 (1 = the card's beam rate), got {x!r}")
    c = load_card(card).model_copy(deep=True)
    c.run_conditions.beam_rate_mhz = c.run_conditions.beam_rate_mhz * float(x)
    c.pileup.halo_rate_mhz = c.pileup.halo_rate_mhz * float(x)
    return c


@dataclass(frozen=True)
class PileupRates:
    """Accidental rates (MHz) by species of :data:`SPECIES`."""
    beam_mhz: float
    by_species: dict

    @property
    def total_mhz(self) -> float:
        return float(sum(self.by_species.values()))


def rates(card: Card) -> PileupRates:
    """Rates of the card (step 1 of the module docstring)."""
    b, r = card.beam, card.run_conditions.beam_rate_mhz
    return PileupRates(r, {"K+": r * b.fraction_kaon, "pi+": r * b.fraction_pion, "p": r * b.fraction_proton,
                           "halo": card.pileup.halo_rate_mhz})


@dataclass(frozen=True)
class AccidentalLibrary:
    """Simulated accidentals: ``hits[species]`` is a (n, len(HIT_DETECTORS)) bool array (columns in the
    order of :data:`HIT_DETECTORS`), ``lkr_energy[species]`` the energy (GeV) of the most energetic
    detected LKr cluster (0 if none). ``vetoing`` caches the rows with a hit in a veto detector, per
    (species, veto detectors), found once and reused by every block."""
    hits: dict
    lkr_energy: dict
    vetoing: dict = field(default_factory=dict, compare=False, repr=False)


def _particle_hits(card: Card, name: str, origin, p4, rng, hit: dict, e_lkr) -> None:
    """Add the hits of one final-state particle (one per library entry) to ``hit`` (step 2)."""
    p3 = p4[:, 1:]
    q = {"pi+": 1, "mu+": 1, "e+": 1, "pi-": -1, "mu-": -1, "e-": -1}.get(name, 0)
    if q == 0:
        h = photon_hits(origin, p3, card)
        det = h.detector
        seen = rng.random(det.shape[0]) >= photon_inefficiency(det, p4[:, 0], card)
    else:
        t = propagate_charged(origin, p3, q, card)
        hit["chod"] |= t.accept["chod"]
        if name.startswith("mu"):
            hit["muv3"] |= t.accept["muv3"]
        # inside the spectrometer the track reaches the LKr if inside its acceptance; outside, the veto it
        # reaches bent by MNP33
        det = np.where(t.accept["straw"], np.where(t.accept["lkr"], DETECTOR_CODES["lkr"], 0),
                       charged_veto_hits(origin, p3, q, card, track=t))
        seen = rng.random(det.shape[0]) >= card.photon_veto.extra_charged_inefficiency
        # one charged particle in the CHOD and the LKr: the multiplicity LKr-CHOD coincidence (step 3)
        hit["lkr_chod"] |= t.accept["chod"] & (det == DETECTOR_CODES["lkr"]) & seen
    # LKr cluster energy: photons and electrons deposit their energy, pi/mu a MIP-like LKR_MIP_ENERGY
    e_dep = p4[:, 0] if q == 0 or name.startswith("e") else np.full(p4.shape[0], LKR_MIP_ENERGY)
    for code, key in _CODE_NAME.items():
        m = (det == code) & seen
        hit[key] |= m
        if key == "lkr":
            # keep the cluster that vetoes in the widest window (not always the most energetic one: the
            # window is not monotonic in E)
            new = np.where(m, e_dep, 0.0)
            res = TimeResolutions.from_card(card)
            wider = lkr_window(card, res, new) > lkr_window(card, res, e_lkr)
            e_lkr[wider] = new[wider]


def _decays(card: Card, species: str, n: int, rng) -> tuple[dict, np.ndarray]:
    """Hits of ``n`` beam particles of ``species`` from their decays between GTK3 and the LKr."""
    hit = {k: np.zeros(n, bool) for k in HIT_DETECTORS}
    e_lkr = np.zeros(n)
    if species not in ("K+", "pi+"):
        return hit, e_lkr
    beam = sample_beam(n, rng, card)
    z_rng = (card.beam.z_gtk3, card.geometry.lkr.z)
    z, prob = sample_decay_vertex(beam, rng.random(n), species, z_rng, card)
    decays = rng.random(n) < prob
    if species == "K+":
        br = np.array([constants.BR_K[m] for m in _K_MODES])
        mode = rng.choice(len(_K_MODES), size=n, p=br / br.sum())
        modes = _K_MODES
    else:
        mode = np.zeros(n, int)
        modes = ("pi+ -> mu+ nu",)
    pb3 = beam.p3()
    m_par = constants.mass(species)
    beta = pb3 / np.sqrt(np.sum(pb3 ** 2, axis=1) + m_par ** 2)[:, None]
    dz = z - card.beam.z_gtk3
    vtx = np.stack([beam.x + beam.dxdz * dz, beam.y + beam.dydz * dz, z], axis=-1)
    for j, decay in enumerate(modes):
        sel = np.flatnonzero(decays & (mode == j))
        if sel.size == 0:
            continue
        prod = generate(decay, sel.size, rng)
        sub = {k: np.zeros(sel.size, bool) for k in HIT_DETECTORS}
        e_sub = np.zeros(sel.size)
        for i, nm in enumerate(prod.names):
            if not prod.final[i] or nm in ("nu", "nubar"):
                continue
            lab = boost(prod.p4[:, i], beta[sel])
            _particle_hits(card, nm, vtx[sel], lab, rng, sub, e_sub)
        for k in HIT_DETECTORS:
            hit[k][sel] = sub[k]
        e_lkr[sel] = e_sub
    return hit, e_lkr


def build_library(card: Card, seed: int, size: int = LIBRARY_SIZE) -> AccidentalLibrary:
    """The accidental library of ``card`` (step 2 of the module docstring), reproducible from ``seed``."""
    # the rates do not change what one accidental leaves: normalise them so that an intensity scan reuses
    # one library
    c = card.model_copy(deep=True)
    c.run_conditions.beam_rate_mhz = 1.0
    c.pileup.halo_rate_mhz = 0.0
    return _library(c.model_dump_json(exclude={"source"}), int(seed), int(size))


@lru_cache(maxsize=8)
def _library(card_json: str, seed: int, size: int) -> AccidentalLibrary:
    card = Card.model_validate_json(card_json)
    rng = np.random.Generator(np.random.PCG64DXSM(np.random.SeedSequence(seed, spawn_key=(LIBRARY_KEY,))))
    pu = card.pileup
    hits, energy = {}, {}
    for sp in SPECIES:
        if sp == "halo":
            h = {k: np.zeros(size, bool) for k in HIT_DETECTORS}
            # a halo muon crossing the CHOD (0.13 < R < 1.10 m) crosses the LKr inside its octagon and outside
            # its hole, and leaves a MIP-like cluster there (step 2)
            h["chod"][:] = True
            h["muv3"][:] = True
            h["lkr"][:] = True
            h["lkr_chod"][:] = True
            e = np.full(size, LKR_MIP_ENERGY)
        else:
            h, e = _decays(card, sp, size, rng)
            h["gtk"] = rng.random(size) < (1.0 - pu.gtk_hit_inefficiency) ** 3
            h["chanti"] |= rng.random(size) < pu.gtk_interaction_probability
        hits[sp] = np.stack([h[k] for k in HIT_DETECTORS], axis=1)
        energy[sp] = e
    return AccidentalLibrary(hits, energy)



def random_veto_breakdown(card: Card, lib: AccidentalLibrary) -> dict[str, dict[str, float]]:
    """Expected number of vetoing accidentals per event, mu = -ln(eps_RV), by species and by the detector
    that sets each accidental's widest window (step 3; rates in MHz x windows in ns x 1e-3)."""
    res = TimeResolutions.from_card(card)
    out = {}
    for sp, r in rates(card).by_species.items():
        w = veto_windows(card, res, lib.hits[sp], lib.lkr_energy[sp])
        wmax, arg = w.max(axis=1), w.argmax(axis=1)
        out[sp] = {d: r * 1e-3 * float(np.sum(np.where((arg == j) & (wmax > 0), 2.0 * wmax, 0.0))) / wmax.shape[0]
                   for j, d in enumerate(HIT_DETECTORS) if d in card.pileup.veto_detectors}
    return out


def analytic_random_veto(card: Card, lib: AccidentalLibrary) -> float:
    """eps_RV = exp(-sum_s R_s E_s[2 W_max]) (step 3)."""
    return math.exp(-sum(sum(v.values()) for v in random_veto_breakdown(card, lib).values()))


@dataclass(frozen=True)
class _Vetoing:
    """The library rows of one species that can veto: ``rows``, their veto half-windows ``w`` and time
    resolutions ``sig`` (ns, per column of :data:`HIT_DETECTORS`; 0 where no vetoing hit), ``reach`` (ns) the
    largest |t| at which each can veto (widest window + 6 sigma, capped at the overlay window) and ``cum``
    the cumulative sum of ``reach`` (rows are drawn with probability proportional to it)."""
    rows: np.ndarray
    w: np.ndarray
    sig: np.ndarray
    reach: np.ndarray
    cum: np.ndarray


def _vetoing(card: Card, lib: AccidentalLibrary, species: str) -> _Vetoing:
    """:class:`_Vetoing` of ``species``, computed once per library and set of windows (not per block)."""
    pu = card.pileup
    key = (species, tuple(pu.veto_detectors), pu.model_dump_json(exclude={"halo_rate_mhz"}),
           card.resolution.model_dump_json())
    v = lib.vetoing.get(key)
    if v is None:
        cols = [j for j, d in enumerate(HIT_DETECTORS) if d in pu.veto_detectors]
        rows = np.flatnonzero(lib.hits[species][:, cols].any(axis=1))
        res = TimeResolutions.from_card(card)
        e = lib.lkr_energy[species][rows]
        w = veto_windows(card, res, lib.hits[species][rows], e)
        sig = np.broadcast_to(veto_sigmas(res), w.shape).copy()
        j_lkr = HIT_DETECTORS.index("lkr")
        sig[:, j_lkr] = res.lkr(e)
        sig[w <= 0] = 0.0
        reach = np.minimum((w + 6.0 * sig).max(axis=1, initial=0.0), overlay_half_window(card, res))
        v = lib.vetoing[key] = _Vetoing(rows, w, sig, reach, np.cumsum(reach))
    return v


def overlay_random_veto(card: Card, n: int, rng: np.random.Generator, lib: AccidentalLibrary
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Overlay accidentals on ``n`` events (step 3): (accidentals per event within reach of one of their veto
    windows, event passes the random veto).

    Only accidentals with a hit in a veto detector, arriving within their reach (widest window + 6 sigma of
    its time resolution, capped at the overlay window) of the event, can veto, so each species' Poisson
    process is thinned to them (exact for a Poisson process, up to the 6 sigma tails): rate
    R_s sum_r 2 reach_r / N_s over the N_s library rows, rows drawn with probability proportional to their
    reach, times uniform within it. Draw order: per species of :data:`SPECIES` n counts, then per species the
    library rows (one uniform each), then the times (one uniform each), then one normal per vetoing hit
    (row-major over accidentals and :data:`HIT_DETECTORS`).
    """
    rt = rates(card).by_species
    vet = [_vetoing(card, lib, s) for s in SPECIES]
    counts = [rng.poisson(rt[s] * 1e-3 * 2.0 * (v.cum[-1] if v.cum.size else 0.0) / lib.hits[s].shape[0], size=n)
              for s, v in zip(SPECIES, vet)]
    evt = np.concatenate([np.repeat(np.arange(n), c) for c in counts])
    picks = [np.searchsorted(v.cum, rng.random(int(c.sum())) * v.cum[-1], side="right") if c.sum() else
             np.zeros(0, int) for v, c in zip(vet, counts)]
    w = np.concatenate([v.w[r] for v, r in zip(vet, picks)])
    sig = np.concatenate([v.sig[r] for v, r in zip(vet, picks)])
    reach = np.concatenate([v.reach[r] for v, r in zip(vet, picks)])
    t = (2.0 * rng.random(evt.shape[0]) - 1.0) * reach
    i, j = np.nonzero(w > 0)                   # vetoing hits only (row-major order)
    tm = t[i] + rng.standard_normal(i.shape[0]) * sig[i, j]
    vetoing = np.abs(tm) < w[i, j]
    return sum(counts).astype(np.int16), ~(np.bincount(evt[i[vetoing]], minlength=n) > 0)


def in_time_beam_tracks(card: Card, n: int, rng: np.random.Generator):
    """Accidental reconstructed GTK tracks whose measured time (resolution GTK (+) RICH) falls within
    +-``window_kpi_ns`` of each of ``n`` events (step 4): (event index of each, their beam tracks at GTK3 drawn
    from the card's beam profile). Draws: n Poisson counts, times, normals, then the beam tracks."""
    pu, res = card.pileup, TimeResolutions.from_card(card)
    sig = math.hypot(res.gtk, res.rich)
    half = pu.window_kpi_ns + 6.0 * sig           # arrivals beyond 6 sigma never enter the window
    eff = (1.0 - pu.gtk_hit_inefficiency) ** 3
    lam = card.run_conditions.beam_rate_mhz * eff * 1e-3 * 2.0 * half
    count = rng.poisson(lam, size=n)
    evt = np.repeat(np.arange(n), count)
    m = evt.shape[0]
    t = rng.uniform(-half, half, size=m) + sig * rng.standard_normal(m)
    evt = evt[np.abs(t) < pu.window_kpi_ns]          # in time: only these need a beam track
    return evt, sample_beam(evt.shape[0], rng, card)


def kpi_matching(card: Card, n: int, rng: np.random.Generator, track: dict, true_cda=None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Accidental GTK tracks in the K-pi time window and whether one is matched (step 4).

    ``track``: ``track_x_straw1``, ``track_y_straw1`` (m), ``track_dxdz``, ``track_dydz`` of the downstream
    track (NaN: no track, never matched). Returns (number of in-time accidental GTK tracks, matched)."""
    pu = card.pileup
    evt, beam = in_time_beam_tracks(card, n, rng)
    k = evt.shape[0]
    z1 = card.geometry.straw[0].z
    xs, ys = np.asarray(track["track_x_straw1"], float)[evt], np.asarray(track["track_y_straw1"], float)[evt]
    tx, ty = np.asarray(track["track_dxdz"], float)[evt], np.asarray(track["track_dydz"], float)[evt]
    _, cda = closest_approach(beam.x, beam.y, np.full(k, card.beam.z_gtk3), beam.dxdz, beam.dydz,
                              xs, ys, np.full(k, z1), tx, ty)
    ok = cda < pu.kpi_cda_m
    n_in = np.bincount(evt, minlength=n).astype(np.int16)
    matched = np.bincount(evt[ok], minlength=n) > 0
    if true_cda is None:
        return n_in, matched
    # mis-association: the accidental is closer to the downstream track than the true kaon's GTK track
    better = ok & (cda < np.asarray(true_cda, float)[evt])
    return n_in, matched, np.bincount(evt[better], minlength=n) > 0


def ktag_accidental_probability(card: Card) -> float:
    """P(an accidental kaon is tagged by the KTAG within +-window_ktag_ns of the event) = 1 - exp(-R_K 2W)."""
    return -math.expm1(-rates(card).by_species["K+"] * 1e-3 * 2.0 * card.pileup.window_ktag_ns)


def gtk_accidental_mean(card: Card) -> float:
    """Mean number of accidental reconstructed GTK tracks within +-window_kpi_ns: R (1 - ineff)^3 2W."""
    eff = (1.0 - card.pileup.gtk_hit_inefficiency) ** 3
    return card.run_conditions.beam_rate_mhz * eff * 1e-3 * 2.0 * card.pileup.window_kpi_ns


def optional_columns(card: Card, seed: int, block: int, parent: str, names, cols: dict,
                     library: AccidentalLibrary | None = None) -> dict[str, np.ndarray]:
    """The engine's hook: time columns (:data:`~kaonportal.detector.timing.TIME_COLUMNS`, stream
    :data:`STREAM_TIME`) and pile-up columns (:data:`PILEUP_COLUMNS`, stream :data:`STREAM_PILEUP`) asked for
    in ``names``, for one block whose default columns are ``cols``. Each group draws from its own stream,
    so asking for one does not change the other, and the default columns never change. ``library``: the
    card's :func:`build_library` for ``seed``, built once per run by the caller (built here if None)."""
    from ..backend import block_rng
    from ..detector.timing import TIME_COLUMNS, candidate_times
    out: dict[str, np.ndarray] = {}
    if any(nm in TIME_COLUMNS for nm in names):
        t = candidate_times(cols, TimeResolutions.from_card(card), block_rng(seed, block, STREAM_TIME),
                            kaon_beam=parent.startswith("K"))
        out.update({nm: t[nm] for nm in TIME_COLUMNS if nm in names})
    if any(nm in PILEUP_COLUMNS for nm in names):
        rng = block_rng(seed, block, STREAM_PILEUP)
        n = cols["p_track"].shape[0]
        n_gtk, matched, mism = kpi_matching(card, n, rng, cols, cols["cda"])
        _, passed = overlay_random_veto(card, n, rng, library or build_library(card, seed))
        cand = {"n_pileup_gtk": n_gtk, "kpi_accidental_match": matched, "kpi_mismatch": mism,
                "random_veto_pass": passed}
        out.update({nm: cand[nm] for nm in PILEUP_COLUMNS if nm in names})
    return out
