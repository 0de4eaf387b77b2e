"""The ``kaonportal`` command line (:mod:`kaonportal.cli.main`)."""

import os

# Set before numpy is imported, for the command's process only (a user's own Python session is left alone):
# numpy's huge-page hint on large temporaries made the kernel zero and fault whole 2 MB pages for the per-block
# scratch arrays; off, the pnn section's system CPU fell from 11.2 to 7.2 s in a measured run (issue 17), and
# `run --quick` from 2.7-3.0 to 1.9-2.3 s. It changes only how memory is paged, never a number.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
