"""Lepton-number and lepton-flavour violating K+ decays: counting limits from simulated acceptances.

For each channel the acceptance A is the weighted fraction of K+ decays in the fiducial volume that
pass the three-track selection ``lnv-3track`` (geometric + beam) times the identification probability
of the positive candidate track (the simulation's candidate, first positive daughter), with the decay
generated with **uniform phase space** (the published searches also assume it, e.g. arXiv:2409.12981
abstract, published_results.md A4). Then SES = 1 / (N_K A eps_trig) (single event sensitivity,
published_results.md A1c "Normalisation" row for the definition of N_K) and the limit on the branching
ratio comes from the counting model of :mod:`kaonportal.stats` with the channel's background and
observed count.

Inputs per channel: published_results.md section A4 (row per decay): the published 90% CL limit
(compared, not used) and, where found, background and observed count (only K+ -> mu- nu e+ e+:
0.26 +- 0.04 expected, 0 observed, PLB 838 (2023) 137679). N_K of the LNV datasets is **not found**:
the default is the card's ``run_conditions.kaon_decays`` (status D), overridable per search
(``n_k``) and scalable (``n_k_scale``, projections). Backgrounds not found default to zero (D).

>>> [c.decay for c in default_channels()][:2]
['K+ -> pi- mu+ mu+', 'K+ -> pi- e+ e+']
>>> len(default_channels())
9
"""

from __future__ import annotations

__all__ = ["LnvChannel", "LnvConfig", "default_channels", "candidate_pid_column", "channel_acceptance",
           "lnv_limits", "lnv_section"]

import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ...decays import parse_decay
from ...detector import load_card
from ...errors import InputError
from ...report.plots import save
from ...selection import cut_flow, load_selection
from ...stats import Dataset, upper_limit
from ..samples import derive_seed
from .common import load_search_config, selection_columns, simulate_sample, write_curve


class LnvChannel(BaseModel):
    """One LNV/LFV decay and its published inputs (published_results.md A4)."""

    model_config = ConfigDict(extra="forbid")
    decay: str
    published_ul: float | None = None
    reference: str = ""
    background: float = Field(0.0, ge=0, description="expected background; 0 where not found (D)")
    background_error: float = Field(0.0, ge=0)
    observed: int | None = Field(None, ge=0, description="observed events; null: pseudo-data")


def default_channels() -> list[LnvChannel]:
    """The nine K+ channels of published_results.md A4 (the 2017-2018 pi- e+ e+ row; pi0 -> mu- e+ is
    a pi0 decay and not a three-track K+ decay: not included)."""
    rows = [("K+ -> pi- mu+ mu+", 4.2e-11, "PLB 797 (2019) 134794 (2017 data)"),
            ("K+ -> pi- e+ e+", 5.3e-11, "PLB 830 (2022) 137172 (2017-2018)"),
            ("K+ -> pi- pi0 e+ e+", 8.5e-11, "PLB 830 (2022) 137172 (value from S004, to verify)"),
            ("K+ -> pi- mu+ e+", 4.2e-11, "PRL 127 (2021) 131802"),
            ("K+ -> pi+ mu- e+", 6.6e-11, "PRL 127 (2021) 131802"),
            ("K+ -> mu- nu e+ e+", 8.1e-11, "PLB 838 (2023) 137679"),
            ("K+ -> pi0 pi- mu+ e+", 2.9e-10, "arXiv:2409.12981"),
            ("K+ -> pi0 pi+ mu- e+", 3.1e-10, "arXiv:2409.12981"),
            ("K+ -> pi0 pi+ mu+ e-", 5.0e-10, "arXiv:2409.12981")]
    out = [LnvChannel(decay=d, published_ul=ul, reference=ref) for d, ul, ref in rows]
    # PR A4 row K+ -> mu- nu e+ e+: background 0.26 +- 0.04, 0 observed (ABS, S004)
    out[5] = out[5].model_copy(update={"background": 0.26, "background_error": 0.04, "observed": 0})
    return out


