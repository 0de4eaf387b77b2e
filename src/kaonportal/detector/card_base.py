"""Field helper and base model of the detector-card models (:mod:`.card`, :mod:`.card_geometry`,
:mod:`.card_pileup`)."""

from __future__ import annotations

__all__ = ["_f", "_Model"]

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def _f(*, ge: float | None = None, le: float | None = None, gt: float | None = None,
       lt: float | None = None, unit: str = "", doc: str = "", default: Any = ...) -> Any:
    """A numeric field with its allowed range and unit: required, or optional with ``default`` (fields later
    cards added, so older card files stay valid). ``unit`` is in the JSON schema (error messages name it)."""
    return Field(default, ge=ge, le=le, gt=gt, lt=lt, description=doc or None, json_schema_extra={"unit": unit})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)
