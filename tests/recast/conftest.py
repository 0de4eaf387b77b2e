"""Fixtures of the recast tests: a fake `kaonportal run` directory with search curves in the sections' format."""

from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from kaonportal.published import read_curve_csv

BANDS = ("minus2", "minus1", "median", "plus1", "plus2")
PUBLISHED = Path(str(resources.files("kaonportal") / "data" / "curves"
                     / "NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca.csv"))


def write_search_dir(root: Path) -> Path:
    """curves/ of a fake `kaonportal run`: kpix (published table), visible-x mumu and hnl K+ -> e+ N (flat)."""
    c = read_curve_csv(PUBLISHED.read_text(), PUBLISHED.stem)
    cols = dict(c.columns)
    m, tau, br = cols["m_X_MeV"] / 1e3, cols["tau_ps"] / 1e3, cols["BR_UL90"]
    d = root / "curves"
    d.mkdir(parents=True)

    def write(name, names, rows):
        lines = ["# what: test curve", ",".join(names)] + [",".join(f"{v:.6g}" for v in r) for r in rows]
        (d / name).write_text("\n".join(lines) + "\n")

    ul = ["br_ul_observed"] + [f"br_ul_expected_{b}" for b in BANDS]
    write("kpix_invisible_br_vs_lifetime.csv", ["m_x_gev", "tau_ns"] + ul,
          [(a, t, *([b] * 6)) for a, t, b in zip(m, tau, br)])
    mm = np.linspace(0.215, 0.35, 28)
    write("visible_x_mumu_br.csv", ["m_x_gev"] + ul, [(a, *([3e-11] * 6)) for a in mm])
    me = np.linspace(0.15, 0.45, 31)
    write("hnl_kp_eN_br.csv", ["m_n_gev"] + ul, [(a, 1e-9, 1.5e-9, 1.2e-9, 1e-9, 0.8e-9, 0.6e-9) for a in me])
    mp = np.linspace(0.02, 0.12, 21)
    write("pi0_gamma_x_aprime.csv", ["m_aprime_gev"] + ul, [(a, *([2e-6 * (1 + 10 * a)] * 6)) for a in mp])
    return root


@pytest.fixture(scope="module")
def search_dir(tmp_path_factory):
    return write_search_dir(tmp_path_factory.mktemp("run"))
