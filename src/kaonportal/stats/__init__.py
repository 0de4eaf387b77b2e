"""Statistics for counting experiments and peak searches (independent of the simulation).

Model specification (:class:`Dataset`, :mod:`~kaonportal.stats.model`: observed events, background with a
Gaussian / log-normal / asymmetric uncertainty, single event sensitivity with an uncertainty; one shared
branching ratio) is separate from inference:

* :func:`measure` -- maximum-likelihood BR, 68% profile-likelihood interval (asymmetric errors),
  significance (asymptotic and discrete);
* :func:`upper_limit` -- CLs (exact discrete with averaged nuisances, asymptotic q~_mu as in pyhf, or toys)
  and Feldman-Cousins, with the expected limit and +-1/+-2 sigma bands;
* :func:`poisson_upper_limit` -- the same for a known background, in signal events;
* :func:`peak_scan` -- observed/expected limits, local p-values and the global significance over many
  mass hypotheses, vectorised and spread over all cores.

>>> from kaonportal.stats import Dataset, upper_limit
>>> round(upper_limit([Dataset("x", observed=0, background=0.0, ses=1.0)], cl=0.9).upper_limit, 3)
2.303
"""

from .limits import Limit, cls_value, poisson_upper_limit, upper_limit
from .measure import Measurement, measure
from .model import Dataset, validate_datasets
from .scan import ScanError, ScanResult, peak_scan

__all__ = ["Dataset", "Measurement", "Limit", "measure", "upper_limit", "poisson_upper_limit", "cls_value",
           "validate_datasets", "peak_scan", "ScanResult", "ScanError"]
