"""Named event selections (YAML) and the weighted cut-flow engine.

>>> from kaonportal.selection import load_selection, cut_flow, demo_events
>>> cf = cut_flow(load_selection("pnn-2017"), demo_events(1000, seed=1))
>>> len(cf.rows)
13
"""

from .cutflow import (CutFlow, CutFlowRow, column, cut_flow, cut_weights, demo_events, event_base_weight, float_column,
                      region_mask, signal_region_mask)
from .definition import Cut, Region, Selection, list_selections, load_selection

__all__ = ["Cut", "Region", "Selection", "list_selections", "load_selection", "CutFlow", "CutFlowRow",
           "cut_flow", "cut_weights", "region_mask", "signal_region_mask", "column", "float_column", "event_base_weight", "demo_events"]
