"""Regenerate src/kaonportal/data/numba_warmup.txt: the kernels a cold ``kaonportal run`` compiles (issue #17).

Usage: python scripts/record_numba_warmup.py [--quick-only] [--to FILE]

Runs ``kaonportal run`` (default, then ``--quick`` for any kernel only the quick run compiles) in this process with
an empty NUMBA_CACHE_DIR and numba's compile events, and writes every top-level kaonportal kernel signature in
first-use order, tagged with the section that first needs it (``pnn`` or ``later``: the warm-up helper compiles
the pnn kernels from the last-needed one back while the run compiles them from the first one, then the later
sections' kernels in order). Kernels compiled inside another one are left out (they are compiled and cached with
it). ``--to FILE`` writes them to FILE instead of the shipped data file: ``tests/test_warmup.py`` runs
``--quick-only --to ...`` and fails when the shipped list is not what a quick run compiles now; rerun this script
then.
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

tmp = tempfile.mkdtemp(prefix="kp-warmup-")
os.environ["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba")   # before numba is imported: a cold cache
os.environ["KAONPORTAL_NO_WARMUP"] = "1"

from numba.core import event  # noqa: E402

from kaonportal.warmup import DATA_FILE, format_line, parse_signature  # noqa: E402

order: list[tuple[str, str, str]] = []
state = {"depth": 0, "section": "later"}


class _Recorder(event.Listener):
    def on_start(self, ev):
        func = ev.data["dispatcher"].py_func
        if state["depth"] == 0 and func.__module__.startswith("kaonportal."):
            args = tuple(ev.data["args"])
            text = str(args)
            if parse_signature(text) != args:
                sys.exit(f"signature does not parse back: {func.__qualname__} {text} (extend warmup.parse_signature)")
            order.append((state["section"], f"{func.__module__}:{func.__qualname__}", text))
        state["depth"] += 1

    def on_end(self, ev):
        state["depth"] -= 1


def _tag_pnn() -> None:
    """Kernels first compiled inside the pnn section are tagged ``pnn`` (run.py imports pnn_section per call)."""
    from kaonportal.analyses import pnn
    inner = pnn.pnn_section

    def tagged(*args, **kwargs):
        state["section"] = "pnn"
        try:
            return inner(*args, **kwargs)
        finally:
            state["section"] = "later"
    pnn.pnn_section = tagged


def record(modes: list[list[str]]) -> list[str]:
    """The data-file lines of the kernels the runs with these extra options compile, in first-use order."""
    event.register("numba:compile", _Recorder())
    _tag_pnn()
    from kaonportal.cli.main import app
    for extra in modes:
        try:
            app(["run", "--out", os.path.join(tmp, "out" + "".join(extra)), "--force", *extra], standalone_mode=False)
        except SystemExit:
            pass
    return [format_line(*item) for item in dict.fromkeys(order)]


def main() -> None:
    argv = sys.argv[1:]
    try:
        lines = record([["--quick"]] if "--quick-only" in argv else [[], ["--quick"]])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    head = ["# kernels a cold `kaonportal run` compiles, in first-use order: section, kernel, argument types",
            "# (regenerate with scripts/record_numba_warmup.py; read by kaonportal.warmup)"]
    dest = Path(__file__).resolve().parents[1] / "src" / "kaonportal" / "data" / DATA_FILE
    if "--to" in argv:
        dest = Path(argv[argv.index("--to") + 1])
    dest.write_text("\n".join(head + lines) + "\n")
    print(f"{len(lines)} kernel signatures -> {dest}", file=sys.stderr)


if __name__ == "__main__":
    main()
