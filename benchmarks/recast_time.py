#!/usr/bin/env python
"""Benchmark (not a test): time to recast one model on every search on a 50 x 50 (mass, coupling) grid.

Two timings: (1) the search sections that produce the BR-limit curves (kpix, visible-x, hnl, kmunux,
pi0-gamma-x; run once per configuration and reusable with ``--searches-from``), (2) the recast itself
(coupling edges of every kaon-mode search, the beam dump on the grid, union, statistical combination, files).
Both are timed in-process and then again with ``--scheduler`` (default ``local:2``: a LocalCluster of two worker
processes, its start-up timed apart), with a check that the two give the same exclusions.
Target (issue 16): under 3 minutes on 2 cores. Prints one JSON object.

    python benchmarks/recast_time.py [--model BC4] [--grid 50x50] [--quick] [--searches-from DIR] [--n-per-mass 2000]
                                     [--scheduler local:2|ADDRESS|none]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from kaonportal.beamdump.analysis import parse_grid
from kaonportal.distributed import check_scheduler, use_scheduler
from kaonportal.models.tabulated import load_model
from kaonportal.recast import RecastConfig, parse_search_list, run_recast, write_outputs


def _time_recast(model, cfg, out: Path, args) -> tuple[dict, object]:
    """Timings of one recast into ``out``: search sections (unless --searches-from), recast, output files."""
    timings = {}
    if args.searches_from is None:
        # time the search sections alone first (the recast then reads their curves)
        from kaonportal.recast.searches import applicable_searches, ensure_curves
        kaon, _ = applicable_searches(model, cfg.searches)
        t = time.perf_counter()
        ensure_curves(kaon, model, out / "searches", searches_from=None, seed=args.seed, quick=args.quick)
        timings["search_sections_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    res = run_recast(model, cfg, out)
    timings["recast_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    write_outputs(res, out)
    timings["outputs_s"] = round(time.perf_counter() - t, 2)
    timings["total_s"] = round(sum(timings.values()), 2)
    return timings, res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="BC4", help="built-in name, YAML model file or module:Class")
    ap.add_argument("--grid", default="50x50")
    ap.add_argument("--quick", action="store_true", help="run the search sections in quick mode")
    ap.add_argument("--searches-from", type=Path, default=None, help="reuse the curves of a run directory")
    ap.add_argument("--n-per-mass", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scheduler", default="local:2",
                    help="also time the recast on this dask scheduler (ADDRESS or local:N; 'none' to skip)")
    args = ap.parse_args()
    model = load_model(args.model)
    n_m, n_c = parse_grid(args.grid)
    out = Path(tempfile.mkdtemp(prefix="recast_bench_"))
    cfg = RecastConfig(parse_search_list("all"), n_mass=n_m, n_coupling=n_c, searches_from=args.searches_from,
                       seed=args.seed, quick=args.quick, n_per_mass=args.n_per_mass)
    timings, res = _time_recast(model, cfg, out / "in_process", args)
    report = {"model": model.name, "grid": args.grid, "quick": args.quick,
              "searches": [o.name for o in res.outcomes], "skipped": sorted(res.skipped),
              "timings": timings, "target_s": 180, "out": str(out)}
    if args.scheduler.lower() != "none":
        check_scheduler(args.scheduler)
        t = time.perf_counter()
        with use_scheduler(args.scheduler):
            # cluster start-up timed apart: it is paid once per command, not per unit of work
            start = round(time.perf_counter() - t, 2)
            d_timings, d_res = _time_recast(model, cfg, out / "scheduler", args)
        d_timings["cluster_start_s"] = start
        report["scheduler"] = {"spec": args.scheduler, "timings": d_timings,
                               # same seed: the exclusions must be identical (kaonportal.distributed docstring)
                               "same_union": bool(np.array_equal(res.union, d_res.union)),
                               "same_statistical_combination": bool(np.array_equal(res.combined, d_res.combined))}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
