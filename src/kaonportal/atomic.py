"""Writing result files safely: atomic replacement, unique temporary names, an exclusive lock per output.

Every file the package writes for a user (summary.json, CSV tables, plots, HEPData, beam-dump outputs,
event files) is written under a temporary name in the same directory and renamed into place
(``os.replace`` is atomic on POSIX and Windows): a reader never sees half a file and a killed run
never leaves a truncated result. Temporary names are unique per process *and* per call
(``.NAME.<pid>.<random>.tmp``), so two writers never share one. :func:`remove_stale_temps` deletes the
temporaries a killed run left behind; :class:`OutputLock` makes a second process writing the same output
stop with a clear bad-input message (exit 2) instead of interleaving files with the first.

>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_text_atomic(d / "a.txt", "hello")
'...a.txt'
>>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
('hello', ['a.txt'])
"""

from __future__ import annotations

__all__ = ["temp_path", "atomic_path", "write_text_atomic", "remove_stale_temps", "OutputLock", "TEMP_GLOBS"]

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

#: name patterns of temporaries (ours: ``.NAME.<pid>.<hex>.tmp``, ``NAME.tmp<pid>`` of the sample cache,
#: ``.NAME.<pid>.partial`` of event files) deleted by :func:`remove_stale_temps`
TEMP_GLOBS = (".*.tmp", ".*.tmp.*", "*.tmp[0-9]*", "*.tmp", ".*.partial", ".*.partial.*")


def temp_path(path: str | Path) -> Path:
    """A temporary name next to ``path``, unique per process and call; the suffix is kept (writers such as
    matplotlib choose the format from it): ``.summary.json.<pid>.<hex>.tmp.json``.

    >>> p = temp_path("/x/summary.json")
    >>> p.parent.as_posix(), p.name.startswith(".summary.json."), p.suffix
    ('/x', True, '.json')
    >>> temp_path("/x/a.csv") != temp_path("/x/a.csv")
    True
    """
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp{path.suffix}")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on any error it is deleted.

    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "t.csv") as tmp:
    ...     _ = tmp.write_text("a,b")
    >>> (d / "t.csv").read_text()
    'a,b'
    """
    path = Path(path)
    tmp = temp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> str:
    """Write ``text`` to ``path`` atomically; returns ``str(path)``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return str(path)


def remove_stale_temps(directory: str | Path, recursive: bool = True) -> list[Path]:
    """Delete the temporaries (:data:`TEMP_GLOBS`) a killed run left in ``directory``; returns them.

    Call it only while holding the directory's :class:`OutputLock`: a running writer's temporaries match too.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = set()
    for pattern in TEMP_GLOBS:
        found.update(directory.rglob(pattern) if recursive else directory.glob(pattern))
    removed = []
    for p in sorted(found):
        if p.is_file() and not p.is_symlink():
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


class OutputLock:
    """An exclusive, non-blocking lock on an output (a lock file, ``flock``): a second process asking for
    the same lock gets an :class:`InputError` naming ``field`` (exit 2) instead of waiting or interleaving.

    The operating system releases ``flock`` locks when the process dies, so a killed run leaves no stale
    lock, only the lock file (re-used by the next run); :meth:`release` deletes it. On systems without
    ``fcntl`` (Windows) nothing is locked.

    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> a = OutputLock(d / ".lock", "--out", d).acquire()
    >>> OutputLock(d / ".lock", "--out", d).acquire()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: --out: another kaonportal process (pid ...) is writing ...; wait for it to finish or choose another output
    >>> a.release(); OutputLock(d / ".lock", "--out", d).acquire().release()
    >>> (d / ".lock").exists()
    False
    """

    def __init__(self, lock_file: str | Path, field: str, target: str | Path | None = None):
        self.lock_file = Path(lock_file)
        self.field = field
        self.target = Path(target) if target is not None else self.lock_file
        self._fd: int | None = None

    def acquire(self) -> "OutputLock":
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        for _ in range(100):
            try:
                fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise InputError(self.field, f"cannot create the lock file {self.lock_file}: "
                                             f"{exc.strerror or exc}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                try:
                    holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                except OSError:
                    holder = "?"
                os.close(fd)
                raise InputError(self.field, f"another kaonportal process (pid {holder}) is writing {self.target}; "
                                             "wait for it to finish or choose another output") from None
            # the holder before us deletes the file when it releases: a lock on a deleted file locks nothing,
            # so check that the file we locked is still the one at the path (else open it again)
            try:
                same = os.stat(self.lock_file).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        else:  # pragma: no cover - 100 lost races in a row
            raise InputError(self.field, f"cannot lock {self.lock_file}")
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        """Delete the lock file and release the lock (in that order: see :meth:`acquire`)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                self.lock_file.unlink()
            with contextlib.suppress(OSError):
                os.close(self._fd)          # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
