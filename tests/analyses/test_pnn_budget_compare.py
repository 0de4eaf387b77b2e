"""Each pnn background estimate against its published value by rule: a disagreement is stated in the row's
agreement fields; the row's reliability is left to the registry rule (kaonportal.validation; issue #12 item 5: the data-driven pi+ pi0 10.7 +- 1.8 vs 0.83 +- 0.05 was
shown as "ok"; its cause is fixed in pnn_budget.data_driven, test_pnn_budget_check; the rule is tested here)."""

import pytest

from kaonportal.analyses.pnn_budget.compare import compare_row

PIPI0 = {"source": "K+ -> pi+ pi0", "simulation": 1.32, "simulation_error": 0.245, "data_driven": 10.7,
         "data_driven_error": 1.8, "reliability": "ok", "published": 0.83, "published_error_low": 0.05,
         "published_error_high": 0.05}


def test_data_driven_pipi0_is_flagged():
    r = compare_row(PIPI0)
    assert r["data_driven_agreement"].startswith("disagree (x12.9 larger")
    assert r["reliability"] == "ok"          # not this rule's to set: kaonportal.validation.evaluate.pnn_reliability
    assert r["data_driven_published_ratio"] == pytest.approx(10.7 / 0.83)
    # the simulation estimate is within 2 combined sigma: |1.32 - 0.83| = 0.49 < 2 x hypot(0.245, 0.05) = 0.50
    assert r["agreement"] == "agree"


def test_rule_boundary_and_escape_warning_kept():
    inside = compare_row({**PIPI0, "data_driven": 0.83 + 1.99 * (1.8 ** 2 + 0.05 ** 2) ** 0.5})
    outside = compare_row({**PIPI0, "data_driven": 0.83 + 2.01 * (1.8 ** 2 + 0.05 ** 2) ** 0.5})
    assert inside["data_driven_agreement"] == "agree"
    assert outside["data_driven_agreement"].startswith("disagree (x")
    rare = compare_row({**PIPI0, "reliability": "rare-escape dominated: 99% ..."})
    assert rare["reliability"].startswith("rare-escape")     # the escape diagnostic is passed through
    assert compare_row({**PIPI0, "published": None})["agreement"].startswith("n/a")
