"""A user's own portal model from tables (YAML, validated with pydantic) or from code (``module:Class``).

The model file holds, on a mass grid (GeV, strictly increasing),

* ``production``: production branching ratios at unit coupling (``coupling = 1``), per channel
  (``"K+ -> pi+ S"``, ``"pi0 -> gamma A'"``, ``"B+ -> K+ S"``, ``"p -> p A' (bremsstrahlung)"`` ...);
* ``widths``: partial decay widths in GeV at unit coupling, per decay channel (``"S -> e+ e-"``), with
  ``invisible`` naming the channels that leave no visible signal;

and the rates at coupling C are ``table(m) * C**power`` (``coupling.power``; a channel may override it in
``production_powers`` / ``width_powers``, e.g. 0 for a width set by another parameter, as the dark-matter
width of BC2). Between grid points a table is interpolated linearly in log(value) versus log(mass)
(power laws and exponentials of log m are exact; [FORESEE:2021code] tabulates its models the same way);
on an interval with a zero end (a threshold) the value itself is interpolated linearly. The
interpolation error of an exported built-in is measured in ``tests/models/test_models_tabulated.py``.

:class:`TabulatedModel` is a :class:`~kaonportal.models.base.PortalModel`: everything that takes a built-in
model (``models.convert``, ``beamdump``, ``recast``) takes it. :func:`load_model` also accepts a built-in name
or label, a ``module:Class`` entry point, or a YAML file holding ``entry_point: module:Class`` (and
optional ``params``). Bad files raise :class:`~kaonportal.errors.InputError` naming the field
(``model.widths[S -> e+ e-][3]: must be >= 0, got -1``) before anything is simulated.

>>> m = TabulatedModel.from_mapping({"name": "toy", "particle": "S", "spin": 0,
...     "coupling": {"name": "g", "power": 2}, "mass_range": [0.01, 0.3], "mass_grid": [0.01, 0.1, 0.3],
...     "production": {"K+ -> pi+ S": [1e-3, 1e-3, 1e-3]},
...     "widths": {"S -> e+ e-": [1e-12, 1e-11, 3e-11]}})
>>> f"{float(m.production_br(0.05, 0.1)['K+ -> pi+ S']):.3g}"
'1e-05'
>>> f"{float(m.total_width(0.1, 1.0)):.1e}"
'1.0e-11'
"""

from __future__ import annotations

__all__ = ["ModelFile", "TabulatedModel", "load_model", "load_entry_point", "KAON_MODE_PRODUCTION",
           "DUMP_SPECIAL_PRODUCTION", "X_SYMBOLS", "GENERIC_DAUGHTERS"]

import importlib
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import InputError
from .base import PortalModel

#: symbols of the new particle in decay strings (those the beam-dump production understands)
X_SYMBOLS = ("A'", "S", "N", "a", "X")
#: kaon-mode production channels the searches of ``kaonportal recast`` read ({X} = the particle symbol)
KAON_MODE_PRODUCTION = ("K+ -> pi+ {X}", "K+ -> e+ {X}", "K+ -> mu+ {X}", "pi+ -> e+ {X}",
                        "K+ -> mu+ nu {X}", "pi0 -> gamma {X}")
#: beam-dump mechanisms that are not meson decays; the table is the factor multiplying the dark-photon
#: (bremsstrahlung, model factor epsilon^2) or photon-ALP (Primakoff, g_agg^2) sample of kaonportal.beamdump
DUMP_SPECIAL_PRODUCTION = ("p -> p {X} (bremsstrahlung)", "gamma Cu -> {X} Cu (Primakoff)")
#: decay daughters without a PDG mass in kaonportal.constants that models use for inclusive final states
GENERIC_DAUGHTERS = ("nu", "nubar", "chi", "chibar", "g", "4pi", "other", "hadrons", "multi-hadrons",
                     "s", "sbar", "c", "cbar", "K0", "K0bar", "rho+", "rho-")


def _known_particle(name: str) -> bool:
    from ..constants import mass
    if name in GENERIC_DAUGHTERS:
        return True
    try:
        mass(name)
        return True
    except Exception:  # noqa: BLE001 - any failure of the PDG lookup means "not a particle we know"
        return False


