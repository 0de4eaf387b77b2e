"""Regenerate alpaca_bc10.csv: ALPaca's a -> gamma gamma width for universal axial couplings (BC10-like),
the peer values of test_models_alp_peer.py. Run it in a separate environment, as make_alpaca_bc11.py
explains (ALPaca pins particle<1.0):

    /tmp/alpvenv/bin/python tests/models/data/make_alpaca_bc10.py > tests/models/data/alpaca_bc10.csv

The couplings are set at the scale m_a itself in ALPaca's 'VA_below' basis (c_uA = c_dA = c_eA = 1 on
the diagonal, f_a = 1 TeV), so that no RG running enters: this is kaonportal's BC10 with per-fermion
coupling c_ff/f = g_Y/v = 1e-3 GeV^-1.
"""
from importlib.metadata import version

import numpy as np
from alpaca.decays.alp_decays.gaugebosons import decay_width_2gamma
from alpaca.rge import ALPcouplings

FA = 1000.0
MASSES = [0.01, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.79]
print(f"# ALPaca {version('alpaca-alps')} a -> gamma gamma, c_uA = c_dA = c_eA = 1 (VA_below at mu = m_a), "
      f"f_a = {FA:g} GeV")
print("# widths in GeV")
print("m_GeV,gamma_gamma_GeV")
for m in MASSES:
    c = ALPcouplings({"cuA": np.eye(2), "cdA": np.eye(3), "ceA": np.eye(3)}, scale=m, basis="VA_below")
    print(f"{m:.4f},{decay_width_2gamma(m, c, FA):.6e}")
