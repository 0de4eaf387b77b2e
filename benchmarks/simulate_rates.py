"""Events/s (process CPU time) of ``simulate`` for the pnn background decays, optionally against a base tree.

Run:  python benchmarks/simulate_rates.py [--n 300000] [--rounds 2] [--base SRC_DIR] [--decays "K+ -> pi+ pi0" ...]

Each measurement is a fresh process (``simulate(decay, n)`` in memory, no file; the options of the pnn
budget's samples: ``analyses.samples.SIMULATE_OPTIONS`` and ``pnn_budget.variance.sample_options``, e.g.
veto averaging for the pi0 modes; one small warm-up simulation first: imports and compiled code loaded).
With ``--base`` (a ``src`` directory, e.g. from ``git archive main src | tar -x -C /tmp/base``) the base and the
current tree are measured alternately ``rounds`` times and the best of each is kept, so that a shared machine's
load moves both alike: quote the ratio. Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

DECAYS = ["K+ -> pi+ pi0", "K+ -> mu+ nu", "K+ -> pi+ pi+ pi-", "K+ -> pi+ pi- e+ nu", "K+ -> pi0 e+ nu",
          "K+ -> pi+ pi0 gamma", "K+ -> mu+ nu gamma", "K+ -> pi0 mu+ nu", "K+ -> pi+ gamma gamma",
          "K+ -> pi+ nu nubar"]

_CHILD = """
import json, sys, time
from kaonportal.analyses.pnn_budget.variance import sample_options
from kaonportal.analyses.samples import SIMULATE_OPTIONS
from kaonportal.simulation import simulate
d, n = sys.argv[1], int(sys.argv[2])
opts = {**SIMULATE_OPTIONS.get(d, {}), **sample_options(d)}
simulate(d, n=1000, seed=3, **opts)
c = time.process_time()
simulate(d, n=n, seed=7, **opts)
print(json.dumps(n / (time.process_time() - c)))
"""


def rate(src: str, decay: str, n: int) -> float:
    env = {**os.environ, "PYTHONPATH": src}
    out = subprocess.run([sys.executable, "-c", _CHILD, decay, str(n)], capture_output=True, text=True, env=env,
                         check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--base", default=None, help="src directory of the tree to compare with")
    ap.add_argument("--decays", nargs="*", default=DECAYS)
    args = ap.parse_args()
    here = str(Path(__file__).resolve().parents[1] / "src")
    trees = {"this": here} if args.base is None else {"base": args.base, "this": here}
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; events/s of process CPU time")
    for d in args.decays:
        best = dict.fromkeys(trees, 0.0)
        for _ in range(args.rounds):            # alternate the trees: the load moves both alike
            for k, src in trees.items():
                best[k] = max(best[k], rate(src, d, args.n))
        line = "  ".join(f"{k} {v:9.3g}" for k, v in best.items())
        ratio = f"  this/base {best['this'] / best['base']:5.2f}" if "base" in best else ""
        print(f"{d:26s} {line}{ratio}", flush=True)


if __name__ == "__main__":
    main()
