"""Per-thread work arrays and cache-line-staggered output rows of the simulation engine.

Blocks are 2^16 events, so arrays allocated separately sit at multiples of 4 KiB from each other and
map onto the same cache sets; the helpers here stagger them (see :func:`rows`) and reuse the work arrays
that never leave a block (see :func:`scratch`), which costs less than allocating and page-faulting tens
of MB per block.
"""

from __future__ import annotations

__all__ = ["rows", "scratch", "release_scratch", "trim_heap"]

import ctypes
import ctypes.util
import threading

import numpy as np

_SCRATCH = threading.local()


def _stagger() -> int:
    """A cache-line offset (0..31) that changes from call to call in this thread."""
    c = getattr(_SCRATCH, "counter", 0) + 1
    _SCRATCH.counter = c
    return (c * 7) % 32


def rows(nrows: int, n: int, dtype=np.float64) -> np.ndarray:
    """(nrows, n) array whose rows are contiguous 1-D arrays a whole number of cache lines plus one
    apart, starting at a varying cache-line offset.

    Blocks are 2^16 events, so plain (nrows, n) arrays and separately allocated (n,) arrays sit at
    multiples of 4 KiB from each other: a kernel touching element i of 20-30 of them then maps them
    all onto the same L1/L2 cache sets and thrashes. Staggering costs nothing and keeps the kernels
    memory-bound only on real traffic. Rows are used as output columns (pyarrow wraps them as is).
    """
    dt = np.dtype(dtype)
    line = 64 // dt.itemsize
    stride = n + line
    start = _stagger() * line
    buf = np.empty(start + nrows * stride, dt)
    return buf[start:].reshape(nrows, stride)[:, :n]


def scratch(name: str, shape: tuple[int, ...], dtype=np.float64) -> np.ndarray:
    """Per-thread work array ``name`` of ``shape``, reused from block to block (uninitialised).

    Only for arrays that never leave :func:`simulate_block`: reusing them avoids allocating, page-faulting
    and freeing tens of MB per block, which costs more than the arithmetic and serialises threads in
    the kernel's memory management. Each is contiguous and starts at a different cache-line offset
    (see :func:`rows`).
    """
    store = getattr(_SCRATCH, "arrays", None)
    if store is None:
        store = _SCRATCH.arrays = {}
    key = (name, shape, np.dtype(dtype).str)
    arr = store.get(key)
    if arr is None:
        if len(store) > 64:       # many block sizes / decays in one thread: start afresh
            store.clear()
        dt = np.dtype(dtype)
        line = 64 // dt.itemsize
        start = (len(store) * 5 % 32) * line
        size = int(np.prod(shape))
        arr = store[key] = np.empty(start + size, dt)[start:].reshape(shape)
    return arr


def release_scratch() -> None:
    """Free this thread's work arrays (:func:`simulate` calls it when a run ends)."""
    _SCRATCH.arrays = {}



def _libc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):      # not glibc: nothing to trim
        return None


_TRIM = _libc_trim()


def trim_heap() -> None:
    """Return the free memory of every malloc arena to the system (glibc ``malloc_trim``; a no-op elsewhere).

    ``simulate`` calls it when a run ends: the blocks' arrays are allocated in the worker threads, whose malloc
    arenas keep freed memory (fragmentation) and would otherwise raise the resident memory of a long job that
    simulates many samples one after another (issue 17: peak memory of ``kaonportal run``)."""
    if _TRIM is not None:
        _TRIM(0)
