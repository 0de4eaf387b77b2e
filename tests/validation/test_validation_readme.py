"""The README section "How far to trust each result" is generated from the registry and the last validation
snapshot (scripts/update_trust_section.py); this test fails when the registry changed without regenerating it."""

import json
from pathlib import Path

from kaonportal.validation.registry import load_registry
from kaonportal.validation.report import TRUST_BEGIN, TRUST_END, trust_section

ROOT = Path(__file__).resolve().parents[2]


def test_readme_trust_section_is_up_to_date(load_script):
    readme = (ROOT / "README.md").read_text()
    snap = json.loads((ROOT / "scripts" / "trust_snapshot.json").read_text())
    assert readme == load_script("update_trust_section").expected_readme(readme, snap), \
        "README trust section out of date: run python scripts/update_trust_section.py [DIR/validation.json]"
    section = readme.split(TRUST_BEGIN, 1)[1].split(TRUST_END, 1)[0]
    assert "## How far to trust each result" in section
    for area in load_registry().areas:
        assert f"| {area} |" in section


def test_section_counts_follow_the_snapshot():
    reg = load_registry()
    first = reg.entries[0][1].id
    snap = {"kaonportal_version": "x", "quick": True, "date": "d",
            "records": {first: {"status": "disagree", "ratio": 12.0}}}
    text = trust_section(reg, snap)
    row = next(ln for ln in text.splitlines() if ln.startswith(f"| {reg.entries[0][0]} |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    n_area = sum(a == reg.entries[0][0] for a, _ in reg.entries)
    # agree, tension, disagree, closure (agreeing closure entries only: none produced here), not produced
    assert cells[2:7] == ["0", "0", "1", "0", str(n_area - 1)]
    assert "12x" in cells[7]


def test_worst_ratio_is_shown_to_three_significant_figures():
    # the README prose quotes ratios like 1.05x: two figures would show a 5.6 % excess (1.056) as "1.1x"
    reg = load_registry()
    first = reg.entries[0][1].id
    snap = {"kaonportal_version": "x", "quick": True, "date": "d",
            "records": {first: {"status": "tension", "ratio": 1.056}}}
    row = next(ln for ln in trust_section(reg, snap).splitlines() if ln.startswith(f"| {reg.entries[0][0]} |"))
    assert row.rstrip(" |").endswith(": 1.06x published")
