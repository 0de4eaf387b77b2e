"""Statistics for counting experiments and peak searches (independent of the simulation).

Model specification (:class:`Dataset`, :mod:`~kaonportal.stats.model`) is separate from inference:
:func:`measure` (BR, asymmetric errors, significance), :func:`upper_limit` (CLs exact / asymptotic / toys,
Feldman-Cousins; expected bands), :func:`poisson_upper_limit` (known background, signal events) and
:func:`peak_scan` (limits, local p-values and global significance over many mass hypotheses).

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
