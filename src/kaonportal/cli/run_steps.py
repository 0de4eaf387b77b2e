"""Helpers of `kaonportal run` (``cli.run``) around the sections: the section progress lines, the
validation flags written after every section, and ``--clean-cache``."""

from __future__ import annotations

__all__ = ["SectionProgress", "agreements", "validation_flags", "remove_cache", "human_bytes"]

import shutil
import time
from pathlib import Path

from ._common import stderr


def remove_cache(cache: Path) -> dict:
    """Delete the run's sample cache; returns what was removed (``bytes_freed``: sum of file sizes)."""
    n_files, n_bytes = 0, 0
    if cache.is_dir():
        for p in cache.rglob("*"):
            if p.is_file() and not p.is_symlink():
                n_files += 1
                n_bytes += p.stat().st_size
        shutil.rmtree(cache)
    return {"path": str(cache), "files_removed": n_files, "bytes_freed": n_bytes}


def human_bytes(n: int) -> str:
    """
    >>> human_bytes(2_900_000_000), human_bytes(1536)
    ('2.90 GB', '1.5 kB')
    """
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.2f} {unit}" if unit == "GB" else f"{n / size:.1f} {unit}"
    return f"{n} B"


def agreements(sec: dict) -> list[tuple[str, str]]:
    """The rule-based ``agreement`` statements of a search summary (analyses.agreement): the section's own and
    those of its per-channel entries (a mapping of channel -> entry), so that a disagreement is on the terminal
    (or log), not only in summary.json."""
    out = [("", sec["agreement"])] if isinstance(sec.get("agreement"), str) else []
    for holder in (sec, sec.get("channels")):
        if isinstance(holder, dict):
            out += [(f" [{k}]", v["agreement"]) for k, v in holder.items()
                    if isinstance(v, dict) and isinstance(v.get("agreement"), str)]
    return out


class SectionProgress:
    """Progress of the run, section by section: on a terminal a rich bar ("section hnl (3/8)"); when stderr
    is not a terminal (a log file, a batch job) one line as each section starts and one as it ends, with its
    status and duration (rich bars are hidden there, so a long run would otherwise be silent)."""

    def __init__(self, prog, names: list[str]):
        self.prog, self.names = prog, list(names)
        self.log = not stderr.is_terminal
        self.task = prog.add_task("sections", total=len(self.names)) if self.names else None
        self._t0: dict[str, float] = {}

    def _tag(self, name: str) -> str:
        return f"section {name} ({self.names.index(name) + 1}/{len(self.names)})"

    def start(self, name: str) -> None:
        self._t0[name] = time.time()
        self.prog.update(self.task, description=self._tag(name))
        if self.log:
            stderr.print(f"{time.strftime('%H:%M:%S')} {self._tag(name)}: started", highlight=False, markup=False)

    def end(self, name: str, status) -> None:
        dt = time.time() - self._t0.pop(name, time.time())
        self.prog.advance(self.task)
        if self.log:
            text = str(status if status is not None else "done").split(":", 1)[0]    # done / failed / ...
            stderr.print(f"{time.strftime('%H:%M:%S')} {self._tag(name)}: {text} in {dt:.1f} s",
                         highlight=False, markup=False)


def validation_flags(summary: dict, out: Path) -> None:
    """Honest flags: every section's numbers against the reference registry (kaonportal.validation), computed by
    the status rule, in summary.json (``validation`` per section, pnn budget ``reliability``), in
    tables/validation.csv, plots/validation_ratios and on the background-budget plot. Never fails the run: an error
    is recorded instead."""
    try:
        from ..validation import annotate_summary
        summary["validation"] = annotate_summary(summary, out)
    except Exception as exc:  # noqa: BLE001 - the flags must not cost the user the run's results
        summary["validation"] = {"error": f"flags not computed: {type(exc).__name__}: {exc}"}
        return
    from ..report.tables import write_csv
    rows = [{"section": name, **e} for name, sec in summary["sections"].items() if isinstance(sec, dict)
            for e in (sec.get("validation") or {}).get("entries", [])]
    if rows:
        from ..validation.rule import count_key
        # an agreeing closure entry (normalised through, or fitted to, the published number) reads "closure"
        write_csv(out / "tables" / "validation.csv",
                  ["this run's numbers against published ones (kaonportal reference registry); status rule: "
                   + summary["validation"]["rule"], "ratio = this run / published; pull only where both have errors; "
                   "closure = normalised through, or fitted to, the published number (status 'closure' when it agrees)"],
                  ["section", "id", "quantity", "key", "value", "published", "ratio", "pull", "tolerance", "status",
                   "closure"],
                  [{**e, "status": count_key(e["status"], bool(e.get("closure"))), "closure": bool(e.get("closure"))}
                   for e in rows])
        from ..validation.report import plot_ratios
        plot_ratios([{**e, "tolerance": e["tolerance_value"]} for e in rows],
                    "this run vs published numbers (kaonportal validate's rule)", out / "plots" / "validation_ratios")
    pnn = summary["sections"].get("pnn")
    if isinstance(pnn, dict) and isinstance(pnn.get("budget_comparison"), list) and (out / "plots").is_dir():
        from ..report import write_budget_csv
        from ..report.plots import plot_budget
        from ..report.style import save_tag
        with save_tag("pnn"):           # replaces the section's own (deferred) budget plot
            plot_budget(pnn["budget_comparison"], "Background budget, " + str(pnn.get("dataset")),
                        out / "plots" / "pnn_background_budget")
        write_budget_csv(pnn, out)
