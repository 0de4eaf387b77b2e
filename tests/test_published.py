"""Shipped published curves: identical to shared/reference, provenance kept, parsed correctly."""

from pathlib import Path

import numpy as np
import pytest

from kaonportal.errors import InputError
from kaonportal.published import SHIPPED_ONLY, list_curves, load_curve, read_curve_csv

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "curves"


def test_every_curve_loads_with_provenance():
    for name in list_curves():
        c = load_curve(name)
        assert c.header and ("source" in c.header[0] or "experiment" in c.header[0])
        assert c.mass_gev.size > 3
        assert np.all(c.mass_gev >= 0)


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ not beside the checkout")
def test_shipped_copies_match_shared_reference():
    shipped = set(list_curves())
    # curves added beyond shared/reference are listed, with their origin, in SHIPPED_ONLY
    assert SHIPPED_ONLY.keys() <= shipped
    assert shipped - SHIPPED_ONLY.keys() == {p.stem for p in SHARED.glob("*.csv")}
    for p in SHARED.glob("*.csv"):
        ref = read_curve_csv(p.read_text(), p.stem)
        c = load_curve(p.stem)
        for col, values in ref.columns.items():
            np.testing.assert_array_equal(c.columns[col], values)


def test_na62_2020_eN_first_point():
    # NA62 PLB 807 (2020) 135599, HEPData ins1797041 t1: |U_e4|^2 < 2.20202e-9 at 144 MeV (first row).
    c = load_curve("NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData")
    assert c.limit[0] == pytest.approx(2.20202e-9, rel=1e-6)


def test_bad_curve_inputs():
    with pytest.raises(InputError, match="unknown curve"):
        load_curve("nope")
    with pytest.raises(InputError, match="non-numeric"):
        read_curve_csv("# x\nm_X_MeV,BR\n1,abc\n")
    with pytest.raises(InputError, match="column names"):
        read_curve_csv("m_X_MeV,BR\n1,2,3\n")
