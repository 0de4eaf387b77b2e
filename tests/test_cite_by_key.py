"""scripts/cite_by_key.py: the developer tool that rewrites citations of the unshipped notes as keys."""

import doctest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_examples(load_script):
    tool = load_script("cite_by_key")
    assert doctest.testmod(tool).failed == 0


def test_rewritten_citations_resolve_and_the_package_is_a_fixed_point(load_script):
    from kaonportal import references
    tool = load_script("cite_by_key")
    out = tool.rewrite("BR (PR A4 row 3), PR A5; widths (portal_formulas.md section 4.3); NP 4a 'Vertex CDA'",
                       {"Vertex CDA (K track - pi track)": "[FW]; [PNNsw]"})
    assert out == ("BR ([NA62:2022pipi0ee]), [NA62:2021bji]; widths ([Bondarenko:2018hnl]); "
                   "[FW; PNNsw] 'Vertex CDA'")
    assert references.check_keys(out) == []
    for p in (ROOT / "src" / "kaonportal").rglob("*.yaml"):    # already cited by key: nothing left to rewrite
        text = p.read_text()
        assert tool.rewrite(text, {}) == text, p
