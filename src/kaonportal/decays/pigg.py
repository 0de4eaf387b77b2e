"""K+ -> pi+ gamma gamma at O(p^4) of chiral perturbation theory.

Ecker, Pich, de Rafael, Nucl. Phys. B291 (1987) 692 (as used by NA48/2, PLB 730 (2014) 141, and
NA62, arXiv:2311.01837): with z = m_gg^2/m_K^2, r = m_pi/m_K and only the O(p^4) amplitude A,
    d^2Gamma/dy dz ~ z^2 |A(z)|^2,   z A(z) ~ (z - r^2 - 1) F(z/r^2) + (z - r^2 + 1) F(z) + c_hat z,
    F(x) = 1 - (4/x) arcsin^2(sqrt(x)/2)                              (x <= 4),
    F(x) = 1 + (1/x) [ln((1 - sqrt(1 - 4/x)) / (1 + sqrt(1 - 4/x))) + i pi]^2   (x > 4),
(pion loop F(z/r^2), kaon loop F(z)), uniform in y = |p_K.(q1 - q2)|/m_K^2 over
0 <= y <= lambda^{1/2}(1, r^2, z)/2, hence dGamma/dz ~ |z A|^2 lambda^{1/2}(1, z, r^2) and the
photons isotropic in the gamma gamma rest frame.
Documented approximation: the O(p^6) unitarity corrections (D'Ambrosio-Portoles, hep-ph/9606213),
which NA62 found necessary to describe the data, are not included; the B, C, D amplitudes are zero.
``c_hat`` is an overridable parameter.

>>> import numpy as np
>>> z = np.array([0.05, 0.3])
>>> d = pigg_z_density(z)
>>> bool(d[0] < 0.1 * d[1])   # suppressed below the pi+ pi- threshold z = 4 r^2 = 0.32
True
"""

from __future__ import annotations

__all__ = ["PIGG_C_HAT", "loop_function", "pigg_z_density", "pigg"]

import numpy as np

from .. import constants
from ..kinematics import kallen
from .phasespace import decay_in_flight, isotropic, sample_1d, two_body_p4
from .products import Tree

PIGG_C_HAT = 1.72
"""c_hat of the O(p^4) amplitude used here: the O(p^4) fit of the combined NA48/2 + NA62 (2007 data)
K+- -> pi+- gamma gamma samples, c_hat = 1.72 +- 0.21 (NA62, arXiv:1402.4334, Phys. Lett. B 732 (2014) 65,
combination with NA48/2, Phys. Lett. B 730 (2014) 141) [R: recalled; the stored copy of the paper in the
search corpus is its abstract only]. The value 1.86 +- 0.25 used before is the O(p^6) fit of the same
combination, and NA62 2017-18 (arXiv:2311.01837) fits c_hat = 1.144 +- 0.069 at O(p^6) only, finding
O(p^4) incompatible with its data: both belong with the O(p^6) amplitude (with a_1, a_2 of
D'Ambrosio-Portoles), not with the O(p^4) one here. Overridable (generator option ``c_hat``)."""

_M_K = constants.mass("K+")
_M_PI = constants.mass("pi+")
_R2 = (_M_PI / _M_K) ** 2


def loop_function(x):
    """F(x) of Ecker-Pich-de Rafael (complex array), x = s / (4 m^2) x 4 = s/m^2 of the loop particle."""
    x = np.asarray(x, float)
    out = np.empty(x.shape, complex)
    lo = x <= 4.0
    xl = np.where(lo & (x > 0), x, 1.0)
    small = lo & (x < 1e-6)
    out[lo] = (1.0 - 4.0 / xl * np.arcsin(np.sqrt(xl) / 2.0) ** 2)[lo]
    out[small] = -x[small] / 12.0          # series F = -x/12 + O(x^2), avoids 0/0
    hi = ~lo
    if np.any(hi):
        xh = x[hi]
        b = np.sqrt(1.0 - 4.0 / xh)
        out[hi] = 1.0 + (np.log((1.0 - b) / (1.0 + b)) + 1j * np.pi) ** 2 / xh
    return out


def pigg_z_density(z, c_hat: float = PIGG_C_HAT):
    """dGamma/dz (arbitrary units) for z = m_gg^2 / m_K^2; 0 outside [0, (1 - r)^2]."""
    z = np.asarray(z, float)
    amp = (z - _R2 - 1.0) * loop_function(z / _R2) + (z - _R2 + 1.0) * loop_function(z) + c_hat * z
    lam = kallen(1.0, z, _R2)
    ok = (z >= 0) & (z <= (1.0 - np.sqrt(_R2)) ** 2)
    return np.where(ok, np.abs(amp) ** 2 * np.sqrt(np.maximum(lam, 0.0)), 0.0)


def pigg(n: int, rng: np.random.Generator, c_hat: float = PIGG_C_HAT) -> Tree:
    """K+ -> pi+ gamma gamma: z by accept-reject (majorant 1.1 x grid maximum, efficiency ~ 0.3),
    K+ -> pi+ (gamma gamma) isotropic, photons isotropic in the pair rest frame."""
    z = sample_1d(n, rng, lambda z: pigg_z_density(z, c_hat), (1.0 - np.sqrt(_R2)) ** 2)
    m_gg = _M_K * np.sqrt(z)
    pip, gg = two_body_p4(_M_K, _M_PI, m_gg, isotropic(rng, n))
    g1, g2 = decay_in_flight(gg, 0.0, 0.0, 2.0 * rng.random(n) - 1.0, 2.0 * np.pi * rng.random(n), m_gg)
    t = Tree(n)
    t.add("pi+", pip)
    t.add("gamma", g1)
    t.add("gamma", g2)
    return t
