"""Dataset card_overrides in the pnn section: pnn-2018 runs its card with the RICH range 15-45 GeV/c of its
analysis; every other dataset, and any run with a top-level card, runs its card exactly as named.

Why pnn-2018 has an override: its selection takes pi+ at 15-45 GeV/c ([NA62:2021zjw], R) while the shared
na62-2018 card applies the RICH muon suppression 1e-2 only at 15-35 GeV/c ([RICH20]); its K+ -> mu+ nu background
came out 17x the published 0.64 +- 0.08, from 35-45 GeV/c muons (datasets.yaml gives the sources and the D status).
"""

import numpy as np
import pytest

from kaonportal.analyses.config import Dataset, dataset_card, get_dataset, load_config, load_datasets
from kaonportal.analyses.pnn import needed_columns, resolve_pnn, sample_card
from kaonportal.analyses.samples import SampleCache, card_key
from kaonportal.detector import load_card
from kaonportal.errors import InputError
from kaonportal.selection import column, load_selection


def test_pnn_2018_card_has_the_rich_range_of_its_selection():
    card, name, origin = dataset_card(get_dataset("pnn-2018"))
    sel = load_selection(get_dataset("pnn-2018").selection)
    assert name == "na62-2018"
    assert (card.pid.rich_p_min, card.pid.rich_p_max) == tuple(sel.momentum_range) == (15.0, 45.0)
    assert "card_overrides pid.rich_p_max=45" in origin


@pytest.mark.parametrize("name", ["pnn-2017", "pnn-2021-22", "pnn-2016-22"])
def test_other_datasets_run_their_card_unchanged(name):
    # the default run (pnn-2021-22) and pnn-2017 keep their card, origin and sample-cache names
    ds = get_dataset(name)
    assert ds.card_overrides == {}
    setup = resolve_pnn(load_config(overrides={"dataset": name}))
    assert setup.card.model_dump() == load_card(ds.card).model_dump()
    assert setup.card_overrides == {} and sample_card(setup) == ds.card
    assert card_key(sample_card(setup)) == card_key(ds.card)
    assert setup.card_origin == f"dataset default of {name}"


def test_every_shipped_override_is_valid():
    for ds in load_datasets().values():
        dataset_card(ds)        # raises InputError on a bad path or value


def test_top_level_card_wins_and_is_used_as_given():
    setup = resolve_pnn(load_config(overrides={"dataset": "pnn-2018", "card": "na62-2018"}))
    assert setup.card.pid.rich_p_max == 35.0 and setup.card_overrides == {}
    assert "top-level card" in setup.card_origin and sample_card(setup) == "na62-2018"


def test_pnn_2018_setup_simulates_the_overridden_card_under_its_own_cache_key():
    setup = resolve_pnn(load_config(overrides={"dataset": "pnn-2018"}))
    assert setup.card_overrides == {"pid.rich_p_max": 45.0}
    sim = sample_card(setup)
    assert sim.pid.rich_p_max == 45.0
    # never the samples of the plain card
    assert card_key(sim) != card_key("na62-2018") and card_key(sim).startswith(card_key("na62-2018") + "_")


def test_bad_dataset_override_stops_before_simulation(monkeypatch):
    bad = Dataset.model_validate({**get_dataset("pnn-2018").model_dump(), "card_overrides": {"pid.rich_p_max": 150.0}})
    monkeypatch.setattr("kaonportal.analyses.pnn_setup.get_dataset", lambda name: bad)
    with pytest.raises(InputError) as ei:
        resolve_pnn(load_config(overrides={"dataset": "pnn-2018"}))
    assert ei.value.field == "card.pid.rich_p_max" and "allowed range [0, 100] GeV/c" in ei.value.message
    assert "card_overrides of dataset pnn-2018" in ei.value.message


def test_override_changes_only_the_muon_pid_weight_in_35_45():
    # same seed, both cards: identical kinematics; w_pid_pi of muons at 35-45 GeV/c x 1e-2, nothing else moves
    setup = resolve_pnn(load_config(overrides={"dataset": "pnn-2018"}))
    z = tuple(setup.selection.fiducial_z)
    cols = needed_columns(setup.selection)
    new = SampleCache(None, sample_card(setup), "x", columns=cols).get("K+ -> mu+ nu", 20_000, 11, z)
    old = SampleCache(None, "na62-2018", "y", columns=cols).get("K+ -> mu+ nu", 20_000, 11, z)
    for c in new.column_names:
        if c != "w_pid_pi":
            np.testing.assert_array_equal(column(new, c), column(old, c), err_msg=c)
    w_new, w_old = column(new, "w_pid_pi"), column(old, "w_pid_pi")
    p, mu = column(new, "true_p_track"), np.abs(column(new, "track_true_pdgid")) == 13
    moved = w_new != w_old
    inside = mu & (p > 35.0) & (p <= 45.0)
    assert moved.any() and not (moved & ~inside).any()
    np.testing.assert_allclose(w_new[moved] / w_old[moved], 1e-2)
