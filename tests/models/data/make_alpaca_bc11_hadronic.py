"""Regenerate alpaca_bc11_hadronic.csv: ALPaca BC11 hadronic widths, peer values of test_models_alp_hadronic.py.
Run in a separate venv with alpaca-alps==1.2.0 (it cannot be co-installed with kaonportal, see
make_alpaca_bc11.py)."""
import numpy as np
from alpaca.benchmarks.benchmarks import BC11
from alpaca.decays.alp_decays.branching_ratios import total_decay_width
from importlib.metadata import version

FA = FG = 1000.0
MASSES = [0.42, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0, 1.1, 1.2]
print(f"# ALPaca {version('alpaca-alps')} BC11, f_G = f_a = {FG:g} GeV; widths in GeV (total_decay_width keys)")
print("m_GeV,pi0pippim_GeV,pi0pi0pi0_GeV,etapipi_GeV,gammapipi_GeV,2photons_GeV,total_GeV")
for m in MASSES:
    c = BC11()(FG, FA)
    d = total_decay_width(m, c, FA)
    r = lambda k: float(np.real(d.get(k, np.nan)))
    print(f"{m:.4f},{r('pi0pippim'):.6e},{r('pi0pi0pi0'):.6e},{r('etapipi'):.6e},{r('gammapipi'):.6e},"
          f"{r('2photons'):.6e},{r('DW_tot'):.6e}", flush=True)
