"""The eta table against NA27's measured eta/pi0 ratio at 400 GeV/c, and the reweighting that makes it agree.

NA27 (LEBC-EHS, [AguilarBenitez:1991yy]) measured the inclusive eta and pi0 invariant cross sections in pp
collisions at 400 GeV/c, the energy of the NA62 dump; their ratio R(p_T) = E d3sigma/dp3 (eta) / E d3sigma/dp3
(pi0) at equal p_T (x_F integrated) is shipped in ``data/beamdump/reference_yields.yaml``
(``meson_multiplicity.na27_eta_to_pi0_vs_pt``, 13 points at p_T = 0.22-1.63 GeV/c). At equal p_T that ratio is
the ratio of dN/dp_T of the two species, which the Pythia tables give directly (p_T = p sin theta of each bin).

What the comparison shows (shipped tables, pp, before the p-Cu scaling which acts on both species alike): Pythia 8
(Monash) makes eta/pi0 = 0.13 and 0.16 at p_T = 0.39 and 0.50 GeV/c where NA27 measured 0.070 +- 0.016 and
0.063 +- 0.028, i.e. about twice too many soft etas; above 0.6 GeV/c the two agree within the errors (chi2 = 41
for 13 points). The etas that make the dark photons NA62 accepts are forward (theta of a few mrad at p ~ 50-200
GeV/c: p_T <~ 0.5 GeV/c), where Pythia is high.

Effect, measured: eta multiplicity x0.74 (pp) and x0.80 (p-Cu, default a_scaling); accepted eta -> gamma A' mu mu
events x0.72 at (0.3 GeV, eps = 4e-7); mu mu lower edge (default 100x100 run, 1e4 X per mass, seed 1) x1.07,
x1.07, x1.05, x1.01 at 0.25, 0.3, 0.4, 0.5 GeV, i.e. 0.666, 0.641, 0.662, 0.740 -> 0.711, 0.683, 0.694, 0.746 of
NA62's published edge; upper edge and mass reach unchanged (< 0.5 %). A single p_T-independent factor (0.744,
the pp multiplicity ratio) instead gives 0.700, 0.675, 0.687, 0.745: the p_T shape matters at the 1-2 % level.

The default eta table (``eta_ratio="na27"`` in :mod:`.mesons`) is therefore reweighted per bin by

    w(p_T) = R_NA27(p_T) / R_Pythia(p_T),

R_NA27 linearly interpolated between the measured points, R_Pythia from the tables' own eta and pi0 counts in
p_T slices of :data:`PT_STEP`; outside the measured range (p_T < 0.22 or > 1.63 GeV/c) w is held at its value
at the nearest measured point (the ratio itself falls towards p_T = 0 with the eta mass, so holding R would be
wrong there). Stated approximations: (1) NA27's ratio is integrated over x_F and the same w(p_T) is applied at
every x_F (the accepted etas are forward, x_F ~ 0.2-0.6); (2) the interpolation follows the data's point-to-point
scatter (errors 15-45 % below 0.6 GeV/c), so the weight is uncertain by as much; ``eta_ratio="pythia"`` keeps
the raw table. The pi0, eta', omega, phi and rho0 tables are not touched (no measured ratio found; reference file).

>>> w = pt_weight(np.array([0.22, 0.39]))
>>> bool(0.3 < w[1] < w[0] < 1.0)
True
"""

from __future__ import annotations

__all__ = ["ETA_RATIOS", "ETA_SPECTRA", "PT_STEP", "na27_points", "pythia_ratio", "pt_weight", "bin_weights", "comparison"]

import numpy as np

from .nuclear import sub_bin_grid

#: choices of the eta table and what each is, as the budget and summary.json state it
ETA_SPECTRA = {"na27": "Pythia 8 reweighted per bin to NA27's eta/pi0 versus p_T [AguilarBenitez:1991yy]",
               "pythia": "raw Pythia 8 table (not reweighted to NA27's measured eta/pi0)"}
#: choices of the eta table: "na27" (reweighted to NA27's eta/pi0 versus p_T), "pythia" (raw)
ETA_RATIOS = tuple(ETA_SPECTRA)
#: width (GeV/c) of the p_T slices in which the tables' own eta/pi0 ratio is evaluated (3e6 events: the ratio's
#: MC error is < 1 % per slice below 1.5 GeV/c)
PT_STEP = 0.05
_PT_MAX = 3.0
_N_SUB = 4


