"""Bad input: clear messages naming the dataset and field; CLI exit code 2; JSON output shape."""

import json
import math

import pytest
from typer.testing import CliRunner

from kaonportal.cli.main import app
from kaonportal.errors import InputError
from kaonportal.stats import Dataset, measure, poisson_upper_limit, upper_limit

runner = CliRunner()

GOOD = """datasets:
  - name: "2016"
    observed: 1
    background: 0.152
    ses: 3.15e-10
  - name: "2017"
    observed: 2
    background: 1.5
    background_error_low: 0.25
    background_error_high: 0.3
    ses: 3.89e-11
    ses_error: 0.24e-11
"""


@pytest.mark.parametrize("kw,field", [
    (dict(observed=-1), "observed"), (dict(observed=1.5), "observed"), (dict(observed=True), "observed"),
    (dict(ses=0.0), "ses"), (dict(ses=-1e-10), "ses"), (dict(ses=math.nan), "ses"),
    (dict(background=math.nan), "background"), (dict(background=-0.1), "background"),
    (dict(background_error=math.inf), "background_error"), (dict(ses_error=math.nan), "ses_error"),
    (dict(background_error_low=0.1), "background_error_high"),
])
def test_dataset_rejects_bad_fields(kw, field):
    args = dict(name="d1", observed=1, background=0.5, ses=1e-10) | kw
    with pytest.raises(InputError) as err:
        Dataset(**args)
    assert err.value.field == f"d1.{field}"
    assert "'d1'" in str(err.value)


def test_api_rejects_bad_cl_method_and_empty_list():
    d = [Dataset("a", 1, 0.5, 1e-10)]
    for cl in (0.0, 1.0, -0.1, 1.5, math.nan):
        with pytest.raises(InputError, match=r"^cl: "):
            upper_limit(d, cl=cl)
    with pytest.raises(InputError, match="method"):
        upper_limit(d, method="bayes")
    with pytest.raises(InputError, match="empty"):
        upper_limit([])
    with pytest.raises(InputError, match="empty"):
        measure([])
    with pytest.raises(InputError, match="observed"):
        poisson_upper_limit(-2, 1.0)
    with pytest.raises(InputError, match=r"datasets\[1\]\.ses"):
        upper_limit([{"name": "a", "observed": 1, "background": 0.1, "ses": 1e-10},
                     {"name": "b", "observed": 1, "background": 0.1, "ses": 0.0}])


def _write(tmp_path, text):
    p = tmp_path / "ds.yaml"
    p.write_text(text)
    return str(p)


