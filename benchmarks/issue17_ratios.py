"""Issue 17 ratios, measured in one run (the machine may be shared: ratios are what to quote).

Run:  python benchmarks/issue17_ratios.py [--n 2000000] [--workers 1 2 4] [--run-quick] [--decay "K+ -> pi+ pi0"]
                                        [--baseline SRC_DIR] [--repeat N]

Prints
1. ``simulate`` end to end over the kernel: wall time of ``simulate(decay, n, output=FILE.parquet, workers=2)``
   (lean default file: narrowed, encoded and written) over the time of the kernel for the same events
   (``run_chunk``: generate -> reconstruct -> Arrow table, 2 threads, nothing written); bytes per event of the
   file (target: ratio <= 2, <= 60 bytes/event);
2. dask throughput: events/s of ``simulate(decay, n, output=FILE, scheduler="local:W")`` for each W over one
   local process (``workers=1``, same file), cluster start-up and worker warm-up excluded, and the CPU time of
   the whole run (client and workers) over the local one (the dask overhead, robust to the machine's load).
   A local process already overlaps the kernel and the file encoding (two threads), so W workers on W idle
   cores gain less than W: at most min(W, cores) x (CPU of the local main thread) / (CPU of the local run),
   printed as the ceiling (measured in the same run);
3. with ``--run-quick`` (and ``--run-full`` for the default ``kaonportal run``): the main job over the kernel: wall time of ``kaonportal run --quick`` over the kernel
   time of every event it simulates (counted by wrapping ``simulate`` and the event record's per-block function;
   kernel time from the rate of item 1);
   with ``--baseline SRC_DIR`` (a ``src`` directory of another version) also ``kaonportal run --quick`` of the
   baseline and of this checkout, each in a fresh process (``run_cost.measure``: CPU from the kernel's
   accounting), ``--repeat`` times each, the two trees alternately (``run_cost.alternate``), medians over the
   same kernel CPU time: the before/after ratios measured in one session.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from kaonportal.backend import BLOCK_SIZE, BlockThreads
from kaonportal.decays import generate
from kaonportal.detector import load_card
import kaonportal.simulation.engine as engine
from kaonportal.simulation import simulate
from kaonportal.simulation.run import run_chunk
from kaonportal.simulation.schema import arrow_schema


def kernel_time(decay: str, n: int, threads: int) -> float:
    """Seconds for the chain (no file) over n events, chunks of 16 blocks, ``threads`` threads."""
    card = load_card("na62-2022")
    ctx = engine.make_context(decay, 1, card, card.beam.z_range_default, None, "weights", True, False, generate, {})
    schema = arrow_schema({})
    step = 16 * BLOCK_SIZE
    block_threads = BlockThreads(threads)
    try:
        t = time.perf_counter()
        c = time.process_time()
        for i, start in enumerate(range(0, n, step)):
            run_chunk(ctx, schema, i * 16, start, min(start + step, n), block_threads)
        KERNEL_CPU[decay] = min(KERNEL_CPU.get(decay, float("inf")), time.process_time() - c)
        KERNEL_CPU_PER_EVENT[0] = KERNEL_CPU[decay] / n
        return time.perf_counter() - t
    finally:
        block_threads.close()


#: decay -> process CPU seconds of the last kernel_time (the load-robust twin of its wall time)
KERNEL_CPU: dict[str, float] = {}
#: the kernel's CPU seconds per event (last kernel_time)
KERNEL_CPU_PER_EVENT = [float("nan")]


def simulate_file(decay: str, n: int, threads: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "ev.parquet"
        t = time.perf_counter()
        simulate(decay, n=n, seed=1, output=out, workers=threads)
        dt = time.perf_counter() - t
        return dt, out.stat().st_size / n


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process so far, all threads (run in the workers too)."""
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def dask_rates(decay: str, n: int, workers: list[int]) -> dict[int, tuple[float, float]]:
    """W -> (events/s, CPU seconds of client + workers) of ``simulate`` writing the (lean) file, as
    ``kaonportal simulate --scheduler local:W`` does; cluster start-up and worker warm-up excluded."""
    from kaonportal.distributed import use_scheduler, warm_workers
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for w in workers:
            with use_scheduler(f"local:{w}") as client:
                warm_workers(client)          # imports and compiled code in every worker, waited for
                before = sum(client.run(_cpu_s).values())
                t = time.perf_counter()
                c = _cpu_s()
                simulate(decay, n=n, seed=1, output=Path(d) / f"w{w}.parquet")
                wall = time.perf_counter() - t
                out[w] = (n / wall, _cpu_s() - c + sum(client.run(_cpu_s).values()) - before)
    return out


