"""dask.distributed (issue 17): ``simulate`` on a 2-process LocalCluster is bit-identical to the plain run,
in memory and to a file, and an interrupted distributed run resumes sending only the missing blocks."""

import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from kaonportal import distributed
from kaonportal.beamdump.yields import expected_events
from kaonportal.simulation import chunks as simrun
from kaonportal.simulation import simulate
from kaonportal.stats import peak_scan

pytest.importorskip("distributed")   # the test extra installs it (pyproject [test]): CI runs this

KW = dict(n=70_000, seed=11, card="na62-2018", chunk_blocks=1)   # 2 blocks in 2 chunks


def test_simulate_on_local_cluster_is_bit_identical(tmp_path, monkeypatch):
    plain = simulate("K+ -> pi+ pi0", **KW)
    sent = []
    real = simrun.ordered_map

    def spy(func, jobs, *args, **kwargs):
        sent.append([j[0] for j in jobs])
        return real(func, jobs, *args, **kwargs)

    monkeypatch.setattr(simrun, "ordered_map", spy)
    out = tmp_path / "d.parquet"

    def interrupt(done):
        if done >= 65_536:         # after the first chunk is stored
            raise KeyboardInterrupt

    grid = dict(model="dark-photon", masses=[0.05, 0.2, 0.6], couplings=[1e-6, 1e-5], channels=["ee", "mumu"],
                n_per_mass=300, seed=4)
    bd_plain = expected_events(**grid)
    rng = np.random.default_rng(2)
    scan = dict(masses=np.linspace(0.1, 0.9, 120), candidates=rng.uniform(0, 1, 300), resolution=0.01,
                background=9.0, background_error=1.0, ses=1e-9, n_jobs=2, chunk_size=40)
    scan_plain = peak_scan(**{**scan, "n_jobs": 1})
    lean_a, lean_b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    simulate("K+ -> mu+ nu", output=lean_a, **KW)
    kept_plain = simulate("K+ -> mu+ nu", keep_columns=["p_track", "cda"], **KW)
    with distributed.use_scheduler("local:2"):
        bd_dist = expected_events(**grid)           # one task per mass column
        scan_dist = peak_scan(**scan)               # one task per chunk of scan points
        # the workers narrow (lean file) or select (kept columns) before sending: same results
        lean = simulate("K+ -> mu+ nu", output=lean_b, **KW)
        kept = simulate("K+ -> mu+ nu", keep_columns=["p_track", "cda"], **KW)
        dist = simulate("K+ -> pi+ pi0", **KW)      # the active client: blocks as tasks
        with pytest.raises(KeyboardInterrupt):
            simulate("K+ -> pi+ pi0", output=out, progress=interrupt, columns="all", **KW)
        # the workers save their chunks in OUT.partial/ themselves: the second chunk may be there too; once no task
        # runs any more, remove it, as if the run had been stopped before it was done
        client = distributed.active_client()
        while any(client.processing().values()):
            time.sleep(0.05)
        store = out.with_name(out.name + ".partial")
        assert (store / "chunk-0000000000.parquet").is_file()
        (store / "chunk-0000000001.parquet").unlink(missing_ok=True)
        simulate("K+ -> pi+ pi0", output=out, columns="all", **KW)   # resumes
    assert dist.events.equals(plain.events)
    assert pq.read_table(lean_a).equals(pq.read_table(lean_b))
    assert lean_a.read_bytes() == lean_b.read_bytes()      # the chunks encoded once, by the workers: same bytes
    assert kept.events.equals(kept_plain.events) and lean.accepted == kept.accepted == kept_plain.accepted
    for name in ("per_pot", "mc_var_per_pot2"):
        assert getattr(bd_dist, name).tobytes() == getattr(bd_plain, name).tobytes()
    assert scan_dist.observed_limit.tobytes() == scan_plain.observed_limit.tobytes()
    assert all(scan_dist.expected[k].tobytes() == scan_plain.expected[k].tobytes() for k in scan_plain.expected)
    for name in ("by_channel", "by_mechanism"):
        a, b = getattr(bd_dist, name), getattr(bd_plain, name)
        assert list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)
    assert (dist.accepted, dist.decay_fraction_mc) == (plain.accepted, plain.decay_fraction_mc)
    assert sent == [[0, 1], [0, 1], [0, 1], [0, 1], [1]]       # the resumed run sent only the missing chunk
    table = pq.read_table(out)
    assert table.equals(plain.events.replace_schema_metadata(table.schema.metadata))



def test_lost_worker_is_replaced_and_output_identical(tmp_path):
    import os

    from kaonportal.decays import generate
    mark = str(tmp_path / "killed")

    def dying_generate(decay, n, rng, mass=None, **kw):    # defined here: pickled by value for the workers
        if n > 1000:                                          # the first block task kills its worker, once:
            try:                                              # O_EXCL, so that two workers starting blocks at
                fd = os.open(mark, os.O_CREAT | os.O_EXCL | os.O_WRONLY)   # the same moment do not both die
            except FileExistsError:
                pass
            else:
                os.close(fd)
                os._exit(1)
        return generate(decay, n, rng, mass=mass, **kw)

    ref = simulate("K+ -> pi+ pi0", **KW)
    with distributed.use_scheduler("local:2"):
        res = simulate("K+ -> pi+ pi0", generator=dying_generate, **KW)
    assert os.path.exists(mark)            # a worker did die mid-task; its task ran again elsewhere
    assert res.events.equals(ref.events)
