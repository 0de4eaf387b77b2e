"""Setup of the K+ -> pi+ nu nubar section (``analyses.pnn``): the configuration resolved and validated before
any output is written (:func:`resolve_pnn`, :class:`PnnSetup`), and what its samples are simulated with (the card,
:func:`sample_card`, and the columns the analysis reads, :func:`needed_columns`).

Every name is also importable from :mod:`kaonportal.analyses.pnn`.
"""

from __future__ import annotations

__all__ = ["PnnSetup", "resolve_pnn", "needed_columns", "sample_card", "veto_average_windows"]

import math
from dataclasses import dataclass, field

from ..errors import InputError
from ..selection import Selection, load_selection
from ..selection.derived import source_columns
from .config import BACKGROUND_SOURCES, Dataset, RunConfig, dataset_card, get_dataset
from .pnn_budget import Calibration, load_calibration
from .samples import require
from .sm import SMInputs, sm_prediction


@dataclass
class PnnSetup:
    """Everything resolved and validated from the config before any output is written."""

    config: RunConfig
    dataset: Dataset
    card_name: str
    card: object
    selection: Selection
    bins: list[float]
    calibration: Calibration
    sm_inputs: SMInputs
    eps_trig: tuple[float, float]
    eps_rv: tuple[float, float]
    beam_rate_mhz: float
    notes: list[str] = field(default_factory=list)
    card_origin: str = ""
    card_overrides: dict = field(default_factory=dict)    # applied to ``card`` (empty: the card as named)


def _pair(v, default=None):
    if v is None:
        return default
    return (float(v[0]), float(v[1]) if len(v) > 1 else 0.0)


def _check_upstream_yield(cfg: RunConfig, card) -> None:
    """Refuse the physics upstream model with no GTK3-interaction yield: the card field defaults to 0 (a card
    without an ``upstream:`` section), which would silently remove the dominant upstream mechanism."""
    if cfg.pnn.upstream_model == "physics" and card.upstream.interaction_pion_yield <= 0.0:
        raise InputError("card.upstream.interaction_pion_yield",
                         "is 0 (the card has no upstream: section or leaves it unset), which switches off the GTK3-"
                         "interaction upstream background of pnn.upstream_model: physics; set upstream: "
                         "interaction_pion_yield (and interaction_pion_yield_error) in the card, > 0 and <= 1 "
                         "(built-in cards: 1.081e-8 +- 3.4e-9), or choose pnn.upstream_model: scale")


def resolve_pnn(cfg: RunConfig) -> PnnSetup:
    """Validate names and numbers of the pnn section (InputError on bad input; nothing is written)."""
    ds = get_dataset(cfg.dataset)
    sel = load_selection(cfg.selection or ds.selection, field="selection")
    if sel.analysis != "pnn":
        raise InputError("selection", f"{sel.name!r} is a {sel.analysis!r} selection, not a pnn one")
    require("kaonportal.detector", "load_card")
    # the dataset's card with its card_overrides, or the run's top-level card as given (config.dataset_card)
    card, card_name, card_origin = dataset_card(ds, cfg.card)
    _check_upstream_yield(cfg, card)
    bins = list(cfg.pnn.momentum_bins) if cfg.pnn.momentum_bins is not None else list(sel.momentum_bins)
    lo, hi = sel.momentum_range
    if len(bins) < 2 or any(b2 <= b1 for b1, b2 in zip(bins, bins[1:])):
        raise InputError("pnn.momentum_bins", f"need at least two strictly increasing edges (GeV/c), got {bins}")
    if bins[0] < lo - 1e-9 or bins[-1] > hi + 1e-9:
        raise InputError("pnn.momentum_bins", f"edges must lie inside the selection's pi+ momentum range "
                                              f"[{lo:g}, {hi:g}] GeV/c, got {bins[0]:g}-{bins[-1]:g}")
    if cfg.pnn.n_normalisation <= 0:
        raise InputError("pnn.n_normalisation", "zero normalisation events: N_K cannot be measured (need > 0)")
    for decay in cfg.pnn.n_background:
        if not any(decay in v for v in BACKGROUND_SOURCES.values()):
            known = sorted({d for v in BACKGROUND_SOURCES.values() for d in v})
            raise InputError("pnn.n_background", f"unknown background decay {decay!r}; known: {', '.join(known)}")
    try:
        sm_inputs = SMInputs.model_validate(cfg.pnn.sm_inputs)
    except Exception as exc:  # pydantic ValidationError
        raise InputError("pnn.sm_inputs", str(exc).splitlines()[0] + "; allowed keys: " +
                         ", ".join(["v_cb", "v_ub", "gamma_deg", "lambda", "x_t", "p_c"])) from None
    sm_prediction(sm_inputs, method=cfg.pnn.sm_method)   # validates the SM inputs' ranges now
    cal = load_calibration(cfg.pnn.calibration)
    rc = card.run_conditions
    eps_trig = _pair(ds.eps_trig, (float(rc.trigger_efficiency_pnn), 0.0))
    eps_rv = _pair(ds.eps_rv, (float(rc.random_veto_efficiency), 0.0))
    rate = float(rc.beam_rate_mhz)
    notes = []
    if cfg.intensity_scale != 1.0 or cfg.pnn.random_veto == "predicted":
        # intensity and pile-up (analyses.intensity): the beam rate moves the upstream estimate, the
        # random veto follows the pile-up prediction
        from .intensity import predicted_random_veto
        pred = predicted_random_veto(card, sorted({1.0, float(cfg.intensity_scale)}), seed=cfg.seed)
        x = float(cfg.intensity_scale)
        rate *= x
        if cfg.pnn.random_veto == "predicted":
            eps_rv = (pred[x], 0.0)
            notes.append(f"eps_RV predicted by the pile-up model at {rate:g} MHz: {pred[x]:.4f} (not the card's)")
        else:
            eps_rv = (eps_rv[0] * pred[x] / pred[1.0], eps_rv[1] * pred[x] / pred[1.0])
            notes.append(f"intensity x{x:g}: eps_RV = card value x predicted ratio {pred[x] / pred[1.0]:.4f}")
    if ds.n_k is None and ds.ses is None and rc.kaon_decays is None:
        raise InputError("dataset", f"{ds.name!r} gives neither N_K nor a published SES")
    return PnnSetup(config=cfg, dataset=ds, card_name=str(card_name), card=card, selection=sel, bins=bins,
                    calibration=cal, sm_inputs=sm_inputs, eps_trig=eps_trig, eps_rv=eps_rv,
                    beam_rate_mhz=rate, notes=notes, card_origin=card_origin,
                    card_overrides={} if cfg.card is not None else dict(ds.card_overrides))


