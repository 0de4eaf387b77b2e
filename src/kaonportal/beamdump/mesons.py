"""Meson production at the dump: Pythia 8 tables for 400 GeV/c protons, normalised per proton on target.

The tables (``kaonportal/data/beamdump/meson_tables.npz``) are made by ``scripts/make_meson_tables.py``
(Pythia 8 via the optional ``pythia8mc`` package; one command regenerates them). They hold 2D histograms
of counts in (log10 p/GeV, log10 theta/rad) in the laboratory frame, per pp collision at sqrt(s) = 27.4 GeV
(soft mesons: pi0, eta, eta', omega, phi, rho0) or per ccbar / bbbar event (D and B mesons). See
``data/beamdump/README.md`` for provenance and uncertainties.

Normalisation per proton on target (POT) for the copper TAX ([FW HNLFunctions.cc; ALP]):

* Every proton interacts: the TAX is 1.615 m of Cu = 10.6 interaction lengths (P(no interaction) = 3e-5).
* Soft mesons: n_M/POT = <n_M>_pp * r_NA27 * f_A. ``r_NA27`` normalises Pythia to the measured pion
  production at this very energy: r_NA27 = sigma(pp -> pi+ X)_NA27 / sigma(pp -> pi+ X)_Pythia = 134.4 mb /
  (<n_pi+> sigma_inel)_Pythia = 0.857 for the shipped tables ([AguilarBenitez:1991yy], the NA27 number as quoted
  in ``data/beamdump/reference_yields.yaml``): Pythia 8 (Monash) makes 17% too many pi+ at sqrt(s) = 27.4 GeV,
  and the species ratios and spectra are kept as Pythia's (the NA27 eta, omega, phi numbers could not be read).
  ``normalisation="pythia"`` gives the raw Pythia multiplicities (r = 1). ``f_A`` is the p-Cu scaling of the
  multiplicity per inelastic collision, chosen by ``a_scaling``:

  - ``"alpha"`` (default): a weight per (p, theta) bin of the table, f_A = A^alpha(x_F, p_T) sigma_pp / sigma_pCu
    with the measured forward A-dependence alpha(x_F, p_T) ([Bonesini:2001bmpt] from [Barton:1983adep];
    :mod:`.nuclear`). It suppresses the forward mesons the NA62 acceptance selects (x_F ~ 0.2-0.6: f_A ~
    0.35-0.6) and changes the spectra as well as the totals.
  - ``"pp"``: f_A = 1 (the pp multiplicity per collision).
  - ``"wounded"``: the wounded-nucleon value for the total multiplicity, f_A = (1 + nu)/2 with
    nu = A sigma_pp^inel / sigma_pA^inel (Bialas, Bleszynski, Czyz, Nucl. Phys. B111 (1976) 461), = 1.86 for Cu.
  - a number: that constant f_A.

  The spread between "pp" and "wounded" (x1.86) is quoted as the model uncertainty of the normalisation;
  secondary (cascade) production in the thick dump is not included.
* eta: the table is reweighted per bin to NA27's measured eta/pi0 ratio versus p_T at 400 GeV/c
  ([AguilarBenitez:1991yy]; :mod:`.eta_ratio`): Pythia makes about twice NA27's eta/pi0 at p_T = 0.4-0.5 GeV/c,
  and the reweighted eta multiplicity is 0.74 of Pythia's. ``eta_ratio="pythia"`` keeps the raw table.
* Heavy flavour: n_M/POT = A sigma(QQbar per nucleon) / sigma_inel(p Cu) * <n_M per QQbar event>,
  i.e. linear A-scaling of the hard cross section, with sigma_ccbar = 18.1 ub and sigma_bbbar = 1.7 nb per
  nucleon at 400 GeV (SHiP Collaboration, JHEP 04 (2019) 077, arXiv:1811.00930: chi_cc = 1.7e-3,
  chi_bb = 1.6e-7 per pN) [R]; the per-event D/B multiplicities come from Pythia.

>>> t = load_tables()
>>> t.n_events["soft"] > 10**6, t.meta["p_beam_gev"]
(True, 400.0)
>>> 4.0 < multiplicity_per_pot("pi0", "pp") < 6.0    # 5.06 pi0 per pp collision x 0.857 (NA27) = 4.34 per POT
True
>>> round(float(a_factor_at("eta", 100.0, 1e-3)), 2)     # "alpha": a 100 GeV/c eta at 1 mrad (x_F = 0.25) in p-Cu
0.53
>>> round(soft_normalisation_factor("na27"), 3), soft_normalisation_factor("pythia")
(0.857, 1.0)
"""

