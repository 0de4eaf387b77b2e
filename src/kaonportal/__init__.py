"""kaonportal: fast simulation, statistics and portal-model interpretation for an NA62-like kaon experiment.

Pipeline (one subpackage per stage): ``beam -> decays -> detector -> reco -> selection ->
normalisation -> stats -> models -> analyses -> report``, with ``beamdump`` beside them.

Units everywhere: GeV, GeV/c, GeV/c^2, metres, nanoseconds (natural units inside formulas; each docstring says which).
"""

__all__ = ["__version__"]


def __getattr__(name: str):
    # the version is looked up on first use: importlib.metadata costs ~0.15 s of every command's start-up
    if name != "__version__":
        raise AttributeError(f"module 'kaonportal' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version
    try:
        v = version("kaonportal")
    except PackageNotFoundError:  # running from a source tree that was not installed
        v = "0.0.0+unknown"
    globals()["__version__"] = v
    return v
