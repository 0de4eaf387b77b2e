"""Throughput of the simulation with the time and pile-up columns versus without (issue #15 benchmark; target < 2x).

    PYTHONPATH=src python benchmarks/pileup_cost.py [n_events]

Same decay, seed and card; the first call of each kind is a warm-up (numba compilation, accidental library).
"""

import sys
import time

from kaonportal.detector.timing import TIME_COLUMNS
from kaonportal.simulation import simulate
from kaonportal.simulation.pileup import PILEUP_COLUMNS


def rate(n, extra):
    simulate("K+ -> pi+ pi0", 70_000, 1, "na62-2022", extra_columns=extra)      # warm-up
    t = time.perf_counter()
    simulate("K+ -> pi+ pi0", n, 2, "na62-2022", extra_columns=extra)
    return n / (time.perf_counter() - t)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
    r0 = rate(n, ())
    r1 = rate(n, TIME_COLUMNS + PILEUP_COLUMNS)
    print(f"events/s without pile-up: {r0:,.0f}; with times + pile-up: {r1:,.0f}; cost {r0 / r1:.2f}x (target < 2x)")
