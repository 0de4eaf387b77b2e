"""Range checks of every numeric configuration value, run before anything is simulated.

The pydantic ``*Config`` classes check types and the obvious signs (``gt=0``). What they let through
and what then fails deep inside a run, or writes NaN into curves and HEPData (issue 12, item 14):
NaN and infinities (``.nan``, ``.inf`` are valid YAML floats), absurd magnitudes (``n_signal: 1e12``
events, ``mass_step: 1e-12`` GeV, i.e. 10^11 mass hypotheses), reversed ranges (``z_range: [165, 105]``)
and published limits that are not branching ratios. :func:`check_config_values` walks a validated
configuration and applies :data:`RULES` by field name, so that a field added to a search later gets
the same checks; its errors name the full field path (``config.searches.kpix.mass_step``).

The bounds are sanity bounds, not physics: each is 10-1000x beyond any value a real study uses, and
the comment of each rule says what it is compared with. Nothing here changes a result of a valid input.

>>> from pydantic import BaseModel
>>> class C(BaseModel):
...     n_signal: int = 1000
...     z_range: tuple[float, float] = (105.0, 165.0)
...     published_limit: float = 4.4e-9
>>> check_config_values(C(), "searches.x")
>>> check_config_values(C(z_range=(165.0, 105.0)), "searches.x")
Traceback (most recent call last):
...
kaonportal.errors.InputError: searches.x.z_range: must be an increasing range [low, high], got [165, 105]
>>> check_config_values(C(n_signal=10**12), "searches.x")
Traceback (most recent call last):
...
kaonportal.errors.InputError: searches.x.n_signal: must be in [0, 1e+09] events, got 1e+12
>>> check_config_values(C(published_limit=float("nan")), "searches.x")
Traceback (most recent call last):
...
kaonportal.errors.InputError: searches.x.published_limit: must be a finite number, got nan
"""

from __future__ import annotations

__all__ = ["RULES", "Rule", "check_config_values", "rule_for", "MAX_EVENTS", "MAX_EXPOSURE", "MAX_LIST"]

import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..errors import InputError, check_range, shorten


@dataclass(frozen=True)
class Rule:
    """Allowed interval of every number under a field (``None``: unbounded on that side)."""
    low: float | None
    high: float | None
    unit: str = ""
    low_inclusive: bool = True
    why: str = ""


#: simulated events of one sample: a default run uses 2e4-5e5 per sample; the fast simulation does ~1e5 events/s
#: per core and writes ~200 bytes per event (measured: 1e6 K+ -> pi+ pi0 in ~10 s, 204 MB of Parquet), so 1e9
#: events is a day of CPU and ~200 GB per sample
MAX_EVENTS = 1e9
#: decays / tagged particles / protons of an exposure: NA62 records ~1e13 K+ decays and ~1e18 POT in dump mode
#: over its lifetime; 1e21 leaves 1000x for projections and keeps Poisson means far below numpy's 9e18 limit
MAX_EXPOSURE = 1e21

# (regular expression on the field name, rule); the first match wins. Exact names come before patterns.
RULES: tuple[tuple[str, Rule], ...] = (
    # scan step of a mass grid: NA62's finest step is 0.5 MeV ([NA62:2023olg]); 0.1 MeV is 5x finer; a step of
    # 0.1 GeV is coarser than any kaon-mode mass range
    (r"mass_step", Rule(1e-4, 0.1, "GeV", why="the mass step")),
    (r"masses", Rule(0.0, 1.0, "GeV", why="a hypothesis mass below m_K+ x 2")),
    (r"n_signal_masses", Rule(2, 1000, why="simulated masses per range")),
    (r"ntoys", Rule(0, 1e6, why="toys")),
    # counts of simulated events (n_signal, n_background, n_background_extra, n_normalisation, n_sim, n_sm)
    (r"n_(signal|background|background_extra|normalisation|sim|sm)", Rule(0, MAX_EVENTS, "events")),
    # exposures: decays, tagged pi0, protons on target
    # (at least one decay / proton: below that an SES of 1e300 is not a result)
    (r"n_k|n_parent|n_pi0_tagged|pot|kaon_decays_per_year|projection_n_pi0", Rule(1, MAX_EXPOSURE)),
    # projection factors: 1e-6..1e6 x the published exposure (published projections use 4-100x)
    (r".*_scale", Rule(1e-6, 1e6, low_inclusive=True)),
    # published numbers quoted on results: branching-ratio limits
    # (the strongest kaon-mode limit is ~1e-11, NA62 K+ -> pi+ nu nubar SES; 1e-20 is 1e9 below it)
    (r"published_.*", Rule(1e-20, 1, why="a published branching-ratio limit")),
    # expected events and their errors in a counting region
    (r"background|background_error_(low|high)|inject|observed", Rule(0, MAX_EVENTS, "events")),
    # counting window half-width in resolution units: NA62 uses 1-2 sigma; beyond 10 sigma it is not a peak search
    # (0.1 sigma holds 8% of a Gaussian peak)
    (r"window", Rule(0.1, 10, "sigma")),
    # decay z along the beam line: target at z = 0, LKr at ~241 m, MUV3 at ~246 m (detector cards)
    (r"z_range", Rule(0, 300, "m")),
    # a position resolution of the LKr (1.28 m radius): ~1 mm measured; 1 m is the size of the calorimeter
    (r"lkr_position_m", Rule(1e-5, 1, "m")),
    # a fraction of the photon energy
    (r"photonuclear_visible_range", Rule(0, 1)),
    # blocks of events per simulation task: the default is 4; more only costs memory
    (r"chunk_blocks", Rule(1, 1e4)),
    (r"lifetimes_ns", Rule(0, 1e15, "ns", low_inclusive=False)),
    # GeV/c pi+ momentum bin edges of the pnn selection: the beam is 75 GeV/c (1% rms spread)
    (r"momentum_bins", Rule(0, 80, "GeV/c", low_inclusive=False)),
)

