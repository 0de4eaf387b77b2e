"""No kernel compiles on the block threads after the first block of a kind of run (:func:`kaonportal.simulation.
chunks.run_chunk`): the first block runs alone with the compile job of the in-flight decay branch
(:func:`kaonportal.simulation.inflight.compile_in_flight`), so a first block without an in-flight decay does not
leave the muon decays' kernels to two threads of a later block."""

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

    # the first block of the kind: 300 events, no muon decays before STRAW1 (about 17 in a block of 65 536)
    first = simulate("K+ -> mu+ nu", n=300, seed=1, muon_decays=True, workers=1)
    after_first = signatures()
    # the same kind: every block on the two threads, with muon decays
    later = simulate("K+ -> mu+ nu", n=2 * 65536, seed=2, muon_decays=True, workers=2)
    new = sorted(k for k, v in signatures().items() if v != after_first.get(k))
    print("decays in the first block:", decayed(first), "later:", decayed(later), "compiled later:", new)
""")


def test_no_kernel_compiles_after_the_first_block_of_a_kind():
    # a fresh process (nothing compiled before; the numba cache may load): what the later blocks compile would be
    # compiled on the threads, two at once
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", _FRESH], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "decays in the first block: 0 later:" in out.stdout, out.stdout     # the first block misses the branch
    assert "later: 0" not in out.stdout, out.stdout                            # the later blocks reach it
    assert "compiled later: []" in out.stdout, out.stdout
