"""Outputs name real citations: the keys cited in CSV headers, HEPData and summary.json come with their
full citation from the shipped bibliography (kaonportal.references), so a user can follow every source."""

import json
from pathlib import Path

import yaml

from kaonportal import references
from kaonportal.report import write_hepdata, write_summary
from kaonportal.report.tables import write_csv


def test_csv_header_gets_the_full_citation_of_each_cited_key(tmp_path):
    p = write_csv(tmp_path / "x.csv", ["published: BR < 4.4e-9 [NA62:2020pwi]", "card [JINST17]"], ["a"], [{"a": 1}])
    lines = Path(p).read_text().splitlines()
    assert lines[:2] == ["# published: BR < 4.4e-9 [NA62:2020pwi]", "# card [JINST17]"]
    assert lines[2] == f"# reference [NA62:2020pwi] {references.cite('NA62:2020pwi')}"
    assert lines[3] == f"# reference [NA62:2017jinst] {references.cite('JINST17')}"
    assert lines[4] == "a"


def test_csv_without_citations_is_unchanged(tmp_path):
    p = write_csv(tmp_path / "x.csv", ["what: demo"], ["a"], [{"a": 1}])
    assert Path(p).read_text().splitlines() == ["# what: demo", "a", "1"]


def test_summary_json_lists_the_cited_references(tmp_path):
    p = write_summary(tmp_path / "summary.json",
                      {"sections": {"sm": {"source": "Buras et al., JHEP 11 (2015) 033 [Buras:2015qea]"}}})
    data = json.loads(Path(p).read_text())
    assert data["references"] == {"Buras:2015qea": references.cite("Buras:2015qea")}
    summary = {"sections": {}}
    write_summary(tmp_path / "none.json", summary)       # nothing cited: no references key
    assert summary == {"sections": {}} and "references" not in json.loads((tmp_path / "none.json").read_text())
    assert "JHEP 11 (2015) 033" in data["references"]["Buras:2015qea"]


def test_hepdata_comment_cites_the_table_sources(tmp_path, monkeypatch):
    from hepdata_lib import Table, Variable
    monkeypatch.chdir(tmp_path)
    t = Table("limit")
    t.description = "Observed limit compared with NA62 [NA62:2025upx]"
    x = Variable("m", is_independent=True, is_binned=False)
    x.values = [0.1, 0.2]
    y = Variable("BR", is_independent=False, is_binned=False)
    y.values = [1e-11, 2e-11]
    t.add_variable(x)
    t.add_variable(y)
    write_hepdata(tmp_path / "hd", [t], "kaonportal test")
    docs = list(yaml.safe_load_all((tmp_path / "hd" / "submission.yaml").read_text()))
    comment = docs[0]["comment"]
    assert comment.startswith("kaonportal test")
    assert f"Reference: [NA62:2025upx] {references.cite('NA62:2025upx')}" in comment
