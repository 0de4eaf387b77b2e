"""Visible X (K+ -> pi+ X, X -> gamma gamma / mu+ mu-) peak scans: injection, comparison, bad input."""

import numpy as np
import pytest

from kaonportal.analyses.searches.visible_x import VisibleXConfig, reconstruct_pairs, visible_x_scan, visible_x_section
from kaonportal.errors import InputError

MASSES = [0.22, 0.23, 0.24, 0.25, 0.26, 0.27, 0.28, 0.29, 0.30, 0.31, 0.32]
BASE = dict(masses=MASSES, n_signal=3000, n_background=30_000, n_signal_masses=3)


def test_pair_mass_peaks_at_the_true_mass():
    for x_decay, tol in (("gamma gamma", 0.002), ("mu+ mu-", 0.0005)):
        m, w = reconstruct_pairs("K+ -> pi+ X", 4000, 2, "na62-2022", mass=0.27, x_decay=x_decay)
        ok = np.isfinite(m)
        # the median of a Gaussian-like peak of sigma ~ 3 MeV (gg) / ~ 1 MeV (mumu) from ~1500 events
        # is within ~0.1 MeV of the truth; the tolerance also covers small resolution-tail asymmetries
        assert 0.1 < ok.mean() < 0.9 and abs(np.median(m[ok]) - 0.27) < tol
        assert np.all(w > 0)


@pytest.mark.parametrize("channel,n_inj", [("gg", 150.0), ("mumu", 300.0)])
def test_injected_signal_found(channel, n_inj):
    nominal = visible_x_scan(VisibleXConfig(**BASE, channels=[channel]), "na62-2022", seed=5)[channel]
    r = visible_x_scan(VisibleXConfig(**BASE, channels=[channel], inject={channel: [0.27, n_inj]}),
                       "na62-2022", seed=5)[channel]
    sc = r["scan"]
    i = int(np.argmax(sc.local_significance))
    assert r["masses_gev"][i] == pytest.approx(0.27)
    b = r["background"][i]
    # 87 % of the injected events fall in the +-1.5 sigma window over b ~ 310 (gg) / ~ 390 (mumu) background
    # events at 270 MeV: s / sqrt(b) ~ 7.4 (gg) / 13 (mumu); we require > 5 sigma (fixed seed; the nominal
    # pseudo-data stay below 3 sigma there, a ~0.3 % one-sided local false-alarm rate per mass)
    assert 0.87 * n_inj / np.sqrt(b) > 6.0
    assert sc.local_significance[i] > 5.0
    assert nominal["scan"].local_significance[i] < 3.0
    assert sc.observed_limit[i] > nominal["scan"].expected["plus2"][i]


def test_section_writes_curves_and_compares_to_published(tmp_path):
    r = visible_x_section(tmp_path, seed=1, quick=True, config=dict(n_signal=3000, n_background=30_000))
    for key in ("gg", "mumu"):
        assert (tmp_path / "curves" / f"visible_x_{key}_br.csv").read_text().startswith("# what:")
        assert (tmp_path / "plots" / f"visible_x_{key}_br.png").is_file()
        # Published prompt curves (ALPaca re-grid of NA62 2017-18): our expected limits use the published
        # normalisation-channel yield (A3) but a simplified reconstruction (m_gg sigma 2.5-5 MeV vs the
        # paper's 2.0 -> 0.2 MeV) and no dedicated selection: agreement within a factor 4 is what we claim.
        assert 0.25 < r[key]["median_ratio_expected_to_published"] < 4.0


def test_bad_input():
    with pytest.raises(InputError, match="channels"):
        visible_x_scan(VisibleXConfig(channels=["ee"]), "na62-2022", seed=1)
    with pytest.raises(InputError, match=r"masses\[0\]"):
        visible_x_scan(VisibleXConfig(**{**BASE, "masses": [0.10]}, channels=["gg"]), "na62-2022", seed=1)
    with pytest.raises(InputError, match="inject"):
        visible_x_scan(VisibleXConfig(**BASE, inject={"gg": [0.27]}), "na62-2022", seed=1)
    with pytest.raises(InputError, match="n_signal"):
        visible_x_section("/nonexistent-dir", config={"n_signal": 10})
