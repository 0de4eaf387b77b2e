"""The two readings of NA27's eta/pi0 (kaonportal.beamdump.eta_ratio.NA27_READINGS), issue 14.

Which cross section NA27's tabulated ratio is of was not established; the default comparator is the ratio of
dN/dp_T (dsigma/dp_T^2), the alternative the ratio of E d3sigma/dp3 integrated over x_F. These tests pin what each
comparator is (independently recomputed here from the tables' lab kinematics), that the default is the stated one,
and that the alternative's effect is stated on the result.
"""

import numpy as np
import pytest

from kaonportal import constants
from kaonportal.beamdump import eta_ratio
from kaonportal.beamdump.mesons import load_tables


def _ratio_by_event_sampling(reading, pts, n_sub=6):
    # independent of eta_ratio's own 4 x 4 sub-grid and its CM-boost code: each table bin spread over an
    # n_sub x n_sub grid, E* from the invariant s = (p_beam + p_target)^2 and the particle's lab four-momentum
    # (E* = (P_tot . p) / sqrt(s), P_tot = (E_beam + m_p, 0, 0, p_beam))
    from kaonportal.beamdump.nuclear import sub_bin_grid
    t = load_tables()
    p, th = sub_bin_grid(t.logp_edges, t.logtheta_edges, n_sub)
    shape = (p.shape[0], th.shape[1], n_sub, n_sub)
    p, th = np.broadcast_to(p, shape), np.broadcast_to(th, shape)
    m_p = constants.mass("p")
    e_beam = np.hypot(400.0, m_p)
    sqrt_s = np.sqrt(2 * m_p * m_p + 2 * m_p * e_beam)
    edges = np.arange(0.0, 2.05, 0.05)
    out = {}
    for name in ("eta", "pi0"):
        w = np.broadcast_to(t.counts[name][:, :, None, None], shape)
        if reading == "xf_integrated_invariant":
            e_star = ((e_beam + m_p) * np.hypot(p, constants.mass(name)) - 400.0 * p * np.cos(th)) / sqrt_s
            w = w * e_star
        out[name] = np.histogram((p * np.sin(th)).ravel(), edges, weights=w.ravel())[0]
    centres = 0.5 * (edges[1:] + edges[:-1])
    return np.interp(pts, centres, out["eta"] / out["pi0"])


@pytest.mark.parametrize("reading", list(eta_ratio.NA27_READINGS))
def test_comparator_is_the_ratio_in_the_variable_of_the_reading(reading):
    # defining property: pythia_ratio(reading) is eta/pi0 of dN/dp_T (dsigma/dp_T^2) or of the x_F integral of
    # E d3sigma/dp3 (per-meson weight 2 E*/sqrt(s)). Different sub-grids (4 vs 6) and slice interpolation:
    # agreement within 3 % at the measured points below 1.2 GeV/c (MC error of the 3e6-event tables < 1 %)
    pts = eta_ratio.na27_points()[:, 0]
    pts = pts[pts < 1.2]
    ours = eta_ratio.pythia_ratio(pts, reading=reading)
    assert ours == pytest.approx(_ratio_by_event_sampling(reading, pts), rel=0.03)


def test_x_f_integrated_invariant_ratio_favours_the_heavier_eta_at_low_pt():
    # dx_F/dy = 2 E*/sqrt(s) grows with the mass at fixed p_T and y: the invariant reading's Pythia ratio is higher,
    # the more so at low p_T. Evaluated without sampling, but from the shipped Pythia tables: one fixed-seed MC
    # sample. Its seed-to-seed spread (Poisson resampling of the table counts, 5 seeds) is 0.06-0.17 % rms on these:
    # rel 5e-3 (~3x the largest). The tables' x_F shape moves them by 0.3-0.9 % (eta yield +10 % in the upper half
    # of the momentum bins: fails at 4 of the 5 points), the comparator's numerics by 0.3-1.6 % (4 -> 5 sub-bins,
    # 0.05 -> 0.04 GeV/c slices)
    pts = np.array([0.22, 0.39, 0.50, 0.74, 1.12])
    f = (eta_ratio.pythia_ratio(pts, reading="xf_integrated_invariant")
         / eta_ratio.pythia_ratio(pts, reading="dsigma_dpt2"))
    assert f == pytest.approx([1.945, 1.500, 1.346, 1.190, 1.084], rel=5e-3)
    assert np.all(np.diff(f) < 0)


