"""`kaonportal models` commands: benchmark-model numbers and BR-limit -> coupling-limit conversion.

- ``kaonportal models list``: the models, their PBC labels, coupling variables and mass ranges.
- ``kaonportal models br MODEL --mass M --coupling C [--json]``: production BRs, width, c*tau,
  lifetime and decay branching ratios of one (mass, coupling) point.
- ``kaonportal models convert CURVE.csv --model MODEL --decay prompt|stable|region:Z1,Z2 [--column NAME]
  [--out FILE] [--json]``: BR-limit curve -> coupling-limit curve (see :mod:`kaonportal.models.convert`);
  a curve without a lifetime column needs ``--decay`` unless kaonportal wrote it and its header says.
"""

from __future__ import annotations

__all__ = ["register"]

from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from ._common import cli_errors, emit_json, guard_output

def _params(items: list[str] | None) -> dict:
    """``--param key=value`` pairs -> keyword arguments of the model (numbers parsed as floats)."""
    from ..errors import InputError
    out = {}
    for item in items or []:
        if "=" not in item:
            raise InputError("--param", f"expected key=value, got {item!r}")
        key, value = (x.strip() for x in item.split("=", 1))
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out


_PARAM_HELP = ("Benchmark parameter key=value, repeatable (e.g. chi_spin=scalar, alpha_d=0.1 for BC2; "
               "br_h_ss=0.05 for BC5; k_to_pi=fcnc, g8=3.61 for BC10; normalisation=1/4fG, g8=3.61, c0=nlo "
               "for BC11; k3pi=2.7 for BC10/BC11).")

models_app = typer.Typer(name="models", no_args_is_help=True,
                         help="Portal benchmark models (PBC BC1-BC11): widths, lifetimes, production "
                              "BRs, and BR-limit -> coupling-limit conversion. Masses in GeV.")


