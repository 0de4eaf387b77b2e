"""The beam-dump mass columns on threads: a compile job runs alone, then every column runs on the threads
(:func:`kaonportal.beamdump.yields._compile_kernels`), with the same grid whatever the threads and the call."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import numpy as np

import kaonportal.beamdump.yields as yields

_ARGS = ("dark-photon", [0.3, 0.5, 0.8], [1e-6, 1e-5, 1e-4], ["ee", "mumu", "pipipi0"])


def _grid(**kw):
    return yields.expected_events(*_ARGS, n_per_mass=300, seed=3, **kw)


def _arrays(g) -> dict:
    out = {"per_pot": g.per_pot, "var": g.mc_var_per_pot2, "n": np.array(g.n_simulated),
           "skipped": np.array(sorted(g.skipped_mechanisms))}
    out |= {f"ch {k}": v for k, v in g.by_channel.items()}
    out |= {f"mech {k}": v for k, v in g.by_mechanism.items()}
    out |= {f"window {k}": np.asarray(v) for k, v in g.mass_window_halfwidth.items()}
    return out


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_the_first_two_columns_run_at_once_in_the_first_and_the_second_call(monkeypatch):
    # columns 0 and 1 meet at a barrier: if either ran alone (under the compile lock) the barrier times out
    monkeypatch.setattr(yields, "default_workers", lambda: 2)
    real = yields._mass_column
    for _call in range(2):
        barrier = threading.Barrier(2, timeout=60)

        def meeting(item, o, barrier=barrier):
            if item[0] < 2:
                barrier.wait()
            return real(item, o)

        monkeypatch.setattr(yields, "_mass_column", meeting)
        assert _grid().per_pot.shape == (3, 3)


def test_the_grid_is_the_same_for_one_two_three_threads_and_a_second_call(monkeypatch):
    grids = []
    for workers in (1, 2, 3, 2):
        monkeypatch.setattr(yields, "default_workers", lambda w=workers: w)
        grids.append(_arrays(_grid()))
    assert np.all(grids[0]["per_pot"][:, 0] > 0)        # a grid with signal at every mass
    assert all(_same(grids[0], g) for g in grids[1:])


_FRESH = textwrap.dedent("""
    import sys
    import numpy as np
    from numba.core.registry import CPUDispatcher
    import kaonportal.beamdump.yields as Y

    def signatures():
        return {f"{n}.{a}": len(v.signatures) for n, mod in list(sys.modules.items()) if n.startswith("kaonportal")
                for a, v in list(vars(mod).items()) if isinstance(v, CPUDispatcher)}

    after_compile_job = {}
    real = Y._compile_kernels
    def compile_job(o):
        real(o)
        after_compile_job.update(signatures())
    Y._compile_kernels = compile_job
    Y.default_workers = lambda: 1
    # masses from below the mu mu threshold to above every hadronic one: the columns reach every detection kernel
    Y.expected_events("dark-photon", np.geomspace(0.01, 1.5, 8), [1e-6, 1e-4], list(Y.model_channels("dark-photon")),
                      n_per_mass=300)
    new = sorted(k for k, v in signatures().items() if v != after_compile_job.get(k))
    print("compiled by the compile job:", sum(v > 0 for v in after_compile_job.values()), "after it:", new)
    assert any(after_compile_job.values()) and not new
""")


def test_no_column_compiles_a_kernel_after_the_compile_job():
    # a fresh process (nothing compiled before; the numba cache may load): what the columns compile after the job
    # that runs alone would be compiled on the threads, two at once
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "after it: []" in out.stdout, out.stdout
