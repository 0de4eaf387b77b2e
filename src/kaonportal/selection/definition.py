"""Named, configurable event selections (YAML in ``kaonportal/data/selections``).

A selection is an ordered list of cuts on the columns of a simulated event table
(:mod:`kaonportal.simulation.schema`), a set of m2miss regions, and pi+ momentum bins.
Each cut is exactly one of:

* ``column`` with ``low`` and/or ``high`` (inclusive window on a reconstructed quantity, or on a
  quantity derived from the table's columns, :mod:`.derived`); with ``versus`` and ``slope`` the
  bounds are linear in another column: ``low + slope * versus <= column <= high + slope * versus``
  (e.g. the NA62 upstream-background cut R(STRAW1) > 0.830 m - 0.00436 z_vertex),
* ``flag`` (a boolean column that must be true),
* ``weight`` (a probability column multiplied into the event weight, e.g. ``w_pid_pi``,
  ``w_photon_veto``: rare suppressions are weights, not deletions),
* ``efficiency`` (a constant factor for an efficiency the fast simulation does not model,
  e.g. K-pi matching; its ``source`` and ``status`` say where the number comes from).

Every number carries ``source`` (bibliography keys, ``kaonportal refs KEY``) and
``status`` (V/S/R/D/U as in that file).

>>> sel = load_selection("pnn-2022")
>>> sel.name, sel.momentum_range
('pnn-2022', (15.0, 45.0))
>>> [r.id for r in sel.signal_regions()]
['R1', 'R2']
"""

from __future__ import annotations

__all__ = ["Cut", "Region", "Selection", "load_selection", "list_selections", "SELECTION_DIR"]

from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import references
from ..errors import InputError
from ..yamlio import read_yaml

SELECTION_DIR = resources.files("kaonportal") / "data" / "selections"



def _cited_keys_resolve(source: str) -> str:
    # a ``source`` names bibliography keys in brackets (or short codes such as GA); a key that does not resolve
    # would leave the user with a citation nobody can follow
    unknown = references.check_keys(source)
    if unknown:
        raise ValueError(f"unknown bibliography key(s) {', '.join(unknown)} (see `kaonportal refs`)")
    return source


class Cut(BaseModel):
    """One step of the cut flow (see the module docstring for the four kinds)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    label: str
    column: str | None = None
    low: float | None = None
    high: float | None = None
    flag: str | None = None
    weight: str | None = None
    efficiency: float | None = Field(None, gt=0.0, le=1.0)
    versus: str | None = None
    slope: float | None = None
    source: str = ""
    status: str = ""
    _source_keys = field_validator("source")(_cited_keys_resolve)

    @model_validator(mode="after")
    def _one_kind(self):
        kinds = [self.column is not None, self.flag is not None, self.weight is not None,
                 self.efficiency is not None]
        if sum(kinds) != 1:
            raise ValueError(f"cut {self.id!r}: give exactly one of column, flag, weight, efficiency")
        if self.column is not None and self.low is None and self.high is None:
            raise ValueError(f"cut {self.id!r}: a column cut needs low and/or high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"cut {self.id!r}: low > high")
        if (self.versus is None) != (self.slope is None):
            raise ValueError(f"cut {self.id!r}: give versus and slope together")
        if self.versus is not None and self.column is None:
            raise ValueError(f"cut {self.id!r}: versus/slope need a column cut")
        return self

    @property
    def kind(self) -> str:
        for k in ("column", "flag", "weight", "efficiency"):
            if getattr(self, k) is not None:
                return k
        raise AssertionError  # pragma: no cover

    def describe(self) -> str:
        """Human-readable condition, e.g. ``15 <= p_track <= 45``."""
        if self.kind == "column":
            lin = "" if self.versus is None else f" {'-' if self.slope < 0 else '+'} {abs(self.slope):g} {self.versus}"
            lo = "" if self.low is None else f"{self.low:g}{lin} <= "
            hi = "" if self.high is None else f" <= {self.high:g}{lin}"
            return f"{lo}{self.column}{hi}"
        if self.kind == "flag":
            return self.flag
        if self.kind == "weight":
            return f"x {self.weight}"
        return f"x {self.efficiency:g}"


class Region(BaseModel):
    """An m2miss region: windows ``[low, high)`` on one or more columns (all must hold)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    label: str
    windows: dict[str, tuple[float, float]]
    signal: bool = False
    source: str = ""
    status: str = ""
    _source_keys = field_validator("source")(_cited_keys_resolve)

    @model_validator(mode="after")
    def _ordered(self):
        for col, (lo, hi) in self.windows.items():
            if lo >= hi:
                raise ValueError(f"region {self.id!r}: window on {col} has low >= high")
        return self


