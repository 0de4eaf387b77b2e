"""Profile of the main job: ``kaonportal run --quick`` under cProfile, top costs printed.

Run:  python benchmarks/profile_run.py [--out DIR] [--top 30] [--full] [--sort cumulative|tottime]
                                       [--stats FILE] [--only SECTION] [--config FILE] [--timer wall|cpu]

Runs the command in this process (the same code path as the console script, through the typer app),
writes the raw profile to ``--stats`` (default ``DIR/profile.pstats``, readable with ``python -m pstats``
or snakeviz) and prints the ``--top`` functions by cumulative and by own time, plus the wall time and the
peak resident memory of the process (``resource.getrusage``, Linux: kB). ``--full`` profiles the default
(not ``--quick``) run; ``--only pnn`` one section (the others switched off), ``--config`` a run configuration.
A last table gives the time of the job's parts (the sections, and what is not a section's physics: plots, HEPData,
validation flags, YAML, imports); ``--timer cpu`` (or ``--cpu``) profiles in process CPU time, which a shared
machine's load does not inflate (with the simulation's threads the CPU of the worker threads then shows as waiting
in the main thread). Not a test: numbers depend on the machine and its load (say so when quoting them).
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


#: the parts of the main job outside the sections' physics (issue 17), by (file suffix(es), function) in the profile
PARTS = {
    "search sections": ("analyses/searches/__init__.py", "run"),
    "pnn section": ("analyses/pnn.py", "pnn_section"),
    "beamdump section": ("cli/run.py", "_beamdump_section"),
    # where the sections' events come from: the fast-simulation chain and the event record (multi-particle searches)
    "  simulate() (chain)": ("simulation/run.py", "simulate"),
    "  event record blocks": ("simulation/record.py", "iter_record_blocks"),
    "plots written (deferred)": ("report/style.py", "flush_deferred"),
    "HEPData written": (("report/hepdata.py", "report/tables.py"), "write_hepdata"),   # tables.py before issue 17
    "validation flags": ("cli/run_steps.py", "validation_flags"),
    "summary.json": ("report/__init__.py", "write_summary"),
    "README.md": (("report/readme.py", "report/__init__.py"), "write_readme"),
    "YAML parsed": ("kaonportal/yamlio.py", "_parse"),        # every document, file or text
    "imports": ("<frozen importlib._bootstrap>", "_find_and_load"),
}


def parts_table(stats: pstats.Stats) -> str:
    """Cumulative time of each of :data:`PARTS` (cProfile counts a recursive call, e.g. a nested import, once)."""
    total = max((v[3] for v in stats.stats.values()), default=0.0) or 1.0
    lines = [f"===== parts (cumulative, {total:.1f} s total in the profile's clock) ====="]
    for label, (suffix, func) in PARTS.items():
        cum = sum(v[3] for (f, _, name), v in stats.stats.items() if f.endswith(suffix) and name == func)   # str or tuple
        lines.append(f"{label:28s} {cum:8.2f} s  {100 * cum / total:5.1f} %")
    return "\n".join(lines)


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
    ap.add_argument("--timer", choices=("wall", "cpu"), default="wall",
                    help="cpu: profile in process CPU time (time.process_time), what to quote on a shared machine")
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
    prof = cProfile.Profile(time.process_time) if (args.cpu or args.timer == "cpu") else cProfile.Profile()
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
    print(parts_table(pstats.Stats(prof)))
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
