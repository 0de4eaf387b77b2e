"""`kaonportal run --config` with a bad numeric value: exit 2, one line naming the field, nothing written
(issue 12 item 14; the full table of fields is tests/analyses/test_bounds.py)."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from kaonportal.cli.main import app


@pytest.mark.parametrize("data,field", [
    ({"searches": {"pi0-invisible": {"published_limit": float("nan")}}}, "config.searches.pi0-invisible.published_limit"),
    ({"searches": {"kpix": {"mass_step": 1e-12}}}, "config.searches.kpix.mass_step"),
    ({"searches": {"visible-x": {"z_range": [165.0, 105.0]}}}, "config.searches.visible-x.z_range"),
    ({"pnn": {"n_signal": 10**12}}, "config.pnn.n_signal"),
    ({"beamdump": {"pot": float("inf")}}, "config.beamdump.pot"),
])
def test_run_refuses_bad_value_before_anything_runs(tmp_path, data, field):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", "--quick", "--config", str(cfg), "--out", str(out), "--json"])
    assert res.exit_code == 2, res.output
    assert field in json.loads(res.stdout)["error"]["message"]
    assert len([ln for ln in res.stderr.splitlines() if ln.strip()]) == 1
    assert not out.exists()


def test_card_without_upstream_section_is_refused_under_the_physics_model(tmp_path):
    # the card's upstream.interaction_pion_yield defaults to 0: without an upstream: section the physics model
    # would drop the GTK3-interaction mechanism silently; refused (exit 2, one line), the scale model is accepted
    from kaonportal.analyses.config import load_config
    from kaonportal.analyses.pnn import resolve_pnn
    from kaonportal.detector.card import CARD_DIR
    card = yaml.safe_load((CARD_DIR / "na62-2022.yaml").read_text())
    del card["upstream"]
    path = tmp_path / "no-upstream.yaml"
    path.write_text(yaml.safe_dump(card))
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump({"card": str(path)}))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", "--quick", "--config", str(cfg), "--out", str(out)])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "card.upstream.interaction_pion_yield" in lines[0]
    assert "pnn.upstream_model: scale" in lines[0] and "Traceback" not in res.stderr
    assert not out.exists()
    assert resolve_pnn(load_config(overrides={"card": str(path), "pnn": {"upstream_model": "scale"}}))
