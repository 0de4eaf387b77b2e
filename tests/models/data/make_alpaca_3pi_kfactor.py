"""Regenerate alpaca_bc11_3pi_kfactor1.csv: ALPaca 1.2.0's BC11 a -> 3 pi widths with its K-factor set to 1, the
diagnosis of the 2.0-2.7x between ALPaca and kaonportal at 0.42-0.50 GeV (test_models_alp_hadronic.py).

ALPaca multiplies its leading-order chiral a -> 3 pi contact amplitude by sqrt(kfact), kfact = 2.7 ("mean value of
k-factor to reproduce decay rates of eta, eta'", the K-factor of Aloni-Soreq-Williams). This script copies the
installed package to a temporary directory, sets kfact = 1.0 in that copy only and evaluates the two widths. Run in
the separate ALPaca venv of make_alpaca_bc11.py:

    /tmp/alpvenv/bin/python tests/models/data/make_alpaca_3pi_kfactor.py > tests/models/data/alpaca_bc11_3pi_kfactor1.csv
"""
import importlib.util
import shutil
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

src = Path(importlib.util.find_spec("alpaca").origin).parent
tmp = Path(tempfile.mkdtemp()) / "alpaca"
shutil.copytree(src, tmp)
hd = tmp / "decays" / "alp_decays" / "hadronic_decays_def.py"
text = hd.read_text()
assert text.count("kfact = 2.7") == 2, "ALPaca version without the two kfact = 2.7 lines"
hd.write_text(text.replace("kfact = 2.7", "kfact = 1.0"))
sys.path.insert(0, str(tmp.parent))

from alpaca.benchmarks.benchmarks import BC11  # noqa: E402  (the patched copy)
from alpaca.decays.alp_decays.hadronic_decays_def import decay_width_3pi000, decay_width_3pi0pm  # noqa: E402

FA = FG = 1000.0
print(f"# ALPaca {version('alpaca-alps')} BC11 with kfact = 1 (instead of 2.7), f_G = f_a = {FG:g} GeV; widths in GeV")
print("m_GeV,pi0pippim_GeV,pi0pi0pi0_GeV")
for m in [0.42, 0.45, 0.5, 0.6]:
    c = BC11()(FG, FA)
    print(f"{m:.4f},{decay_width_3pi0pm(m, c, FA):.6e},{decay_width_3pi000(m, c, FA):.6e}", flush=True)
