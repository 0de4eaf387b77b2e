"""Honest flags of `kaonportal run` (kaonportal.validation.evaluate.annotate_summary): each section carries the
computed status of its registry entries, the pnn budget ``reliability`` follows the same rule, and the printed
summary marks every number in tension or disagreement."""

import copy
import io

import pytest
from rich.console import Console

from kaonportal.report import print_summary
from kaonportal.validation.evaluate import annotate_summary, pnn_reliability
from kaonportal.validation.rule import MARKS

PUB = {"K+ -> pi+ pi0": (0.83, 0.05, 0.05), "K+ -> mu+ nu": (1.70, 0.47, 0.47), "upstream": (7.4, 1.8, 2.1)}


def _pnn(pipi0_dd=10.7, munu_sim=1.6, dataset="pnn-2021-22"):
    comp = [{"source": "K+ -> pi+ pi0", "simulation": 0.9, "simulation_error": 0.1, "data_driven": pipi0_dd,
             "data_driven_error": 1.7, "reliability": "ok"},
            {"source": "K+ -> mu+ nu", "simulation": munu_sim, "simulation_error": 0.2, "data_driven": None,
             "data_driven_error": None, "reliability": "rare-escape dominated: 60% of the estimate from 3 events"},
            {"source": "upstream", "simulation": 7.0, "simulation_error": 1.0, "data_driven": None,
             "data_driven_error": None, "reliability": None}]
    for c in comp:
        p = PUB[c["source"]]
        c.update(published=p[0], published_error_low=p[1], published_error_high=p[2])
    backgrounds = {c["source"]: {k: c[k] for k in ("simulation", "simulation_error", "data_driven",
                                                   "data_driven_error")} for c in comp}
    return {"status": "done", "dataset": dataset, "seed": 1, "budget_comparison": comp, "backgrounds": backgrounds,
            "normalisation": {"n_k": 2.85e12, "n_k_error": 0.05e12, "published_n_k": [2.85e12, 0.01e12]},
            "acceptance": {"signal": 0.0762 * 1.5, "signal_error": 0.001, "published_signal": [0.0762, 0.0022]},
            "ses": {"value": 8.5e-12, "error": 0.3e-12, "published": [8.48e-12, 0.29e-12]},
            "expected_sm_signal": 9.9, "expected_sm_signal_published": [9.91, 0.34],
            "background_total": 11.0, "background_total_error": 2.0, "background_total_published": [11.0, 1.9, 2.1],
            "branching_ratio": {}, "sm_prediction": {"value": 8.4e-11, "error": 1e-11}}


def _summary(**kw):
    return {"quick": False, "sections": {"pnn": _pnn(**kw), "lnv": {"status": "done", "channels": [
        {"decay": "K+ -> pi- mu+ mu+", "expected_limit": {"median": 4.0e-11}},
        {"decay": "K+ -> pi- e+ e+", "expected_limit": {"median": 0.5e-11}}]}}}


def _by_id(summary, section):
    return {e["id"]: e for e in summary["sections"][section]["validation"]["entries"]}


def test_sections_carry_computed_statuses(tmp_path):
    s = _summary()
    top = annotate_summary(s, tmp_path)
    assert top["profile"] == "default" and sum(top["counts"].values()) > 0
    pnn = _by_id(s, "pnn")
    # the data-driven pi+ pi0 estimate has no entry of its own (it equals the simulation's with a simulated control
    # sample) but is still rated against the published value in its budget row: 10.7 vs 0.83 (issue #13)
    assert "pnn-2122-bkg-pipi0-dd" not in pnn and "pnn-2122-bkg-pipi0-sim" in pnn
    rows = {c["source"]: c for c in s["sections"]["pnn"]["budget_comparison"]}
    assert rows["K+ -> pi+ pi0"]["estimate_status"]["data_driven"] == "disagree"
    assert pnn["pnn-2122-ses"]["status"] == "agree"
    assert pnn["pnn-2122-acceptance"]["status"] == "disagree"        # 1.5x, tolerance 10%
    lnv = _by_id(s, "lnv")
    assert lnv["lnv-pim-mup-mup"]["status"] == "agree"               # 4.0 vs 4.2e-11
    assert lnv["lnv-pim-ep-ep"]["status"] == "disagree"              # 0.5 vs 5.3e-11: x10.6, tolerance x2
    assert lnv["lnv-pim-mup-ep"]["status"] == "missing"              # not in this (synthetic) run
    # 2017 entries do not apply to a 2021-22 run
    assert not any(i.startswith("pnn-2017") for i in pnn)


