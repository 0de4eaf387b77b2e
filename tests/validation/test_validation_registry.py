"""The reference registry shipped in the package (kaonportal/data/validation): it loads, covers the areas issue #13
asks for with >= 60 entries, every entry has a citation and a tolerance with its reason, published values read off
curves are re-read from the shipped curves, the pnn numbers are the ones of datasets.yaml, and a malformed registry
is one line of bad input."""

from pathlib import Path

import pytest
import yaml

from kaonportal.errors import InputError
from kaonportal.published import list_curves
from kaonportal.validation.registry import PROFILES, load_registry
from kaonportal.validation.resolve import model_value, published_curve_value, stats_value

REG = load_registry()
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference"


def test_loads_with_enough_entries_and_areas():
    assert len(REG.entries) >= 60
    for area in ("pnn", "pi0", "kpix", "hnl", "lnv", "kmunux", "visible-x", "beamdump", "models"):
        assert area in REG.areas, area
    ids = [e.id for _, e in REG.entries]
    assert len(ids) == len(set(ids))


def test_pnn_covers_every_budget_source_for_2017_2018_and_2021_22():
    keys = {(e.kaonportal.run, e.kaonportal.key) for a, e in REG.entries if a == "pnn"}
    for src in ("K+ -> pi+ pi0", "K+ -> mu+ nu", "K+ -> pi+ pi- e+ nu", "K+ -> pi+ pi+ pi-", "K+ -> pi+ gamma gamma",
                "K+ -> pi0 l+ nu", "upstream"):
        for run in ("default", "pnn-2017", "pnn-2018"):
            assert (run, f"backgrounds.{src}.simulation") in keys, (run, src)
    for key in ("ses.value", "acceptance.signal", "normalisation.n_k", "background_total"):
        assert ("default", key) in keys
    # 2018: the published acceptance (S002) is the prediction; no 2018 N_K is published (no entry, said so)
    for key in ("ses.value", "acceptance.signal", "expected_sm_signal", "background_total"):
        assert ("pnn-2018", key) in keys, key
    assert ("pnn-2018", "normalisation.n_k") not in keys
    assert PROFILES["pnn-2018"]["config"] == {"dataset": "pnn-2018"}


def test_every_entry_is_complete():
    for _, e in REG.entries:
        assert e.citation.strip() and e.citation_key.strip() and e.tolerance.reason.strip()
        assert e.kaonportal.kind == "model" or e.kaonportal.run in PROFILES


@pytest.mark.parametrize("entry", [e for _, e in REG.entries if e.published.from_curve], ids=lambda e: e.id)
def test_curve_read_values_match_the_shipped_curves(entry):
    # the registry stores the number it compares with; re-read it (4 significant digits stored)
    assert entry.published.from_curve.name in list_curves()
    assert published_curve_value(entry.published.from_curve) == pytest.approx(entry.published.value, rel=1e-3)


def test_pnn_published_numbers_are_those_of_datasets_yaml():
    from importlib import resources
    ds = yaml.safe_load(resources.files("kaonportal").joinpath("data/configs/datasets.yaml").read_text())
    pnn = {e.kaonportal.key + "@" + e.kaonportal.run: e for a, e in REG.entries if a == "pnn" and e.kaonportal.key}
    for run, name in (("default", "pnn-2021-22"), ("pnn-2017", "pnn-2017"), ("pnn-2018", "pnn-2018")):
        for src, val in ds[name]["backgrounds"].items():
            e = pnn.get(f"backgrounds.{src}.simulation@{run}")
            if e is not None:
                assert e.published.value == pytest.approx(val[0]), (run, src)
                assert e.published.error_low == pytest.approx(val[1]), (run, src)
        assert pnn[f"background_total@{run}"].published.value == ds[name]["background_total"][0]
        assert pnn[f"ses.value@{run}"].published.value == ds[name]["ses"][0]
        if ds[name]["acceptance"] is not None:
            assert pnn[f"acceptance.signal@{run}"].published.value == ds[name]["acceptance"][0]


def test_2018_ses_is_the_published_2016_18_less_2016_and_2017():
    # 1/SES adds over data sets: 1/0.839e-11 (2016-18, S002) - 1/3.15e-10 (2016) - 1/3.89e-11 (2017), abstracts;
    # the registry and datasets.yaml store it to 4 digits
    e = next(e for _, e in REG.entries if e.id == "pnn-2018-ses")
    assert e.published.value == pytest.approx(1 / (1 / 0.839e-11 - 1 / 3.15e-10 - 1 / 3.89e-11), rel=1e-3)


def test_2016_18_br_from_published_inputs():
    # NA62 2016-18: (10.6 +4.0 -3.4 stat)e-11 (JHEP 06 (2021) 093 via S002); counting the three datasets gives
    # 10.86e-11: inside 3% of it, far inside the statistical error (38%)
    e = next(e for _, e in REG.entries if e.id == "pnn-1618-br")
    v, err = stats_value(e.kaonportal)
    assert v == pytest.approx(10.6e-11, rel=0.05) and 3.0e-11 < err < 4.5e-11


