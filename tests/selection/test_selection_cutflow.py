"""Named selections and the weighted cut-flow engine."""

import numpy as np
import pytest
import yaml

from kaonportal.errors import InputError
from kaonportal.selection import cut_flow, demo_events, list_selections, load_selection, region_mask


def test_shipped_selections_match_reference():
    # na62_parameters.md section 4a: R1 0-0.010, R2 0.026-0.068; 15-35 GeV/c and 115-165 m (2016-17);
    # 15-45 GeV/c and 105-165 m (2018, 2021-22).
    assert {"pnn-2017", "pnn-2022"} <= set(list_selections())
    s17, s22 = load_selection("pnn-2017"), load_selection("pnn-2022")
    assert s17.momentum_range == (15.0, 35.0) and s22.momentum_range == (15.0, 45.0)
    assert s17.fiducial_z == (115.0, 165.0) and s22.fiducial_z == (105.0, 165.0)
    for s in (s17, s22):
        assert s.region("R1").windows["m2miss_pi"] == (0.0, 0.010)
        assert s.region("R2").windows["m2miss_pi"] == (0.026, 0.068)
        assert [r.id for r in s.signal_regions()] == ["R1", "R2"]
        assert all(c.source and c.status for c in s.cuts)


def test_unknown_and_invalid_selections(tmp_path):
    with pytest.raises(InputError, match="pnn-2017"):
        load_selection("pnn-1999")
    data = yaml.safe_load(open(load_selection.__globals__["SELECTION_DIR"] / "pnn-2022.yaml"))
    data["momentum_bins"] = [15.0, 30.0, 25.0, 45.0]
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="momentum_bins"):
        load_selection(p)
    data["momentum_bins"] = [10.0, 45.0]
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="momentum_range"):
        load_selection(p)


def test_cutflow_bookkeeping_on_toy_table():
    sel = load_selection("pnn-2022")
    ev = demo_events(20000, seed=5)
    cf = cut_flow(sel, ev)
    cum = [r.cumulative for r in cf.rows]
    assert all(b <= a + 1e-15 for a, b in zip(cum, cum[1:]))          # never increases
    assert np.isclose(np.prod([r.efficiency for r in cf.rows]), cum[-1], rtol=1e-12)
    # the constant K-pi matching efficiency enters exactly
    row = next(r for r in cf.rows if r.id == "kpi_timing")
    assert row.efficiency == pytest.approx(0.94)
    # skipping a weight cut can only increase the acceptance
    assert cut_flow(sel, ev, skip=["photon_veto"]).acceptance > cf.acceptance
    with pytest.raises(InputError, match="skip"):
        cut_flow(sel, ev, skip=["no_such_cut"])
    bad = dict(ev, w_pid_pi=ev["w_pid_pi"] * 3)
    with pytest.raises(InputError, match="w_pid_pi"):
        cut_flow(sel, bad)
    m = region_mask(sel, ev, "R1")
    assert np.all((ev["m2miss_pi"][m] >= 0) & (ev["m2miss_pi"][m] < 0.01))


def test_cutflow_reproducible_for_a_seed():
    simulate = pytest.importorskip("kaonportal.simulation").simulate
    sel = load_selection("pnn-2022")

    def rows(seed):
        ev = simulate("K+ -> pi+ pi0", n=20000, seed=seed, card="na62-2022", z_range=sel.fiducial_z).events
        return [(r.id, r.weighted, r.raw) for r in cut_flow(sel, ev).rows]

    a, b, c = rows(7), rows(7), rows(8)
    assert a == b
    assert a != c


def test_every_shipped_selection_validates():
    for name in list_selections():
        sel = load_selection(name)
        assert sel.name == name
        assert sel.signal_regions()


def test_selection_source_with_an_unknown_bibliography_key_is_refused(tmp_path):
    # every source in a selection names keys of the shipped bibliography (kaonportal refs)
    import yaml

    from kaonportal.errors import InputError
    from kaonportal.selection import load_selection
    from kaonportal.selection.definition import SELECTION_DIR
    data = yaml.safe_load((SELECTION_DIR / "pnn-2022.yaml").read_text())
    data["cuts"][0]["source"] = "[FW MultiplicitySelection.cc; NA62:2099zzz]"
    p = tmp_path / "sel.yaml"
    p.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"cuts\.0\.source: .*unknown bibliography key\(s\) NA62:2099zzz"):
        load_selection(p)
    data["cuts"][0]["source"] = "[FW MultiplicitySelection.cc; NA62:2021zjw] 'Extra-activity (multiplicity) cuts'"
    p.write_text(yaml.safe_dump(data))
    assert load_selection(p).cuts[0].source.startswith("[FW ")


def test_cut_weights_are_the_cut_flow_weights_bit_for_bit():
    # cut_weights (issue 17: the pnn budget's fast path) must give the very weights and total of cut_flow,
    # with a memo shared by the full selection and a control selection on the same events
    from kaonportal.selection import cut_weights
    sel = load_selection("pnn-2022")
    ev = demo_events(20000, seed=11)
    ev["n_photons"] = ev["n_photons"].astype(np.int16)
    memo = {}
    for skip, extra in (((), ()), (("photon_veto",), ()), (("pid_pi",), ("w_pid_mu",)), ((), ())):
        ref = cut_flow(sel, ev, skip=skip, extra_weights=extra)
        fast = cut_weights(sel, ev, skip=skip, extra_weights=extra, memo=memo)
        assert fast.total == ref.total and fast.rows == []
        assert np.array_equal(fast.weights, ref.weights) and fast.weights.tobytes() == ref.weights.tobytes()
        assert fast.yield_in(ev["p_track"] > 30) == ref.yield_in(ev["p_track"] > 30)
    assert memo      # the masks were kept for reuse
    base = np.linspace(0.0, 1.0, 20000)
    assert np.array_equal(cut_weights(sel, ev, base_weight=base).weights, cut_flow(sel, ev, base_weight=base).weights)


def test_cut_weights_refuse_a_weight_outside_zero_one_like_cut_flow():
    from kaonportal.selection import cut_weights
    sel = load_selection("pnn-2022")
    ev = demo_events(500, seed=2)
    ev["w_pid_pi"] = ev["w_pid_pi"] * 3.0
    for f in (cut_flow, cut_weights):
        with pytest.raises(InputError, match="w_pid_pi"):
            f(sel, ev)
    ev = demo_events(500, seed=2)
    ev["w_photon_veto"][:] = np.nan     # non-finite where an event is still selected
    with pytest.raises(InputError, match="w_photon_veto"):
        cut_weights(sel, ev, memo={})


def test_cut_weights_without_steps_return_a_copy_of_the_memos_weights():
    """Every cut skipped: the weights are the memo's base weights; the caller gets a copy it may modify without
    changing what the next call with the same memo returns."""
    from kaonportal.selection import cut_weights
    sel = load_selection("pnn-2022")
    ev = demo_events(500, seed=3)
    memo = {}
    full = cut_weights(sel, ev, memo=memo)                     # fills the memo's base weights
    every = tuple(sel.cut_ids())
    first = cut_weights(sel, ev, skip=every, memo=memo)
    expected = first.weights.copy()
    assert first.weights.any() and not np.array_equal(full.weights, first.weights)
    first.weights *= 0.0                                       # an analysis scaling its weights in place
    again = cut_weights(sel, ev, skip=every, memo=memo)
    assert again.weights is not first.weights and np.array_equal(again.weights, expected)
    assert again.total == first.total == float(expected.sum())
