"""Calibration of the K+ -> pi+ nu nubar background budget against a published budget (2017 by default).

The four shared scales of :mod:`kaonportal.analyses.pnn_budget` (photon veto, extra-charged veto,
mu -> pi and e -> pi mis-identification) are fitted to the published per-source budget by least
squares in log(scale). The simulated yield of source s in R1+R2, split by the candidate's identity k
(pi, mu, e) and by whether there is something to veto (fraction f_s), is modelled as

    N_s(c) = (c_veto(s) f_s + 1 - f_s) * sum_k c_k (T_{s,k} + t_s R_{s,k}),   c_pi = 1,

(exact for f_s in {0, 1}, which holds for every source here to a good approximation), with R_{s,k}
the yield in the source's own kinematic region and t_s its calibrated non-Gaussian tail fraction
(fitted for K+ -> pi+ pi0 and K+ -> pi+ pi+ pi-, ``TAIL_SOURCES``; 0 otherwise). Residuals:
(N_s - N_pub,s) / sigma_s with sigma_s^2 = (published error)^2 + (N_s x relative MC error)^2; sources
published as negligible count as 0 +- their bound. A weak prior ln(c)/ln(1e6) (card values believed
within six orders of magnitude, given their R/D status) keeps directions the data do not constrain
at the card value. Errors come from the Jacobian at the minimum (independent scales assumed when
propagated). The upstream probability p_up = N_up,published / (N_K,eff R_beam / R_ref).
Used by ``scripts/calibrate_pnn_budget.py``.
"""

from __future__ import annotations

__all__ = ["calibrate_budget", "calibration_config", "fit_scales"]

import math

import numpy as np
from scipy.optimize import least_squares

from .config import RunConfig, load_config
from .pnn import needed_columns, pnn_compute, resolve_pnn
from .pnn_budget import PARAMETERS, RATE_REF_MHZ, Calibration, veto_parameter
from .samples import SampleCache, card_key

_PRIOR_WIDTH = math.log(1e6)


def calibration_config(dataset: str = "pnn-2017", seed: int = 2017, scale: float = 1.0) -> RunConfig:
    """The run configuration used for a calibration (default sample sizes times ``scale``; raw card)."""
    cfg = load_config(overrides={"dataset": dataset, "seed": seed, "sections": {"pnn": True, "beamdump": False},
                                 "pnn": {"calibration": None, "pseudo_data_br": None}})
    return cfg.scaled(scale) if scale != 1.0 else cfg


TAIL_SOURCES = ("K+ -> pi+ pi0", "K+ -> pi+ pi+ pi-")
"""Sources whose non-Gaussian kinematic tail fraction is fitted (the others keep the simulation's tails)."""
_NAMES = PARAMETERS + tuple(f"tail:{s}" for s in TAIL_SOURCES)


def _model(theta, terms):
    c = dict(zip(_NAMES, np.exp(theta)))
    out = []
    for t in terms:
        track = t["pi"] + c["muon_as_pion"] * t["mu"] + c["electron_as_pion"] * t["e"]
        tail = c.get(f"tail:{t['source']}", 0.0)
        if tail:
            r = t["region"]
            track += tail * (r["pi"] + c["muon_as_pion"] * r["mu"] + c["electron_as_pion"] * r["e"])
        out.append((c[t["veto"]] * t["f_veto"] + 1 - t["f_veto"]) * track)
    return np.array(out)