def run_quick_ratio(kernel_rate: float, kernel_cpu_rate: float | None = None, quick: bool = True) -> dict:
    """``kaonportal run --quick`` in this process over the kernel time of every event it simulates: the events of
    ``simulate`` (the fast-simulation chain, counted by wrapping it) and those of the event record
    (:mod:`kaonportal.simulation.record`, counted by wrapping its per-block function: the multi-particle searches
    build their events there, not through ``simulate``; before this count they were left out of the
    denominator, which inflated the ratio). Kernel time of both at the chain's rate (item 1): the record does more
    per event than the chain, so the ratio stays an upper bound of the job's overhead over its event building.
    Returns wall s, CPU s, events of each path and the ratios (wall / kernel wall, CPU / kernel CPU; on a shared
    machine the CPU ratio is the one that does not move with the other users' load). ``quick=False``: the default
    ``kaonportal run`` (the main job itself, ~10x the events)."""
    import kaonportal.simulation as sim
    import kaonportal.simulation.record as record
    import kaonportal.simulation.run as simrun
    from typer.main import get_command
    from kaonportal.cli.main import app
    events = {"simulate": 0, "record": 0}
    real, real_block = simrun.simulate, record._block

    def counting(decay, n, *a, **k):
        events["simulate"] += int(n)
        return real(decay, n, *a, **k)

    lock = threading.Lock()

    def counting_block(gen, n, *a, **k):
        with lock:                  # the record's blocks are built on threads (record.iter_record_blocks)
            events["record"] += int(n)
        return real_block(gen, n, *a, **k)

    sim.simulate = simrun.simulate = counting
    record._block = counting_block
    try:
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            c = time.process_time()
            get_command(app).main(["run", *(["--quick"] if quick else []), "--out", str(Path(d) / "r")],
                                 standalone_mode=False)
            wall = time.perf_counter() - t
            cpu = time.process_time() - c
    finally:
        sim.simulate = simrun.simulate = real
        record._block = real_block
    total = events["simulate"] + events["record"]
    out = {"wall": wall, "cpu": cpu, **events, "events": total}
    for key, ev in (("", total), ("_simulate_only", events["simulate"])):
        out["wall_ratio" + key] = wall / (ev / kernel_rate) if ev else float("nan")
        out["cpu_ratio" + key] = cpu / (ev / kernel_cpu_rate) if ev and kernel_cpu_rate else float("nan")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--decay", default="K+ -> pi+ pi0")
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    ap.add_argument("--run-quick", action="store_true")
    ap.add_argument("--run-full", action="store_true", help="the same ratio for the default kaonportal run (~1 min)")
    ap.add_argument("--skip-file", action="store_true", help="only the kernel time (for --run-quick)")
    ap.add_argument("--baseline", type=Path, default=None, help="src directory of a baseline version (--run-quick)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each tree with --baseline (alternately)")
    args = ap.parse_args()
    simulate(args.decay, n=1000, seed=0)            # compiled code loaded (numba cache)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (shared machine: quote ratios)")
    tk = kernel_time(args.decay, args.n, 2)
    if args.skip_file:
        tf = bpe = float("nan")
    else:
        tf, bpe = simulate_file(args.decay, args.n, 2)
    tk2 = kernel_time(args.decay, args.n, 2)          # again: the load may change between measurements
    tk = min(tk, tk2)
    print(f"simulate {args.decay!r} n={args.n}: kernel {tk:.2f} s ({args.n / tk / 1e6:.2f} M/s), end to end "
          f"with the file {tf:.2f} s; ratio {tf / tk:.2f} (target <= 2); {bpe:.1f} bytes/event (target <= 60)")
    if args.workers:
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            c = _cpu_s()
            main_thread = time.thread_time()
            simulate(args.decay, n=args.n, seed=1, workers=1, output=Path(d) / "local.parquet")
            local = args.n / (time.perf_counter() - t)
            local_cpu = _cpu_s() - c
            main_thread = time.thread_time() - main_thread
        rates = dask_rates(args.decay, args.n, args.workers)
        # on a shared machine the wall-time ratio follows the other users' load; the CPU ratio (all processes of
        # the run over the local one) is the overhead of going through dask, whatever the load
        print(f"one local process writing the file (workers=1): {local / 1e6:.2f} M/s, {local_cpu:.2f} s CPU; "
              f"dask LocalCluster over it (load {os.getloadavg()[0]:.1f}): " +
              ", ".join(f"{w} worker(s) {r / local:.2f}x throughput, {cpu / local_cpu:.2f}x CPU"
                        for w, (r, cpu) in rates.items()))
        # the ceiling: the local process already runs the kernel (main thread) and the encoding (output thread)
        # side by side, so its wall time on idle cores is its main thread's CPU time; W workers on C idle cores
        # with no overhead at all do the same total CPU in total / min(W, C)
        cores = os.cpu_count() or 1
        print(f"ceiling on {cores} idle cores, measured (local main-thread CPU {main_thread:.2f} s of {local_cpu:.2f} s): "
              + ", ".join(f"{w} worker(s) {min(w, cores) * main_thread / local_cpu:.2f}x" for w in rates))
    for flag, quick, label in ((args.run_quick, True, "run --quick"), (args.run_full, False, "run")):
        if not flag:
            continue
        r = run_quick_ratio(args.n / tk, args.n / KERNEL_CPU[args.decay], quick=quick)
        print(f"kaonportal {label}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU for {r['events']} simulated "
              f"events ({r['simulate']} by simulate, {r['record']} by the event record); over their kernel time "
              f"{r['wall_ratio']:.1f}x wall, {r['cpu_ratio']:.1f}x CPU (target <= 5; counting the simulate() events "
              f"only, as before: {r['wall_ratio_simulate_only']:.1f}x wall, {r['cpu_ratio_simulate_only']:.1f}x CPU)")
        if args.baseline and quick:
            fresh_process_ratios(args.baseline, r["events"], args.repeat)


