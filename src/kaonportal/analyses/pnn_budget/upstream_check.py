"""Calibration and check of the upstream-background model (:mod:`.upstream_physics`) on the published budgets.

The interaction yield is calibrated on 2017 ([NA62:2020eqcd] Table I: 0.9 +- 0.2 +- 0.2); 2018 ([JHEP21]:
3.30 +0.98 -0.73, R) and 2021-22 ([NA62:2024pjp]: 7.4 +2.1 -1.8) are predictions, never fitted. Each data set
is normalised by its published single-event sensitivity: N_K,eff = N_K eps_trig eps_RV = 1 / (SES A_pinunu),
with the published signal acceptance where there is one (2018: 6.37%, 2021-22: 7.62% [S002]) and the
simulated one otherwise (2017, as ``kaonportal run`` does for it). 2018 uses the na62-2018 card (the 2016
final collimator; the 2018 design served only runs >= 8802, part of the year) and the pnn-2022 selection
with the 2017-18 K-pi matching efficiency 0.81 (the check of that selection's acceptance, see its file).

Units: events; SES in BR units.
"""

from __future__ import annotations

__all__ = ["CHECKS", "UpstreamCheck", "n_k_eff", "run_check"]

from dataclasses import dataclass

from ...detector import load_card
from ...selection import cut_flow, load_selection, signal_region_mask
from .calibration import Calibration
from .upstream_physics import KPI_CUT, UpstreamResult, upstream_physics


@dataclass(frozen=True)
class UpstreamCheck:
    """One published data set: card, selection, K-pi matching efficiency override, SES, acceptance (None:
    simulated) and the published upstream count (value, error low, error high)."""
    card: str
    selection: str
    kpi_efficiency: float | None
    ses: float
    acceptance: float | None
    published: tuple[float, float, float]
    source: str


CHECKS = {
    "pnn-2017": UpstreamCheck("na62-2018", "pnn-2017", None, 3.89e-11, None, (0.9, 0.28, 0.28),
                              "[NA62:2020eqcd] Table I (stat and syst in quadrature); SES [NA62:2020pnn17]"),
    "pnn-2018": UpstreamCheck("na62-2018", "pnn-2022", 0.81, 1.1e-11, 0.0637, (3.30, 0.73, 0.98),
                              "[JHEP21] (R); acceptance [S002] 'old' analysis"),
    "pnn-2021-22": UpstreamCheck("na62-2022", "pnn-2022", None, 8.48e-12, 0.0762, (7.4, 1.8, 2.1),
                                 "[NA62:2024pjp] = [S002]"),
}


def _selection(check: UpstreamCheck):
    sel = load_selection(check.selection)
    if check.kpi_efficiency is None:
        return sel
    cuts = [c.model_copy(update={"efficiency": check.kpi_efficiency}) if c.id == KPI_CUT else c for c in sel.cuts]
    return sel.model_copy(update={"cuts": cuts})


def n_k_eff(check: UpstreamCheck, n: int = 200_000, seed: int = 1) -> float:
    """N_K eps_trig eps_RV = 1 / (SES A) (module docstring); A simulated with ``n`` signal events if not published."""
    acc = check.acceptance
    if acc is None:
        from ...simulation import simulate
        sel = _selection(check)
        ev = simulate("K+ -> pi+ nu nubar", n, seed, load_card(check.card), z_range=tuple(sel.fiducial_z)).events
        cf = cut_flow(sel, ev)
        p = ev["p_track"].to_numpy(zero_copy_only=False)
        lo, hi = sel.momentum_range
        acc = cf.yield_in(signal_region_mask(sel, ev) & (p >= lo) & (p < hi))[0]
    return 1.0 / (check.ses * acc)


def run_check(name: str, card=None, cal: Calibration | None = None, n: int = 200_000,
              seed: int = 1) -> tuple[UpstreamResult, float]:
    """The model's upstream count for the data set ``name`` of :data:`CHECKS` (``card``: a card object overriding
    the data set's, e.g. with another interaction yield) and the ratio to the published value."""
    check = CHECKS[name]
    res = upstream_physics(card or load_card(check.card), _selection(check), n_k_eff(check, n, seed), cal, n, seed)
    return res, res.value / check.published[0]
