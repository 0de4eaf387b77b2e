"""Validation against published numbers: the reference registry (``kaonportal/data/validation/*.yaml``), the
status rule (:mod:`.rule`), kaonportal's value for each entry (:mod:`.resolve`), records and the honest flags of
``kaonportal run`` (:mod:`.evaluate`) and the outputs of ``kaonportal validate`` (:mod:`.report`).
"""

from __future__ import annotations

__all__ = ["load_registry", "Registry", "PROFILES", "classify", "evaluate", "annotate_summary", "RULE_TEXT"]

from .evaluate import annotate_summary, evaluate
from .registry import PROFILES, Registry, load_registry
from .rule import RULE_TEXT, classify
