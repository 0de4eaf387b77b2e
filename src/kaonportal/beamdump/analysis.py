"""End-to-end beam-dump interpretation: grid -> expected events -> exclusion, bands, projection -> files.

Used by ``kaonportal beamdump`` and by the ``kaonportal run`` report (:func:`beamdump_section`).

The observed counts and backgrounds (NA62's published 2021 numbers by default, the one mu mu event counted only
near its 411 MeV invariant mass) are those of :mod:`.counts`.
"""

from __future__ import annotations

__all__ = ["PUBLISHED_2021", "PUBLISHED_2021_EVENT_MASSES", "POT_2021", "POT_RUN2", "BeamDumpResult", "run_beamdump", "beamdump_section",
           "parse_grid", "parse_range", "default_ranges", "write_outputs"]

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__, references
from ..atomic import atomic_path, write_text_atomic
from ..detector import load_card
from ..errors import InputError, check_choice, check_range
from ..stats.limits import METHODS
from .channel_choice import resolve_channels
from .counts import (COUNTING_NOTE, POT_2021, POT_RUN2, PUBLISHED_2021, PUBLISHED_2021_EVENT_MASSES,
                     check_observed_masses, observed_background, observed_event_block)
from .edges import edge_notes, grid_edge_contacts
from .efficiencies import channel_efficiency
from .formula import production_line, yield_formula_line
from .published_contours import band_edge_block, published_counts
from .disagreements import stated_disagreements
from .contours import Exclusion, exclusion, expected_quantile_counts, observed_per_mass, projection
from .mesons import check_a_scaling
from .setup import BeamDumpSetup
from .yields import YieldGrid, check_n_per_mass, expected_events, resolve_model

_COUPLING_RANGES = {"epsilon": (1e-8, 1e-3), "U2": (1e-12, 1e-3)}

def _discovery_table(channels) -> dict:
    """5 sigma N_obs of the hadronic channels asked for (EPJC 85 (2025) 571 backgrounds, :mod:`.significance`)."""
    from .significance import nobs_table

    table = nobs_table()
    return {ch: table[ch] for ch in channels if ch in table}


def parse_grid(text: str) -> tuple[int, int]:
    """``"100x100"`` -> (n_mass, n_coupling); empty or malformed grids are InputErrors.

    >>> parse_grid("100x50")
    (100, 50)
    >>> parse_grid("0x10")
    Traceback (most recent call last):
    ...
    kaonportal.errors.InputError: grid: the grid is empty: need at least 2x2 points, got '0x10'
    """
    try:
        a, b = (int(x) for x in str(text).lower().split("x"))
    except ValueError:
        raise InputError("grid", f"expected NMASSxNCOUPLING such as 100x100, got {text!r}") from None
    if a < 2 or b < 2:
        raise InputError("grid", f"the grid is empty: need at least 2x2 points, got {text!r}")
    if a * b > 10**6:
        raise InputError("grid", f"at most 1e6 cells, got {a * b}")
    return a, b


def parse_range(field: str, text: str | None) -> tuple[float, float] | None:
    """``"0.01,1"`` -> (0.01, 1.0) with 0 < low < high."""
    if text is None:
        return None
    try:
        lo, hi = (float(x) for x in str(text).split(","))
    except ValueError:
        raise InputError(field, f"expected LOW,HIGH, got {text!r}") from None
    if not (0 < lo < hi and np.isfinite(hi)):
        raise InputError(field, f"need 0 < LOW < HIGH, got {text!r}")
    return lo, hi


def default_ranges(model) -> tuple[tuple[float, float], tuple[float, float]]:
    """Default (mass, coupling) ranges: the model's validity range clipped to 0.01-2 GeV."""
    lo, hi = model.mass_range
    mr = (max(lo * 1.001, 0.01), min(hi, 2.0))
    return mr, _COUPLING_RANGES.get(model.coupling_name, (1e-10, 1e-2))


