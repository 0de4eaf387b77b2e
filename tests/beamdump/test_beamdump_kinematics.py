"""Decay kinematics used for X production and decay (phase space, boosts) and the brems integrand."""

import numpy as np
import pytest
from scipy import integrate

from kaonportal import constants
from kaonportal.beamdump.brems import _density, brems_sample, form_factor_f1, w_ba
from kaonportal.beamdump.phasespace import boost_to_lab, nbody
from kaonportal.beamdump.production import meson_decay_sample, parse_production_key
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.kinematics import invariant_mass2


def test_nbody_conserves_four_momentum_and_masses():
    rng = np.random.default_rng(5)
    masses = [0.13957, 0.13957, 0.13498]
    p4, w = nbody(np.full(20000, 0.8), masses, rng)
    assert np.allclose(p4.sum(axis=1), [0.8, 0, 0, 0], atol=1e-12)
    assert np.allclose(invariant_mass2(p4), np.array(masses) ** 2, atol=1e-10)
    assert np.all((w >= 0) & (w <= 1))


def test_three_body_dalitz_density_is_flat():
    # Flat phase space = uniform density in (m12^2, m23^2) inside the Dalitz region. Compare weighted
    # counts in two equal-area interior boxes: with 2e5 events each holds ~1e4 (weighted), so 5% is > 5 sigma.
    rng = np.random.default_rng(7)
    m = [0.1, 0.1, 0.1]
    p4, w = nbody(np.full(200_000, 1.0), m, rng)
    m12 = invariant_mass2(p4[:, 0] + p4[:, 1])
    m23 = invariant_mass2(p4[:, 1] + p4[:, 2])
    box1 = (m12 > 0.2) & (m12 < 0.3) & (m23 > 0.2) & (m23 < 0.3)
    box2 = (m12 > 0.3) & (m12 < 0.4) & (m23 > 0.3) & (m23 < 0.4)
    assert w[box1].sum() == pytest.approx(w[box2].sum(), rel=0.05)


def test_two_body_meson_decay_kinematics():
    rng = np.random.default_rng(2)
    s = meson_decay_sample("eta", ("gamma",), 0.3, 2000, rng, BeamDumpSetup(),
                           parent_sampler=lambda n, r: (np.full(n, 80.0), np.full(n, 1e-3), np.zeros(n)),
                           parent_yield=0.5)
    assert s.weight.sum() == pytest.approx(0.5)
    assert np.allclose(invariant_mass2(s.p4), 0.09, atol=1e-9)
    # lab energies are bounded by the boosted two-body endpoints
    m_eta = constants.mass("eta")
    e_star = (m_eta**2 + 0.09) / (2 * m_eta)
    p_star = (m_eta**2 - 0.09) / (2 * m_eta)
    gamma = np.hypot(80.0, m_eta) / m_eta
    bg = 80.0 / m_eta
    assert s.p4[:, 0].max() <= gamma * e_star + bg * p_star + 1e-9
    assert s.p4[:, 0].min() >= gamma * e_star - bg * p_star - 1e-9
    # production points inside the copper, downstream of the TAX front
    assert np.all(s.vertex[:, 2] >= 23.07)
    assert meson_decay_sample("pi0", ("gamma",), 0.2, 10, rng, BeamDumpSetup()) is None  # closed


def test_boost_of_particle_at_rest():
    rest = np.array([[[0.5, 0.0, 0.0, 0.0]]])
    parent = np.array([[np.hypot(10.0, 0.5), 0.0, 0.0, 10.0]])
    assert np.allclose(boost_to_lab(rest, parent)[0, 0], parent[0])


def test_production_keys():
    assert parse_production_key("B+ -> K+ S") == ("B+", ("K+",), "S")
    assert parse_production_key("B- -> K- S") == ("B+", ("K-",), "S")
    assert parse_production_key("omega -> pi0 A'") == ("omega", ("pi0",), "A'")
    assert parse_production_key("K+ -> pi+ A'") is None


def test_form_factor_peaks_at_omega():
    q = np.array([0.3, 0.78266, 1.2]) ** 2
    f2 = np.abs(form_factor_f1(q)) ** 2
    assert f2[1] > 100 * f2[0] and f2[1] > 100 * f2[2]


