"""`kaonportal run`: the package's main job (every enabled analysis section, one output directory).

Output layout (``shared/conventions.md`` "Files"): DIR/summary.json, DIR/plots/*.png|pdf,
DIR/tables/*.csv, DIR/hepdata/ (hepdata_lib), DIR/README.md; simulated samples are cached in
DIR/cache/ so that an interrupted run resumes (rerun the same command: a directory holding only
``cache/`` is resumed; one holding results needs ``--force``). ``--clean-cache`` deletes DIR/cache after a
successful run (every section done, every result written) and reports the space freed; an interrupted or
failed run keeps it.
"""

from __future__ import annotations

__all__ = ["register"]

import contextlib
import shutil
import sys
import time
from pathlib import Path

import typer

from ._common import cli_errors, emit_json, progress, stderr

RUN_HELP = (
    "Run every enabled analysis section (K+ -> pi+ nu nubar, beam dump, the new-physics searches) and write "
    "summary.json, plots, CSV and HEPData tables and a README into --out.\n\n"
    "A --config YAML file overrides the built-in defaults. Search options go under 'searches', e.g. "
    "'searches: {kpix: {masses: [0.05, 0.2], candidates_file: cands.csv}}' (the fields of each search's "
    "*Config class, see kaonportal.analyses.searches); 'sections: {hnl: false}' switches a section off.\n\n"
    "Observed limits come from pseudo-data unless a candidate file is given: a CSV (.csv/.txt) with an m2miss "
    "column in GeV^2/c^4 (kpix; pi0-gamma-x: m_miss^2 = (P_K - P_pi - P_gamma)^2; "
    "hnl: candidates_file: {'K+ -> e+ N': e.csv} with m2miss_e / m2miss_mu; "
    "visible-x: candidates_file: {gg: g.csv, mumu: m.csv} with m_gg / m_mumu in GeV/c^2), "
    "relative paths from the working directory; counting searches take counts ('pi0-invisible: {observed: 12}', "
    "'lnv: {observed: {K+ -> pi- mu+ mu+: 1}}').\n\n"
    "Bad options, mass grids outside a search's kinematic range and unreadable candidate files stop the run "
    "before any simulation (exit 2).")

RESULT_ENTRIES = ("summary.json", "plots", "tables", "hepdata", "curves", "README.md", "beamdump")


def _prepare_out(out: Path, force: bool) -> bool:
    """Check/clean the output directory; returns True when resuming from a cache."""
    from ..errors import InputError
    if out.exists() and not out.is_dir():
        raise InputError("--out", f"{out} exists and is not a directory")
    if out.exists():
        existing = [e for e in RESULT_ENTRIES if (out / e).exists()]
        others = [p.name for p in out.iterdir() if p.name not in RESULT_ENTRIES and p.name != "cache"]
        if (existing or others) and not force:
            raise InputError("--out", f"{out} already holds results ({', '.join(existing + others)}); "
                                      "pass --force to overwrite (the sample cache in cache/ is kept)")
        if force:
            for p in out.iterdir():
                if p.name != "cache":
                    shutil.rmtree(p) if p.is_dir() else p.unlink()
        return (out / "cache").is_dir()
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.exists():
        raise InputError("--out", f"parent directory {parent} does not exist")
    return False


def _check_search_options(cfg) -> None:
    """Typos in section names and bad search options are bad input (exit 2): find them before the
    first simulation, not when the section runs after the K+ -> pi+ nu nubar one. Besides the options
    themselves, what they point at is checked here (:func:`kaonportal.analyses.searches.check_section_inputs`:
    mass grids inside the kinematic range, candidate files with the right column and finite values)."""
    from ..analyses.searches import SECTIONS, check_section_inputs
    from ..errors import InputError
    known = ", ".join(["pnn", "beamdump", *SECTIONS])
    for name in cfg.sections.model_extra or {}:
        if name not in SECTIONS:
            raise InputError(f"config.sections.{name}", f"unknown section; known: {known}")
    for name, opts in cfg.searches.items():
        if name not in SECTIONS:
            raise InputError(f"config.searches.{name}", f"unknown search; known: {', '.join(SECTIONS)}")
        # a section switched off: its options are still checked (typos), not the files they name
        check_section_inputs(name, opts, field=f"config.searches.{name}", deep=cfg.sections.enabled(name))


