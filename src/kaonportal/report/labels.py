"""What the plots say: decays and free text as mathtext labels, legend labels of the shipped published curves, and
curves broken at mass gaps (used through :mod:`kaonportal.report.style`, which imports them).

- :func:`decay_label` turns ``K+ -> pi+ nu nubar`` into ``$K^+\\to\\pi^+\\nu\\bar{\\nu}$``.
- :func:`split_at_gaps` inserts NaN where a curve would jump over a mass range without points (the
  pi0 gap of the K+ -> pi+ X searches), so no straight line is drawn across it.

>>> print(decay_label("K+ -> pi+ nu nubar"))
$K^+ \\to \\pi^+ \\nu \\bar{\\nu}$
"""

from __future__ import annotations

__all__ = ["decay_label", "latex_text", "published_label", "split_at_gaps", "PI0_GAP_GEV"]

from typing import Sequence

import numpy as np

#: K+ -> pi+ X mass range hidden by K+ -> pi+ pi0 (GeV/c^2): no point of the searches lies inside it
PI0_GAP_GEV = (0.110, 0.155)


_TOKENS = {"K+": "K^+", "K-": "K^-", "K0": "K^0", "KL": "K_L", "pi+": r"\pi^+", "pi-": r"\pi^-", "pi0": r"\pi^0",
           "mu+": r"\mu^+", "mu-": r"\mu^-", "e+": "e^+", "e-": "e^-", "l+": r"\ell^+", "l-": r"\ell^-", "nu": r"\nu", "nubar": r"\bar{\nu}",
           "gamma": r"\gamma", "eta": r"\eta", "N": "N", "X": "X", "a": "a", "A'": "A'", "S": "S", "->": r"\to",
           "invisible": r"\mathrm{inv.}", "ee": "e^+e^-", "mumu": r"\mu^+\mu^-", "gg": r"\gamma\gamma"}


def decay_label(text: str) -> str:
    """A decay written with ASCII tokens (``K+ -> pi+ pi0``) as mathtext; text with any other word is
    returned unchanged (it is not a decay)."""
    toks = text.split()
    if "->" not in toks or not all(t in _TOKENS for t in toks):
        return text
    return "$" + " ".join(_TOKENS[t] for t in toks) + "$"


def split_at_gaps(x, ys: Sequence, gaps: Sequence[tuple[float, float]] = (PI0_GAP_GEV,)):
    """Insert a NaN point wherever consecutive x values jump over the centre of a gap by more than half
    its width, in ``x`` and in every array of ``ys``; returns ``(x, [y, ...])``.

    >>> x, (y,) = split_at_gaps([0.10, 0.112, 0.15, 0.16], [[1, 2, 3, 4]])
    >>> x.tolist()[:3], y.tolist()[2]
    ([0.1, 0.112, nan], nan)
    """
    x = np.asarray(x, float)
    ys = [np.asarray(y, float) for y in ys]
    if x.size < 2 or not gaps:
        return x, ys
    cut = np.zeros(x.size - 1, bool)
    for lo, hi in gaps:
        mid = 0.5 * (lo + hi)
        cut |= (x[:-1] < mid) & (x[1:] > mid) & (x[1:] - x[:-1] > 0.5 * (hi - lo))
    idx = np.flatnonzero(cut) + 1
    if not idx.size:
        return x, ys
    return np.insert(x, idx, np.nan), [np.insert(y, idx, np.nan) if y.shape == x.shape else y for y in ys]


