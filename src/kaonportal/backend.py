"""The one place for the numerical backend: random streams, (optional) JIT compilation, and the threads that run
blocks in order (:class:`BlockThreads`, :func:`ordered_blocks`; the first job of a kind alone, under
:data:`COMPILE_LOCK`, while numba compiles).

Reproducibility rule: every random number drawn by kaonportal comes from a stream that is a pure
function of ``(seed, block index)``. Work is done in blocks of :data:`BLOCK_SIZE` events; a
"chunk" handed to a worker is a whole number of blocks, so the output for a seed is bit-identical
whatever the chunk size or the number of workers.

>>> a = block_rng(1, 0).random(3); b = block_rng(1, 0).random(3)
>>> bool((a == b).all())
True
>>> bool((block_rng(1, 1).random(3) == a).any())
False
"""

from __future__ import annotations

__all__ = ["BLOCK_SIZE", "block_rng", "block_ranges", "derive_seed", "as_generator", "njit", "default_workers",
           "COMPILE_LOCK", "BlockThreads", "ordered_blocks", "ordered_results"]

import functools
import os
import threading
import zlib
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

try:  # numba is a hard dependency, but keep import-time failures readable
    from numba import njit as _numba_njit
except ImportError:  # pragma: no cover
    _numba_njit = None

BLOCK_SIZE = 1 << 16
"""Events per random-number block (65 536)."""


def block_rng(seed: int, block: int, stream: int = 0) -> np.random.Generator:
    """Generator for block ``block`` of a run with ``seed``.

    ``stream`` separates independent uses within one block (e.g. 0 = generation,
    1 = detector response), so adding draws to one stage never shifts another's numbers.
    """
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(block), int(stream)))
    return np.random.Generator(np.random.PCG64DXSM(ss))


def block_ranges(n: int, chunk_blocks: int = 16) -> Iterator[tuple[int, int, int]]:
    """Yield ``(first_block, start_event, stop_event)`` for chunks of ``chunk_blocks`` blocks.

    >>> list(block_ranges(150_000, chunk_blocks=1))
    [(0, 0, 65536), (1, 65536, 131072), (2, 131072, 150000)]
    """
    step = BLOCK_SIZE * max(1, int(chunk_blocks))
    for start in range(0, int(n), step):
        yield start // BLOCK_SIZE, start, min(start + step, int(n))


def derive_seed(seed: int, label: str) -> int:
    """Independent, stable seed for one sample: SeedSequence of (seed, crc32(label)).

    >>> derive_seed(1, "a") == derive_seed(1, "a") != derive_seed(1, "b")
    True
    """
    ss = np.random.SeedSequence([int(seed), zlib.crc32(label.encode())])
    return int(ss.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1))