from __future__ import annotations

__all__ = ["MESONS", "SOFT_MESONS", "HEAVY_MESONS", "TABLE_PATH", "MesonTables", "load_tables",
           "multiplicity_per_pot", "multiplicity_uncertainty", "sample_meson", "a_scaling_factor",
           "SIGMA_QQ_PER_NUCLEON_MB", "SOFT_NORMALISATIONS", "soft_normalisation_factor", "reference_yields",
           "REFERENCE_PATH", "A_SCALINGS", "DEFAULT_A_SCALING", "check_a_scaling", "scaled_counts", "a_factor_at",
           "DEFAULT_ETA_RATIO", "meson_table"]

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import constants
from ..errors import InputError, check_choice
from ..yamlio import read_yaml
from .eta_ratio import ETA_RATIOS, bin_weights
from .nuclear import bin_factors, feynman_x, forward_factor
from .setup import CU_TARGET
from .tables_cache import TablesCache
from .nuclear import SIGMA_PP_TABLES_MB    # the one owner of the tables' sigma_inel(pp) (32.9 mb)

TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "beamdump" / "meson_tables.npz"
REFERENCE_PATH = TABLE_PATH.with_name("reference_yields.yaml")
#: soft-meson normalisations: "na27" (Pythia scaled to the measured pi+ cross section), "pythia" (raw)
SOFT_NORMALISATIONS = ("na27", "pythia")
#: p-Cu scalings of the soft-meson yields (module docstring); a number is accepted too
A_SCALINGS = ("alpha", "pp", "wounded")
DEFAULT_A_SCALING = "alpha"
#: eta table: "na27" (reweighted to NA27's eta/pi0 versus p_T, :mod:`.eta_ratio`) or "pythia" (raw)
DEFAULT_ETA_RATIO = "na27"

SOFT_MESONS = ("pi0", "eta", "eta'", "omega", "phi", "rho0")
# Table label -> kaonportal.constants name (charge conjugates are merged in the tables).
HEAVY_MESONS = {"D+": "charm", "D0": "charm", "Ds+": "charm", "B+": "beauty", "B0": "beauty", "Bs0": "beauty"}
MESONS = SOFT_MESONS + tuple(HEAVY_MESONS)

# SHiP, JHEP 04 (2019) 077 (arXiv:1811.00930), section 2: sigma_ccbar = 18.1 ub, sigma_bbbar = 1.7 nb per
# nucleon for 400 GeV/c protons [R: quoted from the paper, not re-read here].
SIGMA_QQ_PER_NUCLEON_MB = {"charm": 18.1e-3, "beauty": 1.7e-6}


@dataclass(frozen=True)
class MesonTables:
    """The shipped tables: bin edges, counts per species, event counts and provenance."""
    logp_edges: np.ndarray
    logtheta_edges: np.ndarray
    counts: dict            # name -> (n_p, n_theta) uint32
    n_events: dict          # "soft" / "charm" / "beauty" -> int
    extra_counts: dict      # e.g. "pi+" -> total count in the soft run (multiplicity cross-checks)
    meta: dict


