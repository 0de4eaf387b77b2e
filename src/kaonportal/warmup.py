"""Background numba warm-up for a new user's first ``kaonportal run`` (issue #17).

Why: with a cold numba cache the first run compiles ~25 kernels (~11 s of one core for ``--quick``) while the
simulation waits, and numba's global compile lock stalls the worker threads too, so the second core idles. When
the cache is cold, ``kaonportal run`` starts one helper process (``python -m kaonportal.warmup``) that compiles,
on the other core, the kernel signatures listed in ``data/numba_warmup.txt`` and saves them in numba's cache. It
complements the run instead of racing it: the run compiles the pnn section's kernels from the first one it needs
while the helper compiles them from the last-needed one back (it stops at the first one the run has cached),
then the later sections' kernels (beam dump, statistics, searches) in the order the run needs them. A dispatcher
reads the on-disk cache index when it first meets a signature, so the run loads what the helper has saved.

A kernel loaded from the cache is the code the run would have compiled: no number changes. If the helper fails,
is slow or is stopped, the run compiles the kernel itself. Nothing is started when the cache is warm, when the run's
pnn section is off (``kaonportal.cli.run``: the list is ordered for a run that starts with pnn), when numba
has no writable cache, or with ``KAONPORTAL_NO_WARMUP=1``. The helper saves a cache entry under a data-file name
of its own, written before the index (see :func:`_save_entry`): two processes adding signatures to one kernel's
index at once can then at worst lose an index entry (a recompile later), never pair a key with another
signature's code. ``scripts/record_numba_warmup.py`` regenerates the list; ``tests/test_warmup.py`` fails when it
no longer matches what a quick run compiles (a stale line is skipped: it only costs speed).
"""

from __future__ import annotations

__all__ = ["Entry", "entries", "helper_order", "dispatcher", "parse_signature", "format_line", "cache_is_cold",
           "start", "stop", "main"]

import importlib
import os
import re
import subprocess
import sys
import threading
import time
from importlib.resources import files
from typing import NamedTuple

DATA_FILE = "numba_warmup.txt"
ENV_OFF = "KAONPORTAL_NO_WARMUP"


class Entry(NamedTuple):
    """One listed kernel signature: the section of a default run that first needs it (``pnn`` or ``later``),
    the kernel as ``module:qualname`` and its argument types as numba prints them."""
    section: str
    name: str
    signature: str


def format_line(section: str, name: str, signature: str) -> str:
    """The data-file line of one entry (tab-separated: the signature text contains commas and spaces)."""
    return f"{section}\t{name}\t{signature}"


