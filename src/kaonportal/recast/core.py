"""Recast one model on every search: per-search exclusions, their union, a statistical combination, projection.

Grid: ``n_mass`` log-spaced masses over the model's production range (clipped to ``mass_range``) and
``n_coupling`` log-spaced couplings (``coupling_range``; default: from 1/30 of the smallest kaon-mode edge to the
top of the model's scan or the beam-dump default). Per kaon-mode search the exclusion edges at each mass
come from :func:`.searches.search_edges` (bisection in the coupling, not limited by the grid). The beam dump
(:mod:`kaonportal.beamdump`: every dump channel the model decays to with published 2021 counts) gives the
expected events N(m, C) on the grid, one exclusion per channel and one for the channels together
(one counting experiment, as ``kaonportal beamdump``), each with the production setup ``kaonportal beamdump``
resolves for its own channels (ee or mu mu alone as in the dilepton papers: no form factor, no vector-meson
mixing; see ``_dump_grids``), with NA62's 2021 counts counted as there
(:mod:`kaonportal.beamdump.counts`): the observed mu mu event (0.411 GeV, [Peruzzo:2022discrete]) only at the
masses whose signal invariant-mass window holds it, so the dump limit is N_UL(0 observed) elsewhere.

Combination. Each search i gives r_i(m, C) = signal / limit (kaon mode: S / BR_UL; dump: N / N_UL), excluded
where r_i > 1. The **union** excludes where any r_i > 1. The **statistical combination** of independent
searches excludes where sum_i r_i >= 1: exact for counting experiments that observe no event on no background,
where the 90% CL limit on the total expected signal is 2.30 events whatever its split ([ParticleDataGroup:2024cfk],
Poisson upper limit), an approximation otherwise (stated in the outputs). Searches on the same data sample
(``KaonSearch.group``) enter with their largest r only. r_i of a kaon-mode search is read as a level set:
the exclusion edges for the limit scaled by k = 2^(-j/2), j = 0..12, so r_i is rounded *down* to the next
level (a conservative combination, within a factor 2^(1/2) in r).

Projection: kaon-mode searches rerun with the ``--projection`` configuration (e.g. ``projection-4x``) give
their expected median exclusion; the dump is projected to ``pot`` (background scaled with N_POT,
background-only median count, :func:`kaonportal.beamdump.contours.projection`).
"""

from __future__ import annotations

__all__ = ["RecastConfig", "RecastResult", "run_recast", "islands", "LEVELS"]

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError, check_range
from .searches import (applicable_searches, curve_path, edges_from_limits, ensure_curves, published_edges,
                       read_search_curve, resampled_limits, search_edges)

#: level sets of r used by the statistical combination (see the module docstring)
LEVELS = 2.0 ** (-np.arange(13) / 2.0)


@dataclass
class RecastConfig:
    searches: list[str]
    n_mass: int = 50
    n_coupling: int = 50
    mass_range: tuple[float, float] | None = None
    coupling_range: tuple[float, float] | None = None
    pot: float = 1e18                     # beam-dump projection exposure
    projection: str | None = None         # search configuration of the kaon-mode projection
    searches_from: Path | None = None
    seed: int = 1
    quick: bool = False
    n_per_mass: int = 2000
    card: str = "na62-2022"


@dataclass
class SearchOutcome:
    name: str
    kind: str                               # "kaon" or "dump"
    group: str
    edges: dict = field(default_factory=dict)       # band -> (low, high) at the grid masses
    r_map: np.ndarray | None = None                 # observed r on the grid (lower bound for kaon searches)
    r_expected: np.ndarray | None = None            # expected-median r on the grid
    excluded: np.ndarray | None = None              # observed exclusion on the grid
    info: dict = field(default_factory=dict)


@dataclass
class RecastResult:
    model: object
    masses: np.ndarray
    couplings: np.ndarray
    outcomes: list
    projection: list
    skipped: dict
    config: RecastConfig
    union: np.ndarray = None
    combined: np.ndarray = None
    combined_expected: np.ndarray = None
    union_projection: np.ndarray = None


def _default_ranges(model, cfg: RecastConfig):
    lo, hi = model.production_mass_range or model.mass_range
    mr = cfg.mass_range or (max(lo * 1.001, 1e-3), min(hi, 2.0))
    if not mr[0] < mr[1]:
        raise InputError("mass_range", f"must be low < high inside [{lo:.3g}, {hi:.3g}] GeV, got {list(mr)}")
    if cfg.coupling_range:
        cr = cfg.coupling_range
    else:
        from ..beamdump.analysis import _COUPLING_RANGES
        cr = _COUPLING_RANGES.get(model.coupling_name, None) or model.coupling_scan
    check_range("coupling_range", list(cr), 0.0, None, low_inclusive=False)
    if not cr[0] < cr[1]:
        raise InputError("coupling_range", f"must be low < high, got {list(cr)}")
    return mr, cr


