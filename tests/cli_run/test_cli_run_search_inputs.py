"""`kaonportal run` and the searches' bad input: mass grids outside a search's kinematic range and bad
candidate files stop the run before the first simulation with one line naming the field and the allowed
values (exit 2, no traceback, nothing written); a user candidate file reaches the search through the run
configuration."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from kaonportal.analyses.searches import SECTIONS
from kaonportal.cli.main import app

runner = CliRunner()
ONLY_SEARCHES = {"pnn": False, "beamdump": False}


def _run(tmp_path, cfg, *extra):
    p = tmp_path / "run.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return runner.invoke(app, ["run", "--quick", "--config", str(p), "--out", str(tmp_path / "out"), *extra])


def _files(tmp_path):
    for name, content in {"nocol.csv": "p_track\n20\n", "text.csv": "m2miss\n0.01\nabc\n",
                          "nan.csv": "m2miss\nnan\n", "mev.csv": "m2miss\n4000\n", "empty.csv": "",
                          "cands.parquet": "PAR1"}.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "bin.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")


# every search that takes a mass grid or a candidate file; the field and the allowed values must be named
CASES = [
    ({"kpix": {"masses": [0.05, 0.13]}}, "config.searches.kpix.masses[1]", "[0, 0.11] or [0.154, 0.26] GeV"),
    ({"kpix": {"inject": [0.3, 10]}}, "config.searches.kpix.inject[0]", "[0, 0.11] or [0.154, 0.26] GeV"),
    ({"kpix": {"candidates_file": "nocol.csv"}}, "config.searches.kpix.candidates_file", "no column 'm2miss'"),
    ({"kpix": {"candidates_file": "text.csv"}}, "config.searches.kpix.candidates_file", "non-numeric m2miss"),
    ({"kpix": {"candidates_file": "nan.csv"}}, "config.searches.kpix.candidates_file", "must be finite"),
    ({"kpix": {"candidates_file": "mev.csv"}}, "config.searches.kpix.candidates_file", "outside the allowed range"),
    ({"kpix": {"candidates_file": "empty.csv"}}, "config.searches.kpix.candidates_file", "is empty"),
    ({"kpix": {"candidates_file": "bin.csv"}}, "config.searches.kpix.candidates_file", "not a UTF-8 CSV"),
    ({"kpix": {"candidates_file": "cands.parquet"}}, "config.searches.kpix.candidates_file", "(.csv or .txt)"),
    ({"kpix": {"candidates_file": "none.csv"}}, "config.searches.kpix.candidates_file", "does not exist"),
    ({"hnl": {"masses": {"K+ -> mu+ N": [0.1]}}}, "config.searches.hnl.masses['K+ -> mu+ N'][0]", "[0.2, 0.384] GeV"),
    ({"hnl": {"candidates_file": {"pi+ -> e+ N": "nocol.csv"}}}, "config.searches.hnl.candidates_file['pi+ -> e+ N']",
     "no column 'm2miss_e'"),
    ({"hnl": {"candidates_file": {"K+ -> mu+ N": "mev.csv"}}}, "config.searches.hnl.candidates_file", "no column"),
    ({"hnl": {"inject": {"K+ -> e+ N": [0.5, 10]}}}, "config.searches.hnl.inject['K+ -> e+ N'][0]", "[0.144, 0.462]"),
    ({"hnl": {"masses": {"K+ -> tau+ N": [0.3]}}}, "config.searches.hnl.masses", "known: K+ -> e+ N"),
    # per-channel values and cards (review item 2), inject with a candidate file (item 4)
    ({"hnl": {"n_parent": {"K+ -> e+ N": -1}}}, "config.searches.hnl", "n_parent['K+ -> e+ N'] must be finite and > 0"),
    ({"hnl": {"mass_step": {"K+ -> mu+ N": 0}}}, "config.searches.hnl", "mass_step['K+ -> mu+ N'] must be finite"),
    ({"hnl": {"cards": {"K+ -> mu+ N": "bogus"}}}, "config.searches.hnl.cards['K+ -> mu+ N']", "unknown card 'bogus'"),
    ({"kpix": {"inject": [0.05, 10], "candidates_file": "nan.csv"}}, "config.searches.kpix.inject",
     "not allowed with candidates_file"),
    ({"kmunux": {"masses": [0.4]}}, "config.searches.kmunux.masses[0]", "[0.01, 0.37] GeV"),
    ({"visible-x": {"masses": [0.1]}}, "config.searches.visible-x.masses (channel gg)[0]", "[0.207, 0.35] GeV"),
    ({"visible-x": {"inject": {"mumu": [0.2, 5]}}}, "config.searches.visible-x.inject.mumu[0]", "[0.212, 0.35] GeV"),
    ({"pi0-gamma-x": {"masses": [0.14]}}, "config.searches.pi0-gamma-x.masses[0]", "[0.005, 0.13] GeV"),
    ({"pi0-gamma-x": {"candidates_file": "mev.csv"}}, "config.searches.pi0-gamma-x.candidates_file",
     "outside the allowed range"),
    ({"pi0-gamma-x": {"candidates_file": "nocol.csv"}}, "config.searches.pi0-gamma-x.candidates_file",
     "no column 'm2miss'"),
    ({"lnv": {"observed": {"K+ -> pi+ pi+ pi-": 1}}}, "config.searches.lnv.observed", "configured channels"),
    ({"pi0-invisible": {"observed": -1}}, "config.searches.pi0-invisible", "observed"),
]


@pytest.mark.parametrize("searches,field,allowed", CASES)
def test_bad_search_input_exits_2_before_simulating(tmp_path, monkeypatch, searches, field, allowed):
    monkeypatch.chdir(tmp_path)            # candidate paths are relative to the working directory
    _files(tmp_path)
    res = _run(tmp_path, {"searches": searches})       # the pnn section is on: nothing may run before the check
    assert res.exit_code == 2, (res.exit_code, res.stderr)
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert field in err and allowed in err, err
    assert not (tmp_path / "out").exists()


def test_disabled_section_options_checked_but_not_its_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sections = {**ONLY_SEARCHES, **{n: False for n in SECTIONS}}
    res = _run(tmp_path, {"sections": sections, "searches": {"kpix": {"candidates_file": "none.csv"}}})
    assert res.exit_code == 0, res.stderr                 # switched off: its file is not needed
    res = _run(tmp_path, {"sections": sections, "searches": {"kpix": {"masss": [0.1]}}}, "--force")
    assert res.exit_code == 2 and "config.searches.kpix" in res.stderr and "masss" in res.stderr


def test_input_error_inside_a_section_exits_2(tmp_path, monkeypatch):
    """What only a running section can find (e.g. too few simulated events) is still bad input: exit 2 with the
    field named, after the other sections have run and the summary is written."""
    from kaonportal.errors import InputError

    def fails(out_dir, **kw):
        raise InputError("n_signal", "a simulated K+ -> pi+ X mass has no event in R1/R2; increase n_signal")

    monkeypatch.setitem(SECTIONS, "kpix", fails)
    sections = {**ONLY_SEARCHES, **{n: n == "kpix" for n in SECTIONS}}
    res = _run(tmp_path, {"sections": sections})
    assert res.exit_code == 2, res.stderr
    assert "config.searches.kpix.n_signal: a simulated K+ -> pi+ X mass has no event in R1/R2" in res.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["sections"]["kpix"]["status"].startswith("failed: bad input: n_signal")


def test_user_candidate_file_reaches_kpix(tmp_path, monkeypatch):
    """observed limits from a user's candidate list through `kaonportal run --config` (relative path)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cands.csv").write_text("# my two candidates\nm2miss,p_pi\n0.0040,20.1\n0.0401,31.5\n")
    sections = {**ONLY_SEARCHES, **{n: n == "kpix" for n in SECTIONS}}
    kpix = {"candidates_file": "cands.csv", "masses": [0.06, 0.2], "n_signal": 2000, "n_sm": 4000,
            "n_signal_masses": 2, "lifetimes_ns": [1.0]}
    res = _run(tmp_path, {"sections": sections, "searches": {"kpix": kpix}}, "--json")
    assert res.exit_code == 0, res.stderr
    sec = json.loads(res.stdout)["sections"]["kpix"]
    assert sec["candidates"] == "cands.csv" and sec["n_candidates"] == 2
    text = (tmp_path / "out" / "curves" / "kpix_invisible_br_stable.csv").read_text()
    assert "# input: candidates: cands.csv" in text
    assert (tmp_path / "out" / "hepdata" / "kpix_invisible_br_stable.yaml").is_file()