@models_app.command("list")
@cli_errors
def list_models(json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """List the benchmark models with their coupling variable and valid mass range."""
    from ..models import ALIASES, MODEL_NAMES, get_model
    rows = []
    for name in MODEL_NAMES:
        m = get_model(name)
        rows.append({"name": name, "label": m.label, "coupling": m.coupling_name,
                     "coupling_unit": m.coupling_unit, "mass_range_gev": list(m.mass_range),
                     "kaon_channel": m.kaon_channel})
    if json_out:
        emit_json({"models": rows, "aliases": ALIASES})
        return
    table = Table(title="kaonportal benchmark models")
    for col in ("name", "PBC", "coupling", "mass range (GeV)", "kaon-mode channel"):
        table.add_column(col)
    for r in rows:
        lo, hi = r["mass_range_gev"]
        table.add_row(r["name"], r["label"], f"{r['coupling']} {r['coupling_unit']}".strip(),
                      f"{lo:.4g} - {hi:.4g}", r["kaon_channel"])
    Console().print(table)


@models_app.command("br")
@cli_errors
def br(model: str = typer.Argument(..., help="Model name (dark-photon, hnl-e, ...) or PBC label (BC1...)."),
       mass: float = typer.Option(..., "--mass", help="Mass of the new particle in GeV."),
       coupling: float = typer.Option(..., "--coupling",
                                      help="Coupling in the benchmark's own variable (see `models list`)."),
       param: list[str] = typer.Option(None, "--param", help=_PARAM_HELP),
       json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """Production BRs, total width, c*tau, lifetime and decay BRs at one (mass, coupling)."""
    from ..errors import InputError
    from ..models import get_model
    m = get_model(model, **_params(param))
    try:
        out = m.summary(mass, coupling)
    except InputError as exc:
        # name the option the user typed: a bad coupling (range, or a production BR > 1) is --coupling
        if exc.field == m.coupling_name:
            raise InputError("--coupling", exc.message) from None
        raise
    if json_out:
        emit_json(out)
        return
    con = Console()
    con.print(f"[bold]{m.name}[/] ({m.label}), m = {mass:g} GeV, {m.coupling_name} = {coupling:g}")
    con.print(f"width = {out['width_gev']:.4e} GeV, c*tau = {out['ctau_m']:.4e} m, "
              f"tau = {out['lifetime_s']:.4e} s")
    if out["validity"]:
        con.print(f"validity: {out['validity']}", highlight=False, markup=False)
    for title, data in (("production", out["production"]), ("decay branching ratios", out["branching_ratios"])):
        table = Table(title=title)
        table.add_column("channel")
        table.add_column("BR", justify="right")
        for k, v in data.items():
            if v > 0:
                table.add_row(k, f"{v:.4e}")
        con.print(table)


@models_app.command("convert")
@cli_errors
def convert(curve: Path = typer.Argument(..., help="BR-limit curve CSV ('#' header, named columns: mass "
                                                   "m_*_MeV/GeV, optional lifetime tau_ps/tau_ns/tau_s, the "
                                                   "BR limit; a run's curves/*.csv work)."),
            model: str = typer.Option(..., "--model", help="Model name or PBC label."),
            final_state: str = typer.Option(None, "--final-state",
                                            help="invisible, visible or a decay final state like 'mu+ mu-' "
                                                 "(default: guessed from the curve header)."),
            production: str = typer.Option(None, "--production",
                                           help="Production channel (default: the model's kaon channel)."),
            momentum: float = typer.Option(None, "--momentum",
                                           help="X momentum in GeV/c for curves without a lifetime column "
                                                "(default: mean of K+ -> pi+ X at 75 GeV/c)."),
            detector_length: float = typer.Option(112.0, "--detector-length",
                                                  help="Flight length (m) X must survive, invisible searches "
                                                       "without a lifetime column."),
            parent_momentum: float = typer.Option(75.0, "--parent-momentum",
                                                  help="K+ momentum (GeV/c) for the default X momentum."),
            decay: str = typer.Option(None, "--decay",
                                      help="What a curve WITHOUT a lifetime column assumes about X: prompt, "
                                           "stable (no decay before --detector-length) or region:Z1,Z2 "
                                           "(decay between Z1 and Z2 m). Required unless a kaonportal "
                                           "curve header says prompt or stable."),
            column: str = typer.Option(None, "--column",
                                       help="Name of the BR-limit column (default: br_ul_observed, else "
                                            "the only column named BR*)."),
            decay_region: str = typer.Option(None, "--decay-region",
                                             help="Old spelling of --decay region:Z1,Z2."),
            out: Path = typer.Option(None, "--out", help="Write the coupling-limit curve to this CSV."),
            force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
            param: list[str] = typer.Option(None, "--param", help=_PARAM_HELP),
            json_out: bool = typer.Option(False, "--json", help="Print one JSON object.")):
    """Turn a branching-ratio limit curve into a coupling-limit curve for MODEL."""
    from ..models import get_model
    from ..models.convert import convert_curve, write_limit_csv
    from ..errors import InputError
    m = get_model(model, **_params(param))
    if out is not None:
        guard_output(out, force, field="out")
    if decay_region is not None:
        if decay is not None:
            raise InputError("--decay-region", "give --decay region:Z1,Z2 or --decay-region, not both")
        decay = f"region:{decay_region}"
    try:
        res = convert_curve(curve, m, final_state=final_state, production=production, momentum_gev=momentum,
                            detector_length_m=detector_length, parent_momentum_gev=parent_momentum,
                            decay=decay, column=column)
    except InputError as exc:
        # name the option the user typed
        if exc.field in ("decay", "column"):
            raise InputError(f"--{exc.field}", exc.message) from None
        raise
    if out is not None:
        write_limit_csv(res, out, m, cl_text="as the input curve")
    notes = {k: v for k, v in res.notes.items() if k != "input_header"}
    if json_out:
        emit_json({"model": m.name, "label": m.label, "coupling_name": m.coupling_name,
                   "mass_gev": res.mass_gev, "coupling_low": res.coupling_low,
                   "coupling_high": res.coupling_high, "notes": notes,
                   "output": str(out) if out is not None else None})
        return
    con = Console()
    ok = np.isfinite(res.coupling_low)
    con.print(f"{m.name}: {int(ok.sum())}/{len(ok)} masses with an exclusion"
              + (f"; written to {out}" if out is not None else ""))
    if ok.any():
        i = int(np.nanargmin(np.where(ok, res.coupling_low, np.inf)))
        con.print(f"strongest: {res.coupling_name} > {res.coupling_low[i]:.3e} excluded at "
                  f"m = {res.mass_gev[i]:.4g} GeV")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.add_typer(models_app, name="models")