def _data_driven_range(kaon, model, cols, masses, default):
    """Default coupling grid when none is given: from 1/30 of the smallest excluded coupling of the kaon-mode
    searches (expected +2 sigma band: below every edge the combination can reach) to the default top, so
    that the grid resolves the edges instead of spreading over the model's whole scan (BC4: 20 decades)."""
    lows = []
    for s in kaon:
        low = search_edges(s, model, cols[s.name], masses, bands=("minus2",))["minus2"][0]
        lows += list(low[np.isfinite(low)])
    if not lows:
        return default
    lo = max(min(lows) / 30.0, default[0])
    return (lo, default[1]) if lo < default[1] else default


def _inside(edges, couplings) -> np.ndarray:
    """(n_mass, n_coupling) bool map of low <= C <= high."""
    low, high = edges
    c = couplings[None, :]
    with np.errstate(invalid="ignore"):
        return (low[:, None] <= c) & (c <= high[:, None])


def _kaon_outcome(search, model, cols, masses, couplings) -> SearchOutcome:
    limits = resampled_limits(search, model, cols, masses)        # resampled once for every level
    edges = edges_from_limits(search, model, limits, masses)
    out = SearchOutcome(search.name, "kaon", search.group, edges)
    out.excluded = _inside(edges["observed"], couplings)
    r_obs = np.zeros(out.excluded.shape)
    r_exp = np.zeros(out.excluded.shape)
    level_limits = {b: limits[b] for b in ("observed", "median")}
    # excluded with the limit scaled by k  <=>  S > k BR_UL  <=>  r > k: r is rounded down to the level k
    for k in LEVELS[::-1]:       # smallest level first: larger levels overwrite
        lv = edges if k == 1.0 else edges_from_limits(search, model, level_limits, masses, scale=k)
        r_obs[_inside(lv["observed"], couplings)] = k
        r_exp[_inside(lv["median"], couplings)] = k
    out.r_map, out.r_expected = r_obs, r_exp
    pub = published_edges(search, model, masses)
    if pub is not None:
        # not tuned to agree: stated next to the result (ratio of the lower edges, this run / published)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = edges["observed"][0] / pub[1]
        fin = ratio[np.isfinite(ratio)]
        out.info["published"] = {"curve": pub[0], "low": pub[1], "ratio_low": ratio}
        out.info["ratio_low_observed_to_published"] = (
            {"min": float(fin.min()), "median": float(np.median(fin)), "max": float(fin.max()), "n_masses": int(fin.size)}
            if fin.size else None)
    return out


def _dump_grids(model, masses, couplings, chans, cfg: RecastConfig) -> tuple[dict, dict]:
    """({search name: (YieldGrid of its channels, channels simulated together)}, {search: why skipped}).

    Each search uses the production setup ``kaonportal beamdump`` resolves for its own channels
    (:meth:`.beamdump.setup.BeamDumpSetup.resolved`: the dilepton analyses' point-like bremsstrahlung without
    vector-meson mixing for ee or mu mu alone, time-like form factor and mixing with a hadronic channel). The
    all-channel simulation serves the ``dump`` search and every channel whose setup is the same (the hadronic
    ones: their share of it, the same production model at no extra cost). A channel with another setup is
    simulated alone, so it equals ``kaonportal beamdump`` with that channel bit for bit: grouping ee with mu mu
    would save one production sample per mass but the channels draw their detector smearing from one random
    stream, so the second would differ from its single-channel run by Monte Carlo noise. A channel simulated
    alone that is closed at every grid mass is skipped (named in the second dict), as ``kaonportal beamdump``
    refuses it.
    """
    from ..beamdump.setup import BeamDumpSetup
    from ..beamdump.yields import YieldGrid, expected_events

    def simulate(cs):
        return expected_events(model, masses, couplings, cs, card=cfg.card, n_per_mass=cfg.n_per_mass,
                               seed=cfg.seed)

    def part(grid, cs):
        """the channels cs of grid (MC variance scaled by their share: the channels share the X sample)"""
        if tuple(cs) == tuple(grid.channels):
            return grid
        per_pot = sum(grid.by_channel[c] for c in cs)
        frac = np.divide(per_pot, grid.per_pot, out=np.zeros_like(per_pot), where=grid.per_pot > 0)
        return YieldGrid(grid.model, grid.coupling_name, grid.masses, grid.couplings, per_pot,
                         grid.mc_var_per_pot2 * frac ** 2, channels=tuple(cs), setup=grid.setup, card=grid.card,
                         mass_window_halfwidth={c: w for c, w in grid.mass_window_halfwidth.items() if c in cs})

    setup_all = BeamDumpSetup().resolved(chans)
    everything = simulate(chans)
    out, skipped = {}, {}
    for c in chans:
        if BeamDumpSetup().resolved([c]) == setup_all:
            out[f"dump-{c}"] = (part(everything, [c]), list(chans))
            continue
        try:
            out[f"dump-{c}"] = (simulate([c]), [c])
        except InputError as exc:
            skipped[f"dump-{c}"] = str(exc)
    if len(chans) > 1:
        out["dump"] = (everything, list(chans))
    return out, skipped