#: channel -> (observed, background, reconstructed masses of the observed events): NA62's 2021 counts (.counts)
_PUBLISHED_WITH_MASSES = {c: (*v, PUBLISHED_2021_EVENT_MASSES.get(c, ())) for c, v in PUBLISHED_2021.items()}

#: the A' mass window in which NA62 states its 2021 dump result improves the limits ("for 50 < m_A' < 600 MeV/c^2",
#: abstract of [NA62:2024dpll]): the published epsilon range belongs to it, so the comparison uses the same window
PUBLISHED_MASS_WINDOW_GEV = (0.05, 0.6)


def excluded_range_in_window(ex: Exclusion, lo: float, hi: float) -> dict:
    """Excluded coupling range of ``ex`` over the grid masses in [lo, hi] GeV (None when nothing is excluded)."""
    inside = (ex.masses >= lo) & (ex.masses <= hi)
    sub = ex.excluded[inside]
    out = {"mass_window_gev": [lo, hi], "excluded_coupling_range": None}
    if sub.any():
        ig = np.nonzero(sub)[1]
        out["excluded_coupling_range"] = [float(ex.couplings[ig.min()]), float(ex.couplings[ig.max()])]
    return out


@dataclass
class BeamDumpResult:
    grid: YieldGrid
    observed: Exclusion
    projection: Exclusion
    inputs: dict

    def summary(self) -> dict:
        g = self.grid
        return {
            "model": g.model, "coupling_name": g.coupling_name, "channels": list(g.channels),
            "card": g.card, "seed": g.seed, "kaonportal_version": __version__,
            "grid": {"n_mass": int(g.masses.size), "n_coupling": int(g.couplings.size),
                     "mass_range_gev": [float(g.masses[0]), float(g.masses[-1])],
                     "coupling_range": [float(g.couplings[0]), float(g.couplings[-1])]},
            "n_simulated": g.n_simulated, "elapsed_s": g.elapsed_s,
            "mechanisms": sorted(g.by_mechanism), "ignored_production_channels": list(g.skipped_mechanisms),
            "inputs": self.inputs,
            "observed": self.observed.summary(),
            "observed_events": observed_event_block(g, self.inputs.get("observed_event_masses_gev")),
            "observed_in_published_window": excluded_range_in_window(self.observed, *PUBLISHED_MASS_WINDOW_GEV),
            "projection": self.projection.summary(),
            "max_expected_events": float(self.observed.n_expected.max()),
            "stated_disagreements": stated_disagreements(g.model, g.channels, g.setup or BeamDumpSetup(),
                                                         self.inputs.get("meson_transition_form_factor", "pole")),
            "discovery_n_obs_5sigma": _discovery_table(g.channels),
            "contour_open_at_grid_edge": self.grid_edges(),
            "band_edges": band_edge_block(self.grid, self.observed,
                                          published_counts(self.inputs, g.channels, _PUBLISHED_WITH_MASSES)),
        }

    def grid_edges(self) -> dict:
        """Sides of the grid the observed / projected exclusions reach, and one note per side (:mod:`.edges`)."""
        g = self.grid
        out, notes = {}, []
        for label, ex in (("observed", self.observed), (f"projection to {self.projection.pot:.3g} POT",
                                                        self.projection)):
            contacts = grid_edge_contacts(ex.excluded, g.masses, g.couplings)
            out["observed" if label == "observed" else "projection"] = contacts
            notes += edge_notes(label, contacts, g.masses, g.couplings, g.coupling_name,
                                resolve_model(g.model).mass_range)
        out["notes"] = notes
        return out


def check_mass_range(mdl, mass_range) -> None:
    """InputError (naming ``mass_range``) unless LOW < HIGH lie within the model's validity range (GeV)."""
    lo, hi = mdl.mass_range
    if not lo <= mass_range[0] < mass_range[1] <= hi:
        raise InputError("mass_range", f"must lie within the validity range [{lo:.3g}, {hi:.3g}] GeV of "
                                       f"{mdl.name}, got {mass_range[0]:g},{mass_range[1]:g}")


