"""The kaon-mode searches of ``kaonportal recast``: which BR-limit curve each one writes, which production
channel and final state it constrains, and their coupling exclusions for any model.

Each search is a section of ``kaonportal run`` (:data:`kaonportal.analyses.searches.SECTIONS`); recast reads
the curve CSV the section writes in ``curves/`` (from an existing run directory, ``--searches-from``, or by
running the section into ``DIR/searches``) and turns it into a coupling exclusion with
:func:`kaonportal.models.convert.coupling_limit` (the same conversion as the ``interpretation`` section):

=================  ============  =====================================  ====================  =============
search             section       curve                                  production            X must
=================  ============  =====================================  ====================  =============
kpix               kpix          kpix_invisible_br_vs_lifetime (tau)    K+ -> pi+ X           escape / inv.
visible-x-gg       visible-x     visible_x_gg_br (prompt)               K+ -> pi+ X           -> gamma gamma
visible-x-mumu     visible-x     visible_x_mumu_br (prompt)             K+ -> pi+ X           -> mu+ mu-
hnl-kp-e           hnl           hnl_kp_eN_br                           K+ -> e+ X            escape / inv.
hnl-kp-mu          hnl           hnl_kp_muN_br                          K+ -> mu+ X           escape / inv.
hnl-pip-e          hnl           hnl_pip_eN_br                          pi+ -> e+ X           escape / inv.
kmunux             kmunux        kmunux_br_scalar / _vector (spin 0/1)  K+ -> mu+ nu X        escape / inv.
pi0-gamma-x        pi0-gamma-x   pi0_gamma_x_aprime                     pi0 -> gamma X        escape / inv.
=================  ============  =====================================  ====================  =============

Decay in flight: the kpix curve is a (mass x lifetime) table, so the survival probability comes from the
search's own acceptance versus lifetime at the model's lifetime (models.convert docstring). The others are
limits for a stable (invisible searches) or prompt (visible) X: the escape probability uses the model's c tau
and the representative momentum of models.convert (P(no decay within 112 m)); a prompt visible search
requires the decay within :data:`PROMPT_DECAY_LENGTH_M` of the K+ vertex (assumption [U]: the visible-x
search simulates prompt X only, and a displaced vertex is not reconstructed by its pi+-beam-line vertex;
1 m is of the order of the longitudinal resolution of a three-track vertex in the NA62 decay volume).
Samples: ``independent`` groups searches whose data samples do not overlap; the K+ -> mu+ N peak search and
K+ -> mu+ nu X select the same single-muon sample, so they share a group.
"""

from __future__ import annotations

__all__ = ["KaonSearch", "KAON_SEARCHES", "PROMPT_DECAY_LENGTH_M", "PUBLISHED_BR_CURVES", "applicable_searches",
           "curve_path", "ensure_curves", "read_search_curve", "search_edges", "resampled_limits", "edges_from_limits",
           "published_edges", "BANDS"]

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..models.convert import coupling_limit

BANDS = ("minus2", "minus1", "median", "plus1", "plus2")
PROMPT_DECAY_LENGTH_M = 1.0
#: NA62's published BR limits versus mass and lifetime (shipped curves, ALPaca re-grid; provenance in their
#: headers), converted with the same model for comparison: [NA62:2025upx] and the papers each header cites
PUBLISHED_BR_CURVES = {
    "kpix": ("NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca", "invisible"),
    "visible-x-gg": ("NA62_Kp_to_pia_a_to_gg_BR_UL90_vs_mass_lifetime_ALPaca", "gamma gamma"),
    "visible-x-mumu": ("NA62_Kp_to_piX_X_to_mumu_BR_UL90_vs_mass_lifetime_ALPaca", "mu+ mu-"),
}


@dataclass(frozen=True)
class KaonSearch:
    name: str
    section: str
    curve: str                  # curve stem in curves/ ({spin} -> scalar / vector)
    production: str             # {X} = the model's particle symbol
    final_state: str            # "invisible" or a decay final state
    group: str                  # statistical-independence group
    mass_column: str
    tau_column: str | None = None
    prompt: bool = False


