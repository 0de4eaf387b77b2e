"""Stratified accept-reject proposals (decays/strata.py) and the radiative generators that use them: the accepted
events follow the density, whatever the cell majorants (chi2 against uniform proposals weighted by the density;
fixed seeds, p-value > 1e-3: a deterministic outcome)."""

import numpy as np
import pytest
from scipy import stats

from kaonportal.decays import radiative
from kaonportal.decays.strata import Strata, alias_table


def test_alias_table_draws_the_probabilities():
    p = np.random.default_rng(1).random(50) ** 3
    p /= p.sum()
    prob, alias = alias_table(p)
    s = Strata(1, np.ones(50), prob, alias)       # nb = 1 is enough to draw cells
    cell, _ = s.draw(np.random.default_rng(2), 400_000)
    k = np.bincount(cell, minlength=50)
    assert stats.chisquare(k, 400_000 * p).pvalue > 1e-3


@pytest.mark.parametrize("decay", ["K+ -> mu+ nu gamma", "K+ -> pi+ pi0 gamma"])
def test_radiative_events_follow_the_density(decay):
    """(x = ln E_gamma fraction, t = E_1 fraction) of 60 000 generated events against 600 000 uniform proposals
    weighted by the integrand: the density the single-majorant generator drew. 8 x 8 bins in (x, t)."""
    masses = radiative._KMU2G if decay == "K+ -> mu+ nu gamma" else radiative._KPI2G
    e_min, e_max = 0.010, radiative._egamma_max(masses)
    gen = radiative.kmu2g if decay == "K+ -> mu+ nu gamma" else radiative.kpi2g
    p4 = gen(60_000, np.random.default_rng(31)).products(decay).p4
    eg = p4[:, 2 if decay == "K+ -> mu+ nu gamma" else -1, 0]
    e1 = p4[:, 0, 0]
    lo, hi = radiative.first_energy_range(radiative._M_K, masses, eg)
    x = np.log(eg / e_min) / np.log(e_max / e_min)
    t = (e1 - lo) / (hi - lo)
    ref = np.random.default_rng(32).random((600_000, 2))
    w = radiative._integrand(decay, np.exp(np.log(e_min) + np.log(e_max / e_min) * ref[:, 0]), ref[:, 1])
    edges = np.linspace(0, 1, 9)
    k = np.histogram2d(x, t, [edges, edges])[0].ravel()
    mu = np.histogram2d(ref[:, 0], ref[:, 1], [edges, edges], weights=w)[0].ravel()
    var = np.histogram2d(ref[:, 0], ref[:, 1], [edges, edges], weights=w * w)[0].ravel()
    s = k.sum() / mu.sum()
    ok = mu > 0
    chi2 = np.sum((k[ok] - s * mu[ok]) ** 2 / (s * mu[ok] + s * s * var[ok]))
    assert stats.chi2.sf(chi2, ok.sum() - 1) > 1e-3, chi2


@pytest.mark.parametrize("decay", ["K+ -> mu+ nu gamma", "K+ -> pi+ pi0 gamma"])
def test_radiative_cell_majorants_hold(decay):
    """The integrand stays below each cell's majorant (1.2 x its grid maximum) with margin, and the stratified
    proposals keep about half of the draws (single majorant: ~17-21 %)."""
    st = radiative._strata(decay, 0.010)
    masses = radiative._KMU2G if decay == "K+ -> mu+ nu gamma" else radiative._KPI2G
    cell, r = st.draw(np.random.default_rng(33), 1_000_000)
    eg = np.exp(np.log(0.010) + np.log(radiative._egamma_max(masses) / 0.010) * r[:, 0])
    ratio = radiative._integrand(decay, eg, r[:, 1]) / st.cell_major[cell]
    assert ratio.max() < 0.9
    assert ratio.mean() > 0.45
