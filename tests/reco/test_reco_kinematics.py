"""Closest approach and missing mass."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kaonportal import constants
from kaonportal.kinematics import boost, two_body_momentum
from kaonportal.reco import closest_approach, m2miss


@settings(max_examples=50, deadline=None)
@given(st.floats(-0.05, 0.05), st.floats(-0.05, 0.05), st.floats(110, 180),
       st.floats(-0.02, 0.02), st.floats(-0.02, 0.02))
def test_closest_approach_recovers_vertex(x, y, z, tx, ty):
    """A beam line (slope 1.2 mrad, defined at GTK3) and a track line (defined at STRAW1) that meet at
    (x, y, z): CDA zero and vertex at z, to float64 rounding. The two-line formula forms a c - b^2 from
    numbers ~1 (a, b, c = 1 + slopes^2), so it loses digits as 1/theta^2 for an opening angle theta: the
    rounding bound is ~ eps * L / theta^2 with L ~ 100 m lever arms (about 2 um at theta = 0.15 mrad;
    far below the ~mm vertex resolution). A cancellation-free |w.n|/|n| form is a recorded follow-up
    (the simulation kernel shares this formula and the pnn calibration is fitted on its output)."""
    if abs(tx - 1.2e-3) + abs(ty) < 1e-4:   # (nearly) parallel lines: vertex undefined
        return
    bx, by = x - 1.2e-3 * (z - 102.4), y
    v, cda = closest_approach(np.array([bx]), np.array([by]), 102.4, np.array([1.2e-3]), np.array([0.0]),
                              np.array([x + tx * (183.5 - z)]), np.array([y + ty * (183.5 - z)]), 183.5,
                              np.array([tx]), np.array([ty]))
    theta2 = (tx - 1.2e-3) ** 2 + ty ** 2
    assert cda[0] < 1e-7 + 100.0 * 4 * np.finfo(float).eps / theta2
    assert v[0, 2] == pytest.approx(z, abs=1e-3)


def test_closest_approach_parallel_is_nan():
    v, cda = closest_approach(np.zeros(1), np.zeros(1), 0.0, np.zeros(1), np.zeros(1),
                              np.ones(1), np.zeros(1), 0.0, np.zeros(1), np.zeros(1))
    assert np.isnan(v).all() and np.isnan(cda).all()


@settings(max_examples=50, deadline=None)
@given(st.floats(-1, 1), st.floats(0, 2 * np.pi), st.floats(60, 90))
def test_m2miss_two_body_is_pi0_mass(cost, phi, pk):
    """K+ -> pi+ pi0 exactly: (P_K - P_pi)^2 = m_pi0^2 for any decay angle and kaon momentum."""
    mk, mpi, mpi0 = constants.mass("K+"), constants.mass("pi+"), constants.mass("pi0")
    ps = float(two_body_momentum(mk, mpi, mpi0))
    sint = np.sqrt(1 - cost ** 2)
    rest = np.array([[np.hypot(ps, mpi), ps * sint * np.cos(phi), ps * sint * np.sin(phi), ps * cost]])
    kdir = np.array([1.2e-3, 0.0, 1.0]) / np.sqrt(1 + 1.44e-6)
    ek = np.hypot(pk, mk)
    lab = boost(rest, (pk / ek * kdir)[None, :])[0]
    ppi = np.linalg.norm(lab[1:])
    m2 = m2miss(np.array([pk]), 1.2e-3, 0.0, mk, np.array([ppi]), lab[1] / lab[3], lab[2] / lab[3], mpi)
    assert m2[0] == pytest.approx(mpi0 ** 2, abs=1e-9)
