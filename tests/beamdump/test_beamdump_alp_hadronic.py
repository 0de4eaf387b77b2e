"""BC11 beam dump with the hadronic channels (a -> pi+ pi- pi0, pi+ pi- gamma) and Primakoff production."""

import numpy as np
import pytest

from kaonportal.beamdump.analysis import run_beamdump, stated_disagreements
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.beamdump.yields import check_channels, expected_events, mechanism_jobs, primakoff_coupling2
from kaonportal.errors import InputError
from kaonportal.models import get_model


def test_bc11_and_bc10_hadronic_channels_include_pipieta():
    # a -> pi+ pi- eta (models.alp_etapipi) is a dump channel of both ALPs; K K pi0 and pi+ pi- pi0 pi0 are not
    # modelled for ALPs and stay refused, naming the channel
    assert set(check_channels("alp-gluon", "gg,pipipi0,pipigamma,pipieta")) == {"gg", "pipipi0", "pipigamma",
                                                                               "pipieta"}
    assert check_channels("alp-fermion", "pipieta") == {"pipieta": "a -> pi+ pi- eta"}
    for ch in ("KKpi0", "pipi2pi0"):
        with pytest.raises(InputError, match=ch):
            check_channels("alp-gluon", ch)


def test_primakoff_coupling_is_the_photon_width_coupling():
    # Gamma(a -> gamma gamma) = g^2 m^3/(64 pi) ([Bauer:2017ris]): for BC9 g is the coupling itself
    c = np.array([1e-5, 1e-4])
    assert np.allclose(primakoff_coupling2(get_model("alp-photon"), 0.3, c), c**2, rtol=1e-12)
    bc9 = get_model("alp-photon")
    assert np.allclose(64 * np.pi * bc9.partial_widths(0.3, c)["a -> gamma gamma"] / 0.3**3, c**2, rtol=1e-12)
    bc11 = get_model("alp-gluon")
    g2 = primakoff_coupling2(bc11, 0.5, c)
    assert np.all(g2 > 0) and g2[1] / g2[0] == pytest.approx(100.0)     # ~ (1/f_G)^2
    labels = [j[0] for j in mechanism_jobs(bc11, 0.5, c, ("meson", "primakoff"), BeamDumpSetup())[0]]
    assert labels[-1] == "gamma Cu -> a Cu (Primakoff)" and "eta -> a (mixing)" in labels


def test_bc11_hadronic_yield_positive_and_linear_in_pot():
    g = expected_events("alp-gluon", [0.5, 0.7], [1e-5, 1e-4], ["pipipi0", "pipigamma"], n_per_mass=300, seed=3)
    assert np.all(g.per_pot[:, 0] > 0)
    assert np.allclose(g.events(2e17), 2 * g.events(1e17))
    assert np.allclose(g.by_channel["pipipi0"] + g.by_channel["pipigamma"], g.per_pot)


def test_bc11_contour_exists_grows_with_pot_and_states_the_width_model():
    res = run_beamdump("alp-gluon", "pipipi0,pipigamma", grid=(6, 6), mass_range=(0.45, 0.8),
                       coupling_range=(1e-7, 1e-3), n_per_mass=300, seed=2)
    assert res.observed.n_expected.max() > 2.3 and np.any(res.projection.excluded)
    assert res.projection.excluded.sum() >= res.observed.excluded.sum()      # 1e18 POT projection
    notes = stated_disagreements("alp-gluon", ["pipipi0"], BeamDumpSetup())
    assert any("chiral PT" in n for n in notes)


def test_bc11_pipieta_goes_through_the_detector_with_eta_to_two_photons():
    # a -> pi+ pi- eta (models.alp_etapipi): closed below 2 m_pi + m_eta = 0.827 GeV, open above, detected as two
    # tracks + the eta -> gamma gamma pair; the channels of one run add up to its per-POT yield
    g = expected_events("alp-gluon", [0.8, 0.9], [1e-5, 1e-4], ["pipieta", "pipipi0", "pipigamma"], n_per_mass=300,
                        seed=4)
    assert np.all(g.by_channel["pipieta"][0] == 0.0) and np.all(g.by_channel["pipieta"][1] > 0.0)
    assert np.allclose(g.by_channel["pipieta"] + g.by_channel["pipipi0"] + g.by_channel["pipigamma"], g.per_pot)


def test_cli_alp_mass_grid_beyond_1_gev_is_refused_before_simulating(tmp_path):
    # the ALPs' decays end at 1 GeV (4 pi, K K pi0 not modelled): one line naming the option and range, exit 2
    from typer.testing import CliRunner

    from kaonportal.cli.main import app
    for model in ("BC11", "BC10"):
        res = CliRunner().invoke(app, ["beamdump", "--model", model, "--mass-range", "0.5,1.2", "--grid", "3x3",
                                       "--n-per-mass", "50", "--out", str(tmp_path / model)])
        assert res.exit_code == 2 and "Traceback" not in res.stderr
        line = " ".join(res.stderr.split())
        assert "--mass-range" in line and ", 1] GeV" in line
        assert not (tmp_path / model).exists()
