#!/usr/bin/env python
"""Calibrate the upstream-background interaction yield on the 2017 budget and check 2018 and 2021-22.

Usage:
    python scripts/calibrate_upstream.py [--n 200000] [--seed 1]

Prints the calibrated ``upstream.interaction_pion_yield`` (and its error) to copy into the built-in cards, and the
model's 2018 and 2021-22 upstream counts with their ratio to the published ones (never fitted).
Model: kaonportal/analyses/pnn_budget/upstream_physics.py; data sets: upstream_check.py.
"""

from __future__ import annotations

import argparse
import time

from kaonportal.analyses.pnn_budget import load_calibration
from kaonportal.analyses.pnn_budget.upstream_check import CHECKS, _selection, n_k_eff, run_check
from kaonportal.analyses.pnn_budget.upstream_physics import calibrate
from kaonportal.detector import load_card


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000, help="events per simulated sample")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    cal = load_calibration("pnn-calibration.yaml")
    t0 = time.time()
    ref = CHECKS["pnn-2017"]
    nk = n_k_eff(ref, args.n, args.seed)
    pub = (ref.published[0], max(ref.published[1:]))
    y, y_err, res = calibrate(load_card(ref.card), _selection(ref), nk, pub, cal, args.n, args.seed)
    print(f"2017: N_K,eff = {nk:.4g}; decays (A) = {res.decays:.4g} +- {res.decays_error:.2g}; "
          f"S_B = {res.interaction_acceptance:.4g}")
    print(f"interaction_pion_yield: {y:.4g}   interaction_pion_yield_error: {y_err:.2g}")
    for name in ("pnn-2017", "pnn-2018", "pnn-2021-22"):
        card = load_card(CHECKS[name].card).model_copy(deep=True)
        card.upstream.interaction_pion_yield, card.upstream.interaction_pion_yield_error = y, y_err
        r, ratio = run_check(name, card, cal, args.n, args.seed)
        p = CHECKS[name].published
        print(f"{name}: {r.value:.3g} +- {r.error:.2g} (A {r.decays:.3g}, B {r.interactions:.3g}; P_in "
              f"{r.in_time_probability:.3f}, S_B {r.interaction_acceptance:.4g}) vs published {p[0]} "
              f"-{p[1]} +{p[2]}: ratio {ratio:.2f}")
    print(f"{time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