def check_run_inputs(*, pot, projection_pot, cl, n_per_mass, observed, background, seed, method="cls",
                     a_scaling="alpha", card=None) -> None:
    """The scalar inputs of :func:`run_beamdump`, each an InputError naming it and its allowed range: one check
    for the function and the CLI, which runs it before looking at the output directory."""
    # the API accepts pot = 0 (nothing excluded; the projection still uses the published background rate); the
    # CLI asks for pot > 0 and says so itself
    check_range("pot", pot, 0.0, 1e22, unit="POT")
    check_range("projection_pot", projection_pot, 0.0, 1e22, unit="POT")
    # before any simulation (a NaN CL used to hang the limit search, 1e12 X per mass to exhaust memory):
    # CL strictly inside (0, 1); at most 1e7 X per mechanism and mass (~2 GB of arrays; the default is 1e4);
    # counts of a counting experiment (the published 2021 numbers are 0 observed over ~0.02 background)
    check_range("cl", cl, 0.0, 1.0, low_inclusive=False, high_inclusive=False, finite=True)
    check_n_per_mass(n_per_mass)
    if observed is not None:
        check_range("observed", observed, 0.0, 1e9, unit="events")
    if background is not None:
        check_range("background", background, 0.0, 1e9, unit="events", finite=True)
    # numpy's SeedSequence rejects negative seeds with a bare ValueError; say which option is wrong
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError("seed", f"must be a non-negative integer, got {seed!r}")
    check_choice("method", method, METHODS)
    check_a_scaling(a_scaling)
    if card is not None:
        load_card(card)


