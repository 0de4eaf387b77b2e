"""The well-posed budget calibration fit (analyses/pnn_calibration.py) on synthetic terms, and the
propagation of its covariance (analyses/pnn_budget/, Calibration.propagate)."""

import math

import numpy as np
import pytest
import yaml

from kaonportal.analyses.pnn_budget import Calibration, escape_part, load_calibration, reweighted_columns
from kaonportal.analyses.pnn_calibration import PRIORS, _NAMES, _model, build_terms, fit_scales

Z3 = {"pi": 0.0, "mu": 0.0, "e": 0.0}


def _term(source, veto, pi=0.0, mu=0.0, e=0.0, f_veto=1.0, region=None, kinds=("pi", "mu", "e")):
    tot = {"pi": pi, "mu": mu, "e": e}
    return {"source": source, "veto": veto, "kinds": kinds, "total": tot,
            "veto_part": {k: f_veto * v for k, v in tot.items()}, "region": region or {}, "rel_stat": 0.0,
            "published": 0.0, "published_error": 0.0}


def _terms():
    return [_term("K+ -> pi+ pi0", "photon_veto", pi=0.2, region={"pi": 3000.0, "mu": 0.0, "e": 0.0}),
            _term("K+ -> mu+ nu", "photon_veto", mu=0.3, e=900.0, f_veto=0.0, kinds=("pi", "mu")),
            _term("K+ -> mu+ nu", "photon_veto", mu=0.3, e=900.0, f_veto=0.0, kinds=("e",)),
            _term("K+ -> pi+ pi+ pi-", "extra_charged_veto", region={"pi": 200.0, "mu": 0.0, "e": 0.0}),
            _term("K+ -> pi+ pi- e+ nu", "extra_charged_veto", pi=1.0),
            _term("K+ -> pi+ gamma gamma", "photon_veto", pi=0.01)]


def test_fit_recovers_parameters_with_honest_errors():
    # published numbers made from known parameters (inside their priors) with 3% errors: the fit must find
    # them within 3.29 sigma (two-sided 1e-3; no randomness: the pseudo-data are exact) and report ndf
    truth = {"photon_veto": 0.6, "extra_charged_veto": 0.2, "muon_as_pion": 2.0, "electron_as_pion": 0.05,
             "tail:K+ -> pi+ pi0": 3e-5, "tail:K+ -> pi+ pi+ pi-": 2e-4}
    terms = _terms()
    theta = np.log([truth[n] for n in _NAMES])
    for t, v in zip(terms, _model(theta, terms)):
        t["published"], t["published_error"] = v, 0.03 * v
    scales, diag = fit_scales(terms)
    assert diag["ndf"] == len(terms) and diag["success"]
    for n, v in truth.items():
        val, err = scales[n]
        assert 0 < err < val, n                        # a meaningful (< 100%) error
        assert abs(math.log(val / v)) < 3.29 * err / val, (n, val, err, v)
    assert diag["chi2"] / diag["ndf"] < 1.0            # exact pseudo-data: only the prior terms pull


def test_prior_bounds_an_unconstrained_parameter():
    # a term that does not depend on muon_as_pion: its error is the prior width (ln 10 for a D value)
    t = _term("K+ -> pi+ pi- e+ nu", "extra_charged_veto", pi=1.0)
    t["published"], t["published_error"] = 0.1, 0.05
    scales, diag = fit_scales([t])
    v, e = scales["muon_as_pion"]
    assert v == pytest.approx(1.0, abs=1e-6) and e / v == pytest.approx(PRIORS["muon_as_pion"][1], rel=1e-3)
    assert np.asarray(diag["log_covariance"]["matrix"]).shape == (len(_NAMES), len(_NAMES))


def test_propagate_uses_covariance():
    cov = [[0.04, -0.03], [-0.03, 0.09]]
    cal = Calibration(scales={"photon_veto": (1.0, 0.2), "muon_as_pion": (1.0, 0.3)},
                      log_covariance={"names": ["photon_veto", "muon_as_pion"], "matrix": cov})
    g = {"photon_veto": 2.0, "muon_as_pion": 1.0}
    assert cal.propagate(g) == pytest.approx(math.sqrt(4 * 0.04 + 0.09 - 2 * 2 * 0.03))
    no_cov = cal.model_copy(update={"log_covariance": {}})
    assert no_cov.propagate(g) == pytest.approx(math.sqrt(4 * 0.04 + 0.09))


def test_old_calibration_files_still_load(tmp_path):
    old = {"scales": {"photon_veto": [0.5, 0.1]}, "tail_fractions": {"K+ -> pi+ pi0": [1e-4, 1e-4]},
           "upstream_probability": 1e-12, "upstream_probability_error": 0.0, "rate_ref_mhz": 450.0,
           "calibrated_on": "x", "details": {}, "note": ""}
    p = tmp_path / "cal.yaml"
    p.write_text(yaml.safe_dump(old))
    cal = load_calibration(p)
    assert cal.log_covariance == {} and cal.scale("photon_veto") == (0.5, pytest.approx(0.2))


def test_build_terms_splits_the_2017_mu_nu_line():
    est = {"simulation": 1.0, "statistical_error": 0.1, "by_track": {"pi": 0.0, "mu": 0.3, "e": 900.0},
           "by_track_veto": {"pi": 0.0, "mu": 0.3, "e": 0.0}, "by_track_error": {"pi": 0.0, "mu": 0.03, "e": 9.0},
           "with_veto": 0.3, "region_by_track": dict(Z3)}
    names, terms = build_terms({"K+ -> mu+ nu": est}, {"K+ -> mu+ nu": [0.15, 0.042]}, "pnn-2017")
    assert names == ["K+ -> mu+ nu (gamma)", "K+ -> mu+ nu, mu+ -> e+"]
    assert [t["published"] for t in terms] == [0.11, 0.04]
    assert terms[1]["rel_stat"] == pytest.approx(0.01)
    names22, _ = build_terms({"K+ -> mu+ nu": est}, {"K+ -> mu+ nu": [1.7, 0.47]}, "pnn-2021-22")
    assert names22 == ["K+ -> mu+ nu"]


def test_veto_scale_leaves_the_escape_part():
    # w = escape part + detectable part; the photon-veto scale multiplies only the detectable part
    cols = {"w_photon_veto": np.array([1.0, 1e-4, 0.3, 1.0]), "w_photon_veto_escape": np.array([1.0, 0.0, 0.2, 0.0]),
            "n_photons": np.array([2, 2, 2, 0], np.int16), "w_pid_pi": np.full(4, 0.7),
            "track_true_pdgid": np.full(4, 211, np.int32)}
    cal = Calibration(scales={"photon_veto": (0.5, 0.1)})
    w = reweighted_columns(cols, "K+ -> pi+ pi0", cal)["w_photon_veto"]
    assert w.tolist() == pytest.approx([1.0, 0.5e-4, 0.2 + 0.5 * 0.1, 1.0])
    # tables without the column: the escape part is w where nothing is detectable (w = 1)
    old = {k: v for k, v in cols.items() if k != "w_photon_veto_escape"}
    assert escape_part(old).tolist() == [1.0, 0.0, 0.0, 0.0]