def test_statuses_follow_the_numbers_not_hand_set_flags(tmp_path):
    s = _summary(pipi0_dd=0.85)
    s["sections"]["pnn"]["agreement"] = "disagree"      # a hand-set flag (as searches may add) is ignored
    annotate_summary(s, tmp_path)
    rows = {c["source"]: c for c in s["sections"]["pnn"]["budget_comparison"]}
    assert rows["K+ -> pi+ pi0"]["estimate_status"]["data_driven"] == "agree"


def test_pnn_reliability_from_the_rule(tmp_path):
    s = _summary()
    annotate_summary(s, tmp_path)
    rows = {c["source"]: c for c in s["sections"]["pnn"]["budget_comparison"]}
    # pi+ pi0: simulation agrees but the data-driven estimate is 12.9x the published value: not "ok"
    assert rows["K+ -> pi+ pi0"]["reliability"].startswith("data-driven disagree: 12.9x the published 0.83")
    assert rows["K+ -> pi+ pi0"]["validation_status"] == "disagree"
    # mu+ nu agrees with the published value but keeps the simulation's own diagnostic
    assert rows["K+ -> mu+ nu"]["validation_status"] == "agree"
    assert rows["K+ -> mu+ nu"]["reliability"].startswith("rare-escape dominated")
    assert rows["upstream"]["reliability"] == "ok"
    # idempotent (a resumed run annotates again)
    before = copy.deepcopy(rows)
    annotate_summary(s, tmp_path)
    assert {c["source"]: c for c in s["sections"]["pnn"]["budget_comparison"]} == before


def test_reliability_without_registry_entry_uses_the_default_tolerance():
    pnn = _pnn(dataset="my-dataset")
    pnn_reliability(pnn, [])
    rows = {c["source"]: c for c in pnn["budget_comparison"]}
    assert rows["K+ -> pi+ pi0"]["validation_status"] == "disagree"
    # the default allowance x/÷1.5, with the published and the estimate's own errors added in quadrature
    assert "= model ×/÷1.5 ⊕ published 6% ⊕ kaonportal" in rows["K+ -> pi+ pi0"]["reliability"]
    assert rows["K+ -> pi+ pi0"]["reliability"].endswith("(default))")


def test_printed_summary_marks_numbers_in_tension_or_disagreement(tmp_path):
    s = _summary()
    annotate_summary(s, tmp_path)
    con = Console(width=250, record=True, file=io.StringIO())
    print_summary(con, s)
    text = con.export_text()
    acc = next(ln for ln in text.splitlines() if "signal acceptance" in ln)
    ses = next(ln for ln in text.splitlines() if ln.lstrip("│ ").startswith("SES"))
    assert MARKS["disagree"] in acc and "(~)" not in ses and MARKS["disagree"] not in ses
    pipi0 = next(ln for ln in text.splitlines() if "bkg K+ -> pi+ pi0" in ln)
    assert f"(dd 10.7 {MARKS['disagree']})" in pipi0
    lnv = next(ln for ln in text.splitlines() if ln.startswith("section lnv"))
    assert f"1 disagree {MARKS['disagree']}" in lnv and "1 agree" in lnv


@pytest.mark.parametrize("dataset", ["pnn-2017", "pnn-2018"])
def test_2017_run_uses_the_2017_entries(tmp_path, dataset):
    s = {"sections": {"pnn": _pnn(dataset=dataset)}}
    top = annotate_summary(s, tmp_path)
    ids = set(_by_id(s, "pnn"))
    assert top["profile"] == dataset and f"{dataset}-bkg-upstream" in ids and "pnn-2122-ses" not in ids
    assert not any(i.startswith("pnn-20") and not i.startswith(dataset) for i in ids), ids