def _clean_cache(cache: Path) -> dict:
    """Delete the run's sample cache; returns what was removed (``bytes_freed``: sum of file sizes)."""
    n_files, n_bytes = 0, 0
    if cache.is_dir():
        for p in cache.rglob("*"):
            if p.is_file() and not p.is_symlink():
                n_files += 1
                n_bytes += p.stat().st_size
        shutil.rmtree(cache)
    return {"path": str(cache), "files_removed": n_files, "bytes_freed": n_bytes}


def _human_bytes(n: int) -> str:
    """
    >>> _human_bytes(2_900_000_000), _human_bytes(1536)
    ('2.90 GB', '1.5 kB')
    """
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.2f} {unit}" if unit == "GB" else f"{n / size:.1f} {unit}"
    return f"{n} B"


def _beamdump_section(cfg, out: Path, quick: bool):
    from ..beamdump import beamdump_section
    kwargs = {"quick": quick, "seed": cfg.seed}
    if cfg.beamdump.pot is not None:
        kwargs["pot"] = cfg.beamdump.pot
    # its own subdirectory: the section writes its own files (and a summary) without touching ours
    sub = out / "beamdump"
    sub.mkdir(parents=True, exist_ok=True)
    res = beamdump_section(sub, **kwargs)
    res = dict(res) if isinstance(res, dict) else {"result": res}
    res.setdefault("status", "done")
    return res


def _search_sections() -> dict:
    """Sections registered by the new-physics searches, in their run order."""
    from ..analyses.searches import SECTIONS
    return dict(SECTIONS)


