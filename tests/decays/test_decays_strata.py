"""Stratified accept-reject proposals (decays/strata.py): the alias table draws the cells with their probabilities
(chi2, fixed seeds, p-value > 1e-3: a deterministic outcome). The Ke4 generator that uses them is tested in
test_decays_ke4_kernel.py."""

import numpy as np
from scipy import stats

from kaonportal.decays.strata import Strata, alias_table


def test_alias_table_draws_the_probabilities():
    p = np.random.default_rng(1).random(50) ** 3
    p /= p.sum()
    prob, alias = alias_table(p)
    s = Strata(1, np.ones(50), prob, alias)       # nb = 1 is enough to draw cells
    cell, _ = s.draw(np.random.default_rng(2), 400_000)
    k = np.bincount(cell, minlength=50)
    assert stats.chisquare(k, 400_000 * p).pvalue > 1e-3
