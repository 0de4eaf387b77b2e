"""K+ -> mu+ nu X matrix elements (scalar, L_mu - L_tau vector) as phase-space weights."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kaonportal.analyses.searches.muonphilic import _q2_frame, mean_phase_space_weight, q2_weight, squared_amplitude
from kaonportal.constants import mass
from kaonportal.errors import InputError

Q2_MAX = (mass("K+") - mass("mu+")) ** 2


@settings(max_examples=25, deadline=None)
@given(m_x=st.floats(0.005, 0.35), u=st.floats(0.01, 0.99), c=st.floats(-1.0, 1.0))
def test_vector_current_conserved(m_x, u, c):
    # the L_mu current is conserved (module docstring): the k_b k_b'/m_X^2 part of the polarisation sum
    # cancels between the muon and the neutrino emission, so the full and the -g_bb' sums agree (to rounding)
    q2 = m_x ** 2 + u * (Q2_MAX - m_x ** 2)
    mu, nu, k, _ = _q2_frame(np.array([q2]), np.array([c]), m_x)
    full = squared_amplitude(mu, nu, k, "vector", m_x)
    short = squared_amplitude(mu, nu, k, "vector", m_x, full_polarisation_sum=False)
    assert full[0] > 0 and abs(full[0] - short[0]) <= 1e-9 * abs(short[0]) + 1e-12
    assert squared_amplitude(mu, nu, k, "scalar", m_x)[0] > 0


@pytest.mark.parametrize("m_x", [0.02, 0.2])
@pytest.mark.parametrize("kind", ["scalar", "vector"])
def test_weights_keep_normalisation(kind, m_x):
    # phase-space mean of the weights = 1 (quadrature normalisation), checked on 1e5 flat phase-space decays:
    # the weight spread (rms <~ 0.8) gives a MC error < 0.3 %, so 1 % is a > 3 sigma tolerance
    assert abs(mean_phase_space_weight(m_x, kind, n=100_000, seed=3) - 1.0) < 0.01


def test_spectrum_direction():
    q2 = np.linspace(0.0, Q2_MAX, 2001)
    # phase-space density of q^2 ~ Delta s(q^2) ~ p*_mu p*_X (Dalitz-plot width), for the weighted means
    for m_x in (0.01, 0.3):
        _, _, _, ps = _q2_frame(np.clip(q2, m_x ** 2 + 1e-12, None), np.zeros_like(q2), m_x)
        ps = np.where(q2 > m_x ** 2, ps, 0.0)
        mean_ps = np.sum(q2 * ps) / np.sum(ps)
        wv, ws = q2_weight(q2, m_x, "vector"), q2_weight(q2, m_x, "scalar")
        mean_v = np.sum(q2 * ps * wv) / np.sum(ps * wv)
        mean_s = np.sum(q2 * ps * ws) / np.sum(ps * ws)
        if m_x == 0.01:
            # a light vector coupled to a conserved current is radiated soft (eikonal enhancement, as the photon in
            # K_mu2gamma IB): q^2 = m2miss is pulled towards the K_mu2 peak, well below phase space
            assert mean_v < 0.6 * mean_ps and mean_v < mean_s
        else:
            # a heavy X carries the chirality flip (scalar) / longitudinal mode: harder than phase space, the
            # muon is softer and m2miss larger
            assert mean_s > mean_ps
    assert np.all(q2_weight(np.array([-0.01, Q2_MAX + 0.01]), 0.1, "scalar") == 0.0)


def test_bad_input():
    with pytest.raises(InputError, match="kind"):
        q2_weight([0.05], 0.1, "tensor")
    with pytest.raises(InputError, match="m_x"):
        q2_weight([0.05], 0.5, "scalar")


@pytest.mark.parametrize("kind", ["scalar", "vector"])
def test_soft_limit_is_low_theorem(kind):
    # an X of vanishing mass and energy factorises off K_mu2 (Low's theorem): |M|^2 -> |M0|^2 S with the eikonal
    # factor S = 4 m_mu^2 / D_mu^2 (scalar: the propagator numerator (m - pmu/) v -> 2 m v) or
    # S = 8 p_mu.p_nu / (D_mu D_nu) - 4 m_mu^2 / D_mu^2 (vector: -(2 p_nu/D_nu - 2 p_mu/D_mu)^2), D = 2 p.k + m_X^2.
    # Corrections are O(k / m_mu) ~ 1e-4 here: tolerance 1e-3 relative
    from kaonportal.analyses.searches import muonphilic as mp
    m_k, m_mu = mass("K+"), mass("mu+")
    p = (m_k ** 2 - m_mu ** 2) / (2 * m_k)
    pmu = np.array([[np.hypot(p, m_mu), 0.0, 0.0, p]])
    pnu = np.array([[p, 0.0, 0.0, -p]])
    m_x = 1e-6
    kk = 1e-5 * np.array([0.6, 0.0, 0.8])
    k = np.array([[np.sqrt(kk @ kk + m_x ** 2), *kk]])
    pk = pmu + pnu + k
    dot = lambda a, b: a[0, 0] * b[0, 0] - a[0, 1:] @ b[0, 1:]  # noqa: E731
    s = mp._slash
    m0 = np.real(mp._tr(s(pnu), s(pk) @ (mp._ONE - mp._G5), s(pmu) - m_mu * mp._ONE, (mp._ONE + mp._G5) @ s(pk)))[0]
    d_mu, d_nu = 2 * dot(pmu, k) + m_x ** 2, 2 * dot(pnu, k) + m_x ** 2
    eik = 4 * m_mu ** 2 / d_mu ** 2 if kind == "scalar" else 8 * dot(pmu, pnu) / (d_mu * d_nu) - 4 * m_mu ** 2 / d_mu ** 2
    got = squared_amplitude(pmu, pnu, k, kind, m_x, full_polarisation_sum=False)[0]
    assert m0 > 0 and abs(got / (m0 * eik) - 1.0) < 1e-3


@pytest.mark.parametrize("kind", ["scalar", "vector"])
def test_compiled_traces_equal_numpy_traces(kind):
    # _table evaluates the same Dirac traces in compiled loops (gamma^i products as permutations): equal to the
    # numpy squared_amplitude to rounding over the whole (q^2, cos theta*) plane, near threshold included
    from kaonportal.analyses.searches.muonphilic import _squared_amplitude_fast
    for m_x in (0.01, 0.2, 0.35):
        q2 = m_x ** 2 + (Q2_MAX - m_x ** 2) * np.linspace(1e-6, 1 - 1e-6, 60) ** 2
        mu, nu, k, _ = _q2_frame(q2[:, None], np.linspace(-1.0, 1.0, 9)[None, :] + 0.0 * q2[:, None], m_x)
        mu, nu, k = (x.reshape(-1, 4) for x in (mu, nu, k))
        ref = squared_amplitude(mu, nu, k, kind, m_x, full_polarisation_sum=False)
        # summation order differs (4x4 products, the gamma^i permutations); the terms inside a trace cancel by up
        # to ~1e4 near threshold (measured: 1.3e-12 relative at q^2 = m_X^2 + 1e-12, 6e-14 elsewhere): 1e-11
        np.testing.assert_allclose(_squared_amplitude_fast(mu, nu, k, kind, m_x), ref, rtol=1e-11, atol=0)
