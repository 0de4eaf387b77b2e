"""kaonportal: fast simulation, statistics and portal-model interpretation for an NA62-like kaon experiment.

Pipeline (one subpackage per stage): ``beam -> decays -> detector -> reco -> selection ->
normalisation -> stats -> models -> analyses -> report``, with ``beamdump`` beside them.

Units everywhere: GeV, GeV/c, GeV/c^2, metres, nanoseconds (see ``../shared/conventions.md``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kaonportal")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
