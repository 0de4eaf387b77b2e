"""An exclusion reaching the boundary of the (mass, coupling) grid is stated, not drawn as a closed contour
(issue 14 audit, item 6: BC4 with ee, mu mu, pi pi, K K reaches sin^2 theta = 0.01, the top of the grid); the edges
of the excluded band and its mass reach, compared with NA62's published contour (issue 14 "How it will be
checked")."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from kaonportal.beamdump.analysis import run_beamdump
from kaonportal.beamdump.edges import band_edges, band_mass_reach, edge_notes, grid_edge_contacts
from kaonportal.cli.main import app

M = np.geomspace(0.1, 1.0, 5)
G = np.geomspace(1e-8, 1e-2, 7)


def test_contacts_per_side():
    ex = np.zeros((5, 7), bool)
    assert grid_edge_contacts(ex, M, G) == {}
    ex[2:4, 2:5] = True                      # an island inside the grid: closed
    assert grid_edge_contacts(ex, M, G) == {}
    ex[1:3, 6] = True                        # excluded up to the largest coupling at the 2nd and 3rd masses
    ex[4, 3] = True                          # and at the largest mass
    assert grid_edge_contacts(ex, M, G) == {"coupling_high": [M[1], M[2]], "mass_high": [G[3], G[3]]}


def test_notes_say_what_to_extend_and_respect_the_models_range():
    contacts = {"coupling_high": [M[1], M[2]], "mass_high": [G[3], G[3]]}
    free, at_limit = edge_notes("observed", contacts, M, G, "epsilon", (0.01, 2.0))
    assert "top of the coupling grid" in free and "extend --coupling-range" in free
    assert "extend --mass-range" in at_limit
    # the grid's last mass at the model's validity limit: nothing to extend, said so
    assert "validity limit" in edge_notes("observed", {"mass_high": [1e-6, 1e-5]}, M, G, "g", (0.01, 1.0))[0]


def test_bc4_open_contour_is_stated_in_json_and_printed(tmp_path):
    res = run_beamdump("dark-scalar", ["ee", "mumu", "pipi", "KK"], 1.4e17, (5, 6), n_per_mass=100,
                       mass_range=(0.02, 1.5), seed=3)
    edges = res.summary()["contour_open_at_grid_edge"]
    assert "coupling_high" in edges["observed"]
    assert any("extend --coupling-range" in n for n in edges["notes"])
    # the flagged cells are the excluded cells of the top row, nothing else
    top = res.observed.excluded[:, -1]
    assert edges["observed"]["coupling_high"] == [res.grid.masses[top].min(), res.grid.masses[top].max()]
    out = tmp_path / "bc4"
    cli = CliRunner().invoke(app, ["beamdump", "--model", "BC4", "--channels", "ee,mumu,pipi,KK", "--grid", "5x6",
                                   "--n-per-mass", "100", "--mass-range", "0.02,1.5", "--seed", "3",
                                   "--out", str(out)])
    assert cli.exit_code == 0, cli.stderr
    assert "extend --coupling-range" in " ".join(cli.stderr.split())
    saved = json.loads((out / "summary.json").read_text())["contour_open_at_grid_edge"]
    assert saved["observed"]["coupling_high"] and saved["notes"]


def _dump_band(masses, couplings, yield_scale=1.0, m_tip=0.5):
    """A long-lived-X yield: N = A eps^4 exp(-(eps/eps_up)^2) (production ~ eps^2, decay in the volume ~ eps^2
    while long-lived, exponential loss before it), with the upper scale eps_up(m) = 1e-6 (0.3/m) and a production
    falling to zero at m_tip (GeV): the shape of a beam-dump band."""
    m = np.asarray(masses)[:, None]
    e = np.asarray(couplings)[None, :]
    eps_up = 1e-6 * 0.3 / m
    prod = yield_scale * 1e30 * np.clip(1 - m / m_tip, 0, None) ** 2
    return prod * e ** 4 * np.exp(-(e / eps_up) ** 2)


def test_lower_edge_scales_as_the_yield_to_the_minus_quarter():
    # the registry rule: epsilon ~ yield^(1/4) at the lower edge (16x the yield halves the lower edge), while the
    # upper edge (lifetime) moves only logarithmically
    m, g = np.geomspace(0.2, 0.6, 30), np.geomspace(1e-9, 1e-4, 200)
    e1 = band_edges(m, g, _dump_band(m, g), 0.3)
    e16 = band_edges(m, g, _dump_band(m, g, 16.0), 0.3)
    assert e16["lower"] / e1["lower"] == pytest.approx(0.5, rel=0.01)    # grid step 0.06 decades, log-interpolated
    assert 1.0 < e16["upper"] / e1["upper"] < 1.1


def test_edges_interpolate_between_mass_columns_and_match_the_analytic_band():
    m, g = np.geomspace(0.2, 0.6, 25), np.geomspace(1e-9, 1e-4, 300)
    n = _dump_band(m, g)
    at = 0.33                                           # between grid masses
    assert not np.isclose(m, at).any()
    e = band_edges(m, g, n, at)
    fine = np.geomspace(1e-9, 1e-4, 20001)
    exact = fine[_dump_band([at], fine)[0] > 1.0]
    assert e["lower"] == pytest.approx(exact[0], rel=0.02) and e["upper"] == pytest.approx(exact[-1], rel=0.02)


def test_mass_reach_is_where_the_band_closes():
    m, g = np.geomspace(0.2, 0.6, 60), np.geomspace(1e-9, 1e-4, 150)
    reach = band_mass_reach(m, _dump_band(m, g))
    fine = np.geomspace(0.2, 0.6, 4001)
    exact = fine[_dump_band(fine, g).max(axis=1) > 1.0][-1]
    assert reach == pytest.approx(exact, rel=0.01)
    assert reach < 0.5                                  # below the production threshold of the toy


def test_open_or_empty_bands_give_no_edge():
    m, g = np.geomspace(0.2, 0.6, 10), np.geomspace(1e-9, 1e-4, 50)
    n = _dump_band(m, g)
    assert band_edges(m, g[g > 5e-7], n[:, g > 5e-7], 0.3)["lower"] is None    # excluded down to the grid bottom
    assert band_edges(m, g, n, 0.3)["lower"] is not None
    assert band_edges(m, g, n, 0.7) == {"mass_gev": 0.7, "lower": None, "upper": None}   # outside the grid
    assert band_edges(m, g, n * 1e-30, 0.3)["upper"] is None                             # nothing excluded
    assert band_mass_reach(m, n * 1e-30) is None
    assert band_mass_reach(m[:4], n[:4]) is None        # still excluded at the grid's highest mass: open
