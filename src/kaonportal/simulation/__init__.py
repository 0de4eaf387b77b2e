"""Fast simulation: beam -> decay -> propagation -> response -> reconstruction -> columnar events.

Column contract: :mod:`kaonportal.simulation.schema`. Entry point: :func:`simulate`.
Multi-particle searches read the event record of reconstructed objects instead: :mod:`kaonportal.simulation.record`
(fields and units: :mod:`kaonportal.simulation.record_schema`).
"""

from .run import SimulationResult, read_events, simulate
from .schema import ACCEPTANCE_FLAGS, COLUMNS, arrow_schema

__all__ = ["simulate", "SimulationResult", "read_events", "COLUMNS", "ACCEPTANCE_FLAGS", "arrow_schema"]
