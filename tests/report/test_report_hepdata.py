"""HEPData output passes hepdata-validator as written, with locations, keywords, units and descriptions."""

import warnings
from pathlib import Path

import pytest
import yaml

from kaonportal.analyses.searches.common import write_curve
from kaonportal.report import pnn_hepdata_tables, write_hepdata
from kaonportal.report.hepdata import curve_tables

PNN = {"dataset": "pnn-2021-22", "card": "na62-2022", "seed": 1, "selection": "pnn-2022",
       "budget_comparison": [{"source": "K+ -> pi+ pi0", "simulation": 1.2, "simulation_error": 0.2,
                              "data_driven": 1.0, "data_driven_error": 0.3, "published": 0.83,
                              "published_error_low": 0.05, "published_error_high": 0.05},
                             {"source": "upstream", "simulation": 4.0, "simulation_error": 1.0, "data_driven": None,
                              "published": 7.4, "published_error_low": 1.8, "published_error_high": 2.1}],
       "momentum_bins_gev": [15.0, 30.0, 45.0],
       "acceptance": {"signal_per_momentum_bin": [0.03, 0.02]},
       "ses": {"per_momentum_bin": [2e-11, float("inf")]},
       "cutflow_signal": [{"id": "single_track", "cumulative": 0.9}, {"id": "region R1+R2", "cumulative": 0.07}],
       "branching_ratio": {"pseudo_data": {"br": 1.1e-10, "br_error_low": 3e-11, "br_error_high": 4e-11}}}


def _validate(directory: Path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)     # jsonschema RefResolver, inside the validator
        from hepdata_validator.full_submission_validator import FullSubmissionValidator
        v = FullSubmissionValidator()
        ok = v.validate(directory=str(directory))
    return {"ok": ok, "messages": {f: [m.message for m in ms] for f, ms in v.get_messages().items() if ms}}


@pytest.fixture(scope="module")
def submission(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    write_curve(out / "curves" / "kpix_invisible_br_stable.csv", "upper limit on BR(K+ -> pi+ X), X invisible and "
                "stable, versus m_X", "m_X in GeV/c^2; BR dimensionless", 0.9, ["card na62-2022"],
                {"m_x_gev": [0.05, 0.2], "sigma_m2miss": [1e-3, 1e-3], "background_in_window": [1.0, 2.0],
                 "br_ul_observed": [1e-11, float("nan")], "local_significance": [0.1, 0.2]})
    write_curve(out / "curves" / "lnv_limits.csv", "upper limits on the branching ratios of LNV/LFV K+ decays",
                "BR dimensionless", 0.9, ["x"], {"decay": ["K+ -> pi- mu+ mu+", "K+ -> pi- e+ e+"],
                                                 "br_ul_observed": [4e-11, 5e-11]})
    write_curve(out / "curves" / "interp_BC4_sin2theta_published.csv", "BC4: excluded sin2theta band from the "
                "published NA62 K+ -> pi+ X (invisible) BR limits", "m in GeV/c^2; sin2theta", 0.9,
                ["published curve: kaonportal curve NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca"],
                {"m_gev": [0.1, 0.2], "sin2theta_low": [1e-6, 1e-7]})
    tables = pnn_hepdata_tables(PNN) + curve_tables(out, ("kpix_", "lnv_", "interp_"))
    files = write_hepdata(out / "hepdata", tables, "test")
    return out, files


def test_the_validator_accepts_the_directory_as_written(submission):
    out, files = submission
    res = _validate(out / "hepdata")
    assert res["ok"], res["messages"]
    assert not (out / "hepdata" / "submission.tar.gz").exists()       # was "not referenced in the submission"
    assert (out / "hepdata.tar.gz").is_file() and str(out / "hepdata.tar.gz") in files


def test_every_table_has_location_keywords_description_and_units(submission):
    out, _ = submission
    docs = [d for d in yaml.safe_load_all((out / "hepdata" / "submission.yaml").read_text()) if "data_file" in d]
    assert len(docs) == 7
    for d in docs:
        assert d["location"] and "Example" not in d["location"], d["name"]
        kw = {k["name"]: k["values"] for k in d["keywords"]}
        assert kw.get("observables"), d["name"]
        assert kw.get("reactions"), d["name"]                 # every table here is about named decays
        assert len(d["description"]) > 40, d["name"]
        data = yaml.safe_load((out / "hepdata" / d["data_file"]).read_text())
        for var in data["independent_variables"] + data["dependent_variables"]:
            numeric = any(isinstance(v.get("value", v.get("low")), (int, float)) for v in var["values"])
            if numeric:
                assert var["header"].get("units"), (d["name"], var["header"]["name"])
    by_name = {d["name"]: d for d in docs}
    assert "NA62, JHEP 11 (2025) 143" in by_name["interp_BC4_sin2theta_published"]["location"]
    lnv = {k["name"]: k["values"] for k in by_name["lnv_limits"]["keywords"]}
    assert lnv["reactions"] == ["K+ --> PI- MU+ MU+", "K+ --> PI- E+ E+"]
    kpix = yaml.safe_load((out / "hepdata" / "kpix_invisible_br_stable.yaml").read_text())
    units = {v["header"]["name"]: v["header"]["units"] for v in kpix["independent_variables"] +
             kpix["dependent_variables"]}
    assert units == {"m_x_gev": "GeV/c^2", "sigma_m2miss": "GeV^2/c^4", "background_in_window": "events",
                     "br_ul_observed": "dimensionless", "local_significance": "standard deviations"}


def test_rewrite_drops_stale_tables_of_an_earlier_run(tmp_path):
    """A second run into the same directory with fewer tables: the earlier run's extra table YAML is neither left
    in the directory (hepdata-validate: "not referenced") nor listed among the files written."""
    tables = pnn_hepdata_tables(PNN)
    assert len(tables) >= 2
    out = tmp_path / "hepdata"
    write_hepdata(out, tables, "first run")
    before = {p.name for p in out.glob("*.yaml")}
    assert len(before) == len(tables) + 1                           # the tables and submission.yaml
    (out / "notes.txt").write_text("not ours to remove")          # only unreferenced table YAMLs go
    files = write_hepdata(out, tables[:1], "second run")
    names = sorted(p.name for p in out.iterdir())
    assert len([n for n in names if n.endswith(".yaml")]) == 2 and "notes.txt" in names
    assert files == sorted(str(out / n) for n in names if n.endswith(".yaml")) + [str(tmp_path / "hepdata.tar.gz")]
    (out / "notes.txt").unlink()                                  # the validator would flag any foreign file
    res = _validate(out)
    assert res["ok"], res["messages"]
