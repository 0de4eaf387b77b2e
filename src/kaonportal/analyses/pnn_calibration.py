"""Calibration of the K+ -> pi+ nu nubar background budget against a published budget (2017 by default).

Parameters (names of :mod:`kaonportal.analyses.pnn_budget`): the four shared scales (photon veto,
extra-charged veto, mu -> pi and e -> pi mis-identification) and the non-Gaussian tail fractions of
K+ -> pi+ pi0 and K+ -> pi+ pi+ pi- (``TAIL_SOURCES``). Model of the simulated yield of a term (a source,
or a part of one) in R1+R2, split by the candidate's identity k (pi, mu, e) and into the part the veto scale
multiplies (V: the detectable part w - w_escape of each event's veto probability, ``pnn_budget.escape_part``;
the escape part, where every particle to veto is undetectable, is geometry and stays) and the rest (T: all):

    N(c) = sum_k c_k [c_veto V_k + (T_k - V_k)] + t_s sum_k c_k [c_veto RV_k + (R_k - RV_k)],   c_pi = 1,

exact for the per-event reweighting of ``pnn_budget.reweighted_columns`` as long as no reweighted
probability reaches its cap of 1; R_k (RV_k) is the yield (with the veto scale applying) in the
source's own kinematic region.

Well-posed fit (least squares in theta = ln(parameter)): residuals are the published numbers,
(N - N_pub) / sigma with sigma^2 = (published error)^2 + (N x relative MC statistical error)^2, plus one
Gaussian prior per parameter, (theta - theta_0) / sigma_0, from the status of the card value it scales
(``PRIORS``): theta_0 = ln 1 (the card as is), sigma_0 = ln 3 for "R (approx.)" values (the photon-veto
inefficiency tables) and ln 10 for "D" placeholders (extra-charged inefficiency, calorimetric mu -> pi
share, e -> pi); the tail fractions have no card value: theta_0 = ln 1e-4, the "O(10^4) overall"
kinematic suppression of [S002] (S), with sigma_0 = ln 10 (D). With a prior
on every parameter, ndf = number of published numbers, and chi2/ndf measures the consistency of the
simulation with the published budget given those priors. Errors and correlations come from the
Jacobian at the minimum (Gaussian approximation of the posterior in theta); the covariance is written
into the calibration (``log_covariance``) so that predictions propagate it.

The 2017 budget ([NA62:2020eqcd] = S003, Table I) lists K+ -> mu+ nu (gamma) IB, 0.11 +- 0.02 +-
0.03, and K+ -> mu+ nu with mu+ -> e+ decay, 0.04 +- 0.02, separately: both are used (``SPLIT_TERMS``),
the second being the positron-candidate part of the simulated K+ -> mu+ nu source (forced in-flight
decays, ``pnn_budget.FORCED_DECAYS``). The upstream probability p_up = N_up,published / (N_K,eff
R_beam / R_ref). Used by ``scripts/calibrate_pnn_budget.py``.
"""

from __future__ import annotations

__all__ = ["calibrate_budget", "calibration_config", "fit_scales", "PRIORS", "TAIL_SOURCES", "SPLIT_TERMS",
           "build_terms"]

import math

import numpy as np
from scipy.optimize import least_squares
from scipy.stats import chi2 as chi2_dist

from .config import RunConfig, load_config
from .pnn import needed_columns, pnn_compute, resolve_pnn
from .pnn_budget import PARAMETERS, RATE_REF_MHZ, Calibration, veto_parameter
from .samples import SampleCache, card_key

TAIL_SOURCES = ("K+ -> pi+ pi0", "K+ -> pi+ pi+ pi-")
"""Sources whose non-Gaussian kinematic tail fraction is fitted (the others keep the simulation's tails)."""
_NAMES = PARAMETERS + tuple(f"tail:{s}" for s in TAIL_SOURCES)

#: prior (centre, width) in ln(parameter) per parameter, from the status of what it scales (module docstring)
PRIORS = {
    "photon_veto": (0.0, math.log(3.0)),          # card photon_veto tables: "R (approx.)" [JINST17/TDR]
    "extra_charged_veto": (0.0, math.log(10.0)),  # card extra_charged_inefficiency: "placeholder D"
    "muon_as_pion": (0.0, math.log(10.0)),        # card muon_as_pion_calo = 1e-7/1e-2: "D"
    "electron_as_pion": (0.0, math.log(10.0)),    # card electron_as_pion: "placeholder D"
    **{f"tail:{s}": (math.log(1e-4), math.log(10.0)) for s in TAIL_SOURCES},  # S002 O(1e4) suppression, D
}

#: published sub-lines of a source, per dataset: name -> (source, candidate identities, (value, error)).
#: 2017: [NA62:2020eqcd] (S003 Table I): "K+->mu+nu(gamma) IB 0.11 +- 0.02_stat +- 0.03_syst",
#: "K+->mu+nu (mu+->e+ decay) 0.04 +- 0.02_syst" (errors added in quadrature).
SPLIT_TERMS = {
    "pnn-2017": {
        "K+ -> mu+ nu (gamma)": ("K+ -> mu+ nu", ("pi", "mu"), (0.11, math.hypot(0.02, 0.03))),
        "K+ -> mu+ nu, mu+ -> e+": ("K+ -> mu+ nu", ("e",), (0.04, 0.02)),
    },
}