def _dump_outcomes(model, masses, couplings, cfg: RecastConfig) -> tuple[list, list, dict]:
    """Per-channel and all-channel beam-dump exclusions (observed at 2021 POT, projection at cfg.pot)."""
    from ..beamdump.disagreements import stated_disagreements
    from ..beamdump.contours import exclusion, expected_quantile_counts, observed_per_mass, projection
    from ..beamdump.counts import COUNTING_NOTE, POT_2021, PUBLISHED_2021, observed_background
    from ..beamdump.yields import model_channels
    lo, hi = model.mass_range
    chans = [c for c in model_channels(model) if c in PUBLISHED_2021]
    if not chans:
        return [], [], {"dump": "the model decays to none of the dump channels with published 2021 counts"}
    ok = (masses >= lo) & (masses <= hi)
    if not ok.any():
        return [], [], {"dump": "no grid mass inside the model's decay range"}
    try:
        grids, skipped = _dump_grids(model, masses[ok], couplings, chans, cfg)
    except InputError as exc:
        return [], [], {"dump": str(exc)}

    def full(a):
        o = np.zeros((masses.size, couplings.size))
        o[ok] = a
        return o

    def per_mass(a, cast):
        """per grid mass (JSON list), None outside the model's decay range (no JSON NaN)"""
        it = iter(np.asarray(a).tolist())
        return [cast(next(it)) if inside else None for inside in ok]

    outs, proj = [], []
    for name, (g, simulated) in grids.items():
        cs = list(g.channels)
        # NA62's 2021 counts as `kaonportal beamdump` counts them: an observed event of known invariant mass
        # (the mu mu one at 0.411 GeV) only at the masses whose signal mass window holds it (beamdump.counts)
        counts = observed_background(cs)
        n_obs = observed_per_mass(g, counts.events, counts.n_without_mass)
        bkg = counts.background
        ex = exclusion(g, POT_2021, n_obs, bkg)
        pr = projection(g, cfg.pot, bkg / POT_2021)
        o = SearchOutcome(name, "dump", "dump" if name == "dump" else f"dump {cs[0]}")
        o.r_map = full(ex.ratio)
        n_med = ex.expected_limits.get("median", ex.signal_limit)
        o.r_expected = full(ex.n_expected / n_med)
        o.excluded = o.r_map > 1
        o.info = {"channels": cs, "pot": POT_2021, "observed": counts.observed, "background": bkg,
                  "observed_event_masses_gev": counts.event_masses(), "observed_counting": COUNTING_NOTE,
                  "observed_per_mass": per_mass(ex.observed_per_mass, int),
                  "signal_events_limit": ex.signal_limit,
                  "signal_events_limit_per_mass": per_mass(ex.limit_per_mass, float),
                  "expected_signal_events_limit": ex.expected_limits, "source": counts.source,
                  # the production setup `kaonportal beamdump` resolves for this search's own channels, and the
                  # channels of the simulation it comes from (see _dump_grids)
                  "production_setup": {"channels_simulated": simulated,
                                       "brems_form_factor": g.setup.brems_form_factor,
                                       "vector_mixing": g.setup.vector_mixing,
                                       "eta_ratio": g.setup.eta_ratio},
                  # the known disagreements with NA62 of this configuration, the same statements (one definition)
                  # as `kaonportal beamdump`'s summary and plots, so a recast dump exclusion is never read unflagged
                  "stated_disagreements": stated_disagreements(model.name, cs, g.setup,
                                                               getattr(model, "transition_form_factor", None)),
                  "band_maps": {b: full(ex.n_expected / lim) > 1 for b, lim in ex.expected_limits.items()}}
        outs.append(o)
        p = SearchOutcome(name, "dump", o.group)
        p.excluded = full(pr.n_expected / pr.signal_limit) > 1
        p.info = {"pot": cfg.pot, "background": bkg / POT_2021 * cfg.pot,
                  "observed_median": expected_quantile_counts(bkg / POT_2021 * cfg.pot)["median"]}
        proj.append(p)
    return outs, proj, skipped


