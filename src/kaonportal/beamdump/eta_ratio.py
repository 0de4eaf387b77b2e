"""The eta table against NA27's measured eta/pi0 ratio at 400 GeV/c, and the reweighting that makes it agree.

NA27 (LEBC-EHS, [AguilarBenitez:1991yy]) measured inclusive eta and pi0 production in pp collisions at 400 GeV/c,
the energy of the NA62 dump; their ratio R(p_T) is shipped in ``data/beamdump/reference_yields.yaml``
(``meson_multiplicity.na27_eta_to_pi0_vs_pt``, 13 points at p_T = 0.22-1.63 GeV/c, as tabulated by a public
eta/pi0 world compilation: NA27's eta spectrum over an exponential fit of its pi0 spectrum).

Which quantity the ratio is was NOT established (searched 2026-12-04: the paper's text is not in the material
available; the compilation's file gives points and the recipe, not the variable). Two readings (:data:`NA27_READINGS`)
differ at low p_T, because integrating the invariant cross section over x_F weights each meson by
dx_F/dy = 2 E*/sqrt(s) (E* its centre-of-mass energy), which favours the heavier eta:

* ``"dsigma_dpt2"`` (default, :data:`NA27_READING`): a ratio of dsigma/dp_T^2 integrated over x_F, i.e. of dN/dp_T,
  which the tables give directly (p_T = p sin theta of each bin); Pythia's mid-rapidity (|y*| < 0.5) invariant-yield
  ratio agrees with it within ~5 %. Chosen because it is how the LEBC/RCBC-EHS experiments present inclusive p_T
  spectra (a convention recalled, not re-read in a paper here) and because the compilations that carry NA27's ratio
  draw it with mid-rapidity ratios (PHENIX PRC 75 (2007) 024909, ALICE EPJC 78 (2018) 263) -- conventions, not a
  reading of the paper, and not chosen by how well either reading reproduces NA62's contour.
* ``"xf_integrated_invariant"``: a ratio of E d3sigma/dp3 integrated over x_F; Pythia's ratio in that variable is
  1.94, 1.50, 1.35, 1.19, 1.08 x the dN/dp_T one at p_T = 0.22, 0.39, 0.50, 0.74, 1.12 GeV/c.

What the comparison shows (shipped tables, pp, before the p-Cu scaling which acts on both species alike): read as
dsigma/dp_T^2, Pythia 8 (Monash) makes eta/pi0 = 0.13 and 0.16 at p_T = 0.39 and 0.50 GeV/c where NA27 measured
0.070 +- 0.016 and 0.063 +- 0.028, i.e. about twice too many soft etas; above 0.6 GeV/c the two agree within the
errors (chi2 = 41 for 13 points). Read as x_F-integrated invariant cross sections, Pythia's ratio is 0.16, 0.19,
0.22 at p_T = 0.22, 0.39, 0.50 GeV/c (chi2 = 206 for 13 points). The etas that make the dark photons NA62 accepts
are forward (theta of a few mrad at p ~ 50-200 GeV/c: p_T <~ 0.5 GeV/c), where Pythia is high in both readings.

Effect, measured (default reading): eta multiplicity x0.74 (pp) and x0.80 (p-Cu, default a_scaling); accepted
eta -> gamma A' mu mu events x0.72 at (0.3 GeV, eps = 4e-7). The resulting mu mu lower edges against NA62's
published one are stated once, in :data:`.disagreements.LOWER_EDGE_RATIOS` (keys ``"default"``, raw table
``"eta_ratio=pythia"``, other reading ``"NA27 as x_F-integrated invariant"``; measured as
:data:`.disagreements.MEASURED_WITH`). On that grid the reweighting raises the lower edge x1.06, x1.08, x1.04,
x1.01 at 0.25, 0.3, 0.4, 0.5 GeV; the upper edge moves < 0.3 % and the mass reach (mu mu, 40x100 grid over
0.2-0.7 GeV) not at all. A single p_T-independent factor (0.744, the pp multiplicity ratio) instead of w(p_T)
gives lower edges x0.99, 0.98, 0.99, 1.00 of the default's: the p_T shape matters at the 1-2 % level. With the
other reading the eta multiplicity is x0.53 (pp) and x0.60 (p-Cu) and the lower edge x1.08, x1.06, x1.05, x1.01
of the default's (upper edge < 0.3 %): stated on every dark-photon ee/mumu result (:mod:`.disagreements`) and in
``--explain``'s NA27 check (:mod:`.budget_checks`), not chosen.

The default eta table (``eta_ratio="na27"`` in :mod:`.mesons`) is therefore reweighted per bin by

    w(p_T) = R_NA27(p_T) / R_Pythia(p_T),

R_NA27 linearly interpolated between the measured points, R_Pythia from the tables' own eta and pi0 counts in
p_T slices of :data:`PT_STEP`, in the variable of :data:`NA27_READING`; outside the measured range (p_T < 0.22 or
> 1.63 GeV/c) w is held at its value at the nearest measured point (the ratio itself falls towards p_T = 0 with
the eta mass, so holding R would be wrong there). Stated approximations: (1) NA27's ratio is integrated over x_F
and the same w(p_T) is applied at every x_F (the accepted etas are forward, x_F ~ 0.2-0.6); (2) the interpolation
follows the data's point-to-point scatter (errors 15-45 % below 0.6 GeV/c), so the weight is uncertain by as
much; (3) the variable of NA27's ratio (above). ``eta_ratio="pythia"`` keeps the raw table. The pi0, eta', omega,
phi and rho0 tables are not touched (no measured ratio found; reference file).

>>> w = pt_weight(np.array([0.22, 0.39]))
>>> bool(0.3 < w[1] < w[0] < 1.0)
True
>>> v = pt_weight(np.array([0.22, 0.39]), reading="xf_integrated_invariant")
>>> bool((v < w).all())
True
"""

