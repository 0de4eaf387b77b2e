"""Every numeric field of every section of a ``kaonportal run`` configuration is range-checked before anything
runs (issue 12 item 14): a fuzz table of bad values for each field, built from the config classes themselves
(a field added later is covered), must give an InputError naming the field."""

import math
import time

import pytest
import yaml
from pydantic import BaseModel

from kaonportal.analyses.bounds import check_config_values, rule_for
from kaonportal.analyses.config import BeamdumpConfig, PnnConfig, RunConfig, load_config
from kaonportal.analyses.searches import _config_classes
from kaonportal.cli.run import _check_search_options
from kaonportal.errors import InputError

BAD = [float("nan"), float("inf"), float("-inf"), 1e300]


def _numeric_default(f):
    d = f.get_default(call_default_factory=True)
    if isinstance(d, bool):
        return None
    ann = str(f.annotation)
    if isinstance(d, (int, float)) or (d is None and ("float" in ann or "int" in ann)):
        return "scalar"
    if isinstance(d, (list, tuple)) and d and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in d):
        return "list"
    if isinstance(d, dict) and d and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in d.values()):
        return "dict"
    return None


def _cases():
    sections = [("", RunConfig, lambda n, v: {n: v}), ("pnn.", PnnConfig, lambda n, v: {"pnn": {n: v}}),
                ("beamdump.", BeamdumpConfig, lambda n, v: {"beamdump": {n: v}})]
    for sec, (cls, _) in _config_classes().items():
        if cls is not None:
            sections.append((f"searches.{sec}.", cls, lambda n, v, s=sec: {"searches": {s: {n: v}}}))
    for prefix, cls, wrap in sections:
        for name, f in cls.model_fields.items():
            kind = _numeric_default(f)
            if kind is None or issubclass(type(f.get_default(call_default_factory=True)), BaseModel):
                continue
            d = f.get_default(call_default_factory=True)
            for bad in BAD:
                if kind == "scalar":
                    yield pytest.param(wrap(name, bad), prefix + name, id=f"{prefix}{name}={bad}")
                elif kind == "list":
                    yield pytest.param(wrap(name, [*list(d)[:-1], bad]), prefix + name, id=f"{prefix}{name}[-1]={bad}")
                else:
                    k = next(iter(d))
                    yield pytest.param(wrap(name, {**d, k: bad}), prefix + name, id=f"{prefix}{name}[{k}]={bad}")


CASES = list(_cases())

# the bad values issue 12 item 14 lists, plus reversed ranges and absurd sizes
ISSUE_CASES = [
    ({"searches": {"pi0-invisible": {"published_limit": float("nan")}}}, "published_limit"),
    ({"searches": {"pi0-invisible": {"published_limit": -4.4e-9}}}, "published_limit"),
    ({"searches": {"kmunux": {"published_kmununu": -1e-6}}}, "published_kmununu"),
    ({"searches": {"kmunux": {"published_kmunux_range": [1e-5, 1e-7]}}}, "published_kmunux_range"),
    ({"searches": {"visible-x": {"z_range": [165.0, 105.0]}}}, "z_range"),
    ({"searches": {"pi0-gamma-x": {"photonuclear_visible_range": [0.8, 0.2]}}}, "photonuclear_visible_range"),
    ({"searches": {"kpix": {"mass_step": float("inf")}}}, "mass_step"),
    ({"searches": {"kpix": {"mass_step": 1e-12}}}, "mass_step"),
    ({"searches": {"hnl": {"mass_step": {"K+ -> e+ N": 1e-12}}}}, "mass_step"),
    ({"searches": {"visible-x": {"n_signal": 10**12}}}, "n_signal"),
    ({"pnn": {"n_signal": 10**12}}, "n_signal"),
    ({"searches": {"lnv": {"n_k_scale": float("inf")}}}, "n_k_scale"),
    ({"searches": {"kpix": {"n_k_scale": 1e300}}}, "n_k_scale"),
    ({"pnn": {"momentum_bins": [15.0, float("nan"), 35.0]}}, "momentum_bins"),
    ({"pnn": {"momentum_bins": [35.0, 25.0, 15.0]}}, "momentum_bins"),
    ({"pnn": {"momentum_bins": [15.0, 500.0]}}, "momentum_bins"),
    ({"beamdump": {"pot": float("inf")}}, "beamdump.pot"),
    ({"beamdump": {"pot": 1e40}}, "beamdump.pot"),
    ({"searches": {"kpix": {"lifetimes_ns": [1.0, float("nan")]}}}, "lifetimes_ns"),
    ({"searches": {"pi0-invisible": {"projection_n_pi0": [1e8, -1.0]}}}, "projection_n_pi0"),
    ({"searches": {"lnv": {"kaon_decays_per_year": {2017: float("nan")}}}}, "kaon_decays_per_year"),
    ({"chunk_blocks": 10**9}, "chunk_blocks"),
    ({"seed": True}, "seed"),                       # pydantic would read it as seed 1
    ({"searches": {"kpix": {"masses": [0.05] * 20_000}}}, "masses"),
    ({"searches": {"hnl": {"masses": {"K+ -> e+ N": [0.2] * 20_000}}}}, "masses"),
]


