"""A tiny two-body generator for the simulation tests, independent of kaonportal.decays.

K+ -> pi+ pi0 (pi0 -> gamma gamma, isotropic) and K+ -> mu+ nu, isotropic in the kaon rest frame,
returned with the kaonportal.decays ``Products`` interface (duck-typed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from kaonportal import constants
from kaonportal.kinematics import boost, two_body_momentum


@dataclass
class ToyProducts:
    names: tuple
    p4: np.ndarray
    parent: tuple
    final: tuple
    ctau_m: tuple
    weight: np.ndarray
    invisible: tuple


def _iso(n, rng):
    u = rng.random((2, n))
    c = 2 * u[0] - 1
    s = np.sqrt(1 - c * c)
    ph = 2 * math.pi * u[1]
    return np.stack([s * np.cos(ph), s * np.sin(ph), c], axis=-1)


def _two(m, m1, m2, n, rng):
    p = float(two_body_momentum(m, m1, m2))
    d = _iso(n, rng) * p
    a = np.concatenate([np.full((n, 1), math.hypot(p, m1)), d], axis=1)
    b = np.concatenate([np.full((n, 1), math.hypot(p, m2)), -d], axis=1)
    return a, b


def toy_generate(decay, n, rng, mass=None, **options):
    mk = constants.mass("K+")
    if decay == "K+ -> pi+ pi0":
        pi, pi0 = _two(mk, constants.mass("pi+"), constants.mass("pi0"), n, rng)
        g1, g2 = _two(constants.mass("pi0"), 0.0, 0.0, n, rng)
        beta = pi0[:, 1:] / pi0[:, :1]
        p4 = np.stack([pi, pi0, boost(g1, beta), boost(g2, beta)], axis=1)
        return ToyProducts(("pi+", "pi0", "gamma", "gamma"), p4, (-1, -1, 1, 1), (True, False, True, True),
                           (constants.ctau_m("pi+"), 0.0, math.inf, math.inf), np.ones(n),
                           (False, False, False, False))
    if decay == "K+ -> mu+ nu":
        mu, nu = _two(mk, constants.mass("mu+"), 0.0, n, rng)
        return ToyProducts(("mu+", "nu"), np.stack([mu, nu], axis=1), (-1, -1), (True, True),
                           (constants.ctau_m("mu+"), math.inf), np.ones(n), (False, True))
    raise ValueError(decay)


@pytest.fixture
def toy_generator():
    return toy_generate
