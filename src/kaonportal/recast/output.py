"""Files of ``kaonportal recast``: DIR/combined.csv, DIR/combined_statistical.csv, DIR/projection.csv (islands:
mass_gev, coupling_low, coupling_high), DIR/curves/recast_<search>.csv (edges per band), DIR/hepdata/
(hepdata_lib tables of every CSV), DIR/recast.png (every contour in the model's plane) and DIR/summary.json.
Every file is written to a temporary name and renamed (atomic)."""

from __future__ import annotations

__all__ = ["write_outputs", "union_islands"]

import json
import os
from functools import partial
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import atomic_path
from ..report.style import save, styled
from .core import RecastResult, islands
from .searches import BANDS


def _atomic(path: Path, writer) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:          # unique per process and call (kaonportal.atomic)
        writer(tmp)
    return str(path)


def _csv(path: Path, what: str, units: str, inputs: list[str], columns: dict) -> str:
    from ..analyses.searches.common import write_curve
    return _atomic(path, lambda p: write_curve(p, what, units, 0.9, inputs, columns))


def _merge(ivs) -> list[list[float]]:
    """Union of closed intervals (sorted, overlapping or touching ones merged)."""
    merged = []
    for a, b in sorted(ivs):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def _union_intervals(res: RecastResult, i: int, band: str, outcomes) -> list[tuple[float, float]]:
    """Excluded coupling intervals of every outcome at mass index ``i``: kaon mode exact, dump grid cells."""
    ivs = []
    for o in outcomes:
        if o.kind == "kaon":
            lo, hi = (x[i] for x in o.edges[band])
            if np.isfinite(lo):
                ivs.append((float(lo), float(hi) if not np.isnan(hi) else np.inf))
        else:
            ex = o.info.get("band_maps", {}).get(band, o.excluded)
            if ex is not None:
                ivs += [(a, b) for _, a, b in islands([res.masses[i]], res.couplings, ex[i:i + 1])]
    return ivs


def union_islands(res: RecastResult, band: str = "observed", outcomes=None) -> list[tuple[float, float, float]]:
    """Excluded islands of the union of ``outcomes`` (default: the observed searches; ``res.projection`` for
    the projection, band "median"): the kaon-mode edges (exact, bisection) merged per mass with the beam-dump
    islands on the grid."""
    outcomes = res.outcomes if outcomes is None else outcomes
    return [(float(m), a, b) for i, m in enumerate(res.masses)
            for a, b in _merge(_union_intervals(res, i, band, outcomes))]


def combination_islands(res: RecastResult, band: str = "observed") -> list[tuple[float, float, float]]:
    """Islands of the statistical combination (``res.combined``; band "median": ``res.combined_expected``).

    The combination contains the union by construction (sum_i r_i >= max_i r_i), but its map lives on the
    coupling grid, whose cells can miss up to one grid step of a search's exact edge: each mass's grid islands
    are therefore merged with the union's exact intervals (:func:`union_islands`), so that every statistical
    island contains the union island at that mass. Grid islands and exact intervals that do not overlap stay
    separate (the grid cannot tell whether the combination joins them)."""
    grid = res.combined if band == "observed" else res.combined_expected
    rows = []
    for i, m in enumerate(res.masses):
        ivs = _union_intervals(res, i, band, res.outcomes)
        ivs += [(a, b) for _, a, b in islands([m], res.couplings, grid[i:i + 1])]
        rows += [(float(m), a, b) for a, b in _merge(ivs)]
    return rows


def _island_csv(path: Path, rows, what: str, model, inputs: list[str]) -> str:
    cols = {"mass_gev": [r[0] for r in rows], "coupling_low": [r[1] for r in rows],
            "coupling_high": [r[2] for r in rows]}
    return _csv(path, what, f"mass in GeV/c^2; coupling {model.coupling_name} {model.coupling_unit}".rstrip(),
                inputs, cols)