from __future__ import annotations

__all__ = ["ETA_RATIOS", "ETA_SPECTRA", "NA27_READINGS", "NA27_READING", "PT_STEP", "na27_points", "pythia_ratio",
           "pt_weight", "bin_weights", "comparison"]

import numpy as np

from ..errors import check_choice
from .nuclear import P_BEAM_GEV, SQRT_S_GEV, sub_bin_grid
from .tables_cache import TablesCache

#: choices of the eta table and what each is, as the budget and summary.json state it
ETA_SPECTRA = {"na27": "Pythia 8 reweighted per bin to NA27's eta/pi0 versus p_T [AguilarBenitez:1991yy]",
               "pythia": "raw Pythia 8 table (not reweighted to NA27's measured eta/pi0)"}
#: choices of the eta table: "na27" (reweighted to NA27's eta/pi0 versus p_T), "pythia" (raw)
ETA_RATIOS = tuple(ETA_SPECTRA)
#: the two readings of NA27's tabulated ratio (which one the paper's ratio is was not established; module docstring)
NA27_READINGS = {
    "dsigma_dpt2": "ratio of dsigma/dp_T^2 integrated over x_F (= ratio of dN/dp_T; mid-rapidity invariant yields "
                   "agree within ~5 %)",
    "xf_integrated_invariant": "ratio of E d3sigma/dp3 integrated over x_F (each meson weighted by dx_F/dy = "
                               "2 E*/sqrt(s))",
}
#: the reading the default eta table is reweighted with (module docstring: why, and the other one's effect)
NA27_READING = "dsigma_dpt2"
#: width (GeV/c) of the p_T slices in which the tables' own eta/pi0 ratio is evaluated (3e6 events: the ratio's
#: MC error is < 1 % per slice below 1.5 GeV/c)
PT_STEP = 0.05
_PT_MAX = 3.0
_N_SUB = 4
# centre-of-mass boost of 400 GeV/c pp (the tables' and NA27's energy): E* = gamma E - beta gamma p_L
_BETA_GAMMA_CM = P_BEAM_GEV / SQRT_S_GEV
_GAMMA_CM = float(np.hypot(1.0, _BETA_GAMMA_CM))


def na27_points() -> np.ndarray:
    """NA27's eta/pi0 at 400 GeV/c, rows (p_T [GeV/c], ratio, error), from the reference file."""
    from .mesons import reference_yields
    return np.asarray(reference_yields()["meson_multiplicity"]["na27_eta_to_pi0_vs_pt"]["value"], float)


def _reading(reading) -> str:
    reading = NA27_READING if reading is None else reading
    check_choice("reading", reading, NA27_READINGS)
    return reading


def _sub_grid(tables):
    # (p, theta) of the sub-bin grid of every table bin, shape (n_p, n_theta, n_sub, n_sub)
    p, th = sub_bin_grid(tables.logp_edges, tables.logtheta_edges, _N_SUB)
    shape = (p.shape[0], th.shape[1], _N_SUB, _N_SUB)
    return np.broadcast_to(p, shape), np.broadcast_to(th, shape)


