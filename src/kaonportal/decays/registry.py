"""The table of decay modes with a dedicated model, and :func:`generate`, the single entry point.

>>> import numpy as np
>>> prod = generate("K+ -> pi+ pi0", 3, np.random.default_rng(1))
>>> prod.names, prod.parent, prod.final
(('pi+', 'pi0', 'gamma', 'gamma'), (-1, -1, 1, 1), (True, False, True, True))
>>> generate("K+ -> pi+ X", 2, np.random.default_rng(1), mass=0.5)
Traceback (most recent call last):
...
kaonportal.errors.InputError: mass: must be in [0, 0.354107] GeV, got 0.5
"""

from __future__ import annotations

__all__ = ["KNOWN_DECAYS", "Mode", "MODES", "generate", "lookup", "branching_ratio", "decay_model",
           "FLAT_PHASE_SPACE"]

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import constants
from ..backend import as_generator
from ..errors import InputError, check_choice, check_finite, check_range
from . import cascade, generic, hadronic, ke4, leptonic, newphysics, pigg, radiative, semileptonic
from .products import Products, Tree
from .spec import PORTAL_NAMES, DecaySpec, parse_decay, particle_mass


@dataclass(frozen=True)
class Mode:
    """A decay with a dedicated generator: ``model`` says which physics it implements."""

    decay: str
    model: str
    func: Callable[..., Tree]
    options: dict = field(default_factory=dict)   # option name -> default
    portal: bool = False


MODES: dict[str, Mode] = {}


def _register(decay: str, model: str, func, options=None, portal=False):
    spec = parse_decay(decay)
    MODES[str(spec)] = Mode(str(spec), model, func, dict(options or {}), portal)


_PI0_MODEL = "pi0 -> gamma gamma (default) | Dalitz e+ e- gamma (Kroll-Wada) | invisible, option pi0_decay"

# --- two-body SM modes -----------------------------------------------------------------------
_register("K+ -> mu+ nu", "two-body, isotropic",
          lambda n, rng, mass: leptonic.lepton_two_body("K+", "mu+", n, rng))
_register("K+ -> e+ nu", "two-body, isotropic",
          lambda n, rng, mass: leptonic.lepton_two_body("K+", "e+", n, rng))
_register("pi+ -> mu+ nu", "two-body, isotropic",
          lambda n, rng, mass: leptonic.lepton_two_body("pi+", "mu+", n, rng))
_register("pi+ -> e+ nu", "two-body, isotropic",
          lambda n, rng, mass: leptonic.lepton_two_body("pi+", "e+", n, rng))
_register("K+ -> pi+ pi0", "two-body, isotropic; " + _PI0_MODEL,
          lambda n, rng, mass, pi0_decay: hadronic.kpi2(n, rng, pi0_decay), {"pi0_decay": "gg"})
_register("mu+ -> e+ nu nubar", "unpolarised V-A matrix element (Michel spectrum, rho = 3/4)",
          lambda n, rng, mass: leptonic.michel(n, rng))
# --- three-pion modes --------------------------------------------------------------------------
_register("K+ -> pi+ pi+ pi-", "Dalitz |M|^2 = 1 + g u + h u^2 + k v^2, NA48/2 slopes (hadronic.K3PI_SLOPES)",
          lambda n, rng, mass, g, h, k: hadronic.k3pi("K+ -> pi+ pi+ pi-", n, rng, g, h, k),
          {"g": None, "h": None, "k": None})
_register("K+ -> pi+ pi0 pi0", "Dalitz |M|^2 = 1 + g u + h u^2 + k v^2, PDG slopes; " + _PI0_MODEL,
          lambda n, rng, mass, g, h, k, pi0_decay: hadronic.k3pi("K+ -> pi+ pi0 pi0", n, rng, g, h, k, pi0_decay),
          {"g": None, "h": None, "k": None, "pi0_decay": "gg"})

# --- semileptonic and rare ---------------------------------------------------------------------
_KL3_OPTS = {"lambda_plus1": semileptonic.KL3_LAMBDA_PLUS1, "lambda_plus2": semileptonic.KL3_LAMBDA_PLUS2,
             "xi": semileptonic.KMU3_XI, "lambda0": None, "pi0_decay": "gg"}
