"""Background budget of K+ -> pi+ nu nubar: weighted simulation, data-driven method, upstream model.

Two estimates per kaon-decay source, as NA62 does (S003 = Excited QCD 2020 proceedings):

* **simulation**: N = N_K,eff * BR * A(R1 u R2), with A the weighted acceptance per fiducial decay
  after the full selection (:mod:`.estimate`);
* **data-driven**: N = N(region) * f_kin, the fully selected sample in the source's own m2miss region
  times the tail fraction of a control sample selected without the suppressing cut (:mod:`.data_driven`).

Modules, by physics concern:

* :mod:`.estimate` -- :func:`source_estimate` and :class:`SourceEstimate` (both estimates of one source),
* :mod:`.data_driven` -- the data-driven method,
* :mod:`.escapes` -- events whose particles all escape the vetoes, escape diagnostics, ``reliability``,
* :mod:`.calibration` -- the calibrated parameters (:class:`Calibration`) and the event reweighting,
* :mod:`.upstream_physics` -- the upstream background from its mechanisms (the default),
  :mod:`.upstream_check` -- its calibration on 2017 and the 2018 / 2021-22 checks,
* :mod:`.upstream` -- the one-parameter upstream scale model (``pnn.upstream_model: scale``),
* :mod:`.variance` -- forced in-flight decays and veto averaging of the budget's samples (unbiased).

Every name is importable from this package (``from kaonportal.analyses.pnn_budget import X``).

>>> cal = Calibration()
>>> cal.scale("photon_veto")
(1.0, 0.0)
>>> round(upstream_estimate(cal.model_copy(update={"upstream_probability": 1e-12}), 1.5e12, 600.0)[0], 2)
2.0
"""

from __future__ import annotations

__all__ = ["RATE_REF_MHZ", "Calibration", "load_calibration", "SourceEstimate", "reweighted_columns", "veto_parameter",
           "source_estimate", "upstream_estimate", "scale_kind", "PARAMETERS", "TRACK_PARAMETERS", "FORCED_DECAYS",
           "forced_sample_size", "scalable_veto", "VETO_AVERAGE", "sample_options", "escape_part", "sample_pieces",
           "escape_diagnostics", "SourceAccumulator", "undecayed_multiplier", "forced_multiplier"]

from .calibration import (PARAMETERS, TRACK_PARAMETERS, Calibration, load_calibration, reweighted_columns, scale_kind,
                          veto_parameter)
from .escapes import escape_diagnostics, escape_part, scalable_veto
from .estimate import SourceAccumulator, SourceEstimate, source_estimate
from .upstream import RATE_REF_MHZ, upstream_estimate
from .variance import (FORCED_DECAYS, VETO_AVERAGE, forced_multiplier, forced_sample_size, sample_options, sample_pieces,
                       undecayed_multiplier)