def write_outputs(res: RecastResult, out: Path, plot_formats=("png",)) -> dict:
    """Write every file; returns the JSON summary (also written to DIR/summary.json)."""
    from ..report.hepdata import curve_tables
    out = Path(out)
    model = res.model
    cname = model.coupling_name
    files = []
    src = getattr(model, "source", "") or f"built-in {model.name}"
    base_inputs = [f"model {model.name} ({src}); production and widths from the model, lifetime from its total width",
                   f"searches: {', '.join(o.name for o in res.outcomes) or 'none'}"]
    union_rows, stat_rows = union_islands(res), combination_islands(res)
    exp_rows = combination_islands(res, "median")
    files.append(_island_csv(out / "combined.csv", union_rows, f"{model.name}: excluded {cname} islands, "
                             "union of every search (kaon mode: exact edges; dump: grid cells)", model, base_inputs))
    files.append(_island_csv(out / "combined_statistical.csv", stat_rows,
                             f"{model.name}: excluded {cname} islands, statistical combination of independent "
                             "searches (sum of signal/limit > 1; exact for zero-background counting, an "
                             "approximation otherwise; kaonportal.recast.core docstring)", model,
                             base_inputs + [f"grid {res.masses.size} x {res.couplings.size}"]))
    files.append(_island_csv(out / "combined_expected.csv", exp_rows,
                             f"{model.name}: expected (median) {cname} islands, statistical combination",
                             model, base_inputs))
    proj_what = (f"{model.name}: projected {cname} islands, union of the kaon-mode searches with the "
                 f"'{res.config.projection}' configuration (expected median)" if res.config.projection else
                 f"{model.name}: projected {cname} islands (no kaon-mode --projection given)")
    proj_rows = union_islands(res, "median", res.projection)
    files.append(_island_csv(out / "projection.csv", proj_rows,
                             proj_what + f"; beam dump at {res.config.pot:.3g} POT", model, base_inputs))
    for o in res.outcomes:
        if o.kind == "kaon":
            cols = {"mass_gev": res.masses}
            for band in ("observed",) + BANDS:
                lo, hi = o.edges[band]
                tag = "observed" if band == "observed" else f"expected_{band}"
                cols[f"{cname}_low_{tag}"], cols[f"{cname}_high_{tag}"] = lo, hi
            pub = o.info.get("published")
            if pub is not None:
                cols[f"{cname}_low_published"] = pub["low"]
                cols["ratio_low_observed_to_published"] = pub["ratio_low"]
            what = (f"{model.name}: excluded {cname} band from the {o.name} search (low / high edge; inf: beyond the "
                    "coupling scan; NaN: nothing excluded or no limit at this mass)"
                    + (f"; *_published: NA62's published limit (kaonportal curve {pub['curve']}) converted with "
                       "the same model, ratio not tuned to agree" if pub is not None else ""))
        else:
            cols = {"mass_gev": [r[0] for r in islands(res.masses, res.couplings, o.excluded)]}
            rows = islands(res.masses, res.couplings, o.excluded)
            cols[f"{cname}_low_observed"] = [r[1] for r in rows]
            cols[f"{cname}_high_observed"] = [r[2] for r in rows]
            what = (f"{model.name}: excluded {cname} islands from the beam dump, channels "
                    f"{'+'.join(o.info['channels'])}, {o.info['pot']:.3g} POT ({o.info['observed']} observed, "
                    f"{o.info['background']:.3g} background)"
                    + (f"; {len(o.info['stated_disagreements'])} stated disagreement(s) with NA62: "
                       + " | ".join(o.info["stated_disagreements"]) if o.info.get("stated_disagreements") else ""))
        files.append(_csv(out / "curves" / f"recast_{o.name}.csv", what,
                          f"mass in GeV/c^2; {cname} {model.coupling_unit}".rstrip(), base_inputs, cols))
    files += _plot(res, out / "recast", plot_formats)
    tables = curve_tables(out, ("recast_",))
    from ..report.tables import write_hepdata
    files += write_hepdata(out / "hepdata", tables, f"kaonportal recast of {model.name}: coupling exclusions per "
                                                    "search (kaonportal.recast)")
    summary = _summary(res, files, out, {"union": union_rows, "statistical_combination": stat_rows,
                                         "statistical_combination_expected": exp_rows, "projection": proj_rows})
    _atomic(out / "summary.json", lambda p: p.write_text(json.dumps(summary, indent=1, default=str)))
    return summary


def _span(res: RecastResult, rows, grid_map) -> dict | None:
    """Extent of the islands ``rows`` written to a CSV (so the summary agrees with the file) and the number of
    excluded cells of the grid map it comes from (None: nothing excluded). An upper edge beyond the coupling
    scan (inf in the CSV) is null here: JSON has no infinity."""
    if not rows:
        return None
    top = max(r[2] for r in rows)
    return {"mass_gev": [min(r[0] for r in rows), max(r[0] for r in rows)],
            res.model.coupling_name: [min(r[1] for r in rows), top if np.isfinite(top) else None],
            "islands": len(rows), "cells": int(np.sum(grid_map)) if grid_map is not None else None}


def _search_rows(res: RecastResult, o) -> list[tuple[float, float, float]]:
    """The islands recast_<search>.csv holds: kaon mode exact observed edges, dump grid islands."""
    if o.kind != "kaon":
        return islands(res.masses, res.couplings, o.excluded)
    lo, hi = o.edges["observed"]
    return [(float(m), float(a), float(b) if not np.isnan(b) else np.inf)
            for m, a, b in zip(res.masses, lo, hi) if np.isfinite(a)]


