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


def test_pydantic_validation_error_is_bad_input_though_pydantic_is_imported_lazily():
    """_common no longer imports pydantic at start-up (issue 17); a ValidationError raised by a command is still
    one line naming the field, exit 2."""
    import pydantic

    class Card(pydantic.BaseModel):
        energy_gev: float

    app = typer.Typer()

    @app.command()
    @cli_errors
    def main() -> None:
        Card(energy_gev="lots")

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "energy_gev" in result.stderr and "Traceback" not in result.stderr


def test_cli_start_imports_neither_pydantic_nor_rich_progress():
    import subprocess
    import sys
    code = "import sys; import kaonportal.cli._common; print('pydantic' in sys.modules, 'rich.progress' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