class CouplingSpec(BaseModel):
    """The coupling: its name, unit, the power of it the rates scale with, and its physical bound."""
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: str = Field(min_length=1)
    unit: str = ""
    power: float = Field(gt=0, description="rates scale as coupling**power")
    max: float | None = Field(None, gt=0, description="largest physical coupling (mixing probability: 1)")
    scan: tuple[float, float] | None = Field(None, description="(low, high) coupling range scanned")

    @field_validator("scan")
    @classmethod
    def _scan(cls, v):
        if v is not None and not 0 < v[0] < v[1]:
            raise ValueError(f"must be 0 < low < high, got {list(v)}")
        return v


def _check_grid(v: list[float]) -> list[float]:
    if len(v) < 2:
        raise ValueError("needs at least two masses")
    a = np.asarray(v, float)
    if np.any(a <= 0):
        raise ValueError(f"masses must be > 0 GeV, got {float(a[a <= 0][0]):g}")
    bad = np.nonzero(np.diff(a) <= 0)[0]
    if bad.size:
        i = int(bad[0]) + 1
        raise ValueError(f"must be strictly increasing: entry {i} ({a[i]:g}) <= entry {i - 1} ({a[i - 1]:g})")
    return v


class ModelFile(BaseModel):
    """Schema of a tabulated model file (see the module docstring); units GeV."""
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: str = Field(min_length=1)
    label: str = ""
    particle: Literal["A'", "S", "N", "a", "X"]
    spin: Literal[0, 0.5, 1, 1.5, 2]
    coupling: CouplingSpec
    mass_range: tuple[float, float]
    mass_grid: list[float]
    widths: dict[str, list[float]]
    production: dict[str, list[float]]
    production_mass_grid: list[float] | None = None
    invisible: list[str] = []
    width_powers: dict[str, float] = {}
    production_powers: dict[str, float] = {}
    kaon_channel: str = ""
    reference: str = ""
    description: str = ""
    notes: list[str] = []

    _grid = field_validator("mass_grid", "production_mass_grid")(classmethod(lambda cls, v: v if v is None
                                                                               else _check_grid(v)))

    @field_validator("mass_range")
    @classmethod
    def _range(cls, v):
        if not 0 <= v[0] < v[1]:
            raise ValueError(f"must be 0 <= low < high GeV, got {list(v)}")
        return v


def _fail(field: str, message: str):
    raise InputError(f"model.{field}", message)


def _validate_semantics(spec: ModelFile) -> None:
    """Checks that need several fields: table lengths, values, channel names, coverage, physical BRs."""
    x = spec.particle
    n_w = len(spec.mass_grid)
    pgrid = spec.production_mass_grid or spec.mass_grid
    lo, hi = spec.mass_range
    if spec.mass_grid[0] > lo * (1 + 1e-9) or spec.mass_grid[-1] < hi * (1 - 1e-9):
        _fail("mass_grid", f"must cover mass_range [{lo:g}, {hi:g}] GeV, spans [{spec.mass_grid[0]:g}, "
                           f"{spec.mass_grid[-1]:g}]")
    if not spec.widths:
        _fail("widths", "at least one decay channel is needed (an invisible one for a stable particle)")
    for table, grid, what in ((spec.widths, spec.mass_grid, "widths"), (spec.production, pgrid, "production")):
        for key, vals in table.items():
            if len(vals) != len(grid):
                _fail(f"{what}[{key}]", f"has {len(vals)} values for {len(grid)} masses of the "
                                        f"{'production_' if what == 'production' and spec.production_mass_grid else ''}"
                                        "mass_grid")
            a = np.asarray(vals, float)
            if np.any(a < 0):
                i = int(np.argmax(a < 0))
                _fail(f"{what}[{key}][{i}]", f"must be >= 0, got {a[i]:g}")
    for key in spec.widths:
        parent, _, rest = key.partition("->")
        if parent.strip() != x or not rest.split():
            _fail(f"widths[{key}]", f"decay channels are written '{x} -> daughters'")
        unknown = [d for d in rest.split() if not _known_particle(d)]
        if unknown:
            _fail(f"widths[{key}]", f"unknown daughter {unknown[0]!r}: not a PDG particle known to kaonportal "
                                    f"nor one of {', '.join(GENERIC_DAUGHTERS)}")
    for key in spec.invisible:
        if key not in spec.widths:
            _fail("invisible", f"{key!r} is not one of the decay channels ({', '.join(spec.widths)})")
    allowed = simulated_production(x)
    for key in spec.production:
        if not production_is_simulated(key, x):
            _fail(f"production[{key}]", "kaonportal cannot simulate this channel; it simulates the kaon-mode "
                                        f"channels {', '.join(allowed)}, meson decays at the dump "
                                        f"('eta -> gamma {x}', 'B+ -> K+ {x}', 'D+ -> e+ {x}' ...), "
                                        f"and {', '.join(DUMP_SPECIAL_PRODUCTION).format(X=x)}")
    for name, table, powers in (("width_powers", spec.widths, spec.width_powers),
                                ("production_powers", spec.production, spec.production_powers)):
        for key, p in powers.items():
            if key not in table:
                _fail(f"{name}[{key}]", f"is not a channel of {name.split('_')[0]}")
            if p < 0:
                _fail(f"{name}[{key}]", f"must be >= 0, got {p:g}")
    if spec.kaon_channel and spec.kaon_channel not in spec.production:
        _fail("kaon_channel", f"{spec.kaon_channel!r} is not a production channel")
    # BRs per unit coupling may exceed 1 (BC4: BR(B -> Xs S) = 5.6 sin^2 theta): the model then refuses the
    # couplings where they do (PortalModel.check_physical). Unphysical tables: a channel that does not scale
    # with the coupling (power 0: a true BR) above 1, or one above 1 even at the bottom of the coupling scan.
    c_low = spec.coupling.scan[0] if spec.coupling.scan else 1e-20
    for key, vals in spec.production.items():
        p = spec.production_powers.get(key, spec.coupling.power)
        br = np.asarray(vals, float) * c_low ** p
        if np.any(br > 1.0):
            i = int(np.argmax(br))
            where = ("the channel does not scale with the coupling (power 0)" if p == 0 else
                     f"even at the smallest coupling of the scan, {spec.coupling.name} = {c_low:g}")
            _fail(f"production[{key}][{i}]", f"BR = {br[i]:.3g} > 1 at m = {pgrid[i]:g} GeV: unphysical, "
                                             f"as {where}")


