"""The pnn background budget block by block (analyses.pnn_budget.SourceAccumulator, issue 17): any partition
of the samples into blocks gives the whole-sample estimate of ``source_estimate``. Only the order of the float
additions differs, hence the relative tolerance 1e-12 (float64 rounding is ~1e-16 per addition; a wrong
normalisation of a block would show at the percent level)."""

import math

import numpy as np
import pytest

from kaonportal.analyses.pnn import needed_columns
from kaonportal.analyses.pnn_budget import (Calibration, SourceAccumulator, forced_multiplier, sample_pieces,
                                            source_estimate, undecayed_multiplier)
from kaonportal.selection import load_selection
from kaonportal.simulation import simulate

SEL = load_selection("pnn-2022")
Z = tuple(SEL.fiducial_z)
BINS = list(SEL.momentum_bins)
N_K_EFF = 1e11


def _table(decay, n, seed, **kw):
    t = simulate(decay, n=n, seed=seed, card="na62-2022", z_range=Z, sampling="weights", **kw).events
    keep = needed_columns(SEL)
    return t.select([c for c in t.column_names if c in keep]).combine_chunks()


@pytest.fixture(scope="module")
def mu_nu():
    # the mu+ nu source: an ordinary sample with its forced-decay sample plus the radiative one (every branch
    # of the accumulator: pieces, control sample, radiative samples)
    return {"plain": _table("K+ -> mu+ nu", 6000, 5, muon_decays=True),
            "forced": _table("K+ -> mu+ nu", 2000, 6, muon_decays=True, force_decays=True),
            "gamma": _table("K+ -> mu+ nu gamma", 3000, 7, muon_decays=True)}


def _flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        elif isinstance(v, list) and v and isinstance(v[0], float):
            out.update({f"{prefix}{k}[{i}]": x for i, x in enumerate(v)})
        else:
            out[prefix + k] = v
    return out


def _assert_same(a: dict, b: dict):
    fa, fb = _flat(a), _flat(b)
    assert fa.keys() == fb.keys()
    for k in fa:
        x, y = fa[k], fb[k]
        if isinstance(x, float) and isinstance(y, float) and math.isfinite(x):
            assert y == pytest.approx(x, rel=1e-12, abs=0.0), k
        else:
            assert x == y, k


def _blocks(table, edges):
    return [table.slice(a, b - a) for a, b in zip([0, *edges], [*edges, table.num_rows])]


def test_blocks_give_the_whole_sample_estimate(mu_nu):
    cal = Calibration(scales={"muon_as_pion": (1.3, 0.1)}, tail_fractions={"K+ -> mu+ nu": (1e-4, 1e-5)})
    whole = source_estimate("K+ -> mu+ nu", {"K+ -> mu+ nu": (mu_nu["plain"], 0.63),
                                             "K+ -> mu+ nu gamma": (mu_nu["gamma"], 4e-3)},
                            SEL, N_K_EFF, cal, BINS, forced={"K+ -> mu+ nu": mu_nu["forced"]})
    assert whole.simulation > 0 and whole.data_driven is not None and whole.n_events == 11000
    acc = SourceAccumulator("K+ -> mu+ nu", SEL, N_K_EFF, cal, BINS)
    acc.forced_decays.add("K+ -> mu+ nu")
    # uneven blocks, the pieces interleaved: the result does not depend on the partition or the order
    for block in _blocks(mu_nu["forced"], [700]):
        acc.add("K+ -> mu+ nu", block, 0.63, mult=forced_multiplier(block), piece=1)
    for block in _blocks(mu_nu["plain"], [1, 2500, 2501]):
        acc.add("K+ -> mu+ nu", block, 0.63, mult=undecayed_multiplier(block))
    for block in _blocks(mu_nu["gamma"], [1000, 2000]):
        acc.add("K+ -> mu+ nu gamma", block, 4e-3)
    streamed = acc.finish()
    _assert_same(whole.as_dict(), streamed.as_dict())


def test_blocks_are_normalised_by_the_whole_sample(mu_nu):
    # two halves of one sample are not two samples: summing two separate estimates of the halves
    # (each normalised by its own fiducial total) would double the yield
    cal = Calibration()
    plain = mu_nu["plain"]
    whole = source_estimate("K+ -> mu+ nu", {"K+ -> mu+ nu": (plain, 0.63)}, SEL, N_K_EFF, cal, BINS)
    acc = SourceAccumulator("K+ -> mu+ nu", SEL, N_K_EFF, cal, BINS)
    for block in _blocks(plain, [3000]):
        acc.add("K+ -> mu+ nu", block, 0.63)
    assert acc.finish().simulation == pytest.approx(whole.simulation, rel=1e-12)
    halves = [source_estimate("K+ -> mu+ nu", {"K+ -> mu+ nu": (b, 0.63)}, SEL, N_K_EFF, cal, BINS).simulation
              for b in _blocks(plain, [3000])]
    assert sum(halves) == pytest.approx(2 * whole.simulation, rel=0.3)


def test_multipliers_are_the_sample_pieces(mu_nu):
    (_, m_plain), (_, m_forced) = sample_pieces(mu_nu["plain"], mu_nu["forced"])
    assert np.array_equal(m_plain, undecayed_multiplier(mu_nu["plain"]))
    assert np.array_equal(m_forced, forced_multiplier(mu_nu["forced"]))


def test_kinematic_weights_of_a_block_are_the_cut_flow_ones(mu_nu):
    # issue 17: the m2miss plots take the selection-without-weight-cuts weights from the accumulator's block
    # masks (on the reweighted columns); they must be the very weights cut_flow gives on the raw block
    from kaonportal.selection import cut_flow
    cal = Calibration(scales={"muon_as_pion": (3.0, 0.3), "photon_veto": (2.0, 0.2)})   # columns reweighted
    acc = SourceAccumulator("K+ -> mu+ nu", SEL, N_K_EFF, cal, BINS)
    ev = mu_nu["plain"]
    kin = acc.add("K+ -> mu+ nu", ev, 0.6, kinematic=True)
    ref = cut_flow(SEL, ev, skip=[c.id for c in SEL.cuts if c.kind == "weight"]).weights
    assert kin.tobytes() == ref.tobytes() and np.count_nonzero(kin) > 0
    assert acc.add("K+ -> mu+ nu", ev, 0.6) is None
