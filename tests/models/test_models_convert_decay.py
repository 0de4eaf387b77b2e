"""`models convert` needs to know what a lifetime-less BR curve assumes about X (issue #12 item 4),
and reads kaonportal's own curve files by column name."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from kaonportal.analyses.searches.common import write_curve
from kaonportal.cli.main import app
from kaonportal.errors import InputError
from kaonportal.models import get_model
from kaonportal.models.convert import convert_curve, coupling_limit, parse_decay, read_curve

runner = CliRunner()
M = np.array([0.05, 0.1, 0.2, 0.3])
BR_UL = np.array([2e-11, 1.5e-11, 1e-11, 3e-11])


def _plain(tmp_path, name="plain.csv"):
    path = tmp_path / name
    rows = "\n".join(f"{m * 1e3:g},{b:g}" for m, b in zip(M, BR_UL))
    path.write_text(f"# a BR limit without lifetime column\nm_X_MeV,BR_UL90\n{rows}\n")
    return path


def _kaonportal_kpix(tmp_path):
    """A curve as kaonportal's kpix section writes it (same writer, same 'what' text and columns):
    the observed limit is not the last column, which is local_significance."""
    cols = {"m_x_gev": M, "ses": BR_UL / 2.3, "sigma_m2miss": np.full(4, 1e-3), "background_in_window": np.ones(4),
            "n_observed": np.zeros(4), "br_ul_observed": BR_UL,
            **{f"br_ul_expected_{k}": BR_UL * f for k, f in (("minus2", 0.5), ("minus1", 0.7), ("median", 1.0),
                                                             ("plus1", 1.4), ("plus2", 2.0))},
            "local_significance": np.array([0.0, 0.3, 1.2, 0.0])}
    path = tmp_path / "kpix_invisible_br_stable.csv"
    write_curve(path, "upper limit on BR(K+ -> pi+ X), X invisible and stable, versus m_X",
                "m_X in GeV/c^2; BR dimensionless", 0.9, ["dataset pnn-2016-22 (test)"], cols)
    return path


def test_lifetime_less_curve_without_decay_is_refused(tmp_path):
    with pytest.raises(InputError) as err:
        convert_curve(_plain(tmp_path), get_model("BC2"))
    assert err.value.field == "decay" and "prompt" in err.value.message and "region:Z1,Z2" in err.value.message
    r = runner.invoke(app, ["models", "convert", str(_plain(tmp_path)), "--model", "BC1", "--final-state", "e+ e-"])
    assert r.exit_code == 2 and r.stderr.startswith("error: --decay:")
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("model, fs", [("BC1", "e+ e-"), ("BC4", "mu+ mu-")])
def test_decay_meanings_visible(tmp_path, model, fs):
    mdl = get_model(model)
    m, b = (M[2:], BR_UL[2:]) if model == "BC4" else (M, BR_UL)
    path = tmp_path / "v.csv"
    path.write_text("# x\nm_X_GeV,BR_UL90\n" + "\n".join(f"{x:g},{y:g}" for x, y in zip(m, b)) + "\n")
    prompt = convert_curve(path, mdl, final_state=fs, decay="prompt")
    direct = coupling_limit(mdl, m, b, final_state=fs)
    assert np.array_equal(prompt.coupling_low, direct.coupling_low, equal_nan=True)
    region = convert_curve(path, mdl, final_state=fs, decay="region:100,160")
    direct = coupling_limit(mdl, m, b, final_state=fs, decay_region_m=(100.0, 160.0))
    assert np.array_equal(region.coupling_low, direct.coupling_low, equal_nan=True)
    assert "100" in region.notes["decay"] and "prompt" in prompt.notes["decay"]
    with pytest.raises(InputError, match="stable X has no visible decay"):
        convert_curve(path, mdl, final_state=fs, decay="stable")


def test_decay_meanings_invisible(tmp_path):
    # BC7 HNL: N -> 3 nu is its invisible channel. stable: F = BR_inv + BR_vis P(no decay in 112 m);
    # prompt: F = BR_inv exactly, so BR(K+ -> mu+ N) BR(N -> 3 nu) = BR_UL at the limit
    hnl = get_model("hnl-mu")
    path = tmp_path / "inv.csv"
    path.write_text("# x\nm_N_GeV,BR_UL90\n0.2,1e-9\n0.3,1e-9\n")
    stable = convert_curve(path, hnl, final_state="invisible", decay="stable", production="K+ -> mu+ N")
    direct = coupling_limit(hnl, [0.2, 0.3], [1e-9, 1e-9], final_state="invisible", production="K+ -> mu+ N")
    assert np.array_equal(stable.coupling_low, direct.coupling_low)
    prompt = convert_curve(path, hnl, final_state="invisible", decay="prompt", production="K+ -> mu+ N")
    for m, u2 in zip([0.2, 0.3], prompt.coupling_low):
        sig = hnl.production_br(m, u2)["K+ -> mu+ N"] * hnl.branching_ratios(m, u2)["N -> nu nu nubar"]
        assert float(sig) == pytest.approx(1e-9, rel=1e-4)
    assert np.all(prompt.coupling_low > stable.coupling_low)       # stable adds surviving visible decays
    with pytest.raises(InputError, match="visible final state"):
        convert_curve(path, hnl, final_state="invisible", decay="region:1,2", production="K+ -> mu+ N")


def test_parse_decay():
    assert parse_decay("Prompt") == "prompt" and parse_decay("region:0,5.5") == (0.0, 5.5)
    for bad in ("region:5,1", "region:a,b", "region:1", "sometimes", "region:-1,2", "region:1,inf"):
        with pytest.raises(InputError, match="decay"):
            parse_decay(bad)


def test_lifetime_curve_rejects_decay(tmp_path):
    path = tmp_path / "tau.csv"
    path.write_text("# x\nm_X_MeV,tau_ps,BR_UL90\n100,0,1e-9\n100,10,2e-9\n100,100,3e-9\n"
                    "200,0,1e-9\n200,10,2e-9\n200,100,3e-9\n")
    convert_curve(path, get_model("BC1"), final_state="e+ e-")
    with pytest.raises(InputError, match="lifetime column"):
        convert_curve(path, get_model("BC1"), final_state="e+ e-", decay="prompt")


def test_kaonportal_own_curve_by_column_name(tmp_path):
    path = _kaonportal_kpix(tmp_path)
    c = read_curve(path)
    assert c.value_column == "br_ul_observed" and c.decay_hint == "stable" and np.allclose(c.limit, BR_UL)
    res = convert_curve(path, get_model("BC2"))           # no --decay: the header says stable
    direct = coupling_limit(get_model("BC2"), M, BR_UL, final_state="invisible")
    assert np.allclose(res.coupling_low, direct.coupling_low)
    assert res.notes["limit_column"] == "br_ul_observed" and "header" in res.notes["decay"]
    med = convert_curve(path, get_model("BC2"), column="br_ul_expected_median")
    assert np.allclose(med.coupling_low, res.coupling_low)          # median = observed here
    plus2 = convert_curve(path, get_model("BC2"), column="br_ul_expected_plus2")
    assert np.all(plus2.coupling_low > res.coupling_low)
    r = runner.invoke(app, ["models", "convert", str(path), "--model", "BC2", "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["notes"]["limit_column"] == "br_ul_observed"
    r = runner.invoke(app, ["models", "convert", str(path), "--model", "BC2", "--column", "local_significance"])
    assert r.exit_code == 2 and "'local_significance'" in r.stderr      # its zeros are no BR limits
    (tmp_path / "sig.csv").write_text("# x\nm_X_GeV,BR_UL90,significance\n0.1,1e-9,0.5\n")
    r = runner.invoke(app, ["models", "convert", str(tmp_path / "sig.csv"), "--model", "BC2",
                            "--decay", "stable", "--column", "significance"])
    assert r.exit_code == 2 and r.stderr.startswith("error: --column:") and "not a branching-ratio" in r.stderr
    r = runner.invoke(app, ["models", "convert", str(path), "--model", "BC2", "--column", "nope"])
    assert r.exit_code == 2 and "br_ul_observed" in r.stderr


def test_several_br_columns_need_a_choice(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("# x\nm_X_MeV,BR_UL90_obs,BR_UL90_exp\n100,1e-9,2e-9\n200,1e-9,2e-9\n")
    with pytest.raises(InputError, match="several branching-ratio columns"):
        read_curve(path)
    assert read_curve(path, column="BR_UL90_exp").limit.tolist() == [2e-9, 2e-9]
