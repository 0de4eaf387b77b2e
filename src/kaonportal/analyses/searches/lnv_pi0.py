"""Lepton-flavour-violating pi0 decays tagged in K+ -> pi+ pi0: the pi0 -> mu- e+ search of NA62
(PRL 127 (2021) 131802, [NA62:2021lnvlfv]; 2017-2018 multi-track data), run by the ``lnv`` section with its
machinery (the same exposure, selection and counting model as the K+ channels, :mod:`.lnv`).

The signal is K+ -> pi+ pi0 followed by pi0 -> l1 l2, i.e. the three-track final state pi+ l1 l2 with
m(l1 l2) = m_pi0. It is generated as ``K+ -> pi+ X`` with X at the pi0 mass decaying promptly and isotropically
to the lepton pair (:data:`kaonportal.decays.newphysics.X_DECAYS`): a two-body decay of the spin-0 pi0 is
isotropic in its rest frame, so these are exactly the kinematics of the cascade. Then

    SES(pi0 -> l1 l2) = 1 / (E f_years A BR(K+ -> pi+ pi0)),

with E the multi-track exposure of :func:`.lnv.exposure` (or N_K x eps_trig in explicit-N_K mode), f_years
the year fraction, A the three-track acceptance of the tagged decay and BR(K+ -> pi+ pi0) from
:data:`kaonportal.constants.BR_K` (the normalisation NA62 uses: the pi0 comes from K+ -> pi+ pi0).
Not modelled (as for the K+ channels): the m(mu e) window around m_pi0 and the other kinematic, PID and trigger
cuts of the paper; background 0 and pseudo-data (the paper's background and observed count are not in the
reference material).

The decays searched for come from ``data/searches/inputs/lnv.yaml`` (key ``pi0_decays``): only
pi0 -> mu- e+ is published (< 3.2e-10 at 90% CL); pi0 -> mu+ e- is computed without comparison (no published
limit in the reference material).
"""

from __future__ import annotations

__all__ = ["Pi0LfvDecay", "default_pi0_decays", "pi0_lfv_limits"]

import math

from pydantic import BaseModel, ConfigDict, Field

from ... import constants
from ...errors import InputError
from ...stats import Dataset, upper_limit
from ..agreement import agreement_of_limit
from .lnv import LnvConfig, channel_acceptance, exposure, search_inputs, year_fraction

TAG_DECAY = "K+ -> pi+ pi0"


class Pi0LfvDecay(BaseModel):
    """One LFV pi0 decay, tagged in K+ -> pi+ pi0, and its published inputs."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    decay: str = Field(pattern=r"^pi0 -> (mu- e\+|mu\+ e-)$")
    published_ul: float | None = None
    reference: str = ""
    years: list[int] = Field(default_factory=lambda: [2017, 2018])
    source: str = ""
    status: str = "D"

    @property
    def x_decay(self) -> str:
        """The lepton pair, as :data:`kaonportal.decays.newphysics.X_DECAYS` names it."""
        return self.decay.split("->")[1].strip()


def default_pi0_decays() -> list[Pi0LfvDecay]:
    """The shipped LFV pi0 decays (``inputs/lnv.yaml``, key ``pi0_decays``)."""
    return [Pi0LfvDecay(**d) for d in search_inputs("lnv").get("pi0_decays", [])]


def _exposure(cfg: LnvConfig, card, seed: int, n_sim: int) -> tuple[float, float, list[int] | None]:
    """(N_K x efficiencies, its relative error, the years it refers to; None: explicit N_K, no year move)."""
    if cfg.n_k is not None:
        return float(cfg.n_k) * cfg.n_k_scale * cfg.eps_trig, 0.0, None
    ex = exposure(cfg, card, seed, n_sim)          # same samples as lnv_limits: served from the sample memo
    return ex["exposure"] * cfg.n_k_scale, ex["exposure_error"] / ex["exposure"], ex["years"]


def pi0_lfv_limits(cfg: LnvConfig, card, seed: int, n_sim: int,
                   decays: list[Pi0LfvDecay] | None = None) -> list[dict]:
    """Per LFV pi0 decay: acceptance of the tagged decay, SES, expected (bands) and observed limits on
    BR(pi0 -> l1 l2), the published limit and the band check; the same keys as the K+ channels of
    :func:`.lnv.lnv_limits`."""
    br_tag = constants.BR_K[TAG_DECAY]
    m_pi0 = constants.mass("pi0")
    e_tot, rel_e, ex_years = _exposure(cfg, card, seed, n_sim)
    out = []
    for d in (default_pi0_decays() if decays is None else decays):
        acc, acc_err = channel_acceptance("K+ -> pi+ X", n_sim, seed, card, cfg.selection,
                                          with_pid=cfg.n_k is not None, mass=m_pi0, x_decay=d.x_decay)
        if acc <= 0:
            raise InputError("n_sim", f"no simulated K+ -> pi+ pi0, {d.decay} event is selected; increase n_sim")
        f = year_fraction(d.years, ex_years, cfg.kaon_decays_per_year) if ex_years else 1.0
        ses = 1.0 / (e_tot * f * acc * br_tag)
        ses_err = ses * math.hypot(acc_err / acc, rel_e)
        # background and observed count of the paper not in the reference: background 0 (D), so the
        # background-only pseudo-data are 0 events
        obs = 0
        lim = upper_limit([Dataset(d.decay, obs, 0.0, ses, ses_error=ses_err)], cl=cfg.cl, method=cfg.method)
        out.append({"decay": d.decay, "tag": TAG_DECAY, "br_tag": br_tag, "acceptance": acc,
                    "acceptance_error": acc_err, "year_fraction": f, "ses": ses, "ses_error": ses_err,
                    "background": 0.0, "background_origin": "not found: 0 (D)", "observed": obs,
                    "observed_origin": "pseudo-data (background only: 0 events)",
                    "observed_limit": lim.upper_limit, "expected_limit": lim.expected,
                    "published_ul": d.published_ul, "reference": d.reference, "years": d.years,
                    **agreement_of_limit(lim.expected["median"], d.published_ul, lim.expected["minus2"],
                                         lim.expected["plus2"],
                                         "exposure calibrated on the K+ -> pi+ mu+ mu- yield; the paper's m(mu e) "
                                         "window, PID, trigger, background and observed count not modelled")})
    return out
