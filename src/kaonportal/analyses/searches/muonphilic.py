"""Matrix elements of K+ -> mu+ nu X for a light X coupled to muons, as weights on phase-space events.

Models (the benchmarks of G. Krnjaic, G. Marques-Tavares, D. Redigolo, K. Tobioka, PRL 124 (2020) 041802,
arXiv:1902.07715, used by NA62 in PLB 816 (2021) 136259 for K+ -> mu+ nu X, X invisible):

* ``"scalar"``: L = g_S S mu-bar mu (a muonphilic scalar; no coupling to the left-handed neutrino);
* ``"vector"``: L = g_V X_b (mu-bar gamma^b mu + nu_mu-bar gamma^b P_L nu_mu), the gauged L_mu - L_tau boson
  (the tau line plays no role here), emitted from the muon and from the neutrino.

Amplitudes (derived here at tree level from these Lagrangians and the Fermi K_mu2 vertex
(G_F/sqrt2) V_us f_K p_K^a [nu-bar gamma_a (1 - gamma5) mu]; the papers above were not readable here, so the
expressions are ours, checked in the tests by the Ward identity below and by the soft-X (Low) limit). Fermion line u-bar(p_nu) ... v(p_mu), p_K = p_mu +
p_nu + k, D_mu = (p_mu + k)^2 - m_mu^2, D_nu = (p_nu + k)^2:

    M_S   ~ u-bar(nu) pK/ (1 - g5) (m_mu - pmu/ - k/) / D_mu v(mu)
    M_V^b ~ u-bar(nu) [ pK/ (1 - g5) (m_mu - pmu/ - k/) g^b / D_mu + g^b (pnu/ + k/) pK/ (1 - g5) / D_nu ] v(mu)

(both diagrams have one propagator and one vertex of the same sign, so they add). The vector current is
conserved, k_b M_V^b = 0 (the two terms give -/+ u-bar pK/(1 - g5) v), so the polarisation sum
-g_bb' + k_b k_b' / m_X^2 reduces to -g_bb' (:func:`squared_amplitude` keeps the full sum: the test checks
the identity numerically). Spin sums are done as explicit Dirac traces (Dirac representation).

Weights: the selected muon depends only on q^2 = m2miss = (p_K - p_mu)^2 = (p_nu + k)^2 (the kaon is spin 0, so
the muon direction is isotropic in the kaon frame). Flat three-body phase space is flat in (q^2, s), s = (p_mu
+ k)^2 (PDG Kinematics review, Dalitz plot), and at fixed q^2 s is linear in cos theta* (muon angle in the
(nu X) rest frame). The ratio of the matrix-element to the phase-space density of q^2 is therefore the
cos theta*-average of |M|^2; :func:`q2_weight` normalises it so that its phase-space mean is 1 (the weighted
sample keeps the phase-space normalisation: the total rate is set by the branching ratio being limited).

>>> w = q2_weight(np.array([0.01, 0.03, 0.08]), 0.05, "vector")
>>> bool(np.all(w > 0) and w[0] > w[2])
True
"""

from __future__ import annotations

__all__ = ["X_MODELS", "squared_amplitude", "q2_weight", "mean_phase_space_weight"]

from functools import lru_cache

import numpy as np

from ...backend import njit
from ...constants import mass as pmass
from ...errors import InputError, check_choice

X_MODELS = ("scalar", "vector")

_M_K = pmass("K+")
_M_MU = pmass("mu+")
_METRIC = np.diag([1.0, -1.0, -1.0, -1.0])

# Dirac matrices, Dirac representation (gamma^0..3 upper index, gamma5 = i g0 g1 g2 g3)
_S = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]], complex), np.array([[1, 0], [0, -1]], complex)]
_I2, _Z2 = np.eye(2, dtype=complex), np.zeros((2, 2), complex)
_G = np.array([np.block([[_I2, _Z2], [_Z2, -_I2]])] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _S])
_G5 = 1j * _G[0] @ _G[1] @ _G[2] @ _G[3]
_ONE = np.eye(4, dtype=complex)


def _slash(p: np.ndarray) -> np.ndarray:
    """p/ = p_mu gamma^mu = p^0 g^0 - p^i g^i for p (n, 4) -> (n, 4, 4)."""
    return np.einsum("nm,mab->nab", p * np.array([1.0, -1.0, -1.0, -1.0]), _G)


