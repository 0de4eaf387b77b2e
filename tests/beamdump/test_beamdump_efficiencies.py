"""Per-channel trigger x identification x selection efficiencies (kaonportal.beamdump.efficiencies): the shipped
file states NA62's numbers or their gaps with sources, an efficiency multiplies exactly its channel's yield, and the
budget (--explain) carries the same factor as the grid."""

import numpy as np
import pytest
from typer.testing import CliRunner

from kaonportal.beamdump.budget import yield_budget
from kaonportal.beamdump.detection import CHANNELS
from kaonportal.beamdump.efficiencies import efficiency_factors, efficiency_table, parse_channel_efficiency
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.beamdump.yields import expected_events
from kaonportal.cli.main import app
from kaonportal.errors import InputError
from kaonportal.references import resolve

STATUS = {"V", "S", "F", "gap"}


def test_every_shipped_factor_has_a_resolvable_source_and_a_status():
    table = efficiency_table()
    for group, factors in table["channels"].items():
        for name, entry in factors.items():
            assert entry["status"] in STATUS, (group, name)
            assert resolve(entry["source"]), (group, name)
            # a number must be a fraction, a gap must not carry one
            if entry["status"] in ("gap", "F"):
                assert entry["value"] is None, (group, name)
            else:
                assert 0.0 < float(entry["value"]) <= 1.0, (group, name)
    for row in table["found"]:
        assert resolve(row["source"]) and row["status"] in STATUS


def test_gaps_count_as_one_and_are_named():
    for ch in ("ee", "mumu", "pipieta"):
        info = efficiency_factors(ch)
        assert info["value"] == 1.0 and info["gaps"]
    assert efficiency_factors("gg")["factors"] == {}     # no NA62 search of that final state: nothing shipped


def test_an_efficiency_scales_exactly_its_channel():
    masses, eps = [0.3], np.geomspace(1e-7, 1e-5, 4)
    base = expected_events("dark-photon", masses, eps, ["ee", "mumu"], n_per_mass=300, seed=2, mechanisms=["brems"])
    half = expected_events("dark-photon", masses, eps, ["ee", "mumu"], n_per_mass=300, seed=2, mechanisms=["brems"],
                           setup=BeamDumpSetup(channel_efficiency=(("ee", 0.5),)))
    assert np.allclose(half.by_channel["ee"], 0.5 * base.by_channel["ee"], rtol=1e-12, atol=0.0)
    assert np.array_equal(half.by_channel["mumu"], base.by_channel["mumu"])


def test_budget_carries_the_same_efficiency_as_the_grid():
    setup = BeamDumpSetup(channel_efficiency=(("mumu", 0.25),))
    b = yield_budget("dark-photon", 0.3, 1e-6, ["ee", "mumu"], n_per_mass=300, seed=2, mechanisms=["brems"],
                     setup=setup, pot=1.0)
    g = expected_events("dark-photon", [0.3], [1e-6], ["ee", "mumu"], n_per_mass=300, seed=2, mechanisms=["brems"],
                        setup=setup)
    assert b.n_expected == pytest.approx(float(g.per_pot[0, 0]), rel=1e-12)
    assert {r["channel"]: r["eff"] for r in b.rows} == {"ee": 1.0, "mumu": 0.25}
    assert b.as_dict()["channel_efficiencies"]["mumu"]["source"] == "setup"
    assert "gaps counted as 1" in b.table()


@pytest.mark.parametrize("text, msg", [("ee=1.5", "ee: must be a finite number in [0, 1]"), ("mumu=nan", "mumu: must be a finite number in [0, 1]"), ("tau=0.5", "unknown value"),
                                       ("ee", "CHANNEL=VALUE")])
def test_bad_efficiency_is_one_line_exit_2(text, msg):
    with pytest.raises(InputError, match="channel_efficiency"):
        parse_channel_efficiency(text)
    res = CliRunner().invoke(app, ["beamdump", "--explain", "0.3,1e-6", "--channel-efficiency", text])
    assert res.exit_code == 2 and msg in res.output and "Traceback" not in res.output


def test_channel_names_are_the_dump_channels():
    assert parse_channel_efficiency("pipieta=0.9,KK=1") == (("pipieta", 0.9), ("KK", 1.0))
    assert set(dict(parse_channel_efficiency(",".join(f"{c}=1" for c in CHANNELS)))) == set(CHANNELS)