@lru_cache(maxsize=4)
def load_tables(path: str | None = None) -> MesonTables:
    """Load the meson tables (cached). Missing file -> InputError saying how to regenerate it."""
    p = Path(path) if path else TABLE_PATH
    if not p.exists():
        raise InputError("meson_tables", f"{p} not found; regenerate with "
                                         "`python scripts/make_meson_tables.py` (needs pythia8mc)")
    with np.load(p, allow_pickle=False) as f:
        keys = list(f.keys())
        counts = {}
        for k in keys:
            if ":" in k and not k.split(":")[0].endswith("_count"):
                counts[k.split(":", 1)[1]] = f[k].astype(np.float64)
        n_events = {k[:-len("_n_events")]: int(f[k]) for k in keys if k.endswith("_n_events")}
        extra = {k.split(":", 1)[1]: int(f[k]) for k in keys if k.startswith("soft_count:")}
        meta = json.loads(str(f["meta_json"]))
        return MesonTables(np.array(f["logp_edges"]), np.array(f["logtheta_edges"]), counts,
                           n_events, extra, meta)


def _run_of(name: str) -> str:
    return HEAVY_MESONS.get(name, "soft")


def check_a_scaling(a_scaling) -> str | float:
    """Validate ``a_scaling`` (InputError naming it): one of :data:`A_SCALINGS` or a number in (0, 10)."""
    if isinstance(a_scaling, (int, float)) and not isinstance(a_scaling, bool):
        if not 0 < float(a_scaling) < 10:
            raise InputError("a_scaling", "must be 'pp', 'wounded' or a number in (0, 10), or 'alpha' (the "
                                          f"default, A^alpha(x_F, p_T)), got {a_scaling}")
        return float(a_scaling)
    check_choice("a_scaling", str(a_scaling), A_SCALINGS)
    return str(a_scaling)


def _sigma_pp_tables(t: MesonTables) -> float:
    # sigma_inel(pp) of the Pythia run that made the tables (32.88 mb in the shipped ones, written by
    # scripts/make_meson_tables.py); the default only serves tables written without that key
    return float(t.meta.get("soft_sigma_gen_mb", SIGMA_PP_TABLES_MB))


def a_scaling_factor(a_scaling: str | float = DEFAULT_A_SCALING, tables: MesonTables | None = None, name: str = "pi0") -> float:
    """Per-collision multiplicity scaling pp -> p Cu of soft meson ``name`` (see module docstring).

    A constant for "pp", "wounded" and numbers; for "alpha" the table-integrated mean of the bin weights of
    ``name``, i.e. multiplicity_per_pot(name, "alpha") / multiplicity_per_pot(name, "pp").

    >>> a_scaling_factor("pp")
    1.0
    >>> a_scaling_factor(1.3)
    1.3
    """
    a = check_a_scaling(a_scaling)
    if isinstance(a, float):
        return a
    if a == "pp":
        return 1.0
    t = tables or load_tables()
    if a == "wounded":
        nu = CU_TARGET["A"] * _sigma_pp_tables(t) / CU_TARGET["sigma_inel_pA_mb"]
        return 0.5 * (1.0 + nu)
    check_choice("meson", name, SOFT_MESONS)
    return float(scaled_counts(name, "alpha", t).sum() / t.counts[name].sum())


def _alpha_weights(name: str, t: MesonTables) -> np.ndarray:
    return _ALPHA_CACHE.get(name, t, lambda tt: bin_factors(tt.logp_edges, tt.logtheta_edges, constants.mass(name),
                                                             sigma_pp_mb=_sigma_pp_tables(tt)))


_ALPHA_CACHE = TablesCache(64)          # (tables, meson) pairs: the shipped tables use 6


def scaled_counts(name: str, a_scaling: str | float = DEFAULT_A_SCALING, tables: MesonTables | None = None):
    """The table of ``name`` with the p-Cu weight of ``a_scaling`` applied (soft mesons; heavy ones unchanged)."""
    t = tables or load_tables()
    h = t.counts[name]
    if _run_of(name) != "soft":
        return h
    if check_a_scaling(a_scaling) == "alpha":
        return h * _alpha_weights(name, t)
    return h * a_scaling_factor(a_scaling, t)


