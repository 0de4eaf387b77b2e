"""HNL peak scan: a user candidate file in the wrong units (MeV^2 instead of GeV^2) is rejected by hnl_scan itself
(not only by the run's input check), with the field, the column and the allowed range named."""

import pytest

from kaonportal.analyses.searches.hnl import HnlConfig, hnl_scan
from kaonportal.constants import mass
from kaonportal.errors import InputError

SMALL = dict(n_signal=1000, n_background={"pi+ -> e+ N": 2000}, n_normalisation=1000, n_signal_masses=3,
             masses={"pi+ -> e+ N": [0.11]})


def test_hnl_scan_rejects_candidates_outside_parent_mass_squared(tmp_path):
    p = tmp_path / "cand_mev2.csv"
    # a pi+ -> e+ N candidate at m2miss = 0.012 GeV^2 written in MeV^2 (1.2e4): beyond m_pi+^2 = 0.0195 GeV^2
    p.write_text("m2miss_e\n12000\n")
    cfg = HnlConfig(channels=["pi+ -> e+ N"], candidates_file={"pi+ -> e+ N": str(p)}, **SMALL)
    m2 = mass("pi+") ** 2
    with pytest.raises(InputError, match="outside the allowed range") as exc:
        hnl_scan("pi+ -> e+ N", cfg, "na62-2022", seed=1)
    assert exc.value.field == "candidates_file['pi+ -> e+ N']"
    assert f"{m2:g}" in str(exc.value) and "m2miss_e = 12000" in str(exc.value)


# review item 2: per-channel options that used to fail deep inside the scan (rng.poisson, mass_grid) or were
# silently ignored (unknown channel key) are one InputError naming the option before anything is simulated
@pytest.mark.parametrize("opts,needle", [
    ({"n_parent": {"K+ -> e+ N": -1.0}}, "n_parent['K+ -> e+ N'] must be finite and > 0"),
    ({"n_parent": {"K+ -> e+ N": float("nan")}}, "n_parent['K+ -> e+ N'] must be finite and > 0"),
    ({"n_parent": {"K+ -> e N": 1e12}}, "n_parent: Value error, unknown channel(s) ['K+ -> e N']"),
    ({"mass_step": {"K+ -> mu+ N": 0.0}}, "mass_step['K+ -> mu+ N'] must be finite and > 0"),
    ({"mass_step": {"K+ -> mu+ N": -0.002}}, "mass_step['K+ -> mu+ N'] must be finite and > 0"),
    ({"mass_step": {"pi+ -> mu+ N": 0.001}}, "mass_step: Value error, unknown channel(s)"),
    ({"n_background": {"K+ -> e+ N": 0}}, "n_background['K+ -> e+ N'] must be finite and > 0"),
])
def test_bad_per_channel_values_named(opts, needle):
    from kaonportal.analyses.searches import check_section_inputs
    with pytest.raises(InputError) as exc:
        check_section_inputs("hnl", opts)
    assert exc.value.field == "searches.hnl" and needle in exc.value.message, exc.value


def _no_simulation(monkeypatch):
    from kaonportal.analyses.searches import hnl

    def boom(*a, **k):
        raise AssertionError("simulated before the inputs were checked")
    for name in ("signal_shape", "normalisation", "background_model"):
        monkeypatch.setattr(hnl, name, boom)


def test_cards_checked_before_the_first_channel(tmp_path, monkeypatch):
    # a bad card of the second channel used to fail only after the K+ -> e+ N channel had run
    from kaonportal.analyses.searches import check_section_inputs, hnl
    _no_simulation(monkeypatch)
    with pytest.raises(InputError) as exc:
        hnl.hnl_section(tmp_path, config={"cards": {"K+ -> mu+ N": "bogus"}})
    assert exc.value.field == "cards['K+ -> mu+ N']" and "unknown card 'bogus'" in exc.value.message
    with pytest.raises(InputError) as exc:
        check_section_inputs("hnl", {"cards": {"K+ -> mu+ N": "bogus"}})
    assert exc.value.field == "searches.hnl.cards['K+ -> mu+ N']"
    assert hnl.check_hnl_inputs(HnlConfig(cards={"K+ -> mu+ N": None})) == {}    # null: the run's card


def test_hnl_scan_checks_inputs_first_and_refuses_inject_with_a_file(tmp_path, monkeypatch):
    from kaonportal.analyses.searches import hnl
    _no_simulation(monkeypatch)
    p = tmp_path / "c.csv"
    p.write_text("m2miss_e\n0.0100\n0.0121\n")
    both = HnlConfig(candidates_file={"pi+ -> e+ N": str(p)}, inject={"pi+ -> e+ N": [0.11, 5.0]}, **SMALL)
    with pytest.raises(InputError) as exc:                 # the injection would be silently dropped otherwise
        hnl.hnl_scan("pi+ -> e+ N", both, "na62-2022", seed=1)
    assert exc.value.field == "inject['pi+ -> e+ N']" and "candidates_file" in exc.value.message
    with pytest.raises(InputError, match="inject"):
        hnl.hnl_section(tmp_path, config={"channels": ["pi+ -> e+ N"], **SMALL, "candidates_file":
                                          {"pi+ -> e+ N": str(p)}, "inject": {"pi+ -> e+ N": [0.11, 5.0]}})
    # the candidates are returned (read once per check, handed to hnl_scan by hnl_section)
    cand = hnl.check_hnl_inputs(HnlConfig(candidates_file={"pi+ -> e+ N": str(p)}))
    assert list(cand) == ["pi+ -> e+ N"] and cand["pi+ -> e+ N"].tolist() == [0.01, 0.0121]
    with pytest.raises(InputError) as exc:
        hnl.hnl_scan("K+ -> tau+ N", HnlConfig(**SMALL), "na62-2022", seed=1)
    assert exc.value.field == "channels"