def fresh_process_ratios(baseline: Path, events: int, repeat: int = 1) -> None:
    """``kaonportal run --quick`` of the baseline tree and of this checkout in fresh processes, ``repeat`` times
    each, alternately (baseline, current, baseline, ...: ``run_cost.alternate``, so that both see the same load);
    the medians' CPU over the kernel CPU time of the ``events`` they simulate."""
    from run_cost import alternate, median
    kernel_cpu = events * KERNEL_CPU_PER_EVENT[0]
    here = Path(__file__).resolve().parents[1] / "src"
    with tempfile.TemporaryDirectory() as d:
        runs = alternate([("baseline", baseline), ("current", here)], ["--quick"], Path(d), max(1, repeat))
    res = {name: {k: median(rs, k) for k in ("wall_s", "cpu_s", "peak_rss_mb")} for name, rs in runs.items()}
    for name, r in res.items():
        print(f"  {name:8s} run --quick (fresh process): wall {r['wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s, "
              f"peak {r['peak_rss_mb']:.0f} MB; CPU / kernel CPU {r['cpu_s'] / kernel_cpu:.1f}x")
    print(f"  current / baseline: CPU {res['current']['cpu_s'] / res['baseline']['cpu_s']:.2f}, "
          f"wall {res['current']['wall_s'] / res['baseline']['wall_s']:.2f}")


if __name__ == "__main__":
    main()
