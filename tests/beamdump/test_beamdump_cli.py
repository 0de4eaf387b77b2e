"""`kaonportal beamdump` command line and the `kaonportal run` section hook."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from kaonportal.beamdump import beamdump_section
from kaonportal.cli.main import app

runner = CliRunner()
ARGS = ["beamdump", "--model", "dark-photon", "--channels", "ee,mumu", "--pot", "1.4e17", "--grid", "8x10",
        "--n-per-mass", "300", "--mass-range", "0.05,0.8"]


def test_cli_writes_contour_plot_and_json(tmp_path):
    out = tmp_path / "bd"
    res = runner.invoke(app, ARGS + ["--out", str(out), "--json", "--seed", "3", "--plot-formats", "png,pdf"])
    assert res.exit_code == 0, res.stdout + str(res.exception)
    summary = json.loads(res.stdout)
    assert summary["model"] == "dark-photon" and summary["seed"] == 3
    assert summary["inputs"]["observed"] == 1 and summary["inputs"]["background"] == 0.016 + 0.0094
    for name in ("contour.csv", "projection.csv", "contour.png", "contour.pdf", "summary.json", "yields.npz"):
        assert (out / name).exists()
    # summary.json names its files relative to its own directory
    assert json.loads((out / "summary.json").read_text())["files"]["plot_pdf"] == "contour.pdf"
    text = (out / "contour.csv").read_text()
    assert text.startswith("#") and "curve,segment,mass_gev,coupling" in text
    y = np.load(out / "yields.npz")
    assert y["events_per_pot"].shape == (8, 10)
    # the invariant-mass window per channel and mass, which decides where the observed mu mu event counts
    assert y["mass_window_halfwidth_mumu"].shape == (8,)
    assert summary["observed_events"]["events"][0]["mass_gev"] == 0.411
    # no silent overwrite
    again = runner.invoke(app, ARGS + ["--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.stderr


def test_cli_bad_input_exit_code_2(tmp_path):
    cases = [(["--grid", "0x10"], "grid"), (["--pot", "-1"], "pot"), (["--channels", "gg"], "cannot decay"),
             (["--channels", "ee,xx"], "unknown channel"), (["--seed", "-1"], "seed"),
             (["--mass-range", "0.01,100"], "--mass-range: must lie within")]
    for extra, msg in cases:
        args = list(ARGS)
        for i in range(0, len(extra), 2):
            if extra[i] not in args:
                args += extra[i:i + 2]
                continue
            k = args.index(extra[i])
            args[k + 1] = extra[i + 1]
        res = runner.invoke(app, args + ["--out", str(tmp_path / "x")])
        assert res.exit_code == 2, (extra, res.stdout, res.stderr)
        assert msg in res.stderr and "Traceback" not in res.stderr


def test_run_section_quick(tmp_path):
    s = beamdump_section(tmp_path / "sec", pot=1.4e17, quick=True)
    assert s["grid"]["n_mass"] == 20 and (tmp_path / "sec" / "summary.json").exists()
    assert s["observed"]["excluded_cells"] > 0


def test_published_counts_are_scaled_to_another_pot():
    from kaonportal.beamdump import run_beamdump

    res = run_beamdump("dark-photon", "mumu", 1e18, (4, 4), n_per_mass=200, mass_range=(0.25, 0.5))
    assert res.inputs["background"] == 0.016 * 1e18 / 1.4e17
    assert res.inputs["observed"] == 0 and "expected limit" in res.inputs["observed_background_source"]
    zero = run_beamdump("dark-photon", "mumu", 0.0, (4, 4), n_per_mass=200, mass_range=(0.25, 0.5))
    assert not zero.observed.excluded.any()
    assert zero.inputs["projection_background"] == 0.016 / 1.4e17 * 1e18


def test_explain_prints_the_budget_and_writes_it(tmp_path):
    res = runner.invoke(app, ["beamdump", "--explain", "0.3,4e-7", "--channels", "mumu", "--n-per-mass", "300",
                              "--json"])
    assert res.exit_code == 0, res.stdout + str(res.exception)
    budget = json.loads(res.stdout)
    assert budget["mass_gev"] == 0.3 and budget["n_expected"] > 0
    assert {"chi", "p_decay", "br", "a_acc", "a_trig", "n_expected"} <= set(budget["rows"][0])
    res = runner.invoke(app, ["beamdump", "--explain", "0.3,4e-7", "--channels", "mumu", "--n-per-mass", "300"])
    assert res.exit_code == 0 and "N_exp" in res.stdout and "total" in res.stdout
    out = tmp_path / "bd"
    res = runner.invoke(app, ["beamdump", "--explain", "0.3,4e-7", "--channels", "mumu", "--n-per-mass", "300",
                              "--grid", "4x4", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.stdout + str(res.exception)
    summary = json.loads((out / "summary.json").read_text())
    # same seed and sample size: the budget in summary.json is the one printed on its own
    assert summary["yield_budget"]["n_expected"] == pytest.approx(budget["n_expected"], rel=1e-12)
    assert summary["inputs"]["brems_form_factor"] == "none" and summary["stated_disagreements"]


@pytest.mark.parametrize("extra", [["--explain", "0.3,nan"], ["--explain", "9,1e-6"], ["--explain", "0.3"],
                                   ["--explain", "0.3,1e-6", "--channels", "KK"],
                                   ["--explain", "0.3,1e-6", "--pot", "0"],
                                   ["--explain", "0.3,1e-6", "--projection-pot", "-1"],
                                   ["--channels", "KK", "--mass-range", "0.1,0.5", "--out", "/tmp/never"],
                                   ["--explain", "0.3,1e-6", "--pot", "nan"],
                                   ["--explain", "0.3,1e-6", "--brems-form-factor", "dipole"], []])
def test_explain_bad_input_one_line_exit_2(extra):
    res = runner.invoke(app, ["beamdump"] + extra)
    assert res.exit_code == 2, (extra, res.stdout)
    assert "Traceback" not in (res.stdout + (res.stderr or ""))


BAD_INPUTS = [
    (["--cl", "nan"], "--cl: must be a finite number in (0, 1), got nan"),                        # used to hang the limit search
    (["--n-per-mass", "1000000000000"], "--n-per-mass: must be an integer in [1, 1e7]"),   # MemoryError, exit 1
    (["--observed", "1000000000000", "--background", "1"], "--observed: must be in [0, 1e+09] events"),
    (["--observed", "1", "--background", "nan"], "--background: must be a finite number in [0, 1e+09] events"),
    (["--pot", "inf"], "--pot: must be a finite number in (0, 1e22]"),
    (["--pot", "nan"], "--pot: must be a finite number in (0, 1e22]"),
    # audit (issue #14): 1e40 was answered "must be in [0, 1e+22]" although 0 is rejected too
    (["--pot", "1e40"], "--pot: must be a finite number in (0, 1e22]"),
    (["--projection-pot", "1e40"], "--projection-pot: must be a finite number in (0, 1e22]"),
    (["--channel-efficiency", "mumu=nan"], "--channel-efficiency: mumu: must be a finite number in [0, 1], got nan"),
    # issue 14 "Bad input": every numeric option, NaN/inf, POT <= 0, a closed channel, a grid outside the range
    (["--pot", "0"], "--pot: must be a finite number in (0, 1e22]"),
    (["--projection-pot", "nan"], "--projection-pot: must be a finite number in (0, 1e22]"),
    (["--a-scaling", "inf"], "--a-scaling: must be 'pp', 'wounded' or a number in (0, 10)"),
    (["--trigger-efficiency", "nan"], "--trigger-efficiency: must be a finite number in [0, 1]"),
    (["--decay-volume", "105,nan"], "--decay-volume: need 0 < LOW < HIGH, got '105,nan'; allowed: finite 0 < Z1 < Z2 in m"),
    (["--coupling-range", "1e-8,inf"], "--coupling-range: need 0 < LOW < HIGH"),
    # the model's range is stated even when the value is not a number (the dark photon: [0.00102, 3] GeV)
    (["--mass-range", "nan,0.3"], "--mass-range: need 0 < LOW < HIGH, got 'nan,0.3'; allowed: finite LOW < HIGH in "
                                  "[0.00102, 3] GeV (validity range of dark-photon)"),
    (["--mass-range", "5,10"], "--mass-range: must lie within the validity range"),
    (["--observed", "-1", "--background", "0.1"], "--observed: must be in [0, 1e+09] events"),
    (["--observed", "1", "--background", "-1"], "--background: must be a finite number in [0, 1e+09] events"),
    (["--channels", "mumu", "--mass-range", "0.01,0.2"], "mumu (asked in --channels) opens only at m > 0.2113 GeV"),
    (["--model", "alp-gluon", "--channels", "pipipi0", "--mass-range", "0.05,0.2"], "pipipi0 (asked in --channels) opens only at m > 0.4141"),
    (["--model", "hnl-tau", "--channels", "pimu"], "its branching ratio is zero over the whole mass range"),
    (["--mass-range", "0.3,0.2"], "--mass-range: need 0 < LOW < HIGH"),
    (["--method", "xx"], "--method: unknown value 'xx'"),
    (["--seed", "-1"], "--seed: must be a non-negative integer"),
    (["--n-per-mass", "0"], "--n-per-mass: must be an integer in [1, 1e7]"),
    (["--card", "nosuch"], "--card: unknown card 'nosuch'"),
    (["--explain", "0.3,1e-6", "--pot", "1e40"], "--pot: must be a finite number in (0, 1e22]"),
]


# audit (issue #14): an existing --out was reported before a bad input; every input is checked first,
# so the same one line comes whether --out is new or already holds a run
@pytest.mark.parametrize("out_exists", [False, True], ids=["new-out", "existing-out"])
@pytest.mark.parametrize("args,needle", BAD_INPUTS)
def test_cli_bad_input_exit_2_before_simulating(tmp_path, args, needle, out_exists):
    out = tmp_path / "bd"
    if out_exists:
        out.mkdir()
        (out / "summary.json").write_text("{}")
    res = runner.invoke(app, ["beamdump", *args, "--grid", "4x4", "--out", str(out)])
    assert res.exit_code == 2 and needle in res.stderr, res.output
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert "exists" not in res.stderr
    if out_exists:
        assert sorted(p.name for p in out.iterdir()) == ["summary.json"]
        assert (out / "summary.json").read_text() == "{}"
    else:
        assert not out.exists()


@pytest.mark.parametrize("kw,message", [
    ({"cl": float("nan")}, "cl: must be a finite number in (0, 1), got nan"),
    ({"cl": 1.0}, "cl: must be a finite number in (0, 1), got 1"),
    ({"observed": 1, "background": float("inf")}, "background: must be a finite number in [0, 1e+09] events, got inf"),
])
def test_run_beamdump_checks_cl_and_background_in_the_cli_words(kw, message):
    # one check (analysis.check_run_inputs) serves the function and the CLI: the CLI's messages are its own
    from kaonportal.beamdump.analysis import run_beamdump
    from kaonportal.errors import InputError
    with pytest.raises(InputError) as e:
        run_beamdump(grid=(4, 4), **kw)
    assert str(e.value) == message


def test_cli_errors_name_the_option_in_json_too(tmp_path):
    # issue 14 "Bad input": the option the user typed, not the parameter behind it, here and in --json
    res = runner.invoke(app, ["beamdump", "--pot", "nan", "--grid", "4x4", "--out", str(tmp_path / "bd"), "--json"])
    assert res.exit_code == 2 and res.stderr.startswith("error: --pot: ")
    assert json.loads(res.stdout)["error"]["field"] == "--pot"


def test_cli_eta_ratio_bad_value_exits_2_before_any_simulation(tmp_path):
    out = tmp_path / "never"
    res = runner.invoke(app, ARGS + ["--eta-ratio", "raw", "--out", str(out)])
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert "--eta-ratio: unknown value 'raw'; allowed: na27, pythia" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not out.exists()


def test_cli_eta_ratio_reaches_explain_and_summary(tmp_path):
    from kaonportal.beamdump.mesons import multiplicity_per_pot

    explain = ["beamdump", "--channels", "mumu", "--explain", "0.3,4e-7", "--n-per-mass", "200", "--json"]
    rows = {}
    for choice in ("na27", "pythia"):
        res = runner.invoke(app, explain + ["--eta-ratio", choice])
        assert res.exit_code == 0, res.stderr
        b = json.loads(res.stdout)
        assert b["eta_ratio"] == choice and b["eta_spectrum"]
        rows[choice] = next(r for r in b["rows"] if r["mechanism"] == "eta -> gamma A'")
        # the eta parents per POT are the chosen table's (the reweighting is x0.80 in p-Cu, eta_ratio module)
        assert rows[choice]["n_parent_per_pot"] == pytest.approx(multiplicity_per_pot("eta", eta_ratio=choice))
    assert rows["pythia"]["n_parent_per_pot"] > rows["na27"]["n_parent_per_pot"]
    out = tmp_path / "bd"
    res = runner.invoke(app, ["beamdump", "--channels", "mumu", "--grid", "3x4", "--n-per-mass", "200",
                              "--mass-range", "0.2,0.5", "--eta-ratio", "pythia", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.stderr
    inputs = json.loads((out / "summary.json").read_text())["inputs"]
    assert inputs["eta_ratio"] == "pythia" and inputs["eta_spectrum"].startswith("raw Pythia 8")


def test_one_line_summary_says_where_each_limit_applies(tmp_path):
    # audit (issue #14): the line printed one "N_UL = 3.87" although the limit is 2.30 at every mass but the notch
    # of the observed mu mu event (0.411 GeV, counted in its +-3 sigma_m window only)
    res = runner.invoke(app, ["beamdump", "--channels", "mumu", "--grid", "12x6", "--mass-range", "0.38,0.44",
                              "--n-per-mass", "100", "--out", str(tmp_path / "bd")])
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.stderr.splitlines() if ln.startswith("wrote "))
    assert "N_UL = 2.3 at most masses, 3.87 at m = 0.4" in line
    low, high = (float(x) for x in line.split("3.87 at m = ")[1].split(" GeV")[0].split("-"))
    assert low < 0.411 < high