KAON_SEARCHES = (
    KaonSearch("kpix", "kpix", "kpix_invisible_br_vs_lifetime", "K+ -> pi+ {X}", "invisible", "pi+ invisible",
               "m_x_gev", tau_column="tau_ns"),
    KaonSearch("visible-x-gg", "visible-x", "visible_x_gg_br", "K+ -> pi+ {X}", "gamma gamma", "pi+ gamma gamma",
               "m_x_gev", prompt=True),
    KaonSearch("visible-x-mumu", "visible-x", "visible_x_mumu_br", "K+ -> pi+ {X}", "mu+ mu-", "pi+ mu+ mu-",
               "m_x_gev", prompt=True),
    KaonSearch("hnl-kp-e", "hnl", "hnl_kp_eN_br", "K+ -> e+ {X}", "invisible", "e+ invisible", "m_n_gev"),
    KaonSearch("hnl-kp-mu", "hnl", "hnl_kp_muN_br", "K+ -> mu+ {X}", "invisible", "mu+ invisible", "m_n_gev"),
    KaonSearch("hnl-pip-e", "hnl", "hnl_pip_eN_br", "pi+ -> e+ {X}", "invisible", "pi+ -> e+ invisible", "m_n_gev"),
    KaonSearch("kmunux", "kmunux", "kmunux_br_{spin}", "K+ -> mu+ nu {X}", "invisible", "mu+ invisible", "m_x_gev"),
    KaonSearch("pi0-gamma-x", "pi0-gamma-x", "pi0_gamma_x_aprime", "pi0 -> gamma {X}", "invisible",
               "gamma invisible", "m_aprime_gev"),
)
_BY_NAME = {s.name: s for s in KAON_SEARCHES}


def _spin_word(model) -> str | None:
    spin = getattr(model, "spin", None)
    if spin is None:
        from ..models.export import SPINS
        spin = SPINS.get(model.particle)
    return {0: "scalar", 1: "vector"}.get(spin)


def curve_path(search: KaonSearch, model, curves_dir: Path) -> Path | None:
    """Path of the search's curve for this model (None: the search has no curve for its spin)."""
    stem = search.curve
    if "{spin}" in stem:
        word = _spin_word(model)
        if word is None:
            return None
        stem = stem.format(spin=word)
    return Path(curves_dir) / f"{stem}.csv"


def parse_search_list(text: str | None) -> list[str]:
    """``all`` (or None) -> every search; else a comma list of search names (kaon-mode, ``dump``)."""
    names = [s.name for s in KAON_SEARCHES] + ["dump"]
    if text is None or text.strip().lower() == "all":
        return names
    out = [t.strip() for t in text.split(",") if t.strip()]
    for t in out:
        if t not in names:
            raise InputError("searches", f"unknown search {t!r}; known: all, {', '.join(names)}")
    if not out:
        raise InputError("searches", "give at least one search, or all")
    return out


def applicable_searches(model, wanted: list[str]) -> tuple[list[KaonSearch], dict[str, str]]:
    """The kaon-mode searches the model can populate, and why the others are skipped."""
    keys = set(model.production_channels())
    decays = set(model.decay_channels())
    ok, skipped = [], {}
    for name in wanted:
        if name not in _BY_NAME:
            continue
        s = _BY_NAME[name]
        prod = s.production.format(X=model.particle)
        if prod not in keys:
            skipped[name] = f"the model has no {prod!r} production"
        elif s.final_state != "invisible" and not any(
                sorted(k.split("->")[-1].split()) == sorted(s.final_state.split()) for k in decays):
            skipped[name] = f"the model has no {model.particle} -> {s.final_state} decay"
        elif "{spin}" in s.curve and _spin_word(model) is None:
            skipped[name] = "the search has curves for a scalar or a vector X only"
        else:
            ok.append(s)
    return ok, skipped


def ensure_curves(searches: list[KaonSearch], model, curves_root: Path, *, searches_from: Path | None,
                  seed: int, quick: bool, configs: dict | None = None, progress=None) -> Path:
    """The ``curves/`` directory holding every needed curve: ``searches_from/curves`` (must hold them all) or
    ``curves_root/curves`` after running the missing sections there (``configs``: per-section overrides)."""
    from ..analyses.searches import SECTIONS
    if searches_from is not None:
        cdir = Path(searches_from) / "curves"
        missing = [str(curve_path(s, model, cdir)) for s in searches
                   if not curve_path(s, model, cdir).is_file()]
        if missing:
            raise InputError("searches_from", f"{searches_from} lacks the search curve(s) {', '.join(missing)}; "
                                              "run `kaonportal run` there first or drop --searches-from")
        return cdir
    cdir = Path(curves_root) / "curves"
    sections = []
    for s in searches:
        if not curve_path(s, model, cdir).is_file() and s.section not in sections:
            sections.append(s.section)
    for i, sec in enumerate(sections):
        SECTIONS[sec](curves_root, seed=seed, quick=quick, config=(configs or {}).get(sec))
        if progress is not None:
            progress(i + 1, len(sections))
    return cdir


def read_search_curve(search: KaonSearch, path: Path) -> dict[str, np.ndarray]:
    """Columns of a search's curve CSV (``#`` header skipped)."""
    from ..analyses.searches.interpretation import read_run_curve
    cols = read_run_curve(path)
    need = [search.mass_column, "br_ul_observed", *(f"br_ul_expected_{b}" for b in BANDS)]
    if search.tau_column:
        need.append(search.tau_column)
    missing = [c for c in need if c not in cols]
    if missing:
        raise InputError("searches_from", f"{path} lacks column(s) {', '.join(missing)}")
    return cols


