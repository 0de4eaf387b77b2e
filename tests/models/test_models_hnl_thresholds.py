"""HNL BC6/BC7/BC8: every decay and production channel opens exactly at its kinematic threshold.

Issue #12 item 1: the three-body closure test was true again for x_u > 1, so forbidden channels
(N -> mu- e+ nu at 50 MeV, N -> tau- l+ nu below m_tau) had large widths. A channel is open iff the
sum of the final-state masses is below the parent mass; these tests check that for *every* channel
key, from the masses named in the key itself.
"""

import numpy as np
import pytest

from kaonportal.constants import mass
from kaonportal.models import get_model

HNL_MODELS = ("hnl-e", "hnl-mu", "hnl-tau")
#: names in channel keys -> particle-table names. The model evaluates rho+ channels with the rho0
#: mass and D+ -> K0bar with the K_L mass (hnl.py), so the thresholds use the same masses.
_ALIAS = {"rho+": "rho0", "K0bar": "KL", "nubar": "nu"}


def _m(name: str) -> float:
    name = _ALIAS.get(name, name)
    return 0.0 if name == "nu" else mass(name)


def _decay_threshold(key: str) -> float:
    """m_N above which ``N -> a b c`` is open: the sum of the daughter masses."""
    return sum(_m(p) for p in key.split("->")[1].split())


def _production_threshold(key: str) -> float:
    """m_N below which ``P -> X Y N`` is open: m_P minus the other daughters' masses."""
    parent, daughters = key.split("->")
    return _m(parent.strip()) - sum(_m(p) for p in daughters.split() if p != "N")


def _cases(kind: str):
    for name in HNL_MODELS:
        model = get_model(name)
        lo, hi = model.mass_range
        keys = model.decay_channels() if kind == "decay" else model.production_channels()
        for key in keys:
            if key == "N -> multi-hadrons":
                continue        # inclusive remainder, tested separately below
            th = _decay_threshold(key) if kind == "decay" else _production_threshold(key)
            if lo < th * 0.99 and th * 1.01 < hi:
                yield pytest.param(name, key, th, id=f"{name}:{key}")


def _eval(model, key, kind, masses):
    if kind == "decay":
        return model.partial_widths(masses, 1.0)[key]
    return model.production_br(masses, 1.0)[key]


def test_every_channel_has_a_testable_threshold():
    # guards the parametrisation below against silently testing nothing (e.g. a renamed key)
    assert len(list(_cases("decay"))) >= 60
    assert len(list(_cases("production"))) >= 25


def _coupled(model, key, th) -> bool:
    # N -> mu- e+ nu needs U_mu: it is identically zero in BC6 (only U_e); such a channel is
    # checked to be zero everywhere instead of opening at its threshold
    probe = np.array([min(th * 1.2, model.mass_range[1]), model.mass_range[1]])
    return bool(np.any(model.partial_widths(probe, 1.0)[key] > 0))


@pytest.mark.parametrize("name, key, th", list(_cases("decay")))
def test_decay_channel_opens_at_threshold(name, key, th):
    model = get_model(name)
    if not _coupled(model, key, th):
        grid = np.geomspace(model.mass_range[0], model.mass_range[1], 50)
        assert np.all(model.partial_widths(grid, 1.0)[key] == 0.0)
        return
    below = th * np.array([0.5, 0.9, 0.999, 1 - 1e-9])
    above = th * np.array([1 + 1e-6, 1 + 1e-4, 1.01, 1.05])
    w_below = _eval(model, key, "decay", np.clip(below, model.mass_range[0], None))
    w_above = _eval(model, key, "decay", above)
    assert np.all(w_below == 0.0), f"{key} open below its threshold {th:.6g} GeV: {w_below}"
    assert np.all(np.isfinite(w_above)) and np.all(w_above >= 0)
    # 1e-6 above threshold a three-body width can be below the rounding of its closed form (the
    # N -> nu l+ l- bracket cancels to ~1e-16 there and is clipped at 0); from 1e-4 on it is open
    assert np.all(w_above[1:] > 0), f"{key} closed above threshold: {w_above}"
    # continuous at threshold: the phase space closes smoothly (two-body ~ p*, three-body faster),
    # so the width 1e-6 above threshold is a tiny fraction of the width 5 % above
    assert w_above[0] < 1e-2 * w_above[-1]
    assert np.all(np.diff(w_above[1:]) > 0)


@pytest.mark.parametrize("name, key, th", list(_cases("production")))
def test_production_channel_closes_at_threshold(name, key, th):
    model = get_model(name)
    below = th * np.array([0.95, 0.99, 1 - 1e-4, 1 - 1e-6])
    above = np.minimum(th * np.array([1 + 1e-9, 1.001, 1.1, 2.0]), model.mass_range[1])
    br_below = _eval(model, key, "production", below)
    br_above = _eval(model, key, "production", above)
    assert np.all(br_below > 0) and np.all(np.isfinite(br_below)), f"{key} closed below threshold"
    assert np.all(br_above == 0.0), f"{key} open above its threshold {th:.6g} GeV: {br_above}"
    assert br_below[-1] < 1e-2 * br_below[0]      # continuous: vanishes as m_N -> threshold


def test_multi_hadron_remainder_only_above_1gev():
    # the inclusive remainder is ramped in over 1.0-1.2 GeV (hnl.py); nothing below 1 GeV
    for name in HNL_MODELS:
        w = get_model(name).partial_widths(np.array([0.3, 0.6, 0.99, 1.0]), 1.0)["N -> multi-hadrons"]
        assert np.all(w == 0.0)


def test_x_u_above_one_closes_three_body():
    # the exact failure of issue #12: x_u = m_mu/m_N > 1 with a light second lepton
    from kaonportal.models.hnl import phase_space_integral_I
    assert float(phase_space_integral_I(mass("mu-") / 0.05, mass("e-") / 0.05, 0.0)) == 0.0
    assert float(phase_space_integral_I(1.5, 0.0, 0.0)) == 0.0
    assert float(phase_space_integral_I(0.4, 0.3, 0.29)) > 0.0
    assert float(phase_space_integral_I(0.4, 0.3, 0.31)) == 0.0


def test_bc7_50mev_only_neutral_current_channels():
    # 50 MeV < m_mu: BC7 decays only to nu nu nubar and nu e+ e- (issue #12: 0.986 into mu- e+ nu)
    brs = get_model("hnl-mu").branching_ratios(0.05, 1.0)
    open_ = {k for k, v in brs.items() if v > 0}
    assert open_ == {"N -> nu nu nubar", "N -> nu e+ e-"}


def test_bc8_below_tau_mass_has_no_tau_channels():
    brs = get_model("hnl-tau").branching_ratios(np.array([0.05, 0.3, 1.5]), 1.0)
    for k, v in brs.items():
        if "tau" in k.split("->")[1]:
            assert np.all(v == 0.0), k