def calibration_config(dataset: str = "pnn-2017", seed: int = 2017, scale: float = 1.0) -> RunConfig:
    """The run configuration used for a calibration (default sample sizes times ``scale``; raw card)."""
    cfg = load_config(overrides={"dataset": dataset, "seed": seed, "sections": {"pnn": True, "beamdump": False},
                                 "pnn": {"calibration": None, "pseudo_data_br": None}})
    return cfg.scaled(scale) if scale != 1.0 else cfg


def _model(theta, terms):
    c = dict(zip(_NAMES, np.exp(theta)))
    c["pi"] = 1.0
    out = []
    for t in terms:
        cv = c[t["veto"]]
        track = {"pi": 1.0, "mu": c["muon_as_pion"], "e": c["electron_as_pion"]}
        n = sum(track[k] * (cv * t["veto_part"][k] + t["total"][k] - t["veto_part"][k]) for k in t["kinds"])
        tail = c.get(f"tail:{t['source']}", 0.0)
        if tail and t.get("region"):
            rv = t.get("region_veto") or t["region"]
            n += tail * sum(track[k] * (cv * rv[k] + t["region"][k] - rv[k]) for k in t["kinds"])
        out.append(n)
    return np.array(out)


def fit_scales(terms: list[dict]) -> tuple[dict, dict]:
    """Fit of the parameters to the published numbers with the priors ``PRIORS``.

    ``terms``: per published number {source, kinds (candidate identities it covers), total and veto_part
    (yield by identity, all / where the veto scale applies), region and region_veto (the same in the
    source's region, or {}), veto (scale name), published, published_error, rel_stat}. Returns
    ({name: (value, error)}, diagnostics with chi2, ndf, p-value, pulls and the ln-covariance).

    >>> t = [{"total": {"pi": 1.0, "mu": 0.0, "e": 0.0}, "veto_part": {"pi": 1.0, "mu": 0.0, "e": 0.0},
    ...       "region": {}, "kinds": ("pi", "mu", "e"), "veto": "photon_veto", "published": 2.0,
    ...       "published_error": 0.02, "rel_stat": 0.0, "source": "K+ -> pi+ gamma gamma"}]
    >>> sc, d = fit_scales(t)
    >>> round(sc["photon_veto"][0], 2), d["ndf"]
    (2.0, 1)
    """
    pub = np.array([t["published"] for t in terms])
    perr = np.array([t["published_error"] for t in terms])
    rstat = np.array([t["rel_stat"] for t in terms])
    theta0 = np.array([PRIORS[n][0] for n in _NAMES])
    width = np.array([PRIORS[n][1] for n in _NAMES])

    def resid(theta):
        pred = _model(theta, terms)
        sig = np.sqrt(perr**2 + (pred * rstat) ** 2)
        return np.concatenate([(pred - pub) / sig, (theta - theta0) / width])

    sol = least_squares(resid, theta0, method="trf", x_scale=1.0)
    jac = sol.jac
    cov = np.linalg.inv(jac.T @ jac)     # full rank: every parameter has a prior row
    err = np.sqrt(np.clip(np.diag(cov), 0, None))
    values = np.exp(sol.x)
    scales = {n: (float(v), float(v * e)) for n, v, e in zip(_NAMES, values, err)}
    r = resid(sol.x)
    nd = len(terms)
    chi2_data, chi2_prior = float(np.sum(r[:nd] ** 2)), float(np.sum(r[nd:] ** 2))
    chi2 = chi2_data + chi2_prior
    ndf = nd      # n_data + n_priors - n_parameters, one prior per parameter
    diag = {"chi2": chi2, "chi2_data": chi2_data, "chi2_prior": chi2_prior, "ndf": ndf,
            "p_value": float(chi2_dist.sf(chi2, ndf)) if ndf > 0 else None,
            "n_sources": nd, "fitted": _model(sol.x, terms).tolist(), "pulls": r[:nd].tolist(),
            "prior_pulls": dict(zip(_NAMES, r[nd:].tolist())), "success": bool(sol.success),
            "log_covariance": {"names": list(_NAMES), "matrix": cov.tolist()}}
    return scales, diag


