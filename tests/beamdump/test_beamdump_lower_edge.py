"""The lower-edge diagnosis stated on every dark-photon dilepton result (kaonportal.beamdump docs, issue 14):
which production mechanism carries the excess over NA62's published 2021 edge, and how much of it the measured
p-Cu forward suppression (a_scaling="alpha", kaonportal.beamdump.nuclear) removes.

What is pinned here is kaonportal's side of the statement: at 0.3 GeV the mu mu lower edge from bremsstrahlung
alone is 4.4e-7 (the published contour, shipped since as data/beamdump/published/ and compared edge by edge in
test_beamdump_validation.py, has 4.04e-7 there); the meson decays move it down to ~0.74 of that with the default
A^alpha(x_F, p_T) scaling, to ~0.65 with pp multiplicities.
"""

import numpy as np
import pytest

from kaonportal.beamdump import expected_events
from kaonportal.stats import poisson_upper_limit

POT = 1.4e17
EPS = np.geomspace(1e-7, 2e-6, 40)


def _lower_edge(grid, ul):
    """Smallest excluded coupling (log interpolation of N/UL = 1) in the single mass column of ``grid``."""
    r = np.log(np.maximum(grid.events(POT)[0], 1e-300) / ul)
    k = int(np.argmax(r > 0))
    assert 0 < k and r[k] > 0, "no lower edge inside the coupling scan"
    lg = np.log10(EPS)
    return 10 ** (lg[k - 1] - r[k - 1] * (lg[k] - lg[k - 1]) / (r[k] - r[k - 1]))


@pytest.fixture(scope="module")
def edges():
    ul = {"mumu": poisson_upper_limit(1, 0.016, cl=0.9, method="cls"),      # published 2021 counts
          "ee": poisson_upper_limit(0, 0.0094, cl=0.9, method="cls")}
    runs = {"brems": (["brems"], "alpha"), "all": (["meson", "brems", "primakoff"], "alpha"),
            "all_pp": (["meson", "brems", "primakoff"], "pp")}
    out = {}
    for ch in ("mumu", "ee"):
        for label, (mechs, a) in runs.items():
            g = expected_events("dark-photon", [0.3], EPS, [ch], n_per_mass=4000, seed=5, mechanisms=mechs,
                                a_scaling=a)
            out[ch, label] = _lower_edge(g, ul[ch])
    return out


def test_bremsstrahlung_alone_gives_the_stated_mumu_edge(edges):
    # stated: 4.4e-7 at 0.3 GeV (4000 events, seed 5, as here); seeds 1-11 spread the edge by +-1.2 % (review):
    # 3 % covers the two-digit rounding of the statement and that spread
    assert edges["mumu", "brems"] == pytest.approx(4.4e-7, rel=0.03)


def test_meson_decays_carry_the_excess(edges):
    # with meson decays the edge drops to ~0.74 (mumu) / ~0.78 (ee) of the bremsstrahlung-only one with the
    # default scaling (measured 0.74, 0.78 at 4000 events; the MC spread of an edge is ~1-2 %): still an excess
    for ch in ("mumu", "ee"):
        assert edges[ch, "all"] / edges[ch, "brems"] < 0.85, ch


def test_forward_nuclear_suppression_raises_the_edge(edges):
    # f_A ~ 0.53 for the accepted eta (x_F ~ 0.2-0.6) roughly halves the meson-decay events; with N ~ eps^4 at the
    # lower edge and mesons ~60-75 % of the events there, the edge rises by (1/(1 - 0.47 x 0.7))^(1/4) ~ 1.1:
    # measured 1.10-1.15 (seed 5). Must be a clear rise, and cannot exceed the bremsstrahlung-only edge.
    for ch in ("mumu", "ee"):
        assert 1.06 < edges[ch, "all"] / edges[ch, "all_pp"] < 1.25, ch
        assert edges[ch, "all"] < edges[ch, "brems"], ch


def test_ee_bremsstrahlung_edge_is_below_the_mumu_one(edges):
    # the lower ee upper limit (0 observed) makes the ee edge lower than the mu mu one for the same production;
    # NA62's published ee edge is above its mu mu one, hence the ee-specific efficiency stated as missing
    assert edges["ee", "brems"] < edges["mumu", "brems"]
