"""The beam-dump contour benchmark (benchmarks/beamdump_contour.py) runs every dump channel of its models."""

import importlib.util
from pathlib import Path

from kaonportal.beamdump.yields import model_channels

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "beamdump_contour.py"


def _cases():
    spec = importlib.util.spec_from_file_location("beamdump_contour", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod._CASES


def test_bc1_case_is_ee_mumu_and_every_hadronic_channel_including_pipieta():
    model, channels = _cases()["bc1"]
    assert model == "dark-photon"
    run = tuple(channels or model_channels(model))
    assert {"ee", "mumu", "pipi", "pipipi0", "pipi2pi0", "pipieta", "KK", "KKpi0"} <= set(run)
    assert set(run) == set(model_channels(model))
