"""Lepton-number and lepton-flavour violating K+ decays: counting limits from simulated acceptances.

For each channel the acceptance A is the weighted fraction of K+ decays in the fiducial volume that
pass the three-track selection ``lnv-3track`` (geometric + beam), with the decay generated with
**uniform phase space** (the published searches also assume it, e.g. arXiv:2409.12981 abstract,
[NA62:2021lnvlfv; NA62:2022pipi0ee; NA62:2023munuee]). The limit on the branching ratio comes from the counting model of
:mod:`kaonportal.stats` with the channel's SES, background and observed count.

pi0 reconstruction: the channels with a pi0, K+ -> pi- pi0 e+ e+ (PLB 830 (2022) 137172) and the three
K+ -> pi0 pi mu e channels of arXiv:2409.12981 (:data:`PI0_CHANNELS`, configurable as ``pi0_channels``), use
the selection ``lnv-3track-pi0`` instead: the same cuts plus
pi0 -> gamma gamma, two LKr photon clusters (E > 1 GeV, > 100 mm from the candidate track) with
|m_gg - m_pi0| < 5.7 MeV/c^2 (3 sigma of the m_gg resolution measured in these channels, 1.9 MeV/c^2; D),
from the optional simulation columns ``n_photons_lkr`` and ``m_gg_lkr`` (:mod:`kaonportal.simulation.engine`,
asked for automatically when a selection cut names them; same events as without them). About 1/3 of the
three-track decays keep two such photons (the others lose one to the LAVs, the LKr hole or the track's
cluster), which moved expected/published for these channels from 0.05-0.07 to 0.13-0.19 (na62-2022),
the range of the other channels. Not modelled: photons merging with the two other tracks' clusters,
cluster timing, the published pi0 cuts, the reconstructed (instead of true) vertex for the photon
directions. K+ -> pi- pi0 e+ e+: its published limit is 8.5e-10 (PLB 830 (2022) 137172 abstract; the S004
proceedings table misprints 8.5e-11, the value used before, which gave expected/published 1.13).

Agreement with NA62 (issue #12 item 5): each channel's summary entry and the CSV carry ``published_ratio``
(expected median / published) and ``agreement`` (:mod:`kaonportal.analyses.agreement`: the published limit inside the expected
+-2 sigma band, else "disagree (xF stronger than published: reason)"), the reason listing the channel's
inputs that could not be checked against its paper (:func:`disagreement_reason`). Measured (card na62-2018,
seed 0, n_sim 4000; na62-2022 gives the same numbers): expected/published pi- mu+ mu+ 0.36, pi- e+ e+ 0.26,
pi- pi0 e+ e+ 0.105 (against the paper's 8.5e-10), pi- mu+ e+ 0.24, pi+ mu- e+ 0.15, mu- nu e+ e+ 0.24, the three
pi0 pi mu e channels 0.155-0.185: 2.8-9.5x stronger than published, every channel flagged "disagree" with its
reason. No input was tuned.

Normalisation (shipped inputs: ``kaonportal/data/searches/inputs/lnv.yaml``, every number with its
source and status). N_K, the trigger and selection efficiencies of the LNV datasets were **not found**
(full texts not reachable), so by default the SES is calibrated on the published yield of a SM decay
selected from the same multi-track data, K+ -> pi+ mu+ mu- in 2017-2018 (2.8e4 candidates, negligible
background, BR 9.15e-8; [NA62:2022qes] JHEP 11 (2022) 011 abstract):

    E = (N_cand - N_bkg) / (BR x A_sim(K+ -> pi+ mu+ mu-))          (exposure N_K x efficiencies)
    SES(channel) = 1 / (E x f_years x A_sim(channel))

with the same selection and simulation for both acceptances (same form as the N_K of
[Blazek:2025patras], N_K = N_pipi D / (BR A)). E absorbs the trigger, identification and
selection efficiencies the fast simulation lacks, assuming they are the same for the LNV channel as for
pi+ mu+ mu- (approximation: the electron channels used other trigger lines, not found).
f_years = N_K(channel years) / N_K(2017-2018) moves E between data-taking periods with the per-year
K+ decay counts of the pnn datasets (2016 V, 2017 S, 2018 D, see the inputs file).
Setting ``n_k`` instead uses SES = 1 / (N_K A eps_trig) with the candidate's PID as an extra weight
(explicit-N_K mode, e.g. for projections with another detector card).

Backgrounds and observed counts: published only for K+ -> mu- nu e+ e+ (0.26 +- 0.04, 0 observed,
PLB 838 (2023) 137679); elsewhere background 0 and pseudo-data (status D). A user's own counts replace
them through the configuration (``observed: {decay: events}``); :func:`check_lnv_inputs` validates the
configuration before anything is simulated.

Configuration (channels, exposure, per-year K+ decays, :class:`LnvConfig`): :mod:`.lnv_config`, re-exported here.
"""

