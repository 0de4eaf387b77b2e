#!/usr/bin/env python
"""Regenerate the README section "How far to trust each result" from the validation registry.

Usage:
    python scripts/update_trust_section.py [DIR/validation.json] [--readme README.md] [--check]
    python scripts/update_trust_section.py --validate DIR [--from-run RUN_DIR ...]

The one command that regenerates the snapshot after a merge (full ``kaonportal validate``, ~11 min on 2 cores;
its sample cache in DIR/runs/ makes a rerun on the same DIR faster):

    PYTHONPATH=src python scripts/update_trust_section.py --validate validate-out

``--validate DIR`` runs ``kaonportal validate --out DIR --force`` (with ``--from-run`` for each RUN_DIR given:
existing ``kaonportal run`` outputs, one per run profile, e.g. default, pnn-2017 and pnn-2018) and then uses
DIR/validation.json. With a ``validation.json`` (written by ``kaonportal validate --out DIR``), its statuses become the snapshot
(scripts/trust_snapshot.json: id -> status and ratio, with the version and date); without one, the existing
snapshot is used (e.g. after adding registry entries: they show as not produced until the next validate).
The section is then rewritten between the README's BEGIN/END trust markers: per area the agree / tension /
disagree / closure / not-produced counts, where an agreeing registry entry marked ``closure: true`` (kaonportal's
number normalised through, or fitted to, the published number it is compared with) counts as closure, never as
agree; the flag comes from the registry, so changing it needs no new validate, only a rerun of this script. ``--check`` only reports whether
the README is up to date (exit 1 if not): tests/validation/test_validation_readme.py does the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kaonportal.validation.registry import load_registry
from kaonportal.validation.report import replace_trust_section, snapshot, trust_section

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "scripts" / "trust_snapshot.json"


def expected_readme(readme_text: str, snap: dict) -> str:
    """The README text with the trust section generated from the built-in registry and ``snap``."""
    return replace_trust_section(readme_text, trust_section(load_registry(), snap))


def run_validate(out: Path, from_runs: list[Path]) -> None:
    """``kaonportal validate --out OUT --force`` (the installed command's own option parsing and errors)."""
    import typer

    from kaonportal.cli.main import app
    args = ["validate", "--out", str(out), "--force", *[a for d in from_runs for a in ("--from-run", str(d))]]
    code = typer.main.get_command(app).main(args=args, prog_name="kaonportal", standalone_mode=False)
    if code:
        raise SystemExit(code)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("validation_json", nargs="?", type=Path, help="DIR/validation.json of kaonportal validate")
    ap.add_argument("--readme", type=Path, default=ROOT / "README.md")
    ap.add_argument("--check", action="store_true", help="exit 1 if the README section is not up to date")
    ap.add_argument("--validate", type=Path, metavar="DIR", help="run kaonportal validate --out DIR first")
    ap.add_argument("--from-run", type=Path, action="append", default=[], metavar="RUN_DIR",
                    help="with --validate: evaluate this kaonportal run output instead of running (repeatable)")
    args = ap.parse_args(argv)
    if args.validate is not None:
        if args.validation_json is not None:
            ap.error("give either DIR/validation.json or --validate DIR")
        run_validate(args.validate, args.from_run)
        args.validation_json = args.validate / "validation.json"
    if args.validation_json is not None:
        data = json.loads(args.validation_json.read_text())
        snap = snapshot(data["records"], data)
        if not args.check:
            SNAPSHOT.write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n")
    else:
        snap = json.loads(SNAPSHOT.read_text())
    text = args.readme.read_text()
    new = expected_readme(text, snap)
    if args.check:
        print("up to date" if new == text else f"{args.readme}: trust section out of date; rerun {__file__}")
        return 0 if new == text else 1
    args.readme.write_text(new)
    print(f"wrote the trust section of {args.readme} ({len(snap['records'])} statuses, snapshot {SNAPSHOT.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
