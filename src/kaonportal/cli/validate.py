"""`kaonportal validate`: every published number of the reference registry side by side with kaonportal's.

It runs ``kaonportal run`` (the same command, its sections and its sample cache) once per run profile the selected
entries need (:data:`kaonportal.validation.registry.PROFILES`), with only the sections they need switched on, into
``DIR/runs/<profile>/`` (rerunning validate on the same DIR reuses the cached samples), then evaluates every entry
and writes DIR/validation.json, DIR/report.md and DIR/plots/overlay_*.png|pdf.
"""

from __future__ import annotations

__all__ = ["register", "needed_runs"]

import contextlib
import os
import time
from datetime import date
from pathlib import Path

import typer

from ._common import cli_errors, emit_json, stderr

VALIDATE_HELP = (
    "Compare every published number kaonportal can reproduce (the reference registry shipped in "
    "kaonportal/data/validation, or --registry FILE) with kaonportal's own, and write DIR/validation.json, "
    "DIR/report.md (a table per area, worst first, and a verdict per area) and overlay plots of every published "
    "curve against kaonportal's. Runs 'kaonportal run' for what is needed (into DIR/runs/, whose sample cache a "
    "rerun reuses). Status: agree / tension / disagree from the deviation in tolerances (the entry's stated "
    "model-approximation allowance, the published error and kaonportal's error in quadrature) and the pull: "
    "a value outside its tolerance or with |pull| > 2 is never 'agree'; beyond two tolerances or |pull| > 3 it "
    "is 'disagree'.")

_OUTPUTS = ("validation.json", "report.md", "plots")


def needed_runs(registry) -> dict[str, set]:
    """Run profile -> the sections its entries and overlays need (model entries need no run); a section
    ``kaonportal run`` does not have is bad input (a --registry typo)."""
    from ..analyses.searches import SECTIONS
    from ..errors import InputError
    known = ("pnn", "beamdump", *SECTIONS)
    for _, item in [*registry.entries, *registry.overlays]:
        section = item.kaonportal.section if hasattr(item, "kaonportal") else item.section
        if section is not None and section not in known:
            raise InputError("--registry", f"{item.id}: unknown section {section!r}; known: {', '.join(known)}")
    need: dict[str, set] = {}
    for _, e in registry.entries:
        src = e.kaonportal
        if src.kind not in ("model", "stats"):
            need.setdefault(src.run, set()).add(src.section)
    for _, o in registry.overlays:
        need.setdefault(o.run, set()).add(o.section)
    return need


def _run_config(profile: str, sections: set) -> dict:
    """The --config of one profile's run: its overrides and only the needed sections switched on."""
    from ..analyses.searches import SECTIONS
    from ..validation.registry import PROFILES
    cfg = dict(PROFILES[profile]["config"])
    cfg["sections"] = {name: (name in sections) for name in ("pnn", "beamdump", *SECTIONS)}
    return cfg


def _run_command():
    """``kaonportal run`` as a callable taking its command-line arguments: the same command, option parsing,
    defaults and error handling as the command line (a typer callback cannot be called with its OptionInfo
    defaults or without its context). A non-zero exit becomes ``typer.Exit(code)``."""
    from . import run as run_module
    app = typer.Typer()
    run_module.register(app)
    command = typer.main.get_command(app)

    def call(args: list[str]) -> None:
        code = command.main(args=args, prog_name="kaonportal run", standalone_mode=False)
        if code:
            raise typer.Exit(code)
    return call


def _execute_runs(need: dict, out: Path, quick: bool, seed: int | None) -> dict[str, Path]:
    """Run every needed profile into out/runs/<profile>; returns profile -> run directory (a run whose sections
    partly failed is kept: its entries are 'missing'; bad input stops validate with exit 2)."""
    import yaml
    run = _run_command()
    dirs = {}
    for profile, sections in need.items():
        run_dir = out / "runs" / profile
        cfg_path = out / "runs" / f"{profile}.config.yaml"
        cfg_path.parent.mkdir(parents=True, exist_ok=True)
        cfg_path.write_text(yaml.safe_dump(_run_config(profile, sections), sort_keys=False))
        stderr.print(f"validate: kaonportal run{' --quick' if quick else ''} for profile '{profile}' "
                     f"(sections {', '.join(sorted(sections))}) -> {run_dir}", highlight=False)
        try:
            # run --json prints summary.json on stdout: keep validate's stdout for its own --json
            with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
                run(["--config", str(cfg_path), "--out", str(run_dir), "--force", "--json",
                     *(["--quick"] if quick else []), *(["--seed", str(seed)] if seed is not None else [])])
        except typer.Exit as exc:
            if exc.exit_code == 2:
                raise
            stderr.print(f"validate: some sections of profile '{profile}' failed (see {run_dir}/summary.json); "
                         "their entries are reported as missing", highlight=False)
        dirs[profile] = run_dir
    return dirs


