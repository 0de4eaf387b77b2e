"""`kaonportal run`: the package's main job (every enabled analysis section, one output directory).

Output layout (the user's copy: DIR/README.md, :mod:`kaonportal.report.readme`): DIR/summary.json (paths relative to DIR),
DIR/plots/*.png (``--plot-formats png,pdf``: each plot once per format), DIR/tables/*.csv, DIR/hepdata/
(hepdata_lib; valid for ``hepdata-validate -d``) and DIR/hepdata.tar.gz, DIR/README.md; simulated samples are cached in
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
from typing import Optional

import typer

from ._common import cli_errors, emit_json, progress, scheduler_option, stderr
from .run_steps import SectionProgress, agreements, human_bytes, remove_cache, validation_flags

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

RESULT_ENTRIES = ("summary.json", "plots", "tables", "hepdata", "hepdata.tar.gz", "curves", "README.md", "beamdump")


#: the lock file of a run inside its output directory (kaonportal.atomic.OutputLock; hidden, deleted at the end)
LOCK_NAME = ".kaonportal.lock"


def _prepare_out(out: Path, force: bool) -> bool:
    """Check the output directory, create it and lock it (a second run writing the same --out exits 2;
    released when the command returns), then clean it (``--force``: everything but cache/; always: the
    temporaries a killed run left). Returns True when resuming from a cache."""
    from ..atomic import OutputLock, remove_stale_temps
    from ..errors import InputError
    from ._common import hold
    if out.exists() and not out.is_dir():
        raise InputError("--out", f"{out} exists and is not a directory")
    if out.exists():
        existing = [e for e in RESULT_ENTRIES if (out / e).exists()]
        others = [p.name for p in out.iterdir()
                  if p.name not in RESULT_ENTRIES and p.name != "cache" and not p.name.startswith(".")]
        if (existing or others) and not force:
            raise InputError("--out", f"{out} already holds results ({', '.join(existing + others)}); "
                                      "pass --force to overwrite (the sample cache in cache/ is kept)")
    else:
        parent = out.parent if str(out.parent) else Path(".")
        if not parent.exists():
            raise InputError("--out", f"parent directory {parent} does not exist")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("--out", f"cannot create {out}: {exc.strerror or exc}") from None
    # before deleting anything: with --force, a second run would otherwise delete the first one's results
    hold(OutputLock(out / LOCK_NAME, "--out", out).acquire())
    if force:
        for p in out.iterdir():
            if p.name not in ("cache", LOCK_NAME):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    remove_stale_temps(out)
    return (out / "cache").is_dir()


def _start_warmup(cfg):
    """The numba warm-up helper for a new user's cold cache (:func:`kaonportal.warmup.start`, a no-op when warm), only
    when the pnn section runs: its kernel list is ordered for a run that starts with pnn (it compiles the pnn kernels
    from the last one needed backwards, to meet the run), so without pnn it would spend the spare core on kernels the
    run never calls."""
    from .. import warmup
    return warmup.start() if cfg.sections.pnn else None


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
        check_section_inputs(name, _search_config(cfg, name), field=f"config.searches.{name}",
                             deep=cfg.sections.enabled(name))
    # the top-level card and selection reach the searches too (card: all of them; selection: kpix), also
    # with the pnn section off: check them before the first simulation
    if cfg.card is not None:
        from ..detector import load_card
        load_card(cfg.card)     # its InputError names the full field path (card.resolution.ktag_time_ns)
    if cfg.selection is not None and cfg.sections.enabled("kpix") and "kpix" not in cfg.searches:
        check_section_inputs("kpix", _search_config(cfg, "kpix"), field="config.searches.kpix")


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


INTENSITY_SEARCHES = ("hnl", "kmunux")      # sections that --intensity-scale moves besides pnn


def _search_config(cfg, name: str):
    """The options of search ``name``; the top-level ``selection:`` (a pnn selection) also applies to kpix,
    the search on the pnn selection, unless its own ``selection`` is set (a search option wins)."""
    opts = cfg.searches.get(name)
    if name == "kpix" and cfg.selection is not None and not (opts or {}).get("selection"):
        opts = {**(opts or {}), "selection": cfg.selection}
    # the top-level intensity reaches the searches whose K-pi mismatch follows the pile-up model
    if name in INTENSITY_SEARCHES and cfg.intensity_scale != 1.0 and "intensity_scale" not in (opts or {}):
        opts = {**(opts or {}), "intensity_scale": cfg.intensity_scale}
    return opts


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
            intensity_scale: float = typer.Option(None, "--intensity-scale", help="Beam intensity relative to the "
                                                  "card's nominal beam rate (> 0; config key intensity_scale). Moves "
                                                  "the pnn section (beam rate, pile-up, random veto, upstream "
                                                  "background) and the K-pi mismatch of the hnl and kmunux "
                                                  "searches (pile-up model); the other searches and the beam dump "
                                                  "are unchanged."),
            force: bool = typer.Option(False, "--force", help="Overwrite results in an existing --out directory."),
            json_out: bool = typer.Option(False, "--json", help="Print summary.json on stdout (table on stderr)."),
            plot_formats: str = typer.Option("png", "--plot-formats", help="Image formats of the plots, "
                                             "comma-separated: png, pdf, svg (each plot is drawn once per format)."),
            clean_cache: bool = typer.Option(False, "--clean-cache", help="After a successful run, delete the "
                                             "simulated samples in OUT/cache (at most ~300 MB) and print "
                                             "the space freed (in the JSON object with --json). An interrupted or "
                                             "failed run keeps them, so that rerunning resumes."),
            scheduler: Optional[str] = scheduler_option("the simulation blocks and beam-dump mass columns")):
        """Run every enabled analysis section and write the results into --out (see :data:`RUN_HELP`)."""
        from .. import __version__
        from ..analyses.config import load_config
        from ..analyses.pnn import pnn_section, resolve_pnn
        from ..analyses.samples import MissingComponent
        from ..errors import InputError, shorten
        from ..report import print_summary, relative_paths, write_hepdata, write_readme, write_summary
        from ..analyses.agreement import band_note
        from ..report.tables import pnn_hepdata_tables

        from ..report.style import parse_plot_formats
        from ..report.style import deferred_saves, flush_deferred, save_tag
        from ..report.style import plot_formats as formats_of_plots

        t0 = time.time()
        formats = parse_plot_formats(plot_formats)      # bad input: exit 2 before anything runs
        overrides = {"seed": seed} if seed is not None else {}
        if intensity_scale is not None:
            overrides["intensity_scale"] = intensity_scale
        cfg = load_config(config, quick=quick, overrides=overrides or None)
        _check_search_options(cfg)
        from ..distributed import check_scheduler, use_scheduler
        check_scheduler(scheduler)
        # Validate everything before touching the output directory.
        setup = resolve_pnn(cfg) if cfg.sections.pnn else None
        resuming = _prepare_out(out, force)
        from .. import warmup
        helper = _start_warmup(cfg)
        ctx.call_on_close(lambda: warmup.stop(helper))
        if scheduler is not None:
            # active until the command returns (every simulate(), beam-dump grid and scan below uses it)
            ctx.with_resource(use_scheduler(scheduler))
        out.mkdir(parents=True, exist_ok=True)
        if resuming:
            stderr.print(f"resuming: reusing simulated samples in {out / 'cache'}")
        summary = {"kaonportal_version": __version__, "seed": cfg.seed, "quick": quick, "plot_formats": list(formats),
                   "config_source": str(config) if config else "built-in default",
                   "config": cfg.model_dump(mode="json"), "sections": {}}
        hep_tables = []
        failed = []
        bad_input = []          # sections stopped by an InputError: exit 2, as for a bad config
        pending_plots: dict = {}   # written after the flags, each stamped with its section's validation verdict
        with progress() as prog, formats_of_plots(formats), deferred_saves(pending_plots):
            steps = SectionProgress(prog, (["pnn"] if setup is not None else [])
                                     + (["beamdump"] if cfg.sections.beamdump else [])
                                     + [n for n in _search_sections() if cfg.sections.enabled(n)])
            if setup is not None:
                steps.start("pnn")
                try:
                    with save_tag("pnn"):
                        pnn = pnn_section(cfg, out, setup=setup, progress=prog)
                except MissingComponent as exc:
                    raise RuntimeError(str(exc)) from None
                summary["sections"]["pnn"] = pnn
                hep_tables += pnn_hepdata_tables(pnn)
                steps.end("pnn", pnn.get("status") if isinstance(pnn, dict) else None)
            if cfg.sections.beamdump:
                steps.start("beamdump")
                try:
                    with contextlib.redirect_stdout(sys.stderr), save_tag("beamdump"):   # stdout: --json only
                        bd = _beamdump_section(cfg, out, quick)
                except Exception as exc:  # noqa: BLE001 - report which section failed, keep the others
                    bd = {"status": f"failed: {type(exc).__name__}: {shorten(exc)}"}
                    failed.append("beamdump")
                tables = bd.pop("hepdata_tables", None) or []
                hep_tables += list(tables)
                summary["sections"]["beamdump"] = bd
                steps.end("beamdump", bd.get("status"))
            # the top-level card: overrides every search's own data-period card (analyses.searches.datasets);
            # without it each search runs with the card of the data it reproduces, not the pnn dataset's
            card_override = cfg.card
            for name, func in _search_sections().items():
                if not cfg.sections.enabled(name):
                    summary["sections"][name] = {"status": "disabled in the config"}
                    continue
                steps.start(name)
                try:
                    with contextlib.redirect_stdout(sys.stderr), save_tag(name):
                        sec = func(out, card=card_override, seed=cfg.seed, quick=quick,
                                   config=_search_config(cfg, name))
                    sec = dict(sec) if isinstance(sec, dict) else {"result": sec}
                    sec.setdefault("status", "done")
                    if sec.get("data_used"):
                        stderr.print(f"section {name}: {sec['data_used']}", highlight=False, soft_wrap=True, markup=False)
                    for where, text in agreements(sec):
                        stderr.print(f"section {name}{where}: {band_note('NA62', text)}", highlight=False,
                                     soft_wrap=True, markup=False)
                except InputError as exc:
                    sec = {"status": f"failed: bad input: {exc}"}
                    failed.append(name)
                    bad_input.append(f"config.searches.{name}.{exc}")
                except Exception as exc:  # noqa: BLE001 - report which section failed, keep the others
                    sec = {"status": f"failed: {type(exc).__name__}: {shorten(exc)}"}
                    failed.append(name)
                hep_tables += list(sec.pop("hepdata_tables", None) or [])
                summary["sections"][name] = sec
                steps.end(name, sec.get("status"))
            if any(summary["sections"].get(n, {}).get("status") == "done" for n in _search_sections()):
                # one HEPData table per search curve written under out/curves
                from ..analyses.searches import hepdata_tables
                hep_tables += hepdata_tables(out)
        if hep_tables:
            hd = write_hepdata(out / "hepdata", hep_tables,
                               f"kaonportal {__version__} run, seed {cfg.seed}: simulated NA62-like results")
            summary["hepdata_files"] = hd
        with formats_of_plots(formats), deferred_saves(pending_plots):   # the validation plots, user's formats
            validation_flags(summary, out)
        from ..validation.evaluate import section_verdict
        written = flush_deferred(pending_plots, lambda t: section_verdict((summary["sections"].get(t) or {}).get("validation")))
        summary["validation"]["stamped_plots"] = [w for w in written if w["note"]]
        summary["elapsed_s"] = round(time.time() - t0, 1)
        summary = relative_paths(summary, out)      # every path in summary.json relative to --out
        write_summary(out / "summary.json", summary)
        write_readme(out / "README.md", summary)
        if clean_cache and not failed:
            # only now: every section is done and every result is on disk (summary.json then says so too)
            summary["cache_cleaned"] = {**remove_cache(out / "cache"), "path": "cache"}   # relative to --out
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
            stderr.print(f"--clean-cache: deleted {out / cc['path']} ({cc['files_removed']} files, "
                         f"{human_bytes(cc['bytes_freed'])} freed)", highlight=False, soft_wrap=True)
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
