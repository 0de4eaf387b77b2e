"""kaonportal.warmup: the shipped kernel list resolves, the cold-cache test is right, the helper never blocks a run."""
import os
import subprocess
import sys
import textwrap

import pytest

from kaonportal import warmup


def test_every_listed_kernel_exists_and_its_signature_parses():
    # a stale list only costs speed, but regenerate it (scripts/record_numba_warmup.py) when kernels change
    items = warmup.entries()
    assert len(items) >= 10
    names = [n for n, _ in items]
    assert len(names) == len(set(names)), "one signature per kernel (see scripts/record_numba_warmup.py)"
    for name, sig in items:
        assert warmup.dispatcher(name) is not None, name
        assert len(warmup.parse_signature(sig)) >= 1


def test_literal_arguments_parse():
    from numba import types
    assert warmup.parse_signature("(Literal[bool](True), int64)") == (types.literal(True), types.int64)


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv(warmup.ENV_OFF, "1")
    assert warmup.start() is None


def test_cold_until_compiled_then_warm(tmp_path):
    # a fresh NUMBA_CACHE_DIR is read at numba import: a child process
    code = textwrap.dedent("""
        from kaonportal import warmup
        name = 'kaonportal.decays.fast:pi0_gg'
        sig = dict(warmup.entries())[name]
        assert warmup.cache_is_cold([name])
        warmup.dispatcher(name).compile(warmup.parse_signature(sig))
        assert not warmup.cache_is_cold([name])
        print('ok')
    """)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert res.stdout.strip() == "ok", res.stderr


def test_stop_ends_a_running_helper():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    warmup.stop(proc)
    assert proc.poll() is not None
    warmup.stop(None)          # nothing started: nothing to do
