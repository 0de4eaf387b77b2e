"""`kaonportal run` writing to a log (stderr not a terminal): one line per section as it starts and as it ends,
with its duration (issue 12 item 11)."""

import re

import yaml
from typer.testing import CliRunner

from kaonportal.analyses.searches import SECTIONS
from kaonportal.cli.main import app


def test_log_lines_per_section(tmp_path):
    # one cheap section (pi0 -> invisible: a counting limit and a small K+ -> pi+ pi0 sample), the others off
    off = {name: False for name in SECTIONS if name != "pi0-invisible"}
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"sections": {"pnn": False, "beamdump": False, **off}}))
    res = CliRunner().invoke(app, ["run", "--quick", "--config", str(cfg), "--out", str(tmp_path / "o"), "--json"])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stderr.splitlines() if "section pi0-invisible (1/1)" in ln]
    assert len(lines) == 2, res.stderr
    assert re.fullmatch(r"\d\d:\d\d:\d\d section pi0-invisible \(1/1\): started", lines[0])
    assert re.fullmatch(r"\d\d:\d\d:\d\d section pi0-invisible \(1/1\): done in \d+\.\d s", lines[1])
    # disabled sections are not announced as running; the lock file is gone after the run
    assert "section hnl (" not in res.stderr and not (tmp_path / "o" / ".kaonportal.lock").exists()
