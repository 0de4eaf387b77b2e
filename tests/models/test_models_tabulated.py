"""Tabulated models (kaonportal.models.tabulated) and the export of the built-ins (kaonportal.models.export)."""

import copy
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml

from kaonportal.errors import InputError
from kaonportal.models import MODEL_NAMES, get_model
from kaonportal.models.export import export_model, write_model_yaml
from kaonportal.models.tabulated import TabulatedModel, load_model

EXAMPLE = Path(str(resources.files("kaonportal") / "data" / "models" / "examples" / "leptophilic_scalar.yaml"))


@pytest.fixture(scope="module")
def bc4():
    return export_model("BC4", n_masses=400)


def _rel_err(a, b):
    ok = b > 0
    return np.abs(a[ok] / b[ok] - 1.0)


@pytest.mark.parametrize("name", ["BC4", "BC10"])
def test_export_reproduces_builtin_within_interpolation_error(name):
    """400 log-spaced masses, log-log interpolation: 95% of the masses within 1% of the built-in widths and
    production BRs (the rest: intervals holding a threshold or a resonance edge, interpolated linearly)."""
    built = get_model(name)
    tab = TabulatedModel.from_mapping(export_model(name, n_masses=400))
    lo, hi = built.mass_range
    m = np.geomspace(lo * 1.01, hi * 0.99, 1001)
    c = 1e-5
    assert np.percentile(_rel_err(tab.total_width(m, c), built.total_width(m, c)), 95) < 0.01
    pt, pb = tab.production_br(m, c), built.production_br(m, c)
    for key in pt:
        assert np.percentile(_rel_err(pt[key], pb[key]), 95) < 0.01, key
    # lifetime scaling with the coupling is exact (a power law)
    assert tab.ctau_m(0.1, 1e-6) / tab.ctau_m(0.1, 1e-5) == pytest.approx(10.0 ** built.coupling_power, rel=1e-12)


def test_every_builtin_exports_and_loads(tmp_path):
    for name in MODEL_NAMES:
        path = write_model_yaml(export_model(name, n_masses=30), tmp_path / f"{name}.yaml")
        m = load_model(path)
        assert isinstance(m, TabulatedModel)
        assert m.coupling_name == get_model(name).coupling_name


def test_bc2_invisible_width_does_not_scale_with_epsilon():
    """BC2: Gamma(A' -> chi chibar) is set by alpha_D, not epsilon: exported with power 0."""
    data = export_model("BC2", n_masses=50)
    assert data["width_powers"] == {"A' -> chi chibar": 0}
    tab = TabulatedModel.from_mapping(data)
    assert not tab.width_scales_as_coupling
    w1 = tab.partial_widths(0.1, 1e-3)["A' -> chi chibar"]
    w2 = tab.partial_widths(0.1, 1e-5)["A' -> chi chibar"]
    assert float(w1) == pytest.approx(float(w2))


def test_example_model_loads_and_scales():
    m = load_model(EXAMPLE)
    assert m.particle == "X" and m.coupling_name == "g_mu"
    assert float(m.production_br(0.1, 0.01)["K+ -> mu+ nu X"]) == pytest.approx(5e-3 * 1e-4)
    # below 2 m_mu only e+ e-: the mu mu width is zero on the grid there
    assert float(m.partial_widths(0.15, 1.0)["X -> mu+ mu-"]) == 0.0


def test_entry_point_gives_the_builtin():
    m = load_model("kaonportal.models.dark_scalar:DarkScalar")
    assert float(m.total_width(0.3, 1e-6)) == pytest.approx(float(get_model("BC4").total_width(0.3, 1e-6)))


def _bad(bc4, path, value):
    data = copy.deepcopy(bc4)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize("path, value, field", [
    (("widths", "S -> e+ e-", 3), -1.0, "model.widths[S -> e+ e-][3]"),
    (("widths", "S -> e+ e-", 5), float("nan"), "model.widths.S -> e+ e-.5"),
    (("mass_grid", 10), 0.0001, "model.mass_grid"),
    (("production", "K+ -> pi+ S", 2), float("inf"), "model.production.K+ -> pi+ S.2"),
    (("coupling", "power"), -1, "model.coupling.power"),
    (("particle",), "Z", "model.particle"),
])
def test_bad_tables_name_the_field(bc4, path, value, field):
    with pytest.raises(InputError) as exc:
        TabulatedModel.from_mapping(_bad(bc4, path, value))
    assert exc.value.field == field
    assert "\n" not in str(exc.value)


def test_unknown_channels_are_refused(bc4):
    data = copy.deepcopy(bc4)
    data["production"]["Sigma+ -> p S"] = data["production"]["K+ -> pi+ S"]
    with pytest.raises(InputError, match="cannot simulate") as exc:
        TabulatedModel.from_mapping(data)
    assert exc.value.field == "model.production[Sigma+ -> p S]"
    data = copy.deepcopy(bc4)
    data["widths"]["S -> gluino gluino"] = data["widths"]["S -> e+ e-"]
    with pytest.raises(InputError, match="unknown daughter 'gluino'"):
        TabulatedModel.from_mapping(data)


def test_br_above_one_where_unphysical(bc4):
    """A channel that does not scale with the coupling is a true BR: above 1 is refused. BRs per unit
    coupling above 1 are allowed otherwise (BC4: BR(B -> Xs S) = 5.6 sin^2 theta at low mass)."""
    data = copy.deepcopy(bc4)
    data["production"]["B+ -> K+ S"] = [1.5] * len(data["mass_grid"])
    data["production_powers"] = {"B+ -> K+ S": 0}
    with pytest.raises(InputError, match="BR = 1.5 > 1") as exc:
        TabulatedModel.from_mapping(data)
    assert exc.value.field.startswith("model.production[B+ -> K+ S]")
    assert max(bc4["production"]["B -> Xs S"]) > 1
    TabulatedModel.from_mapping(bc4)


def test_entry_point_that_does_not_import(tmp_path):
    with pytest.raises(InputError, match="does not import") as exc:
        load_model("no_such_module_xyz:Model")
    assert exc.value.field == "model"
    f = tmp_path / "ep.yaml"
    f.write_text(yaml.safe_dump({"entry_point": "kaonportal.models:NoSuchClass"}))
    with pytest.raises(InputError, match="does not import") as exc:
        load_model(f)
    assert exc.value.field == "model.entry_point"


def test_exported_dark_photon_gives_the_beam_dump_yields_of_the_builtin():
    """Same seed -> same X samples: the yields differ only through the tabulated factors. BC1 at lifetimes where
    the decay probability is not in its exponential tail: within 2% (widths and BRs to < 1%, the decay
    probability amplifies a lifetime error); bremsstrahlung comes from the table's 'p -> p A'' channel."""
    from kaonportal.beamdump.yields import expected_events
    built = get_model("BC1")
    tab = TabulatedModel.from_mapping(export_model("BC1", n_masses=200))
    args = ([0.05, 0.3], [1e-7, 1e-6], ["ee", "mumu"])
    gb = expected_events(built, *args, n_per_mass=300, seed=3)
    gt = expected_events(tab, *args, n_per_mass=300, seed=3)
    assert sorted(gb.by_mechanism) == sorted(gt.by_mechanism)
    assert "p -> p A' (bremsstrahlung)" in gt.by_mechanism
    assert np.allclose(gt.per_pot, gb.per_pot, rtol=0.02)
