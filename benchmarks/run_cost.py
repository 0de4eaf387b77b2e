"""Cost of ``kaonportal run`` as a new user runs it, against a baseline source tree in the same session.

Run:  python benchmarks/run_cost.py [--quick] [--baseline SRC_DIR] [--src SRC_DIR] [--config FILE] [--repeat N] [--warmup]
                                   [--only SECTION] [--cold]

Each measurement is one fresh process (``kaonportal run --force`` into a new directory, so nothing is read
from an earlier cache) whose wall time, CPU time (user + system) and peak resident memory come from the
kernel's accounting of the finished child (``os.wait4``), plus the size of the sample cache it leaves. With
``--baseline`` (a ``src`` directory of another version, e.g. ``git archive main src | tar -x -C /tmp/base``)
the two trees run alternately (baseline, current, baseline, ...) so that both see the same load, and the
ratios current / baseline are printed: on a shared machine quote those and the CPU times, not the wall
times alone. A tree that never ran compiles its numba kernels on its first run (~10 s of CPU for ``--quick``,
cached next to the modules afterwards): ``--warmup`` runs each tree once, untimed, before measuring;
``--cold`` gives each run an empty NUMBA_CACHE_DIR instead: a new user's first run after ``pip install .``
(compilation included; issue #17 targets 60 s default, 20 s ``--quick`` on a quiet 2-core machine).
``--only pnn`` runs one section (a temporary config switching the others off), e.g. the pnn section before
and after a change: ``python benchmarks/run_cost.py --only pnn --baseline /tmp/base/src --warmup``.
Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CLI = "from kaonportal.cli.main import app; app()"


def only_config(section: str, directory: Path) -> Path:
    """A ``kaonportal run --config`` file in ``directory`` that enables ``section`` only (pnn, beamdump or a
    search of ``kaonportal.analyses.searches.SECTIONS``)."""
    from kaonportal.analyses.searches import SECTIONS
    names = ["pnn", "beamdump", *SECTIONS]
    if section not in names:
        raise SystemExit(f"--only: unknown section {section!r}; known: {', '.join(names)}")
    p = Path(directory) / f"only-{section}.yaml"
    p.write_text("sections:\n" + "".join(f"  {n}: {'true' if n == section else 'false'}\n" for n in names))
    return p


def measure(src: Path, args: list[str], out: Path, numba_cache: Path | None = None) -> dict:
    """One ``kaonportal run`` with ``src`` first on the path (and ``numba_cache`` as NUMBA_CACHE_DIR if given):
    wall s, cpu s (the run's and the processes it waited for, e.g. the numba warm-up helper), peak RSS MB,
    cache MB."""
    env = {**os.environ, "PYTHONPATH": str(src), **({"NUMBA_CACHE_DIR": str(numba_cache)} if numba_cache else {})}
    cmd = [sys.executable, "-c", _CLI, "run", "--out", str(out), "--force", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{src}: kaonportal run failed (exit {proc.returncode}):\n{err.decode()[-2000:]}")
    cache = out / "cache"
    cache_mb = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) / 1e6 if cache.is_dir() else 0.0
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024,
            "cache_mb": cache_mb}


def alternate(trees: list[tuple[str, Path]], run_args: list[str], tmp: Path, repeat: int = 1,
              warmup: bool = False, cold: bool = False) -> dict[str, list[dict]]:
    """:func:`measure` each ``(name, src)`` tree ``repeat`` times, the trees alternately (baseline, current,
    baseline, ...) so that both see the same load; ``warmup``: one untimed run per tree first; ``cold``: each run
    with its own empty numba cache directory. Each run writes into a fresh directory under ``tmp``, removed
    afterwards. Returns name -> list of results (with ``load``)."""
    results: dict[str, list[dict]] = {name: [] for name, _ in trees}
    if warmup:
        for name, src in trees:
            measure(src.resolve(), run_args, tmp / f"warmup-{name}")
            shutil.rmtree(tmp / f"warmup-{name}", ignore_errors=True)
    for i in range(repeat):
        for name, src in trees:          # alternate: both versions see the same load
            numba_cache = tmp / f"numba-{name}{i}" if cold else None
            r = measure(src.resolve(), run_args, tmp / f"{name}{i}", numba_cache)
            r["load"] = _load()
            results[name].append(r)
            print(f"{name:9s} #{i}: wall {r['wall_s']:7.1f} s  cpu {r['cpu_s']:7.1f} s  "
                  f"peak {r['peak_rss_mb']:6.0f} MB  cache {r['cache_mb']:6.1f} MB  (load {r['load']})",
                  flush=True)
            shutil.rmtree(tmp / f"{name}{i}", ignore_errors=True)
            if numba_cache:
                shutil.rmtree(numba_cache, ignore_errors=True)
    return results


def median(results: list[dict], key: str) -> float:
    """The median of ``key`` over the results of one tree (the upper one of an even count)."""
    return sorted(r[key] for r in results)[len(results) // 2]


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="kaonportal run --quick")
    ap.add_argument("--config", type=Path, default=None, help="a --config YAML (e.g. one section only)")
    ap.add_argument("--baseline", type=Path, default=None, help="src directory of the baseline version")
    ap.add_argument("--src", type=Path, default=Path(__file__).resolve().parents[1] / "src",
                    help="src directory of the version measured (default: this checkout)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--warmup", action="store_true", help="one untimed run per tree first (numba compile cache)")
    ap.add_argument("--cold", action="store_true", help="each run with an empty numba cache (a first run)")
    ap.add_argument("--only", default=None, help="run this section only (e.g. pnn)")
    ap.add_argument("--extra", nargs="*", default=[], help="further arguments for kaonportal run")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="kp-run-cost-"))
    if args.only and args.config:
        raise SystemExit("give --only or --config, not both")
    config = only_config(args.only, tmp) if args.only else args.config
    run_args = [*(["--quick"] if args.quick else []), *(["--config", str(config)] if config else []),
                *args.extra]
    trees = ([("baseline", args.baseline)] if args.baseline else []) + [("current", args.src)]
    try:
        results = alternate(trees, run_args, tmp, args.repeat, args.warmup, args.cold)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.baseline:
        print("current / baseline (medians):")
        for key in ("wall_s", "cpu_s", "peak_rss_mb", "cache_mb"):
            b, c = median(results["baseline"], key), median(results["current"], key)
            print(f"  {key:12s} {c:9.1f} / {b:9.1f} = {c / b if b else float('nan'):.2f}")


if __name__ == "__main__":
    main()
