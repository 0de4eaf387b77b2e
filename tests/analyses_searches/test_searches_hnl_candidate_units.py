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
