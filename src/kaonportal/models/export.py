"""Export a built-in portal model (BC1-BC11) to the tabulated YAML form of :mod:`.tabulated`.

``kaonportal models export BC4 -o bc4.yaml`` writes the model's production branching ratios and partial widths
at unit coupling on a log-spaced mass grid, so that a user can start from a benchmark and change it. The
power of the coupling each channel scales with is measured (rates at C = 1 and C = 0.1) and must be a
constant power (all benchmarks: 2 for epsilon / g, 1 for sin^2 theta / U^2; BC2's dark-matter width and BC5's
h -> S S rate do not depend on the coupling: power 0). Production channels that ``kaonportal recast``
cannot simulate (e.g. ``KL -> pi0 S``, ``h -> S S``) are left out and listed in ``notes``. Spins from
[Beacham:2019nyx] (BC1/2 vector, BC4/5 scalar, BC6-8 fermion, BC9-11 pseudoscalar).

>>> data = export_model("BC4", n_masses=40)
>>> data["coupling"]["name"], data["coupling"]["power"], len(data["mass_grid"])
('sin2theta', 1, 40)
"""

from __future__ import annotations

__all__ = ["export_model", "write_model_yaml", "SPINS"]

from pathlib import Path

import numpy as np
import yaml

from ..atomic import write_text_atomic
from ..errors import InputError
from .base import PortalModel
from .tabulated import production_is_simulated

SPINS = {"A'": 1, "S": 0, "N": 0.5, "a": 0}
DEFAULT_N_MASSES = 400


def _power(model: PortalModel, table_fn, grid, key: str) -> float:
    """The power p with rate(C) = rate(1) C**p, measured between C = 1 and C = 0.1 (must be constant)."""
    r1, r01 = table_fn(grid, 1.0)[key], table_fn(grid, 0.1)[key]
    ok = r1 > 0
    if not ok.any():
        return float(model.coupling_power)
    p = -np.log10(r01[ok] / r1[ok])
    # the tabulated form needs one power per channel; round off floating-point noise only
    if np.ptp(p) > 1e-6 or abs(p[0] - round(p[0])) > 1e-6:
        raise InputError("model", f"{model.name}: {key} does not scale as a power of {model.coupling_name}; "
                                  "it cannot be exported as a table")
    return float(round(p[0]))


def _clean(x: float):
    return int(x) if float(x).is_integer() else float(x)


def export_model(model, n_masses: int = DEFAULT_N_MASSES) -> dict:
    """The tabulated form (a plain mapping, the YAML document) of ``model`` (object, name or label)."""
    from . import get_model
    mdl = get_model(model) if isinstance(model, str) else model
    if int(n_masses) < 2:
        raise InputError("n_masses", f"must be >= 2, got {n_masses}")
    lo, hi = mdl.mass_range
    # the grid starts just above the lower edge (often a threshold, 2 m_e, where widths vanish)
    grid = np.geomspace(max(lo, 1e-6), hi, int(n_masses))
    grid[0], grid[-1] = lo if lo > 0 else grid[0], hi
    pr = mdl.production_mass_range
    pgrid = np.geomspace(max(pr[0], 1e-6), pr[1], int(n_masses)) if pr else None
    if pgrid is not None:
        pgrid[0], pgrid[-1] = pr[0] if pr[0] > 0 else pgrid[0], pr[1]
    pg = grid if pgrid is None else pgrid
    widths = mdl.partial_widths(grid, 1.0)
    prod_all = mdl.production_br(pg, 1.0)
    kept = {k: v for k, v in prod_all.items() if production_is_simulated(k, mdl.particle)}
    dropped = sorted(set(prod_all) - set(kept))
    w_pow = {k: _power(mdl, mdl.partial_widths, grid, k) for k in widths}
    p_pow = {k: _power(mdl, mdl.production_br, pg, k) for k in kept}
    power = _clean(mdl.coupling_power)
    notes = [f"exported from kaonportal built-in {mdl.name} ({mdl.label}) on {len(grid)} log-spaced masses; "
             "rates at unit coupling"]
    if dropped:
        notes.append("production channels left out (not simulated by kaonportal recast): " + ", ".join(dropped))
    dark_photon = mdl.particle == "A'" and mdl.coupling_name == "epsilon"
    prod = {k: [float(x) for x in v] for k, v in kept.items()}
    if dark_photon:
        # proton bremsstrahlung at the dump: the model factor of kaonportal.beamdump is epsilon^2
        prod["p -> p A' (bremsstrahlung)"] = [1.0] * len(pg)
        p_pow["p -> p A' (bremsstrahlung)"] = 2.0
    if mdl.name == "alp-photon":
        prod["gamma Cu -> a Cu (Primakoff)"] = [1.0] * len(pg)
        p_pow["gamma Cu -> a Cu (Primakoff)"] = 2.0
    data = {
        "name": f"{mdl.name}-tabulated", "label": f"{mdl.label} (tabulated)", "particle": mdl.particle,
        "spin": SPINS.get(mdl.particle, 0),
        "coupling": {"name": mdl.coupling_name, "unit": mdl.coupling_unit, "power": power,
                     **({"max": float(mdl.coupling_max)} if mdl.coupling_max is not None else {}),
                     "scan": [float(x) for x in mdl.coupling_scan]},
        "mass_range": [float(lo), float(hi)],
        "mass_grid": [float(x) for x in grid],
        **({"production_mass_grid": [float(x) for x in pgrid]} if pgrid is not None else {}),
        "widths": {k: [float(x) for x in v] for k, v in widths.items()},
        "invisible": sorted(mdl.invisible_channels),
        "production": prod,
        "width_powers": {k: _clean(v) for k, v in w_pow.items() if v != mdl.coupling_power},
        "production_powers": {k: _clean(v) for k, v in p_pow.items() if v != mdl.coupling_power},
        "kaon_channel": mdl.kaon_channel if mdl.kaon_channel in kept else "",
        "reference": mdl.reference,
        "notes": notes,
    }
    return data


def write_model_yaml(data: dict, path: Path) -> Path:
    """Write the mapping atomically (:mod:`kaonportal.atomic`) as YAML."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# kaonportal tabulated portal model (schema: kaonportal.models.tabulated.ModelFile; units GeV)\n"
    text += yaml.safe_dump(data, sort_keys=False, width=120, default_flow_style=None)
    write_text_atomic(path, text)       # the umask's mode (not mkstemp's 0600); no temporary left on error
    return path
