"""API of kaonportal.decays: parsing, bad input, the Products contract, reproducibility."""

import math

import numpy as np
import pytest

from kaonportal import constants
from kaonportal.backend import block_rng
from kaonportal.decays import KNOWN_DECAYS, DecaySpec, Products, generate, parse_decay
from kaonportal.decays.newphysics import mass_range
from kaonportal.decays.phasespace import accept_reject, genbod, genbod_max_weight, _genbod_raw
from kaonportal.decays.radiative import radiative_fraction
from kaonportal.errors import InputError


def test_parse_spaces_and_run_together():
    assert parse_decay("K+ ->  pi+ pi0") == DecaySpec("K+", ("pi+", "pi0"))
    assert parse_decay("  K+->pi+nunubar ") == DecaySpec("K+", ("pi+", "nu", "nubar"))
    assert str(parse_decay("K+ -> pi+ A'")) == "K+ -> pi+ A'"


@pytest.mark.parametrize("text,needle", [("K+ -> pi+ pion", "known:"), ("K+ pi+ pi0", "->"),
                                         ("K+ -> pi+", "two daughters"), ("K+ -> pi+ pi+", "charge"),
                                         ("X -> pi+ pi-", "parent")])
def test_parse_errors(text, needle):
    with pytest.raises(InputError) as err:
        parse_decay(text)
    assert err.value.field == "decay" and needle in str(err.value)


def test_unknown_name_lists_known_particles():
    with pytest.raises(InputError) as err:
        generate("K+ -> pi+ Z", 1, np.random.default_rng(0))
    for name in ("pi+", "mu+", "gamma", "nubar", "N"):
        assert name in str(err.value)


def test_known_decays_cover_the_issue():
    required = ["K+ -> mu+ nu", "K+ -> e+ nu", "K+ -> pi+ pi0", "K+ -> pi+ pi+ pi-", "K+ -> pi+ pi0 pi0",
                "K+ -> pi0 e+ nu", "K+ -> pi0 mu+ nu", "K+ -> pi+ pi- e+ nu", "K+ -> pi+ nu nubar",
                "K+ -> pi+ gamma gamma", "K+ -> mu+ nu gamma", "K+ -> pi+ pi0 gamma", "pi0 -> gamma gamma",
                "pi0 -> e+ e- gamma", "pi+ -> mu+ nu", "pi+ -> e+ nu", "mu+ -> e+ nu nubar", "K+ -> pi+ X",
                "K+ -> e+ N", "K+ -> mu+ N", "pi+ -> e+ N"]
    for d in required:
        assert d in KNOWN_DECAYS and KNOWN_DECAYS[d]


def test_products_structure_kpi2():
    prod = generate("K+ -> pi+ pi0", 7, np.random.default_rng(1))
    assert isinstance(prod, Products)
    assert prod.names == ("pi+", "pi0", "gamma", "gamma")
    assert prod.parent == (-1, -1, 1, 1)
    assert prod.final == (True, False, True, True)
    assert prod.ctau_m[0] == pytest.approx(constants.ctau_m("pi+"))
    assert prod.ctau_m[1] == 0.0 and math.isinf(prod.ctau_m[2])
    assert prod.p4.shape == (7, 4, 4) and prod.p4.dtype == np.float64
    assert np.all(prod.weight == 1.0)


def test_daughter_order_free_and_canonical():
    prod = generate("K+ -> pi0 pi+", 3, np.random.default_rng(1))
    assert prod.names[:2] == ("pi+", "pi0") and prod.decay == "K+ -> pi+ pi0"


def test_pi0_options():
    rng = np.random.default_rng(2)
    d = generate("K+ -> pi+ pi0", 5, rng, pi0_decay="dalitz")
    assert d.names == ("pi+", "pi0", "e+", "e-", "gamma") and d.parent == (-1, -1, 1, 1, 1)
    inv = generate("K+ -> pi+ pi0", 5, rng, pi0_decay="invisible")
    assert inv.names == ("pi+", "pi0") and inv.invisible == (False, True) and inv.final == (True, True)
    two = generate("K+ -> pi+ pi0 pi0", 5, rng, pi0_decay=("dalitz", "gg"))
    assert two.names.count("e+") == 1 and two.names.count("gamma") == 3
    with pytest.raises(InputError) as err:
        generate("K+ -> pi+ pi0", 5, rng, pi0_decay="ee")
    assert err.value.field == "pi0_decay" and "dalitz" in str(err.value)


def test_unknown_option_is_named():
    with pytest.raises(InputError) as err:
        generate("K+ -> mu+ nu", 5, np.random.default_rng(0), pi0_decay="gg")
    assert err.value.field == "pi0_decay" and "allowed options" in str(err.value)


@pytest.mark.parametrize("decay,opts", [("K+ -> pi+ X", {}), ("K+ -> pi+ X", {"x_decay": "mu+ mu-"}),
                                        ("K+ -> e+ N", {}), ("K+ -> mu+ N", {}), ("pi+ -> e+ N", {})])