def _check(tmp_path, data):
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(data))
    cfg = load_config(p, quick=True)
    _check_search_options(cfg)


def test_fuzz_table_covers_every_section():
    # the table is built from the classes: every section and most of their fields must be in it
    fields = {c.values[1] for c in CASES}
    assert {"pnn.n_signal", "beamdump.pot", "searches.kpix.mass_step", "searches.hnl.n_scale",
            "searches.lnv.n_k_scale", "searches.pi0-gamma-x.z_range", "searches.kmunux.published_kmununu",
            "searches.pi0-invisible.published_limit", "searches.visible-x.window"} <= fields
    assert len(fields) > 80


@pytest.mark.parametrize("data,field", CASES)
def test_every_numeric_field_refuses_non_finite_and_huge_values(tmp_path, data, field):
    with pytest.raises(InputError) as e:
        _check(tmp_path, data)
    name = field.rsplit(".", 1)[-1]
    assert name in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("data,field", ISSUE_CASES, ids=[c[1] for c in ISSUE_CASES])
def test_issue_bad_values_refused(tmp_path, data, field):
    with pytest.raises(InputError) as e:
        _check(tmp_path, data)
    assert field in str(e.value)


def test_defaults_and_valid_edge_values_pass(tmp_path):
    _check(tmp_path, {})
    # values at the edge of each rule are allowed: the checks refuse nonsense, not unusual studies
    _check(tmp_path, {"searches": {"kpix": {"n_k_scale": 100.0, "mass_step": 0.0005},
                                   "visible-x": {"z_range": [102.0, 180.0], "window": 3.0}},
                      "pnn": {"momentum_bins": [10.0, 50.0]}, "beamdump": {"pot": 1e19}})


def test_checks_are_fast(tmp_path):
    # before any simulation: a whole configuration is checked in well under a second (here ~50 ms)
    t0 = time.perf_counter()
    with pytest.raises(InputError):
        _check(tmp_path, {"searches": {"kpix": {"mass_step": 1e-12}}})
    assert time.perf_counter() - t0 < 5.0


def test_rule_table_intervals_are_sane():
    for name in ("mass_step", "n_signal", "n_k", "pot", "window", "published_limit", "z_range"):
        r = rule_for(name)
        assert r is not None and (r.low is None or r.high is None or r.low < r.high), name
    assert rule_for("seed") is None


def test_nested_models_are_walked():
    class Inner(BaseModel):
        n_sim: int = 10

    class Outer(BaseModel):
        inner: Inner = Inner()
        items: list[Inner] = [Inner()]

    check_config_values(Outer(), "x")
    with pytest.raises(InputError, match=r"x\.items\[0\]\.n_sim"):
        check_config_values(Outer(items=[Inner(n_sim=10**12)]), "x")
    with pytest.raises(InputError, match="finite"):
        check_config_values(Outer(inner=Inner.model_construct(n_sim=math.inf)), "x")