def _tr(*mats) -> np.ndarray:
    out = mats[0]
    for m in mats[1:]:
        out = out @ m
    return np.trace(out, axis1=-2, axis2=-1)


def squared_amplitude(p_mu, p_nu, k, kind: str, m_x: float, full_polarisation_sum: bool = True) -> np.ndarray:
    """Spin- (and polarisation-) summed |M|^2 of K+ -> mu+ nu X, up to a constant, for four-momenta (n, 4) in
    GeV (any common frame); ``kind`` "scalar" or "vector" (module docstring). For the vector,
    ``full_polarisation_sum=False`` uses -g_bb' only (equal if the current is conserved)."""
    check_choice("kind", kind, X_MODELS)
    p_mu, p_nu, k = (np.atleast_2d(np.asarray(a, float)) for a in (p_mu, p_nu, k))
    p_k = p_mu + p_nu + k
    dot = lambda a, b: a[:, 0] * b[:, 0] - np.sum(a[:, 1:] * b[:, 1:], axis=1)  # noqa: E731
    d_mu = (m_x ** 2 + 2.0 * dot(p_mu, k))[:, None, None]
    d_nu = (m_x ** 2 + 2.0 * dot(p_nu, k))[:, None, None]
    sk, smu, snu, sx = _slash(p_k), _slash(p_mu), _slash(p_nu), _slash(k)
    left, right = sk @ (_ONE - _G5), (_ONE + _G5) @ sk           # pK/ (1 - g5) and its Dirac conjugate
    a = (_M_MU * _ONE - smu - sx) / d_mu                           # antimuon propagator (A-bar = A)
    vsum = smu - _M_MU * _ONE                                      # sum over spins of v v-bar
    if kind == "scalar":
        val = _tr(snu, left, a, vsum, a, right)
    else:
        b = (snu + sx) / d_nu                                      # neutrino propagator
        gam = [left @ a @ _G[i] + _G[i] @ b @ left for i in range(4)]
        bar = [_G[i] @ a @ right + right @ b @ _G[i] for i in range(4)]
        klow = k * np.array([1.0, -1.0, -1.0, -1.0])
        val = np.zeros(len(p_k), complex)
        for i in range(4):
            for j in range(4):
                pol = -_METRIC[i, j] + (klow[:, i] * klow[:, j] / m_x ** 2 if full_polarisation_sum else 0.0)
                if np.all(pol == 0):
                    continue
                val = val + pol * _tr(snu, gam[i], vsum, bar[j])
    return np.real(val)


def _q2_frame(q2: np.ndarray, cos_t: np.ndarray, m_x: float):
    """Four-momenta in the (nu X) rest frame at (q^2, cos theta*) (broadcast), X along +z."""
    q = np.sqrt(q2)
    px = (q2 - m_x ** 2) / (2.0 * q)
    emu = (_M_K ** 2 - q2 - _M_MU ** 2) / (2.0 * q)
    pmu = np.sqrt(np.maximum(emu ** 2 - _M_MU ** 2, 0.0))
    sin_t = np.sqrt(np.maximum(1.0 - cos_t ** 2, 0.0))
    z = np.zeros_like(cos_t)
    k = np.stack([np.sqrt(px ** 2 + m_x ** 2) + z, z, z, px + z], axis=-1)
    nu = np.stack([px + z, z, z, -px + z], axis=-1)
    mu = np.stack([emu + z, pmu * sin_t, z, pmu * cos_t], axis=-1)
    return mu, nu, k, pmu * px


def _gamma_permutations() -> tuple[np.ndarray, np.ndarray]:
    """Each gamma^i has one non-zero entry per row: its column ``col[i, r]`` and value ``val[i, r]`` (a phase), so
    that products with gamma^i are permutations (exact) instead of 4x4 matrix products."""
    col = np.argmax(np.abs(_G) > 0, axis=2)
    val = np.take_along_axis(_G, col[:, :, None], axis=2)[:, :, 0]
    return col, val


_GCOL, _GVAL = _gamma_permutations()


@njit
def _mm(a, b, out):  # pragma: no cover - numba
    """out = a @ b (4x4 complex)."""
    for i in range(4):
        for j in range(4):
            acc = 0j
            for r in range(4):
                acc += a[i, r] * b[r, j]
            out[i, j] = acc