def needed_columns(sel: Selection) -> set[str]:
    """Columns the analysis reads (the cached samples keep only these)."""
    cols = {"weight_gen", "decay_prob", "true_vertex_z", "p_track", "m2miss_pi", "m2miss_pi_nominal", "n_photons",
            "track_true_pdgid", "w_photon_veto", "w_pid_pi", "w_pid_mu", "w_pid_e", "true_p_track",
            "track_decayed", "weight_forced_decay", "w_photon_veto_escape"}
    for c in sel.cuts:
        for x in (c.column, c.versus, c.flag, c.weight):
            if x:
                cols |= set(source_columns(x))     # a derived quantity needs its source columns
    for r in sel.regions:
        cols |= set(r.windows)
    for spec in sel.control.values():
        cols |= set(spec.extra_weights)
    return cols


def veto_average_windows(sel: Selection) -> dict[str, tuple[float, float]]:
    """Windows {column: (low, high)} of the simulation option ``veto_average_where`` for the samples with veto
    averaging (``simulation.vetoes``): the plain cuts on reconstructed columns that every cut flow keeping the
    photon veto applies before it (the pi+ momentum range, the beam and vertex windows of the pnn selections).
    Outside them such a cut flow has weight 0 whatever ``w_photon_veto`` is, so averaging only inside them leaves
    every estimate bit-identical and saves the averaging of the other events (issue 17). A cut skipped by a
    control sample or the normalisation that keeps the photon veto, or on a derived quantity, is left out
    (a wider window is always safe: it only averages more events).

    >>> veto_average_windows(load_selection("pnn-2022"))["p_track"]
    (15.0, 45.0)
    """
    from ..simulation.kernels import RECO_ROWS
    cuts = list(sel.cuts)
    veto = next((i for i, c in enumerate(cuts) if c.weight == "w_photon_veto"), None)
    if veto is None:
        return {}
    specs = [sel.normalisation] if sel.normalisation is not None else []
    specs += list(sel.control.values())
    skipped = {s for spec in specs if cuts[veto].id not in spec.skip for s in spec.skip}
    out: dict[str, tuple[float, float]] = {}
    for c in cuts[:veto]:
        if c.kind != "column" or c.versus is not None or c.column not in RECO_ROWS or c.id in skipped:
            continue
        lo, hi = out.get(c.column, (-math.inf, math.inf))
        out[c.column] = (max(lo, -math.inf if c.low is None else float(c.low)),
                         min(hi, math.inf if c.high is None else float(c.high)))
    return dict(sorted(out.items()))


def sample_card(setup: PnnSetup):
    """The card the samples are simulated with: its name (cache files keep their names), or, with dataset
    card_overrides, the overridden card object, cached under its content hash (never the plain card's samples)."""
    return setup.card if setup.card_overrides else setup.card_name