_register("K+ -> pi0 e+ nu", "Kl3 Dalitz density (Chounet-Gaillard-Gaillard), quadratic f+ (FlaviaNet); " + _PI0_MODEL,
          lambda n, rng, mass, **o: semileptonic.kl3("e+", n, rng, **o), _KL3_OPTS)
_register("K+ -> pi0 mu+ nu", "Kl3 Dalitz density, quadratic f+ (FlaviaNet), scalar xi = -0.14 (or lambda0); "
          + _PI0_MODEL, lambda n, rng, mass, **o: semileptonic.kl3("mu+", n, rng, **o), _KL3_OPTS)
_register("K+ -> pi+ pi- e+ nu", "Ke4: V-A with F, G, H leading terms (NA48/2, ABT parametrisation), "
          "phases set to zero; see decays.ke4", lambda n, rng, mass, **o: ke4.ke4(n, rng, **o),
          dict(ke4.KE4_FORM_FACTORS))
_register("K+ -> pi+ nu nubar", "dGamma/dq2 ~ lambda^3/2 |f+(q2)|^2 (Ke3 slopes x 0.99), sin^2 nu angular law",
          lambda n, rng, mass, slope_scale: semileptonic.pinunu(n, rng, slope_scale),
          {"slope_scale": semileptonic.PNN_SLOPE_SCALE})
_register("K+ -> pi+ gamma gamma", "ChPT O(p^4) (Ecker-Pich-de Rafael), c_hat option; O(p^6) terms not included",
          lambda n, rng, mass, c_hat: pigg.pigg(n, rng, c_hat), {"c_hat": pigg.PIGG_C_HAT})
_register("K+ -> mu+ nu gamma", "inner bremsstrahlung only (Bijnens-Ecker-Gasser f_IB), E_gamma* > e_gamma_min; "
          "normalise with radiative_fraction()",
          lambda n, rng, mass, e_gamma_min: radiative.kmu2g(n, rng, e_gamma_min),
          {"e_gamma_min": radiative.E_GAMMA_MIN_DEFAULT})
_register("K+ -> pi+ pi0 gamma", "inner bremsstrahlung only (Low amplitude), E_gamma* > e_gamma_min; "
          "normalise with radiative_fraction(); " + _PI0_MODEL,
          lambda n, rng, mass, e_gamma_min, pi0_decay: radiative.kpi2g(n, rng, e_gamma_min, pi0_decay),
          {"e_gamma_min": radiative.E_GAMMA_MIN_DEFAULT, "pi0_decay": "gg"})

# --- pi0 decays as primaries -------------------------------------------------------------------
def _pi0_primary(mode):
    def f(n, rng, mass):
        t = Tree(n)
        i = t.add("pi0", np.tile([cascade._M_PI0, 0.0, 0.0, 0.0], (n, 1)))
        add = cascade.add_pi0_decay
        add(t, i, mode, rng)
        # the primary itself is not a daughter: rebuild the tree without it
        out = Tree(n)
        for j in range(1, len(t._names)):
            out.add(t._names[j], t._p4[j])
        return out
    return f


_register("pi0 -> gamma gamma", "isotropic", _pi0_primary("gg"))
_register("pi0 -> e+ e- gamma", "Kroll-Wada density, transition form factor slope cascade.PI0_TFF_SLOPE",
          _pi0_primary("dalitz"))


# --- new physics -------------------------------------------------------------------------------
def _pi_x(name):
    def f(n, rng, mass, x_decay, x_ctau_m):
        return newphysics.pi_x(n, rng, mass, name, x_decay, x_ctau_m)
    return f


for _x in ("X", "S", "A'", "a"):
    _register(f"K+ -> pi+ {_x}", f"two-body isotropic; {_x} invisible or isotropic {_x} -> gamma gamma / e+ e- / "
              "mu+ mu- (options x_decay, x_ctau_m)", _pi_x(_x), {"x_decay": "invisible", "x_ctau_m": 0.0}, True)