@pytest.mark.skipif(not (SHARED / "published_results.md").is_file(), reason="shared/reference not beside the checkout")
def test_limits_appear_in_published_results_md():
    # every LNV/pi0/kmunux limit stored in the registry is printed in shared/reference/published_results.md
    # (as a number, or as an order of magnitude O(10^n) where the paper gives only that)
    text = (SHARED / "published_results.md").read_text().replace("×10^", "e")
    for a, e in REG.entries:
        if a in ("lnv", "kmunux") or e.id in ("pi0inv-br-ul", "pi0-gnunu-br-ul", "kpix-m0-hepdata"):
            candidates = set()
            for digits in range(4):
                mant, exp = f"{e.published.value:.{digits}e}".split("e")
                candidates |= {f"{mant}e{int(exp)}", f"{float(mant):g}e{int(exp)}"}
                if float(mant) == 1.0:      # an order of magnitude, printed as "O(10^-5)" (K+ -> mu+ nu X abstract)
                    candidates.add(f"O(10^{int(exp)})")
            assert any(c in text for c in candidates), (e.id, candidates)


@pytest.mark.parametrize("entry", [e for a, e in REG.entries if a == "models"], ids=lambda e: e.id)
def test_model_entries_resolve(entry):
    v = model_value(entry.kaonportal)
    assert v is not None and v > 0


def test_stats_entry_from_published_inputs():
    # NA62 2016: 1 event, 0.152 background, SES 3.15e-10 -> BR < 14e-10 at 95% CL (arXiv:1811.08508 abstract);
    # kaonportal's CLs gives 14.5e-10 (kaonportal.stats.limits doctest)
    e = next(e for _, e in REG.entries if e.id == "pnn-2016-br-ul95")
    v, err = stats_value(e.kaonportal)
    assert v == pytest.approx(14.5e-10, rel=0.01) and err is None


GOOD = {"area": "demo", "description": "d", "entries": [
    {"id": "x", "quantity": "q", "published": {"value": 1.0}, "unit": "1", "citation": "paper", "citation_key": "k",
     "dataset": "d", "kaonportal": {"model": "hnl-e", "method": "ctau_m", "mass": 0.2, "coupling": 1.0},
     "tolerance": {"relative": 0.1, "reason": "r"}}]}


def _write(tmp_path, data, name="reg.yaml"):
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return p


def test_custom_registry_file(tmp_path):
    reg = load_registry(_write(tmp_path, GOOD))
    assert [e.id for _, e in reg.entries] == ["x"]


@pytest.mark.parametrize("mutate, words", [
    (lambda e: e.pop("citation"), "has no citation"),
    (lambda e: e.pop("tolerance"), "has no tolerance"),
    (lambda e: e["tolerance"].pop("reason"), "reason"),
    (lambda e: e["tolerance"].update(factor=2.0), "exactly one of relative, factor, absolute"),
    (lambda e: e["kaonportal"].update(run="nosuch", model=None, key="a.b", section="pnn"), "unknown run profile"),
    (lambda e: e["published"].update(value="abc"), "published.value"),
])
def test_bad_registry_is_one_line_input_error(tmp_path, mutate, words):
    import copy
    data = copy.deepcopy(GOOD)
    mutate(data["entries"][0])
    with pytest.raises(InputError) as exc:
        load_registry(_write(tmp_path, data))
    assert exc.value.field == "--registry" and words in str(exc.value) and "\n" not in str(exc.value)


def test_malformed_yaml_and_unknown_area(tmp_path):
    with pytest.raises(InputError, match="not valid YAML"):
        load_registry(_write(tmp_path, "area: [unclosed\n"))
    with pytest.raises(InputError, match="unknown area nosuch; known: "):
        REG.select(["nosuch"])


@pytest.mark.parametrize("entry", [e for a, e in REG.entries if a == "models"], ids=lambda e: e.id)
def test_model_check_values_agree(entry):
    # the models entries are closed formulas against check values computed with the same formula: a model change
    # that moves one (e.g. a default form factor the check value does not contain) must show here, not only in a
    # full validate run
    from kaonportal.validation.evaluate import evaluate_entry
    r = evaluate_entry("models", entry, {}, {})
    assert r["status"] == "agree", (entry.id, r["ratio"])


def test_builtin_registry_is_parsed_once_and_each_call_gets_its_own_copy(monkeypatch):
    # issue: every `kaonportal run` parsed the area files twice (flags + report); now once per process
    from kaonportal.validation import registry as mod
    calls = []
    real = mod._add_area
    monkeypatch.setattr(mod, "_add_area", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    mod._builtin_pickle.cache_clear()
    first = mod.load_registry()
    n_files = len(calls)
    assert n_files >= 9            # one parse per shipped area file
    second = mod.load_registry()
    assert len(calls) == n_files   # the second call read no file
    assert [e.id for _, e in second.entries] == [e.id for _, e in first.entries]
    # a caller editing its copy does not change the next caller's registry
    first.entries.clear()
    second.entries[0][1].published.value = -1.0
    third = mod.load_registry()
    assert len(third.entries) == len(REG.entries)
    assert third.entries[0][1].published.value == REG.entries[0][1].published.value != -1.0
