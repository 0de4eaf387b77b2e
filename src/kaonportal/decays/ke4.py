"""K+ -> pi+ pi- e+ nu (Ke4) with the leading terms of the measured form factors.

Hadronic current (Pais-Treiman; Bijnens, Colangelo, Ecker, Gasser, "Semileptonic kaon decays",
hep-ph/9411311, section on K_l4), with P = p(pi+) + p(pi-), Q = p(pi+) - p(pi-), L = p(e+) + p(nu):
    <pi+ pi-| A_mu |K+> = -i/m_K [F P_mu + G Q_mu + R L_mu],
    <pi+ pi-| V_mu |K+> = -H/m_K^3 eps_{mu nu rho sigma} L^nu P^rho Q^sigma,
amplitude ~ u-bar(nu) gamma^mu (1 - gamma5) v(e+) (V - A)_mu. Summed over lepton spins,
    |M|^2 ~ S + 2 s eps(a, b, p_nu, p_e),  S = 2 [(p_nu.a)(p_e.a) + (p_nu.b)(p_e.b)] - (p_nu.p_e)(a.a + b.b),
with h = V - A = a + i b, a = -(H/m_K^3) E, b = (F P + G Q)/m_K, E_mu = eps_{mu nu rho sigma} L^nu P^rho Q^sigma.
The R term is dropped (it is multiplied by m_e). Form factors: partial-wave expansion with the
Amoros-Bijnens-Talavera parametrisation (PDG block S010FSF [PDG];
[GEN:kch2pipienu.F]):
    F = F_s + F_p cos(theta_pi),  F_s = f_s (1 + f_s'/f_s q^2 + f_s''/f_s q^4 + f_e'/f_s S_e/(4 m_pi^2)),
    F_p = f_p,  G = g_p + g_p' q^2,  H = h_p,   q^2 = s_pi/(4 m_pi^2) - 1,
with the NA48/2 values relative to f_s (EPJC 70 (2010) 635, via [GEN:kch2pipienu.F]).

What is kept and what is not (documented approximations):
* the S- and P-wave phases are set to zero (delta_s - delta_p is what NA48/2 measured; it only
  enters interference terms that are odd in the angle phi and barely change the kinematics);
* D waves, the R form factor (m_e suppressed) and radiative corrections are omitted;
* the sign of the H (vector-current) interference term depends on the epsilon-tensor and
  lepton-current conventions (here eps_{0123} = +1 and s = +1) and is not validated against data.

Generation: GENBOD four-body phase space with weight (phase-space weight) x |M|^2, accept-reject
against a majorant from a fixed-seed pilot of 200 000 events (accept-reject raises if it is ever exceeded).
The two GENBOD mass uniforms are drawn cell by cell (32 x 32 cells, each in proportion to its majorant:
1.5 x the largest w |M|^2 of the pilot in the cell and its neighbours), which keeps ~15% of the proposals
instead of ~7% with one majorant (1.5 x the pilot's maximum) for the whole phase space: w |M|^2 varies
most with the two masses. The accepted density is w |M|^2 either way; the events for a given stream
differ from the single-majorant generator's (kaonportal before 2026-12). Each proposal round runs in one compiled pass
(:mod:`.ke4_kernel`, bit-identical to :func:`~.phasespace._genbod_raw` followed by :func:`ke4_matrix_element`).

>>> import numpy as np
>>> t = ke4(3, np.random.default_rng(0))
>>> t.products("K+ -> pi+ pi- e+ nu").names
('pi+', 'pi-', 'e+', 'nu')
"""

from __future__ import annotations

__all__ = ["KE4_FORM_FACTORS", "ke4_matrix_element", "ke4"]

from functools import lru_cache

import numpy as np

from .. import constants
from ..kinematics import kallen
from .ke4_kernel import ke4_params, ke4_propose
from .phasespace import accept_reject
from .products import Tree
from .strata import Strata

KE4_FORM_FACTORS = {
    # relative to f_s; NA48/2 EPJC 70 (2010) 635 via [GEN:kch2pipienu.F] [NA482:2010ke4] [V]
    "fs_q2": 0.152, "fs_q4": -0.073, "fe": 0.068, "fp": -0.048, "gp": 0.868, "gp_q2": 0.089, "hp": -0.398,
}

_M_K = constants.mass("K+")
_M_PI = constants.mass("pi+")
_M_E = constants.mass("e+")
_MASSES = np.array([_M_PI, _M_PI, _M_E, 0.0])
_METRIC = np.array([1.0, -1.0, -1.0, -1.0])


def _dot(a, b):
    return np.sum(a * b * _METRIC, axis=-1)


def _det3(b, c, d, i, j, k):
    return (b[..., i] * (c[..., j] * d[..., k] - c[..., k] * d[..., j])
            - b[..., j] * (c[..., i] * d[..., k] - c[..., k] * d[..., i])
            + b[..., k] * (c[..., i] * d[..., j] - c[..., j] * d[..., i]))


def _cofactors(b, c, d):
    """(n, 4) array whose component mu is eps(e_mu, b, c, d): the covariant vector eps_{mu..} b c d."""
    return np.stack([_det3(b, c, d, 1, 2, 3), -_det3(b, c, d, 0, 2, 3),
                     _det3(b, c, d, 0, 1, 3), -_det3(b, c, d, 0, 1, 2)], axis=-1)


def _eps(a, b, c, d):
    """eps_{mu nu rho sigma} a^mu b^nu c^rho d^sigma with eps_{0123} = +1 (determinant of the rows)."""
    return np.sum(a * _cofactors(b, c, d), axis=-1)


