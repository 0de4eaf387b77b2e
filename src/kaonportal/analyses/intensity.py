"""Intensity as a parameter: pile-up predictions and the K+ -> pi+ nu nubar projection versus beam intensity.

``intensity_scale`` X multiplies the card's beam rate and muon-halo rate (:func:`kaonportal.simulation.pileup.
scaled_card`); everything that depends on them moves together:

- random veto efficiency eps_RV(X), K-pi accidental matching, KTAG / GTK accidentals: predicted by the pile-up
  model of :mod:`kaonportal.simulation.pileup` (each a :class:`PileupPrediction`);
- projection of a pnn result (:func:`projection`), X absolute (relative to the card's nominal beam rate,
  whatever intensity X0 the run itself used): the run at X0 keeps the dataset's N_K (the kaon decays of the
  nominal running time); at X the same running time gives N_K(X) = X N_K, so
  SES(X) = SES_run eps_RV(X0) / (X eps_RV(X)) (SES = 1/(N_K A eps_trig eps_RV), [NA62:2020eqcd] SES formula);
  the kaon-decay backgrounds scale like the signal, X eps_RV(X)/eps_RV(X0); the upstream background, a pi+
  associated with an accidental beam track (:mod:`kaonportal.analyses.pnn_budget.upstream_physics`), like
  X eps_RV(X)/eps_RV(X0) m(X)/m(X0), m the predicted probability that a downstream pi+ track is matched to an
  accidental GTK track (``kpi_accidental_match``: 1 - exp(-mu), mu linear in the rate, so the growth is slower
  than X^2). The expected 90% CL upper limit is the classical Poisson limit for the median
  background-only count (n = the median of Poisson(b)) divided into the SES.

Each row is computed once from the run's numbers (a run at X0 = 2 and one at X0 = 1 give the same rows).
The eps_RV used in the projection is the run's value moved by the predicted ratio eps_pred(X)/eps_pred(X0), so
that the projection starts from the published SES; the prediction's own absolute value is reported next to it.
At the nominal rate of the 2021-22 card it is 0.66-0.67 (by library seed; README) against the published
(63.2 +- 0.6)% ([NA62:2024pjp]); its status (registry area ``pileup``, :func:`random_veto_check`) is stated with
every output, nothing tuned.
"""

from __future__ import annotations

__all__ = ["PileupPrediction", "predict", "predicted_random_veto", "predicted_random_veto_error", "random_veto_check",
           "projection",
           "expected_upper_limit", "DEFAULT_SCALES"]

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import optimize, stats

from ..detector import load_card
from ..errors import InputError
from ..simulation import pileup as P

DEFAULT_SCALES = (1.0, 1.5, 2.0, 3.0, 4.0)


@dataclass(frozen=True)
class PileupPrediction:
    """Pile-up quantities of one card at one intensity (rates MHz, probabilities)."""
    intensity_scale: float
    beam_rate_mhz: float
    random_veto_efficiency: float
    kpi_accidental_match: float
    kpi_mismatch: float
    ktag_accidental_probability: float
    gtk_accidental_mean: float

    def as_dict(self) -> dict:
        return asdict(self)


def _tracks(card, seed: int, n: int) -> dict:
    """Downstream pi+ tracks of K+ -> pi+ nu nubar inside the acceptance (for the K-pi matching)."""
    from ..simulation import simulate
    ev = simulate("K+ -> pi+ nu nubar", n, seed, card).events
    acc = ev["in_acceptance"].to_numpy()
    return {k: ev[k].to_numpy(zero_copy_only=False)[acc] for k in
            ("track_x_straw1", "track_y_straw1", "track_dxdz", "track_dydz", "cda")}