def na27_points() -> np.ndarray:
    """NA27's eta/pi0 at 400 GeV/c, rows (p_T [GeV/c], ratio, error), from the reference file."""
    from .mesons import reference_yields
    return np.asarray(reference_yields()["meson_multiplicity"]["na27_eta_to_pi0_vs_pt"]["value"], float)


def _table_pt(tables):
    # p_T of the sub-bin grid of every table bin, shape (n_p, n_theta, n_sub, n_sub)
    p, th = sub_bin_grid(tables.logp_edges, tables.logtheta_edges, _N_SUB)
    return np.broadcast_to(p * np.sin(th), (p.shape[0], th.shape[1], _N_SUB, _N_SUB))


def _pt_spectrum(tables, name: str, edges) -> np.ndarray:
    pt = _table_pt(tables)
    w = np.broadcast_to(tables.counts[name][:, :, None, None] / _N_SUB**2, pt.shape)
    return np.histogram(pt.ravel(), bins=edges, weights=w.ravel())[0]


def _cached(kind: str, tables, make):
    # per tables object (kept alive in the cache, so its id cannot be reused); bounded like mesons' alpha cache
    hit = _CACHE.get((kind, id(tables)))
    if hit is None or hit[0] is not tables:
        if len(_CACHE) >= 16:
            _CACHE.clear()
        hit = _CACHE[(kind, id(tables))] = (tables, make(tables))
    return hit[1]


_CACHE: dict = {}


def _pythia_slices(tables) -> tuple:
    return _cached("slices", tables, _make_slices)


def _make_slices(tables) -> tuple:
    edges = np.arange(0.0, _PT_MAX + PT_STEP / 2, PT_STEP)
    eta, pi0 = _pt_spectrum(tables, "eta", edges), _pt_spectrum(tables, "pi0", edges)
    return 0.5 * (edges[1:] + edges[:-1]), eta / np.where(pi0 > 0, pi0, np.nan), eta, pi0


def _tables(tables):
    from .mesons import load_tables
    return tables or load_tables()


def pythia_ratio(pt, tables=None) -> np.ndarray:
    """eta/pi0 of the (pp) Pythia tables at ``pt`` (GeV/c): dN/dp_T ratio, interpolated between slice centres."""
    centres, ratio, _, _ = _pythia_slices(_tables(tables))
    ok = np.isfinite(ratio)
    return np.interp(np.asarray(pt, float), centres[ok], ratio[ok])


def pt_weight(pt, tables=None) -> np.ndarray:
    """w(p_T) = R_NA27/R_Pythia (module docstring), held at the end values outside the measured p_T range."""
    d = na27_points()
    t = _tables(tables)
    x = np.clip(np.asarray(pt, float), d[0, 0], d[-1, 0])
    return np.interp(x, d[:, 0], d[:, 1]) / pythia_ratio(x, t)


def _bin_weights(tables) -> np.ndarray:
    return _cached("weights", tables, lambda t: pt_weight(_table_pt(t), t).mean(axis=(2, 3)))


def bin_weights(tables=None) -> np.ndarray:
    """w averaged over each (log10 p, log10 theta) bin of the eta table, shape (n_p, n_theta)."""
    return _bin_weights(_tables(tables))


def comparison(tables=None) -> dict:
    """Pythia against NA27 at the measured points: ``pythia`` ratios, ``pulls``, ``chi2``, ``n``, and
    ``multiplicity_factor``: the eta multiplicity of the reweighted table over Pythia's."""
    t = _tables(tables)
    d = na27_points()
    ours = pythia_ratio(d[:, 0], t)
    pulls = (ours - d[:, 1]) / d[:, 2]
    factor = float((t.counts["eta"] * bin_weights(t)).sum() / t.counts["eta"].sum())
    return {"pt": d[:, 0], "na27": d[:, 1], "pythia": ours, "pulls": pulls, "chi2": float((pulls ** 2).sum()),
            "n": int(len(d)), "multiplicity_factor": factor}
