#!/usr/bin/env python
"""Calibrate the R/D inputs of the K+ -> pi+ nu nubar background budget against the published 2017
budget (NA62, JHEP 11 (2020) 042; numbers in [NA62:2020eqcd] = S003 Table I), then show
the 2021-22 budget (JHEP 02 (2025) 191, [NA62:2024pjp]) predicted with the calibration as the check.

Usage:
    python scripts/calibrate_pnn_budget.py [--scale 1.0] [--seed 2017] [--out FILE] [--force] [--check] [--cache DIR]

Writes a calibration YAML (default: src/kaonportal/data/configs/pnn-calibration.yaml, which
``kaonportal run`` uses by default). Model and parameter meanings: kaonportal/analyses/pnn_budget/.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from kaonportal.analyses.pnn_calibration import calibrate_budget, calibration_config

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "kaonportal" / "data" / "configs" / "pnn-calibration.yaml"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="sample sizes relative to the default run config")
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--dataset", default="pnn-2017")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--force", action="store_true", help="overwrite an existing calibration file")
    ap.add_argument("--check", action="store_true", help="also predict the 2021-22 budget with the new calibration")
    ap.add_argument("--cache", type=Path, default=None, help="directory to cache the simulated samples (Parquet)")
    args = ap.parse_args(argv)
    if args.out.exists() and not args.force:
        print(f"error: {args.out} exists; pass --force to overwrite", file=sys.stderr)
        return 2
    cfg = calibration_config(args.dataset, seed=args.seed, scale=args.scale)
    t0 = time.time()
    cal, summary = calibrate_budget(cfg, cache_dir=args.cache)
    header = ("# K+ -> pi+ nu nubar background-budget calibration, written by scripts/calibrate_pnn_budget.py\n"
              f"# (--dataset {args.dataset} --seed {args.seed} --scale {args.scale}). Do not edit by hand.\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + yaml.safe_dump(cal.model_dump(mode="json"), sort_keys=False))
    print(f"wrote {args.out} ({time.time() - t0:.0f} s)", file=sys.stderr)
    for s, (v, e) in cal.scales.items():
        print(f"  scale[{s}] = {v:.4g} +- {e:.2g}", file=sys.stderr)
    for s, (v, e) in cal.tail_fractions.items():
        print(f"  tail_fraction[{s}] = {v:.4g} +- {e:.2g}", file=sys.stderr)
    d = cal.details
    print(f"  chi2/ndf = {d['chi2']:.2f}/{d['ndf']} (data {d['chi2_data']:.2f}, priors {d['chi2_prior']:.2f}), "
          f"p = {d['p_value']:.3g}", file=sys.stderr)
    for s, x in d["sources"].items():
        print(f"    {s:26s} raw {x['raw']:.3g} (MC {x['relative_mc_error']:.0%}) fitted {x['fitted']:.3g} "
              f"published {x['published']} pull {x['pull']:+.2f}", file=sys.stderr)
    print("  prior pulls: " + ", ".join(f"{k} {v:+.2f}" for k, v in d["prior_pulls"].items()), file=sys.stderr)
    print(f"  upstream_probability = {cal.upstream_probability:.4g} +- {cal.upstream_probability_error:.2g}",
          file=sys.stderr)
    if args.check:
        from kaonportal.analyses.pnn import pnn_compute, needed_columns, resolve_pnn
        from kaonportal.analyses.samples import SampleCache, card_key
        ccfg = calibration_config("pnn-2021-22", seed=args.seed + 5, scale=args.scale)
        ccfg.pnn.calibration = str(args.out)
        setup = resolve_pnn(ccfg)
        res = pnn_compute(setup, SampleCache(args.cache, setup.card_name, card_key(setup.card_name),
                                             columns=needed_columns(setup.selection)))
        print("2021-22 check (simulation | data-driven | published):", file=sys.stderr)
        for c in res["budget_comparison"]:
            print(f"  {c['source']:24s} {c['simulation'] if c['simulation'] is not None else float('nan'):10.4g} "
                  f"+- {c['simulation_error'] or 0:8.2g} | {c['data_driven'] if c['data_driven'] is not None else float('nan'):10.4g}"
                  f" | {c['published']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
