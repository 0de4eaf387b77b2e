"""The reference registry: every published number kaonportal can reproduce, shipped in the package.

One YAML file per area under ``kaonportal/data/validation/`` (``pnn.yaml``, ``searches.yaml``, ...)::

    area: pnn
    description: K+ -> pi+ nu nubar counting inputs
    entries:
      - id: pnn-2021-22-ses
        quantity: single event sensitivity, 2021-22
        published: {value: 8.48e-12, error: 0.29e-12}     # error: e, [low, high] or null (a limit)
        unit: "1"
        citation: "NA62, JHEP 02 (2025) 191; T. Blazek, Patras 2025 talk ([NA62:2024pjp])"
        citation_key: NA62:2024pjp
        dataset: NA62 2021-22
        kaonportal: {run: default, section: pnn, key: ses.value, error_key: ses.error}
        tolerance: {relative: 0.10, reason: "..."}
        closure: true        # optional: kaonportal's number is normalised through (or fitted to) this very
                             # published number; an agreeing closure entry is counted apart, never as agree
    overlays:                                              # published curve vs kaonportal's (plots only)
      - {id: ..., published_curve: <kaonportal.published name>, run: default, section: hnl,
         file: curves/hnl_kp_eN_U2.csv, x_column: m_n_gev, columns: [u2_ul_observed, u2_ul_expected_median]}

Where kaonportal's number comes from (``kaonportal:``), one of

* ``key``: a value in a run's summary.json, ``section`` + dotted ``key`` (``a.b[source=K+ -> pi+ pi0].c``
  selects the list element whose ``source`` is that string, ``[0]`` by index), optional ``error_key``;
* ``file``: a curve CSV the run wrote (``curves/...``), its ``column`` against ``x_column`` either ``at`` one x
  (log-linear interpolation) or as the geometric mean over a ``window`` [lo, hi] of x;
* ``model``: a portal model (:func:`kaonportal.models.get_model`) ``method`` (``ctau_m``, ``total_width``,
  ``production_br``, ...) at ``mass`` (GeV) and ``coupling``, with ``channel`` picking a channel of a dict result;
* ``stats``: kaonportal's statistics engine on published counting inputs (``datasets``: observed, background,
  ses, ...): ``limit`` (upper limit at ``cl`` with ``stats_method``), ``measure`` (the BR) or ``significance``
  (of the signal over the background-only hypothesis, in sigma).

``run`` names a run profile (:data:`PROFILES`): the configuration ``kaonportal validate`` runs with.

>>> reg = load_registry()
>>> len(reg.entries) >= 60, sorted(reg.areas)[:2]
(True, ['beamdump', 'hnl'])
"""

from __future__ import annotations

__all__ = ["CurveRead", "Published", "Tolerance", "Source", "Entry", "Overlay", "Registry", "PROFILES", "load_registry",
           "parse_registry_text"]

import math
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..errors import InputError

_DATA_DIR = "data/validation"

