"""BR-limit -> coupling-limit conversion (kaonportal.models.convert)."""

from pathlib import Path

import numpy as np
import pytest

from kaonportal.constants import HBAR_GEV_S
from kaonportal.errors import InputError
from kaonportal.models import get_model
from kaonportal.models.convert import (convert_curve, coupling_limit, read_curve, representative_momentum,
                                       write_limit_csv)

CURVES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "curves"
needs_curves = pytest.mark.skipif(not CURVES.is_dir(), reason="shared/reference/curves not available")


@needs_curves
def test_read_curve_units():
    c = read_curve(CURVES / "NA62_Kp_to_piX_X_to_mumu_BR_UL90_vs_mass_lifetime_ALPaca.csv")
    assert c.kind == "br" and c.has_lifetime
    assert c.mass_gev.min() == pytest.approx(0.215)                 # MeV -> GeV
    assert set(np.unique(c.tau_s)) == {0.0, 1e-10, 1e-9, 1e-8, 1e-7}   # ps -> s
    h = read_curve(CURVES / "NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData.csv")
    assert h.kind == "coupling" and not h.has_lifetime
    with pytest.raises(InputError, match="already a coupling limit"):
        convert_curve(CURVES / "NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData.csv", get_model("hnl-e"))


def test_read_curve_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_curve(tmp_path / "missing.csv")
    for row, needle in (("-100,1e-9", "finite masses >= 0"), ("nan,1e-9", "finite masses >= 0"),
                        ("100,-1e-9", "limits > 0"), ("100,inf", "limits > 0")):
        (tmp_path / "v.csv").write_text(f"# x\nm_X_MeV,BR_UL90\n{row}\n150,2e-9\n")
        with pytest.raises(InputError, match=needle):
            read_curve(tmp_path / "v.csv")
    (tmp_path / "v.csv").write_text("# x\nm_X_MeV,BR_UL90\n0,nan\n150,2e-9\n")   # m = 0 and nan: allowed
    assert read_curve(tmp_path / "v.csv").mass_gev.tolist() == [0.0, 0.15]
    with pytest.raises(InputError, match="not UTF-8"):
        (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00")
        read_curve(tmp_path / "binary.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("# x\nmass,BR\n0.1,1e-9\n")
    with pytest.raises(InputError, match="no mass column"):
        read_curve(bad)
    gev = tmp_path / "gev.csv"
    gev.write_text("# units GeV\nm_GeV,BR_UL90\n0.1,1e-9\n0.2,2e-9\n")
    c = read_curve(gev)
    assert np.allclose(c.mass_gev, [0.1, 0.2]) and c.kind == "br"


def test_round_trip_invisible_stable():
    # BC2: A' -> chi chibar, invisible with probability ~1: the limit is where BR_prod(eps) = BR_UL
    bc2 = get_model("BC2")
    m = np.array([0.05, 0.1, 0.2, 0.3])
    eps0 = 3e-4
    br_ul = bc2.production_br(m, eps0)["K+ -> pi+ A'"]
    res = coupling_limit(bc2, m, br_ul, final_state="invisible")
    assert np.allclose(res.coupling_low, eps0, rtol=1e-6)
    assert np.all(np.isinf(res.coupling_high))
    # BR ~ eps^2: a 4x weaker BR limit gives a 2x weaker eps limit
    res4 = coupling_limit(bc2, m, 4 * br_ul, final_state="invisible")
    assert np.allclose(res4.coupling_low / res.coupling_low, 2.0, rtol=1e-6)


def test_round_trip_prompt_visible():
    dp = get_model("dark-photon")
    m = np.array([0.25, 0.3])
    eps0 = 2e-3
    br_ul = dp.production_br(m, eps0)["K+ -> pi+ A'"] * dp.branching_ratios(m, eps0)["A' -> mu+ mu-"]
    res = coupling_limit(dp, m, br_ul, final_state="mu+ mu-")
    assert np.allclose(res.coupling_low, eps0, rtol=1e-6)


def _tau_scale(model, m):
    """T such that tau = T / C^2 for a coupling^2-scaling model."""
    return float(model.lifetime_s(m, 1.0))


def test_lifetime_table_visible_interpolation():
    # synthetic table BR_UL(tau) = B0 tau/tau0 on a log grid (exact under log-log interpolation):
    # A eps^2 = B0 T/(tau0 eps^2)  ->  eps^4 = B0 T/(tau0 A)
    dp = get_model("dark-photon")
    m = 0.3
    taus = np.geomspace(1e-17, 1e-9, 9)
    b0, tau0 = 1e-9, 1e-15
    mass = np.repeat(m, taus.size)
    res = coupling_limit(dp, mass, b0 * taus / tau0, tau_s=taus, final_state="mu+ mu-")
    a = float(dp.production_br(m, 1.0)["K+ -> pi+ A'"] * dp.branching_ratios(m, 1.0)["A' -> mu+ mu-"])
    expected = (b0 * _tau_scale(dp, m) / (tau0 * a)) ** 0.25
    assert float(res.coupling_low[0]) == pytest.approx(expected, rel=1e-6)


def test_lifetime_table_invisible_island():
    # invisible search with a limit weakening for short lifetimes: BR_UL = B0 sqrt(tau_max/tau)
    # -> eps_low = B0 sqrt(tau_max/T)/A; the exclusion ends where tau(eps) drops below the grid
    dp = get_model("dark-photon")
    m = 0.1
    taus = np.geomspace(1e-16, 1e-12, 5)
    b0 = 1e-12
    res = coupling_limit(dp, np.repeat(m, taus.size), b0 * np.sqrt(taus[-1] / taus), tau_s=taus,
                         final_state="invisible")
    a = float(dp.production_br(m, 1.0)["K+ -> pi+ A'"])
    t = _tau_scale(dp, m)
    assert float(res.coupling_low[0]) == pytest.approx(b0 * np.sqrt(taus[-1] / t) / a, rel=1e-6)
    assert float(res.coupling_high[0]) == pytest.approx(np.sqrt(t / taus[0]), rel=1e-6)


def test_invisible_no_table_detector_length():
    # scalar (no invisible channel) in an invisible search without lifetime column: the exclusion is
    # an island; a longer detector excludes less at large mixing (X decays inside), same lower edge
    s = get_model("dark-scalar")
    m, br = np.array([0.1]), np.array([1e-10])
    short = coupling_limit(s, m, br, final_state="invisible", detector_length_m=10.0)
    long_ = coupling_limit(s, m, br, final_state="invisible", detector_length_m=1000.0)
    assert short.coupling_low[0] == pytest.approx(long_.coupling_low[0], rel=1e-3)
    assert np.isfinite(long_.coupling_high[0]) and long_.coupling_high[0] < short.coupling_high[0]
    # the upper edge is where P(survive L) = BR_UL/BR_prod: check it directly
    from kaonportal.kinematics import reach_probability
    c = long_.coupling_high[0]
    p = representative_momentum(0.1, "K+ -> pi+ S")
    surv = reach_probability(p, 0.1, s.ctau_m(0.1, c), 1000.0)
    assert float(s.production_br(0.1, c)["K+ -> pi+ S"] * surv) == pytest.approx(1e-10, rel=1e-4)
    assert representative_momentum(0.0) == pytest.approx(34.5, abs=0.1)


@needs_curves
def test_real_curves(tmp_path):
    res = convert_curve(CURVES / "NA62_Kp_to_piX_X_to_mumu_BR_UL90_vs_mass_lifetime_ALPaca.csv",
                        get_model("dark-photon"))
    assert res.notes["final_state"] == ["A' -> mu+ mu-"]           # guessed from the header
    ok = np.isfinite(res.coupling_low)
    assert ok.mean() > 0.9
    assert np.all((res.coupling_low[ok] > 1e-4) & (res.coupling_low[ok] < 1e-2))
    out = tmp_path / "limit.csv"
    write_limit_csv(res, out, get_model("dark-photon"))
    text = out.read_text()
    assert text.startswith("# kaonportal") and "m_GeV,epsilon_low,epsilon_high" in text


def test_conversion_errors():
    dp = get_model("dark-photon")
    with pytest.raises(InputError, match="production"):
        coupling_limit(dp, [0.1], [1e-9], production="K+ -> pi+ S")
    with pytest.raises(InputError, match="final_state"):
        coupling_limit(dp, [0.1], [1e-9], final_state="gamma gamma gamma")
    with pytest.raises(InputError, match="valid range"):      # BC11 widths end at 1 GeV (models.alp_etapipi)
        coupling_limit(get_model("BC11"), [1.05], [1e-9])


@needs_curves
def test_curve_model_mismatch():
    curve = CURVES / "NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca.csv"
    with pytest.raises(InputError, match="no 'K\\+ -> pi\\+ N' channel"):
        convert_curve(curve, get_model("hnl-e"))
    with pytest.raises(InputError, match="no 'K\\+ -> pi\\+ a' channel"):
        convert_curve(curve, get_model("alp-photon"))
    res = convert_curve(curve, get_model("alp-fermion"))
    assert res.notes["production"] == "K+ -> pi+ a"


def test_scaled_shortcut_matches_direct_evaluation():
    # convert evaluates coupling-scaling models once at C = 1; the direct evaluation must agree
    hnl = get_model("hnl-mu")
    m = np.array([0.2, 0.3, 0.35])
    # scan beyond U^2 = 1 only to reach the upper (short-lifetime) edge of the island numerically
    kw = dict(final_state="visible", decay_region_m=(80.0, 160.0), coupling_scan=(1e-14, 1e3))
    fast = coupling_limit(hnl, m, np.full(3, 1e-9), **kw)
    hnl.width_scales_as_coupling = False          # instance override: forces the direct path
    slow = coupling_limit(hnl, m, np.full(3, 1e-9), **kw)
    assert np.allclose(fast.coupling_low, slow.coupling_low, rtol=1e-9)
    assert np.allclose(fast.coupling_high, slow.coupling_high, rtol=1e-9)
    assert np.all(np.isfinite(fast.coupling_low)) and np.all(np.isfinite(fast.coupling_high))


def test_limit_csv_header_carries_full_citations(tmp_path):
    # the model's reference names bibliography keys; the written curve expands each to a full citation so
    # that the file alone lets a user follow its sources (kaonportal.references)
    from importlib import resources

    from kaonportal import references
    curve = resources.files("kaonportal") / "data/curves/NA62_Kp_to_piX_X_to_mumu_BR_UL90_vs_mass_lifetime_ALPaca.csv"
    model = get_model("dark-photon")
    res = convert_curve(Path(str(curve)), model)
    out = tmp_path / "limit.csv"
    write_limit_csv(res, out, model)
    header = [ln for ln in out.read_text().splitlines() if ln.startswith("# reference [")]
    assert header and header[0] == f"# reference [Ilten:2018crw] {references.cite('Ilten:2018crw')}"
    assert references.check_keys(model.reference) == []
