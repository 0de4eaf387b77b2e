"""Production of a long-lived state X at the dump, as weighted Monte Carlo samples.

Each mechanism returns an :class:`XSample`: lab four-momenta of X, production points, and a weight per
event = X yield per proton on target carried by that event, *before* the model factor that depends on
(mass, coupling):

* ``meson decay`` ``"P -> Y X"`` (e.g. ``"pi0 -> gamma A'"``, ``"B+ -> K+ S"``, ``"Ds+ -> e+ N"``):
  weight = n_P/POT / n_sampled; the model factor is ``model.production_br(mass, coupling)[key]``.
  X is produced isotropically in the P rest frame (two-body: fixed p*; three-body: flat phase space,
  :mod:`.phasespace`) and boosted with the P momentum drawn from the Pythia tables (:mod:`.mesons`).
  [FORESEE:2021code] get_events; [S002]: chi = sum_M n_M/POT x BR(M -> X + ...).
  Inclusive ``"B -> Xs S"`` uses the B+ and B0 tables together and two-body kinematics with the X_s
  given the K+ mass; three-body semileptonic keys (``"D0 -> K- e+ N"``) use flat phase space (no form
  factors) [approximations].
* ``meson mixing`` ``"P -> X (mixing)"`` (X the only daughter, e.g. ``"pi0 -> a (mixing)"``): the model
  factor is the mixing probability theta_XP^2 and X takes the momentum of P.
* ``brems`` (dark photon, :mod:`.brems`) and ``primakoff`` (photon-coupled ALP, :mod:`.primakoff`): the model
  factor is coupling^2.

* ``tau decays`` ``"tau+ -> pi+ N"`` etc.: taus from D_s+ -> tau+ nu (BR from kaonportal.constants), the
  D_s spectrum from the tables; the tau then decays like a meson above.

Not simulated (listed in the results as ignored): K and pi decays (absorbed in the dump), keys with two X
or unknown recoil particles.

Production points: protons interact in the copper at z = z_dump + Exp(lambda_int), at the beam impact
(x = 0, y = y_dump) ([FW HNLFunctions.cc; ALP]).  Meson flight before its decay is neglected: the
longest-lived parents used here (D+, B) fly O(1-30 mm) at these momenta, small against the 80 m to the
decay volume.

>>> import numpy as np
>>> from kaonportal.beamdump.setup import BeamDumpSetup
>>> s = meson_decay_sample("pi0", ("gamma",), 0.05, 1000, np.random.default_rng(1), BeamDumpSetup(),
...                        parent_sampler=lambda n, rng: (np.full(n, 50.0), np.zeros(n), np.zeros(n)),
...                        parent_yield=5.0)
>>> round(float(s.weight.sum()), 6)
5.0
>>> bool(np.allclose(s.p4[:, 0] ** 2 - (s.p4[:, 1:] ** 2).sum(1), 0.05 ** 2))
True
"""

from __future__ import annotations

__all__ = ["XSample", "production_vertices", "meson_decay_sample", "meson_momenta",
           "parse_production_key", "X_NAMES"]

from dataclasses import dataclass

import numpy as np

from .. import constants
from ..errors import InputError
from ..kinematics import two_body_momentum
from .mesons import DEFAULT_A_SCALING, MESONS, a_factor_at, multiplicity_per_pot, sample_meson
from .phasespace import boost_to_lab, isotropic_directions, nbody, two_body_at_rest
from .setup import BeamDumpSetup

X_NAMES = ("A'", "S", "N", "a", "X")
# Table label -> kaonportal.constants particle name
_CONST_NAME = {"pi0": "pi0", "eta": "eta", "eta'": "eta'", "omega": "omega", "phi": "phi", "rho0": "rho0",
               "D+": "D+", "D0": "D0", "Ds+": "Ds+", "B+": "B+", "B0": "B0"}