@njit
def _with_gamma(x, i, col, val, right, out):  # pragma: no cover - numba
    """out = x @ gamma^i (``right``: column col[i, r] of the product is column r of x times val[i, r]) or
    gamma^i @ x (row r of the product is row col[i, r] of x times val[i, r])."""
    for r in range(4):
        c = col[i, r]
        for a in range(4):
            if right:
                out[a, c] = x[a, r] * val[i, r]
            else:
                out[r, a] = val[i, r] * x[c, a]


@njit
def _trace_of_product(x, y) -> float:  # pragma: no cover - numba
    """Re Tr(x @ y)."""
    acc = 0j
    for a in range(4):
        for b in range(4):
            acc += x[a, b] * y[b, a]
    return acc.real


@njit
def _slash_into(p, g, out):  # pragma: no cover - numba
    """out = p/ = p^0 g^0 - p^i g^i."""
    for a in range(4):
        for b in range(4):
            out[a, b] = p[0] * g[0, a, b] - p[1] * g[1, a, b] - p[2] * g[2, a, b] - p[3] * g[3, a, b]


@njit
def _squared_amplitudes(p_mu, p_nu, k, m_x, m_mu, vector, g, g5, col, val):  # pragma: no cover - numba
    """:func:`squared_amplitude` with ``full_polarisation_sum=False`` (the sum used by :func:`_table`), the same
    traces evaluated point by point in compiled loops (products with gamma^i as permutations); equal to it to
    rounding (tested)."""
    n = p_mu.shape[0]
    out = np.empty(n)
    one = np.eye(4).astype(np.complex128)
    one_m5, one_p5 = one - g5, one + g5
    work = np.empty((17, 4, 4), np.complex128)
    sk, smu, snu, sx, left, right, a, bprop = work[0], work[1], work[2], work[3], work[4], work[5], work[6], work[7]
    vsum, t1, t2, t3, t4, la, bl, ar, rb = (work[8], work[9], work[10], work[11], work[12], work[13], work[14],
                                            work[15], work[16])
    pk = np.empty(4)
    for e in range(n):
        for c in range(4):
            pk[c] = p_mu[e, c] + p_nu[e, c] + k[e, c]
        d_mu = m_x * m_x + 2.0 * (p_mu[e, 0] * k[e, 0] - (p_mu[e, 1] * k[e, 1] + p_mu[e, 2] * k[e, 2]
                                                          + p_mu[e, 3] * k[e, 3]))
        d_nu = m_x * m_x + 2.0 * (p_nu[e, 0] * k[e, 0] - (p_nu[e, 1] * k[e, 1] + p_nu[e, 2] * k[e, 2]
                                                          + p_nu[e, 3] * k[e, 3]))
        _slash_into(pk, g, sk)
        _slash_into(p_mu[e], g, smu)
        _slash_into(p_nu[e], g, snu)
        _slash_into(k[e], g, sx)
        _mm(sk, one_m5, left)                           # pK/ (1 - g5)
        _mm(one_p5, sk, right)                          # its Dirac conjugate
        for r in range(4):
            for c in range(4):
                a[r, c] = (m_mu * one[r, c] - smu[r, c] - sx[r, c]) / d_mu     # antimuon propagator
                vsum[r, c] = smu[r, c] - m_mu * one[r, c]                       # sum over spins of v v-bar
                bprop[r, c] = (snu[r, c] + sx[r, c]) / d_nu                     # neutrino propagator
        if not vector:
            _mm(snu, left, t1)
            _mm(t1, a, t2)
            _mm(t2, vsum, t1)
            _mm(t1, a, t2)
            out[e] = _trace_of_product(t2, right)
            continue
        _mm(left, a, la)
        _mm(bprop, left, bl)
        _mm(a, right, ar)
        _mm(right, bprop, rb)
        tot = 0.0
        for i in range(4):
            _with_gamma(la, i, col, val, True, t1)           # gam_i = left a g^i + g^i b left
            _with_gamma(bl, i, col, val, False, t2)
            for r in range(4):
                for c in range(4):
                    t1[r, c] += t2[r, c]
            _with_gamma(ar, i, col, val, False, t2)           # bar_i = g^i a right + right b g^i
            _with_gamma(rb, i, col, val, True, t3)
            for r in range(4):
                for c in range(4):
                    t2[r, c] += t3[r, c]
            _mm(snu, t1, t3)
            _mm(vsum, t2, t4)
            # polarisation sum -g_ii: -1 for the time component, +1 for the space components
            tot += (-1.0 if i == 0 else 1.0) * _trace_of_product(t3, t4)
        out[e] = tot
    return out