# tuples / lists whose two numbers are an interval (checked increasing)
_INTERVAL = re.compile(r".*_range$")
_INCREASING = re.compile(r"momentum_bins$")
_NAME = re.compile(r"[A-Za-z_][\w-]*")


def rule_for(name: str) -> Rule | None:
    """The :data:`RULES` entry of a field name (its last path component), or ``None``.

    >>> rule_for("n_k_scale").high, rule_for("seed")
    (1000000.0, None)
    """
    for pattern, rule in RULES:
        if re.fullmatch(pattern, name):
            return rule
    return None


def _numbers(value: Any, path: str):
    """(path, number) of every number under ``value`` (lists, tuples, dict values), bools excluded."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            # section and option names read as fields (searches.kpix.mass_step), others as keys (['K+ -> e+ N'])
            key = f".{k}" if isinstance(k, str) and _NAME.fullmatch(k) else f"[{shorten(repr(k), 60)}]"
            yield from _numbers(v, path + key)


#: longest list in a configuration: a mass scan at the finest step (1e-4 GeV) over the widest range (K+ -> pi+ X,
#: 0.26 GeV) has 2600 hypotheses; a list of a million masses would run for days before anything is written
MAX_LIST = 10_000


def _check_field(name: str, value: Any, path: str) -> None:
    if isinstance(value, (list, tuple, dict)) and len(value) > MAX_LIST:
        raise InputError(path, f"has {len(value)} entries; at most {MAX_LIST}")
    for key, inner in (value.items() if isinstance(value, dict) else ()):
        if isinstance(inner, (list, tuple, dict)) and len(inner) > MAX_LIST:
            raise InputError(f"{path}[{shorten(repr(key), 60)}]", f"has {len(inner)} entries; at most {MAX_LIST}")
    rule = rule_for(name)
    for where, x in _numbers(value, path):
        if isinstance(x, float) and not math.isfinite(x):
            raise InputError(where, f"must be a finite number, got {x!r}")
        if rule is not None:
            check_range(where, x, rule.low, rule.high, low_inclusive=rule.low_inclusive, unit=rule.unit)
    seq = [v for _, v in _numbers(value, path)] if isinstance(value, (list, tuple)) else None
    if seq and _INTERVAL.match(name):
        if len(seq) != 2 or not seq[0] < seq[1]:
            raise InputError(path, f"must be an increasing range [low, high], got [{', '.join(f'{v:g}' for v in seq)}]")
    if seq and _INCREASING.match(name) and any(b <= a for a, b in zip(seq, seq[1:])):
        raise InputError(path, "bin edges must be strictly increasing, got "
                               + shorten(", ".join(f"{v:g}" for v in seq), 120))


def check_config_values(cfg: BaseModel, field: str) -> None:
    """Check every numeric value of a validated configuration (nested models too) against :data:`RULES`:
    finite, inside its rule's interval, ``*_range`` pairs increasing, bin edges increasing. Raises
    :class:`InputError` with the full path ``field.name[...]``; returns ``None`` when all is well."""
    for name in type(cfg).model_fields:
        value = getattr(cfg, name)
        path = f"{field}.{name}" if field else name
        if isinstance(value, BaseModel):
            check_config_values(value, path)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, BaseModel) for v in value):
            for i, v in enumerate(value):
                check_config_values(v, f"{path}[{i}]")
        else:
            _check_field(name, value, path)