def test_default_reading_is_stated_and_the_other_one_is_worse_for_pythia():
    # the default comparator is dN/dp_T (module docstring: chosen on convention, not fit); the other reading makes
    # Pythia's excess larger (chi2 206 vs 41 for 13 points) and the reweighted eta multiplicity smaller (0.53 vs 0.74).
    # No sampling here, but the shipped Pythia tables are one fixed-seed MC sample: seed-to-seed spread (Poisson
    # resampling of the table counts, 5 seeds) 0.26 % / 0.33 % rms on the chi2s, 0.07 % / 0.06 % on the factors, so
    # rel 1e-2 and 2e-3 (~3x). A 1-sigma shift of one NA27 point below 0.6 GeV/c moves the chi2s by 3-16 % and the
    # factor by 2-5 %
    assert eta_ratio.NA27_READING == "dsigma_dpt2"
    a, b = eta_ratio.comparison(), eta_ratio.comparison(reading="xf_integrated_invariant")
    assert a["reading"] == "dsigma_dpt2" and b["reading"] == "xf_integrated_invariant"
    assert a["chi2"] == pytest.approx(41.45, rel=1e-2) and b["chi2"] == pytest.approx(205.5, rel=1e-2)
    assert a["multiplicity_factor"] == pytest.approx(0.7439, rel=2e-3)
    assert b["multiplicity_factor"] == pytest.approx(0.5251, rel=2e-3)
    assert np.array_equal(eta_ratio.bin_weights(), eta_ratio.bin_weights(reading="dsigma_dpt2"))


def test_unknown_reading_is_refused():
    from kaonportal.errors import InputError
    with pytest.raises(InputError, match="reading"):
        eta_ratio.comparison(reading="mid-rapidity")


def test_the_unestablished_reading_is_stated_on_dilepton_results():
    # the quantity is not established: the alternative's effect on the lower edge is stated, with its numbers
    from kaonportal.beamdump.disagreements import LOWER_EDGE_RATIOS, stated_disagreements
    from kaonportal.beamdump.setup import BeamDumpSetup
    text = " ".join(stated_disagreements("dark-photon", ["mumu"], BeamDumpSetup()))
    alt = LOWER_EDGE_RATIOS[("NA27 as x_F-integrated invariant", "notch")]
    assert "not established" in text and "integrated over x_F" in text
    assert ", ".join(f"{r:.2f}" for r in alt[:3]) in text
    # the invariant reading lowers the eta weight, so the lower edge can only rise (or stay, at 0.5 GeV)
    assert all(x >= d for x, d in zip(alt, LOWER_EDGE_RATIOS[("default", "notch")]))
    from kaonportal.beamdump.mesons import reference_yields
    note = " ".join(reference_yields()["meson_multiplicity"]["na27_eta_to_pi0_vs_pt"]["note"].split())
    assert "dsigma/dp_T^2" in note and "x_F" in note


def test_lower_edge_ratios_are_stated_in_one_place():
    # review: eta_ratio's docstring carried its own lower-edge set (another grid, ee+mumu) next to LOWER_EDGE_RATIOS
    # (the numbers on results); it now refers to them and keeps only relative moves, and the package docstring's
    # other-reading set is LOWER_EDGE_RATIOS's
    import re

    import kaonportal.beamdump as bd
    from kaonportal.beamdump.disagreements import LOWER_EDGE_RATIOS
    doc = " ".join(eta_ratio.__doc__.split())
    assert "LOWER_EDGE_RATIOS" in doc
    for r in LOWER_EDGE_RATIOS.values():
        assert ", ".join(f"{x:.2f}" for x in r) not in doc
    # the former set of the 100x100 ee+mumu run and its single-factor variant (three digits)
    assert not re.search(r"0\.\d{3}, 0\.\d{3}, 0\.\d{3}, 0\.\d{3}", doc)
    for key in [("default", "notch"), ("NA27 as x_F-integrated invariant", "notch")]:
        assert ", ".join(f"{r:.2f}" for r in LOWER_EDGE_RATIOS[key]) in " ".join(bd.__doc__.split())


def test_the_unestablished_reading_reaches_every_model_fed_by_the_eta_table():
    # review: the ALPs' eta mixing uses the same reweighted eta table, but the dark photon's stated note does not
    # apply to them; the reference check of NA27's ratio (on every --explain that uses the eta table) states it
    from kaonportal.beamdump.budget_checks import _compare
    from kaonportal.beamdump.mesons import reference_yields
    from kaonportal.beamdump.setup import BeamDumpSetup
    from kaonportal.models import get_model
    e = reference_yields()["meson_multiplicity"]["na27_eta_to_pi0_vs_pt"]
    text = _compare("na27_eta_to_pi0_vs_pt", e, get_model("alp-fermion"), BeamDumpSetup())
    alt = eta_ratio.comparison(reading="xf_integrated_invariant")
    assert "not established" in text and f"chi2 {alt['chi2']:.0f}" in text
    assert f"x{alt['multiplicity_factor']:.2f}" in text and "dsigma/dp_T^2" in text
