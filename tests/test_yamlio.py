"""kaonportal.yamlio: unreadable input files become one-line InputErrors; cli_errors' safety nets."""

import pytest
import typer
from typer.testing import CliRunner

from kaonportal.cli._common import cli_errors
from kaonportal.errors import InputError
from kaonportal.yamlio import parse_yaml, read_text, read_yaml


def test_read_text_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist") as e:
        read_text(tmp_path / "none.yaml", "config")
    assert e.value.field == "config"
    with pytest.raises(InputError, match="not a regular file"):
        read_text(tmp_path, "config")
    (tmp_path / "b.yaml").write_bytes(b"ok\xff")
    with pytest.raises(InputError, match=r"not UTF-8 text \(byte 2"):
        read_text(tmp_path / "b.yaml", "config")


def test_yaml_errors_are_one_line_with_position():
    with pytest.raises(InputError) as e:
        parse_yaml("a: 1\nb: [1,\n  c: {", "DATASETS", "d.yaml")
    msg = str(e.value)
    assert "\n" not in msg and "d.yaml is not valid YAML" in msg and "line 3" in msg


@pytest.mark.parametrize("text,expected", [("", {}), ("a: 1", {"a": 1})])
def test_mapping_documents(text, expected):
    assert parse_yaml(text, "config", mapping=True) == expected


def test_non_mapping_rejected_only_when_asked(tmp_path):
    p = tmp_path / "l.yaml"
    p.write_text("- 1\n- 2\n")
    assert read_yaml(p, "x", mapping=False) == [1, 2]
    with pytest.raises(InputError, match="mapping of settings, got a list"):
        read_yaml(p, "x")


def _app(exc):
    app = typer.Typer()

    @app.command()
    @cli_errors
    def cmd():
        raise exc

    return app


@pytest.mark.parametrize("exc,needle", [
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "not UTF-8 text"),
    (IsADirectoryError(21, "Is a directory", "/tmp/somedir"), "/tmp/somedir is a directory"),
])
def test_cli_errors_maps_unreadable_files_to_exit_2(exc, needle):
    res = CliRunner().invoke(_app(exc), [])
    assert res.exit_code == 2 and needle in res.stderr and "Traceback" not in res.stderr


def test_cli_errors_keeps_internal_errors_at_exit_1():
    res = CliRunner().invoke(_app(RuntimeError("boom")), [])
    assert res.exit_code == 1 and "internal error" in res.stderr
