"""One item ahead: the next item of an iterator made in a background thread while the caller uses the current one.

The pnn section simulates its samples part by part and post-processes each part in Python (cut flows, budget
sums, histograms: ~0.2 s of one core per million events) with the simulation threads idle; its Parquet cache
writes ran there too. Issue 17 (the default run within 60 s on 2 cores): with :class:`Ahead` the next part is
simulated (and its cache file written) while the current one is post-processed.

The iterator is advanced by one thread at a time, each ``next`` started only after the previous one returned, so
it runs exactly the serial sequence of calls (same samples, same seeds, same cache bookkeeping in the same order)
and the items are those of a plain loop: only the wall time moves. Memory: two items at once (the caller's and the
one being made), where the plain loop holds one.

>>> with Ahead(iter(range(4))) as items:
...     [x * x for x in items]
[0, 1, 4, 9]
"""

from __future__ import annotations

__all__ = ["Ahead"]

from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

_END = object()


class Ahead:
    """Iterate ``iterator`` with its next item made in a background thread; a context manager that, on exit,
    waits for the item in progress and closes the iterator (a generator's ``finally`` / ``GeneratorExit`` runs:
    e.g. a partial cache file is removed). An exception of the iterator surfaces at the caller's ``next``."""

    def __init__(self, iterator: Iterator):
        self._it = iterator
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaonportal-ahead")
        self._next = self._pool.submit(next, self._it, _END)

    def __iter__(self) -> Ahead:
        return self

    def __next__(self):
        if self._next is None:
            raise StopIteration
        item = self._next.result()
        if item is _END:
            self._next = None
            raise StopIteration
        self._next = self._pool.submit(next, self._it, _END)
        return item

    def close(self) -> None:
        """Wait for the item in progress (its errors are dropped: the caller is already leaving), close the
        iterator, stop the thread."""
        if self._next is not None:
            self._next.exception()
            self._next = None
        close = getattr(self._it, "close", None)
        if close is not None:
            close()
        self._pool.shutdown()

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