#: Run profiles: the ``kaonportal run`` configuration each entry's number comes from. ``config`` is merged
#: into a --config file; ``pnn_dataset`` is the pnn dataset a run must have used for its pnn-section entries
#: to apply (the flags of a plain ``kaonportal run`` use the profile whose dataset matches).
PROFILES = {
    "default": {"config": {}, "pnn_dataset": "pnn-2021-22",
                "description": "the built-in configuration (pnn 2021-22, beam dump, every search)"},
    "pnn-2017": {"config": {"dataset": "pnn-2017"}, "pnn_dataset": "pnn-2017",
                 "description": "pnn section on the 2017 dataset (card na62-2018, selection pnn-2017)"},
    "pnn-2018": {"config": {"dataset": "pnn-2018"}, "pnn_dataset": "pnn-2018",
                 "description": "pnn section on the 2018 dataset (card na62-2018, selection pnn-2018)"},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CurveRead(_Strict):
    """How a published value was read off a shipped curve (:mod:`kaonportal.published`): the curve ``name``, at one
    mass ``at`` (GeV, log-linear interpolation) or the geometric mean over a mass ``window`` [lo, hi] (GeV),
    using only the rows matching ``where`` (e.g. ``{tau_ps: 10000}`` for a stable-X row). Tests re-read it."""

    name: str
    at: float | None = None
    window: list[float] | None = None
    where: dict[str, float] = {}


class Published(_Strict):
    """A published number: value and error (symmetric, [low, high] or None for a limit); ``from_curve`` when the
    value was read off a shipped published curve."""

    value: float
    error: float | list[float] | None = None
    from_curve: CurveRead | None = None

    @field_validator("value")
    @classmethod
    def _finite(cls, v):
        if not math.isfinite(v):
            raise ValueError("must be a finite number")
        return v

    @field_validator("error")
    @classmethod
    def _error(cls, v):
        if isinstance(v, list) and (len(v) != 2 or min(v) < 0):
            raise ValueError("[low, high] with two non-negative numbers")
        if isinstance(v, float) and v < 0:
            raise ValueError("must be >= 0")
        return v

    @property
    def error_low(self) -> float | None:
        return self.error[0] if isinstance(self.error, list) else self.error

    @property
    def error_high(self) -> float | None:
        return self.error[1] if isinstance(self.error, list) else self.error


class Tolerance(_Strict):
    """The model-approximation allowance of an entry: exactly one of relative / factor / absolute, and why (the
    approximation it stands for). The status rule (:mod:`.rule`) adds the published error and kaonportal's own
    error to it in quadrature, unless ``same_data``: both numbers rest on the same observed events (a BR from the
    published counting inputs), so their errors are one statistical error, not two independent ones."""

    relative: float | None = None
    factor: float | None = None
    absolute: float | None = None
    reason: str
    same_data: bool = False

    @model_validator(mode="after")
    def _one(self):
        given = {k: v for k, v in (("relative", self.relative), ("factor", self.factor),
                                   ("absolute", self.absolute)) if v is not None}
        if len(given) != 1:
            raise ValueError("give exactly one of relative, factor, absolute")
        (k, v), = given.items()
        if not (v > (1.0 if k == "factor" else 0.0)):
            raise ValueError(f"{k} must be > {'1' if k == 'factor' else '0'}")
        if not self.reason.strip():
            raise ValueError("reason must not be empty")
        return self

    def as_dict(self) -> dict:
        return {k: v for k, v in self.model_dump().items() if v is not None and k not in ("reason", "same_data")}

    def describe(self) -> str:
        (k, v), = self.as_dict().items()
        return {"relative": f"±{v:.0%}", "factor": f"×/÷{v:g}", "absolute": f"±{v:g}"}[k]


class Source(_Strict):
    """Where kaonportal's number comes from (see the module docstring)."""

    run: str = "default"
    section: str | None = None
    key: str | None = None
    error_key: str | None = None
    file: str | None = None
    x_column: str | None = None
    column: str | None = None
    at: float | None = None
    window: list[float] | None = None
    model: str | None = None
    method: str | None = None
    mass: float | None = None
    coupling: float | None = None
    channel: str | None = None        # a model method returning a dict: which channel
    params: dict = {}
    stats: Literal["limit", "measure", "significance"] | None = None   # kaonportal.stats on published inputs
    datasets: list[dict] = []
    cl: float = 0.9
    stats_method: str = "cls"
    scale: float = 1.0

    @property
    def kind(self) -> Literal["summary", "curve", "model", "stats"]:
        if self.stats:
            return "stats"
        return "model" if self.model else ("curve" if self.file else "summary")

    @model_validator(mode="after")
    def _complete(self):
        kinds = [k for k, v in (("key", self.key), ("file", self.file), ("model", self.model),
                                ("stats", self.stats)) if v]
        if len(kinds) != 1:
            raise ValueError("give exactly one of key (summary.json), file (curve CSV), model (portal model), "
                             "stats (statistics engine on published inputs)")
        if self.stats:
            if not self.datasets:
                raise ValueError("a stats source needs datasets (observed, background, ses)")
            return self
        if self.model:
            if not (self.method and self.mass is not None and self.coupling is not None):
                raise ValueError("a model source needs method, mass and coupling")
            return self
        if self.run not in PROFILES:
            raise ValueError(f"unknown run profile {self.run!r}; known: {', '.join(PROFILES)}")
        if not self.section:
            raise ValueError("a summary or curve source needs section")
        if self.file and not (self.x_column and self.column and ((self.at is None) != (self.window is None))):
            raise ValueError("a curve source needs x_column, column and one of at / window")
        if self.window is not None and (len(self.window) != 2 or self.window[0] >= self.window[1]):
            raise ValueError("window must be [lo, hi] with lo < hi")
        return self


class Entry(_Strict):
    """One published number and the kaonportal quantity that reproduces it. ``closure``: kaonportal's number is
    normalised through, or fitted to, this very published number (a check of the chain, counted apart from
    ``agree``, :func:`.rule.count_key`)."""

    id: str
    quantity: str
    published: Published
    unit: str
    citation: str
    citation_key: str
    dataset: str
    kaonportal: Source
    tolerance: Tolerance
    note: str | None = None
    closure: bool = False

    @field_validator("id", "quantity", "citation", "citation_key", "dataset")
    @classmethod
    def _nonempty(cls, v):
        if not v.strip():
            raise ValueError("must not be empty")
        return v


class Overlay(_Strict):
    """A published curve drawn over kaonportal's (``kaonportal validate``'s overlay plots)."""

    id: str
    title: str
    published_curve: str
    run: str = "default"
    section: str
    file: str
    x_column: str
    columns: list[str]
    where: dict[str, float] = {}      # published 2-D curves (mass, lifetime): the rows to draw
    y_label: str


class _AreaFile(_Strict):
    area: str
    description: str
    entries: list[Entry] = []
    overlays: list[Overlay] = []


@dataclass
class Registry:
    """Entries and overlays of every area, in file order; ``areas`` maps area -> description."""

    entries: list = field(default_factory=list)          # list[(area, Entry)]
    overlays: list = field(default_factory=list)         # list[(area, Overlay)]
    areas: dict = field(default_factory=dict)
    source: str = "built-in"

    def select(self, only: list[str] | None) -> Registry:
        """The areas in ``only`` (None: all); an unknown area is bad input."""
        if not only:
            return self
        unknown = [a for a in only if a not in self.areas]
        if unknown:
            raise InputError("--only", f"unknown area {', '.join(unknown)}; known: {', '.join(self.areas)}")
        return Registry([e for e in self.entries if e[0] in only], [o for o in self.overlays if o[0] in only],
                        {a: d for a, d in self.areas.items() if a in only}, self.source)


def _pydantic_line(exc: ValidationError, where: str) -> str:
    e = exc.errors()[0]
    loc = ".".join(str(x) for x in e.get("loc", ()))
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{where}{'.' + loc if loc else ''}: {e.get('msg')}{more}"


def parse_registry_text(text: str, where: str, reg: Registry | None = None) -> Registry:
    """Parse the text of one area file into ``reg`` (a new Registry when None); bad content raises one-line
    InputError."""
    from ..yamlio import parse_yaml
    return _add_area(parse_yaml(text, "--registry", where=where, mapping=True), where,
                     reg if reg is not None else Registry(source=where))


def _add_area(data: dict, where: str, reg: Registry) -> Registry:
    """One parsed area file (``where``: its name in messages) validated and added to ``reg``."""
    entries = data.get("entries") if isinstance(data, dict) else None
    # name the entry (by id) in the message, not only its index
    if isinstance(entries, list):
        for i, e in enumerate(entries):
            if isinstance(e, dict):
                for req in ("citation", "citation_key", "tolerance"):
                    if not e.get(req):
                        raise InputError("--registry", f"{where}: entry {e.get('id', i)!r} has no {req}")
    try:
        area = _AreaFile.model_validate(data)
    except ValidationError as exc:
        raise InputError("--registry", _pydantic_line(exc, where)) from None
    if area.area in reg.areas:
        raise InputError("--registry", f"{where}: area {area.area!r} defined twice")
    reg.areas[area.area] = area.description
    seen = {e.id for _, e in reg.entries}
    for e in area.entries:
        if e.id in seen:
            raise InputError("--registry", f"{where}: duplicate entry id {e.id!r}")
        seen.add(e.id)
        reg.entries.append((area.area, e))
    reg.overlays += [(area.area, o) for o in area.overlays]
    return reg


def load_registry(path: str | Path | None = None) -> Registry:
    """The built-in registry (every ``data/validation/*.yaml``), or one given by ``--registry FILE`` (a YAML
    area file, or a directory of them).

    The built-in one is parsed once per process (:func:`_builtin_pickle`); every call returns its own copy, so a
    caller that edits the registry it got cannot change what the next caller sees. A user file is read each time.
    """
    if path is None:
        return pickle.loads(_builtin_pickle())
    from ..yamlio import read_yaml
    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise InputError("--registry", f"{path}: no *.yaml area files")
    reg = Registry(source=str(path))
    for f in files:
        _add_area(read_yaml(f, "--registry"), str(f), reg)
    if not reg.entries:
        raise InputError("--registry", f"{path}: no entries")
    return reg


@lru_cache(maxsize=1)
def _builtin_pickle() -> bytes:
    """The built-in registry parsed once, kept pickled: unpickling a private copy takes ~1-6 ms where parsing and
    validating the area files again takes ~20-40 ms and a deep copy ~50 ms (CPU, measured with 122 entries)."""
    root = resources.files("kaonportal").joinpath(_DATA_DIR)
    reg = Registry(source="built-in (kaonportal/data/validation)")
    from ..yamlio import read_yaml
    for p in sorted((q for q in root.iterdir() if q.name.endswith(".yaml")), key=lambda q: q.name):
        where = f"kaonportal/data/validation/{p.name}"
        _add_area(read_yaml(p, "--registry", where=where), where, reg)
    return pickle.dumps(reg, protocol=pickle.HIGHEST_PROTOCOL)
