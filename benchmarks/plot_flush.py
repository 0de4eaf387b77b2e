"""CPU cost of writing the plots of ``kaonportal run`` (``report.style.flush_deferred``), for two source trees.

Run:  python benchmarks/plot_flush.py capture [--full] [--only SECTION] [--figures FILE]
      python benchmarks/plot_flush.py time --src SRC_DIR [--baseline SRC_DIR] [--repeat N] [--figures FILE]

``capture`` runs ``kaonportal run`` (``--quick`` unless ``--full``; ``--only`` one section) in this process and
pickles the figures the run holds for its final plot flush, with their stamp lines, before they are written.
``time`` writes those figures, in one process (``FLUSH_WORKERS = 1``, as on a busy machine), with each tree's
``kaonportal.report.style`` first on the path: a fresh child per measurement, trees alternating (baseline,
current, ...) so that both see the same load; it prints the CPU seconds (user + system of the child's flush,
``time.process_time``) and the ratio current / baseline, and whether the PNG files of the two trees are the same
bytes. Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

_DEFAULT = Path(tempfile.gettempdir()) / "kp-plot-flush-figures.pkl"

# the child of ``time``: unpickle the figures and write them once, printing the flush's CPU seconds
_CHILD = """
import pickle, sys, time
from pathlib import Path
import kaonportal.report.style as st
st.FLUSH_WORKERS = 1
figs = pickle.load(open(sys.argv[1], "rb"))
out = Path(sys.argv[2])
pending = {str(out / f"{i:03d}_{Path(stem).name}"): (fig, fmts, note) for i, (stem, (fig, fmts, note)) in
           enumerate(figs.items())}
t0 = time.process_time()
st.flush_deferred(pending, lambda note: note)
print(time.process_time() - t0)
"""


def capture(args) -> None:
    import kaonportal.report.style as st
    from typer.main import get_command

    from kaonportal.cli.main import app
    from run_cost import only_config
    original = st.flush_deferred

    def keep(pending, stamp=None):
        held = {stem: (fig, fmts, stamp(tag) if stamp is not None else None)
                for stem, (fig, fmts, tag) in pending.items()}
        with open(args.figures, "wb") as f:      # before the flush draws them: the figures as the run made them
            pickle.dump(held, f)
        return original(pending, stamp)
    st.flush_deferred = keep
    tmp = Path(tempfile.mkdtemp(prefix="kp-plot-flush-"))
    config = ["--config", str(only_config(args.only, tmp))] if args.only else []
    get_command(app).main(["run", "--out", str(tmp / "run"), "--force", *([] if args.full else ["--quick"]),
                           *config], standalone_mode=False)
    print(f"figures of the run's flush pickled in {args.figures}")


def _flush_cpu(src: Path, figures: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    res = subprocess.run([sys.executable, "-c", _CHILD, str(figures), str(out)], env=env, check=True,
                         capture_output=True, text=True)
    return float(res.stdout.split()[-1])


def time_trees(args) -> None:
    trees = {"current": Path(args.src).resolve()}
    if args.baseline:
        trees = {"baseline": Path(args.baseline).resolve(), **trees}
    tmp = Path(tempfile.mkdtemp(prefix="kp-plot-flush-"))
    cpu = {name: [] for name in trees}
    for k in range(args.repeat):
        for name, src in trees.items():
            cpu[name].append(_flush_cpu(src, args.figures, tmp / f"{name}{k}"))
    for name, values in cpu.items():
        print(f"{name:9s} flush CPU s: {', '.join(f'{v:.2f}' for v in values)}  (min {min(values):.2f})")
    if args.baseline:
        print(f"ratio current / baseline (min over repeats): {min(cpu['current']) / min(cpu['baseline']):.3f}")
        a, b = tmp / "baseline0", tmp / "current0"
        names = sorted(p.name for p in a.glob("*.png"))
        same = sum(filecmp.cmp(a / n, b / n, shallow=False) for n in names)
        print(f"PNG files the same bytes: {same} of {len(names)}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--full", action="store_true", help="the default run instead of --quick")
    c.add_argument("--only", default=None, help="one section (e.g. hnl)")
    c.add_argument("--figures", type=Path, default=_DEFAULT)
    t = sub.add_parser("time")
    t.add_argument("--src", required=True, help="the src directory measured")
    t.add_argument("--baseline", default=None, help="a src directory to compare with")
    t.add_argument("--repeat", type=int, default=2)
    t.add_argument("--figures", type=Path, default=_DEFAULT)
    args = ap.parse_args(argv)
    (capture if args.cmd == "capture" else time_trees)(args)


if __name__ == "__main__":
    main()