def simulated_production(x: str) -> list[str]:
    """Kaon-mode and special dump production channels for particle symbol ``x``."""
    return [k.format(X=x) for k in KAON_MODE_PRODUCTION]


def production_is_simulated(key: str, x: str) -> bool:
    """True if a search of ``kaonportal recast`` or the beam dump can use production channel ``key``."""
    from ..beamdump.production import parse_production_key
    if key in simulated_production(x) or key in [k.format(X=x) for k in DUMP_SPECIAL_PRODUCTION]:
        return True
    parsed = parse_production_key(key)
    return parsed is not None and parsed[2] == x


def _log_interp(m: np.ndarray, grid: np.ndarray, log_grid: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Linear interpolation of log(values) in log(m); zero on an interval with a zero end."""
    lm = np.log(np.clip(m, grid[0], grid[-1]))
    j = np.clip(np.searchsorted(log_grid, lm, side="right") - 1, 0, len(grid) - 2)
    y0, y1 = values[j], values[j + 1]
    w = (lm - log_grid[j]) / (log_grid[j + 1] - log_grid[j])
    both = (y0 > 0) & (y1 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.exp(np.log(np.where(both, y0, 1.0)) * (1 - w) + np.log(np.where(both, y1, 1.0)) * w)
    # an interval with a zero end holds a threshold: linear in the value (exact for a threshold at the grid
    # point; otherwise the rate leaks below threshold by at most one grid interval)
    return np.where(both, val, y0 + np.clip(w, 0.0, 1.0) * (y1 - y0))


class TabulatedModel(PortalModel):
    """A :class:`PortalModel` built from a validated :class:`ModelFile`."""

    def __init__(self, spec: ModelFile, source: str = ""):
        self.spec = spec
        self.source = source
        self.name = spec.name
        self.label = spec.label or spec.name
        self.particle = spec.particle
        self.spin = spec.spin
        self.coupling_name = spec.coupling.name
        self.coupling_unit = spec.coupling.unit
        self.coupling_power = spec.coupling.power
        self.coupling_max = spec.coupling.max
        self.mass_range = tuple(spec.mass_range)
        pgrid = spec.production_mass_grid
        self.production_mass_range = None if pgrid is None else (float(pgrid[0]), float(pgrid[-1]))
        self.invisible_channels = frozenset(spec.invisible)
        self.reference = spec.reference or (f"tabulated model file {source}" if source else "tabulated model")
        self.kaon_channel = spec.kaon_channel or next(
            (k for k in simulated_production(spec.particle) if k in spec.production), "")
        p = spec.coupling.power
        self._w_pow = {k: spec.width_powers.get(k, p) for k in spec.widths}
        self._p_pow = {k: spec.production_powers.get(k, p) for k in spec.production}
        self.width_scales_as_coupling = all(v == p for v in self._w_pow.values())
        self.unscaled_production = frozenset(k for k, v in self._p_pow.items() if v != p)
        self.coupling_scan = tuple(spec.coupling.scan) if spec.coupling.scan else (1e-20, 1.0)
        g = np.asarray(spec.mass_grid, float)
        pg = np.asarray(pgrid if pgrid is not None else spec.mass_grid, float)
        self._grid, self._lgrid = g, np.log(g)
        self._pgrid, self._lpgrid = pg, np.log(pg)
        self._widths_tab = {k: np.asarray(v, float) for k, v in spec.widths.items()}
        self._prod_tab = {k: np.asarray(v, float) for k, v in spec.production.items()}
        #: dump mechanisms (bremsstrahlung, Primakoff) read by kaonportal.beamdump.yields.mechanism_jobs
        self.dump_special_production = {k.format(X=spec.particle): kind for k, kind in
                                        zip(DUMP_SPECIAL_PRODUCTION, ("brems", "primakoff"))
                                        if k.format(X=spec.particle) in spec.production}

    @classmethod
    def from_mapping(cls, data: dict, source: str = "") -> "TabulatedModel":
        """Validate ``data`` (the parsed YAML) and build the model; InputError naming the first bad field."""
        try:
            spec = ModelFile.model_validate(data)
        except ValidationError as exc:
            e = exc.errors()[0]
            loc = ".".join(str(x) for x in e.get("loc", ()))
            raise InputError(f"model.{loc}" if loc else "model", e.get("msg", "invalid")) from None
        _validate_semantics(spec)
        return cls(spec, source)

    def _widths(self, m, c):
        return {k: _log_interp(m, self._grid, self._lgrid, t) * c ** self._w_pow[k]
                for k, t in self._widths_tab.items()}

    def _production(self, m, c):
        return {k: _log_interp(m, self._pgrid, self._lpgrid, t) * c ** self._p_pow[k]
                for k, t in self._prod_tab.items()}


def load_entry_point(text: str, params: dict | None = None, field: str = "model") -> PortalModel:
    """Instantiate ``module:Class`` (a :class:`PortalModel` subclass) with ``params``."""
    mod_name, _, attr = text.partition(":")
    if not mod_name or not attr:
        raise InputError(field, f"an entry point is written module:Class, got {text!r}")
    try:
        obj = getattr(importlib.import_module(mod_name), attr)
    except Exception as exc:  # noqa: BLE001 - any import failure of user code is bad input
        raise InputError(field, f"entry point {text!r} does not import: {type(exc).__name__}: "
                                f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    try:
        model = obj(**(params or {}))
    except Exception as exc:  # noqa: BLE001
        raise InputError(field, f"entry point {text!r} failed to build the model: {type(exc).__name__}: "
                                f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    missing = [a for a in ("partial_widths", "production_br", "mass_range", "coupling_name", "particle")
               if not hasattr(model, a)]
    if missing:
        raise InputError(field, f"entry point {text!r} is not a PortalModel (no {', '.join(missing)})")
    return model


def load_model(spec: str | Path, field: str = "model") -> PortalModel:
    """A model from a built-in name/label, a YAML model file, or a ``module:Class`` entry point."""
    from ..yamlio import read_yaml
    from . import ALIASES, MODEL_NAMES, get_model
    text = str(spec)
    if text.strip().upper() in ALIASES or text.strip().lower() in MODEL_NAMES:
        return get_model(text)
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        data = read_yaml(path, field)
        if "entry_point" in data:
            extra = sorted(set(data) - {"entry_point", "params"})
            if extra:
                raise InputError(f"{field}.{extra[0]}", "a file with an entry_point holds only entry_point "
                                                        "and params")
            params = data.get("params") or {}
            if not isinstance(params, dict):
                raise InputError(f"{field}.params", "must be a mapping of keyword arguments")
            return load_entry_point(str(data["entry_point"]), params, f"{field}.entry_point")
        return TabulatedModel.from_mapping(data, str(path))
    if ":" in text:
        return load_entry_point(text, None, field)
    raise InputError(field, f"{text!r} is neither a built-in model ({', '.join(MODEL_NAMES)}), a YAML model "
                            "file nor a module:Class entry point")
