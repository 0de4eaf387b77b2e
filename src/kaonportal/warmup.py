"""Background numba warm-up for a new user's first ``kaonportal run`` (issue #17).

A cold numba cache makes the first run compile every kernel while the simulation waits (compilation holds
numba's global lock, which stalls the worker threads too). When the cache is cold, ``kaonportal run`` starts one
helper process (``python -m kaonportal.warmup``) that compiles the kernels of a default run, in the order the run
first needs them, with the signatures listed in ``data/numba_warmup.txt``; numba saves each one in its cache, so
the run loads what the helper has finished instead of compiling it. The helper only fills the cache (it never
changes a number: a kernel loaded from the cache is the same code the run would compile); if it fails or is
late, the run compiles the kernel itself. With a warm cache nothing is started. ``KAONPORTAL_NO_WARMUP=1`` turns
the helper off. The list is regenerated with ``scripts/record_numba_warmup.py`` after kernels change; a stale
line is skipped (it only costs speed).
"""

from __future__ import annotations

__all__ = ["entries", "cache_is_cold", "start", "stop", "parse_signature", "main"]

import importlib
import os
import re
import subprocess
import sys
from importlib.resources import files

DATA_FILE = "numba_warmup.txt"
ENV_OFF = "KAONPORTAL_NO_WARMUP"


def entries() -> list[tuple[str, str]]:
    """``(module:qualname, signature text)`` pairs of the shipped list, in the order a default run needs them."""
    text = (files("kaonportal") / "data" / DATA_FILE).read_text()
    out = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, sig = line.split("\t", 1)
            out.append((name, sig))
    return out


def dispatcher(name: str):
    """The numba dispatcher ``module:qualname`` (imports the module); None when it no longer exists."""
    mod, _, qual = name.partition(":")
    try:
        obj = importlib.import_module(mod)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj if hasattr(obj, "py_func") and hasattr(obj, "compile") else None


_LITERAL = re.compile(r"Literal\[\w+\]\(([^)]*)\)")


def parse_signature(text: str) -> tuple:
    """numba argument types from their printed form, e.g. ``(Array(float64, 1, 'C', False, aligned=True), int64)``.

    >>> from numba import types
    >>> parse_signature("(Array(float64, 1, 'C', False, aligned=True), int64)") == (types.float64[::1], types.int64)
    True
    """
    from numba import types
    namespace = {k: getattr(types, k) for k in dir(types) if not k.startswith("_")}
    sig = eval(_LITERAL.sub(r"literal(\1)", text), {"__builtins__": {}}, namespace)  # noqa: S307 - shipped list
    return tuple(sig) if isinstance(sig, tuple) else (sig,)


def cache_is_cold(names) -> bool:
    """True when any listed kernel has no valid cache index (missing, or made for an older source file).

    A kernel compiled without a cache (no writable cache directory) counts as warm: a helper could not help it.
    """
    for name in dict.fromkeys(names):
        disp = dispatcher(name)
        cache_file = getattr(getattr(disp, "_cache", None), "_cache_file", None)
        if cache_file is None:
            continue
        try:
            if not cache_file._load_index():      # {} when missing or stale (numba.core.caching)
                return True
        except Exception:  # noqa: BLE001 - an unreadable index: numba will recompile; so may we
            return True
    return False


def start() -> subprocess.Popen | None:
    """Start the helper process when the numba cache is cold; None otherwise (or when it cannot start)."""
    if os.environ.get(ENV_OFF, "").strip() not in ("", "0"):
        return None
    try:
        if not cache_is_cold(name for name, _ in entries()):
            return None
        return subprocess.Popen([sys.executable, "-m", "kaonportal.warmup"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except Exception:  # noqa: BLE001 - the warm-up is an optimisation: the run goes on and compiles itself
        return None


def stop(proc: subprocess.Popen | None) -> None:
    """End the helper if it is still compiling (numba writes cache files atomically: nothing half-written)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    """Compile (or load) every listed kernel signature in order; failures are skipped."""
    done = 0
    for name, text in entries():
        disp = dispatcher(name)
        if disp is None:
            continue
        try:
            disp.compile(parse_signature(text))
            done += 1
        except Exception:  # noqa: BLE001 - a stale line: the run compiles that kernel itself
            continue
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
