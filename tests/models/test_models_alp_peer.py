"""BC11 and BC10 a -> gamma gamma against ALPaca 1.2.0 (peer_conventions.md), from stored tables.

ALPaca (``alpaca-alps``) pins ``particle<1.0`` and its flavio dependency needs a data file that
particle 1.x no longer ships, so it cannot be installed next to kaonportal (particle 1.1) nor put in
the test extra. ``data/alpaca_bc1[01].csv`` hold its widths, written by ``data/make_alpaca_bc1[01].py`` in a
separate environment (the script's docstring says how).

Conventions (peer_conventions.md): ALPaca's BC11 is a G Gtilde/(4 f_G) with alpha_s(1 TeV) = 0.088736
(ours, normalisation "1/4fG": 0.0885, so widths x (0.0885/0.088736)^2); it uses alpha(m_a) (1.1-1.4 %
larger widths than our alpha(0) between 5 and 400 MeV) and the LO constant -2 N_c Tr(Q^2 kappa), our
default c0. Quark masses and the eta-eta' angle (-14.1 deg) are the same. Measured: 0.972-1.023 over
5-400 MeV, including the pi0 pole and the destructive zero near 0.15 GeV -> tolerance 3.5 %.
Before issue #12 item 2 (constant -1.92 C_GG, no mixing) the ratio was 0.30-2200 (0.60-1.82 at
0.05-0.35 GeV away from the pole and the zero).
"""

from pathlib import Path

import numpy as np
import pytest

from kaonportal.constants import HBARC_GEV_M
from kaonportal.models import get_model

TABLE = Path(__file__).parent / "data" / "alpaca_bc11.csv"
ALPHA_S_OURS, ALPHA_S_ALPACA = 0.0885, 0.088736
F_G = 1000.0


def _table():
    m, gg, tot = np.loadtxt(TABLE, delimiter=",", comments="#", skiprows=3, unpack=True)
    return m, gg, tot


def test_table_provenance():
    head = TABLE.read_text().splitlines()[0]
    assert "ALPaca 1.2.0 BC11" in head and "alpha_s(1 TeV) = 0.088736" in head


def test_bc11_gamma_gamma_width_matches_alpaca():
    m, gg, _ = _table()
    a = get_model("alp-gluon", normalisation="1/4fG")
    ours = a.partial_widths(m, 1.0 / F_G)["a -> gamma gamma"] * (ALPHA_S_ALPACA / ALPHA_S_OURS) ** 2
    ratio = ours / gg
    assert np.all(np.abs(ratio - 1.0) < 0.035), dict(zip(m.round(3), ratio.round(3)))


def test_bc11_lifetime_against_alpaca():
    # ALPaca's total has a -> pi pi gamma above 2 m_pi at ~6 % of the width at 0.4 GeV; kaonportal's LO
    # a -> pi+ pi- gamma (models.alp_hadronic) is ~0.04 % there (stated in the model's validity): below
    # 0.3 GeV both are < 0.2 % and c tau agrees like the photon width; above, ours is longer by that fraction
    m, gg, tot = _table()
    a = get_model("alp-gluon", normalisation="1/4fG")
    ctau = a.ctau_m(m, 1.0 / F_G) / (ALPHA_S_ALPACA / ALPHA_S_OURS) ** 2
    ratio = ctau / (HBARC_GEV_M / tot)
    below = m <= 0.3
    assert np.all(np.abs(ratio[below] - 1.0) < 0.035)
    # above 0.3 GeV: c tau ratio = (ALPaca total / ALPaca gamma gamma) x (photon-width agreement)
    missing = tot[~below] / gg[~below]
    assert np.all(missing < 1.07) and missing[-1] > 1.05
    assert np.all(np.abs(ratio[~below] / missing - 1.0) < 0.035)


def test_bc10_gamma_gamma_width_matches_alpaca():
    # data/alpaca_bc10.csv: universal axial couplings c_ff/f = 1e-3 GeV^-1 set at mu = m_a (no running),
    # i.e. our g_Y = v x 1e-3. Lepton and heavy-quark loops plus the u, d, s part through a-eta/eta'
    # mixing; the latter changes the width by up to 6x (0.5 GeV), the agreement is 0.962-1.014: ALPaca's
    # alpha(m_a) against our alpha(0) (1-4 % below 0.8 GeV) -> 4.5 %.
    from kaonportal.constants import V_HIGGS
    m, gg = np.loadtxt(TABLE.with_name("alpaca_bc10.csv"), delimiter=",", comments="#", skiprows=3, unpack=True)
    ours = get_model("alp-fermion").partial_widths(m, V_HIGGS * 1e-3)["a -> gamma gamma"]
    ratio = ours / gg
    assert np.all(np.abs(ratio - 1.0) < 0.045), dict(zip(m.round(3), ratio.round(3)))
