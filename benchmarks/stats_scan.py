"""Benchmark: a 1000-point mass scan with expected bands, kaonportal.stats vs pyhf (same run).

Both do the same single-bin counting model at every mass hypothesis: observed count in a +-1.5 sigma
window, background expectation with a 10% Gaussian uncertainty (pyhf ``histosys``, linear interpolation),
signal = BR * eff / SES; 90% CL CLs upper limit with the q~_mu asymptotic calculator and the +-1, +-2 sigma
expected bands (kaonportal ``peak_scan(calculator="asymptotic")`` vs ``pyhf.infer.intervals.upper_limits
.toms748_scan(..., test_stat="qtilde")``, what pyhf's ``upper_limit`` calls). pyhf runs on ``--pyhf-points`` evenly spaced hypotheses (default
all 1000); its time is scaled to 1000 points when fewer are run (printed). Also printed: the
exact-discrete kaonportal scan time (no pyhf counterpart).

``--issue17``: instead, the two costs of the HNL/kmunux scans that issue 17 removed, as CPU-time ratios measured
in one process: kernel window sums of a wide one-width source (stats.kernel_sums cells vs one Phi per event, the
same numbers to 1e-12) and 40 one-dataset asymptotic counting limits (stats.batch.upper_limits vs one
upper_limit call each, bit for bit).

Usage: python benchmarks/stats_scan.py [--points 1000] [--pyhf-points 1000] [--seed 1] [--issue17]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--pyhf-points", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--issue17", action="store_true", help="kernel sums and batched limits only (docstring)")
    args = ap.parse_args()
    if args.issue17:
        issue17(args.seed)
        return

    from kaonportal.stats import peak_scan

    rng = np.random.default_rng(args.seed)
    density = 2000.0                                     # background events per unit mass
    cand = np.concatenate([rng.uniform(0.0, 1.0, rng.poisson(density)), rng.normal(0.4, 0.01, 25)])
    masses = np.linspace(0.05, 0.95, args.points)
    sigma = 0.004 + 0.01 * masses
    b = density * 2 * 1.5 * sigma
    ses = 1e-9 * (1.0 + masses)

    t0 = time.perf_counter()
    ours = peak_scan(masses, candidates=cand, resolution=sigma, background=b, background_error=0.1 * b,
                     ses=ses, cl=0.9, calculator="asymptotic", n_jobs=1)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    peak_scan(masses, candidates=cand, resolution=sigma, background=b, background_error=0.1 * b,
              ses=ses, cl=0.9, calculator="exact", n_jobs=1)
    t_exact = time.perf_counter() - t0

    import pyhf

    warnings.simplefilter("ignore", DeprecationWarning)
    pyhf.set_backend("numpy")
    idx = np.unique(np.linspace(0, args.points - 1, min(args.pyhf_points, args.points)).round().astype(int))
    spb = ours.efficiency / ses
    br_unit = 10.0 / spb                                 # pyhf's mu is BR in units giving 10 signal events
    ratios_obs, ratios_exp = [], []
    t0 = time.perf_counter()
    for i in idx:
        spec = {"channels": [{"name": "w", "samples": [
            {"name": "sig", "data": [10.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "bkg", "data": [float(b[i])], "modifiers": [
                {"name": "bu", "type": "histosys",
                 "data": {"lo_data": [float(0.9 * b[i])], "hi_data": [float(1.1 * b[i])]}}]}]}]}
        model = pyhf.Model(spec, poi_name="mu", modifier_settings={"normsys": {"interpcode": "code1"},
                                                                    "histosys": {"interpcode": "code0"}})
        data = [float(ours.n_observed[i])] + model.config.auxdata
        bounds = model.config.suggested_bounds()
        bounds[model.config.poi_index] = (0.0, 100.0)
        # pyhf's own bracket starts at mu = 0 where its CLs is 0/0; bracket at [0.01, 100] instead
        obs, exp = pyhf.infer.intervals.upper_limits.toms748_scan(data, model, 0.01, 100.0, level=0.1,
                                                                  par_bounds=bounds, test_stat="qtilde")
        ratios_obs.append(ours.observed_limit[i] / (float(obs) * br_unit[i]))
        ours_exp = [ours.expected[k][i] for k in ("minus2", "minus1", "median", "plus1", "plus2")]
        ratios_exp.append(np.array(ours_exp) / (np.asarray(exp, dtype=float) * br_unit[i]))
    t_pyhf = time.perf_counter() - t0
    # time kaonportal again after pyhf: the machine is shared, so average over both sides of the pyhf run
    t0 = time.perf_counter()
    peak_scan(masses, candidates=cand, resolution=sigma, background=b, background_error=0.1 * b,
              ses=ses, cl=0.9, calculator="asymptotic", n_jobs=1)
    t_ours = 0.5 * (t_ours + time.perf_counter() - t0)
    t_pyhf_full = t_pyhf * args.points / len(idx)
    dev_obs = np.max(np.abs(np.array(ratios_obs) - 1))
    dev_exp = np.max(np.abs(np.array(ratios_exp) - 1))
    print(f"mass points: {args.points}  (pyhf run on {len(idx)} of them)")
    print(f"kaonportal asymptotic scan (observed + 5 expected limits, local p): {t_ours:8.3f} s (mean of 2)")
    print(f"kaonportal exact-discrete scan (same outputs):                    {t_exact:8.3f} s")
    print(f"pyhf upper_limit per point: {t_pyhf / len(idx) * 1e3:.1f} ms -> {t_pyhf_full:8.1f} s for "
          f"{args.points} points" + ("" if len(idx) == args.points else " (scaled)"))
    print(f"speed-up vs pyhf (asymptotic, same model): {t_pyhf_full / t_ours:8.1f} x   (target >= 100 x)")
    print(f"max |ours/pyhf - 1|: observed {dev_obs:.2e}, expected bands {dev_exp:.2e}   (target < 1e-2)")
    print(f"most significant excess: m = {ours.max_excess_mass:.4f}, local Z = {np.nanmax(ours.local_significance):.2f}, "
          f"global Z = {ours.global_significance:.2f} ({ours.global_method})")


def _cpu(fn, *a, **k):
    t0 = time.process_time()
    out = fn(*a, **k)
    return out, time.process_time() - t0


def issue17(seed: int) -> None:
    """Cells vs per-event kernel sums, batched vs single counting limits (module docstring)."""
    from kaonportal.stats import Dataset, upper_limit
    from kaonportal.stats import kernel_sums as ks
    from kaonportal.stats.batch import upper_limits

    rng = np.random.default_rng(seed)
    n = 400_000                                          # a wide background source, as kmunux's K_mu3 / IB ones
    x, w, h = rng.normal(0.0, 0.05, n), rng.exponential(1.0, n), np.full(n, 0.01)
    edges = np.linspace(-0.2, 0.2, 401)
    ks.KernelSet(x[:100], w[:100], h[:100]).bin_sums(edges)          # compile outside the timing
    cells, t_cells = _cpu(lambda: ks.KernelSet(x, w, h).bin_sums(edges))
    min_per_cell = ks.MIN_PER_CELL
    try:
        ks.MIN_PER_CELL = n + 1                          # no cells: one Phi per event and edge
        events, t_events = _cpu(lambda: ks.KernelSet(x, w, h).bin_sums(edges))
    finally:
        ks.MIN_PER_CELL = min_per_cell
    dev = float(np.max(np.abs(cells[0] - events[0]) / np.maximum(events[0], 1e-300)))
    print(f"kernel bin sums, {n} events x 400 bins: cells {t_cells:.3f} s, per event {t_events:.3f} s CPU: "
          f"{t_events / t_cells:.0f} x; max relative difference {dev:.1e}")
    probs = []
    for i in range(40):
        b = float(10 ** rng.uniform(3, 6))
        probs.append([Dataset(f"r{i}", int(rng.poisson(b)), b, 1e-9, background_error=0.1 * b)])
    batched, t_batch = _cpu(upper_limits, probs, cl=0.9)
    single, t_single = _cpu(lambda: [upper_limit(p, cl=0.9) for p in probs])
    print(f"40 counting limits with bands: batched {t_batch:.3f} s, one by one {t_single:.3f} s CPU: "
          f"{t_single / t_batch:.0f} x; identical: {batched == single}")


if __name__ == "__main__":
    main()
