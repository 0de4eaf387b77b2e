"""README.md of a run's output directory (kaonportal.report.readme): the beam-dump files are described by what they
hold (not by the key the section filed them under) and the section's stated disagreements with NA62 are named."""

import re

import pytest

from kaonportal.beamdump.disagreements import stated_disagreements
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.report.readme import OUTPUT_LAYOUT, write_readme

BEAMDUMP_FILES = {"contour_csv": "contour.csv", "projection_csv": "projection.csv", "yields_npz": "yields.npz",
                  "plot_png": "contour.png", "plot_pdf": "contour.pdf", "summary_json": "summary.json"}


def _readme(tmp_path, notes) -> str:
    # the files the beam-dump section writes, filed under its keys with absolute paths as `kaonportal run` gets them
    bd = tmp_path / "beamdump"
    bd.mkdir()
    for name in BEAMDUMP_FILES.values():
        (bd / name).write_text("x")
    (tmp_path / "summary.json").write_text("{}")
    section = {"status": "done", "files": {k: str(bd / v) for k, v in BEAMDUMP_FILES.items()},
               "stated_disagreements": notes}
    return open(write_readme(tmp_path / "README.md", {"seed": 1, "sections": {"beamdump": section}})).read()


def _row(text: str, path: str) -> str:
    return next(ln for ln in text.splitlines() if ln.startswith("|") and f"`{path}`" in ln)


@pytest.mark.parametrize("name", ["contour.csv", "projection.csv", "yields.npz", "summary.json"])
def test_each_beamdump_file_is_described_by_what_it_holds(tmp_path, name):
    text = _readme(tmp_path, [])
    assert f"| {OUTPUT_LAYOUT[f'beamdump/{name}']} |" in _row(text, f"beamdump/{name}")
    # the old rows were built from the dict keys: "beamdump: contour csv", "beamdump: yields npz"
    assert not re.search(r"beamdump: \w+ (csv|npz|json)", text)


def test_the_beamdump_plot_row_says_what_the_plot_shows(tmp_path):
    row = _row(_readme(tmp_path, []), "beamdump/contour.png")
    assert "`beamdump/contour.pdf`" in row and "| plot: the beam-dump exclusion in (mass, coupling)" in row


def test_readme_names_every_stated_disagreement_of_the_beamdump_section(tmp_path):
    # the default configuration (dark photon, ee + mumu, measured transition form factors) states two
    notes = stated_disagreements("dark-photon", ["ee", "mumu"], BeamDumpSetup(), "pole")
    assert len(notes) >= 1
    text = _readme(tmp_path, notes + ["a note quoting `brems_form_factor`"])
    assert f"Stated disagreements with NA62's published results ({len(notes) + 1};" in text
    for k, note in enumerate(notes, 1):
        assert f"{k}. {note}" in text
    assert "quoting 'brems_form_factor'" in text      # backticks in the README enclose existing paths only


def test_readme_says_when_no_disagreement_is_stated(tmp_path):
    assert "Stated disagreements with NA62's published results: none for this configuration." \
        in _readme(tmp_path, [])