def entries() -> list[Entry]:
    """The shipped list, in the order a default run first needs the kernels."""
    text = (files("kaonportal") / "data" / DATA_FILE).read_text()
    return [Entry(*line.split("\t", 2)) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def helper_order(items: list[Entry]) -> list[Entry]:
    """The helper's order: the pnn kernels last-needed first (the run meets them from the other end, so each is
    compiled once), then the later sections' kernels as the run needs them."""
    return [e for e in items if e.section == "pnn"][::-1] + [e for e in items if e.section != "pnn"]


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
    """numba argument types from their printed form (the inverse of ``str(args)`` for the types kernels take).

    >>> from numba import types
    >>> parse_signature("(Array(float64, 1, 'C', False, aligned=True), int64)") == (types.float64[::1], types.int64)
    True
    """
    from numba import types
    namespace = {k: getattr(types, k) for k in dir(types) if not k.startswith("_")}
    sig = eval(_LITERAL.sub(r"literal(\1)", text), {"__builtins__": {}}, namespace)  # noqa: S307 - shipped list
    return tuple(sig) if isinstance(sig, tuple) else (sig,)


def _cache_file(disp):
    """numba's index/data file object of a cached dispatcher; None when it compiles without a cache."""
    return getattr(getattr(disp, "_cache", None), "_cache_file", None)


def cache_is_cold(names) -> bool:
    """True when any listed kernel has no valid cache index (missing, or made for an older source file).

    One small file read per kernel. A kernel compiled without a cache (no writable cache directory) counts as
    warm: a helper could not help it.
    """
    for name in dict.fromkeys(names):
        cache_file = _cache_file(dispatcher(name))
        if cache_file is None:
            continue
        try:
            if not cache_file._load_index():      # {} when missing or stale (numba.core.caching)
                return True
        except Exception:  # noqa: BLE001 - an unreadable index: numba will recompile; so may we
            return True
    return False


def start() -> subprocess.Popen | None:
    """Start the helper process when the numba cache is cold (a cheap check: the pnn kernels' index files);
    None otherwise (or when it cannot start)."""
    if os.environ.get(ENV_OFF, "").strip() not in ("", "0"):
        return None
    try:
        # the later sections' modules take ~2 s to import: checked only when the run has imported them already
        if not cache_is_cold(e.name for e in entries() if e.section == "pnn" or e.name.split(":")[0] in sys.modules):
            return None
        return subprocess.Popen([sys.executable, "-m", "kaonportal.warmup", str(os.getpid())],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except Exception:  # noqa: BLE001 - the warm-up is an optimisation: the run goes on and compiles itself
        return None


def stop(proc: subprocess.Popen | None) -> None:
    """End the helper if it is still compiling (cache files are written under a temporary name and renamed:
    nothing is left half-written)."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


_OWN_NAMES = 10**6     # the helper's data files are numbered above this; numba numbers its own from 1


def _save_entry(self, key, data) -> None:
    """``IndexDataCacheFile.save`` in the helper: data file first (under a random name no other process picks),
    then the index re-read and extended. numba's own save takes the lowest free number of the index it read and
    writes the index before the data, so two processes saving different signatures at once could otherwise
    leave an index entry pointing at the other signature's code."""
    import secrets
    if key in self._load_index():
        return                                   # the run (or an earlier helper) saved it meanwhile
    name = self._data_name(_OWN_NAMES + secrets.randbelow(10**9))
    self._save_data(name, data)
    overloads = self._load_index()
    overloads[key] = name
    self._save_index(overloads)


def _exit_with_parent(parent: int) -> None:
    """Stop the helper when the run that started it is gone (killed without running its cleanup): no orphan
    keeps compiling. Checked every 0.2 s in a daemon thread."""
    def watch():
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    """The helper: compile every listed signature not yet cached, in :func:`helper_order`; failures are skipped.
    ``argv[0]``: the pid of the run that started it."""
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        _exit_with_parent(int(argv[0]))
        try:
            # an idle core is all it should take: on a busy machine the run's own threads go first (it then
            # compiles more kernels itself, as without a helper)
            os.nice(10)
        except (AttributeError, OSError):
            pass
    from numba.core import caching
    if not all(hasattr(caching.IndexDataCacheFile, a) for a in ("_load_index", "_save_index", "_data_name",
                                                                 "_save_data", "load")):
        return 1                                 # another numba layout: do not guess how to write its cache
    caching.IndexDataCacheFile.save = _save_entry
    done, met = 0, False
    for entry in helper_order(entries()):
        disp = dispatcher(entry.name)
        if disp is None or (met and entry.section == "pnn"):
            continue
        try:
            sig = parse_signature(entry.signature)
            if _is_cached(disp, sig):
                # loading it here would not help the run; a cached pnn kernel means the run has compiled the
                # pnn kernels up to this one (it meets them in the other order): the pnn part is done
                met = met or entry.section == "pnn"
                continue
            disp.compile(sig)
            done += 1
        except Exception:  # noqa: BLE001 - a stale line: the run compiles that kernel itself
            continue
    return 0 if done else 1


def _is_cached(disp, sig: tuple) -> bool:
    """The cache index holds this signature of the kernel (numba's own key: signature, CPU, bytecode hash)."""
    try:
        cache = disp._cache
        return cache._index_key(sig, disp.targetctx.codegen()) in cache._cache_file._load_index()
    except Exception:  # noqa: BLE001 - cannot tell: compile (numba loads it if it is there)
        return False


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:      # Ctrl-C reaches the whole process group: leave quietly with the run
        sys.exit(130)