def _table_pt(tables):
    p, th = _sub_grid(tables)
    return p * np.sin(th)


def _xf_jacobian(tables, name: str) -> np.ndarray:
    # dx_F/dy = 2 E*/sqrt(s) per sub-bin: the weight that turns counts (dN/dy at fixed p_T) into the x_F integral
    # of the invariant cross section, E d3sigma/dp3 = (2 E*/(pi sqrt(s))) d2sigma/(dx_F dp_T^2)
    from .. import constants
    p, th = _sub_grid(tables)
    e_star = _GAMMA_CM * np.hypot(p, constants.mass(name)) - _BETA_GAMMA_CM * p * np.cos(th)
    return 2.0 * e_star / SQRT_S_GEV


def _pt_spectrum(tables, name: str, edges, reading: str) -> np.ndarray:
    pt = _table_pt(tables)
    w = np.broadcast_to(tables.counts[name][:, :, None, None] / _N_SUB**2, pt.shape)
    if reading == "xf_integrated_invariant":
        w = w * _xf_jacobian(tables, name)
    return np.histogram(pt.ravel(), bins=edges, weights=w.ravel())[0]


_CACHE = TablesCache(16)      # per tables object and (kind, reading)


def _pythia_slices(tables, reading: str) -> tuple:
    return _CACHE.get(("slices", reading), tables, lambda t: _make_slices(t, reading))


def _make_slices(tables, reading: str) -> tuple:
    edges = np.arange(0.0, _PT_MAX + PT_STEP / 2, PT_STEP)
    eta, pi0 = _pt_spectrum(tables, "eta", edges, reading), _pt_spectrum(tables, "pi0", edges, reading)
    return 0.5 * (edges[1:] + edges[:-1]), eta / np.where(pi0 > 0, pi0, np.nan), eta, pi0


def _tables(tables):
    from .mesons import load_tables
    return tables or load_tables()


def pythia_ratio(pt, tables=None, reading: str | None = None) -> np.ndarray:
    """eta/pi0 of the (pp) Pythia tables at ``pt`` (GeV/c) in the variable of ``reading`` (:data:`NA27_READINGS`;
    default :data:`NA27_READING`), interpolated between slice centres."""
    centres, ratio, _, _ = _pythia_slices(_tables(tables), _reading(reading))
    ok = np.isfinite(ratio)
    return np.interp(np.asarray(pt, float), centres[ok], ratio[ok])


def pt_weight(pt, tables=None, reading: str | None = None) -> np.ndarray:
    """w(p_T) = R_NA27/R_Pythia (module docstring), held at the end values outside the measured p_T range."""
    d = na27_points()
    t = _tables(tables)
    x = np.clip(np.asarray(pt, float), d[0, 0], d[-1, 0])
    return np.interp(x, d[:, 0], d[:, 1]) / pythia_ratio(x, t, reading)


def bin_weights(tables=None, reading: str | None = None) -> np.ndarray:
    """w averaged over each (log10 p, log10 theta) bin of the eta table, shape (n_p, n_theta); ``reading``:
    :data:`NA27_READINGS` key, default :data:`NA27_READING` (looked up at call time)."""
    t, r = _tables(tables), _reading(reading)
    return _CACHE.get(("weights", r), t, lambda tt: pt_weight(_table_pt(tt), tt, r).mean(axis=(2, 3)))


def comparison(tables=None, reading: str | None = None) -> dict:
    """Pythia against NA27 at the measured points in the variable of ``reading``: ``pythia`` ratios, ``pulls``,
    ``chi2``, ``n``, ``reading``, and ``multiplicity_factor``: the eta multiplicity of the table reweighted with
    that reading over Pythia's."""
    t, r = _tables(tables), _reading(reading)
    d = na27_points()
    ours = pythia_ratio(d[:, 0], t, r)
    pulls = (ours - d[:, 1]) / d[:, 2]
    factor = float((t.counts["eta"] * bin_weights(t, r)).sum() / t.counts["eta"].sum())
    return {"pt": d[:, 0], "na27": d[:, 1], "pythia": ours, "pulls": pulls, "chi2": float((pulls ** 2).sum()),
            "n": int(len(d)), "reading": r, "multiplicity_factor": factor}
