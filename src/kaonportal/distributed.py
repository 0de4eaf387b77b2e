"""Independent units of work on a dask.distributed cluster (``--scheduler ADDRESS|local:N``).

``kaonportal simulate``, ``run``, ``beamdump`` and ``recast`` send their independent units (simulation chunks, per-mass
beam-dump yields) as tasks to a dask scheduler when one is active, and run them in-process otherwise.
Every unit is a pure function of its arguments (its random numbers come from
``backend.block_rng(seed, unit, stream)``), and the results are combined on the client in the same order
and with the same arithmetic as the single-process loop, so the output is bit-identical for a seed
whatever the number of workers. A task whose worker dies is rescheduled by dask; a task that raises is
retried :data:`RETRIES` times before the error reaches the caller.

Scheduler specification: ``local:N`` starts a LocalCluster of N single-threaded worker processes for the
duration of the command (one thread each: the kernels are single-threaded, and N processes on N cores do not
oversubscribe them; each imports the simulation modules as it starts, :func:`dask_setup`); anything else is the address of a running scheduler (``tcp://host:8786`` or
``host:8786``). dask.distributed is optional (``pip install "kaonportal[distributed]"``); every problem
with the specification (dask missing, ``local:0``, unreachable address) is an :class:`InputError` naming
the option, raised before any work starts.

>>> parse_scheduler("local:2")
('local', 2)
>>> parse_scheduler("tcp://10.0.0.1:8786")
('address', 'tcp://10.0.0.1:8786')
>>> parse_scheduler("local:0")
Traceback (most recent call last):
...
kaonportal.errors.InputError: --scheduler: local:N needs N >= 1 worker processes (at most 256), got 'local:0'
"""

from __future__ import annotations

__all__ = ["parse_scheduler", "use_scheduler", "active_client", "ordered_map", "warm_workers", "RETRIES",
           "INSTALL_HINT"]

import contextlib
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import InputError

RETRIES = 3
INSTALL_HINT = 'pip install "kaonportal[distributed]"'
CONNECT_TIMEOUT_S = 10
#: seconds the plain TCP probe of a scheduler address waits (a refused connection fails at once; dask's own connect
#: retries a refused address until its timeout, ~18 s, before saying so)
PROBE_TIMEOUT_S = 2.0
FIELD = "--scheduler"
#: dask settings of the ``local:N`` workers. dask's nannies start their workers with MALLOC_TRIM_THRESHOLD_=65536,
#: which fixes glibc's mmap threshold at 128 kB: every block array (65536 values) is then a fresh mmap whose pages
#: fault in, zero-filled, at first touch. Measured on ``simulate("K+ -> pi+ pi0", n=2e6, output=...)``: in a plain
#: process the variable raises the system CPU from 0.6 to 1.15 s (minor page faults 49k -> 306k); on ``local:2`` it
#: was half of the task threads' CPU time. Unset, a worker reuses its heap as a local run does (workers started by the user behind a scheduler ADDRESS need the same dask setting: README).
#: The statistical profiler of each worker (dashboard only) is off.
LOCAL_CLUSTER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                        "distributed.worker.profile.enabled": False}

_STATE: dict[str, Any] = {"client": None, "warming": None}


def parse_scheduler(spec: str, field: str = FIELD) -> tuple[str, Any]:
    """``("local", N)`` or ``("address", ADDRESS)``; a malformed specification is an InputError."""
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(field, f"must be a scheduler address (tcp://HOST:PORT) or local:N, got {spec!r}")
    spec = spec.strip()
    if spec.lower().startswith("local:"):
        text = spec.split(":", 1)[1]
        try:
            n = int(text)
        except ValueError:
            n = -1
        if not 1 <= n <= 256:
            raise InputError(field, f"local:N needs N >= 1 worker processes (at most 256), got {spec!r}")
        return "local", n
    if spec.lower() == "local":
        raise InputError(field, "give the number of worker processes: local:N (N >= 1)")
    # HOST:PORT or SCHEME://HOST:PORT, checked here: a malformed address makes distributed.Client fail half-built and
    # print a traceback from its destructor 20 s later
    rest = spec.split("://", 1)[1] if "://" in spec else spec
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535 or "/" in host:
        raise InputError(field, f"must be a scheduler address SCHEME://HOST:PORT (e.g. tcp://127.0.0.1:8786) or "
                                f"local:N, got {spec!r}")
    return "address", spec


def _import_distributed(field: str):
    try:
        import distributed
    except ImportError:
        raise InputError(field, f"needs dask.distributed, which is not installed: {INSTALL_HINT}") from None
    return distributed


def check_scheduler(spec: str | None, field: str = FIELD) -> None:
    """Validate ``spec`` and that dask.distributed is importable (no connection): for early input checks."""
    if spec is None:
        return
    parse_scheduler(spec, field)
    _import_distributed(field)