def default_workers() -> int:
    """Threads that run the blocks of a simulated sample (``simulate(workers=...)``) or of an event record
    (:func:`ordered_blocks`): the cores this process may use, at most 4 (a chunk has ``chunk_blocks`` = 4 blocks).
    The kernels release the GIL and the events do not depend on the number of threads (bit-identical), so this
    only moves the wall time (issue 17: the run's samples used one core of two)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):       # not Linux
        n = os.cpu_count() or 1
    return max(1, min(4, n))


# numba compiles a kernel at its first call. Two threads compiling at once failed inside numba 0.68 in CI
# (KeyError in Function.get_impl_key while lowering beam_kernel, a block thread of a sample), so the first job of a
# threaded call without a compile key, and of the first call of each key in this process (threaded or not: a dask
# worker's task threads; :meth:`BlockThreads.ordered`), runs alone, under this lock, and compiles every kernel the
# later jobs call. Re-entrant: a first job may itself start threaded work (its own first job then runs in the same
# thread, under the same lock).
COMPILE_LOCK = threading.RLock()

# The compile keys (:func:`ordered_blocks`) whose first job has run in this process: their kernels are compiled (or
# loaded from the numba cache), so a later call with the same key runs every job on the threads at once.
_COMPILED: set = set()

# ``in_pool``: this thread is a worker of a :class:`BlockThreads` pool (set by the pool's initializer)
_THREAD = threading.local()


def _mark_pool_thread() -> None:
    _THREAD.in_pool = True


def ordered_results(submit: Callable, items: Iterable, window: int) -> Iterator:
    """The results of ``submit(item)`` (a future: ``.result()``, ``.cancel()``) for every item, in the order of
    ``items``, at most ``window`` submitted and not yet handed over. The first ``window`` are submitted now, the
    next ones as each result is handed over (before: the workers go on while the caller works). The pending futures
    are cancelled when the caller stops early. Threads (:class:`BlockThreads`) and dask tasks
    (:func:`kaonportal.distributed.ordered_map`) alike."""
    pending: deque = deque()
    it = iter(items)

    def refill():
        for item in it:
            pending.append(submit(item))
            if len(pending) >= window:
                return

    refill()
    return _handed_over(pending, refill)


def _handed_over(pending: deque, refill: Callable) -> Iterator:
    try:
        while pending:
            result = pending.popleft().result()
            refill()
            yield result
    finally:
        for fut in pending:
            fut.cancel()


class BlockThreads:
    """``workers`` threads (none for 1) running the jobs of :meth:`ordered` calls. A caller making many calls keeps
    one (``simulate``, a call per chunk): a thread's work arrays (:mod:`kaonportal.simulation.scratch`) live as long
    as the thread. :meth:`close` when done."""

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))
        self._pool = (ThreadPoolExecutor(self.workers, thread_name_prefix="kaonportal-block",
                                         initializer=_mark_pool_thread) if self.workers > 1 else None)

    def ordered(self, func: Callable, jobs: Sequence, compile_key: Hashable | None = None,
                compile_job: Callable[[], object] | None = None) -> Iterator:
        """``func(job)`` for every job, yielded in the order of ``jobs``, at most ``workers`` jobs run ahead of the
        caller. The first runs alone, in this thread, under :data:`COMPILE_LOCK` (numba compiles the kernels of the
        call in it) unless ``compile_key`` names a kind of call whose first job has already run in this process.

        ``compile_key``: a hashable that is the same for two calls only when their jobs call the same compiled
        kernels with the same argument types (numba compiles one specialisation per type signature): the kind of
        work and every option that selects code, not the numbers that only enter arithmetic (a mass, a window's
        bounds: the kernels take them as values of a fixed type). None: the caller cannot say; the first job
        of every threaded call runs alone (a wrong key could let two threads compile at once).

        ``compile_job``: called (result dropped) just before the first job when that one runs alone, under the same
        lock: it compiles the kernels that a job reaches only for some events (a branch the first job's events may
        all miss), so that no later job compiles one on the threads. It must draw no number of the jobs' streams.

        Called from a thread of a pool (a job starting threaded work of its own), the jobs run serially in that
        thread, without the lock: that job is not a first one (its call's first job, or an earlier call with its
        key, ran alone and compiled what the jobs call), and waiting for the lock there could wait for a first job
        that waits for this thread's result (deadlock), or serialise the pool's threads."""
        jobs = list(jobs)
        if getattr(_THREAD, "in_pool", False) or not jobs:
            yield from map(func, jobs)
            return
        if compile_key is not None:
            alone = compile_key not in _COMPILED
        else:
            alone = self._pool is not None and len(jobs) > 1
        head = []
        if alone:
            with COMPILE_LOCK:
                if compile_job is not None:
                    compile_job()
                head.append(func(jobs[0]))
            if compile_key is not None:
                _COMPILED.add(compile_key)
            jobs = jobs[1:]
        if self._pool is None or (compile_key is None and not alone):
            rest = map(func, jobs)      # no threads, or the one job of a call that names no kind: a plain loop
        else:
            rest = ordered_results(functools.partial(self._pool.submit, func), jobs, self.workers)
        yield from head
        yield from rest

    def close(self) -> None:
        """Stop the threads (jobs not started are dropped; the running ones finish)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def ordered_blocks(func: Callable, jobs: Sequence, workers: int = 1, compile_key: Hashable | None = None) -> Iterator:
    """``func(job)`` for every job, yielded in the order of ``jobs``, on ``workers`` threads made for this call
    (:meth:`BlockThreads.ordered`: the first job alone unless ``compile_key`` has run; at most ``workers`` jobs in
    flight, bounded memory: the caller's result and ``workers`` jobs' work, where a serial loop has one and one).
    With each job's randomness a function of the job alone (:func:`block_rng`), the results do not depend on
    ``workers``.

    >>> list(ordered_blocks(lambda j: j * j, range(5), workers=2))
    [0, 1, 4, 9, 16]
    """
    threads = BlockThreads(workers)         # no thread starts before a job is submitted (none when nested)
    try:
        yield from threads.ordered(func, jobs, compile_key)
    finally:
        threads.close()


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """Accept a seed or a Generator; ``None`` is refused (randomness is always explicit)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise TypeError("an explicit seed or numpy.random.Generator is required")
    return np.random.default_rng(int(rng))


def njit(*args, **kwargs):
    """``numba.njit`` with cache and fastmath off (bit-reproducible), usable bare or with options.

    The compiled-code cache is written next to the module (site-packages) or, when that is read-only, under
    the user's cache directory (``$HOME``; ``NUMBA_CACHE_DIR`` overrides both). When no location is writable
    numba refuses to decorate, which used to crash every command, even ``--help``, at import: the function is
    then compiled without a cache (slower first call, same numbers), with one note on stderr.
    """
    kwargs.setdefault("cache", True)
    kwargs.setdefault("nogil", True)
    if _numba_njit is None:  # pragma: no cover
        return args[0] if args and callable(args[0]) else (lambda f: f)
    if args and callable(args[0]):                      # bare @njit
        return _jit(args[0], args[1:], kwargs)
    return lambda f: _jit(f, args, kwargs)


_NO_CACHE_NOTED = {"done": False}


def _jit(func, args: tuple, kwargs: dict):
    """``numba.njit(*args, **kwargs)(func)``; without the cache if numba finds no writable cache location."""
    try:
        return _numba_njit(*args, **kwargs)(func)
    except RuntimeError as exc:
        # numba.core.caching: "cannot cache function ...: no locator available for file ..."
        if not kwargs.get("cache") or "cannot cache" not in str(exc):
            raise
    if not _NO_CACHE_NOTED["done"]:
        _NO_CACHE_NOTED["done"] = True
        import sys
        sys.stderr.write("kaonportal: no writable numba cache directory (site-packages, $HOME); compiling "
                         "without a cache (set NUMBA_CACHE_DIR to a writable directory to keep compiled code)\n")
    return _numba_njit(*args, **{**kwargs, "cache": False})(func)
