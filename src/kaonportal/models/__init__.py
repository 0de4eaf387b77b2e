"""Portal benchmark models (PBC BC1-BC11): widths, lifetimes, production and decay branching ratios.

Usage (``/tmp/interfaces.md`` contract)::

    from kaonportal.models import get_model, MODEL_NAMES
    m = get_model("dark-photon")           # or the PBC label, "BC1"
    m.partial_widths(mass, coupling)       # dict of decay string -> width in GeV
    m.total_width, m.ctau_m, m.lifetime_s, m.branching_ratios, m.production_br

=====================  =====  ===========  ===========================  ========================
name                   PBC    coupling     valid masses (GeV)           kaon-mode channel
=====================  =====  ===========  ===========================  ========================
dark-photon            BC1    epsilon      2 m_e - 3                    K+ -> pi+ A'
dark-photon-invisible  BC2    epsilon      2 m_e - 3                    K+ -> pi+ A'
dark-scalar            BC4    sin2theta    2 m_e - 4.7                  K+ -> pi+ S
dark-scalar-quartic    BC5    sin2theta    2 m_e - 4.7                  K+ -> pi+ S
hnl-e / hnl-mu         BC6/7  U2           0.001 - 5                    K+ -> e+ N / K+ -> mu+ N
hnl-tau                BC8    U2           0.001 - 5                    tau+ -> pi+ N
alp-photon             BC9    g_agg GeV^-1 0.001 - 5                    (Primakoff: beamdump)
alp-fermion            BC10   g_Y          2 m_e - 1 (prod. to 4.79)    K+ -> pi+ a
alp-gluon              BC11   1/f_G GeV^-1 0.001 - 1                    K+ -> pi+ a
=====================  =====  ===========  ===========================  ========================

Every method broadcasts ``mass`` (GeV) and ``coupling`` (the benchmark's own variable, named by
``m.coupling_name``) and raises :class:`kaonportal.errors.InputError` outside ``m.mass_range``.
Formulas and their sources: bibliography keys cited per function (``kaonportal refs KEY``). Check-value
tags: [L] from the literature or a published code, [C] self-consistency value of a scratch implementation, [U] unverified.

>>> m = get_model("BC7")
>>> m.name, m.coupling_name
('hnl-mu', 'U2')
>>> get_model("dark-fotone")
Traceback (most recent call last):
...
kaonportal.errors.InputError: model: unknown value 'dark-fotone'; allowed: ...
"""

from __future__ import annotations

__all__ = ["get_model", "MODEL_NAMES", "ALIASES", "PortalModel", "DarkPhoton", "DarkPhotonInvisible",
           "HeavyNeutralLepton", "DarkScalar", "DarkScalarQuartic",
           "AlpPhoton", "AlpFermion", "AlpGluon"]

import inspect

from ..errors import InputError, check_choice
from .alp import AlpFermion, AlpGluon, AlpPhoton
from .base import PortalModel
from .dark_photon import DarkPhoton, DarkPhotonInvisible
from .dark_scalar import DarkScalar, DarkScalarQuartic
from .hnl import HeavyNeutralLepton

_FACTORIES = {
    "dark-photon": DarkPhoton,
    "dark-photon-invisible": DarkPhotonInvisible,
    "dark-scalar": DarkScalar,
    "dark-scalar-quartic": DarkScalarQuartic,
    "hnl-e": lambda **kw: HeavyNeutralLepton("e", **kw),
    "hnl-mu": lambda **kw: HeavyNeutralLepton("mu", **kw),
    "hnl-tau": lambda **kw: HeavyNeutralLepton("tau", **kw),
    "alp-photon": AlpPhoton,
    "alp-fermion": AlpFermion,
    "alp-gluon": AlpGluon,
}
#: PBC labels accepted as aliases of the command-line names.
ALIASES = {"BC1": "dark-photon", "BC2": "dark-photon-invisible", "BC4": "dark-scalar",
           "BC5": "dark-scalar-quartic",
           "BC6": "hnl-e", "BC7": "hnl-mu", "BC8": "hnl-tau",
           "BC9": "alp-photon", "BC10": "alp-fermion", "BC11": "alp-gluon"}
MODEL_NAMES = tuple(_FACTORIES)


def _parameter_names(key: str) -> list[str]:
    """Keyword parameters of a model's constructor, following ``**kw`` into the base classes."""
    factory = _FACTORIES[key]
    if not isinstance(factory, type):          # the HNL lambdas fix the flavour and take nothing else
        return []
    names: list[str] = []
    for cls in factory.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        sig = inspect.signature(init).parameters
        names += [n for n, p in sig.items() if n != "self" and n not in names
                  and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if not any(p.kind is p.VAR_KEYWORD for p in sig.values()):
            break
    return names


def get_model(name: str, **params) -> PortalModel:
    """A new model instance by command-line name or PBC label (``"BC1"`` ... ``"BC11"``).

    ``params`` are the model's benchmark parameters (e.g. ``alpha_d`` for BC2); unknown names raise
    :class:`~kaonportal.errors.InputError` listing the known ones.
    """
    key = ALIASES.get(str(name).strip().upper(), str(name).strip().lower())
    check_choice("model", key, list(MODEL_NAMES) + list(ALIASES))
    allowed = _parameter_names(key)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InputError("params", f"unknown parameter(s) {', '.join(unknown)} for {key}; allowed: "
                                   f"{', '.join(allowed) if allowed else 'none (this model has no parameters)'}")
    try:
        return _FACTORIES[key](**params)
    except TypeError as exc:       # unknown keyword: name it, as any other bad input
        raise InputError("params", f"bad parameter for {key}: {exc}") from None
