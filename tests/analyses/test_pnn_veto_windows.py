"""The pnn samples with veto averaging are averaged only inside the selection's windows before its photon veto
(analyses/pnn_setup.py veto_average_windows, simulate option veto_average_where; issue 17).

Defining property: the selection's cut flow is bit-identical to the one on the sample averaged everywhere in
the acceptance (outside the windows an event has weight 0 whatever its veto)."""

import numpy as np

from kaonportal.analyses.pnn_setup import veto_average_windows
from kaonportal.selection import cut_flow, load_selection
from kaonportal.simulation import simulate


def test_windows_are_the_plain_cuts_before_the_veto():
    w = veto_average_windows(load_selection("pnn-2022"))
    assert w["p_track"] == (15.0, 45.0) and w["vertex_z"] == (105.0, 165.0) and w["cda"] == (-np.inf, 0.03)
    assert "track_r_straw1" not in w            # a derived quantity: not a simulation column before the vetoes
    assert veto_average_windows(load_selection("pnn-2017"))["p_track"] == (15.0, 35.0)


def test_a_cut_skipped_where_the_veto_is_kept_is_left_out():
    sel = load_selection("pnn-2022").model_copy(deep=True)
    sel.control["K+ -> mu+ nu"].skip = ["pid_pi", "pi_momentum"]   # keeps the photon veto, drops the momentum cut
    w = veto_average_windows(sel)
    assert "p_track" not in w and "p_beam" in w
    sel.control["K+ -> pi+ pi0"].skip = ["photon_veto", "p_beam"]  # drops the veto too: no constraint from it
    assert "p_beam" in veto_average_windows(sel)


def test_cut_flow_bit_identical_with_the_windows():
    sel = load_selection("pnn-2022")
    kw = dict(n=20_000, seed=9, card="na62-2022", z_range=tuple(sel.fiducial_z), veto_average=4)
    full = simulate("K+ -> pi+ pi0", **kw).events
    narrow = simulate("K+ -> pi+ pi0", veto_average_where=veto_average_windows(sel), **kw).events
    # the option did something: some events keep the veto of their generated photons
    assert not np.array_equal(full.column("w_photon_veto").to_numpy(), narrow.column("w_photon_veto").to_numpy())
    a, b = cut_flow(sel, full), cut_flow(sel, narrow)
    assert a.as_records() == b.as_records()
    assert np.array_equal(a.weights, b.weights) and a.weights.sum() > 0
    sel_w = a.weights > 0
    esc = [t.column("w_photon_veto_escape").to_numpy()[sel_w] for t in (full, narrow)]
    assert np.array_equal(*esc)