for _p, _l in (("K+", "e+"), ("K+", "mu+"), ("pi+", "e+"), ("pi+", "mu+")):
    _register(f"{_p} -> {_l} N", "two-body isotropic; N undecayed (option n_ctau_m)",
              (lambda p, l: lambda n, rng, mass, n_ctau_m: newphysics.lepton_n(p, l, n, rng, mass, n_ctau_m))(_p, _l),
              {"n_ctau_m": math.inf}, True)


def _known_decays() -> dict[str, str]:
    return {d: m.model for d, m in MODES.items()}


KNOWN_DECAYS: dict[str, str] = _known_decays()
"""Decay string -> model of every mode with a dedicated generator. Any other decay of known
particles is generated with flat phase space (:mod:`kaonportal.decays.generic`)."""


def lookup(decay: str | DecaySpec) -> tuple[DecaySpec, Mode | None]:
    """Parse ``decay`` and find its dedicated :class:`Mode` (daughters in any order), or None."""
    spec = parse_decay(decay)
    key = str(spec)
    if key in MODES:
        return spec, MODES[key]
    want = (spec.parent, Counter(spec.daughters))
    for mode in MODES.values():
        ms = parse_decay(mode.decay)
        if (ms.parent, Counter(ms.daughters)) == want:
            return ms, mode
    return spec, None


#: the model of every decay outside :data:`MODES` (:mod:`.generic`): |M|^2 = const, so every spectrum and
#: angular distribution is that of phase space, whatever the physics of the decay
FLAT_PHASE_SPACE = "flat phase space (no matrix element)"


def decay_model(decay: str | DecaySpec) -> tuple[str, str, bool]:
    """``(decay, model, has_matrix_element)`` for a decay string: the dedicated mode's description, or
    :data:`FLAT_PHASE_SPACE` and ``False`` for a decay generated by :mod:`.generic`.

    >>> decay_model("K+ -> pi0 pi+")[1:]
    ('two-body, isotropic; pi0 -> gamma gamma (default) | Dalitz e+ e- gamma (Kroll-Wada) | invisible, option pi0_decay', True)
    >>> decay_model("K+ -> pi+ e+ e-")
    ('K+ -> pi+ e+ e-', 'flat phase space (no matrix element)', False)
    """
    spec, mode = lookup(decay)
    if mode is None:
        return str(spec), FLAT_PHASE_SPACE, False
    return mode.decay, mode.model, True


def _check_options(decay: str, options: dict, allowed: dict) -> dict:
    for key in options:
        if key not in allowed:
            names = ", ".join(allowed) if allowed else "none"
            raise InputError(key, f"not an option of {decay!r}; allowed options: {names}")
    out = dict(allowed)
    out.update(options)
    if "pi0_decay" in out:
        val = out["pi0_decay"]
        vals = (val,) if isinstance(val, str) else tuple(val)
        for v in vals:
            check_choice("pi0_decay", v, cascade.PI0_DECAYS)
        if not isinstance(val, str) and len(vals) != 2:
            raise InputError("pi0_decay", "a tuple gives one mode per pi0 and needs exactly two entries")
    if "x_decay" in out:
        check_choice("x_decay", out["x_decay"] or "invisible", newphysics.X_DECAYS)
    for key, val in out.items():
        if key in ("pi0_decay", "x_decay") or val is None or key.endswith("ctau_m"):
            continue
        if isinstance(val, bool) or not isinstance(val, (int, float, np.integer, np.floating)):
            raise InputError(key, f"must be a number, got {val!r}")
        check_finite(key, val)
    for key in ("x_ctau_m", "n_ctau_m", "ctau_m"):
        if key in out:
            val = float(out[key])
            if not val >= 0.0:
                raise InputError(key, f"must be >= 0 (metres, inf allowed), got {out[key]!r}")
            out[key] = val
    return out


