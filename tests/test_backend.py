"""kaonportal.backend.njit: no writable numba cache location is not fatal (issue 12 item 18)."""

import os
import subprocess
import sys

import numba.core.caching as caching
import pytest

from kaonportal import backend

# numba >= 0.61 names it CacheImpl, older releases _CacheImpl
_IMPL = "CacheImpl" if hasattr(caching, "CacheImpl") else "_CacheImpl"


def _fresh():
    def twice(x):
        return 2.0 * x
    return twice


def test_njit_without_any_cache_location_compiles_uncached(monkeypatch, capsys):
    # numba's cache locators are tried in turn (next to the source = site-packages, NUMBA_CACHE_DIR, $HOME...);
    # none accepting the file is what a read-only site-packages with a read-only $HOME gives
    monkeypatch.setattr(getattr(caching, _IMPL), "_locator_classes", [])
    monkeypatch.setitem(backend._NO_CACHE_NOTED, "done", False)
    with pytest.raises(RuntimeError, match="cannot cache"):     # what numba itself does: the crash of the issue
        import numba
        numba.njit(cache=True)(_fresh())
    f = backend.njit(_fresh())
    g = backend.njit(nogil=True)(_fresh())
    assert f(3.0) == 6.0 and g(1.5) == 3.0
    assert f._cache.__class__.__name__ == "NullCache"
    err = capsys.readouterr().err
    assert err.count("no writable numba cache directory") == 1      # one note, not one per function


def test_njit_keeps_the_cache_when_a_location_is_writable(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(caching.config, "CACHE_DIR", str(tmp_path))
    f = backend.njit(_fresh())
    assert f(2.0) == 4.0 and f._cache.__class__.__name__ == "FunctionCache"


def test_cli_help_runs_with_read_only_cache_locations():
    # a fresh interpreter: every module's @njit runs at import with no cache location at all
    code = (f"import numba.core.caching as c; c.{_IMPL}._locator_classes = []\n"
            "import kaonportal.simulation.engine, kaonportal.decays.phasespace\n"
            "from kaonportal.cli.main import app\n"
            "app(['--help'])\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Usage" in r.stdout and "Traceback" not in r.stderr