from __future__ import annotations

__all__ = ["LnvChannel", "LnvExposure", "LnvConfig", "default_channels", "default_exposure", "year_fraction",
           "search_inputs", "kaon_decays_per_year",
           "candidate_pid_column", "PI0_CHANNELS", "channel_selection", "channel_acceptance", "exposure", "check_lnv_inputs", "lnv_limits", "lnv_section"]

import math
import re
from pathlib import Path

import numpy as np

from ...decays import parse_decay
from ...detector import load_card
from ...errors import InputError
from ...report.style import decay_label, latex_text, save, styled
from ...selection import cut_flow, load_selection
from ...simulation.schema import OPTIONAL_COLUMNS
from ...stats import Dataset, upper_limit
from ..samples import derive_seed
from ..agreement import agreement_of_limit, band_note
from .datasets import SEARCH_DATA, data_used, resolve_card
from .common import load_search_config, selection_columns, simulate_sample, write_curve
from .lnv_config import (PI0_CHANNELS, LnvChannel, LnvConfig, LnvExposure, default_channels,  # noqa: F401
                         default_exposure, kaon_decays_per_year, search_inputs, year_fraction)


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


def channel_selection(cfg: LnvConfig, decay: str) -> str:
    """The selection of one channel: ``cfg.pi0_selection`` for the channels of ``cfg.pi0_channels``,
    else ``cfg.selection``.

    >>> cfg = LnvConfig()
    >>> channel_selection(cfg, "K+ -> pi0 pi+ mu+ e-"), channel_selection(cfg, "K+ -> pi- e+ e+")
    ('lnv-3track-pi0', 'lnv-3track')
    """
    return cfg.pi0_selection if str(parse_decay(decay)) in {str(parse_decay(d)) for d in cfg.pi0_channels} \
        else cfg.selection


def channel_acceptance(decay: str, n: int, seed: int, card, selection: str = "lnv-3track",
                       with_pid: bool = True, **decay_options) -> tuple[float, float]:
    """(acceptance, statistical error) per K+ decay in the fiducial volume, phase-space generation;
    ``with_pid``: times the identification probability of the candidate track. Optional simulation
    columns the selection reads (e.g. ``m_gg_lkr``) are simulated for it (same events, same seed).
    ``decay_options`` go to the generator (``mass``, ``x_decay`` of ``K+ -> pi+ X``: :mod:`.lnv_pi0`)."""
    spec = parse_decay(decay)
    if spec.parent != "K+":
        raise InputError("decay", f"{decay!r}: only K+ decays are simulated in kaon mode")
    sel = load_selection(selection)
    pid = [candidate_pid_column(decay)] if with_pid else []
    columns = selection_columns(sel, pid)
    extra = tuple(c for c in OPTIONAL_COLUMNS if c in columns)
    opts = {**decay_options, **({"extra_columns": extra} if extra else {})}
    ev = simulate_sample(decay, n, seed, card, sel.fiducial_z, columns=columns, **opts)
    cf = cut_flow(sel, ev, extra_weights=pid)
    if cf.total <= 0:
        raise InputError("n_sim", f"no simulated {decay} decay inside the fiducial volume; increase n_sim")
    return cf.acceptance, float(math.sqrt(np.sum(cf.weights ** 2)) / cf.total)


def exposure(cfg: LnvConfig, card, seed: int, n_sim: int) -> dict:
    """N_K x efficiencies of the multi-track data from the published yield of ``cfg.exposure``:
    E = (N_cand - N_bkg) / (BR A_sim), relative error from the simulated acceptance and Poisson N_cand."""
    ex = cfg.exposure
    acc, acc_err = channel_acceptance(ex.decay, n_sim, seed, card, cfg.selection, with_pid=False)
    if acc <= 0:
        raise InputError("n_sim", f"no simulated {ex.decay} event is selected; increase n_sim")
    n = ex.candidates - ex.background
    if n <= 0:
        raise InputError("exposure.background", "must be smaller than exposure.candidates")
    e = n / (ex.branching_ratio * acc)
    rel = math.hypot(acc_err / acc, math.sqrt(ex.candidates) / n)
    return {"exposure": e, "exposure_error": e * rel, "acceptance": acc, "acceptance_error": acc_err,
            "decay": ex.decay, "years": ex.years, "source": ex.source}