def predict(card="na62-2022", scales=(1.0,), seed: int = 1, n_tracks: int = 20_000) -> list[PileupPrediction]:
    """:class:`PileupPrediction` of ``card`` at every intensity scale (one accidental library, one track sample)."""
    base = load_card(card)
    scales = [float(x) for x in scales]
    cards = [P.scaled_card(base, x) for x in scales]      # bad scale: InputError before any simulation
    lib = P.build_library(base, seed)
    trk = _tracks(base, seed, n_tracks)
    out = []
    for x, c in zip(scales, cards):
        rng = np.random.default_rng([seed, int(round(x * 1000))])
        _, matched, mism = P.kpi_matching(c, trk["cda"].shape[0], rng, trk, trk["cda"])
        out.append(PileupPrediction(x, c.run_conditions.beam_rate_mhz, P.analytic_random_veto(c, lib),
                                    float(matched.mean()), float(mism.mean()), P.ktag_accidental_probability(c),
                                    P.gtk_accidental_mean(c)))
    return out


def predicted_random_veto(card, scales=(1.0,), seed: int = 1) -> dict[float, float]:
    """Predicted eps_RV (closed form, :func:`kaonportal.simulation.pileup.analytic_random_veto`) per intensity
    scale: only the accidental library (~4 s once per card and seed, then cached), no track sample."""
    base = load_card(card)
    cards = {float(x): P.scaled_card(base, float(x)) for x in scales}   # bad scale: InputError first
    lib = P.build_library(base, seed)
    return {x: P.analytic_random_veto(c, lib) for x, c in cards.items()}


def predicted_random_veto_error(card, seed: int = 1) -> float:
    """Statistical error of the closed-form eps_RV at the card's rate from the finite accidental library:
    mu = sum_s R_s mean(2 W_max,s) (1e-3 MHz ns), so sigma_mu^2 = sum_s (R_s 1e-3)^2 var(2 W_max,s) / N_s and
    sigma_eps = eps sigma_mu (rates MHz, windows ns)."""
    from ..detector.timing import TimeResolutions
    from ..simulation.veto_windows import veto_windows
    c = load_card(card)
    lib = P.build_library(c, seed)
    res = TimeResolutions.from_card(c)
    var = 0.0
    for sp, r in P.rates(c).by_species.items():
        w2 = 2.0 * veto_windows(c, res, lib.hits[sp], lib.lkr_energy[sp]).max(axis=1)
        var += (r * 1e-3) ** 2 * float(np.var(w2)) / w2.shape[0]
    return P.analytic_random_veto(c, lib) * math.sqrt(var)


# registry entry of the predicted eps_RV per card (data/validation/pileup.yaml): the published value is at the
# card's nominal rate, so a status exists only there
RANDOM_VETO_ENTRY = {"na62-2022": "pileup-2122-eps-rv-predicted"}


def random_veto_check(card_name: str, eps_pred_1x: float, eps_error: float | None = None) -> dict:
    """The predicted eps_RV at the nominal rate (with its statistical error, :func:`predicted_random_veto_error`)
    against the published one (registry area ``pileup``, the validation rule): status agree / tension /
    disagree with its ratio and pull, or status None where the card has no published value."""
    entry_id = RANDOM_VETO_ENTRY.get(str(card_name))
    if entry_id is None:
        return {"status": None, "ratio": None, "published": None, "entry": None,
                "note": f"no published random veto efficiency registered for card {card_name}"}
    from ..validation.registry import load_registry
    from ..validation.rule import classify
    e = next(e for a, e in load_registry().entries if e.id == entry_id)
    pub = e.published
    r = classify(eps_pred_1x, eps_error, pub.value, pub.error_low, pub.error_high, e.tolerance.as_dict())
    pull = "" if r["pull"] is None else f", pull {r['pull']:+.1f}"
    return {"status": r["status"], "ratio": r["ratio"], "pull": r["pull"], "published": pub.value,
            "published_error": pub.error_low, "entry": entry_id, "citation_key": e.citation_key,
            "reason": e.tolerance.reason,
            "note": f"predicted {eps_pred_1x:.3f} vs published {pub.value:.3f} at the nominal rate: {r['status']} "
                    f"(ratio {r['ratio']:.3g}{pull}, tolerance {e.tolerance.describe()}; registry {entry_id}: the model "
                    "leaves out sources NA62 has, not tuned)"}


