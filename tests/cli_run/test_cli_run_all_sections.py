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


def test_every_hepdata_table_of_the_full_run_passes_the_validator(full_quick_run):
    """hepdata-validate -d DIR/hepdata on the run with every section (32 tables): valid as written, no
    placeholder location, keywords and units on every table (issue #12 item 8)."""
    import warnings

    import yaml
    out, _ = full_quick_run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from hepdata_validator.full_submission_validator import FullSubmissionValidator
        v = FullSubmissionValidator()
        assert v.validate(directory=str(out / "hepdata")), {
            f: [m.message for m in ms] for f, ms in v.get_messages().items() if ms}
    docs = [d for d in yaml.safe_load_all((out / "hepdata" / "submission.yaml").read_text()) if "data_file" in d]
    assert len(docs) >= 20
    for d in docs:
        assert "Example location" not in d["location"] and d["keywords"], d["name"]
        data = yaml.safe_load((out / "hepdata" / d["data_file"]).read_text())
        assert any(var["header"].get("units") for var in data["dependent_variables"]), d["name"]
