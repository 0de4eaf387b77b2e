"""kaonportal.warmup: the shipped list is what a run compiles, the helper fills the cache a later process loads,
stale lines are skipped, the helper's cache writes cannot pair a key with another signature's code, and the run
never waits on or depends on it."""
import os
import pickle
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kaonportal import warmup

ROOT = Path(__file__).resolve().parents[1]
SMALL = "kaonportal.decays.fast:pi0_gg"        # a listed kernel that compiles in a fraction of a second


def _child(code: str, cache: Path, timeout: int = 300) -> str:
    """Run ``code`` in a fresh interpreter (numba reads NUMBA_CACHE_DIR at import) with this cache; its stdout."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), warmup.ENV_OFF: "1"}
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def test_every_listed_kernel_exists_and_its_signature_parses():
    items = warmup.entries()
    assert {e.section for e in items} == {"pnn", "later"}
    for e in items:
        assert warmup.dispatcher(e.name) is not None, e.name
        assert warmup.format_line(*e) == warmup.format_line(e.section, e.name, str(warmup.parse_signature(e.signature)))


@pytest.mark.slow
def test_shipped_list_is_what_a_cold_quick_run_compiles(tmp_path):
    # regenerate with scripts/record_numba_warmup.py when this fails (kernels or their argument types changed)
    dest = tmp_path / "list.txt"
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "record_numba_warmup.py"), "--quick-only",
                          "--to", str(dest)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    recorded = [line for line in dest.read_text().splitlines() if not line.startswith("#")]
    # the same kernels, signatures and sections (the order only tunes the helper's schedule)
    assert sorted(recorded) == sorted(warmup.format_line(*e) for e in warmup.entries())


def test_helper_meets_the_run_from_the_other_end_of_the_pnn_kernels():
    items = [warmup.Entry(s, n, "(int64,)") for s, n in
             [("pnn", "a"), ("pnn", "b"), ("pnn", "c"), ("later", "d"), ("later", "e")]]
    assert [e.name for e in warmup.helper_order(items)] == ["c", "b", "a", "d", "e"]


def test_literal_arguments_parse():
    from numba import types
    assert warmup.parse_signature("(Literal[bool](True), int64)") == (types.literal(True), types.int64)


def test_started_only_when_cold_and_not_disabled(monkeypatch):
    started = []

    class FakePopen:
        def __init__(self, args, **kwargs):
            started.append(args)
    monkeypatch.setattr(warmup.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(warmup, "cache_is_cold", lambda names: True)
    monkeypatch.setenv(warmup.ENV_OFF, "1")
    assert warmup.start() is None and not started
    monkeypatch.setenv(warmup.ENV_OFF, "0")
    assert isinstance(warmup.start(), FakePopen)
    assert started[0][1:3] == ["-m", "kaonportal.warmup"]
    monkeypatch.setattr(warmup, "cache_is_cold", lambda names: False)      # warm: nothing started
    assert warmup.start() is None and len(started) == 1


def test_no_writable_cache_counts_as_warm(monkeypatch):
    # backend.njit compiles without a cache when no location is writable: a helper could not save anything
    from numba.core.caching import NullCache

    class Uncached:
        py_func, compile, _cache = None, None, NullCache()
    monkeypatch.setattr(warmup, "dispatcher", lambda name: Uncached())
    assert not warmup.cache_is_cold(["kaonportal.decays.fast:anything"])


def test_helper_fills_the_cache_a_later_process_loads_and_skips_stale_lines(tmp_path):
    # the helper with a list of: a kernel that no longer exists, a signature that no longer types, a good line
    cache = tmp_path / "numba"
    _child(f"""
        from kaonportal import warmup
        good = dict((e.name, e) for e in warmup.entries())["{SMALL}"]
        warmup.entries = lambda: [warmup.Entry("pnn", "kaonportal.decays.fast:gone", "(int64,)"),
                                  warmup.Entry("pnn", "{SMALL}", "(unicode_type,)"), good]
        assert warmup.cache_is_cold(["{SMALL}"])
        assert warmup.main([]) == 0
        assert not warmup.cache_is_cold(["{SMALL}"])
    """, cache)
    out = _child(f"""
        from numba.core import event
        from kaonportal import warmup
        compiled = []

        class Compiles(event.Listener):
            def on_start(self, ev):
                compiled.append(ev.data["dispatcher"].py_func.__name__)

            def on_end(self, ev):
                pass
        event.register("numba:compile", Compiles())
        good = dict((e.name, e) for e in warmup.entries())["{SMALL}"]
        disp = warmup.dispatcher("{SMALL}")
        disp.compile(warmup.parse_signature(good.signature))
        print(sum(disp.stats.cache_hits.values()), compiled)
    """, cache)
    assert out.split(None, 1) == ["1", "[]\n"]        # loaded from the helper's entry, nothing compiled


def test_helper_leaves_the_pnn_kernels_the_run_has_reached(tmp_path):
    # the run compiles pnn kernels first-needed first: once the helper (going the other way) finds one cached,
    # the ones before it are the run's; the later sections' kernels are still the helper's
    cache = tmp_path / "numba"
    out = _child(f"""
        from kaonportal import warmup
        by_name = dict((e.name, e) for e in warmup.entries())
        first, met = by_name["kaonportal.decays.fast:two_body_iso"], by_name["{SMALL}"]
        later = by_name["kaonportal.beamdump.cell_sums:_exponent"]
        warmup.entries = lambda: [first, met, later]
        warmup.dispatcher(met.name).compile(warmup.parse_signature(met.signature))    # the run got here
        assert warmup.main([]) == 0
        print(warmup.cache_is_cold([first.name]), warmup.cache_is_cold([later.name]))
    """, cache)
    assert out.split() == ["True", "False"]


def test_helper_entries_never_share_a_data_file_with_numba_own(tmp_path):
    # numba's save numbers data files from 1 after reading the index; a process that read the index before the
    # helper wrote it saves its signature there: the helper's data must be elsewhere and stay paired with its key
    from numba.core.caching import IndexDataCacheFile
    helper = IndexDataCacheFile(str(tmp_path), "k-1", ("stamp", 1))
    numba_side = IndexDataCacheFile(str(tmp_path), "k-1", ("stamp", 1))
    stale_view = numba_side._load_index()                    # {}: read before the helper saves
    warmup._save_entry(helper, "key-a", "code-a")
    name_b = numba_side._data_name(1)                        # what numba's save picks from its stale view
    assert name_b not in helper._load_index().values()
    numba_side._save_index({**stale_view, "key-b": name_b})   # numba's save: index (dropping key-a), then data
    numba_side._save_data(name_b, "code-b")
    assert helper.load("key-b") == "code-b" and helper.load("key-a") is None    # a lost entry, not a wrong one
    warmup._save_entry(helper, "key-a", "code-a")
    assert helper.load("key-a") == "code-a" and helper.load("key-b") == "code-b"
    with open(tmp_path / "k-1.nbi", "rb") as f:
        pickle.load(f)                                      # numba's version header, then (stamp, overloads)


def test_stop_ends_a_running_helper():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    warmup.stop(proc)
    assert proc.poll() is not None
    warmup.stop(None)          # nothing started: nothing to do


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a subreaper to collect it has exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_helper_exits_when_the_run_is_gone(tmp_path):
    # a run killed without its cleanup (SIGKILL): the helper's parent changes and it leaves within a second
    code = textwrap.dedent("""
        import subprocess, sys, time
        p = subprocess.Popen([sys.executable, "-c",
            "import os, time; from kaonportal import warmup; warmup._exit_with_parent(os.getppid()); "
            "print(os.getpid(), flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
        print(p.stdout.readline().strip(), flush=True)
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    for _ in range(50):
        if not _alive(child):
            break
        time.sleep(0.1)
    else:
        os.kill(child, 9)
        pytest.fail("the helper outlived its run")


def test_run_starts_the_helper_only_with_the_pnn_section(monkeypatch):
    # the helper's kernel list is ordered for a run that starts with pnn: without pnn it would compile unused kernels
    from kaonportal.analyses.config import load_config
    from kaonportal.cli.run import _start_warmup
    calls = []
    monkeypatch.setattr(warmup, "start", lambda: calls.append(1) or "proc")
    assert _start_warmup(load_config(quick=True)) == "proc" and calls == [1]
    assert _start_warmup(load_config(quick=True, overrides={"sections": {"pnn": False}})) is None and calls == [1]
