"""kaonportal.references and the shipped bibliography: every citation in the package can be followed."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaonportal import references
from kaonportal.cli.main import app
from kaonportal.errors import InputError

SRC = Path(references.__file__).resolve().parent


def test_every_entry_has_the_required_fields():
    for key, e in references.bibliography().items():
        missing = [f for f in references.REQUIRED_FIELDS if not e.get(f)]
        assert not missing, f"{key}: missing {missing}"
        assert any(e.get(f) for f in ("journal", "arxiv", "url")), f"{key}: no journal, arXiv or URL"
        assert isinstance(e["year"], int) and 1900 < e["year"] <= 2026, key
        assert isinstance(e.get("inspire"), bool), f"{key}: inspire must say whether the key is a texkey"
        if e.get("doi"):
            assert re.fullmatch(r"10\.\d{4,5}/\S+", str(e["doi"])), f"{key}: DOI {e['doi']!r}"
        if e.get("arxiv"):
            assert re.fullmatch(r"\d{4}\.\d{4,5}", str(e["arxiv"])), f"{key}: arXiv {e['arxiv']!r}"


def test_keys_have_the_citation_shape_and_aliases_are_unambiguous():
    bib = references.bibliography()
    for key in bib:
        assert references.KEY_RE.fullmatch(key), key
    all_aliases = [a for e in bib.values() for a in e.get("aliases") or ()]
    assert len(all_aliases) == len(set(all_aliases)), "an alias names two entries"
    assert not set(all_aliases) & set(bib), "an alias shadows a key"


@pytest.mark.parametrize("journal", [
    "Phys. Lett. B 791 (2019) 156", "JHEP 11 (2020) 042", "JHEP 06 (2021) 093", "JHEP 02 (2025) 191",
    "JHEP 03 (2021) 058", "JHEP 11 (2025) 143", "JHEP 02 (2021) 201", "JHEP 05 (2019) 182",
    "Phys. Lett. B 807 (2020) 135599", "Phys. Lett. B 816 (2021) 136259", "Phys. Lett. B 872 (2026) 140119",
    "Phys. Rev. Lett. 127 (2021) 131802", "Phys. Lett. B 830 (2022) 137172", "Phys. Lett. B 838 (2023) 137679",
    "Phys. Lett. B 850 (2024) 138513", "JHEP 11 (2022) 011", "JHEP 09 (2023) 035",
    "Phys. Rev. Lett. 133 (2024) 111802", "Eur. Phys. J. C 85 (2025) 571", "Phys. Lett. B 731 (2014) 320",
    "JHEP 12 (2017) 044", "JHEP 11 (2015) 033", "Phys. Rev. D 110 (2024) 030001"])
def test_the_main_papers_are_in(journal):
    # The NA62 papers kaonportal reproduces, Bluemlein-Brunner, Bauer-Neubert-Thamm, Buras et al., PDG.
    hits = [k for k, e in references.bibliography().items() if e.get("journal") == journal]
    assert len(hits) == 1, f"{journal}: {hits}"


def test_cite_resolves_keys_aliases_and_locators():
    assert references.resolve("S002") == "Blazek:2025patras"
    assert references.resolve("[GA; MCgeo:LKr]".split(";")[1]) == "NA62FW:2019git"
    assert references.resolve("JINST17 R") == "NA62:2017jinst"
    text = references.cite("NA62:2021bji")
    assert "Phys. Lett. B 816 (2021) 136259" in text and "arXiv:2101.12304" in text
    assert references.cite("PDG") == references.cite("ParticleDataGroup:2024cfk")


def test_unknown_key_is_an_input_error():
    with pytest.raises(InputError, match="unknown bibliography key 'NA62:1999zzz'"):
        references.cite("NA62:1999zzz")


def test_check_keys_finds_unresolved_citations():
    assert references.check_keys("see [NA62:2020mcv] and [GA; BEATCH] eq. 2") == []
    assert references.check_keys("see [NA62:2020mxv] and [GA; BEATCHH]") == ["NA62:2020mxv", "BEATCHH"]
    # indexing, units and status letters are not citations
    assert references.check_keys("x[0] + y[GeV] ... value [GeV] status [V]") == []


def test_cli_refs_list_show_and_json():
    runner = CliRunner()
    out = runner.invoke(app, ["refs"])
    assert out.exit_code == 0
    assert len(out.stdout.strip().splitlines()) == len(references.bibliography())
    one = runner.invoke(app, ["refs", "JINST17"])
    assert one.exit_code == 0 and one.stdout.startswith("[NA62:2017jinst] ")
    js = json.loads(runner.invoke(app, ["refs", "NA62:2020mcv", "--json"]).stdout)
    assert js["key"] == "NA62:2020mcv" and js["doi"] == "10.1016/j.physletb.2020.135599"
    bad = runner.invoke(app, ["refs", "NA62:1999zzz"])
    assert bad.exit_code == 2
    assert "unknown bibliography key" in bad.output and len(bad.output.strip().splitlines()) == 1


def _package_texts():
    # code, cards, data files and their headers; the bibliography itself and this module's doctests
    # (which show unresolved keys on purpose) are not citations
    for path in sorted(SRC.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".csv", ".md", ".txt", ".json") \
                and path.name not in ("bibliography.yaml", "references.py"):
            yield path, path.read_text(encoding="utf-8", errors="replace")


def test_every_citation_in_the_package_resolves():
    unresolved = {str(p.relative_to(SRC)): bad for p, text in _package_texts()
                  if (bad := references.check_keys(text))}
    assert not unresolved, unresolved


# a file of the unshipped shared/ folder, named by path (shared/anything, ../shared/README.md) or by its bare
# name (conventions.md, the reference notes, a sources/NNN_hash.txt); the notes' row codes (NP 4a, PR A3) count too
_UNSHIPPED = re.compile(r"shared/\w|\bconventions\.md|na62_parameters\.md|published_results\.md|"
                        r"portal_formulas\.md|peer_conventions\.md|\b\d{3}_[0-9a-f]{16}\.txt|"
                        r"\bNP \d|\bPR A\d")


@pytest.mark.parametrize("line, named", [
    ("see ``../shared/conventions.md``", True), ("(``shared/conventions.md`` \"Files\")", True),
    ('inputs (conventions.md "Files")', True), ("shared/reference/na62_parameters.md", True),
    ("../shared/README.md", True), ("read 004_b84f4de85318d7c6.txt", True), ("NP 4a", True),
    ("data/beamdump/README.md", False), ("composes instantly into shared objects", False),
    ("DIR/README.md", False)])
def test_the_unshipped_file_pattern_catches_every_way_of_naming_one(line, named):
    assert bool(_UNSHIPPED.search(line)) is named


def test_no_source_file_points_at_the_unshipped_reference_notes():
    # the shared/ folder does not ship: a user must be able to follow every source from the package
    hits = [f"{p.relative_to(SRC)}:{i}" for p, text in _package_texts()
            for i, line in enumerate(text.splitlines(), 1) if _UNSHIPPED.search(line)]
    assert not hits, hits


def test_every_shipped_curve_is_claimed_by_a_bibliography_entry():
    # published curves are labelled by citation (plots, HEPData), not by file name
    from kaonportal.published import list_curves
    for name in list_curves():
        keys = references.curve_keys(name)
        assert keys, f"{name}: no bibliography entry lists it under 'curves'"
        assert references.curve_label(name) != name
    claimed = {c for e in references.bibliography().values() for c in e.get("curves") or ()}
    assert claimed <= set(list_curves()), claimed - set(list_curves())


def test_labels_name_who_and_where():
    assert references.label("NA62:2021bji") == "NA62, Phys. Lett. B 816 (2021) 136259"
    assert references.label("Ilten:2018crw") == "Ilten et al., JHEP 06 (2018) 004"
    assert references.label("Shrock:1980plb") == "Shrock, Phys. Lett. B 96 (1980) 159"
    assert references.curve_label("NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData") == "NA62, Phys. Lett. B 807 (2020) 135599"
    assert references.curve_label("not_a_curve") == "not_a_curve"
    for key in references.bibliography():       # every entry gives a label without "None" or stray brackets
        lab = references.label(key)
        assert lab and "None" not in lab and not lab.startswith((")", "(", ",")), (key, lab)


def test_works_resolve_by_arxiv_number_and_older_two_letter_texkeys():
    # the validation registry cites some works as "arXiv:NNNN.NNNNN"; every entry with an arXiv number resolves
    for key, e in references.bibliography().items():
        if e.get("arxiv"):
            assert references.resolve(f"arXiv:{e['arxiv']}") == key
    assert references.resolve("arXiv:0000.00000") is None
    assert references.find_keys("as in Pospelov:2008zw") == ["Pospelov:2008zw"]
    assert references.resolve("Pospelov:2008zw") == "Pospelov:2008secluded"


def test_bibliography_is_read_through_yamlio(monkeypatch):
    # yamlio is the package's one YAML reader (a shipped file: libyaml's loader); yaml.safe_load, the pure-Python
    # loader the bibliography used to be parsed by (~9x the CPU), must not be reached
    import yaml

    def refuse(*a, **k):
        raise AssertionError("yaml.safe_load called")
    monkeypatch.setattr(yaml, "safe_load", refuse)
    references.bibliography.cache_clear()
    try:
        assert "NA62:2021bji" in references.bibliography()
    finally:
        references.bibliography.cache_clear()
