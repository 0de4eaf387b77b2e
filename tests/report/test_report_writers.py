"""Report writers: CSV headers, HEPData submission without ROOT, README."""

import os
from pathlib import Path

from kaonportal.report import write_hepdata
from kaonportal.report.tables import write_csv


def test_csv_has_comment_header(tmp_path):
    p = write_csv(tmp_path / "t" / "x.csv", ["what: test", "units: events"], ["a", "b"], [{"a": 1, "b": None}])
    lines = Path(p).read_text().splitlines()
    assert lines[:2] == ["# what: test", "# units: events"]
    assert lines[2] == "a,b" and lines[3] == "1,"


def test_hepdata_submission_written_inside_out_dir(tmp_path, monkeypatch):
    from hepdata_lib import Table, Variable
    monkeypatch.chdir(tmp_path)
    t = Table("budget")
    t.description = "test table"
    x = Variable("Source", is_independent=True, is_binned=False)
    x.values = ["a", "b"]
    y = Variable("N", is_independent=False, is_binned=False)
    y.values = [1.0, 2.0]
    t.add_variable(x)
    t.add_variable(y)
    files = write_hepdata(tmp_path / "hd", [t], "comment")
    names = {Path(f).name for f in files}
    assert {"submission.yaml", "budget.yaml", "hd.tar.gz"} <= names
    assert not (tmp_path / "submission.tar.gz").exists()
    # the upload archive sits next to the directory (inside it, hepdata-validate -d refuses it)
    assert (tmp_path / "hd.tar.gz").is_file() and not (tmp_path / "hd" / "submission.tar.gz").exists()
    assert os.getcwd() == str(tmp_path)