def ke4_matrix_element(p4: np.ndarray, form_factors: dict | None = None) -> np.ndarray:
    """|M|^2 (arbitrary units, f_s = 1) for four-momenta ``p4`` (n, 4, 4) ordered pi+, pi-, e+, nu."""
    ff = dict(KE4_FORM_FACTORS)
    if form_factors:
        ff.update(form_factors)
    p1, p2, pe, pn = (p4[:, i] for i in range(4))
    P = p1 + p2
    Q = p1 - p2
    L = pe + pn
    s_pi = _dot(P, P)
    s_e = _dot(L, L)
    q2 = s_pi / (4.0 * _M_PI**2) - 1.0
    sigma = np.sqrt(np.maximum(1.0 - 4.0 * _M_PI**2 / s_pi, 0.0))
    X = 0.5 * np.sqrt(np.maximum(kallen(_M_K**2, s_pi, s_e), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos_pi = np.where(sigma * X > 0, _dot(Q, L) / (sigma * X), 0.0)
    F = (1.0 + ff["fs_q2"] * q2 + ff["fs_q4"] * q2 * q2 + ff["fe"] * s_e / (4.0 * _M_PI**2)
         + ff["fp"] * cos_pi)
    G = ff["gp"] + ff["gp_q2"] * q2
    H = ff["hp"]
    # covariant components E_mu, then contravariant E^mu
    E_low = _cofactors(L, P, Q)
    a = -(H / _M_K**3) * E_low * _METRIC
    b = (F[:, None] * P + G[:, None] * Q) / _M_K
    S = 2.0 * (_dot(pn, a) * _dot(pe, a) + _dot(pn, b) * _dot(pe, b)) - _dot(pn, pe) * (_dot(a, a) + _dot(b, b))
    return S + 2.0 * _eps(a, b, pn, pe)


def _propose(size: int, rng: np.random.Generator, par: np.ndarray, major, strata=None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GENBOD four-body proposals (p4 (size, 4, 4)), max(w |M|^2, 0) / major (size,) and the two mass uniforms
    they were made from (size, 2), unsorted (:func:`_strata` bins the pilot's ratios by them).

    Same draws as :func:`~kaonportal.decays.phasespace._genbod_raw` (sub-system masses, then three
    isotropic directions: cos theta and azimuth uniforms) and bit-identical numbers to it followed by
    :func:`ke4_matrix_element` (:mod:`.ke4_kernel`); cos and sin of the azimuths stay in numpy.
    ``strata`` (:func:`_strata`): the two mass uniforms are drawn cell by cell instead (a cell index, then
    the two uniforms inside it), and ``major`` is ignored: each proposal's ratio is to its cell's majorant.
    """
    if strata is None:
        r = rng.random((size, 2))
    else:
        cell, r = strata.draw(rng, size)
    steps = []
    for _ in range(3):
        u = rng.random((2, size))
        phi = np.multiply(2.0 * np.pi, u[1], out=u[1])
        cs = np.empty((2, size))
        np.cos(phi, out=cs[0])
        np.sin(phi, out=cs[1])
        steps += [u[0], cs]
    p4 = np.empty((size, 4, 4))
    ratio = np.empty(size)
    ke4_propose(r, *steps, par, float(major) if strata is None else 1.0, p4, ratio)
    if strata is not None:
        ratio /= strata.cell_major[cell]
    return p4, ratio, r


#: cells per axis of the two GENBOD mass uniforms for the stratified proposals (:func:`_strata`)
_NB = 32


@lru_cache(maxsize=16)
def _pilot(ff_items: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The pilot's two mass uniforms (200 000, 2) and its w |M|^2 (200 000,), for :func:`_strata`."""
    rng = np.random.default_rng(20240611)   # fixed pilot: the majorant must not depend on the user's stream
    _, wm, r = _propose(200_000, rng, ke4_params(_M_K, _M_PI, _MASSES, dict(ff_items)), 1.0)
    return r, wm


@lru_cache(maxsize=16)
def _strata(ff_items: tuple) -> Strata:
    """Cells of the (unsorted) mass uniforms, _NB x _NB, with their majorants (:mod:`.strata`): 1.5 x the largest
    w |M|^2 of the pilot in the cell and its neighbours (the kernel sorts the two uniforms, so a cell and its
    mirror image are merged first), at least 1e-3 of the largest. Efficiency ~ 15 % instead of ~ 7 % with the
    single majorant (w |M|^2 varies most with the masses)."""
    r, wm = _pilot(ff_items)
    ij = np.minimum((r * _NB).astype(np.int64), _NB - 1)
    mx = np.zeros((_NB, _NB))
    np.maximum.at(mx, (ij.min(axis=1), ij.max(axis=1)), wm)
    return Strata.from_cell_max(np.maximum(mx, mx.T), safety=1.5)


def ke4(n: int, rng: np.random.Generator, **form_factors) -> Tree:
    """K+ -> pi+ pi- e+ nu at rest (see module docstring). ``form_factors`` override :data:`KE4_FORM_FACTORS`."""
    ff = dict(KE4_FORM_FACTORS)
    ff.update({k: float(v) for k, v in form_factors.items()})
    strata = _strata(tuple(sorted(ff.items())))
    par = ke4_params(_M_K, _M_PI, _MASSES, ff)

    def propose(size):
        p4, ratio, _ = _propose(size, rng, par, 1.0, strata)
        return {"p4": p4}, ratio

    p4 = accept_reject(n, propose, rng, efficiency=0.15)["p4"]
    t = Tree(n)
    for j, name in enumerate(("pi+", "pi-", "e+", "nu")):
        t.add(name, p4[:, j])
    return t
