"""Reading DATASETS.yaml for ``kaonportal stats``: schema-checked with pydantic.

File format (a list under ``datasets``, or a bare list)::

    datasets:
      - name: "2017"
        observed: 2
        background: 1.5
        background_error: 0.28        # or background_error_low / background_error_high
        ses: 3.89e-11
        ses_error: 0.24e-11           # optional
        background_model: gaussian    # optional: auto, gaussian, lognormal, asymmetric

Any problem raises :class:`~kaonportal.errors.InputError` naming the field as ``datasets[i].field``.
"""

from __future__ import annotations

__all__ = ["DatasetSpec", "load_datasets", "parse_datasets"]

import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, StrictBool, ValidationError, field_validator

from ..errors import InputError
from ..yamlio import read_yaml
from .model import Dataset, validate_datasets


class DatasetSpec(BaseModel):
    """Schema of one dataset entry (units: events; SES dimensionless)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    observed: int | float | StrictBool
    background: float
    ses: float
    background_error: float = 0.0
    background_error_low: float | None = None
    background_error_high: float | None = None
    ses_error: float = 0.0
    background_model: Literal["auto", "gaussian", "lognormal", "asymmetric"] = "auto"

    @field_validator("observed")
    @classmethod
    def _integer_count(cls, v):
        if isinstance(v, bool) or not math.isfinite(float(v)) or float(v) < 0 or float(v) != int(float(v)):
            raise ValueError(f"must be a non-negative integer, got {v!r}")
        return int(v)


def _loc(loc) -> str:
    return ".".join(str(x) for x in loc if not isinstance(x, str) or x not in ("int", "float", "bool"))


def parse_datasets(raw) -> list[Dataset]:
    """Validate parsed YAML (dict with ``datasets`` or a list) into :class:`Dataset` objects.

    >>> parse_datasets({"datasets": [{"name": "a", "observed": 1, "background": 0.1, "ses": 0}]})
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: datasets[0].ses: must be > 0, got 0 (dataset 'a')
    >>> parse_datasets({"datasets": [{"name": "a", "observed": 1.5, "background": 0.1, "ses": 1e-10}]})
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: datasets[0].observed: must be a non-negative integer, got 1.5 (dataset 'a')
    """
    if isinstance(raw, dict):
        if "datasets" not in raw:
            raise InputError("datasets", "missing top-level key 'datasets' (a list of datasets)")
        raw = raw["datasets"]
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise InputError("datasets", f"must be a list of datasets, got {type(raw).__name__}")
    if not raw:
        raise InputError("datasets", "the dataset list is empty; give at least one dataset")
    out = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise InputError(f"datasets[{i}]", f"must be a mapping of fields, got {entry!r}")
        name = entry.get("name", f"#{i}")
        try:
            spec = DatasetSpec(**entry)
        except ValidationError as exc:
            e = exc.errors()[0]
            field = _loc(e.get("loc", ())) or "?"
            msg = e.get("msg", "invalid").removeprefix("Value error, ")
            raise InputError(f"datasets[{i}].{field}", f"{msg}, got {e.get('input')!r} (dataset {name!r})") \
                if "got" not in msg else InputError(f"datasets[{i}].{field}", f"{msg} (dataset {name!r})") from None
        try:
            out.append(Dataset(**spec.model_dump()))
        except InputError as exc:
            field = exc.field.rsplit(".", 1)[-1]
            raise InputError(f"datasets[{i}].{field}", exc.message) from None
    return validate_datasets(out)


def load_datasets(path: str | Path) -> list[Dataset]:
    """Read and validate a DATASETS.yaml file."""
    return parse_datasets(read_yaml(path, "DATASETS", mapping=False))
