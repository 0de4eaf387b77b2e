"""Regenerate alpaca_bc11.csv: ALPaca's BC11 widths, the peer values of test_models_alp_peer.py.

ALPaca (package ``alpaca-alps``) cannot be installed next to kaonportal: it pins ``particle<1.0`` and
its dependency flavio reads ``particle/data/particle2022.csv``, which particle 1.x no longer ships,
while kaonportal's particle data come from particle 1.1. Run this script in a separate environment:

    python -m venv /tmp/alpvenv && /tmp/alpvenv/bin/pip install alpaca-alps==1.2.0
    /tmp/alpvenv/bin/python tests/models/data/make_alpaca_bc11.py > tests/models/data/alpaca_bc11.csv

ALPaca's BC11 point is f_G (GeV) with c_G = pi/alpha_s(1 TeV) f_a/f_G (its benchmarks.py, i.e. an
a G Gtilde/(4 f_G) coupling); widths scale as 1/f_G^2 and do not depend on f_a.
"""
import numpy as np
from alpaca.benchmarks.benchmarks import BC11
from alpaca.common import alpha_s
from alpaca.decays.alp_decays.branching_ratios import total_decay_width
from alpaca.decays.alp_decays.gaugebosons import decay_width_2gamma
from importlib.metadata import version

FA = FG = 1000.0
MASSES = [0.005, 0.01, 0.02, 0.03, 0.05, 0.07, 0.09, 0.1, 0.11, 0.12, 0.125, 0.13, 0.14, 0.145, 0.15, 0.16,
          0.18, 0.2, 0.22, 0.25, 0.28, 0.3, 0.32, 0.35, 0.38, 0.4]
print(f"# ALPaca {version('alpaca-alps')} BC11, f_G = f_a = {FG:g} GeV, alpha_s(1 TeV) = {alpha_s(1000.0):.6f}")
print("# widths in GeV; total = ALPaca total_decay_width()['DW_tot'] (includes a -> pi pi gamma above 2 m_pi)")
print("m_GeV,gamma_gamma_GeV,total_GeV")
for m in MASSES:
    c = BC11()(FG, FA)
    tot = total_decay_width(m, c, FA)["DW_tot"]
    print(f"{m:.4f},{decay_width_2gamma(m, c, FA):.6e},{float(np.real(tot)):.6e}")
