#!/usr/bin/env python
"""Benchmark (not a test): wall time of ``kaonportal validate --quick`` and its ratio to ``kaonportal run --quick``
measured in the same invocation (issue 13 target: validate --quick under 2 minutes on 2 cores).

validate --quick runs the default profile (every section the registry needs) plus a pnn-only run on the 2017
dataset, evaluates the registry and draws the overlays, so the expected ratio is ~1.3-1.5. Each command runs in a
fresh directory (no sample cache), as a subprocess, so that both pay the same start-up cost. ``--full`` also times
the full (non-quick) validate (minutes to tens of minutes).

    python benchmarks/validate_time.py [--full] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "kaonportal.cli.main"]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _timed(args: list[str], env: dict, cpu: dict, name: str) -> tuple[float, int]:
    """Wall time and exit code of one kaonportal command; its CPU time (user + sys) goes to ``cpu[name]`` (on a
    shared machine the CPU ratio is the steadier comparison)."""
    c0, t = _children_cpu(), time.perf_counter()
    proc = subprocess.run(CLI + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu[name] = round(_children_cpu() - c0, 1)
    return time.perf_counter() - t, proc.returncode


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also time the full validate")
    ap.add_argument("--keep", type=Path, help="keep the outputs in this directory")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kp-validate-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    out = {"cpu_count": os.cpu_count(), "load_average_1min_at_start": round(os.getloadavg()[0], 1)}
    cpu: dict = {}
    try:
        out["run_quick_s"], rc_run = _timed(["run", "--quick", "--out", str(work / "run-quick")], env, cpu, "run_quick")
        out["validate_quick_s"], rc_val = _timed(["validate", "--quick", "--out", str(work / "validate-quick")], env,
                                                 cpu, "validate_quick")
        out["ratio_validate_to_run"] = round(out["validate_quick_s"] / out["run_quick_s"], 2)
        out["cpu_s"] = cpu
        out["cpu_ratio_validate_to_run"] = round(cpu["validate_quick"] / max(cpu["run_quick"], 1e-9), 2)
        out["exit_codes"] = {"run": rc_run, "validate": rc_val}
        out["target_s"] = 120.0
        out["under_target"] = out["validate_quick_s"] < 120.0
        vj = work / "validate-quick" / "validation.json"
        if vj.is_file():
            out["counts"] = json.loads(vj.read_text())["summary"]["counts"]
        if args.full:
            out["validate_full_s"], out["exit_codes"]["validate_full"] = _timed(
                ["validate", "--out", str(work / "validate-full")], env, cpu, "validate_full")
        out = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in out.items()}
        print(json.dumps(out, indent=2))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