def test_brems_sampler_integrates_the_density():
    # The importance-sampled weights must reproduce the direct 2D integral of dN/(dz dpT^2) over
    # 0.1 < z < 0.9, pT < 1 GeV (within 3% = several MC standard errors for 4e5 events).
    m = 0.4
    sample = brems_sample(m, 400_000, np.random.default_rng(11), BeamDumpSetup(brems_form_factor="timelike"))
    mc = sample.weight.sum()
    direct, _ = integrate.dblquad(lambda pt2, z: float(_density(z, pt2, m)), 0.1, 0.9, 0.0, 1.0,
                                  epsabs=0, epsrel=1e-6)
    assert mc == pytest.approx(direct, rel=0.03)


def test_w_ba_positive_and_scales_with_eps_squared():
    z = np.linspace(0.1, 0.9, 9)
    assert np.all(w_ba(z, 0.1, 0.3) > 0)
    assert np.allclose(w_ba(z, 0.1, 0.3, eps=1e-3), 1e-6 * w_ba(z, 0.1, 0.3))


def test_meson_mixing_takes_the_meson_momentum():
    rng = np.random.default_rng(4)
    fixed = lambda n, r: (np.full(n, 40.0), np.full(n, 2e-3), np.zeros(n))  # noqa: E731
    s = meson_decay_sample("pi0", (), 0.5, 100, rng, BeamDumpSetup(), parent_sampler=fixed, parent_yield=5.0,
                           x_name="a")
    assert s.mechanism == "pi0 -> a" and s.weight.sum() == pytest.approx(5.0)
    assert np.allclose(np.linalg.norm(s.p4[:, 1:], axis=1), 40.0)
    assert np.allclose(s.p4[:, 0], np.hypot(40.0, 0.5))


def test_boost_rows_to_lab_is_boost_to_lab_of_the_subset_bit_for_bit():
    """The compiled subset boost of the detection (no copies of the subset) gives boost_to_lab's numbers exactly,
    including parents at rest (beta = 0) and zero four-vectors (closed channels)."""
    from kaonportal.beamdump.phasespace import boost_rows_to_lab, boost_to_lab, two_body_at_rest
    rng = np.random.default_rng(11)
    n = 4000
    rest = two_body_at_rest(np.full(n, 0.4), 0.000511, 0.000511, rng)
    parent = np.zeros((n, 4))
    parent[:, 1:] = rng.normal(0.0, 1.0, (n, 3)) * [0.5, 0.5, 60.0]
    parent[:, 0] = np.sqrt(0.16 + np.sum(parent[:, 1:] ** 2, axis=1))
    parent[:5, 1:] = 0.0                 # at rest
    parent[:5, 0] = 0.4
    parent[5:8] = 0.0                    # closed channel: zero four-vector, daughters stay put
    idx = np.flatnonzero(rng.random(n) < 0.5)
    idx = np.concatenate([[0, 6], idx[idx > 7]])
    for k in (0, 1):
        want = boost_to_lab(rest[idx, k:k + 1], parent[idx])[:, 0]
        got = boost_rows_to_lab(rest, k, idx, parent, idx)
        assert np.array_equal(got, want)
    # parent already subset (the photon of a pi0 boosted with the pi0's lab momentum)
    lab = boost_to_lab(rest[idx, 0:1], parent[idx])[:, 0]
    assert np.array_equal(boost_rows_to_lab(rest, 1, idx, lab), boost_to_lab(rest[idx, 1:2], lab)[:, 0])


def test_norm3_and_dot3_are_numpy_norm_and_sum_bit_for_bit():
    """The detection's |p| (kinematics.norm3) keeps numpy.linalg.norm's numbers: the dump contours did not move."""
    from kaonportal.kinematics import dot3, norm3
    v = np.random.default_rng(3).normal(0.0, 1.0, (20000, 3)) * [0.01, 0.01, 50.0]
    u = np.random.default_rng(4).normal(0.0, 1.0, (20000, 3))
    assert np.array_equal(norm3(v), np.linalg.norm(v, axis=1))
    assert np.array_equal(dot3(u, v), np.sum(u * v, axis=1))
