"""Interpretation: this run's limit curves in the planes of the portal benchmarks, next to published curves.

* BC4 (dark scalar, sin^2 theta), BC10 (ALP, fermion couplings), BC11 (ALP, gluon coupling) and BC2
  (invisible dark photon, epsilon, produced in K+ -> pi+ A') from the K+ -> pi+ X (invisible, stable) BR
  limits of :mod:`.kpix`, converted with :func:`kaonportal.models.convert.coupling_limit` (signal = production
  BR x probability that X escapes the detector; models.convert module docstring). The published comparison
  is the NA62 2016-2022 K+ -> pi+ X curve (ALPaca re-grid, with its lifetime table) converted with the same
  model (:func:`~kaonportal.models.convert.convert_curve`).
* BC2 also from pi0 -> gamma A' (A' invisible) on tagged pi0 (:mod:`.pi0_gamma_x`): its epsilon^2 limits, shown as
  epsilon = sqrt(epsilon^2) (BR(pi0 -> gamma A') is proportional to epsilon^2 and the invisible A' always escapes:
  :mod:`kaonportal.models.dark_photon`), next to NA62's observed curve, JHEP 05 (2019) 182 Fig. 7, as digitised by
  DarkCast (shipped curve :data:`PUBLISHED_PI0_GAMMA`, provenance in its header). Overlaid on the ``interp_BC2``
  plot and drawn with its bands in ``interp_BC2_pi0_gamma``; :func:`eps2_ratio_to_published` gives the ratio
  (ours / published) of epsilon^2 at each of this run's masses, written to the CSV and the summary, not forced
  to agree. Found with the pi0-gamma-x defaults (card na62-2022, seed 1): expected 0.75-4.6 x the published
  epsilon^2 at 39-65 MeV (gamma gamma background) and 0.76-1.4 x at 70-112 MeV, where the background is the
  photonuclear LKr response of the seen photon (pi0_gamma_x module docstring; its visible-energy shape is an
  assumption, status U). Without that mechanism the simulation had almost no background there (17-38 x stronger).
* BC6 / BC7 (|U_e4|^2, |U_mu4|^2) from :mod:`.hnl`, next to the shipped HEPData / digitised curves.
* Every curve is exported as CSV (``#`` header) and as HEPData tables (:func:`hepdata_tables`), including the
  published K+ -> pi+ X curve converted to each plane (``interp_<BC>_<coupling>_published.csv``).

Inputs are read from ``out_dir/curves`` (written by the ``kpix``, ``pi0-gamma-x`` and ``hnl`` sections of the
same run); missing ones are produced by running those sections first.

>>> [p[0] for p in PLANES]
['BC4', 'BC10', 'BC11', 'BC2']
"""

from __future__ import annotations

__all__ = ["PLANES", "PUBLISHED_PI0_GAMMA", "read_run_curve", "coupling_curves", "eps2_ratio_to_published",
           "hepdata_tables", "interpretation_section"]

from importlib import resources
from pathlib import Path

import numpy as np

from ...errors import InputError
from ...report.style import PI0_GAP_GEV, published_label
from ...models import get_model
from ...models.convert import convert_curve, coupling_limit
from ...published import PublishedCurve, load_curve, read_curve_csv
from .common import plot_limit_curves, write_curve

BANDS = ("minus2", "minus1", "median", "plus1", "plus2")
#: (PBC label, model name, production channel in K+ decays)
PLANES = (("BC4", "dark-scalar", "K+ -> pi+ S"), ("BC10", "alp-fermion", "K+ -> pi+ a"),
          ("BC11", "alp-gluon", "K+ -> pi+ a"), ("BC2", "dark-photon-invisible", "K+ -> pi+ A'"))
PUBLISHED_KPIX = "NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca"
#: NA62 pi0 -> gamma A' observed epsilon limit (JHEP 05 (2019) 182 Fig. 7, DarkCast digitisation; file header)
PUBLISHED_PI0_GAMMA = "NA62_2019_pi0_to_gammaAprime_eps_UL90_DarkCast_digitized"
_COUPLING_LABEL = {"sin2theta": r"$\sin^2\theta$", "g_Y": r"$g_Y$", "epsilon": r"$\varepsilon$",
                   "inv_fG": r"$1/f_G$ [GeV$^{-1}$]", "g_agg": r"$g_{a\gamma\gamma}$ [GeV$^{-1}$]"}


