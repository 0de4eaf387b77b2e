"""Physics analyses and the sections of ``kaonportal run``.

K+ -> pi+ nu nubar:

* :mod:`.sm` -- SM prediction (Buras et al. JHEP 11 (2015) 033), tension, Grossman-Nir bound,
* :mod:`.config` -- run configuration (pydantic) and named datasets,
* :mod:`.samples` -- cached simulated samples,
* :mod:`.pnn_budget` -- background budget (simulation and data-driven), upstream model, calibration,
* :mod:`.pnn_calibration` -- fit of the budget parameters to a published budget,
* :mod:`.pnn` -- the section itself (``pnn_section``).

>>> from kaonportal.analyses.sm import sm_prediction
>>> round(sm_prediction().value * 1e11, 1)
8.4
"""

__all__: list[str] = []   # nothing re-exported: import the submodules named above
