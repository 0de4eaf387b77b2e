"""stats.likelihood: the closed-form profile of a linear (Gaussian) background nuisance (issue 17) equals
the projected Newton iteration it replaces, and is the minimum of the profiled nll."""

import numpy as np

from kaonportal.stats.likelihood import profile_nll, profile_nuisances
from kaonportal.stats.model import CountingArrays


def _grid():
    # counts 0..40, background 0..30, errors from tiny to larger than b (truncation beta >= 0 active),
    # auxiliary data away from 0 (post-fit Asimov data sets), signal from 0 to large
    rng = np.random.default_rng(7)
    P, D = 400, 3
    n = rng.integers(0, 40, (P, D)).astype(float)
    n[:40] = 0.0
    b = rng.uniform(0.0, 30.0, (P, D))
    b[40:60] = 0.0
    sig = b * rng.uniform(1e-4, 1.5, (P, D)) + rng.uniform(0.0, 0.5, (P, D))
    aux = rng.normal(0.0, 1.0, (P, D))
    m = CountingArrays(n=n, b=b, sig_lo=sig, sig_hi=sig, kind=np.zeros((P, D), int),
                       spb=rng.uniform(0.5, 2.0, (P, D)), r=np.zeros((P, D)))
    br = rng.uniform(0.0, 20.0, P)
    br[:30] = 0.0
    return m, br, aux


def test_closed_form_equals_newton():
    m, br, aux = _grid()
    tb, _, nll = profile_nuisances(m, br, aux_b=aux)
    # ``start`` forces the iterative path on every element: the reference
    lo, _ = m.theta_b_bounds()
    start = (np.clip(aux, lo, None), np.zeros(m.shape))
    tb_it, _, nll_it = profile_nuisances(m, br, aux_b=aux, start=start)
    # the Newton iteration stops at |step| < 1e-11; nll agrees to rounding
    np.testing.assert_allclose(tb, tb_it, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(nll, nll_it, rtol=1e-12, atol=1e-10)


def test_closed_form_is_the_minimum():
    m, br, aux = _grid()
    tb, _, nll = profile_nuisances(m, br, aux_b=aux)
    lo, _ = m.theta_b_bounds()
    s0 = br[:, None] * m.spb
    for shift in (-1e-4, 1e-4):
        t = np.maximum(tb + shift, lo)
        lam = s0 + np.maximum(m.b + m.sig_hi * t, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            other = lam - np.where(m.n > 0, m.n * np.log(lam), 0.0) + 0.5 * (t - aux) ** 2
        assert np.all(other >= nll - 1e-12 * np.abs(nll) - 1e-12)


def test_mixed_batch_keeps_iterated_elements():
    # gaussian (closed form) next to lognormal and SES-error datasets (iterated) in one batch
    m, br, aux = _grid()
    kind = m.kind.copy()
    kind[:, 1] = 1
    r = np.zeros(m.shape)
    r[:, 2] = 0.1
    mixed = CountingArrays(n=m.n, b=np.maximum(m.b, 0.1), sig_lo=m.sig_lo, sig_hi=m.sig_hi, kind=kind,
                           spb=m.spb, r=r)
    nll, d = profile_nll(mixed, br)
    lo, _ = mixed.theta_b_bounds()
    start = (np.where(kind == 1, 0.0, np.clip(0.0, lo, None)), np.zeros(m.shape))
    _, _, nll_it = profile_nuisances(mixed, br, start=start)
    np.testing.assert_allclose(nll, nll_it.sum(axis=1), rtol=1e-10, atol=1e-9)