def _combine(outcomes, attr: str) -> np.ndarray:
    """sum over independence groups of the group's largest r (see the module docstring)."""
    by_group: dict[str, np.ndarray] = {}
    for o in outcomes:
        if o.name == "dump" or getattr(o, attr) is None:
            continue
        r = getattr(o, attr)
        by_group[o.group] = np.maximum(by_group.get(o.group, 0.0), r)
    dump_all = [o for o in outcomes if o.name == "dump"]
    if dump_all:       # the channels together replace the per-channel dump entries (one counting experiment)
        for key in [k for k in by_group if k.startswith("dump")]:
            del by_group[key]
        by_group["dump"] = getattr(dump_all[0], attr)
    if not by_group:
        return None
    return sum(by_group.values())


def run_recast(model, cfg: RecastConfig, out_dir: Path, progress=None) -> RecastResult:
    """Run (or read) the searches' limits and recast them for ``model`` (a PortalModel)."""
    mr, cr = _default_ranges(model, cfg)
    masses = np.geomspace(mr[0], mr[1], int(cfg.n_mass))
    kaon, skipped = applicable_searches(model, cfg.searches)
    outcomes, proj = [], []
    if kaon:
        cdir = ensure_curves(kaon, model, Path(out_dir) / "searches", searches_from=cfg.searches_from,
                             seed=cfg.seed, quick=cfg.quick, progress=progress)
        cols = {s.name: read_search_curve(s, curve_path(s, model, cdir)) for s in kaon}
        if cfg.coupling_range is None:
            cr = _data_driven_range(kaon, model, cols, masses, cr)
    couplings = np.geomspace(cr[0], cr[1], int(cfg.n_coupling))
    for s in kaon:
        outcomes.append(_kaon_outcome(s, model, cols[s.name], masses, couplings))
    if kaon:
        if cfg.projection is not None:
            from ..analyses.searches import section_configs
            configs = section_configs(cfg.projection)
            pdir = ensure_curves(kaon, model, Path(out_dir) / "projection_searches", searches_from=None,
                                 seed=cfg.seed, quick=cfg.quick, configs=configs)
            for s in kaon:
                edges = search_edges(s, model, read_search_curve(s, curve_path(s, model, pdir)), masses,
                                     bands=("median",))
                p = SearchOutcome(s.name, "kaon", s.group, {"median": edges["median"]})
                p.excluded = _inside(edges["median"], couplings)
                p.info = {"projection": cfg.projection}
                proj.append(p)
    if "dump" in cfg.searches:
        d_out, d_proj, d_skip = _dump_outcomes(model, masses, couplings, cfg)
        outcomes += d_out
        proj += d_proj
        skipped.update(d_skip)
    res = RecastResult(model, masses, couplings, outcomes, proj, skipped, cfg)
    shape = (masses.size, couplings.size)
    res.union = np.any([o.excluded for o in outcomes], axis=0) if outcomes else np.zeros(shape, bool)
    comb = _combine(outcomes, "r_map")
    res.combined = (comb >= 1.0) if comb is not None else np.zeros(shape, bool)
    comb_e = _combine(outcomes, "r_expected")
    res.combined_expected = (comb_e >= 1.0) if comb_e is not None else np.zeros(shape, bool)
    res.union_projection = np.any([p.excluded for p in proj], axis=0) if proj else np.zeros(shape, bool)
    return res


def islands(masses, couplings, excluded) -> list[tuple[float, float, float]]:
    """(mass, coupling_low, coupling_high) for every run of excluded couplings at every mass (grid edges)."""
    rows = []
    for i, m in enumerate(masses):
        col = np.asarray(excluded[i], bool)
        if not col.any():
            continue
        d = np.diff(np.concatenate([[0], col.astype(int), [0]]))
        for a, b in zip(np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]):
            rows.append((float(m), float(couplings[a]), float(couplings[b - 1])))
    return rows