class LnvConfig(BaseModel):
    """Configuration of the LNV/LFV counting search."""

    model_config = ConfigDict(extra="forbid")
    channels: list[LnvChannel] = Field(default_factory=default_channels)
    n_k: float | None = Field(None, gt=0, description="K+ decays in the FV; null: card run_conditions.kaon_decays (D)")
    n_k_scale: float = Field(1.0, gt=0, description="projections: N_K and backgrounds x n_k_scale")
    eps_trig: float = Field(1.0, gt=0, le=1, description="multi-track trigger efficiency (not found: 1, D)")
    selection: str = "lnv-3track"
    n_sim: int = Field(20_000, ge=500, description="simulated phase-space events per channel")
    cl: float = Field(0.9, gt=0, lt=1)
    method: str = Field("cls", pattern="^(cls|fc)$")


def candidate_pid_column(decay: str) -> str:
    """PID weight column of the simulation's candidate (first positive daughter) of ``decay``.

    >>> candidate_pid_column("K+ -> pi0 pi- mu+ e+")
    'w_pid_mu'
    """
    spec = parse_decay(decay)
    for d in spec.daughters:
        if d in ("pi+", "mu+", "e+"):
            return {"pi+": "w_pid_pi", "mu+": "w_pid_mu", "e+": "w_pid_e"}[d]
    raise InputError("decay", f"{decay!r} has no positive pi/mu/e daughter to select as the candidate")


def channel_acceptance(decay: str, n: int, seed: int, card, selection: str = "lnv-3track") -> tuple[float, float]:
    """(acceptance, statistical error) per K+ decay in the fiducial volume, phase-space generation."""
    spec = parse_decay(decay)
    if spec.parent != "K+":
        raise InputError("decay", f"{decay!r}: only K+ decays are simulated in kaon mode")
    sel = load_selection(selection)
    pid = candidate_pid_column(decay)
    ev = simulate_sample(decay, n, seed, card, sel.fiducial_z, columns=selection_columns(sel, [pid]))
    cf = cut_flow(sel, ev, extra_weights=[pid])
    if cf.total <= 0:
        raise InputError("n_sim", f"no simulated {decay} decay inside the fiducial volume; increase n_sim")
    return cf.acceptance, float(math.sqrt(np.sum(cf.weights ** 2)) / cf.total)


def lnv_limits(cfg: LnvConfig, card, seed: int, n_sim: int | None = None) -> list[dict]:
    """Per channel: acceptance, SES, expected (bands) and observed limits, published limit."""
    card_obj = load_card(card) if isinstance(card, (str, Path)) else card
    n_k0 = cfg.n_k if cfg.n_k is not None else card_obj.run_conditions.kaon_decays
    if n_k0 is None:
        raise InputError("n_k", "the card gives no run_conditions.kaon_decays: set n_k in the LNV config")
    n_k = float(n_k0) * cfg.n_k_scale
    out = []
    for ch in cfg.channels:
        acc, acc_err = channel_acceptance(ch.decay, n_sim or cfg.n_sim, seed, card, cfg.selection)
        if acc <= 0:
            raise InputError("n_sim", f"no simulated {ch.decay} event is selected; increase n_sim")
        ses = 1.0 / (n_k * acc * cfg.eps_trig)
        b = ch.background * cfg.n_k_scale
        be = ch.background_error * cfg.n_k_scale
        obs, origin = ch.observed, "published"
        if obs is None or cfg.n_k_scale != 1.0:
            obs = int(np.random.default_rng(derive_seed(seed, "lnv " + ch.decay)).poisson(b))
            origin = f"pseudo-data (background only, seed {seed})"
        lim = upper_limit([Dataset(ch.decay, obs, b, ses, background_error=be, ses_error=ses * acc_err / acc)],
                          cl=cfg.cl, method=cfg.method)
        out.append({"decay": ch.decay, "acceptance": acc, "acceptance_error": acc_err, "n_k": n_k, "ses": ses,
                    "background": b, "background_error": be, "observed": obs, "observed_origin": origin,
                    "observed_limit": lim.upper_limit, "expected_limit": lim.expected,
                    "published_ul": ch.published_ul, "reference": ch.reference,
                    "ratio_expected_to_published": (lim.expected["median"] / ch.published_ul
                                                    if ch.published_ul else None)})
    return out


