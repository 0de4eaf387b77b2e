"""An exclusion reaching the boundary of the (mass, coupling) grid is stated, not drawn as a closed contour
(issue 14 audit, item 6: BC4 with ee, mu mu, pi pi, K K reaches sin^2 theta = 0.01, the top of the grid)."""

import json

import numpy as np
from typer.testing import CliRunner

from kaonportal.beamdump.analysis import run_beamdump
from kaonportal.beamdump.edges import edge_notes, grid_edge_contacts
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
