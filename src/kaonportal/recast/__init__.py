"""``kaonportal recast``: a user's model (built-in, YAML table or ``module:Class``) against every NA62 search.

:mod:`.searches` (kaon-mode searches: their BR-limit curves and the production / final state each one
constrains), :mod:`.core` (grid, beam dump, union, statistical combination, projection), :mod:`.output` (CSV,
HEPData, plot, summary). Models: :mod:`kaonportal.models.tabulated`.

>>> from kaonportal.recast.searches import parse_search_list
>>> parse_search_list("kpix,dump")
['kpix', 'dump']
"""

from .core import RecastConfig, RecastResult, islands, run_recast
from .output import write_outputs
from .searches import KAON_SEARCHES, parse_search_list

__all__ = ["RecastConfig", "RecastResult", "run_recast", "write_outputs", "islands", "KAON_SEARCHES",
           "parse_search_list"]