def _dump_approximations(res: RecastResult) -> list[str]:
    """Approximations of the dump searches that apply to this model and these searches only: a model file
    (:mod:`kaonportal.models.tabulated`) gives its production from its own tables, so the rho/omega/phi mixing that
    the built-in dark photon gets with hadronic channels (production_setup vector_mixing "on",
    :mod:`kaonportal.beamdump.mixing`) is missing from it."""
    model = res.model
    tabulated = getattr(model, "dump_special_production", None) is not None
    dark_photon = getattr(model, "particle", "") == "A'" and getattr(model, "coupling_name", "") == "epsilon"
    mixed = [o.name for o in res.outcomes if o.kind == "dump"
             and o.info.get("production_setup", {}).get("vector_mixing") == "on"]
    if not (tabulated and dark_photon and mixed):
        return []
    return [f"beam dump of a tabulated dark photon: no rho/omega/phi mixing production in {', '.join(mixed)} (the "
            "built-in dark photon has it there, vector_mixing 'on'; a model file's production is its own tables)"]


def _summary(res: RecastResult, files, out: Path, rows: dict) -> dict:
    model = res.model
    span = partial(_span, res)
    return {
        "model": model.name, "coupling_name": model.coupling_name, "kaonportal_version": __version__,
        "grid": {"n_mass": int(res.masses.size), "n_coupling": int(res.couplings.size),
                 "mass_range_gev": [float(res.masses[0]), float(res.masses[-1])],
                 "coupling_range": [float(res.couplings[0]), float(res.couplings[-1])]},
        "searches": {o.name: {"kind": o.kind, "group": o.group, "excluded": span(_search_rows(res, o), o.excluded),
                              **({k: v for k, v in o.info.items() if k not in ("band_maps", "published")}),
                              **({"published_curve": o.info["published"]["curve"]} if "published" in o.info else {})} for o in res.outcomes},
        "skipped": res.skipped,
        "union": span(rows["union"], res.union),
        "statistical_combination": span(rows["statistical_combination"], res.combined),
        "statistical_combination_expected": span(rows["statistical_combination_expected"], res.combined_expected),
        "projection": {"union": span(rows["projection"], res.union_projection),
                       "kaon_mode_configuration": res.config.projection,
                       "dump_pot": res.config.pot},
        "approximations": [
            "statistical combination: sum over independent searches of signal/limit > 1 (exact for zero-background "
            "counting experiments), kaon-mode ratios rounded down to 2^(-j/2) levels",
            "prompt visible-x searches: X must decay within 1 m of the K+ vertex (assumption [U])",
            *_dump_approximations(res)],
        "seed": res.config.seed, "quick": res.config.quick,
        "files": [os.path.relpath(f, out) for f in files],
    }


@styled
def _plot(res: RecastResult, stem: Path, formats) -> list[str]:
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    colours = [plt.get_cmap("tab10")(i) for i in range(10)]     # black is kept for the combination
    m = res.masses
    for i, o in enumerate(res.outcomes):
        col = colours[i % len(colours)]
        if o.kind == "kaon":
            lo, hi = o.edges["observed"]
            top = np.where(np.isfinite(hi), hi, res.couplings[-1])
            ok = np.isfinite(lo)
            if ok.any():
                ax.fill_between(m, np.where(ok, lo, np.nan), np.where(ok, top, np.nan), color=col, alpha=0.25,
                                lw=0)
                ax.plot(m, np.where(ok, lo, np.nan), color=col, label=f"{o.name} (observed)")
                ax.plot(m, o.edges["median"][0], color=col, ls="--", lw=1)
                if "published" in o.info:
                    ax.plot(m, o.info["published"]["low"], color=col, ls=":", lw=1.5,
                            label=f"{o.name}: NA62 published, same model")
        elif np.any(o.excluded):
            ax.contour(m, res.couplings, o.excluded.T.astype(float), levels=[0.5], colors=[col])
            ax.plot([], [], color=col, label=f"{o.name} (observed)")
    if np.any(res.combined):
        ax.contour(m, res.couplings, res.combined.T.astype(float), levels=[0.5], colors=["k"], linewidths=2)
        ax.plot([], [], color="k", lw=2, label="statistical combination")
    if np.any(res.union_projection):
        ax.contour(m, res.couplings, res.union_projection.T.astype(float), levels=[0.5], colors=["k"],
                   linestyles=[":"])
        ax.plot([], [], color="k", ls=":", label="projection")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(m[0], m[-1])
    ax.set_ylim(res.couplings[0], res.couplings[-1])
    ax.set_xlabel(r"$m$ [GeV/$c^2$]")
    ax.set_ylabel(f"{res.model.coupling_name} {res.model.coupling_unit}".strip())
    ax.set_title(f"kaonportal recast: {res.model.name} (90% CL; dashed: expected; dotted: published)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best")
    return save(fig, stem, formats)
