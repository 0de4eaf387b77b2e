"""`kaonportal run` with the pnn section off: each search uses its own dataset's card unless the config's
top-level `card:` overrides it, and the run prints which data every search used (issue #12 item 3)."""

import json

import yaml
from typer.testing import CliRunner

from kaonportal.analyses.agreement import band_note
from kaonportal.analyses.searches import SECTIONS
from kaonportal.cli.main import app

runner = CliRunner()
ONLY_KPIX = {"pnn": False, "beamdump": False, **{n: n == "kpix" for n in SECTIONS}}
TINY = {"dataset": "pnn-2017", "masses": [0.05, 0.2], "n_signal": 1000, "n_sm": 2000, "n_signal_masses": 2,
        "lifetimes_ns": [1.0]}


def _run(tmp_path, name, **top):
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump({"sections": ONLY_KPIX, "searches": {"kpix": TINY}, **top}))
    return runner.invoke(app, ["run", "--quick", "--json", "--config", str(p), "--out", str(tmp_path / name)])


def test_kpix_2017_uses_its_card_and_the_override_applies(tmp_path):
    res = _run(tmp_path, "own")
    assert res.exit_code == 0, res.stderr
    sec = json.loads(res.stdout)["sections"]["kpix"]
    # pnn-2017: card na62-2018, selection pnn-2017, exposure from the published SES 3.89e-11 (not 2.85e12)
    assert (sec["dataset"], sec["card"], sec["selection"]) == ("pnn-2017", "na62-2018", "pnn-2017")
    assert sec["n_k"] < 1.5e12 and abs(sec["ses_pnn"] / 3.89e-11 - 1) < 1e-9
    assert "section kpix: dataset pnn-2017, card na62-2018" in res.stderr
    # the rule-based comparison with the published curve is printed too (analyses.agreement)
    assert f"section kpix: {band_note('NA62', sec['agreement'].split(' (')[0])}" in res.stderr
    res = _run(tmp_path, "override", card="na62-2022")
    assert res.exit_code == 0, res.stderr
    sec = json.loads(res.stdout)["sections"]["kpix"]
    assert sec["card"] == "na62-2022" and "override" in sec["card_origin"]
    assert "section kpix: dataset pnn-2017, card na62-2022" in res.stderr


def test_bad_top_level_card_refused_before_any_search(tmp_path):
    # with the pnn section off, the top-level card still reaches every search: a bad one is exit 2, one line
    res = _run(tmp_path, "bad", card="na62-1999")
    assert res.exit_code == 2
    assert "card: unknown card 'na62-1999'" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "bad" / "summary.json").exists()


def test_top_level_selection_reaches_kpix(tmp_path):
    res = _run(tmp_path, "sel", selection="pnn-2022")
    assert res.exit_code == 0, res.stderr
    sec = json.loads(res.stdout)["sections"]["kpix"]
    assert sec["selection"] == "pnn-2022" and sec["card"] == "na62-2018"


def test_bad_card_file_names_the_full_field_path(tmp_path):
    # a card file with a NaN resolution: the error names card.resolution.ktag_time_ns (as `kaonportal pileup`
    # does), not only "card", with the pnn section off (top-level check) and on (pnn setup)
    from kaonportal.detector.card import CARD_DIR
    text = (CARD_DIR / "na62-2022.yaml").read_text()
    bad = tmp_path / "bad-card.yaml"
    bad.write_text("\n".join(("  ktag_time_ns: .nan" if ln.strip().startswith("ktag_time_ns:") else ln)
                             for ln in text.splitlines()))
    res = _run(tmp_path, "badcard", card=str(bad))
    assert res.exit_code == 2
    assert "card.resolution.ktag_time_ns:" in res.stderr and "Traceback" not in res.stderr
    p = tmp_path / "pnn.yaml"
    p.write_text(yaml.safe_dump({"card": str(bad)}))
    res = runner.invoke(app, ["run", "--quick", "--config", str(p), "--out", str(tmp_path / "pnn")])
    assert res.exit_code == 2 and "card.resolution.ktag_time_ns:" in res.stderr