def check_lnv_inputs(cfg: LnvConfig) -> None:
    """Validate the configuration before anything is simulated: every channel a K+ decay with a
    positive pi/mu/e candidate, its years and the exposure's years with a K+ decay count, ``inject`` and
    ``observed`` naming configured channels with counts >= 0, the selection known.

    >>> check_lnv_inputs(LnvConfig(observed={"K+ -> pi+ pi+ pi-": 3}))
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: observed: 'K+ -> pi+ pi+ pi-' is not one of the configured channels (K+ -> pi- mu+ mu+, ...)
    """
    names = [c.decay for c in cfg.channels]
    for key, mapping in (("inject", cfg.inject), ("observed", cfg.observed)):
        for decay, v in mapping.items():
            if decay not in names:
                raise InputError(key, f"{decay!r} is not one of the configured channels ({', '.join(names[:1])}, ...)")
            if v < 0:
                raise InputError(f"{key}[{decay}]", f"must be >= 0 events, got {v!r}")
    for i, ch in enumerate(cfg.channels):
        spec = parse_decay(ch.decay)
        if spec.parent != "K+":
            raise InputError(f"channels[{i}].decay", f"{ch.decay!r}: only K+ decays are simulated in kaon mode")
        candidate_pid_column(ch.decay)
        year_fraction(ch.years, cfg.exposure.years, cfg.kaon_decays_per_year)
    load_selection(cfg.selection)
    load_selection(cfg.pi0_selection, field="pi0_selection")
    for i, d in enumerate(cfg.pi0_channels):
        if "pi0" not in parse_decay(d).daughters:
            raise InputError(f"pi0_channels[{i}]", f"{d!r} has no pi0 to reconstruct")


def disagreement_reason(ch: LnvChannel, cfg: LnvConfig) -> str:
    """Why this run's limit can differ from the published one: the inputs of the channel that could not be
    checked against its paper ([NA62:2019lnv17; NA62:2021lnvlfv; NA62:2022pipi0ee; NA62:2023munuee; NA62:2024pi0pimue]: N_K, acceptance and, except K+ -> mu- nu e+ e+, the
    background and observed count of the LNV papers were not found)."""
    parts = []
    if ch.observed is None and ch.background == 0:
        parts.append("published background and observed count not found (0 background, pseudo-data)")
    if cfg.n_k is None:
        parts.append(f"exposure calibrated on the {cfg.exposure.decay} yield (di-muon trigger): the channel's "
                     "own trigger line, PID and kinematic-cut efficiencies not modelled (geometry + beam only)")
    if any(d in ("e+", "e-") for d in parse_decay(ch.decay).daughters):
        parts.append("electron trigger/identification efficiency not found")
    if "pi0" in parse_decay(ch.decay).daughters:
        parts.append("the paper's pi0 cuts not modelled")
    parts.append("the paper's N_K and acceptance not found ([NA62:2019lnv17; NA62:2021lnvlfv; NA62:2022pipi0ee; NA62:2023munuee; NA62:2024pi0pimue])")
    return "; ".join(parts)