def build_terms(backgrounds: dict, published: dict, dataset: str) -> tuple[list[str], list[dict]]:
    """The fit's terms from a run's ``backgrounds`` and the dataset's published budget (with the
    published sub-lines of ``SPLIT_TERMS`` replacing their source's total)."""
    split = SPLIT_TERMS.get(dataset, {})
    split_sources = {v[0] for v in split.values()}
    names, terms = [], []

    def term(source, est, kinds, value, error):
        bt, bv, be = est["by_track"], est.get("by_track_veto", {}), est.get("by_track_error", {})
        raw = sum(bt[k] for k in kinds)
        if bv:
            veto_part = dict(bv)
        else:   # calibration details of an older run: only the source's fraction with veto
            f = est["with_veto"] / est["simulation_without_tail"] if est.get("simulation_without_tail") else 1.0
            veto_part = {k: f * bt[k] for k in bt}
        if be:
            stat = math.sqrt(sum(be[k] ** 2 for k in kinds))
        else:
            stat = est["statistical_error"] * (raw / est["simulation"] if est["simulation"] > 0 else 1.0)
        region = est.get("region_by_track", {}) if source in TAIL_SOURCES else {}
        region_veto = est.get("region_by_track_veto", region) if source in TAIL_SOURCES else {}
        return {"source": source, "kinds": tuple(kinds), "total": dict(bt), "veto_part": veto_part,
                "region": region, "region_veto": region_veto, "veto": veto_parameter(source), "published": float(value),
                "published_error": float(error), "rel_stat": stat / raw if raw > 0 else 1.0, "raw": raw}

    for source, est in backgrounds.items():
        if source == "upstream" or est.get("simulation") is None:
            continue
        if source in split_sources:
            for name, (src, kinds, (v, e)) in split.items():
                if src == source:
                    names.append(name)
                    terms.append(term(source, est, kinds, v, e))
            continue
        if source not in published:
            continue
        pub = published[source]
        names.append(source)
        terms.append(term(source, est, ("pi", "mu", "e"), pub[0], max(pub[1:]) if len(pub) > 1 else 0.0))
    return names, terms


def calibrate_budget(cfg: RunConfig, cache_dir=None, progress=None) -> tuple[Calibration, dict]:
    """Fit the budget parameters of ``cfg.dataset`` to its published budget; returns (calibration, raw summary)."""
    setup = resolve_pnn(cfg)
    samples = SampleCache(cache_dir, setup.card_name, card_key(setup.card_name), chunk_blocks=cfg.chunk_blocks,
                          columns=needed_columns(setup.selection))
    summary = pnn_compute(setup, samples, progress=progress)
    summary.pop("_plots", None)
    published = setup.dataset.backgrounds
    names, terms = build_terms(summary["backgrounds"], published, cfg.dataset)
    scales, diag = fit_scales(terms)
    nrm = summary["normalisation"]
    n_k_eff = nrm["n_k"] * nrm["eps_trig"] * nrm["eps_rv"]
    up = published.get("upstream")
    rate = setup.beam_rate_mhz
    p_up = p_up_err = 0.0
    if up is not None and n_k_eff > 0:
        p_up = up[0] / (n_k_eff * rate / RATE_REF_MHZ)
        p_up_err = p_up * (max(up[1:]) / up[0] if up[0] > 0 else 0.0)
    bkg = summary["backgrounds"]
    details = {"sources": {n: {"raw": t["raw"], "raw_by_track": {k: t["total"][k] for k in t["kinds"]},
                               "escape_share": bkg[t["source"]].get("escape_share"),
                               "escape_effective_events": bkg[t["source"]].get("escape_effective_events"),
                               "region_escape_share": bkg[t["source"]].get("region_escape_share"),
                               "region_escape_effective_events": bkg[t["source"]].get("region_escape_effective_events"),
                               "relative_mc_error": t["rel_stat"],
                               "published": [t["published"], t["published_error"]],
                               "fitted": f, "pull": pl}
                           for n, t, f, pl in zip(names, terms, diag["fitted"], diag["pulls"])},
               "chi2": diag["chi2"], "chi2_data": diag["chi2_data"], "chi2_prior": diag["chi2_prior"],
               "ndf": diag["ndf"], "p_value": diag["p_value"], "prior_pulls": diag["prior_pulls"],
               "priors": {k: {"ln_centre": v[0], "ln_width": v[1]} for k, v in PRIORS.items()},
               "n_sources": diag["n_sources"], "fit_success": diag["success"],
               "n_k_eff": n_k_eff, "beam_rate_mhz": rate, "n_simulated": summary["n_simulated"]}
    tails = {k.split(":", 1)[1]: v for k, v in scales.items() if k.startswith("tail:")}
    scales = {k: v for k, v in scales.items() if not k.startswith("tail:")}
    cal = Calibration(scales=scales, tail_fractions=tails, upstream_probability=p_up, upstream_probability_error=p_up_err,
                      rate_ref_mhz=RATE_REF_MHZ,
                      calibrated_on=f"{cfg.dataset} (card {setup.card_name}, selection {setup.selection.name}, "
                                    f"seed {cfg.seed})",
                      log_covariance=diag["log_covariance"], details=details,
                      note="scales multiply per-event probabilities of the card (analyses/pnn_budget/); "
                           "least-squares fit to the published budget with log-normal priors from the card "
                           "status (analyses/pnn_calibration.py); errors and log_covariance from the Jacobian")
    return cal, summary
