"""The one place for the numerical backend: random streams and (optional) JIT compilation.

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

__all__ = ["BLOCK_SIZE", "block_rng", "block_ranges", "derive_seed", "as_generator", "njit"]

import zlib
from collections.abc import Iterator

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
