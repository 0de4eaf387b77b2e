"""Comparison with the published NA62 2021 dark-photon dump results: the abstracts' statements, and the edges of the
shipped (digitised) mu mu contour.

Published (shared/reference/published_results.md A7, na62_parameters.md section 6; S004):
* A' -> mu mu, 1.4e17 POT, 1 event observed over 0.016 background: "the excluded region improves on previous
  limits in the mass range 200-500 MeV/c^2 for mixing parameters of O(10^-6)" (S004), "215 < m < 550 MeV/c^2"
  (JHEP 09 (2023) 035 abstract).
* ee + mumu combined: improvement for 50 < m < 600 MeV/c^2 and epsilon between 1e-6 and 4e-5 (PRL 133 (2024)
  111802 abstract).
For the abstracts the tests check the statements: cells inside the quoted ranges at epsilon = 1e-6 are excluded,
and the region closes at very large and very small couplings. Of the contours only the mu mu one ships as numbers
(digitised by the FORESEE authors, data/beamdump/published/): its edges are the registry's edge entries.
Margins: at the chosen cells the expected signal is >= 1.5x the limit (1.25x at 0.50 GeV, near the tip of the
contour), the MC error (n_per_mass = 3000) < 10% there.
"""

import numpy as np
import pytest

from kaonportal import references
from kaonportal.beamdump import exclusion, expected_events
from kaonportal.beamdump.edges import band_edges
from kaonportal.beamdump.published_contours import (PUBLISHED_CONTOURS, band_edge_block, contour_edges,
                                                    load_contour, published_band_edges)
from kaonportal.beamdump.yields import YieldGrid
from kaonportal.stats import poisson_upper_limit
from kaonportal.validation.evaluate import beamdump_validation
from kaonportal.validation.registry import load_registry


@pytest.fixture(scope="module")
def mumu():
    # 0.50 GeV, not 0.53: with the point-like bremsstrahlung of the published 2021 analysis (no time-like form
    # factor, see kaonportal.beamdump.brems) the tip of the mu mu contour is at ~0.51 GeV (published ~0.54)
    return expected_events("dark-photon", [0.25, 0.35, 0.45, 0.50], [1e-8, 7e-7, 1e-4], ["mumu"],
                           n_per_mass=3000, seed=21)


def test_mumu_2021_excludes_order_1e6_between_215_and_550_mev(mumu):
    ex = exclusion(mumu, 1.4e17, observed=1, background=0.016)
    assert ex.signal_limit == pytest.approx(3.87, abs=0.02)
    assert np.all(ex.excluded[:, 1])             # epsilon = 7e-7 excluded at all four masses
    assert not ex.excluded[:, 0].any()           # too few decays at 1e-8
    assert not ex.excluded[:, 2].any()           # decays inside the dump at 1e-4


def test_combined_ll_excludes_up_to_1e5_at_low_mass():
    g = expected_events("dark-photon", [0.06, 0.1], [1e-6, 1e-5, 1e-3], ["ee", "mumu"], n_per_mass=3000, seed=22)
    ex = exclusion(g, 1.4e17, observed=1, background=0.016 + 0.0094)
    assert np.all(ex.excluded[:, :2]) and not ex.excluded[:, 2].any()


# --- the shipped published mu mu contour and the edge entries (issue 14, "How it will be checked") ------------------
MUMU = PUBLISHED_CONTOURS[("dark-photon", ("mumu",))][0]


def test_shipped_contour_states_its_provenance():
    c = load_contour(MUMU)
    head = "\n".join(c.header)
    for what in ("[NA62:2023dpmumu]", "JHEP 09 (2023) 035", "DIGITISED", "FORESEE", "commit", "90% CL", "GeV",
                 "epsilon (kinetic mixing, not epsilon^2)", "NOT HEPData"):
        assert what in head, what
    assert references.check_keys(head) == []
    assert list(c.columns) == ["m_Aprime_GeV", "epsilon"] and c.mass_gev.size == 73
    # the published mu mu region: 215-550 MeV/c^2 (abstract), epsilon of order 1e-7 .. 1e-5
    assert 0.21 < c.mass_gev.min() < 0.216 and 0.53 < c.mass_gev.max() < 0.55
    assert 1e-7 < c.limit.min() and c.limit.max() < 1e-5


