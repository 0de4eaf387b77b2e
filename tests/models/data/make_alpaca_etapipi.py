"""Regenerate alpaca_bc11_etapipi.csv and alpaca_bc10_hadronic.csv: ALPaca's hadronic widths above the eta pi pi
threshold (BC11) and of the universal axial-coupling ALP (BC10-like), the peer values of
tests/models/test_models_alp_etapipi.py. Run in a separate venv with alpaca-alps==1.2.0 (it pins particle<1.0,
see make_alpaca_bc11.py):

    /tmp/alpvenv/bin/python tests/models/data/make_alpaca_etapipi.py bc11 > tests/models/data/alpaca_bc11_etapipi.csv
    /tmp/alpvenv/bin/python tests/models/data/make_alpaca_etapipi.py bc10 > tests/models/data/alpaca_bc10_hadronic.csv
    /tmp/alpvenv/bin/python tests/models/data/make_alpaca_etapipi.py pole > tests/models/data/alpaca_bc11_etap_pole.csv

BC11: ALPaca's BC11 benchmark at f_G = f_a = 1 TeV (its a G Gtilde/(4 f_G) normalisation). BC10: couplings set at
mu = m_a in the 'VA_below' basis, c_uA = c_dA = c_eA = 1, f_a = 1 TeV (as make_alpaca_bc10.py): kaonportal's BC10
with c_ff/f = g_Y/v = 1e-3 GeV^-1.
"""
import sys
from importlib.metadata import version

import numpy as np
from alpaca.benchmarks.benchmarks import BC11
from alpaca.decays.alp_decays.branching_ratios import total_decay_width
from alpaca.rge import ALPcouplings

FA = 1000.0
KEYS = ("e", "mu", "2photons", "pi0pippim", "pi0pi0pi0", "etapippim", "etapi0pi0", "gammapipi", "DW_tot")
which = sys.argv[1]
if which == "pole":      # BC11 within 1.3 MeV of m_eta' = 0.95778 GeV: the three widths only (fast)
    from alpaca.decays.alp_decays.gaugebosons import decay_width_2gamma
    from alpaca.decays.alp_decays.hadronic_decays_def import decay_width_3pi0pm, decay_width_etapipipm
    print(f"# ALPaca {version('alpaca-alps')} BC11 next to the eta' pole, f_G = f_a = {FA:g} GeV; widths in GeV")
    print("m_GeV,etapippim_GeV,pi0pippim_GeV,2photons_GeV")
    for m in (0.9565, 0.9575, 0.9578):
        c = BC11()(FA, FA)
        print(f"{m:.4f},{decay_width_etapipipm(m, c, FA):.6e},{decay_width_3pi0pm(m, c, FA):.6e},"
              f"{decay_width_2gamma(m, c, FA):.6e}", flush=True)
    sys.exit(0)
if which == "bc11":
    masses = [0.83, 0.85, 0.875, 0.9, 0.925, 0.95, 0.975, 1.0]
    print(f"# ALPaca {version('alpaca-alps')} BC11, f_G = f_a = {FA:g} GeV; widths in GeV (total_decay_width keys)")
else:
    masses = [0.3, 0.42, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0]
    print(f"# ALPaca {version('alpaca-alps')} c_uA = c_dA = c_eA = 1 (VA_below at mu = m_a), f_a = {FA:g} GeV; "
          "widths in GeV (total_decay_width keys)")
print("m_GeV," + ",".join(f"{k}_GeV" for k in KEYS))
for m in masses:
    if which == "bc11":
        c = BC11()(FA, FA)
    else:
        c = ALPcouplings({"cuA": np.eye(2), "cdA": np.eye(3), "ceA": np.eye(3)}, scale=m, basis="VA_below")
    d = total_decay_width(m, c, FA)
    print(f"{m:.4f}," + ",".join(f"{float(np.real(d.get(k, np.nan))):.6e}" for k in KEYS), flush=True)