def meson_table(name: str, a_scaling: str | float = DEFAULT_A_SCALING, tables: MesonTables | None = None,
                eta_ratio: str = DEFAULT_ETA_RATIO):
    """The table a meson is sampled from and counted with: :func:`scaled_counts` (p-Cu) and, for the eta with
    ``eta_ratio="na27"``, the per-bin NA27 eta/pi0 weight (:mod:`.eta_ratio`)."""
    check_choice("eta_ratio", eta_ratio, ETA_RATIOS)
    t = tables or load_tables()
    h = scaled_counts(name, a_scaling, t)
    return h * bin_weights(t) if (name == "eta" and eta_ratio == "na27") else h


def a_factor_at(name: str, p, theta, a_scaling: str | float = DEFAULT_A_SCALING,
                tables: MesonTables | None = None) -> np.ndarray:
    """f_A of meson ``name`` at lab (p [GeV/c], theta [rad]) per event (1 for heavy flavour), for reporting."""
    p = np.asarray(p, float)
    if _run_of(name) != "soft":
        return np.ones_like(p)
    if check_a_scaling(a_scaling) != "alpha":
        return np.full_like(p, a_scaling_factor(a_scaling, tables))
    t = tables or load_tables()
    x_f = feynman_x(p, theta, constants.mass(name))
    return forward_factor(x_f, p * np.sin(theta), sigma_pp_mb=_sigma_pp_tables(t))


@lru_cache(maxsize=1)
def reference_yields() -> dict:
    """The independent reference numbers of the yield factors (``data/beamdump/reference_yields.yaml``)."""
    return read_yaml(REFERENCE_PATH, "reference_yields")


def soft_normalisation_factor(normalisation: str = "na27", tables: MesonTables | None = None) -> float:
    """r_NA27 (module docstring): measured over Pythia inclusive pi+ cross section in pp at 400 GeV/c; 1 for "pythia".

    Both cross sections are inclusive, sigma_incl = <n_pi+> sigma_inel; the ratio equals the ratio of the
    multiplicities per inelastic collision when Pythia's sigma_inel (32.9 mb) is the physical one (the measured
    pp inelastic cross section at this energy is about 32 mb: a <~3% effect, inside the NA27 error and well
    inside the model uncertainty quoted by :func:`multiplicity_uncertainty`).
    """
    check_choice("normalisation", normalisation, SOFT_NORMALISATIONS)
    if normalisation == "pythia":
        return 1.0
    t = tables or load_tables()
    n_pi = t.extra_counts.get("pi+")
    sigma_gen = t.meta.get("soft_sigma_gen_mb")
    if not n_pi or not sigma_gen:
        raise InputError("normalisation", f"the tables {TABLE_PATH.name} lack the pi+ count or sigma_inel needed "
                                          "for the NA27 normalisation; regenerate them or use 'pythia'")
    sigma_pythia = n_pi / t.n_events["soft"] * float(sigma_gen)
    sigma_na27 = float(reference_yields()["meson_multiplicity"]["pp_to_piplus_sigma_mb"]["value"])
    return sigma_na27 / sigma_pythia


def multiplicity_per_pot(name: str, a_scaling: str | float = DEFAULT_A_SCALING, tables: MesonTables | None = None,
                         normalisation: str = "na27", eta_ratio: str = DEFAULT_ETA_RATIO) -> float:
    """Mean number of meson ``name`` (plus its charge conjugate) produced per proton on target.

    ``normalisation`` and ``a_scaling`` apply to the soft mesons only (module docstring): "na27" (default) or
    "pythia"; "alpha" (default), "pp", "wounded" or a number; ``eta_ratio`` to the eta only ("na27" or "pythia").
    """
    check_choice("meson", name, MESONS)
    t = tables or load_tables()
    run = _run_of(name)
    if run not in t.n_events or name not in t.counts:
        raise InputError("meson", f"{name} not in the tables {TABLE_PATH.name}; regenerate them")
    per_event = meson_table(name, a_scaling, t, eta_ratio).sum() / t.n_events[run]
    if run == "soft":
        return float(per_event * soft_normalisation_factor(normalisation, t))
    qq_per_pot = CU_TARGET["A"] * SIGMA_QQ_PER_NUCLEON_MB[run] / CU_TARGET["sigma_inel_pA_mb"]
    return float(per_event * qq_per_pot)


