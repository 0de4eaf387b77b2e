"""Detector cards: built-ins load, validation errors name the field and the allowed range."""

import shutil

import pytest
import yaml

from kaonportal.detector import card_from_dict, list_cards, load_card
from kaonportal.detector.card import CARD_DIR
from kaonportal.errors import InputError


def _raw(name="na62-2018"):
    return yaml.safe_load((CARD_DIR / f"{name}.yaml").read_text())


def test_builtin_cards_load_and_list():
    names = [n for n, _ in list_cards()]
    assert names == ["na62-2018", "na62-2022"]
    for name in names:
        card = load_card(name)
        assert card.name == name
        assert card.beam.momentum == 75.0 and card.beam.momentum_spread == 0.01
        assert card.geometry.mnp33.pt_kick == pytest.approx(-0.270)
        assert len(card.geometry.lav) == 12 and len(card.geometry.straw) == 4
    # run conditions of 2021-22 (S000, JHEP25)
    rc = load_card("na62-2022").run_conditions
    assert rc.trigger_efficiency_pnn == 0.859 and rc.random_veto_efficiency == 0.632


def test_missing_field_names_field():
    d = _raw()
    del d["resolution"]["gtk_angle"]
    with pytest.raises(InputError) as ei:
        card_from_dict(d)
    assert ei.value.field == "card.resolution.gtk_angle"
    assert "missing" in ei.value.message and "allowed range [0, 0.01] rad" in ei.value.message


def test_out_of_range_field_names_range():
    d = _raw()
    d["geometry"]["lav"][3]["r_inner"] = -0.5
    with pytest.raises(InputError) as ei:
        card_from_dict(d)
    assert ei.value.field == "card.geometry.lav.3.r_inner"
    assert "(0, 5] m" in ei.value.message


def test_optional_fields_default_and_keep_their_range_and_unit():
    # fields later cards added (card_base._f with a default): an older card without them loads with the default,
    # and a bad value is still refused naming the range and the unit
    d = _raw()
    d["resolution"].pop("lav_time_ns", None)
    d.setdefault("pileup", {}).pop("window_lav_ns", None)
    card = card_from_dict(d)
    assert card.resolution.lav_time_ns == 1.0 and card.pileup.window_lav_ns == 3.0
    d["pileup"]["window_lav_ns"] = 0.0
    with pytest.raises(InputError) as ei:
        card_from_dict(d)
    assert ei.value.field == "card.pileup.window_lav_ns" and "allowed range (0, 100] ns" in ei.value.message


def test_unknown_extra_field_refused():
    d = _raw()
    d["beam"]["momentun"] = 74.0
    with pytest.raises(InputError, match="momentun"):
        card_from_dict(d)


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["photon_veto"]["lav"].update(energy=[0.2, 0.1, 0.3, 1, 2]), "card.photon_veto.lav"),
    (lambda d: d["pid"].update(pion_efficiency=0.999), "card.pid"),
    (lambda d: d["beam"].update(z_range_default=[90.0, 165.0]), "card.beam"),
])
def test_consistency_checks(mutate, field):
    d = _raw()
    mutate(d)
    with pytest.raises(InputError) as ei:
        card_from_dict(d)
    assert ei.value.field == field


def test_unknown_card_lists_builtins():
    with pytest.raises(InputError, match="na62-2018, na62-2022"):
        load_card("na62-1999")


def test_copy_card_change_number(tmp_path):
    dst = tmp_path / "mine.yaml"
    shutil.copy(CARD_DIR / "na62-2018.yaml", dst)
    dst.write_text(dst.read_text().replace("momentum: 75.0 ", "momentum: 74.0 "))
    card = load_card(dst)
    assert card.beam.momentum == 74.0 and card.source == str(dst.resolve())
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_card(bad)


def test_load_card_returns_independent_copies():
    a = load_card("na62-2018")
    a.beam.momentum = 60.0
    assert load_card("na62-2018").beam.momentum == 75.0
