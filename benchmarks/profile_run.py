"""Profile of the main job: ``kaonportal run --quick`` under cProfile, top costs printed.

Run:  python benchmarks/profile_run.py [--out DIR] [--top 30] [--full] [--sort cumulative|tottime]
                                       [--stats FILE] [--only SECTION] [--config FILE] [--cpu]

Runs the command in this process (the same code path as the console script, through the typer app),
writes the raw profile to ``--stats`` (default ``DIR/profile.pstats``, readable with ``python -m pstats``
or snakeviz) and prints the ``--top`` functions by cumulative and by own time, plus the wall time and the
peak resident memory of the process (``resource.getrusage``, Linux: kB). ``--full`` profiles the default
(not ``--quick``) run; ``--only pnn`` one section (the others switched off), ``--config`` a run configuration;
``--cpu`` times the profile with the process CPU clock instead of the wall clock (on a shared machine the wall
clock mostly measures the other users; with the simulation's threads the CPU of the worker threads then shows
as waiting in the main thread). Not a test: numbers depend on the machine and its load (say so when quoting them).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import shutil
import tempfile
import time
from pathlib import Path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="output directory of the run (default: a temp dir)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--full", action="store_true", help="profile the default run instead of --quick")
    ap.add_argument("--stats", type=Path, default=None)
    ap.add_argument("--only", default=None, help="profile this section only (e.g. pnn)")
    ap.add_argument("--config", type=Path, default=None, help="a kaonportal run --config YAML")
    ap.add_argument("--cpu", action="store_true", help="profile with the process CPU clock")
    ap.add_argument("--extra", nargs="*", default=[], help="further arguments for kaonportal run")
    args = ap.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="kp-profile-")
    out = args.out
    if out is None:
        out = Path(tmp) / "run"
    if args.only and args.config:
        raise SystemExit("give --only or --config, not both")
    from run_cost import only_config
    config = only_config(args.only, Path(tmp)) if args.only else args.config
    from typer.main import get_command
    from kaonportal.cli.main import app
    cmd = get_command(app)
    cli = ["run", "--out", str(out), "--force", *([] if args.full else ["--quick"]),
           *(["--config", str(config)] if config else []), *args.extra]
    prof = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    try:
        cmd.main(cli, standalone_mode=False)
    finally:
        prof.disable()
    wall = time.perf_counter() - t0
    stats_path = args.stats or (out / "profile.pstats")
    prof.dump_stats(stats_path)
    cache = out / "cache"
    cache_bytes = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) if cache.is_dir() else 0
    for key in ("cumulative", "tottime"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats(key).print_stats(args.top)
        print(f"===== top {args.top} by {key} =====")
        print(s.getvalue())
    ru = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = ru.ru_maxrss / 1024
    # CPU time too: on a shared machine the wall time mostly measures the other users
    print(f"kaonportal {' '.join(cli)}: wall {wall:.1f} s, process CPU {ru.ru_utime + ru.ru_stime:.1f} s "
          f"(profiled; cProfile adds ~10-30%), "
          f"peak RSS {peak_mb:.0f} MB, cache {cache_bytes / 1e6:.1f} MB; stats in {stats_path}")
    if args.out is None:
        shutil.copy(stats_path, Path(tempfile.gettempdir()) / "kp-profile-last.pstats")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