@contextlib.contextmanager
def use_scheduler(spec: str | None, field: str = FIELD) -> Iterator[Any]:
    """Make a dask client the active one for the block; yields it (``None`` when ``spec`` is None: local).

    Nested use with a client already active keeps that client (a ``run`` whose sections call
    ``simulate``). ``local:N`` clusters are shut down on exit; connections to an address are closed.
    """
    if spec is None or _STATE["client"] is not None:
        yield _STATE["client"]
        return
    kind, value = parse_scheduler(spec, field)
    distributed = _import_distributed(field)
    cluster = None
    try:
        if kind == "local":
            # one thread per process: one unit per worker at a time (the kernels are single-threaded);
            # each worker has a nanny that restarts it if it dies, and its tasks are rescheduled
            # preload: every worker imports the package as it starts (dask_setup below), before any task or
            # scattered argument arrives, so that no two threads of a worker import kaonportal at once
            import dask
            with dask.config.set(LOCAL_CLUSTER_CONFIG):
                cluster = distributed.LocalCluster(n_workers=int(value), threads_per_worker=1, processes=True,
                                                   dashboard_address=":0", silence_logs=40, preload=[__name__])
            client = distributed.Client(cluster, set_as_default=False)
        else:
            _probe(value)
            client = distributed.Client(value, timeout=f"{CONNECT_TIMEOUT_S}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(field, f"cannot reach the dask scheduler {spec!r} ({first})") from None
    _STATE["client"] = client
    try:
        yield client
    finally:
        _STATE["client"] = _STATE["warming"] = None
        client.close()
        if cluster is not None:
            cluster.close()


def _probe(address: str) -> None:
    """Open and close a TCP connection to ``address`` (``tcp://`` / ``tls://`` / bare ``HOST:PORT``), within
    :data:`PROBE_TIMEOUT_S`; OSError (refused, unknown host, timeout) when nothing listens. Other transports
    (ucx, inproc, ...) are left to dask."""
    scheme, rest = address.split("://", 1) if "://" in address else ("tcp", address)
    if scheme.lower() not in ("tcp", "tls"):
        return
    host, _, port = rest.rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_TIMEOUT_S):
        pass


def dask_setup(worker=None) -> None:
    """Run by dask in every worker of a ``local:N`` cluster as it starts (``preload``): the imports of the
    simulation chunks (the commonest tasks; the beam-dump and scan modules are imported by their first task), in
    the worker's main thread. A worker importing kaonportal in its task thread while its event loop unpickles a
    scattered argument (which imports the same package) can fail with a partially initialised module."""
    import pyarrow.parquet  # noqa: F401
    from . import decays, simulation  # noqa: F401
    from .simulation import output, run  # noqa: F401


def _warm() -> None:
    # one block simulated to a (lean) file in the worker process: loads the compiled kernels (numba cache; a full
    # block reaches the rarer branches, such as in-flight decays, that a few events would not) and the Parquet
    # writer, as the first chunk task of a run would
    import tempfile
    from pathlib import Path

    from .backend import BLOCK_SIZE
    from .simulation import simulate
    with tempfile.TemporaryDirectory() as tmp:
        simulate("K+ -> pi+ pi0", n=BLOCK_SIZE, seed=0, output=Path(tmp) / "warm.parquet")


def warm_workers(client, wait: bool = True) -> None:
    """Load the compiled kernels (numba cache) in every worker of ``client`` (a few seconds of CPU per new worker
    process, which its first task spends otherwise): for benchmarks that time the steady state. Not done by
    :func:`use_scheduler`: measured on ``kaonportal simulate -n 3e5 --scheduler local:2`` it only added CPU (the
    client submits its first tasks within a second, and a worker's first task loads the same kernels).
    ``wait=False``: submitted, not waited for (the futures are held until :func:`use_scheduler` exits)."""
    futures = _STATE.get("warming")     # already submitted (wait=False): wait for those, not a second round
    if futures is None or _STATE["client"] is not client:
        futures = [client.submit(_warm, workers=[addr], allow_other_workers=False, pure=False)
                   for addr in client.scheduler_info()["workers"]]
    if wait:
        client.gather(futures)
    else:
        _STATE["warming"] = futures     # held until use_scheduler exits: a released future would be cancelled


def active_client():
    """The client of the enclosing :func:`use_scheduler`, or ``None`` (run in-process)."""
    return _STATE["client"]


def ordered_map(func: Callable, items: Iterable, *args, window: int | None = None, client=None, threads: int = 1,
                **kwargs) -> Iterator[Any]:
    """``func(item, *args, **kwargs)`` for every item, yielded in the order of ``items``.

    With an active client (or ``client``) the calls are dask tasks (``retries=RETRIES``), at most
    ``window`` in flight (default: 2 per worker thread, so that results do not pile up on the client);
    the shared ``args``/``kwargs`` are scattered once to every worker. Without one they run here, on ``threads``
    threads (:func:`kaonportal.backend.ordered_blocks`: the first call alone, then at most ``threads`` ahead).
    """
    from .backend import ordered_blocks, ordered_results   # here: numba's import is no part of parsing --scheduler
    client = client or active_client()
    if client is None:
        yield from ordered_blocks(lambda item: func(item, *args, **kwargs), items, threads)
        return
    if window is None:
        cluster_threads = sum(client.nthreads().values()) or 1
        window = max(2, 2 * cluster_threads)
    shared_args = [client.scatter(a, broadcast=True, hash=False) if _heavy(a) else a for a in args]
    shared_kw = {k: client.scatter(v, broadcast=True, hash=False) if _heavy(v) else v for k, v in kwargs.items()}
    # the same ordered window as the threads of a local run (backend.ordered_results); what differs is left here:
    # no first task alone (each worker process compiles its own kernels; a worker's threads take its COMPILE_LOCK in
    # run_chunk), the shared arguments scattered once, and retries
    yield from ordered_results(lambda item: client.submit(func, item, *shared_args, pure=False, retries=RETRIES,
                                                          **shared_kw), items, window)


def _heavy(obj) -> bool:
    # scatter everything that is not a plain small value; scattering a scalar costs a round trip
    return not isinstance(obj, (int, float, str, bool, type(None)))