def intensity_summary(setup) -> dict:
    """``summary["intensity"]`` of a pnn run (:class:`kaonportal.analyses.pnn.PnnSetup`): the run's intensity and
    beam rate, the predicted eps_RV at it and at the nominal rate (the latter checked against the published
    value, :func:`random_veto_check`) and the notes; the accidental library is shared with the setup's."""
    cfg = setup.config
    x = float(cfg.intensity_scale)
    pred = predicted_random_veto(setup.card, sorted({1.0, x}), seed=cfg.seed)
    out = {"intensity_scale": x, "beam_rate_mhz": setup.beam_rate_mhz,
           "nominal_beam_rate_mhz": float(setup.card.run_conditions.beam_rate_mhz),
           "random_veto": cfg.pnn.random_veto, "eps_rv_used": setup.eps_rv[0],
           "eps_rv_predicted": pred[x], "eps_rv_predicted_1x": pred[1.0],
           "eps_rv_predicted_1x_error": predicted_random_veto_error(setup.card, seed=cfg.seed)}
    out["random_veto_check"] = random_veto_check(setup.card.name, pred[1.0], out["eps_rv_predicted_1x_error"])
    out["notes"] = list(setup.notes)
    if x != 1.0:
        out["n_k"] = ("the dataset's N_K is kept (same kaon decays, not the same running time): "
                      "analyses.intensity.projection scales N_K with the intensity")
        out["published_at"] = "the published numbers of this dataset are at 1x (the card's nominal beam rate)"
    return out


def expected_upper_limit(ses: float, background: float, cl: float = 0.9) -> float:
    """Classical Poisson upper limit on the BR at the median background-only count (module docstring)."""
    if not (ses > 0 and background >= 0 and 0 < cl < 1):
        raise InputError("projection", "needs ses > 0, background >= 0 and 0 < cl < 1")
    # the median of Poisson(b): smallest n with CDF(n) >= 1/2 (exact, no approximation)
    n = int(stats.poisson.ppf(0.5, background)) if background > 0 else 0
    f = lambda s: stats.poisson.cdf(n, s + background) - (1.0 - cl)   # noqa: E731
    s_up = optimize.brentq(f, 0.0, 100.0 + 10.0 * (n + 1))
    return s_up * ses


def projection(ses: float, background_kaon: float, background_upstream: float, eps_rv_run: float,
               card="na62-2022", scales=DEFAULT_SCALES, seed: int = 1, run_scale: float = 1.0) -> list[dict]:
    """Rows of SES, backgrounds, eps_RV and the expected limit versus the absolute intensity X (relative to the
    card's nominal beam rate) from a run made at ``run_scale`` X0 (module docstring); ``run_intensity`` marks
    the row at X0."""
    x0 = float(run_scale)
    preds = predict(card, sorted({*map(float, scales), x0}), seed)
    ref = next(p for p in preds if p.intensity_scale == x0)
    rows = []
    for p in (q for q in preds if q.intensity_scale in {float(x) for x in scales}):
        x = p.intensity_scale
        rel = p.random_veto_efficiency / ref.random_veto_efficiency
        ses_x = ses / (x * rel)
        b_k = background_kaon * x * rel
        b_up = background_upstream * x * rel * p.kpi_accidental_match / ref.kpi_accidental_match
        rows.append({"intensity_scale": x, "beam_rate_mhz": p.beam_rate_mhz, "run_intensity": x == x0,
                     "eps_rv": eps_rv_run * rel, "eps_rv_predicted": p.random_veto_efficiency,
                     "ses": ses_x, "background_kaon": b_k, "background_upstream": b_up,
                     "background_total": b_k + b_up,
                     "expected_limit_90cl": expected_upper_limit(ses_x, b_k + b_up),
                     "kpi_accidental_match": p.kpi_accidental_match, "kpi_mismatch": p.kpi_mismatch,
                     "ktag_accidental_probability": p.ktag_accidental_probability})
    return rows


PROJECTION_FIELDS = ("intensity_scale", "beam_rate_mhz", "run_intensity", "eps_rv", "eps_rv_predicted", "ses",
                     "background_kaon", "background_upstream", "background_total", "expected_limit_90cl", "kpi_accidental_match", "kpi_mismatch",
                     "ktag_accidental_probability")


