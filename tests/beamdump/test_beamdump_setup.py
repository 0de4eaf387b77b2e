"""BeamDumpSetup: the eta spectrum choice (NA27-reweighted or raw Pythia) is a validated setup field."""

import pytest

from kaonportal.beamdump import mesons
from kaonportal.beamdump.eta_ratio import ETA_RATIOS, ETA_SPECTRA
from kaonportal.beamdump.setup import BeamDumpSetup
from kaonportal.errors import InputError


def test_eta_ratio_default_is_the_meson_tables_default():
    # one default: the setup (what the CLI and recast use) and the meson functions (library calls) agree
    assert BeamDumpSetup().eta_ratio == mesons.DEFAULT_ETA_RATIO == "na27"
    assert set(ETA_SPECTRA) == set(ETA_RATIOS)


def test_eta_ratio_survives_channel_resolution():
    s = BeamDumpSetup(eta_ratio="pythia")
    assert s.resolved(["ee", "mumu"]).eta_ratio == "pythia" and s.resolved(["pipi"]).eta_ratio == "pythia"


@pytest.mark.parametrize("bad", ["NA27", "raw", ""])
def test_bad_eta_ratio_names_field_and_choices(bad):
    with pytest.raises(InputError) as exc:
        BeamDumpSetup(eta_ratio=bad)
    assert exc.value.field == "eta_ratio" and "na27, pythia" in exc.value.message


def test_eta_spectrum_says_which_table():
    assert "NA27" in BeamDumpSetup().eta_spectrum and "reweighted" in BeamDumpSetup().eta_spectrum
    assert BeamDumpSetup(eta_ratio="pythia").eta_spectrum.startswith("raw Pythia 8")


def test_raw_pythia_eta_table_is_stated_on_the_result():
    # the default (NA27-reweighted eta) is what the leptonic note's figures were measured with; the raw table
    # moves the mu mu lower edge, so a result made with it says so
    from kaonportal.beamdump.disagreements import stated_disagreements

    raw = stated_disagreements("dark-photon", ["mumu"], BeamDumpSetup(eta_ratio="pythia"))
    default = stated_disagreements("dark-photon", ["mumu"], BeamDumpSetup())
    assert any("eta_ratio='pythia'" in n for n in raw)
    assert not any("eta_ratio='pythia'" in n for n in default)


def test_disagreements_match_the_model_family():
    # audit (issue #14): an exported model ("<name>-tabulated") states its built-in's disagreements
    from kaonportal.beamdump.disagreements import model_family, stated_disagreements

    setup = BeamDumpSetup().resolved(["mumu"])
    assert model_family("dark-photon-tabulated") == "dark-photon"
    assert stated_disagreements("dark-photon-tabulated", ["mumu"], setup) == \
        stated_disagreements("dark-photon", ["mumu"], setup)
    assert stated_disagreements("alp-fermion-tabulated", ["mumu"], setup)
    assert not stated_disagreements("dark-scalar-tabulated", ["mumu"], setup)