def run_beamdump(model="dark-photon", channels=("ee", "mumu"), pot: float = POT_2021, grid=(100, 100), *,
                 mass_range=None, coupling_range=None, observed=None, background=None, observed_masses=None,
                 projection_pot: float = POT_RUN2, cl: float = 0.9, method: str = "cls", seed: int = 1,
                 n_per_mass: int = 10000, card: str = "na62-2022", setup: BeamDumpSetup | None = None,
                 a_scaling="alpha", progress=None) -> BeamDumpResult:
    """Compute the yield grid, the exclusion at ``pot`` and the projection to ``projection_pot``.

    ``channels=None``: the model's default channels (:func:`.channel_choice.default_channels`; those left out are
    listed with the reason in ``inputs["channels_left_out"]``). ``observed_masses``: reconstructed masses (GeV) of
    the user's ``observed`` events, one each (:mod:`.counts`; without them they count at every mass)."""
    check_run_inputs(pot=pot, projection_pot=projection_pot, cl=cl, n_per_mass=n_per_mass, observed=observed,
                     background=background, seed=seed, method=method, a_scaling=a_scaling, card=card)
    mdl = resolve_model(model)
    observed_masses = check_observed_masses(observed_masses, observed, mdl.mass_range)
    n_m, n_c = (parse_grid(grid) if isinstance(grid, str) else (int(grid[0]), int(grid[1])))
    if n_m < 1 or n_c < 1:
        raise InputError("grid", f"the grid is empty: got {n_m}x{n_c}")
    mr_def, cr_def = default_ranges(mdl)
    mr = mass_range or mr_def
    cr = coupling_range or cr_def
    check_mass_range(mdl, mr)
    masses = np.geomspace(mr[0], mr[1], n_m)
    couplings = np.geomspace(cr[0], cr[1], n_c)
    # channels=None: the model's published-analysis channels; each asked channel must open below the grid's top
    channels, left_out = resolve_channels(mdl, channels, float(mr[1]))
    counts = observed_background(channels, observed, background, observed_masses)
    obs, bkg, src = counts.observed, counts.background, counts.source
    if counts.source != "user" and pot != POT_2021:
        # the published counts belong to the 2021 exposure: at another N_POT use the scaled background and
        # the background-only median count (an expected, not an observed, limit)
        bkg = bkg * pot / POT_2021
        obs = expected_quantile_counts(bkg)["median"]
        src += f"; background scaled to {pot:.3g} POT, observed = background-only median (expected limit)"
        counts.events = {}
    g = expected_events(mdl, masses, couplings, channels, card=card, setup=setup, n_per_mass=n_per_mass,
                        seed=seed, a_scaling=a_scaling, progress=progress)
    # observed/background refer to the 2021 exposure unless the user gave them: they are used at `pot` as is
    # events of known mass count only at the hypotheses whose invariant-mass window holds them (.counts)
    n_obs = observed_per_mass(g, counts.events, counts.n_without_mass) if counts.events else obs
    ex = exclusion(g, pot, n_obs, bkg, cl=cl, method=method)
    bkg_per_pot = (bkg / pot) if pot > 0 else (observed_background(channels).background / POT_2021
                                                  if src != "user" else 0.0)
    proj = projection(g, projection_pot, bkg_per_pot, cl=cl, method=method)
    inputs = {"pot": pot, "observed": obs, "background": bkg, "observed_background_source": src,
              # NA62's own 2021 counts at the 2021 exposure: what the published contours and the registry compare
              "published_counts": bool(counts.published and pot == POT_2021),
              "observed_event_masses_gev": counts.event_masses(), "observed_counting": COUNTING_NOTE,
              "projection_pot": projection_pot, "projection_background": bkg_per_pot * projection_pot,
              "cl": cl, "method": method, "n_per_mass": n_per_mass, "a_scaling": a_scaling,
              "soft_meson_normalisation": "na27",
              "trigger_efficiency": g.setup.trigger_efficiency,
              "channel_efficiency": {ch: channel_efficiency(ch, g.setup) for ch in channels},
              "brems_form_factor": g.setup.brems_form_factor, "decay_volume_m": list(g.setup.decay_volume),
              "cda_tax_max_m": g.setup.cda_tax_max, "z_tax_window_m": list(g.setup.z_tax_window),
              "mass_window_sigma": g.setup.mass_window_sigma, "vector_mixing": g.setup.vector_mixing,
              "eta_ratio": g.setup.eta_ratio, "eta_spectrum": g.setup.eta_spectrum,
              "meson_transition_form_factor": getattr(mdl, "transition_form_factor", None),
              "channels_left_out": left_out}
    return BeamDumpResult(g, ex, proj, inputs)


def _header(res: BeamDumpResult, what: str) -> str:
    s = res.summary()
    lines = [f"# {what}",
             f"# model {s['model']} ({s['coupling_name']}), channels {','.join(s['channels'])}, card {s['card']}",
             f"# units: mass in GeV/c^2, coupling = {s['coupling_name']}; CL {res.observed.cl} ({res.observed.method})",
             f"# inputs: {json.dumps(s['inputs'])}",
             f"# seed {s['seed']}, kaonportal {s['kaonportal_version']}, {s['n_simulated']} X events simulated",
             # the formula with every factor and the mechanisms this run simulated (BC4: B decays; BC11: mixing,
             # Primakoff), not a fixed text
             f"# {yield_formula_line(res.grid.channels)}",
             f"# {production_line(res.grid.by_mechanism, res.grid.setup)}"]
    # the known disagreements and the comparison with a shipped published contour travel with the curve (issue 14)
    lines += [f"# stated disagreement with the published result: {d}" for d in s["stated_disagreements"]]
    lines += [f"# {c['statement']} ({c['contour']})" for c in s["band_edges"]["published_comparison"]]
    return "\n".join(lines) + "\n"


