"""Closure entries (registry ``closure: true``): kaonportal's number is normalised through, or fitted to, the
published number it is compared with. They follow the status rule but an agreeing one is counted as 'closure',
never as 'agree', in the validate summary, the per-area verdict, a run's section counts and the README trust
section; the pnn entries with that property carry the flag and the same_data ones without it do not."""

import pytest

from kaonportal.validation.evaluate import area_verdict, evaluate_entry, summarise
from kaonportal.validation.registry import load_registry, parse_registry_text
from kaonportal.validation.report import trust_section
from kaonportal.validation.rule import count_key, tally

REG = load_registry()
BY_ID = {e.id: e for _, e in REG.entries}

# normalised through the published number (no N_K published for 2017 / 2018: the run's N_K comes from the SES;
# the 2021-22 normalisation sample is generated with the published N_K) or fitted to it (the 2017 budget,
# pnn-calibration.yaml, which fits the simulated sources; the data-driven estimate is not fitted)
CLOSURE_IDS = {"pnn-2122-nk", "pnn-2018-ses", "pnn-2018-expected-sm", "pnn-2017-ses", "pnn-2017-expected-sm",
               "pnn-2017-bkg-pipi0-sim", "pnn-2017-bkg-munu-sim", "pnn-2017-bkg-pipienu-sim",
               "pnn-2017-bkg-3pi-sim", "pnn-2017-bkg-pigg-sim", "pnn-2017-bkg-pi0lnu-sim",
               "pnn-2017-bkg-upstream", "pnn-2017-bkg-total"}

_ENTRY = """
area: toy
description: toy area
entries:
  - id: {id}
    quantity: q
    published: {{value: 1.0, error: 0.01}}
    unit: "1"
    citation: c
    citation_key: k
    dataset: d
    kaonportal: {{section: pnn, key: x}}
    tolerance: {{relative: 0.05, reason: r}}
    closure: {closure}
"""


def _toy(closure: bool, entry_id: str = "toy-1"):
    reg = parse_registry_text(_ENTRY.format(id=entry_id, closure=str(closure).lower()), "toy.yaml")
    return reg.entries[0]


def _record(x: float, closure: bool) -> dict:
    area, e = _toy(closure)
    summary = {"sections": {"pnn": {"status": "done", "dataset": "pnn-2021-22", "x": x}}}
    return evaluate_entry(area, e, {"default": summary}, {"default": "."})


def test_the_registry_flags_exactly_the_closure_entries():
    assert {e.id for _, e in REG.entries if e.closure} == CLOSURE_IDS


def test_same_data_entries_are_not_normalised_through_their_published_number():
    # a same_data BR is computed from the published counts, background and SES; the published BR it is compared
    # with is not among those inputs: not a closure
    for _, e in REG.entries:
        if e.tolerance.same_data:
            assert not e.closure, e.id
            inputs = [v for d in e.kaonportal.datasets for v in d.values() if isinstance(v, float)]
            assert e.published.value not in inputs, e.id


@pytest.mark.parametrize("x", [1.0, 1.02, 0.97])
def test_an_agreeing_closure_entry_is_never_counted_as_agree(x):
    r = _record(x, closure=True)
    assert r["status"] == "agree" and r["closure"] is True
    assert count_key(r["status"], r["closure"]) == "closure"
    s = summarise([r])
    assert s["counts"]["agree"] == 0 and s["counts"]["closure"] == 1
    assert s["areas"]["toy"]["agree"] == 0
    assert "0/1 agree" in area_verdict("toy", [r]) and "1 closure" in area_verdict("toy", [r])
    # the same number without the flag is an ordinary agreement
    plain = _record(x, closure=False)
    assert summarise([plain])["counts"]["agree"] == 1 and summarise([plain])["counts"]["closure"] == 0


def test_a_failed_closure_counts_as_its_status():
    r = _record(1.5, closure=True)           # 50% off against a 5% allowance: the chain is broken
    assert r["status"] == "disagree"
    assert tally([r])["disagree"] == 1 and tally([r])["closure"] == 0


def test_trust_section_counts_closure_apart():
    reg = load_registry()
    snap = {"kaonportal_version": "x", "quick": False, "date": "d",
            "records": {e.id: {"status": "agree", "ratio": 1.0} for _, e in reg.entries}}
    text = trust_section(reg, snap)
    header = next(ln for ln in text.splitlines() if ln.startswith("| area |"))
    cols = [c.strip() for c in header.strip("|").split("|")]
    row = next(ln for ln in text.splitlines() if ln.startswith("| pnn |"))
    cells = dict(zip(cols, (c.strip() for c in row.strip("|").split("|"))))
    n_pnn = sum(a == "pnn" for a, _ in reg.entries)
    assert cells["closure"] == str(len(CLOSURE_IDS))
    assert cells["agree"] == str(n_pnn - len(CLOSURE_IDS))
    assert f"{len(CLOSURE_IDS)} closure" in text.split("All areas:", 1)[1].splitlines()[0]
