"""Regenerate src/kaonportal/data/numba_warmup.txt: the kernels a cold ``kaonportal run`` compiles, in order.

Usage: python scripts/record_numba_warmup.py [kaonportal run options, default: --out <tmp> --force]
Runs ``kaonportal run`` in this process with an empty NUMBA_CACHE_DIR and numba's compile events; writes every
top-level kaonportal kernel signature (kernels compiled inside another one are compiled with it) whose printed
form parses back (kaonportal.warmup.parse_signature). Kernels compiled with more than one signature are left
out: two processes saving different signatures of one kernel at once could mix up numba's cache index.
"""
import os
import sys
import tempfile
from pathlib import Path

tmp = tempfile.mkdtemp(prefix="kp-warmup-")
os.environ["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba")   # before numba is imported: a cold cache
os.environ["KAONPORTAL_NO_WARMUP"] = "1"

from numba.core import event  # noqa: E402

from kaonportal.warmup import DATA_FILE, parse_signature  # noqa: E402

order: list[tuple[str, str, tuple]] = []
depth = {"n": 0}


class _Recorder(event.Listener):
    def on_start(self, ev):
        func = ev.data["dispatcher"].py_func
        if depth["n"] == 0 and func.__module__.startswith("kaonportal."):
            args = tuple(ev.data["args"])
            order.append((f"{func.__module__}:{func.__qualname__}", str(args), args))
        depth["n"] += 1

    def on_end(self, ev):
        depth["n"] -= 1


def main() -> None:
    event.register("numba:compile", _Recorder())
    from kaonportal.cli.main import app
    args = sys.argv[1:] or ["run", "--out", os.path.join(tmp, "out"), "--force"]
    try:
        app(args, standalone_mode=False)
    except SystemExit:
        pass
    count: dict[str, int] = {}
    for name, _, _ in order:
        count[name] = count.get(name, 0) + 1
    lines = ["# kernels a default `kaonportal run` compiles, in first-use order (scripts/record_numba_warmup.py)"]
    for name, sig, args in order:
        if count[name] > 1:
            print(f"skipped (several signatures): {name}", file=sys.stderr)
            continue
        try:
            ok = parse_signature(sig) == args
        except Exception:  # noqa: BLE001
            ok = False
        if not ok:
            print(f"skipped (signature does not parse): {name} {sig}", file=sys.stderr)
            continue
        lines.append(f"{name}\t{sig}")
    dest = Path(__file__).resolve().parents[1] / "src" / "kaonportal" / "data" / DATA_FILE
    dest.write_text("\n".join(lines) + "\n")
    print(f"{len(lines) - 1} kernels -> {dest}", file=sys.stderr)


if __name__ == "__main__":
    main()
