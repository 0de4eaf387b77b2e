"""Intensity projection (kaonportal.analyses.intensity) and the intensity_scale config key."""

import pytest
from scipy import stats

from kaonportal.analyses.config import load_config
from kaonportal.analyses.intensity import expected_upper_limit, predict, projection
from kaonportal.analyses.pnn import resolve_pnn
from kaonportal.errors import InputError


def test_predictions_move_with_intensity():
    p = predict("na62-2022", (1.0, 2.0, 4.0), seed=3, n_tracks=3000)
    assert [x.beam_rate_mhz for x in p] == [600.0, 1200.0, 2400.0]
    assert p[2].gtk_accidental_mean == pytest.approx(4 * p[0].gtk_accidental_mean)   # rate x window
    for a, b in zip(p, p[1:]):
        assert b.random_veto_efficiency < a.random_veto_efficiency
        assert b.ktag_accidental_probability > a.ktag_accidental_probability
        assert b.kpi_accidental_match >= a.kpi_accidental_match


def test_projection_starts_from_the_published_inputs():
    rows = projection(8.4e-12, 3.6, 7.4, 0.632, scales=(1.0, 2.0), seed=3)
    r1, r2 = rows
    assert r1["ses"] == 8.4e-12 and r1["eps_rv"] == 0.632
    rel = r2["eps_rv"] / r1["eps_rv"]
    assert r2["ses"] == pytest.approx(8.4e-12 / (2 * rel))
    # upstream: a pi+ matched to an accidental: kaons x 2, times the ratio of accidental-match probabilities,
    # which grows less than the rate (1 - exp(-mu)): between x 2 and x 4
    m = r2["kpi_accidental_match"] / r1["kpi_accidental_match"]
    assert 1.0 < m < 2.0
    assert r2["background_upstream"] == pytest.approx(7.4 * 2 * rel * m)
    assert r1["run_intensity"] and not r2["run_intensity"]
    assert r2["background_total"] == pytest.approx(r2["background_kaon"] + r2["background_upstream"])


def test_projection_rows_are_absolute_whatever_the_run_intensity():
    # a run at 2x keeps the dataset's N_K with eps_RV(2) (pnn.resolve_pnn), so its SES is SES(1) eps(1)/eps(2),
    # its kaon backgrounds b(1) eps(2)/eps(1) and its upstream b_up(1) eps(2)/eps(1) m(2)/m(1): projected from
    # it, every row must equal the projection of the 1x run (the intensity applied once, rows labelled by the
    # absolute intensity), and the row at 2x is the one marked as the run's
    scales = (1.0, 2.0, 3.0)
    ref = projection(8.4e-12, 3.6, 7.4, 0.632, scales=scales, seed=3)
    r1, r2 = ref[0], ref[1]
    e = r2["eps_rv_predicted"] / r1["eps_rv_predicted"]
    m = r2["kpi_accidental_match"] / r1["kpi_accidental_match"]
    rows = projection(8.4e-12 / e, 3.6 * e, 7.4 * e * m, 0.632 * e, scales=scales, seed=3, run_scale=2.0)
    assert [r["run_intensity"] for r in rows] == [False, True, False]
    for a, b in zip(rows, ref):
        assert a["beam_rate_mhz"] == b["beam_rate_mhz"]
        for k in ("ses", "eps_rv", "background_kaon", "background_upstream", "expected_limit_90cl"):
            assert a[k] == pytest.approx(b[k], rel=1e-9), k


def test_expected_upper_limit_is_the_poisson_limit():
    # b = 0: n = 0, s_up = -ln(0.1) = 2.303 events
    assert expected_upper_limit(1.0, 0.0) == pytest.approx(2.302585, rel=1e-6)
    ul = expected_upper_limit(2e-12, 5.0)
    assert stats.poisson.cdf(5, ul / 2e-12 + 5.0) == pytest.approx(0.1, abs=1e-9)


@pytest.mark.parametrize("bad", [0.0, -2.0, float("nan")])
def test_bad_intensity_scale_config(bad):
    with pytest.raises(InputError, match="intensity_scale"):
        load_config(overrides={"intensity_scale": bad})


def test_default_pnn_setup_unchanged_and_predicted_option():
    cfg = load_config(quick=True)
    s = resolve_pnn(cfg)
    assert s.eps_rv == (0.632, 0.006) or s.eps_rv[0] == 0.632
    assert s.beam_rate_mhz == 600.0 and not s.notes
    s2 = resolve_pnn(load_config(quick=True, overrides={"intensity_scale": 2.0}))
    assert s2.beam_rate_mhz == 1200.0 and s2.eps_rv[0] < s.eps_rv[0]
    s3 = resolve_pnn(load_config(quick=True, overrides={"pnn": {"random_veto": "predicted"}}))
    assert s3.eps_rv[0] > 0.632      # the model's prediction (~0.66, registry area pileup), stated in the notes
    assert "predicted" in s3.notes[0]


@pytest.mark.parametrize("bad", [[], [0.0], [1.0, -2.0]])
def test_bad_intensity_projection_config(bad):
    with pytest.raises(InputError, match="intensity_projection"):
        load_config(overrides={"pnn": {"intensity_projection": bad}})


def test_pnn_projection_writes_table_and_plot(tmp_path):
    summary = {"backgrounds": {"upstream": {"simulation": 4.0}}, "background_total": 6.0,
               "ses": {"value": 8e-12}, "normalisation": {"eps_rv": 0.632}}
    from kaonportal.analyses.intensity import pnn_projection
    res = pnn_projection(summary, "na62-2022", [1.0, 2.0], 3, tmp_path)
    assert [r["background_kaon"] for r in res["rows"]][0] == pytest.approx(2.0)
    text = (tmp_path / "tables" / "intensity_projection.csv").read_text()
    assert text.startswith("# what:") and "expected_limit_90cl" in text and "background_total" in text
    # the predicted eps_RV's status against the published 0.632 is on the table (registry area pileup): the
    # model (0.66, library error ~0.2%) is ~5 published sigma above it, so never "agree" while it misses sources
    st = res["random_veto_check"]["status"]
    assert st in ("tension", "disagree") and "published 0.632" in text and f": {st} (" in text
    assert (tmp_path / "plots" / "intensity_projection.png").exists()