#: legend labels of the shipped published curves (``kaonportal.published``): experiment and journal
#: reference, from each curve file's own ``source`` header line; how the curve was obtained in brackets
_CITATIONS = {
    "NA62_2020_Kp_to_eN_Ue4sq_90CL_HEPData": "NA62, PLB 807 (2020) 135599",
    "NA62_2021_Kp_to_muN_Umu4sq_90CL_HEPData": "NA62, PLB 816 (2021) 136259",
    "NA62_2025_pip_to_eN_Ue4sq_90CL_digitized": "NA62, PLB 872 (2026) 140119 (digitised)",
    "E949_2015_Kp_to_muN_Umu4sq_90CL_digitized": "BNL E949, PRD 91 (2015) 052001 (digitised)",
    "PIENU_2018_pip_to_eN_Ue4sq_90CL_HEPData": "PIENU, PRD 97 (2018) 072012",
    "PIENU_2019_pip_to_muN_Umu4sq_90CL_HEPData_t1": r"PIENU, PLB 798 (2019) 134980 ($T_\mu < 1.2$ MeV)",
    "PIENU_2019_pip_to_muN_Umu4sq_90CL_HEPData_t2": r"PIENU, PLB 798 (2019) 134980 ($T_\mu > 1.2$ MeV)",
    "T2K_2019_Ue4sq_90CL_marginalized_digitized": "T2K, PRD 100 (2019) 052006 (digitised)",
    "T2K_2019_Ue4sq_90CL_profiled_by_HNLimits": "T2K data, PRD 100 (2019) 052006 (profiled by HNLimits)",
    "T2K_2019_Umu4sq_90CL_profiled_by_HNLimits": "T2K data, PRD 100 (2019) 052006 (profiled by HNLimits)",
    "NA62_2025_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca": "NA62, JHEP 11 (2025) 143 (ALPaca re-grid)",
    "NA62_2019_pi0_to_gammaAprime_eps_UL90_DarkCast_digitized": "NA62, JHEP 05 (2019) 182, Fig. 7 (DarkCast digitisation)",
    "E949_2009_Kp_to_piX_BR_UL90_vs_mass_lifetime_ALPaca": "BNL E949, PRD 79 (2009) 092004 (ALPaca)",
    "NA62_2020_pi0region_Kp_to_piX_BR_UL90_vs_mass_lifetime_ALPaca": "NA62, JHEP 02 (2021) 201 (ALPaca)",
    "NA62_Run1_Kp_to_piX_invisible_BR_UL90_vs_mass_lifetime_ALPaca": "NA62 Run 1 (ALPaca; JHEP 02 (2021) 201)",
    "NA62_Kp_to_piX_X_to_mumu_BR_UL90_vs_mass_lifetime_ALPaca": "NA62, JHEP 11 (2025) 143 (ALPaca)",
    "NA62_Kp_to_pia_a_to_gg_BR_UL90_vs_mass_lifetime_ALPaca": "NA62, JHEP 11 (2025) 143 (ALPaca)",
}


def published_label(name: str, note: str = "") -> str:
    """Legend label of a shipped published curve: its citation (not its file name), plus ``note``.

    >>> published_label("NA62_2021_Kp_to_muN_Umu4sq_90CL_HEPData")
    'NA62, PLB 816 (2021) 136259'
    """
    text = _CITATIONS.get(name)
    if text is None:                       # a curve added later: the first words of its source line
        from ..published import load_curve
        text = load_curve(name).source.removeprefix("source:").strip().split(";")[0][:60]
    return f"{text}, {note}" if note else text


def latex_text(text: str) -> str:
    """Free text with the decays in it (``A -> b c``) and ``tau`` set in mathtext; text that already
    holds mathtext (a ``$``) is returned unchanged.

    >>> print(latex_text("pi0 -> gamma A': expected, tau = 1 ns"))
    $\\pi^0 \\to \\gamma A'$: expected, $\\tau$ = 1 ns
    """
    import re
    if "$" in text:
        return text
    tok = "(?:" + "|".join(re.escape(t) for t in sorted(_TOKENS, key=len, reverse=True) if t != "->") + ")"
    text = re.sub(rf"(?<![\w'+\-])({tok} -> {tok}(?: {tok})*)(?![\w'])", lambda m: decay_label(m.group(1)), text)
    return re.sub(r"(?<![\w\\])tau(?!\w)", r"$\\tau$", text)
