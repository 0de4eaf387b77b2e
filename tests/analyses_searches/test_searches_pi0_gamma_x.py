"""pi0 -> gamma A' (invisible) scan and pi0 -> gamma nu nubar count on tagged pi0: injection, shapes, bad input."""

import numpy as np
import pytest

from kaonportal.analyses.searches.pi0_gamma_x import Pi0GammaXConfig, pi0_gamma_x_scan, pi0_gamma_x_section, \
    reconstruct_pi0_gamma
from kaonportal.errors import InputError

MASSES = [0.050, 0.055, 0.060, 0.065, 0.070, 0.075]
BASE = dict(masses=MASSES, n_signal=2000, n_background=40_000, n_signal_masses=3)


def test_missing_mass_shapes():
    tw, m2, w = reconstruct_pi0_gamma("gamma A'", 3000, 3, "na62-2022", mass=0.1)
    sel = w > 0
    # ~2000 events, sigma(m_miss^2) ~ 8e-4 GeV^2: the median is within ~3e-5 of m_A'^2 = 0.01 GeV^2
    assert 0.3 < w.sum() / tw <= 1.0 and abs(np.median(m2[sel]) - 0.01) < 2e-4
    assert np.all(np.isnan(m2[~sel]))
    tw, m2, w = reconstruct_pi0_gamma("gamma gamma", 10_000, 3, "na62-2022")
    # one photon lost: the missing particle is massless, m_miss^2 peaks at 0 (within the ~6e-4 GeV^2 resolution);
    # the weights are probabilities (photon-veto inefficiencies), so at most one per tagged event
    sel = w > 0
    assert abs(np.average(m2[sel], weights=w[sel])) < 2e-4 and 0 < w.sum() / tw < 1.0


def test_injected_aprime_found():
    nominal = pi0_gamma_x_scan(Pi0GammaXConfig(**BASE), "na62-2022", seed=5)
    r = pi0_gamma_x_scan(Pi0GammaXConfig(**BASE, inject=[0.065, 30.0]), "na62-2022", seed=5)
    sc, i = r["scan"], MASSES.index(0.065)
    b = r["background"][i]
    # ~26 of the 30 injected events fall in the +-1.5 sigma window over b ~ 2.5 +- 1.1 (the gamma gamma peak at
    # m^2 = 0 is ~6 sigma(m^2) away): a > 5 sigma local excess, while the nominal pseudo-data stay below 3 sigma
    # at every mass (fixed seed; one-sided local false-alarm rate ~0.1 % per mass). Above 0.065 GeV the
    # simulated background is ~0, so the injected tail there is also significant: no argmax test.
    assert b < 10.0
    assert sc.local_significance[i] > 5.0 and np.all(sc.local_significance[:i] < 3.0)
    assert np.all(nominal["scan"].local_significance < 3.0)
    assert sc.observed_limit[i] > nominal["scan"].expected["plus2"][i]


def test_section_writes_curves(tmp_path):
    r = pi0_gamma_x_section(tmp_path, seed=1, quick=True)
    for name in ("aprime", "nunu"):
        assert (tmp_path / "curves" / f"pi0_gamma_x_{name}.csv").read_text().startswith("# what:")
    assert (tmp_path / "plots" / "pi0_gamma_x_aprime_eps2.png").is_file()
    nn = r["gamma_nu_nubar"]
    # NA62 (4.12e8 tagged pi0, S003): BR(pi0 -> gamma nu nubar) < 1.9e-7. Our simplified reconstruction has only
    # Gaussian resolution tails (no pi0 Dalitz / radiative / mis-reconstruction background) and flat phase
    # space: we claim agreement within a factor 20 only (found ~0.12 of the published limit)
    assert 0.05 < nn["ratio_expected_to_published"] < 20.0
    # the A' limit improves away from the gamma gamma peak at m_miss^2 = 0 (as NA62 found at 60-110 MeV)
    assert r["eps2_ul_expected_median_range"][0] < 1e-3 * r["eps2_ul_expected_median_range"][1]


def test_bad_input():
    with pytest.raises(InputError, match="x_decay"):
        reconstruct_pi0_gamma("e+ e-", 100, 1, "na62-2022")
    with pytest.raises(InputError, match=r"masses\[0\]"):
        pi0_gamma_x_scan(Pi0GammaXConfig(**{**BASE, "masses": [0.2]}), "na62-2022", seed=1)
    with pytest.raises(InputError, match="inject"):
        pi0_gamma_x_scan(Pi0GammaXConfig(**BASE, inject=[0.065]), "na62-2022", seed=1)
    with pytest.raises(InputError, match="n_signal"):
        pi0_gamma_x_section("/nonexistent-dir", config={"n_signal": 10})
