"""Reading DATASETS.yaml for ``kaonportal stats``: keys checked here, values by :class:`Dataset`.

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

__all__ = ["load_datasets", "parse_datasets"]

import dataclasses
import math
from pathlib import Path

from ..errors import InputError
from ..yamlio import read_yaml
from .model import Dataset, validate_datasets


_FIELDS = tuple(f.name for f in dataclasses.fields(Dataset))

#: Sanity bounds of a dataset read from a user's file (issue 12 item 15); :class:`Dataset` itself stays generic
#: (the engine is also used with SES = 1, i.e. limits in signal events). Counts: the largest signal region of an
#: NA62 counting search holds ~50 events (K+ -> pi+ nu nubar 2016-22, SES ~1e-11), so 1e9 events is no counting
#: experiment and Poisson terms near 1e30 have lost all precision. SES: a branching ratio per signal event,
#: at most 1 (above, less than one event even at BR = 1: no sensitivity) and at least 1e-20 (1e9 times NA62's;
#: 1e-320 is a denormal whose inverse overflows).
MAX_EVENTS = 1e9
SES_RANGE = (1e-20, 1.0)


def _check_bounds(i: int, ds: Dataset) -> None:
    tag = f" (dataset {ds.name!r})"
    for key in ("observed", "background", "background_error", "background_error_low", "background_error_high"):
        v = getattr(ds, key)
        if v is not None and float(v) > MAX_EVENTS:
            raise InputError(f"datasets[{i}].{key}", f"must be at most {MAX_EVENTS:g} events (a counting "
                                                     f"experiment), got {float(v):g}{tag}")
    ses, err = float(ds.ses), float(ds.ses_error)
    if not SES_RANGE[0] <= ses <= SES_RANGE[1]:
        raise InputError(f"datasets[{i}].ses", f"must be a branching ratio per signal event in "
                                               f"[{SES_RANGE[0]:g}, {SES_RANGE[1]:g}], got {ses:g}{tag}")
    if err > ses:
        # a relative SES uncertainty above 100% (the signal efficiency compatible with zero at 1 sigma) is
        # almost always a relative error given where the absolute one is expected
        raise InputError(f"datasets[{i}].ses_error", f"must not exceed ses ({ses:g}), got {err:g}: ses_error is "
                                                     f"absolute, in the units of ses{tag}")
_REQUIRED = ("name", "observed", "background", "ses")


def _as_number(value):
    """YAML 1.1 reads ``1e-10`` (no dot) as a string: accept numeric strings as numbers."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _dataset_fields(i: int, entry: dict) -> dict:
    """Check the keys of entry ``i`` (unknown / missing ones name the field) and normalise its values;
    the values themselves are validated by :class:`Dataset`."""
    for key in entry:
        if key not in _FIELDS:
            raise InputError(f"datasets[{i}].{key}", f"unknown field; allowed: {', '.join(_FIELDS)}")
    for key in _REQUIRED:
        if key not in entry:
            raise InputError(f"datasets[{i}].{key}", "missing field")
    fields = {k: (v if k in ("name", "background_model") else _as_number(v)) for k, v in entry.items()}
    fields["name"] = str(fields["name"])
    n = fields["observed"]
    if isinstance(n, float) and math.isfinite(n) and n.is_integer():
        fields["observed"] = int(n)
    return fields


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
        try:
            out.append(Dataset(**_dataset_fields(i, entry)))
            _check_bounds(i, out[-1])
        except InputError as exc:
            if exc.field.startswith("datasets["):
                raise
            field = exc.field.rsplit(".", 1)[-1]
            raise InputError(f"datasets[{i}].{field}", exc.message) from None
    return validate_datasets(out)


def load_datasets(path: str | Path) -> list[Dataset]:
    """Read and validate a DATASETS.yaml file."""
    return parse_datasets(read_yaml(path, "DATASETS", mapping=False))
