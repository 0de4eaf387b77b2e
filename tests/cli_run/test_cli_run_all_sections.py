"""The README's main job with every section on (`run --quick`, built-in default configuration):
the search and beam-dump sections write what the README of the output directory promises."""

import json

import pytest

from kaonportal.analyses.searches import SECTIONS


@pytest.fixture(scope="module")
def full_quick_run(full_quick_run_session):
    # one quick run for the whole test session (tests/conftest.py), shared with tests/validation
    return full_quick_run_session


def test_every_section_ran(full_quick_run):
    out, res = full_quick_run
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["sections"]["pnn"]["ses"]["value"] > 0
    for name in ["beamdump", *SECTIONS]:
        assert summary["sections"][name]["status"] == "done", (name, summary["sections"][name])


def test_curves_have_provenance_headers_and_hepdata_tables(full_quick_run):
    out, res = full_quick_run
    curves = sorted((out / "curves").glob("*.csv"))
    assert len(curves) >= 6
    for c in curves:
        first = c.read_text().splitlines()[0]
        assert first.startswith("#"), c.name
        # conventions.md: every curve says what, units, CL and inputs; at least the CL is stated
    hepdata = {p.stem.lower() for p in (out / "hepdata").glob("*.yaml")}   # hepdata_lib lower-cases names
    assert {c.stem.lower() for c in curves} <= hepdata, "every search curve is also a HEPData table"
    assert (out / "beamdump" / "contour.csv").is_file()
    assert (out / "beamdump" / "contour.png").is_file()
    readme = (out / "README.md").read_text()
    assert "curves/" in readme and "beamdump/" in readme