def _plot(rows: list[dict], path_stem: Path, title: str) -> list[str]:
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    x = np.arange(len(rows))
    e = {k: np.array([r["expected_limit"][k] for r in rows]) for k in ("minus2", "minus1", "median", "plus1", "plus2")}
    ax.errorbar(x - 0.12, e["median"], yerr=[e["median"] - e["minus2"], e["plus2"] - e["median"]], fmt="none",
                ecolor="#e0c000", elinewidth=6, alpha=0.8, label=r"expected $\pm 2\sigma$")
    ax.errorbar(x - 0.12, e["median"], yerr=[e["median"] - e["minus1"], e["plus1"] - e["median"]], fmt="k_",
                ecolor="#00a000", elinewidth=6, ms=12, label=r"expected (median, $\pm 1\sigma$)")
    ax.plot(x - 0.12, [r["observed_limit"] for r in rows], "ko", ms=5, label="observed / pseudo-data (this run)")
    pub = [(i, r["published_ul"]) for i, r in enumerate(rows) if r["published_ul"]]
    ax.plot([i + 0.12 for i, _ in pub], [v for _, v in pub], "r*", ms=10, label="NA62 published (90% CL)")
    ax.set_xticks(x, [r["decay"].replace("K+ -> ", "") for r in rows], rotation=35, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("BR upper limit (90% CL)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, axis="y", which="both")
    ax.legend(fontsize=7)
    return save(fig, path_stem)


def lnv_section(out_dir: Path, *, card: str = "na62-2022", seed: int = 0, quick: bool = False, config=None) -> dict:
    """Run the nine counting searches; write the table of limits (CSV) and the comparison plot."""
    cfg = load_search_config(LnvConfig, config)
    out_dir = Path(out_dir)
    n_sim = max(2000, cfg.n_sim // 5) if quick else cfg.n_sim
    rows = lnv_limits(cfg, card, seed, n_sim)
    card_obj = load_card(card)
    n_k_origin = "config n_k" if cfg.n_k is not None else f"card {card_obj.name} run_conditions.kaon_decays (D)"
    inputs = [f"N_K = {rows[0]['n_k']:.4g} ({n_k_origin}, x{cfg.n_k_scale:g}); eps_trig {cfg.eps_trig:g}",
              f"acceptance: {n_sim} phase-space events per channel, selection {cfg.selection}, card {card}, seed {seed}",
              "backgrounds/observed: published_results.md A4 where found, else background 0 and pseudo-data"]
    cols = {"decay": [r["decay"] for r in rows], "acceptance": [r["acceptance"] for r in rows],
            "ses": [r["ses"] for r in rows], "background": [r["background"] for r in rows],
            "observed": [r["observed"] for r in rows], "br_ul_observed": [r["observed_limit"] for r in rows]}
    for k in ("minus2", "minus1", "median", "plus1", "plus2"):
        cols[f"br_ul_expected_{k}"] = [r["expected_limit"][k] for r in rows]
    cols["br_ul_published"] = [r["published_ul"] if r["published_ul"] else float("nan") for r in rows]
    files = [write_curve(out_dir / "curves" / "lnv_limits.csv",
                         "upper limits on the branching ratios of LNV/LFV K+ decays (uniform phase space)",
                         "BR dimensionless; SES per decay", cfg.cl, inputs, cols)]
    files += _plot(rows, out_dir / "plots" / "lnv_limits",
                   f"LNV/LFV K+ decays: this run (N_K = {rows[0]['n_k']:.3g}) vs NA62 published limits")
    return {"channels": rows, "n_k_origin": n_k_origin, "n_sim_per_channel": n_sim, "selection": cfg.selection,
            "card": card, "seed": seed, "files": files, "status": "done"}