# Model names of charge conjugates map onto the same (merged) table.
_CC = {"D-": "D+", "Dbar0": "D0", "Ds-": "Ds+", "B-": "B+", "Bbar0": "B0", "tau-": "tau+"}
# "B" in an inclusive key ("B -> Xs S") = the B+ and B0 tables together (B_s excluded: b -> s in a B_s gives
# an s sbar system).
_MIXTURES = {"B": ("B+", "B0")}
# Recoil systems without their own entry in kaonportal.constants -> particle whose mass is used.
# Xs (inclusive b -> s hadronic system) is given the K+ mass: two-body kinematics at the lightest X_s state;
# the X momentum in the B frame changes by < 5% for m_Xs up to the K*(892) [approximation].
_MASS_AS = {"Xs": "K+", "K0": "KS", "K0bar": "KS", "rho+": "rho0", "rho-": "rho0"}
# tau leptons at the dump come from D_s+ -> tau+ nu (the D+ -> tau nu and B channels add < 5% and are
# neglected); the tau decays within ~100 um, so its flight is neglected too.
_TAU_SOURCE = ("Ds+", "BR_DS_TAUNU")


@dataclass
class XSample:
    """Weighted X sample from one production mechanism (see module docstring)."""
    mechanism: str
    mass: float
    p4: np.ndarray            # (n, 4) lab four-momentum of X, GeV
    vertex: np.ndarray        # (n, 3) production point, m
    weight: np.ndarray        # (n,) X per POT per event, before the (mass, coupling) model factor
    # (n,) p-Cu factor f_A of each event's parent meson (:mod:`.nuclear`; already inside ``weight``), for the
    # budget's report; None for mechanisms without a table parent
    parent_a_factor: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.weight.size)


def production_vertices(n: int, rng: np.random.Generator, setup: BeamDumpSetup) -> np.ndarray:
    """Proton interaction points in the TAX copper, shape (n, 3)."""
    v = np.zeros((n, 3))
    v[:, 1] = setup.y_dump
    v[:, 2] = setup.z_dump + rng.exponential(setup.lambda_int, n)
    return v


def parse_production_key(key: str):
    """Split ``"P -> Y X"`` into (table meson, other daughters, X name); None if not a dump channel.

    >>> parse_production_key("eta -> gamma A'")
    ('eta', ('gamma',), "A'")
    >>> parse_production_key("K+ -> pi+ S") is None      # kaons are absorbed in the dump
    True
    >>> parse_production_key("eta -> a (mixing)")        # mixing
    ('eta', (), 'a')
    >>> parse_production_key("B -> Xs S")                # inclusive, B+ and B0 tables
    ('B', ('Xs',), 'S')
    """
    if "->" not in key:
        return None
    parent, rest = (x.strip() for x in key.split("->", 1))
    # annotations such as "(mixing)" are not particles
    daughters = tuple(d for d in rest.split() if not d.startswith("("))
    xs = [d for d in daughters if d in X_NAMES]
    if len(xs) != 1:
        return None
    parent = _CC.get(parent, parent)
    if parent != "tau+" and parent not in _MIXTURES and (parent not in MESONS or parent not in _CONST_NAME):
        return None
    others = list(daughters)
    others.remove(xs[0])
    for o in others:            # e.g. K*0 has no mass in kaonportal.constants: not simulated (reported)
        try:
            constants.mass(_MASS_AS.get(o, o))
        except InputError:
            return None
    return parent, tuple(others), xs[0]


def meson_momenta(p, theta, phi, m):
    """Lab four-momenta (n, 4) from |p|, polar angle and azimuth."""
    st = np.sin(theta)
    out = np.empty((np.size(p), 4))
    out[:, 0] = np.sqrt(p * p + m * m)
    out[:, 1] = p * st * np.cos(phi)
    out[:, 2] = p * st * np.sin(phi)
    out[:, 3] = p * np.cos(theta)
    return out


def _mass_of(name: str) -> float:
    try:
        return constants.mass(_MASS_AS.get(name, name))
    except InputError:
        raise InputError("production", f"particle {name!r} has no mass in kaonportal.constants") from None


def _taus_from_ds(n: int, rng: np.random.Generator, a_scaling, bias: float):
    """tau+ lab four-momenta from D_s+ -> tau+ nu (isotropic two-body), importance weights, yield per POT."""
    src, br_name = _TAU_SOURCE
    m_ds, m_tau = constants.mass("Ds+"), constants.mass("tau+")
    p, th, ph, wb = sample_meson(src, n, rng, bias=bias, return_weights=True, a_scaling=a_scaling)
    ds4 = meson_momenta(p, th, ph, m_ds)
    rest = two_body_at_rest(np.full(n, m_ds), m_tau, 0.0, rng)[:, :1]
    tau4 = boost_to_lab(rest, ds4)[:, 0]
    return tau4, wb, multiplicity_per_pot(src, a_scaling) * getattr(constants, br_name)