def test_cli_measure_and_limit_json(tmp_path):
    path = _write(tmp_path, GOOD)
    res = runner.invoke(app, ["stats", "measure", path, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) >= {"value", "error_low", "error_high", "significance"}
    assert out["error_low"] > 0 and out["error_high"] > 0
    res = runner.invoke(app, ["stats", "limit", path, "--cl", "0.9", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) >= {"upper_limit", "signal_events_limit", "cl", "method", "expected"}
    assert set(out["expected"]) == {"median", "minus1", "plus1", "minus2", "plus2"}
    assert out["cl"] == 0.9 and out["method"] == "cls"
    assert out["upper_limit"] == pytest.approx(out["signal_events_limit"] * 3.89e-11)


def test_cli_fc_single_dataset(tmp_path):
    path = _write(tmp_path, "datasets:\n  - {name: a, observed: 0, background: 0.0, ses: 1.0e-10}\n")
    res = runner.invoke(app, ["stats", "limit", path, "--cl", "0.9", "--method", "fc", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["method"] == "fc" and out["signal_events_limit"] == pytest.approx(2.44, abs=0.006)


@pytest.mark.parametrize("text,args,needle", [
    (GOOD.replace("observed: 2", "observed: -2"), [], "datasets[1].observed"),
    (GOOD.replace("observed: 2", "observed: 2.5"), [], "datasets[1].observed"),
    (GOOD.replace("ses: 3.15e-10", "ses: 0"), [], "datasets[0].ses"),
    (GOOD.replace("background: 1.5", "background: .nan"), [], "datasets[1].background"),
    (GOOD.replace("ses: 3.15e-10", "ses: -3.0e-10"), [], "datasets[0].ses"),
    (GOOD, ["--cl", "1.2"], "cl"),
    (GOOD, ["--cl", "0"], "cl"),
    ("datasets: []\n", [], "datasets"),
    ("datasets:\n  - {name: a, observed: 1, background: 0.1}\n", [], "datasets[0].ses"),
])
def test_cli_bad_input_exit_code_2(tmp_path, text, args, needle):
    path = _write(tmp_path, text)
    for cmd in (["stats", "limit", path, *args, "--json"], ["stats", "measure", path, "--json"]):
        if args and cmd[1] == "measure":
            continue
        res = runner.invoke(app, cmd)
        assert res.exit_code == 2, (cmd, res.output)
        assert needle in res.stderr
        assert json.loads(res.stdout)["error"]["exit_code"] == 2     # --json: the error as one JSON object
        assert "Traceback" not in res.stderr


@pytest.mark.parametrize("content,args,needle", [
    (b"\xff\xfe\x00binary", [], "not UTF-8"),                    # a binary file given as DATASETS.yaml
    (b"datasets: [1, 2\n  b: {", [], "not valid YAML"),          # YAML syntax error: one line, no snippet
    (GOOD.encode(), ["--calculator", "toys", "--seed", "-1"], "seed"),   # numpy rejects negative seeds
])
def test_cli_unreadable_input_and_bad_seed_exit_2(tmp_path, content, args, needle):
    path = tmp_path / "d.yaml"
    path.write_bytes(content)
    res = runner.invoke(app, ["stats", "limit", str(path), *args, "--json"])
    assert res.exit_code == 2, res.output
    assert needle in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert json.loads(res.stdout)["error"]["kind"] == "bad_input"   # --json: the error as one JSON object


def test_cli_directory_as_datasets_exit_2(tmp_path):
    res = runner.invoke(app, ["stats", "measure", str(tmp_path)])
    assert res.exit_code == 2 and "not a regular file" in res.stderr


def test_parse_datasets_keys_and_yaml_number_strings():
    """Unknown and missing keys name the field; YAML 1.1 reads `1e-10` (no dot) as a string, which
    is still a number to a physicist."""
    from kaonportal.errors import InputError
    from kaonportal.stats.io import parse_datasets

    (d,) = parse_datasets({"datasets": [{"name": 2017, "observed": 2.0, "background": 1.5, "ses": "1e-10"}]})
    assert d.name == "2017" and d.observed == 2 and isinstance(d.observed, int) and d.ses == 1e-10
    with pytest.raises(InputError, match=r"datasets\[0\]\.bkg: unknown field; allowed: name"):
        parse_datasets([{"name": "a", "observed": 1, "background": 0.1, "ses": 1e-10, "bkg": 1}])
    with pytest.raises(InputError, match=r"datasets\[0\]\.background: missing field"):
        parse_datasets([{"name": "a", "observed": 1, "ses": 1e-10}])
    with pytest.raises(InputError, match=r"datasets\[0\]\.ses: must be a number, got 'abc'"):
        parse_datasets([{"name": "a", "observed": 1, "background": 0.1, "ses": "abc"}])


@pytest.mark.parametrize("old,new,needle", [
    ("observed: 2", "observed: 1.0e+30", "datasets[1].observed: must be at most 1e+09 events"),
    ("background: 1.5", "background: 1.0e+30", "datasets[1].background: must be at most"),
    ("ses: 3.15e-10", "ses: 1.0e+300", "datasets[0].ses: must be a branching ratio per signal event"),
    ("ses: 3.15e-10", "ses: 1.0e-320", "datasets[0].ses: must be a branching ratio per signal event"),
    ("ses_error: 0.24e-11", "ses_error: 0.24", "datasets[1].ses_error: must not exceed ses"),
])
def test_cli_nonsense_datasets_refused(tmp_path, old, new, needle):
    # issue 12 item 15: each of these was accepted with exit 0
    path = _write(tmp_path, GOOD.replace(old, new))
    res = runner.invoke(app, ["stats", "limit", path, "--json"])
    assert res.exit_code == 2, res.output
    assert needle in res.stderr and needle in json.loads(res.stdout)["error"]["message"]


def test_cli_bounds_keep_valid_extremes(tmp_path):
    # a 100% SES error and an SES of 1 (limits in signal events) are still accepted
    text = GOOD.replace("ses_error: 0.24e-11", "ses_error: 3.89e-11").replace("ses: 3.15e-10", "ses: 1.0")
    res = runner.invoke(app, ["stats", "limit", _write(tmp_path, text), "--json"])
    assert res.exit_code == 0, res.output


def test_cli_absurd_toy_count_refused(tmp_path):
    # 1e12 toys used to end in a MemoryError (internal error, exit 1)
    path = _write(tmp_path, GOOD)
    res = runner.invoke(app, ["stats", "limit", path, "--calculator", "toys", "--ntoys", "1000000000000"])
    assert res.exit_code == 2 and "ntoys: must be an integer in [10, 1e7]" in res.stderr, res.output
