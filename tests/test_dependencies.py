"""Every third-party module the package or its tests import is declared in pyproject.toml: a module imported at
the top of a src file by a runtime dependency; one imported inside a function (an optional feature) by a runtime
dependency or an extra; one imported by a test by a runtime dependency or the ``test`` extra. A module that is only
there because another package brings it (annotated_types through pydantic, PIL through matplotlib) can vanish
with that package's next release, so relying on it undeclared is the defect this test catches."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _names(requirements) -> set[str]:
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", r).group()).lower() for r in requirements}


RUNTIME = _names(PROJECT["dependencies"])
EXTRAS = {k: _names(v) for k, v in PROJECT["optional-dependencies"].items()}
LOCAL = {"kaonportal", "conftest"} | {p.stem for p in (ROOT / "tests").rglob("*.py")} \
    | {p.name for p in (ROOT / "tests").rglob("*") if p.is_dir()}


def _imports(path: Path):
    """(top-level module, imported at module level?) for each absolute import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body} | {id(s) for n in tree.body if isinstance(n, ast.If | ast.Try)
                                        for s in ast.walk(n)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            mods = [node.module]
        else:
            continue
        for m in mods:
            name = m.split(".")[0]
            if name not in sys.stdlib_module_names and name not in LOCAL:
                yield name, id(node) in top


def _undeclared(files, allowed) -> dict[str, str]:
    dists = packages_distributions()
    bad = {}
    for path in files:
        for mod, at_top in _imports(path):
            declared = {re.sub(r"[-_.]+", "-", d).lower() for d in dists.get(mod, ())} & allowed(at_top)
            if not declared:
                bad.setdefault(mod, str(path.relative_to(ROOT)))
    return bad


def test_package_imports_are_declared():
    every_extra = RUNTIME.union(*EXTRAS.values())
    files = sorted((ROOT / "src" / "kaonportal").rglob("*.py"))
    assert not (bad := _undeclared(files, lambda at_top: RUNTIME if at_top else every_extra)), bad


def test_test_imports_are_declared():
    # tests/**/data/make_*.py regenerate reference tables in a peer code's own venv; pytest never imports them
    files = sorted(p for p in (ROOT / "tests").rglob("*.py") if "data" not in p.relative_to(ROOT).parts)
    assert not (bad := _undeclared(files, lambda at_top: RUNTIME | EXTRAS["test"])), bad


@pytest.mark.parametrize("module, dist", [("annotated_types", "annotated-types"), ("PIL", "pillow")])
def test_the_audited_transitive_imports_are_declared(module, dist):
    # the two found by the audit: detector.card uses annotated_types, tests/report open PNGs with PIL; declared,
    # and still imported somewhere (else the declaration is one nothing uses)
    assert dist in RUNTIME | EXTRAS["test"]
    files = [*(ROOT / "src" / "kaonportal").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    assert any(mod == module for path in files for mod, _ in _imports(path))
