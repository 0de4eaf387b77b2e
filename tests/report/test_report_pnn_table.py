"""The rich pnn summary table of `kaonportal run` (report.tables.pnn_summary_table via report.print_summary):
a background source whose summary.json ``reliability`` is not "ok" is flagged on its row, with the reason
below the table; reliable sources (and summaries written before the key existed) are shown as before."""

import io

import pytest
from rich.console import Console

from kaonportal.report import print_summary
from kaonportal.report.tables import RELIABILITY_FLAG
from kaonportal.validation.rule import MARKS

RARE = "rare-escape dominated: 62% of the estimate from 3.1 effective events whose particles all escape the vetoes"


def _summary(reliability):
    comp = [{"source": "K+ -> pi+ pi0", "simulation": 0.8, "simulation_error": 0.1, "data_driven": 0.75,
             "data_driven_error": 0.1, "published": 0.73, "published_error_low": 0.05, "published_error_high": 0.05},
            {"source": "K+ -> mu+ nu", "simulation": 0.2, "simulation_error": 0.05, "data_driven": None,
             "data_driven_error": None, "published": None, "published_error_low": None, "published_error_high": None}]
    for c, r in zip(comp, reliability):
        if r is not None:
            c["reliability"] = r
    br = {"observed_with_simulated_inputs": {"br": 1.1e-10, "br_error_high": 4e-11, "br_error_low": 3.5e-11,
                                             "significance": 3.4, "tension_with_sm_sigma": 0.7, "observed": 51,
                                             "grossman_nir": {"bound": 4.7e-10, "bound_plus1sigma": 6.4e-10,
                                                              "factor": 4.3}}}
    pnn = {"dataset": "na62-2021-22", "seed": 1,
           "normalisation": {"n_k": 1.0e12, "n_k_error": 1e10, "published_n_k": None},
           "acceptance": {"signal": 0.07, "signal_error": 0.001, "published_signal": [0.071, 0.002]},
           "ses": {"value": 1.1e-11, "error": 1e-12, "published": [1.0e-11, 0.1e-11]},
           "expected_sm_signal": 7.6, "expected_sm_signal_published": [9.9, 1.2], "budget_comparison": comp,
           "background_total": 1.0, "background_total_error": 0.11, "background_total_published": [11.0, 1.0, 2.0],
           "branching_ratio": br, "sm_prediction": {"value": 8.4e-11, "error": 1.0e-11}}
    return {"sections": {"pnn": pnn}}


def _render(summary):
    con = Console(width=200, record=True, file=io.StringIO())
    print_summary(con, summary)
    return con.export_text()


def _row(text, source):
    return next(line for line in text.splitlines() if f"bkg {source} " in line)


def test_flagged_source_marked_with_its_reason():
    text = _render(_summary(["ok", RARE]))
    assert RELIABILITY_FLAG in _row(text, "K+ -> mu+ nu")
    assert RELIABILITY_FLAG not in _row(text, "K+ -> pi+ pi0")
    caption = " ".join(line.strip() for line in text.split("└", 1)[1].splitlines()[1:])   # below the table
    note, legend = caption.split(f" {RELIABILITY_FLAG} see the source's reliability note")
    assert note == f"{RELIABILITY_FLAG} K+ -> mu+ nu: {RARE}"
    # the footnote marker is distinct from the validation marks and explained in the legend
    assert RELIABILITY_FLAG not in MARKS.values() and legend.strip() == "above"


@pytest.mark.parametrize("reliability", [["ok", "ok"], [None, None]])
def test_reliable_or_older_summary_unflagged(reliability):
    text = _render(_summary(reliability))
    assert RELIABILITY_FLAG not in text
    assert "0.2 ± 0.05 │" in _row(text, "K+ -> mu+ nu")