def pnn_projection(summary: dict, card, scales, seed: int, out_dir) -> dict:
    """The projection of a pnn section result (``summary`` of :func:`kaonportal.analyses.pnn.pnn_compute`, made
    at the intensity ``summary["intensity"]["intensity_scale"]``, 1 if absent) versus the absolute intensity:
    rows, ``tables/intensity_projection.csv`` and ``plots/intensity_projection.*``."""
    from pathlib import Path

    from ..report.tables import write_csv
    src = summary["backgrounds"]
    up = float(src["upstream"]["simulation"] or 0.0)
    kaon = float(summary["background_total"]) - up
    ses = float(summary["ses"]["value"])
    x0 = float((summary.get("intensity") or {}).get("intensity_scale", 1.0))
    c = load_card(card)
    rows = projection(ses, kaon, up, float(summary["normalisation"]["eps_rv"]), c, scales, seed, run_scale=x0)
    check = random_veto_check(c.name, predicted_random_veto(c, (1.0,), seed)[1.0],
                              predicted_random_veto_error(c, seed))
    out = Path(out_dir)
    rate = c.run_conditions.beam_rate_mhz
    csv = write_csv(out / "tables" / "intensity_projection.csv",
                    ["what: K+ -> pi+ nu nubar projection versus beam intensity (same running time), "
                     "kaonportal.analyses.intensity",
                     f"intensity_scale: beam rate / the card's nominal {rate:g} MHz; this run was made at "
                     f"{x0:g}x (run_intensity = true); each row is computed once from the run's numbers",
                     "units: beam rate MHz, SES and limit in BR, backgrounds in events, probabilities",
                     "eps_rv: the run's value moved by the pile-up model's ratio; eps_rv_predicted: the model's absolute value",
                     f"eps_rv_predicted check: {check['note']}",
                     "background_upstream scales as intensity x eps_rv ratio x accidental-match probability ratio "
                     "(analyses.pnn_budget.upstream_physics)"],
                    list(PROJECTION_FIELDS), rows)
    return {"rows": rows, "run_intensity_scale": x0, "random_veto_check": check,
            "files": [csv, *_plot(rows, check, x0, out / "plots" / "intensity_projection")]}


def _plot(rows, check: dict, run_scale: float, stem) -> list[str]:
    import matplotlib.pyplot as plt

    from ..report.style import save, styled
    from ..validation.rule import MARKS

    @styled
    def draw():
        x = [r["intensity_scale"] for r in rows]
        fig, ax = plt.subplots(1, 4, figsize=(15, 3.6))
        ax[0].plot(x, [r["ses"] for r in rows], "o-")
        ax[0].set_ylabel("SES")
        ax[1].plot(x, [r["eps_rv"] for r in rows], "o-", label="run value x predicted ratio")
        ax[1].plot(x, [r["eps_rv_predicted"] for r in rows], "s--", label="pile-up model (absolute)")
        if check.get("published") is not None:
            mark = MARKS.get(check["status"], "")
            ax[1].errorbar([1.0], [check["published"]], yerr=[check.get("published_error") or 0.0], fmt="k*",
                           ms=10, label=f"published at 1x ({check['status']} {mark}, "
                                        f"model/published {check['ratio']:.2f})")
        ax[1].set_ylabel(r"random veto efficiency $\varepsilon_{RV}$")
        ax[1].legend(fontsize=7, loc="upper right")
        ax[2].plot(x, [r["background_upstream"] for r in rows], "o-", label="upstream")
        ax[2].plot(x, [r["background_total"] for r in rows], "s-", label="total")
        ax[2].set_ylabel("expected background (events)")
        ax[2].legend(fontsize=8)
        ax[3].plot(x, [r["expected_limit_90cl"] for r in rows], "o-")
        ax[3].set_ylabel("expected 90% CL limit on BR")
        for a in ax:
            a.set_xlabel("intensity / card's nominal beam rate")
            a.axvline(run_scale, color="grey", ls=":", lw=1)      # also when no row is at the run's intensity
        ax[0].text(0.35, 0.92, "dotted: this run's intensity", transform=ax[0].transAxes, fontsize=7)
        return save(fig, stem)
    return draw()
