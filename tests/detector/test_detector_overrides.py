"""Card overrides (detector.overrides): one value changes, the rest is the card; bad overrides are InputErrors."""

import numpy as np
import pytest

from kaonportal.detector import load_card, pid_weights
from kaonportal.detector.overrides import apply_card_overrides, describe_overrides
from kaonportal.errors import InputError


def test_override_changes_only_the_named_value():
    plain = load_card("na62-2018")
    card = apply_card_overrides("na62-2018", {"pid.rich_p_max": 45.0}, "dataset test")
    assert card.pid.rich_p_max == 45.0 and plain.pid.rich_p_max == 35.0
    a, b = plain.model_dump(exclude={"source"}), card.model_dump(exclude={"source"})
    b["pid"]["rich_p_max"] = 35.0
    assert a == b
    assert "card_overrides of dataset test" in card.source
    # the cached built-in card is not touched
    assert load_card("na62-2018").pid.rich_p_max == 35.0


def test_no_overrides_is_the_card_itself():
    assert apply_card_overrides("na62-2018", {}, "x").model_dump() == load_card("na62-2018").model_dump()


def test_overridden_rich_range_moves_the_muon_misid_in_35_45_only():
    # the defining property: RICH factor 1e-2 (card muon_as_pion_rich) now also applies at 35-45 GeV/c
    card = apply_card_overrides("na62-2018", {"pid.rich_p_max": 45.0}, "dataset test")
    p = np.array([20.0, 34.9, 36.0, 44.9, 46.0])
    ids = np.full(p.shape, -13)
    w_new, w_old = pid_weights(ids, p, card)[0], pid_weights(ids, p, load_card("na62-2018"))[0]
    np.testing.assert_allclose(w_new / w_old, [1.0, 1.0, 1e-2, 1e-2, 1.0])


@pytest.mark.parametrize("overrides, field, text", [
    ({"pid.rich_p_max": 500.0}, "card.pid.rich_p_max", "allowed range [0, 100] GeV/c"),
    ({"pid.rich_p_max": 10.0}, "card.pid", "rich_p_min must be < rich_p_max"),
    ({"pid.rich_pmax": 45.0}, "ds.card_overrides", "unknown card field 'pid.rich_pmax'"),
    ({"pidd.rich_p_max": 45.0}, "ds.card_overrides", "unknown card field 'pidd'"),
    ({"geometry.straw.9.z": 1.0}, "ds.card_overrides", "not an index"),
])
def test_bad_override_is_one_input_error(overrides, field, text):
    with pytest.raises(InputError) as ei:
        apply_card_overrides("na62-2018", overrides, "dataset test", field="ds.card_overrides")
    assert ei.value.field == field and text in ei.value.message


def test_list_entries_can_be_overridden_by_index():
    card = apply_card_overrides("na62-2018", {"geometry.lav.0.r_outer": 0.6}, "x")
    assert card.geometry.lav[0].r_outer == 0.6


def test_describe():
    assert describe_overrides({"b.c": 1, "a": 45.0}) == "a=45, b.c=1"