def read_run_curve(path: Path) -> dict[str, np.ndarray]:
    """Columns of a curve CSV written by a search section (``#`` header skipped)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("curve", f"{p} does not exist")
    c = read_curve_csv(p.read_text(), p.stem)
    return dict(c.columns)


def _published_path(name: str) -> Path:
    return Path(str(resources.files("kaonportal").joinpath(f"data/curves/{name}.csv")))


def coupling_curves(model_name: str, production: str, masses, br: dict[str, np.ndarray],
                    edge: str = "low") -> dict[str, np.ndarray]:
    """Lower (``edge="low"``) or upper (``"high"``: large couplings make X decay inside the detector, so
    the exclusion closes; ``inf`` if it reaches the top of the coupling scan, NaN where nothing is
    excluded) edge of the excluded coupling for each BR curve in ``br`` (observed / expected bands), at
    ``masses`` (NaN outside the model's mass range)."""
    if edge not in ("low", "high"):
        raise InputError("edge", f"must be 'low' or 'high', got {edge!r}")
    model = get_model(model_name)
    out = {}
    masses = np.asarray(masses, float)
    ok = (masses >= model.mass_range[0]) & (masses <= model.mass_range[1])
    for key, val in br.items():
        res = coupling_limit(model, masses[ok], np.asarray(val, float)[ok], production=production,
                             final_state="invisible")
        y = res.coupling_low if edge == "low" else res.coupling_high
        if res.mass_gev.shape == masses[ok].shape and np.array_equal(res.mass_gev, masses[ok]):
            # the result is at this run's masses: copy (interpolating an inf upper edge would give NaN)
            out[key] = np.full(masses.shape, np.nan)
            out[key][ok] = y
        else:
            out[key] = np.interp(masses, res.mass_gev, y, left=np.nan, right=np.nan)
    return out


def eps2_ratio_to_published(mass_gev, epsilon, published: PublishedCurve) -> np.ndarray:
    """(epsilon / epsilon_published)^2 at each mass: the ratio of the epsilon^2 limits (ours / published).

    The published epsilon is interpolated linearly in log(epsilon) between its points (the DarkCast curve is
    sampled every ~3 % in mass); NaN outside its mass range or where ``epsilon`` is not finite.

    >>> c = load_curve(PUBLISHED_PI0_GAMMA)
    >>> r = eps2_ratio_to_published([0.054711, 0.2], [2 * 4.4038e-4, 1e-3], c)
    >>> round(float(r[0]), 6), bool(np.isnan(r[1]))
    (4.0, True)
    """
    m = np.asarray(mass_gev, float)
    eps = np.asarray(epsilon, float)
    order = np.argsort(published.mass_gev)
    pm, pe = published.mass_gev[order], published.limit[order]
    log_pub = np.interp(m, pm, np.log(pe), left=np.nan, right=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (eps / np.exp(log_pub)) ** 2


def _pi0_gamma_plane(out_dir: Path, card, seed, quick, ran: dict) -> tuple[dict, list[str], list, list]:
    """BC2 from pi0 -> gamma A': CSV in epsilon with the ratio to the published curve, a plot with bands, the
    summary, and the (extra, published) curves to overlay on the ``interp_BC2`` plot."""
    from .pi0_gamma_x import pi0_gamma_x_section
    if _ensure(out_dir, "pi0_gamma_x_aprime.csv", pi0_gamma_x_section, card, seed, quick) is not None:
        ran["pi0-gamma-x"] = "run by interpretation"
    c = read_run_curve(out_dir / "curves" / "pi0_gamma_x_aprime.csv")
    m = c["m_aprime_gev"]
    # BR(pi0 -> gamma A') = eps^2 x BR(eps = 1) and the invisible A' always escapes: eps limit = sqrt(eps^2 limit)
    eps = {"observed": np.sqrt(c["eps2_ul_observed"]), **{k: np.sqrt(c[f"eps2_ul_expected_{k}"]) for k in BANDS}}
    pub = load_curve(PUBLISHED_PI0_GAMMA)
    r_exp, r_obs = eps2_ratio_to_published(m, eps["median"], pub), eps2_ratio_to_published(m, eps["observed"], pub)
    pub_label = published_label(PUBLISHED_PI0_GAMMA, "observed")
    files = [write_curve(out_dir / "curves" / "interp_BC2_pi0_gamma_epsilon.csv",
                         "BC2 (dark-photon-invisible): smallest excluded epsilon from this run's pi0 -> gamma A' "
                         "limits, and the epsilon^2 ratio to the published NA62 curve",
                         "m in GeV/c^2; epsilon and ratios dimensionless", 0.9,
                         ["epsilon = sqrt(eps2 limits of curves/pi0_gamma_x_aprime.csv)",
                          f"published: kaonportal curve {PUBLISHED_PI0_GAMMA} ({pub.source}; third-party "
                          "digitisation, see its header), interpolated in log(epsilon); NaN outside "
                          f"{pub.mass_gev.min() * 1e3:.0f}-{pub.mass_gev.max() * 1e3:.0f} MeV",
                          "ratio = (epsilon_this_run / epsilon_published)^2; not tuned to agree "
                          "(pi0_gamma_x docstring)"],
                         {"m_gev": m, "epsilon_observed": eps["observed"],
                          **{f"epsilon_expected_{k}": eps[k] for k in BANDS},
                          "eps2_ratio_expected_median_to_published": r_exp,
                          "eps2_ratio_observed_to_published": r_obs})]
    files += plot_limit_curves(out_dir / "plots" / "interp_BC2_pi0_gamma", m, eps["observed"],
                               {k: eps[k] for k in BANDS}, xlabel=r"$m_{A'}$ [GeV/$c^2$]",
                               ylabel=r"$\varepsilon$ upper limit (90% CL)",
                               title=r"BC2 from $\pi^0\to\gamma A'$ (A' invisible): this run vs NA62 (2019)",
                               published=[(pub_label, pub.mass_gev, pub.limit)])
    inside = np.isfinite(r_exp)
    i_pub = int(np.argmin(pub.limit))
    summary = {
        "production": "pi0 -> gamma A'", "published": PUBLISHED_PI0_GAMMA, "published_source": pub.source,
        "published_min": float(pub.limit[i_pub]), "published_min_mass_gev": float(pub.mass_gev[i_pub]),
        "expected_median_min": float(np.nanmin(eps["median"])),
        "observed_min": float(np.nanmin(eps["observed"])),
        "eps2_ratio_expected_to_published": {"mass_gev": [float(x) for x in m[inside]],
                                             "ratio": [float(x) for x in r_exp[inside]]},
        "eps2_ratio_observed_to_published": {"mass_gev": [float(x) for x in m[np.isfinite(r_obs)]],
                                             "ratio": [float(x) for x in r_obs[np.isfinite(r_obs)]]}}
    extra = [("pi0 -> gamma A': expected (this run)", m, eps["median"], {"color": "tab:blue", "ls": "--"}),
             ("pi0 -> gamma A': observed (this run)", m, eps["observed"], {"color": "tab:blue"})]
    return summary, files, extra, [(pub_label, pub.mass_gev, pub.limit)]


def _ensure(out_dir: Path, name: str, section, card, seed, quick) -> dict | None:
    if (out_dir / "curves" / name).is_file():
        return None
    return section(out_dir, card=card, seed=seed, quick=quick)


def interpretation_section(out_dir: Path, *, card: str | None = None, seed: int = 0, quick: bool = False,
                           config=None) -> dict:
    """Coupling planes BC2/BC4/BC10/BC11 (from K+ -> pi+ X; BC2 also from pi0 -> gamma A') and BC6/BC7
    (from the HNL scans)."""
    from .hnl import hnl_section
    from .kpix import kpix_section
    out_dir = Path(out_dir)
    ran = {}
    r = _ensure(out_dir, "kpix_invisible_br_stable.csv", kpix_section, card, seed, quick)
    if r is not None:
        ran["kpix"] = "run by interpretation"
    kp = read_run_curve(out_dir / "curves" / "kpix_invisible_br_stable.csv")
    m = kp["m_x_gev"]
    br = {"observed": kp["br_ul_observed"], **{k: kp[f"br_ul_expected_{k}"] for k in BANDS}}
    files, planes = [], {}
    gap = np.where(np.diff(m) > 0.02)[0]
    bc2_summary, bc2_files, bc2_extra, bc2_published = _pi0_gamma_plane(out_dir, card, seed, quick, ran)
    files += bc2_files

    def split(y):
        y = np.array(y, float)
        return np.insert(y, gap[0] + 1, np.nan) if gap.size else y

    for label, model_name, production in PLANES:
        cc = coupling_curves(model_name, production, m, br)
        cc_high = coupling_curves(model_name, production, m, br, edge="high")
        model = get_model(model_name)
        try:
            pub = convert_curve(_published_path(PUBLISHED_KPIX), model, final_state="invisible", production=production)
            pub_curve = [(published_label(PUBLISHED_KPIX, f"via {model_name}"), pub.mass_gev, pub.coupling_low)]
        except InputError as exc:
            pub_curve, pub = [], None
            planes.setdefault(label, {})["published_conversion_error"] = str(exc)
        is_bc2 = label == "BC2"
        if pub is not None:
            # the published curve as drawn (converted with the same model): exported too, so that every curve
            # of the plot is in curves/ and HEPData
            files.append(write_curve(out_dir / "curves" / f"interp_{label}_{model.coupling_name}_published.csv",
                                     f"{label} ({model_name}): excluded {model.coupling_name} band from the published "
                                     "NA62 2016-2022 K+ -> pi+ X (invisible) BR limits, converted with the same model",
                                     f"m in GeV/c^2; {model.coupling_name} {model.coupling_unit}".rstrip(), 0.9,
                                     [f"published curve: kaonportal curve {PUBLISHED_KPIX} (with its lifetime table)",
                                      f"kaonportal.models {model_name}, production {production}, X must escape the "
                                      "detector; NaN: nothing excluded"],
                                     {"m_gev": pub.mass_gev, f"{model.coupling_name}_low": pub.coupling_low,
                                      f"{model.coupling_name}_high": pub.coupling_high}))
        files.append(write_curve(out_dir / "curves" / f"interp_{label}_{model.coupling_name}.csv",
                                 f"{label} ({model_name}): smallest excluded {model.coupling_name} from this run's "
                                 "K+ -> pi+ X (invisible, stable) BR limits", f"m in GeV/c^2; {model.coupling_name} "
                                 f"{model.coupling_unit}".rstrip(), 0.9,
                                 [f"kaonportal.models {model_name}, production {production}, X must escape the detector",
                                  "BR limits: curves/kpix_invisible_br_stable.csv",
                                  "columns without suffix: lower edge of the exclusion; *_high: its upper edge "
                                  "(X decays inside the detector above it; inf: beyond the coupling scan; NaN: "
                                  "nothing excluded)"],
                                 {"m_gev": m, f"{model.coupling_name}_observed": cc["observed"],
                                  **{f"{model.coupling_name}_expected_{k}": cc[k] for k in BANDS},
                                  f"{model.coupling_name}_observed_high": cc_high["observed"],
                                  **{f"{model.coupling_name}_expected_{k}_high": cc_high[k] for k in BANDS}}))
        files += plot_limit_curves(out_dir / "plots" / f"interp_{label}", split(m), split(cc["observed"]),
                                   {k: split(cc[k]) for k in BANDS}, xlabel=r"$m$ [GeV/$c^2$]",
                                   ylabel=_COUPLING_LABEL.get(model.coupling_name, model.coupling_name)
                                   + " (lower edge of the exclusion)",
                                   title=f"{label} {model_name}: this run vs published (same model)"
                                   + ("\nblack lines and bands: K+ -> pi+ A'; blue: pi0 -> gamma A' "
                                      "(this run; dashed: expected)"
                                      if is_bc2 else ""),
                                   published=pub_curve + (bc2_published if is_bc2 else []), gaps=(PI0_GAP_GEV,),
                                   extra=bc2_extra if is_bc2 else ())
        fin = np.isfinite(cc["median"])
        planes.setdefault(label, {}).update({
            "model": model_name, "production": production, "coupling": model.coupling_name,
            "expected_median_min": float(np.nanmin(cc["median"])) if fin.any() else None,
            "observed_min": float(np.nanmin(cc["observed"])) if np.isfinite(cc["observed"]).any() else None,
            "published_min": float(np.nanmin(pub.coupling_low)) if pub is not None and
            np.isfinite(pub.coupling_low).any() else None})
        if is_bc2:
            planes[label]["pi0_gamma_aprime"] = bc2_summary
    # --- HNL planes -----------------------------------------------------------------------------------
    from .hnl import CHANNELS
    r = None
    if not (out_dir / "curves" / "hnl_kp_eN_U2.csv").is_file():
        r = hnl_section(out_dir, card=card, seed=seed, quick=quick)
        ran["hnl"] = "run by interpretation"
    for label, chans, lep in (("BC6", [("K+ -> e+ N", "kp_eN"), ("pi+ -> e+ N", "pip_eN")], "e"),
                              ("BC7", [("K+ -> mu+ N", "kp_muN")], r"\mu")):
        extra, pub, bands = [], [], []
        xs, ys = [], []
        for i, (chan, slug) in enumerate(chans):
            path = out_dir / "curves" / f"hnl_{slug}_U2.csv"
            if not path.is_file():
                continue
            c = read_run_curve(path)
            colour = ("k", "tab:green")[i % 2]       # one colour per channel: observed solid, expected dashed
            extra += [(f"{chan}: observed (this run)", c["m_n_gev"], c["u2_ul_observed"], {"color": colour}),
                      (f"{chan}: expected (this run)", c["m_n_gev"], c["u2_ul_expected_median"],
                       {"color": colour, "ls": "--", "lw": 1.1})]
            if "u2_ul_expected_minus1" in c and "u2_ul_expected_plus1" in c:
                bands.append((f"{chan}: expected $\\pm 1\\sigma$ (this run)", c["m_n_gev"],
                              c["u2_ul_expected_minus1"], c["u2_ul_expected_plus1"], {"color": colour}))
            xs.append(c["m_n_gev"])
            ys.append(c["u2_ul_expected_median"])
            for name in CHANNELS[chan].published:
                pc = load_curve(name)
                pub.append((published_label(name), pc.mass_gev, pc.limit))
        if not extra:
            continue
        files += plot_limit_curves(out_dir / "plots" / f"interp_{label}", [], None, None, xlabel=r"$m_N$ [GeV/$c^2$]",
                                   ylabel=rf"$|U_{{{lep}4}}|^2$ upper limit (90% CL)",
                                   title=f"{label}: this run's HNL limits vs published curves", published=pub,
                                   extra=extra, extra_bands=bands)
        planes[label] = {"channels": [c for c, _ in chans],
                         "expected_median_min": float(np.nanmin(np.concatenate(ys)))}
    return {"planes": planes, "ran": ran, "files": files, "status": "done", "seed": seed,
            "card": card if card is not None else "per search (the data-period card of each section it reads)"}


def hepdata_tables(out_dir: Path) -> list:
    """hepdata_lib Tables, one per curve CSV written by the search sections in ``out_dir/curves``
    (independent variable: the first column; dependent: every other column; units, location and keywords
    from :func:`kaonportal.report.hepdata.curve_table`)."""
    from ...report.hepdata import curve_tables
    prefixes = ("pi0_invisible", "kpix_", "hnl_", "lnv_", "interp_", "kmunux_", "visible_x_", "pi0_gamma_x_")
    return curve_tables(out_dir, prefixes)