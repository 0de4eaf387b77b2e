"""Throughput of the decay generators (kaonportal.decays), one block of events per call.

Prints, per mode, the time per 1000 decays and the ratio to a baseline measured in the same run
(drawing 4 uniform random numbers per event with numpy, the floor of any generator), then the
BR-weighted K+ decay mix in decays per second on one core.

    /tmp/kpvenv/bin/python benchmarks/decays_throughput.py [--n 65536] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from kaonportal import constants
from kaonportal.backend import BLOCK_SIZE, block_rng
from kaonportal.decays import generate


def _best(fn, repeat):
    fn()  # warm-up (numba compilation, caches)
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=BLOCK_SIZE)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.n
    rng = block_rng(1, 0)
    base = _best(lambda: rng.random((n, 4)), args.repeat)
    print(f"baseline (numpy, 4 uniforms/event): {base / n * 1e9:8.1f} ns/event")
    modes = dict(constants.BR_K)
    rates = {}
    print(f"{'decay':28s} {'us/1000':>9s} {'x baseline':>10s}")
    for decay in list(modes) + ["K+ -> mu+ nu gamma", "K+ -> pi+ pi0 gamma", "mu+ -> e+ nu nubar"]:
        m = n if modes.get(decay, 1.0) > 1e-6 else max(n // 8, 1000)
        t = _best(lambda: generate(decay, m, rng), max(1, args.repeat // (1 if m == n else 2)))
        rates[decay] = t / m
        print(f"{decay:28s} {t / m * 1e9:9.1f} {t / m / (base / n):10.1f}")
    tot = sum(modes.values())
    mean_t = sum(br / tot * rates[d] for d, br in modes.items())
    print(f"BR-weighted K+ decay mix: {1.0 / mean_t / 1e6:.2f} million decays/s on one core "
          f"({mean_t * 1e9:.0f} ns/decay)")


if __name__ == "__main__":
    main()
