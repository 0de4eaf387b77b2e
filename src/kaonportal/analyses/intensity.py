"""Intensity as a parameter: pile-up predictions and the K+ -> pi+ nu nubar projection versus beam intensity.

``intensity_scale`` X multiplies the card's beam rate and muon-halo rate (:func:`kaonportal.simulation.pileup.
scaled_card`); everything that depends on them moves together:

- random veto efficiency eps_RV(X), K-pi accidental matching, KTAG / GTK accidentals: predicted by the pile-up
  model of :mod:`kaonportal.simulation.pileup` (each a :class:`PileupPrediction`);
- projection of a pnn result at X = 1 (same running time; :func:`projection`): kaon decays N_K(X) = X N_K,
  so SES(X) = SES(1) eps_RV(1) / (X eps_RV(X)) (SES = 1/(N_K A eps_trig eps_RV), [NA62:2020eqcd] SES formula);
  the kaon-decay backgrounds scale like the signal, X eps_RV(X)/eps_RV(1); the upstream background, a pi+
  associated with an accidental beam track (:mod:`kaonportal.analyses.pnn_budget.upstream_physics`), like
  X eps_RV(X)/eps_RV(1) m(X)/m(1), m the predicted probability that a downstream pi+ track is matched to an
  accidental GTK track (``kpi_accidental_match``: 1 - exp(-mu), mu linear in the rate, so the growth is slower
  than X^2). The expected 90% CL upper limit is the classical Poisson limit for the median
  background-only count (n = the median of Poisson(b)) divided into the SES.

The eps_RV used in the projection is the card's (published) value at X = 1, moved by the predicted ratio
eps_pred(X)/eps_pred(1), so that the projection starts from the published SES; the prediction's own absolute
value at X = 1 is reported next to it (it disagrees with the published 63.2% for 2021-22: see
``tests/simulation/test_simulation_pileup.py``).
"""

from __future__ import annotations

__all__ = ["PileupPrediction", "predict", "projection", "expected_upper_limit", "DEFAULT_SCALES"]

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


def expected_upper_limit(ses: float, background: float, cl: float = 0.9) -> float:
    """Classical Poisson upper limit on the BR at the median background-only count (module docstring)."""
    if not (ses > 0 and background >= 0 and 0 < cl < 1):
        raise InputError("projection", "needs ses > 0, background >= 0 and 0 < cl < 1")
    # the median of Poisson(b): smallest n with CDF(n) >= 1/2 (exact, no approximation)
    n = int(stats.poisson.ppf(0.5, background)) if background > 0 else 0
    f = lambda s: stats.poisson.cdf(n, s + background) - (1.0 - cl)   # noqa: E731
    s_up = optimize.brentq(f, 0.0, 100.0 + 10.0 * (n + 1))
    return s_up * ses


def projection(ses: float, background_kaon: float, background_upstream: float, eps_rv_card: float,
               card="na62-2022", scales=DEFAULT_SCALES, seed: int = 1) -> list[dict]:
    """Rows of SES, backgrounds, eps_RV and the expected limit versus intensity (module docstring)."""
    preds = predict(card, scales, seed)
    ref = next((p for p in preds if p.intensity_scale == 1.0), None) or predict(card, (1.0,), seed)[0]
    rows = []
    for p in preds:
        x = p.intensity_scale
        rel = p.random_veto_efficiency / ref.random_veto_efficiency
        ses_x = ses / (x * rel)
        b_k = background_kaon * x * rel
        b_up = background_upstream * x * rel * p.kpi_accidental_match / ref.kpi_accidental_match
        rows.append({"intensity_scale": x, "beam_rate_mhz": p.beam_rate_mhz,
                     "eps_rv": eps_rv_card * rel, "eps_rv_predicted": p.random_veto_efficiency,
                     "ses": ses_x, "background_kaon": b_k, "background_upstream": b_up,
                     "expected_limit_90cl": expected_upper_limit(ses_x, b_k + b_up),
                     "kpi_accidental_match": p.kpi_accidental_match, "kpi_mismatch": p.kpi_mismatch,
                     "ktag_accidental_probability": p.ktag_accidental_probability})
    return rows


PROJECTION_FIELDS = ("intensity_scale", "beam_rate_mhz", "eps_rv", "eps_rv_predicted", "ses", "background_kaon",
                     "background_upstream", "expected_limit_90cl", "kpi_accidental_match", "kpi_mismatch",
                     "ktag_accidental_probability")


def pnn_projection(summary: dict, card, scales, seed: int, out_dir) -> dict:
    """The projection of a pnn section result (``summary`` of :func:`kaonportal.analyses.pnn.pnn_compute`)
    versus intensity: rows, ``tables/intensity_projection.csv`` and ``plots/intensity_projection.*``."""
    from pathlib import Path

    from ..report.tables import write_csv
    src = summary["backgrounds"]
    up = float(src["upstream"]["simulation"] or 0.0)
    kaon = float(summary["background_total"]) - up
    ses = float(summary["ses"]["value"])
    rows = projection(ses, kaon, up, float(summary["normalisation"]["eps_rv"]), card, scales, seed)
    out = Path(out_dir)
    csv = write_csv(out / "tables" / "intensity_projection.csv",
                    ["what: K+ -> pi+ nu nubar projection versus beam intensity (same running time), "
                     "kaonportal.analyses.intensity",
                     "units: beam rate MHz, SES and limit in BR, backgrounds in events, probabilities",
                     "eps_rv: the run's value moved by the pile-up model's ratio; eps_rv_predicted: the model's absolute value",
                     "background_upstream scales as intensity x eps_rv ratio x accidental-match probability ratio "
                     "(analyses.pnn_budget.upstream_physics)"],
                    list(PROJECTION_FIELDS), rows)
    return {"rows": rows, "files": [csv, *_plot(rows, out / "plots" / "intensity_projection")]}


def _plot(rows, stem) -> list[str]:
    import matplotlib.pyplot as plt

    from ..report.style import save, styled

    @styled
    def draw():
        x = [r["intensity_scale"] for r in rows]
        fig, ax = plt.subplots(1, 3, figsize=(12, 3.6))
        ax[0].plot(x, [r["ses"] for r in rows], "o-")
        ax[0].set_ylabel("SES")
        ax[1].plot(x, [r["eps_rv"] for r in rows], "o-", label="run value x predicted ratio")
        ax[1].plot(x, [r["eps_rv_predicted"] for r in rows], "s--", label="pile-up model (absolute)")
        ax[1].set_ylabel(r"random veto efficiency $\varepsilon_{RV}$")
        ax[1].legend(fontsize=8)
        ax[2].plot(x, [r["expected_limit_90cl"] for r in rows], "o-")
        ax[2].set_ylabel("expected 90% CL limit on BR")
        for a in ax:
            a.set_xlabel("intensity / card beam rate")
        return save(fig, stem)
    return draw()