def _generate_phase_space(spec: DecaySpec, n: int, rng: np.random.Generator, mass: float | None,
                          options: dict) -> Products:
    """Flat phase space for a decay without a dedicated model (see :mod:`.generic`)."""
    allowed = {"pi0_decay": "gg"} if "pi0" in spec.daughters else {}
    if spec.portal:
        allowed["ctau_m"] = math.inf
    opts = _check_options(str(spec), options, allowed)
    m_parent = particle_mass(spec.parent)
    m_sm = sum(particle_mass(d) for d in spec.daughters if d not in PORTAL_NAMES)
    if spec.portal:
        if len(set(spec.portal)) != 1:
            raise InputError("decay", f"at most one kind of new-physics particle per decay, got {str(spec)!r}")
        high = (m_parent - m_sm) / len(spec.portal)
        if mass is None:
            raise InputError("mass", f"required for {str(spec)!r}: a value in [0, {high:g}] GeV")
        check_range("mass", mass, 0.0, high, unit="GeV")
    elif mass is not None:
        raise InputError("mass", f"{str(spec)!r} has no new-physics particle: leave mass unset")
    if m_sm > m_parent:
        raise InputError("decay", f"{str(spec)!r} is kinematically forbidden (daughter masses exceed the parent's)")
    tree = generic.phase_space(spec.daughters, spec.parent, n, rng, mass,
                               opts.get("pi0_decay"), opts.get("ctau_m", math.inf))
    return tree.products(str(spec))


def generate(decay: str | DecaySpec, n: int, rng: np.random.Generator | int, mass: float | None = None,
             **options) -> Products:
    """Generate exactly ``n`` decays in the rest frame of the parent.

    Parameters
    ----------
    decay: decay string (see :func:`~kaonportal.decays.parse_decay`); modes in :data:`KNOWN_DECAYS`
        use their matrix element, any other decay flat phase space.
    n: number of events (>= 0).
    rng: ``numpy.random.Generator`` (or an integer seed).
    mass: GeV, the new particle's mass; required for new-physics modes, refused otherwise.
    options: mode-specific (``pi0_decay``, ``x_decay``, ``x_ctau_m``, ``n_ctau_m``, form-factor
        overrides...); :data:`MODES` ``[decay].options`` lists them with their defaults.

    Returns
    -------
    Products with four-momenta in GeV in the parent rest frame, unweighted (weights 1).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InputError("n", f"must be an integer >= 0, got {n!r}")
    n = int(n)
    rng = as_generator(rng)
    spec, mode = lookup(decay)
    if mode is None:
        return _generate_phase_space(spec, n, rng, mass, options)
    opts = _check_options(mode.decay, options, mode.options)
    if mode.portal:
        mass = newphysics.check_mass(mode.decay, mass, opts.get("x_decay"))
    elif mass is not None:
        raise InputError("mass", f"{mode.decay!r} has no new-physics particle: leave mass unset")
    out = mode.func(n, rng, mass, **opts)
    return out if isinstance(out, Products) else out.products(mode.decay)


def branching_ratio(decay: str | DecaySpec, e_gamma_min: float = radiative.E_GAMMA_MIN_DEFAULT) -> float:
    """Branching ratio of an SM decay from :mod:`kaonportal.constants` (``BR_K``, ``BR_PI``,
    ``BR_PI0_GG``, ``BR_PI0_DALITZ``; muon decay 1). Radiative IB modes: BR of the non-radiative
    mode x :func:`~kaonportal.decays.radiative.radiative_fraction` above ``e_gamma_min`` (GeV).

    >>> round(branching_ratio("K+ -> pi0 pi+"), 4)
    0.2067
    >>> round(branching_ratio("K+ -> mu+ nu gamma", 0.01), 5)
    0.00426
    """
    spec, mode = lookup(decay)
    key = mode.decay if mode is not None else str(spec)
    table = {**constants.BR_K, **constants.BR_PI, "pi0 -> gamma gamma": constants.BR_PI0_GG,
             "pi0 -> e+ e- gamma": constants.BR_PI0_DALITZ, "mu+ -> e+ nu nubar": 1.0}
    if key in table:
        return float(table[key])
    if key == "K+ -> mu+ nu gamma":
        return constants.BR_K["K+ -> mu+ nu"] * radiative.radiative_fraction(key, e_gamma_min)
    if key == "K+ -> pi+ pi0 gamma":
        return constants.BR_K["K+ -> pi+ pi0"] * radiative.radiative_fraction(key, e_gamma_min)
    raise InputError("decay", f"no branching ratio known for {key!r}; known: {', '.join(table)}, "
                     "K+ -> mu+ nu gamma, K+ -> pi+ pi0 gamma")
