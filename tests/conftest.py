"""Fixtures shared across test directories.

``full_quick_run_session``: ONE ``kaonportal run --quick --json`` with every section (the built-in default
configuration), reused by tests/cli_run (the sections' outputs) and tests/validation (``validate --from-run``), so
that the suite pays for it once (~45 s on 2 cores).

The numba warm-up helper of ``kaonportal run`` (kaonportal.warmup) is off in the suite: its two workers already
keep both cores busy, so on a cold cache a helper would only compete with them; tests/test_warmup.py tests it.
"""

import importlib.util
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

os.environ.setdefault("KAONPORTAL_NO_WARMUP", "1")


@pytest.fixture(scope="session")
def full_quick_run_session(tmp_path_factory):
    """(output directory, CliRunner result) of ``kaonportal run --quick --json --out out``."""
    from kaonportal.cli.main import app
    work = tmp_path_factory.mktemp("allsections")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        res = CliRunner().invoke(app, ["run", "--quick", "--json", "--out", "out"])
    finally:
        os.chdir(cwd)
    return work / "out", res


@pytest.fixture(scope="session")
def load_script():
    """``load_script("name")``: the module scripts/name.py of this checkout (developer tools are not installed)."""
    root = Path(__file__).resolve().parents[1]

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, root / "scripts" / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    return load