class NormalisationSpec(BaseModel):
    """How the K+ -> pi+ pi0 normalisation sample is selected: the signal cuts minus ``skip``, in ``region``."""

    model_config = ConfigDict(extra="forbid")
    skip: list[str] = []
    region: str = "pipi0"
    downscaling: float = Field(400.0, ge=1.0)
    source: str = ""
    status: str = ""
    _source_keys = field_validator("source")(_cited_keys_resolve)


class ControlSpec(BaseModel):
    """Data-driven background estimate for one source: a control sample (signal cuts minus ``skip``,
    optionally with extra weight columns) gives the tail fraction f = N(SR) / N(``region``), applied to
    the events of the fully selected sample in ``region``."""

    model_config = ConfigDict(extra="forbid")
    region: str
    skip: list[str] = []
    extra_weights: list[str] = []
    source: str = ""
    _source_keys = field_validator("source")(_cited_keys_resolve)


class Selection(BaseModel):
    """A named selection (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str
    analysis: str = "pnn"
    fiducial_z: tuple[float, float]
    momentum_range: tuple[float, float]
    momentum_bins: list[float]
    cuts: list[Cut]
    regions: list[Region]
    normalisation: NormalisationSpec = NormalisationSpec()
    control: dict[str, ControlSpec] = {}
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        b = self.momentum_bins
        lo, hi = self.momentum_range
        if lo >= hi:
            raise ValueError("momentum_range: low must be below high")
        if len(b) < 2 or any(b2 <= b1 for b1, b2 in zip(b, b[1:])):
            raise ValueError("momentum_bins: need at least two strictly increasing edges")
        if abs(b[0] - lo) > 1e-9 or abs(b[-1] - hi) > 1e-9:
            raise ValueError(f"momentum_bins: edges must span momentum_range {lo:g}-{hi:g} GeV/c, got {b[0]:g}-{b[-1]:g}")
        if self.fiducial_z[0] >= self.fiducial_z[1]:
            raise ValueError("fiducial_z: low must be below high")
        ids = [c.id for c in self.cuts]
        if len(set(ids)) != len(ids):
            raise ValueError("cuts: ids must be unique")
        rids = [r.id for r in self.regions]
        if len(set(rids)) != len(rids):
            raise ValueError("regions: ids must be unique")
        if not any(r.signal for r in self.regions):
            raise ValueError("regions: at least one signal region is required")
        for what, spec in [("normalisation", self.normalisation), *((f"control.{k}", v) for k, v in self.control.items())]:
            if spec.region not in rids:
                raise ValueError(f"{what}.region: unknown region {spec.region!r}; known: {', '.join(rids)}")
            bad = [s for s in spec.skip if s not in ids]
            if bad:
                raise ValueError(f"{what}.skip: unknown cut id(s) {bad}; known: {', '.join(ids)}")
        return self

    def region(self, rid: str) -> Region:
        for r in self.regions:
            if r.id == rid:
                return r
        raise InputError("region", f"unknown region {rid!r}; known: {', '.join(r.id for r in self.regions)}")

    def signal_regions(self) -> list[Region]:
        return [r for r in self.regions if r.signal]

    def cut_ids(self) -> list[str]:
        return [c.id for c in self.cuts]


def list_selections() -> list[str]:
    """Names of the selections shipped with the package.

    >>> "pnn-2017" in list_selections()
    True
    """
    return sorted(p.name[:-5] for p in SELECTION_DIR.iterdir() if p.name.endswith(".yaml"))


def load_selection(name_or_path: str | Path, field: str = "selection") -> Selection:
    """Load a shipped selection by name, or a YAML file by path; :class:`InputError` if unknown/invalid."""
    p = Path(str(name_or_path))
    if str(name_or_path) in list_selections():
        p = SELECTION_DIR / f"{name_or_path}.yaml"
    elif not (p.suffix in (".yaml", ".yml") and p.is_file()):
        raise InputError(field, f"unknown selection {str(name_or_path)!r}; known: {', '.join(list_selections())} "
                                "(or a path to a .yaml file)")
    data = read_yaml(p, field, mapping=False, where=str(name_or_path))
    try:
        return Selection.model_validate(data)
    except ValidationError as exc:
        msg = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InputError(field, f"invalid selection {str(name_or_path)!r}: {msg}") from None
