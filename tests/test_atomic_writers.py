"""Writers of user files outside kaonportal.atomic's own callers: the model export (bc4.yaml) and the
validation outputs (validation.json, report.md) go through kaonportal.atomic, so the file gets the mode a plain
``open`` gives (0666 less the umask; mkstemp gave 0600) and an error leaves no temporary behind."""

import os
import stat

import pytest

from kaonportal.models.export import write_model_yaml
from kaonportal.validation.report import write_json_atomic, write_report_md

WRITERS = {
    "models export": lambda path: write_model_yaml({"name": "toy", "mass_grid": [0.1, 0.2]}, path),
    "validation.json": lambda path: write_json_atomic(path, {"records": []}),
    "report.md": lambda path: write_report_md(path, [], {}, {"kaonportal_version": "x"}, {}),
}


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


@pytest.mark.parametrize("name", WRITERS)
def test_written_file_respects_the_umask_like_a_normal_open(name, tmp_path, umask_027):
    path = tmp_path / "sub" / "out.txt"           # the parent directory is created too
    WRITERS[name](path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640, oct(path.stat().st_mode)
    assert [p.name for p in path.parent.iterdir()] == ["out.txt"]


@pytest.mark.parametrize("name", WRITERS)
def test_an_error_leaves_neither_a_temporary_nor_a_half_file(name, tmp_path, monkeypatch):
    def refuse(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", refuse)    # the rename into place fails after the temporary is written
    path = tmp_path / "out.txt"
    with pytest.raises(OSError, match="disk full"):
        WRITERS[name](path)
    assert list(tmp_path.iterdir()) == []