def _squared_amplitude_fast(p_mu, p_nu, k, kind: str, m_x: float) -> np.ndarray:
    """Compiled :func:`squared_amplitude` (``full_polarisation_sum=False``) for (n, 4) four-momenta in GeV."""
    p_mu, p_nu, k = (np.ascontiguousarray(np.atleast_2d(np.asarray(x, float))) for x in (p_mu, p_nu, k))
    return _squared_amplitudes(p_mu, p_nu, k, float(m_x), _M_MU, kind == "vector", _G, _G5, _GCOL, _GVAL)


@lru_cache(maxsize=256)
def _table(m_x: float, kind: str, n_q2: int = 400, n_cos: int = 32):
    """cos-averaged |M|^2 on a q^2 grid (dense near q^2 = m_X^2) and the phase-space normalisation."""
    lo, hi = m_x ** 2, (_M_K - _M_MU) ** 2
    u = np.linspace(0.0, 1.0, n_q2)
    q2 = lo + (hi - lo) * u ** 2
    q2[0] += 1e-9 * (hi - lo)
    q2[-1] -= 1e-9 * (hi - lo)
    c, wc = np.polynomial.legendre.leggauss(n_cos)
    mu, nu, k, _ = _q2_frame(q2[:, None], c[None, :] + 0.0 * q2[:, None], m_x)
    # the compiled traces (equal to squared_amplitude to rounding; the numpy form was 1/3 of kmunux, issue 17)
    m2 = _squared_amplitude_fast(mu.reshape(-1, 4), nu.reshape(-1, 4), k.reshape(-1, 4), kind,
                                 m_x).reshape(len(q2), n_cos)
    avg = 0.5 * (m2 @ wc)
    # phase-space weight of each q^2: Delta s(q^2) ~ p*_mu p*_X (q-frame); Gauss-Legendre in u for the ratio
    xg, wg = np.polynomial.legendre.leggauss(96)
    ug = 0.5 * (xg + 1.0)
    q2g = lo + (hi - lo) * ug ** 2
    _, _, _, ds = _q2_frame(q2g, np.zeros_like(q2g), m_x)
    jac = 2.0 * ug * (hi - lo) * 0.5 * wg                        # d q^2 = 2 u (hi - lo) du
    avg_g = np.interp(q2g, q2, avg)
    norm = float(np.sum(jac * ds * avg_g) / np.sum(jac * ds))
    return q2, avg / norm


def q2_weight(q2, m_x: float, kind: str) -> np.ndarray:
    """Event weight rho_ME(q^2) / rho_PS(q^2) of K+ -> mu+ nu X phase-space events at q^2 = (p_K - p_mu)^2 (true,
    GeV^2), normalised to phase-space mean 1; 0 outside [m_X^2, (m_K - m_mu)^2]."""
    check_choice("kind", kind, X_MODELS)
    m_x = float(m_x)
    if not 0.0 < m_x < _M_K - _M_MU:
        raise InputError("m_x", f"must be in (0, {_M_K - _M_MU:.6g}) GeV, got {m_x!r}")
    grid, w = _table(round(m_x, 9), kind)
    q2 = np.asarray(q2, float)
    out = np.interp(q2, grid, w)
    return np.where((q2 >= m_x ** 2) & (q2 <= (_M_K - _M_MU) ** 2), out, 0.0)


def mean_phase_space_weight(m_x: float, kind: str, n: int = 200_000, seed: int = 0) -> float:
    """Monte Carlo mean of :func:`q2_weight` over flat K+ -> mu+ nu X phase space (should be 1)."""
    from ...decays import generate
    prod = generate("K+ -> mu+ nu X", n, np.random.default_rng(seed), mass=m_x)
    pmu = prod.p4[:, prod.names.index("mu+")]
    q = np.array([_M_K, 0.0, 0.0, 0.0]) - pmu
    q2 = q[:, 0] ** 2 - np.sum(q[:, 1:] ** 2, axis=1)
    return float(np.mean(q2_weight(q2, m_x, kind)))