def _write_lines_csv(path: Path, header: str, named_lines: dict[str, list]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w") as f:     # atomic: a killed run leaves no truncated table
        f.write(header)
        f.write("curve,segment,mass_gev,coupling\n")
        for name, lines in named_lines.items():
            for k, seg in enumerate(lines):
                for mval, cval in seg:
                    f.write(f"{name},{k},{mval:.6g},{cval:.6g}\n")


def write_outputs(res: BeamDumpResult, out_dir: Path, *, plot: bool = True, budget=None) -> dict:
    """Write contour CSVs, the yield grid (npz), the plot and summary.json into ``out_dir``.

    ``budget``: a :class:`.budget.YieldBudget` written as ``summary["yield_budget"]`` (``--explain``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    ex, pr = res.observed, res.projection
    p = out / "contour.csv"
    # events of known mass count only inside their invariant-mass window: the total, and that it varies by mass
    obs = (f"observed {res.inputs.get('observed', ex.observed)}"
           + (" (per mass: events of known mass only inside their invariant-mass window)"
              if ex.observed_per_mass is not None else ""))
    _write_lines_csv(p, _header(res, f"90% CL exclusion contour, N_POT = {ex.pot:.3g}, {obs}, "
                                     f"background {ex.background:.3g}; expected bands from the background-only "
                                     "expectation"),
                     {"observed": ex.lines, **{f"expected_{k}": v for k, v in ex.expected_lines.items()}})
    files["contour_csv"] = str(p)
    p = out / "projection.csv"
    _write_lines_csv(p, _header(res, f"expected (median) 90% CL exclusion projected to N_POT = {pr.pot:.3g}, "
                                     f"background {pr.background:.3g}"),
                     {"projection_median": pr.lines, **{f"projection_{k}": v for k, v in pr.expected_lines.items()}})
    files["projection_csv"] = str(p)
    p = out / "yields.npz"
    g = res.grid
    with atomic_path(p) as tmp, open(tmp, "wb") as fh:      # a file object: numpy would add .npz to a name
        np.savez_compressed(fh, masses=g.masses, couplings=g.couplings, events_per_pot=g.per_pot,
                            mc_error_per_pot=np.sqrt(g.mc_var_per_pot2),
                            **{f"channel_{k}": v for k, v in g.by_channel.items()},
                            **{f"mass_window_halfwidth_{k}": v for k, v in g.mass_window_halfwidth.items()})
    files["yields_npz"] = str(p)
    if plot:
        files.update(_plot(res, out))
    summary = res.summary()
    # honest flags: the published numbers this result reproduces, with their statuses (kaonportal.validation)
    from ..validation.evaluate import beamdump_validation
    summary["validation"] = beamdump_validation(summary)
    if budget is not None:
        summary["yield_budget"] = budget.as_dict()
    summary["files"] = files
    from ..cli._common import to_jsonable
    summary["references"] = references.cited(json.dumps(to_jsonable(summary)))   # cited key -> full citation
    p = out / "summary.json"
    # the file's own paths relative to its directory (the returned summary keeps the paths as written)
    own = {**summary, "files": {k: Path(v).name for k, v in files.items()}}
    write_text_atomic(p, json.dumps(to_jsonable(own), indent=2) + "\n")
    files["summary_json"] = str(p)
    summary["files"] = files
    return summary


def _plot(res: BeamDumpResult, out: Path) -> dict:
    """Contour plot in the formats of ``kaonportal.report.style.plot_formats`` (PNG by default)."""
    from ..report.style import styled
    from .plotting import plot_exclusion
    from .yields import resolve_model

    return styled(plot_exclusion)(res, out, particle=getattr(resolve_model(res.grid.model), "particle", "X"))


def beamdump_section(out_dir, pot: float = POT_2021, quick: bool = False, *, model="dark-photon",
                     channels=("ee", "mumu"), seed: int = 1, card: str = "na62-2022") -> dict:
    """Beam-dump section of ``kaonportal run``: writes into ``out_dir`` and returns the summary dict.

    ``quick`` uses a 20 x 20 grid with 500 X per mechanism and mass (seconds) instead of 100 x 100 x 10000.
    """
    grid = (20, 20) if quick else (100, 100)
    n = 500 if quick else 10000
    res = run_beamdump(model, channels, pot, grid, seed=seed, n_per_mass=n, card=card)
    return write_outputs(res, Path(out_dir))