def lnv_limits(cfg: LnvConfig, card, seed: int, n_sim: int | None = None) -> list[dict]:
    """Per channel: acceptance, SES, expected (bands) and observed limits, published limit."""
    check_lnv_inputs(cfg)
    card_obj = load_card(card) if isinstance(card, (str, Path)) else card
    n_sim = n_sim or cfg.n_sim
    explicit = cfg.n_k is not None
    if not explicit:
        ex = exposure(cfg, card, seed, n_sim)
    out = []
    for ch in cfg.channels:
        acc, acc_err = channel_acceptance(ch.decay, n_sim, seed, card, channel_selection(cfg, ch.decay),
                                          with_pid=explicit)
        if acc <= 0:
            raise InputError("n_sim", f"no simulated {ch.decay} event is selected; increase n_sim")
        if explicit:
            n_eff, rel_n = float(cfg.n_k) * cfg.n_k_scale * cfg.eps_trig, 0.0
            norm = {"n_k": float(cfg.n_k) * cfg.n_k_scale, "normalisation": "explicit N_K (config n_k)"}
        else:
            f = year_fraction(ch.years, ex["years"], cfg.kaon_decays_per_year)
            n_eff, rel_n = ex["exposure"] * f * cfg.n_k_scale, ex["exposure_error"] / ex["exposure"]
            norm = {"n_k": None, "exposure": ex["exposure"], "year_fraction": f,
                    "normalisation": f"{ex['decay']} yield ({ex['source']})"}
        ses = 1.0 / (n_eff * acc)
        b = ch.background * cfg.n_k_scale
        be = ch.background_error * cfg.n_k_scale
        obs, origin = ch.observed, "published"
        s_inj = float(cfg.inject.get(ch.decay, 0.0))
        if ch.decay in cfg.observed:
            obs, origin = int(cfg.observed[ch.decay]), "config observed"
        elif obs is None or cfg.n_k_scale != 1.0 or ch.decay in cfg.inject:
            obs = int(np.random.default_rng(derive_seed(seed, "lnv " + ch.decay)).poisson(b + s_inj))
            origin = (f"pseudo-data (background + {s_inj:g} injected signal events, seed {seed})" if s_inj
                      else f"pseudo-data (background only, seed {seed})")
        ses_err = ses * math.hypot(acc_err / acc, rel_n)
        lim = upper_limit([Dataset(ch.decay, obs, b, ses, background_error=be, ses_error=ses_err)],
                          cl=cfg.cl, method=cfg.method)
        out.append({"decay": ch.decay, "acceptance": acc, "acceptance_error": acc_err, **norm, "ses": ses,
                    "ses_error": ses_err, "background": b, "background_error": be, "background_origin":
                    "published" if (ch.background > 0 or ch.observed is not None) else "not found: 0 (D)",
                    "observed": obs, "observed_origin": origin,
                    "observed_limit": lim.upper_limit, "expected_limit": lim.expected,
                    "injected_signal": s_inj, "injected_br": s_inj * ses,
                    "published_ul": ch.published_ul, "reference": ch.reference, "years": ch.years,
                    "ratio_expected_to_published": (lim.expected["median"] / ch.published_ul
                                                    if ch.published_ul else None),
                    # rule (analyses.agreement): the published limit inside this run's expected +-2 sigma band
                    **agreement_of_limit(lim.expected["median"], ch.published_ul, lim.expected["minus2"],
                                         lim.expected["plus2"], disagreement_reason(ch, cfg))})
    return out


@styled
def _plot(rows: list[dict], path_stem: Path, title: str) -> list[str]:
    import matplotlib
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    x = np.arange(len(rows))
    e = {k: np.array([r["expected_limit"][k] for r in rows]) for k in ("minus2", "minus1", "median", "plus1", "plus2")}
    ax.errorbar(x - 0.12, e["median"], yerr=[e["median"] - e["minus2"], e["plus2"] - e["median"]], fmt="none",
                ecolor="#F0E442", elinewidth=6, alpha=0.8, label=r"expected $\pm 2\sigma$")
    ax.errorbar(x - 0.12, e["median"], yerr=[e["median"] - e["minus1"], e["plus1"] - e["median"]], fmt="k_",
                ecolor="#009E73", elinewidth=6, ms=12, label=r"expected (median, $\pm 1\sigma$)")
    ax.plot(x - 0.12, [r["observed_limit"] for r in rows], "ko", ms=5, label="observed / pseudo-data (this run)")
    pub = [(i, r["published_ul"]) for i, r in enumerate(rows) if r["published_ul"]]
    refs = dict.fromkeys(re.sub(r"\s*\((?!\d{4}\))[^)]*\)", "", r["reference"].split(",")[0]).strip()
                         for r in rows if r["published_ul"] and r.get("reference"))
    ax.plot([i + 0.12 for i, _ in pub], [v for _, v in pub], "*", color="#D55E00", ms=10,
            label="NA62 published (90% CL)" + ("\n" + "; ".join(refs) if refs else ""))
    ax.set_xticks(x, [decay_label(r["decay"]) for r in rows], rotation=35, ha="right", fontsize=8)
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())     # categories: no minor ticks
    ax.set_yscale("log")
    ax.set_ylabel("BR upper limit (90% CL)")
    ax.set_title(latex_text(title), fontsize=9)
    ax.grid(alpha=0.3, axis="y", which="both")
    ax.legend(fontsize=7)
    return save(fig, path_stem)


