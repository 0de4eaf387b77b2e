"""cli_errors prints InputError messages verbatim: field names with brackets are not read as rich markup."""

import typer
from typer.testing import CliRunner

from kaonportal.cli._common import cli_errors
from kaonportal.errors import InputError


def test_bracketed_field_name_survives():
    app = typer.Typer()

    @app.command()
    @cli_errors
    def main() -> None:
        raise InputError("masses[pi+ -> e+ N]", "must lie in [0.095, 0.126] GeV")

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "masses[pi+ -> e+ N]" in result.stderr and "[0.095, 0.126] GeV" in result.stderr