def test_mass_above_threshold_names_range(decay, opts):
    lo, hi = mass_range(decay, opts.get("x_decay"))
    with pytest.raises(InputError) as err:
        generate(decay, 3, np.random.default_rng(0), mass=hi + 0.01, **opts)
    msg = str(err.value)
    assert err.value.field == "mass" and "GeV" in msg and f"{hi:g}" in msg and f"{lo:g}" in msg
    with pytest.raises(InputError):
        generate(decay, 3, np.random.default_rng(0), mass=-0.01, **opts)
    with pytest.raises(InputError) as err:
        generate(decay, 3, np.random.default_rng(0), **opts)
    assert err.value.field == "mass"


def test_mass_ranges_are_physical():
    mk, mpi, mmu, me = (constants.mass(p) for p in ("K+", "pi+", "mu+", "e+"))
    assert mass_range("K+ -> pi+ X") == pytest.approx((0.0, mk - mpi))
    assert mass_range("K+ -> pi+ X", "mu+ mu-") == pytest.approx((2 * mmu, mk - mpi))
    assert mass_range("pi+ -> e+ N") == pytest.approx((0.0, mpi - me))
    assert mass_range("K+ -> mu+ N")[1] == pytest.approx(mk - mmu)


def test_mass_refused_for_sm_mode():
    with pytest.raises(InputError) as err:
        generate("K+ -> mu+ nu", 3, np.random.default_rng(0), mass=0.1)
    assert err.value.field == "mass"


def test_new_physics_products():
    prod = generate("K+ -> pi+ S", 10, np.random.default_rng(3), mass=0.25, x_decay="e+ e-", x_ctau_m=2.0)
    assert prod.names == ("pi+", "S", "e+", "e-")
    assert prod.final == (True, False, True, True) and prod.ctau_m[1] == 2.0
    mx = prod.p4[:, 1, 0] ** 2 - np.sum(prod.p4[:, 1, 1:] ** 2, axis=1)
    np.testing.assert_allclose(np.sqrt(mx), 0.25, rtol=1e-9)
    inv = generate("K+ -> pi+ X", 10, np.random.default_rng(3), mass=0.1)
    assert inv.invisible == (False, True) and math.isinf(inv.ctau_m[1])
    hnl = generate("K+ -> mu+ N", 10, np.random.default_rng(3), mass=0.3, n_ctau_m=100.0)
    assert hnl.ctau_m[1] == 100.0 and hnl.invisible[1]
    with pytest.raises(InputError) as err:
        generate("K+ -> pi+ X", 10, np.random.default_rng(3), mass=0.1, x_ctau_m=-1.0)
    assert err.value.field == "x_ctau_m"


def test_two_body_momenta_exact():
    prod = generate("K+ -> pi+ X", 50, np.random.default_rng(4), mass=0.2)
    mk, mpi = constants.mass("K+"), constants.mass("pi+")
    lam = (mk**2 - (mpi + 0.2) ** 2) * (mk**2 - (mpi - 0.2) ** 2)
    np.testing.assert_allclose(np.linalg.norm(prod.p4[:, 0, 1:], axis=1), np.sqrt(lam) / (2 * mk), rtol=1e-12)
    kmu2 = generate("K+ -> mu+ nu", 50, np.random.default_rng(4))
    np.testing.assert_allclose(np.linalg.norm(kmu2.p4[:, 0, 1:], axis=1), 0.2355, atol=1e-4)   # PDG p* = 235.5 MeV/c


def test_isotropy_kmu2():
    """Spin-0 parent: cos(theta) of the muon is uniform (KS test, false-alarm rate 1e-3)."""
    from scipy import stats
    prod = generate("K+ -> mu+ nu", 50_000, np.random.default_rng(5))
    c = prod.p4[:, 0, 3] / np.linalg.norm(prod.p4[:, 0, 1:], axis=1)
    assert stats.kstest(c, "uniform", args=(-1, 2)).pvalue > 1e-3


@pytest.mark.parametrize("decay", ["K+ -> pi+ pi0", "K+ -> pi0 mu+ nu", "K+ -> pi- e+ e+"])
def test_reproducible_and_exact_n(decay):
    a = generate(decay, 1000, block_rng(42, 3))
    b = generate(decay, 1000, block_rng(42, 3))
    assert a.n == 1000 and np.array_equal(a.p4, b.p4)
    c = generate(decay, 1000, block_rng(42, 4))
    assert not np.array_equal(a.p4, c.p4)
    assert generate(decay, 0, np.random.default_rng(0)).p4.shape[0] == 0


def test_bad_n():
    for bad in (-1, 2.5, True):
        with pytest.raises(InputError) as err:
            generate("K+ -> mu+ nu", bad, np.random.default_rng(0))
        assert err.value.field == "n"


def test_generic_phase_space_forbidden_and_portal():
    with pytest.raises(InputError):
        generate("pi+ -> mu+ mu- e+", 3, np.random.default_rng(0))
    prod = generate("K+ -> mu+ nu X", 20, np.random.default_rng(0), mass=0.1)
    assert prod.names == ("mu+", "nu", "X") and prod.invisible == (False, True, True)