def test_polygon_edges_are_the_outermost_crossings():
    # a log-square 0.2-0.4 GeV x 1e-7-1e-6 with a notch into the lower side at 0.3 GeV
    m = np.array([0.2, 0.4, 0.4, 0.32, 0.3, 0.28, 0.2])
    e = np.array([1e-6, 1e-6, 1e-7, 1e-7, 3e-7, 1e-7, 1e-7])
    assert contour_edges(m, e, 0.25) == pytest.approx((1e-7, 1e-6))
    assert contour_edges(m, e, 0.3) == pytest.approx((3e-7, 1e-6))      # in the notch: its bottom, not below
    assert contour_edges(m, e, 0.5) is None


@pytest.mark.parametrize("entry", [e for a, e in load_registry().entries if e.id.startswith("bd-aprime-mumu-")],
                         ids=lambda e: e.id)
def test_registry_edge_values_are_read_off_the_shipped_contour(entry):
    # the registry stores the published number it compares with (3 digits): re-read it from the shipped contour
    pub = published_band_edges(MUMU)
    key = entry.kaonportal.key
    if key.endswith("mass_reach_gev"):
        value = pub["mass_reach_gev"]
    else:
        m = float(key.split("mass_gev=")[1].split("]")[0])
        value = next(a for a in pub["at"] if a["mass_gev"] == m)[key.rsplit(".", 1)[1]]
    assert entry.published.value == pytest.approx(value, rel=5e-3)
    assert entry.citation_key == "NA62:2023dpmumu" and key.startswith("band_edges.mumu.")


def _two_channel_grid(scale_mumu=1.0):
    masses = np.geomspace(0.2, 0.6, 30)
    couplings = np.geomspace(1e-8, 1e-4, 120)
    m, e = masses[:, None], couplings[None, :]
    band = 1e30 * np.clip(1 - m / 0.55, 0, None) ** 2 * e ** 4 * np.exp(-(e / (1e-6 * 0.3 / m)) ** 2) / 1.4e17
    by_ch = {"mumu": scale_mumu * band, "ee": 0.5 * band}
    per_pot = by_ch["mumu"] + by_ch["ee"]
    return YieldGrid("dark-photon", "epsilon", masses, couplings, per_pot, np.zeros_like(per_pot), by_ch,
                     channels=("ee", "mumu"))


def test_band_edge_block_compares_the_channel_alone_with_the_published_contour():
    g = _two_channel_grid()
    ex = exclusion(g, 1.4e17, observed=1, background=0.0254, bands=False)
    block = band_edge_block(g, ex, {"ee": (0, 0.0094), "mumu": (1, 0.016)})
    ul = poisson_upper_limit(1, 0.016, cl=0.9, method="cls")
    own = band_edges(g.masses, g.couplings, g.by_channel["mumu"] * 1.4e17 / ul, 0.3)
    assert block["mumu"]["at"][1] == own and block["mumu"]["observed"] == 1
    assert block["combined"]["at"][1]["lower"] < own["lower"]          # both channels: more events, lower edge
    (cmp,) = block["published_comparison"]
    pub = published_band_edges(MUMU)
    assert cmp["contour"] == MUMU and cmp["channel"] == "mumu"
    assert cmp["at"][1]["lower_ratio"] == pytest.approx(own["lower"] / pub["at"][1]["lower"])
    assert cmp["statement"].startswith("mumu vs NA62 published contour: lower edge")
    # the counting difference (NA62's one event counted only near 411 MeV) travels with the comparison
    assert "411 MeV" in cmp["note"] and cmp["note"] in cmp["statement"]
    assert band_edge_block(g, ex, None)["published_comparison"] == []   # not the published counts: no ratio


def test_edge_entries_flag_a_lower_edge_off_by_a_factor_two():
    pub = published_band_edges(MUMU)
    block = {"mumu": {"at": [dict(a) for a in pub["at"]], "mass_reach_gev": pub["mass_reach_gev"]}}
    s = {"status": "done", "model": "dark-photon", "channels": ["ee", "mumu"], "band_edges": block,
         "inputs": {"observed_background_source": "NA62 2021 dump data", "published_counts": True, "cl": 0.9}}
    st = {e["id"]: e["status"] for e in beamdump_validation(s)["entries"]}
    assert all(st[k] == "agree" for k in st if k.startswith("bd-aprime-mumu-"))
    for a in block["mumu"]["at"]:
        a["lower"] *= 0.5               # 16x the published yield at the edge: twice outside x/1.22
    st = {e["id"]: e["status"] for e in beamdump_validation(s)["entries"]}
    assert all(st[k] == "disagree" for k in st if k.startswith("bd-aprime-mumu-lower"))
    assert all(st[k] == "agree" for k in st if k.startswith("bd-aprime-mumu-upper"))