def register(app: typer.Typer) -> None:
    """Add ``kaonportal run``."""

    @app.command("run", help=RUN_HELP)
    @cli_errors
    def run(ctx: typer.Context, config: Path = typer.Option(None, "--config", "-c", help="YAML run configuration (keys override the "
                                        "built-in default, kaonportal/data/configs/default.yaml)."),
            out: Path = typer.Option(Path("kaonportal-results"), "--out", "-o", help="Output directory."),
            quick: bool = typer.Option(False, "--quick", help="Scale every sample down (config quick_scale); "
                                       "well under a minute."),
            seed: int = typer.Option(None, "--seed", help="Random seed (default: the config's seed)."),
            force: bool = typer.Option(False, "--force", help="Overwrite results in an existing --out directory."),
            json_out: bool = typer.Option(False, "--json", help="Print summary.json on stdout (table on stderr)."),
            clean_cache: bool = typer.Option(False, "--clean-cache", help="After a successful run, delete the "
                                             "simulated samples in OUT/cache (~3 GB after a default run) and print "
                                             "the space freed (in the JSON object with --json). An interrupted or "
                                             "failed run keeps them, so that rerunning resumes."),
            scheduler: str = typer.Option(None, "--scheduler", metavar="ADDRESS|local:N",
                                          help="Run the simulation blocks and beam-dump mass columns as tasks on "
                                               "a dask.distributed scheduler (tcp://HOST:PORT) or a LocalCluster "
                                               "of N processes (local:N); same results. Needs pip install "
                                               "\"kaonportal[distributed]\".")):
        """Run every enabled analysis section and write the results into --out (see :data:`RUN_HELP`)."""
        from .. import __version__
        from ..analyses.config import load_config
        from ..analyses.pnn import pnn_section, resolve_pnn
        from ..analyses.samples import MissingComponent
        from ..errors import InputError
        from ..report import print_summary, write_hepdata, write_readme, write_summary
        from ..report.tables import pnn_hepdata_tables

        t0 = time.time()
        overrides = {"seed": seed} if seed is not None else None
        cfg = load_config(config, quick=quick, overrides=overrides)
        _check_search_options(cfg)
        from ..distributed import check_scheduler, use_scheduler
        check_scheduler(scheduler)
        # Validate everything before touching the output directory.
        setup = resolve_pnn(cfg) if cfg.sections.pnn else None
        resuming = _prepare_out(out, force)
        if scheduler is not None:
            # active until the command returns (every simulate(), beam-dump grid and scan below uses it)
            ctx.with_resource(use_scheduler(scheduler))
        out.mkdir(parents=True, exist_ok=True)
        if resuming:
            stderr.print(f"resuming: reusing simulated samples in {out / 'cache'}")
        summary = {"kaonportal_version": __version__, "seed": cfg.seed, "quick": quick,
                   "config_source": str(config) if config else "built-in default",
                   "config": cfg.model_dump(mode="json"), "sections": {}}
        hep_tables = []
        failed = []
        bad_input = []          # sections stopped by an InputError: exit 2, as for a bad config
        with progress() as prog:
            if setup is not None:
                try:
                    pnn = pnn_section(cfg, out, setup=setup, progress=prog)
                except MissingComponent as exc:
                    raise RuntimeError(str(exc)) from None
                summary["sections"]["pnn"] = pnn
                hep_tables += pnn_hepdata_tables(pnn)
            if cfg.sections.beamdump:
                try:
                    with contextlib.redirect_stdout(sys.stderr):    # stdout is reserved for --json
                        bd = _beamdump_section(cfg, out, quick)
                except Exception as exc:  # noqa: BLE001 - report which section failed, keep the others
                    bd = {"status": f"failed: {type(exc).__name__}: {exc}"}
                    failed.append("beamdump")
                tables = bd.pop("hepdata_tables", None) or []
                hep_tables += list(tables)
                summary["sections"]["beamdump"] = bd
            card_name = setup.card_name if setup is not None else None
            for name, func in _search_sections().items():
                if not cfg.sections.enabled(name):
                    summary["sections"][name] = {"status": "disabled in the config"}
                    continue
                try:
                    with contextlib.redirect_stdout(sys.stderr):
                        sec = func(out, card=card_name or "na62-2022", seed=cfg.seed, quick=quick,
                                   config=cfg.searches.get(name))
                    sec = dict(sec) if isinstance(sec, dict) else {"result": sec}
                    sec.setdefault("status", "done")
                except InputError as exc:
                    sec = {"status": f"failed: bad input: {exc}"}
                    failed.append(name)
                    bad_input.append(f"config.searches.{name}.{exc}")
                except Exception as exc:  # noqa: BLE001 - report which section failed, keep the others
                    sec = {"status": f"failed: {type(exc).__name__}: {exc}"}
                    failed.append(name)
                hep_tables += list(sec.pop("hepdata_tables", None) or [])
                summary["sections"][name] = sec
            if any(summary["sections"].get(n, {}).get("status") == "done" for n in _search_sections()):
                # one HEPData table per search curve written under out/curves
                from ..analyses.searches import hepdata_tables
                hep_tables += hepdata_tables(out)
        if hep_tables:
            hd = write_hepdata(out / "hepdata", hep_tables,
                               f"kaonportal {__version__} run, seed {cfg.seed}: simulated NA62-like results")
            summary["hepdata_files"] = hd
        summary["elapsed_s"] = round(time.time() - t0, 1)
        write_summary(out / "summary.json", summary)
        write_readme(out / "README.md", summary)
        if clean_cache and not failed:
            # only now: every section is done and every result is on disk (summary.json then says so too)
            summary["cache_cleaned"] = _clean_cache(out / "cache")
            write_summary(out / "summary.json", summary)
            write_readme(out / "README.md", summary)
        if json_out:
            emit_json(summary)
            print_summary(stderr, summary)
        else:
            from rich.console import Console
            con = Console()
            if not con.is_terminal:
                con = Console(width=120)     # piped output: do not wrap the table at 80 columns
            print_summary(con, summary)
            stderr.print(f"results in {out}/ (summary.json, plots/, tables/, hepdata/, README.md)")
        if "cache_cleaned" in summary:
            cc = summary["cache_cleaned"]
            stderr.print(f"--clean-cache: deleted {cc['path']} ({cc['files_removed']} files, "
                         f"{_human_bytes(cc['bytes_freed'])} freed)", highlight=False, soft_wrap=True)
        elif clean_cache:
            stderr.print(f"--clean-cache: {out / 'cache'} kept because the run failed (rerun to resume)",
                         highlight=False, soft_wrap=True)
        if failed:
            from rich.markup import escape
            for msg in bad_input:           # one line each, as the cli_errors message of a bad config
                stderr.print(f"[bold red]error:[/] {escape(msg)}", highlight=False, soft_wrap=True)
            others = [n for n in failed if not any(m.startswith(f"config.searches.{n}.") for m in bad_input)]
            if others:
                stderr.print(f"[bold red]error:[/] section(s) {', '.join(others)} failed; see summary.json "
                             "(disable with sections.<name>: false in a --config file)", soft_wrap=True)
            raise typer.Exit(1 if others else 2)
