"""No kernel compiles on the block threads after the first block of a kind of run (:func:`kaonportal.simulation.
chunks.run_chunk`): the first block runs alone, with the compile job of the in-flight decay branch
(:func:`kaonportal.simulation.inflight.compile_in_flight`), and the kernels get arrays of one layout whatever the
block's size, so neither a first block without an in-flight decay nor a last block of one event leaves a kernel
to compile on the threads of a later block."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

_FRESH = textwrap.dedent("""
    import sys
    from numba.core.registry import CPUDispatcher
    from kaonportal.simulation import simulate

    def signatures():
        return {f"{n}.{a}": len(v.signatures) for n, mod in list(sys.modules.items()) if n.startswith("kaonportal")
                for a, v in list(vars(mod).items()) if isinstance(v, CPUDispatcher)}

    def decayed(r):
        return int(r.events.column("track_decayed").to_numpy(zero_copy_only=False).sum())

    # (decay, options, events of the first call: one block, alone; of the later call: every block on two threads)
    cases = [
        # a first block without a muon decay before STRAW1 (about 17 in a block of 65 536), then muon decays
        ("K+ -> mu+ nu", {"muon_decays": True}, 300, 2 * 65536),
        # a last block of one event (its column slices are contiguous, the first block's are not)
        ("K+ -> pi+ pi0", {}, 300, 65536 + 1),
    ]
    for decay, opts, n_first, n_later in cases:
        first = simulate(decay, n=n_first, seed=1, workers=1, **opts)
        after_first = signatures()
        later = simulate(decay, n=n_later, seed=2, workers=2, **opts)
        new = sorted(k for k, v in signatures().items() if v != after_first.get(k))
        print(f"{decay}: in-flight decays first {decayed(first)} later {decayed(later)}, compiled later: {new}")
""")


def test_no_kernel_compiles_after_the_first_block_of_a_kind():
    # a fresh process (nothing compiled before; the numba cache may load): what the later blocks compile would be
    # compiled on the threads, two at once
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 2, out.stdout
    # the muon case tests the branch: its first block misses it, its later blocks reach it
    assert lines[0].startswith("K+ -> mu+ nu: in-flight decays first 0 later ") and " later 0," not in lines[0]
    assert all(line.endswith("compiled later: []") for line in lines), out.stdout
