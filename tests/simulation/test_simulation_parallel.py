"""The fused, threaded chain: thread count never changes a bit; fused kernels equal the documented numpy
functions bit for bit (the pnn background calibration was fitted on these outputs)."""

import numpy as np
import pytest

from kaonportal.backend import BLOCK_SIZE, block_rng
from kaonportal.beam.profile import BeamSample, sample_decay_vertex
from kaonportal.detector import load_card
from kaonportal.detector.propagation import (_charged_geometry, charged_summary_kernel, propagate_charged,
                                             track_planes)
from kaonportal.simulation import simulate

CARD = load_card("na62-2022")


@pytest.mark.parametrize("decay, options", [
    ("K+ -> pi+ pi0", {"sampling": "deletion", "muon_decays": True}),
    ("K+ -> pi+ pi+ pi-", {}),
])
def test_two_workers_bit_identical_to_one(decay, options):
    # 3 blocks (the last one partial) in chunks of 2: the pool runs blocks of one chunk concurrently
    n = 2 * BLOCK_SIZE + 1234
    one = simulate(decay, n=n, seed=21, card=CARD, chunk_blocks=2, workers=1, **options).events
    two = simulate(decay, n=n, seed=21, card=CARD, chunk_blocks=2, workers=2, **options).events
    assert one.num_rows == n and two.equals(one)


def test_first_block_of_a_kind_runs_alone_in_the_calling_thread(monkeypatch):
    # numba compiles at the first call; two block threads compiling at once failed in CI (numba 0.68), so
    # the first block of a kind not run before in this process runs in the caller, before any thread starts
    import threading

    from kaonportal import backend
    from kaonportal.simulation import chunks

    seen = []
    real = chunks._block_batch

    def spy(ctx, schema, job):
        seen.append((job[0], threading.get_ident()))
        return real(ctx, schema, job)

    monkeypatch.setattr(chunks, "_block_batch", spy)
    monkeypatch.setattr(backend, "_COMPILED", set())
    n = 3 * BLOCK_SIZE
    first = simulate("K+ -> pi+ pi0", n=n, seed=3, card=CARD, chunk_blocks=3, workers=2).events
    assert seen[0] == (0, threading.get_ident())
    assert all(ident != threading.get_ident() for _, ident in seen[1:])
    seen.clear()
    again = simulate("K+ -> pi+ pi0", n=n, seed=3, card=CARD, chunk_blocks=3, workers=2).events
    assert all(ident != threading.get_ident() for _, ident in seen)     # this kind has run: all on threads
    assert again.equals(first)


def test_fused_beam_stage_equals_numpy_functions():
    # the compiled beam/vertex kernels must reproduce sample_decay_vertex and the vertex on the beam
    # line exactly (same stream 0 draws: 5 normals then 1 uniform per event)
    n = 3000
    z_range = (105.0, 165.0)
    ev = simulate("K+ -> mu+ nu", n=n, seed=5, card=CARD, z_range=z_range).events
    b = CARD.beam
    rng = block_rng(5, 0, 0)
    g = rng.standard_normal((5, n))
    u = rng.random(n)
    beam = BeamSample(p=b.momentum * (1.0 + b.momentum_spread * g[0]), x=b.x0 + b.spot_x * g[1],
                      y=b.y0 + b.spot_y * g[2], dxdz=b.dxdz + b.divergence_x * g[3],
                      dydz=b.dydz + b.divergence_y * g[4])
    z, prob = sample_decay_vertex(beam, u, "K+", z_range, CARD)
    dz = z - b.z_gtk3
    want = {"true_p_beam": beam.p, "true_beam_dxdz": beam.dxdz, "true_vertex_z": z, "decay_prob": prob,
            "true_vertex_x": beam.x + beam.dxdz * dz, "true_vertex_y": beam.y + beam.dydz * dz}
    for name, value in want.items():
        assert np.array_equal(ev.column(name).to_numpy(), value), name


def test_summary_kernel_equals_propagate_charged():
    rng = np.random.default_rng(4)
    n = 20_000
    origin = np.stack([rng.normal(0, 0.02, n), rng.normal(0, 0.02, n), rng.uniform(100, 190, n)], axis=1)
    p3 = np.stack([rng.normal(0, 0.3, n), rng.normal(0, 0.3, n), rng.uniform(-5, 70, n)], axis=1)
    ref = propagate_charged(origin, p3, -1, CARD)
    names = list(track_planes(CARD))
    keep = np.array([0, names.index("LKR"), names.index("MUV3")])
    xk, yk = np.empty((3, n)), np.empty((3, n))
    acc = np.empty((len(ref.accept), n), np.bool_)
    fwd = np.empty(n, np.bool_)
    charged_summary_kernel(origin, p3, -1.0, *_charged_geometry(CARD), keep, xk, yk, acc, fwd)
    assert np.array_equal(fwd, ref.forward) and fwd.any() and not fwd.all()
    for j, k in enumerate(keep):
        assert np.array_equal(xk[j], ref.x[names[k]], equal_nan=True)
        assert np.array_equal(yk[j], ref.y[names[k]], equal_nan=True)
    for j, key in enumerate(ref.accept):
        assert np.array_equal(acc[j], ref.accept[key]), key