def multiplicity_uncertainty(name: str, tables: MesonTables | None = None) -> dict:
    """Relative uncertainties of ``multiplicity_per_pot``: MC statistics and the documented model ones.

    ``model`` is the normalisation uncertainty: for soft mesons the pp -> p Cu scaling of the total (the ratio
    wounded/pp - 1, the span of the total-multiplicity scalings; the default forward A^alpha(x_F, p_T) weights
    lie inside it for the accepted mesons; the NA27 normalisation, 2.5% from the measurement and <~3% from
    sigma_inel, is far below it),
    for heavy flavour a factor 2 on sigma_QQbar at this energy (quoted as 1.0).
    """
    t = tables or load_tables()
    n = float(t.counts[name].sum())
    stat = 1.0 / np.sqrt(n) if n > 0 else np.inf
    model = (a_scaling_factor("wounded", t) - 1.0) if _run_of(name) == "soft" else 1.0
    return {"stat": float(stat), "model": float(model)}


def sample_meson(name: str, n: int, rng: np.random.Generator, tables: MesonTables | None = None,
                 bias: float = 0.0, return_weights: bool = False, a_scaling: str | float = DEFAULT_A_SCALING,
                 eta_ratio: str = DEFAULT_ETA_RATIO):
    """Draw ``n`` lab-frame (p [GeV/c], theta [rad], phi [rad]) for meson ``name`` from its table.

    The table is the p-Cu one of ``a_scaling`` (:func:`scaled_counts`: for "alpha" the forward suppression
    reshapes the spectrum), for the eta reweighted to NA27 unless ``eta_ratio="pythia"`` (:func:`meson_table`). Bins are chosen with their tabulated probability; inside a bin, log10 p and log10 theta are uniform.
    With ``bias`` > 0 bins are drawn with probability proportional to counts x p_bin^bias (importance
    sampling of the fast mesons that feed the short-lifetime edge of a contour) and, with
    ``return_weights``, a fourth array of weights (mean 1 over the table distribution) undoes the bias.

    >>> import numpy as np
    >>> p, th, ph = sample_meson("pi0", 5, np.random.default_rng(1))
    >>> p.shape, bool(np.all((p > 0.1) & (th < 3.2)))
    ((5,), True)
    """
    check_choice("meson", name, MESONS)
    t = tables or load_tables()
    h = meson_table(name, a_scaling, t, eta_ratio)
    counts = h.ravel()
    if counts.sum() <= 0:
        raise InputError("meson", f"table for {name} is empty")
    p_bin = 10.0 ** (0.5 * (t.logp_edges[1:] + t.logp_edges[:-1]))
    boost = np.repeat(p_bin ** float(bias), h.shape[1]) if bias else np.ones(counts.size)
    flat = counts * boost
    tot = flat.sum()
    cdf = np.cumsum(flat) / tot
    idx = np.searchsorted(cdf, rng.random(n), side="right")
    idx = np.minimum(idx, flat.size - 1)
    ip, it = np.unravel_index(idx, h.shape)
    lp = t.logp_edges[ip] + rng.random(n) * (t.logp_edges[ip + 1] - t.logp_edges[ip])
    lt = t.logtheta_edges[it] + rng.random(n) * (t.logtheta_edges[it + 1] - t.logtheta_edges[it])
    phi = rng.random(n) * 2.0 * np.pi
    if return_weights:
        w = (tot / counts.sum()) / boost[idx]
        return 10.0 ** lp, 10.0 ** lt, phi, w
    return 10.0 ** lp, 10.0 ** lt, phi