def meson_decay_sample(parent: str, others: tuple[str, ...], mass: float, n: int, rng: np.random.Generator,
                       setup: BeamDumpSetup, *, a_scaling: str | float = DEFAULT_A_SCALING, parent_sampler=None,
                       parent_yield: float | None = None, x_name: str = "X", bias: float = 1.0) -> XSample | None:
    """X from ``parent -> others + X`` decays of table mesons. None if kinematically closed at ``mass``.

    ``parent_sampler(n, rng) -> (p, theta, phi)`` and ``parent_yield`` (per POT) override the tables
    (used in tests). ``bias``: importance-sampling exponent of the parent momentum (see
    :func:`.mesons.sample_meson`; the event weights undo it, so results are unbiased for any value).
    ``a_scaling``: p-Cu scaling of the soft-meson tables (:mod:`.mesons`, default A^alpha(x_F, p_T)).
    """
    parts = _MIXTURES.get(parent, (parent,))
    m_p = float(np.mean([_mass_of(_CONST_NAME[q]) for q in parts])) if parent in _MIXTURES else \
        _mass_of(_CONST_NAME.get(parent, parent))
    m_others = [_mass_of(o) for o in others]
    if others and mass + sum(m_others) >= m_p:
        return None
    wb = np.ones(n)
    fa = None
    if parent == "tau+" and parent_sampler is None:
        parent4, wb, yld = _taus_from_ds(n, rng, a_scaling, bias)
        p = np.linalg.norm(parent4[:, 1:], axis=1)
        th = np.arccos(np.clip(parent4[:, 3] / np.maximum(p, 1e-300), -1.0, 1.0))
        ph = np.arctan2(parent4[:, 2], parent4[:, 1])
    elif parent_sampler is not None:
        p, th, ph = parent_sampler(n, rng)
        yld = float(parent_yield)
    elif len(parts) == 1:
        p, th, ph, wb = sample_meson(parent, n, rng, bias=bias, return_weights=True, a_scaling=a_scaling,
                                     eta_ratio=setup.eta_ratio)
        yld = multiplicity_per_pot(parent, a_scaling, eta_ratio=setup.eta_ratio) if parent_yield is None \
            else float(parent_yield)
        fa = a_factor_at(parent, p, th, a_scaling)
    else:   # mixture: each event's parent drawn in proportion to the multiplicities
        ylds = np.array([multiplicity_per_pot(q, a_scaling) for q in parts])
        which = rng.choice(len(parts), size=n, p=ylds / ylds.sum())
        p, th, ph, fa = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        for k, q in enumerate(parts):
            sel = which == k
            p[sel], th[sel], ph[sel], wb[sel] = sample_meson(q, int(sel.sum()), rng, bias=bias,
                                                             return_weights=True, a_scaling=a_scaling)
            fa[sel] = a_factor_at(q, p[sel], th[sel], a_scaling)
        yld = float(ylds.sum()) if parent_yield is None else float(parent_yield)
    parent4 = meson_momenta(p, th, ph, m_p)
    if not others:
        # "P -> X": meson-X mixing; X carries the meson's momentum (FORESEE/ALPINIST convention,
        # [FORESEE:2021code] ALP-g; [Aloni:2018vki] "N_a = theta_aP^2 N_P, with the P spectrum reused").
        x4 = meson_momenta(p, th, ph, mass)
        key = f"{parent} -> {x_name}"
        return XSample(key, float(mass), x4, production_vertices(n, rng, setup), wb * yld / n, fa)
    if len(others) == 1:
        pst = float(two_body_momentum(m_p, mass, m_others[0]))
        rest = np.empty((n, 1, 4))
        rest[:, 0, 1:] = isotropic_directions(n, rng) * pst
        rest[:, 0, 0] = np.sqrt(pst * pst + mass * mass)
        w = np.ones(n)
    else:
        rest4, w = nbody(np.full(n, m_p), [mass] + m_others, rng)
        rest = rest4[:, :1]
        w = w / w.mean()            # unweighted-equivalent: phase-space weights average to one
    x4 = boost_to_lab(rest, parent4)[:, 0]
    key = f"{parent} -> {' '.join(others)} {x_name}"
    return XSample(key, float(mass), x4, production_vertices(n, rng, setup), wb * w * yld / n, fa)