def fit_scales(terms: list[dict]) -> tuple[dict, dict]:
    """Least-squares fit of the scales; ``terms``: per source {pi, mu, e, f_veto, veto, published,
    published_error, rel_stat}. Returns ({name: (value, error)}, diagnostics).

    >>> t = [{"pi": 1.0, "mu": 0.0, "e": 0.0, "f_veto": 1.0, "veto": "photon_veto", "published": 4.0,
    ...       "published_error": 0.4, "rel_stat": 0.0, "source": "K+ -> pi+ gamma gamma"}]
    >>> round(fit_scales(t)[0]["photon_veto"][0], 2)
    4.0
    """
    pub = np.array([t["published"] for t in terms])
    perr = np.array([t["published_error"] for t in terms])
    rstat = np.array([t["rel_stat"] for t in terms])

    # tail fractions start at 1e-3 (order of the NA62 pi+ pi0 kinematic suppression, O(1e-4)
    # overall, na62_parameters.md section 3) and carry the same weak prior around that value.
    theta0 = np.array([0.0] * len(PARAMETERS) + [math.log(1e-3)] * len(TAIL_SOURCES))

    def resid(theta):
        pred = _model(theta, terms)
        sig = np.sqrt(perr**2 + (pred * rstat) ** 2)
        return np.concatenate([(pred - pub) / sig, (theta - theta0) / _PRIOR_WIDTH])

    sol = least_squares(resid, theta0, method="trf", x_scale=1.0)
    jac = sol.jac
    cov = np.linalg.pinv(jac.T @ jac)
    err = np.sqrt(np.clip(np.diag(cov), 0, None))
    values = np.exp(sol.x)
    scales = {n: (float(v), float(v * e)) for n, v, e in zip(_NAMES, values, err)}
    pred = _model(sol.x, terms)
    diag = {"chi2": float(np.sum(resid(sol.x)[: len(terms)] ** 2)), "n_sources": len(terms),
            "fitted": pred.tolist(), "success": bool(sol.success)}
    return scales, diag


def calibrate_budget(cfg: RunConfig, cache_dir=None, progress=None) -> tuple[Calibration, dict]:
    """Fit the budget scales of ``cfg.dataset`` to its published budget; returns (calibration, raw summary)."""
    setup = resolve_pnn(cfg)
    samples = SampleCache(cache_dir, setup.card_name, card_key(setup.card_name), chunk_blocks=cfg.chunk_blocks,
                          columns=needed_columns(setup.selection))
    summary = pnn_compute(setup, samples, progress=progress)
    summary.pop("_plots", None)
    published = setup.dataset.backgrounds
    terms, names = [], []
    for source, est in summary["backgrounds"].items():
        if source == "upstream" or source not in published or est.get("simulation") is None:
            continue
        raw = est["simulation"]
        pub = published[source]
        bt = est["by_track"]
        terms.append({"pi": bt["pi"], "mu": bt["mu"], "e": bt["e"], "source": source,
                      "region": est.get("region_by_track", {"pi": 0.0, "mu": 0.0, "e": 0.0}),
                      "f_veto": est["with_veto"] / raw if raw > 0 else 1.0, "veto": veto_parameter(source),
                      "published": pub[0], "published_error": max(pub[1:]) if len(pub) > 1 else 0.0,
                      "rel_stat": est["statistical_error"] / raw if raw > 0 else 1.0, "raw": raw})
        names.append(source)
    scales, diag = fit_scales(terms)
    nrm = summary["normalisation"]
    n_k_eff = nrm["n_k"] * nrm["eps_trig"] * nrm["eps_rv"]
    up = published.get("upstream")
    rate = setup.beam_rate_mhz
    p_up = p_up_err = 0.0
    if up is not None and n_k_eff > 0:
        p_up = up[0] / (n_k_eff * rate / RATE_REF_MHZ)
        p_up_err = p_up * (max(up[1:]) / up[0] if up[0] > 0 else 0.0)
    details = {"sources": {n: {"raw": t["raw"], "raw_by_track": {k: t[k] for k in ("pi", "mu", "e")},
                               "fraction_with_veto": t["f_veto"], "published": [t["published"], t["published_error"]],
                               "fitted": f} for n, t, f in zip(names, terms, diag["fitted"])},
               "chi2": diag["chi2"], "n_sources": diag["n_sources"], "fit_success": diag["success"],
               "n_k_eff": n_k_eff, "beam_rate_mhz": rate, "n_simulated": summary["n_simulated"]}
    tails = {k.split(":", 1)[1]: v for k, v in scales.items() if k.startswith("tail:")}
    scales = {k: v for k, v in scales.items() if not k.startswith("tail:")}
    cal = Calibration(scales=scales, tail_fractions=tails, upstream_probability=p_up, upstream_probability_error=p_up_err,
                      rate_ref_mhz=RATE_REF_MHZ,
                      calibrated_on=f"{cfg.dataset} (card {setup.card_name}, selection {setup.selection.name}, "
                                    f"seed {cfg.seed})",
                      details=details,
                      note="scales multiply per-event probabilities of the card (analyses/pnn_budget.py); "
                           "least-squares fit to the published budget, errors from the fit Jacobian")
    return cal, summary