def lnv_section(out_dir: Path, *, card: str | None = None, seed: int = 0, quick: bool = False, config=None) -> dict:
    """Run the nine counting searches; write the table of limits (CSV) and the comparison plot. ``card``: the
    run's card override, else the 2016-18 card (:mod:`.datasets`)."""
    cfg = load_search_config(LnvConfig, config)
    card, card_origin = resolve_card("lnv", card)
    out_dir = Path(out_dir)
    n_sim = max(2000, cfg.n_sim // 5) if quick else cfg.n_sim
    rows = lnv_limits(cfg, card, seed, n_sim)
    from .lnv_pi0 import pi0_lfv_limits      # the LFV pi0 decays of [NA62:2021lnvlfv] (K+ -> pi+ pi0 tagged)
    pi0_rows = pi0_lfv_limits(cfg, card, seed, n_sim)
    if cfg.n_k is not None:
        norm_text = f"N_K = {cfg.n_k * cfg.n_k_scale:.4g} (config n_k, x{cfg.n_k_scale:g}); eps_trig {cfg.eps_trig:g}"
        title_norm = f"N_K = {cfg.n_k * cfg.n_k_scale:.3g}"
    else:
        ex = cfg.exposure
        norm_text = (f"exposure N_K x eff = {rows[0]['exposure']:.4g} (x{cfg.n_k_scale:g}) from {ex.candidates:g} "
                     f"{ex.decay} candidates, BR {ex.branching_ratio:g}, years {ex.years} ({ex.source}); "
                     f"moved to each channel's years with the pnn N_K per year")
        title_norm = f"exposure {rows[0]['exposure'] * cfg.n_k_scale:.3g} ({ex.decay} yield)"
    notes = ["N_K, acceptances and trigger efficiencies of the published LNV searches: not found (placeholders "
             "replaced by the exposure calibration above)",
             "backgrounds/observed: published only for K+ -> mu- nu e+ e+; elsewhere background 0 and pseudo-data (D)",
             "selection: geometric + beam only (no PID, timing or kinematic cuts of the published analyses); "
             f"pi0 channels: + two LKr photons and the m_gg window of {cfg.pi0_selection} (D)"]
    inputs = [norm_text,
              f"acceptance: {n_sim} phase-space events per channel, selection {cfg.selection} "
              f"({cfg.pi0_selection} for the pi0 channels), card {card}, seed {seed}",
              *notes]
    cols = {"decay": [r["decay"] for r in rows], "acceptance": [r["acceptance"] for r in rows],
            "ses": [r["ses"] for r in rows], "background": [r["background"] for r in rows],
            "observed": [r["observed"] for r in rows], "br_ul_observed": [r["observed_limit"] for r in rows]}
    for k in ("minus2", "minus1", "median", "plus1", "plus2"):
        cols[f"br_ul_expected_{k}"] = [r["expected_limit"][k] for r in rows]
    cols["br_ul_published"] = [r["published_ul"] if r["published_ul"] else float("nan") for r in rows]
    cols["published_ratio"] = [r["published_ratio"] if r["published_ratio"] is not None else float("nan")
                               for r in rows]
    cols["agreement"] = [r["agreement"].split(" (")[0] for r in rows]
    inputs += [band_note(f"NA62 ({r['decay']})", r["agreement"]) for r in rows]
    files = [write_curve(out_dir / "curves" / "lnv_limits.csv",
                         "upper limits on the branching ratios of LNV/LFV K+ decays (uniform phase space)",
                         "BR dimensionless; SES per decay", cfg.cl, inputs, cols)]
    files += _plot(rows, out_dir / "plots" / "lnv_limits",
                   f"LNV/LFV K+ decays: this run ({title_norm}) vs NA62 published limits")
    n_dis = sum(r["agreement"].startswith("disagree") for r in rows)
    return {"channels": rows, "pi0_decays": pi0_rows, "n_k_origin": norm_text,
            "agreement": f"{len(rows) - n_dis} of {len(rows)} channels agree with NA62 (published limit inside the "
                         "expected +-2 sigma band); per channel: channels[i].agreement", "notes": notes, "n_sim_per_channel": n_sim,
            "selection": cfg.selection, "pi0_selection": cfg.pi0_selection, "card": card, "seed": seed, "files": files,
            "dataset": SEARCH_DATA["lnv"].period, "card_origin": card_origin,
            "n_k": float(cfg.n_k * cfg.n_k_scale) if cfg.n_k is not None else None,
            "data_used": data_used(SEARCH_DATA["lnv"].period, card,
                                   cfg.n_k * cfg.n_k_scale if cfg.n_k is not None else
                                   f"n/a (exposure {rows[0]['exposure'] * cfg.n_k_scale:.3g} from the "
                                   f"{cfg.exposure.decay} yield)", f"{cfg.selection} / {cfg.pi0_selection}"),
            "status": "done"}
