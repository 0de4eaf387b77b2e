"""Unphysical couplings are refused (issue #12 item 15): a mixing probability above 1, or a
coupling that makes a production BR exceed 1, in the model API and in `kaonportal models br`."""

import numpy as np
import pytest
from typer.testing import CliRunner

from kaonportal.cli.main import app
from kaonportal.errors import InputError
from kaonportal.models import MODEL_NAMES, get_model

runner = CliRunner()


def test_hnl_mixing_above_one_refused_in_api():
    n = get_model("hnl-e")
    with pytest.raises(InputError, match=r"U2: must be in \[0, 1\]"):
        n.check_physical(0.3, 2.0)
    with pytest.raises(InputError, match=r"U2: must be in \[0, 1\]"):
        n.summary(0.05, 1.5)        # at 50 MeV BR(K+ -> e+ N) = 1.5 * 0.2 < 1: the bound on U2 itself
    # widths and BRs per unit coupling stay extrapolable (convert scans past U2 = 1, see base.py)
    assert float(n.total_width(0.3, 2.0)) == pytest.approx(2 * float(n.total_width(0.3, 1.0)))


def test_production_br_above_one_refused_with_the_allowed_coupling():
    n = get_model("hnl-e")
    with pytest.raises(InputError) as err:
        n.summary(0.3, 1.0)                  # BR(K+ -> e+ N) = 2.17 U2 (portal_formulas.md 4.1)
    assert err.value.field == "U2"
    assert "BR(K+ -> e+ N) = 2.17 > 1" in err.value.message
    # the largest allowed U2 is 1/2.17: a BR of exactly 1 there, accepted
    u2_max = float(err.value.message.split("U2 <= ")[1].split()[0])
    assert u2_max == pytest.approx(1 / 2.17, rel=2e-3)
    n.check_physical(0.3, 0.999 / float(n.production_br(0.3, 1.0)["K+ -> e+ N"]))
    # unit coupling stays usable as "BR per unit coupling" (searches and convert rely on it)
    assert float(n.production_br(0.3, 1.0)["K+ -> e+ N"]) == pytest.approx(2.17, rel=1e-2)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_check_physical_accepts_small_couplings(name):
    m = get_model(name)
    lo, hi = m.production_mass_range or m.mass_range
    masses = np.geomspace(lo * 1.01, hi * 0.99, 7)
    m.check_physical(masses, 1e-9)


def test_models_br_cli_refuses_br_above_one():
    r = runner.invoke(app, ["models", "br", "hnl-e", "--mass", "0.3", "--coupling", "2"])
    assert r.exit_code == 2
    assert r.stderr.startswith("error: --coupling:") and "[0, 1]" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = runner.invoke(app, ["models", "br", "hnl-e", "--mass", "0.3", "--coupling", "0.5"])
    assert r.exit_code == 2
    assert "--coupling" in r.stderr and "BR(K+ -> e+ N)" in r.stderr and "U2 <= 0.46" in r.stderr
    r = runner.invoke(app, ["models", "br", "hnl-e", "--mass", "0.3", "--coupling", "0.4"])
    assert r.exit_code == 0, r.stderr