def _resample(m_curve, values, grid) -> np.ndarray:
    """log-linear interpolation of a limit curve onto ``grid``; NaN outside it and across gaps (an interval
    longer than 3 x the median spacing, e.g. the pi0 region of K+ -> pi+ X)."""
    order = np.argsort(m_curve)
    mc, v = np.asarray(m_curve, float)[order], np.asarray(values, float)[order]
    good = np.isfinite(v) & (v > 0)
    mc, v = mc[good], v[good]
    if mc.size < 2:
        return np.full(np.shape(grid), np.nan)
    out = np.exp(np.interp(grid, mc, np.log(v), left=np.nan, right=np.nan))
    step = np.diff(mc)
    j = np.clip(np.searchsorted(mc, grid) - 1, 0, mc.size - 2)
    out[step[j] > 3.0 * np.median(step)] = np.nan
    return out


def resampled_limits(search: KaonSearch, model, cols: dict, masses,
                     bands=("observed",) + BANDS) -> dict[str, tuple[np.ndarray, np.ndarray | None, np.ndarray]]:
    """{band: (mass, lifetime in s or None, BR limit)}: the search's curve resampled onto ``masses`` (log-linear,
    :func:`_resample`; for a (mass, lifetime) table, per lifetime) and kept where the model is defined and the
    limit finite -- the input of :func:`edges_from_limits`, computed once for every scale of the limit."""
    masses = np.asarray(masses, float)
    lo, hi = model.mass_range
    inside = (masses >= lo) & (masses <= hi)
    m_curve = cols[search.mass_column]
    out = {}
    for band in bands:
        col = cols["br_ul_observed" if band == "observed" else f"br_ul_expected_{band}"]
        if search.tau_column:
            ms, ts, bs = [], [], []
            for t in np.unique(cols[search.tau_column]):
                sel = cols[search.tau_column] == t
                ms.append(masses), ts.append(np.full(masses.shape, t * 1e-9))
                bs.append(_resample(m_curve[sel], col[sel], masses))
            ms, ts, bs = np.concatenate(ms), np.concatenate(ts), np.concatenate(bs)
            ok = np.isin(ms, masses[inside]) & np.isfinite(bs)
            out[band] = (ms[ok], ts[ok], bs[ok])
        else:
            br = _resample(m_curve, col, masses)
            ok = inside & np.isfinite(br)
            out[band] = (masses[ok], None, br[ok])
    return out


def edges_from_limits(search: KaonSearch, model, limits: dict, masses, *,
                      scale: float = 1.0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{band: (coupling_low, coupling_high)} at ``masses`` (NaN: nothing excluded or no limit there) where the
    signal exceeds ``scale`` x the BR limit of :func:`resampled_limits` (``scale`` < 1 gives the level sets used
    by the combination)."""
    masses = np.asarray(masses, float)
    prod = search.production.format(X=model.particle)
    out = {}
    for band, (ms, ts, bs) in limits.items():
        low = np.full(masses.shape, np.nan)
        high = np.full(masses.shape, np.nan)
        if ms.size:
            if ts is not None:
                kw = {"tau_s": ts}
            else:
                kw = {"decay_region_m": (0.0, PROMPT_DECAY_LENGTH_M)} if search.prompt else {}
            res = coupling_limit(model, ms, bs * scale, production=prod, final_state=search.final_state, **kw)
            idx = np.searchsorted(masses, res.mass_gev)
            low[idx], high[idx] = res.coupling_low, res.coupling_high
        out[band] = (low, high)
    return out


def search_edges(search: KaonSearch, model, cols: dict, masses, *, scale: float = 1.0,
                 bands=("observed",) + BANDS) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{band: (coupling_low, coupling_high)} at ``masses`` (NaN: nothing excluded or no limit there) where the
    signal exceeds ``scale`` x the BR limit (``scale`` < 1 gives the level sets used by the combination)."""
    return edges_from_limits(search, model, resampled_limits(search, model, cols, masses, bands), masses,
                             scale=scale)


def published_edges(search: KaonSearch, model, masses) -> tuple[str, np.ndarray] | None:
    """(curve name, lower edge at ``masses``) from NA62's published limit for this search converted with the
    same model (:func:`kaonportal.models.convert.convert_curve`, which reads the published lifetime table);
    interpolated in log(coupling) between the curve's masses; None without a published BR curve."""
    from importlib import resources

    from ..models.convert import convert_curve
    if search.name not in PUBLISHED_BR_CURVES:
        return None
    name, final_state = PUBLISHED_BR_CURVES[search.name]
    path = Path(str(resources.files("kaonportal") / "data" / "curves" / f"{name}.csv"))
    try:
        res = convert_curve(path, model, final_state=final_state, production=search.production.format(X=model.particle))
    except InputError:
        return None
    ok = np.isfinite(res.coupling_low)
    if ok.sum() < 2:
        return None
    mm = np.asarray(masses, float)
    low = np.exp(np.interp(mm, res.mass_gev[ok], np.log(res.coupling_low[ok]), left=np.nan, right=np.nan))
    return name, low