def test_genbod_majorant_is_safe():
    """The grid majorant of the GENBOD weight is never exceeded (K+ -> 3 and 4 bodies)."""
    mk = constants.mass("K+")
    for masses in ([0.1349768, 0.13957039, 0.000511, 0.000511], [0.13957039, 0.1056583755, 0.000511]):
        _, w = _genbod_raw(mk, np.array(masses), 200_000, np.random.default_rng(6))
        assert w.max() <= genbod_max_weight(mk, masses)


def test_genbod_three_body_is_flat_dalitz():
    """Unweighted GENBOD 3-body events are uniform in (m12^2, m23^2) (chi2 on the m12^2 marginal
    against the Dalitz-plot width, false-alarm rate 1e-3)."""
    from scipy import integrate, stats
    mk, m = constants.mass("K+"), constants.mass("pi+")
    p4 = genbod(mk, [m, m, m], 60_000, np.random.default_rng(7))
    pair = p4[:, 0] + p4[:, 1]
    s12 = pair[:, 0] ** 2 - np.sum(pair[:, 1:] ** 2, axis=1)
    edges = np.linspace(4 * m * m, (mk - m) ** 2, 21)

    def width(s):   # length of the m23^2 interval at fixed m12^2 (PDG Kinematics review)
        return np.sqrt(max((s - 4 * m * m) * s, 0) / s**2) * np.sqrt(max((mk**2 - s - m * m) ** 2 - 4 * s * m * m, 0))

    probs = np.array([integrate.quad(width, a, b)[0] for a, b in zip(edges[:-1], edges[1:])])
    obs, _ = np.histogram(s12, edges)
    exp = probs / probs.sum() * len(s12)
    assert stats.chi2.sf(np.sum((obs - exp) ** 2 / exp), 19) > 1e-3


def test_accept_reject_detects_bad_majorant():
    rng = np.random.default_rng(0)
    with pytest.raises(RuntimeError):
        accept_reject(10, lambda size: ({"x": np.zeros(size)}, np.full(size, 1.5)), rng)


def test_radiative_fraction_inputs():
    assert radiative_fraction("K+ -> mu+ nu gamma", 0.01) > radiative_fraction("K+ -> mu+ nu gamma", 0.02) > 0
    with pytest.raises(InputError) as err:
        radiative_fraction("K+ -> mu+ nu gamma", 0.0)
    assert err.value.field == "e_gamma_min"
    with pytest.raises(InputError):
        generate("K+ -> pi+ pi0 gamma", 3, np.random.default_rng(0), e_gamma_min=0.5)


def test_numeric_options_validated():
    with pytest.raises(InputError) as err:
        generate("K+ -> pi0 mu+ nu", 3, np.random.default_rng(0), xi=float("nan"))
    assert err.value.field == "xi"
    with pytest.raises(InputError) as err:
        generate("K+ -> pi+ pi+ pi-", 3, np.random.default_rng(0), g="big")
    assert err.value.field == "g"


def test_to_frame_in_flight_decay_conserves():
    """In-flight decay of a lab muon: rest-frame Michel decay boosted with to_frame sums to the muon."""
    from kaonportal.decays import to_frame
    rng = np.random.default_rng(8)
    mmu = constants.mass("mu+")
    p = rng.uniform(5, 60, size=(200, 3))
    p_mu = np.concatenate([np.sqrt(np.sum(p**2, axis=1) + mmu**2)[:, None], p], axis=1)
    prod = generate("mu+ -> e+ nu nubar", 200, rng)
    lab = to_frame(prod.p4, p_mu, mmu)
    np.testing.assert_allclose(lab.sum(axis=1), p_mu, rtol=1e-12, atol=1e-9 * 60)
    m2 = lab[:, 0, 0] ** 2 - np.sum(lab[:, 0, 1:] ** 2, axis=1)
    np.testing.assert_allclose(m2, constants.mass("e+") ** 2, atol=1e-9 * np.max(lab[:, 0, 0]) ** 2)


def test_branching_ratio_lookup():
    from kaonportal.decays import branching_ratio
    assert branching_ratio("K+ -> mu+ nu") == constants.BR_K["K+ -> mu+ nu"]
    assert branching_ratio("pi+ -> e+ nu") == constants.BR_PI["pi+ -> e+ nu"]
    assert branching_ratio("K+ -> pi+ pi0 gamma", 0.02) == pytest.approx(
        constants.BR_K["K+ -> pi+ pi0"] * radiative_fraction("K+ -> pi+ pi0 gamma", 0.02))
    with pytest.raises(InputError):
        branching_ratio("K+ -> pi- e+ e+")


def test_massless_three_body_phase_space_is_finite():
    """pi0 -> gamma nu nubar: the nu nubar sub-system can be massless (M = 0 in GENBOD's p*), which must
    give p* = 0, not 0/0 (found by the pi0 -> gamma nu nubar search)."""
    import warnings

    import numpy as np

    from kaonportal.decays import generate

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        prod = generate("pi0 -> gamma nu nubar", 5000, np.random.default_rng(3))
    assert np.isfinite(prod.p4).all()
    total = prod.p4.sum(axis=1)
    np.testing.assert_allclose(total[:, 0], 0.1349768, rtol=1e-9)