def _prepare_out(out: Path, force: bool) -> None:
    from ..errors import InputError
    if out.exists() and not out.is_dir():
        raise InputError("--out", f"{out} exists and is not a directory")
    if out.exists():
        existing = [e for e in _OUTPUTS if (out / e).exists()]
        if existing and not force:
            raise InputError("--out", f"{out} already holds validation results ({', '.join(existing)}); pass --force "
                                      "to overwrite (the runs' sample caches in runs/ are kept)")
        if (out / "plots").is_dir():
            for p in (out / "plots").glob("overlay_*"):
                p.unlink()
        return
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.exists():
        raise InputError("--out", f"parent directory {parent} does not exist")


def _print_table(console, records: list[dict], areas: dict) -> None:
    from rich.table import Table

    from ..validation.evaluate import area_verdict
    from ..validation.rule import tally
    cols = ("agree", "tension", "disagree", "closure", "missing")      # an agreeing closure entry is not 'agree'
    t = Table(title="kaonportal validate: published numbers vs kaonportal")
    t.add_column("area", justify="left")
    for col in cols:
        t.add_column(col, justify="right")
    for area in areas:
        rs = [r for r in records if r["area"] == area]
        if rs:
            n = tally(rs)
            t.add_row(area, *(str(n[c]) for c in cols))
    console.print(t)
    for area in areas:
        if any(r["area"] == area for r in records):
            console.print(area_verdict(area, records), highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``kaonportal validate``."""

    @app.command("validate", help=VALIDATE_HELP)
    @cli_errors
    def validate(out: Path = typer.Option(..., "--out", "-o", help="Output directory (validation.json, report.md, "
                                          "plots/, runs/)."),
                 quick: bool = typer.Option(False, "--quick", help="Run with kaonportal run --quick samples (CI)."),
                 only: list[str] = typer.Option(None, "--only", help="Only these areas (repeat or comma-separate), "
                                                "e.g. --only pnn,models."),
                 registry: Path = typer.Option(None, "--registry", help="A registry YAML area file (or a directory "
                                               "of them) instead of the built-in one."),
                 from_run: list[Path] = typer.Option(None, "--from-run", help="Evaluate existing 'kaonportal "
                                                     "run' output directories instead of running (repeat it for "
                                                     "several profiles, e.g. default and pnn-2017; entries of "
                                                     "profiles not given are reported as missing)."),
                 seed: int = typer.Option(None, "--seed", help="Random seed of the runs (default: the config's)."),
                 force: bool = typer.Option(False, "--force", help="Overwrite validation results in --out."),
                 json_out: bool = typer.Option(False, "--json", help="Print the summary counts and the records "
                                               "as one JSON object on stdout.")):
        """Evaluate the registry (see :data:`VALIDATE_HELP`)."""
        from .. import __version__
        from ..errors import InputError
        from ..validation import evaluate, load_registry
        from ..validation.evaluate import load_summary, profile_for_summary, summarise
        from ..validation.report import plot_overlays, plot_ratios, write_report_md, write_validation_json

        t0 = time.time()
        reg = load_registry(registry)
        areas = [a.strip() for item in (only or []) for a in item.split(",") if a.strip()]
        reg = reg.select(areas or None)
        needed = needed_runs(reg)          # also checks the sections the registry names
        from_summaries = {}
        for d in from_run or []:
            if (s := load_summary(d)) is None:
                raise InputError("--from-run", f"{d} holds no readable summary.json of a kaonportal run")
            if (prof := profile_for_summary(s)) in from_summaries:
                raise InputError("--from-run", f"two runs of profile '{prof}' given; one per profile")
            from_summaries[prof] = (Path(d), s)
        _prepare_out(out, force)
        out.mkdir(parents=True, exist_ok=True)
        if from_summaries:
            run_dirs = {p: d for p, (d, _) in from_summaries.items()}
            quick = any(bool(s.get("quick")) for _, s in from_summaries.values())
        else:
            run_dirs = _execute_runs(needed, out, quick, seed)
        summaries = {p: s for p, d in run_dirs.items() if (s := load_summary(d)) is not None}
        records = evaluate(reg, summaries, run_dirs)
        plots = plot_overlays(reg, run_dirs, out)
        if plot_ratios(records, "kaonportal / published, every registry entry", out / "plots" / "validation_ratios"):
            plots["all:ratios"] = "plots/validation_ratios.png"
        meta = {"kaonportal_version": __version__, "quick": quick, "registry": reg.source,
                "areas": list(reg.areas), "date": date.today().isoformat(),
                "runs": {p: str(d) for p, d in run_dirs.items()}, "overlays": plots,
                "elapsed_s": round(time.time() - t0, 1)}
        write_validation_json(out / "validation.json", records, meta)
        write_report_md(out / "report.md", records, reg.areas, meta, plots)
        if json_out:
            emit_json({**meta, "summary": summarise(records), "records": records})
            _print_table(stderr, records, reg.areas)
        else:
            from rich.console import Console
            _print_table(Console(width=140), records, reg.areas)
            stderr.print(f"validation results in {out}/ (validation.json, report.md, plots/)", highlight=False)
