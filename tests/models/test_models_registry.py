"""Registry and model-independent consistency checks over every benchmark."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kaonportal.constants import C_M_PER_S
from kaonportal.errors import InputError
from kaonportal.models import ALIASES, MODEL_NAMES, get_model


def test_names_and_aliases():
    assert set(MODEL_NAMES) == {"dark-photon", "dark-photon-invisible", "dark-scalar", "dark-scalar-quartic",
                                "hnl-e", "hnl-mu", "hnl-tau", "alp-photon", "alp-fermion", "alp-gluon"}
    for label, name in ALIASES.items():
        assert get_model(label).name == name
        assert get_model(label.lower()).label == label
    with pytest.raises(InputError, match="allowed"):
        get_model("BC3")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_consistency(name):
    model = get_model(name)
    lo, hi = model.mass_range
    m = np.linspace(lo + 1e-4 * (hi - lo), hi, 40)
    c = 1e-4
    widths = model.partial_widths(m, c)
    total = model.total_width(m, c)
    assert all(v.shape == m.shape for v in widths.values())
    assert np.allclose(sum(widths.values()), total, rtol=1e-12)
    assert np.all(total >= 0) and np.all(np.isfinite(total))
    brs = model.branching_ratios(m, c)
    open_ = total > 0
    assert np.allclose(sum(brs.values())[open_], 1.0)
    assert np.allclose(model.lifetime_s(m, c) * C_M_PER_S, model.ctau_m(m, c), rtol=1e-9)
    if model.width_scales_as_coupling:
        ratio = model.ctau_m(m, c / 10)[open_] / model.ctau_m(m, c)[open_]
        assert np.allclose(ratio, 10.0**model.coupling_power, rtol=1e-9)
    for v in model.production_br(m, c).values():
        assert v.shape == m.shape and np.all(v >= 0)
    assert 0 <= float(model.visible_br(m[-1], c)) <= 1
    s = model.summary(float(m[5]), c)
    assert s["model"] == name and s["coupling_name"] == model.coupling_name


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(MODEL_NAMES), st.floats(0.0, 1.0), st.floats(-12, -2))
def test_property_vectorised_equals_scalar(name, u, logc):
    model = get_model(name)
    lo, hi = model.mass_range
    m = lo + u * (hi - lo)
    c = 10.0**logc
    vec = model.ctau_m(np.array([m, m]), np.array([c, c]))
    assert vec[0] == vec[1] == pytest.approx(float(model.ctau_m(m, c)))


def test_bad_model_parameter():
    with pytest.raises(InputError, match="params"):
        get_model("hnl-e", alpha_d=0.1)
    # the message lists what the model does accept, following **kw into the base class (BC5 -> BC4)
    with pytest.raises(InputError, match="allowed: alpha_d, mass_ratio, chi_spin"):
        get_model("BC2", alpha_dd=0.1)
    with pytest.raises(InputError, match="allowed: none"):
        get_model("alp-photon", alpha_d=0.1)
    with pytest.raises(InputError, match="allowed: transition_form_factor"):
        get_model("dark-photon", alpha_d=0.1)
    assert get_model("BC5", br_h_ss=0.05, xi_sd=1e-6).br_h_ss == 0.05