def test_run_plots_carry_their_sections_verdict(full_quick_run_session):
    """Each section's plots are written after the flags with the section's verdict below them (summary.json
    lists them); the note follows the section's computed counts."""
    import json

    from kaonportal.validation.evaluate import section_verdict
    out, _ = full_quick_run_session
    summary = json.loads((out / "summary.json").read_text())
    stamped = {s["plot"]: s["note"] for s in summary["validation"]["stamped_plots"]}
    for name, sec in summary["sections"].items():
        note = section_verdict((sec if isinstance(sec, dict) else {}).get("validation"))
        plots = [f for f in (sec.get("files") or []) if isinstance(f, str) and f.startswith("plots/")] \
            if isinstance(sec, dict) else []
        for p in plots:
            assert (out / p).is_file()
            assert stamped.get(p) == note, (name, p)
    assert stamped["plots/kmunux_br_scalar.png"].startswith("validation against published numbers")


def _closure_2017():
    """A 2017 run whose fitted pi+ pi0 simulation estimate equals its published 2017 value (registry entry
    pnn-2017-bkg-pipi0-sim, closure: the 2017 scales are fitted on that budget) and has no data-driven estimate."""
    from kaonportal.validation.registry import load_registry
    entry = next(e for _, e in load_registry().entries if e.id == "pnn-2017-bkg-pipi0-sim")
    assert entry.closure
    s = {"sections": {"pnn": _pnn(dataset="pnn-2017", pipi0_dd=None)}}
    pnn = s["sections"]["pnn"]
    for d in (pnn["budget_comparison"][0], pnn["backgrounds"]["K+ -> pi+ pi0"]):
        d.update(simulation=entry.published.value, simulation_error=0.01)
    pnn["budget_comparison"][0]["published"] = entry.published.value
    return s


def test_2017_fitted_background_is_closure_not_agree_or_ok(tmp_path):
    s = _closure_2017()
    annotate_summary(s, tmp_path)
    rec = _by_id(s, "pnn")["pnn-2017-bkg-pipi0-sim"]
    assert rec["status"] == "agree" and rec["closure"]          # agrees, but only because it was fitted to it
    row = {c["source"]: c for c in s["sections"]["pnn"]["budget_comparison"]}["K+ -> pi+ pi0"]
    assert row["estimate_status"] == {"simulation": "closure"}
    assert row["validation_status"] == "closure"
    assert row["reliability"].startswith("simulation closure: fitted to")
    assert s["sections"]["pnn"]["backgrounds"]["K+ -> pi+ pi0"]["validation_status"] == "closure"


def test_validation_csv_and_section_line_show_closure(tmp_path):
    from kaonportal.cli.run_steps import validation_flags
    from kaonportal.report import _validation_line
    s = _closure_2017()
    s["sections"]["lnv"] = _summary()["sections"]["lnv"]
    s["sections"]["pnn"].update(card="na62-2017", selection="default")      # the budget CSV's header
    validation_flags(s, tmp_path)
    budget = (tmp_path / "tables" / "pnn_background_budget.csv").read_text()
    assert next(ln for ln in budget.splitlines() if ln.startswith("K+ -> pi+ pi0,")).count(",closure,") == 1
    text = (tmp_path / "tables" / "validation.csv").read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    assert lines[0].endswith(",status,closure")
    row = next(ln for ln in lines if ln.startswith("pnn,pnn-2017-bkg-pipi0-sim,"))
    assert row.endswith(",closure,True")
    assert any(ln.startswith("lnv,lnv-pim-mup-mup,") and ln.endswith(",agree,False") for ln in lines)
    n = s["sections"]["pnn"]["validation"]["counts"]["closure"]
    assert n >= 1 and f", {n} closure" in _validation_line(s["sections"]["pnn"])
    assert "closure" not in _validation_line(s["sections"]["lnv"])         # none there: not printed
