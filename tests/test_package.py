"""Package-level behaviour: version, particle data, error reporting of the CLI."""

import math

import pytest
from typer.testing import CliRunner

import kaonportal
from kaonportal import constants
from kaonportal.cli.main import app
from kaonportal.errors import InputError, check_range


def test_version_is_set():
    assert kaonportal.__version__ not in ("", "0.0.0+unknown")


def test_particle_data_from_pdg():
    # PDG via the particle package (portal_formulas.md section 2 lists the same values).
    assert constants.mass("K+") == pytest.approx(0.493677, abs=1e-6)
    assert constants.mass("pi+") == pytest.approx(0.13957039, abs=1e-8)
    assert constants.lifetime_s("K+") == pytest.approx(1.2379e-8, rel=1e-3)
    # c tau(K+) = 3.711 m (na62_parameters.md section 1, row "K+ decay length").
    assert constants.ctau_m("K+") == pytest.approx(3.711, abs=1e-3)
    assert math.isinf(constants.lifetime_s("gamma"))


def test_unknown_particle_is_a_clear_input_error():
    with pytest.raises(InputError, match=r"unknown particle 'K\+\+'; known: K\+"):
        constants.mass("K++")


def test_range_check_names_field_and_range():
    with pytest.raises(InputError, match=r"mass: must be in \[0, 0.35\] GeV, got 0.6"):
        check_range("mass", 0.6, 0.0, 0.35, unit="GeV")


def test_cli_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == kaonportal.__version__
