"""Standard-Model prediction of BR(K+ -> pi+ nu nubar) and the Grossman-Nir bound.

Two evaluations, both from A. J. Buras, D. Buttazzo, J. Girrbach-Noe, R. Knegjens (BBGK),
"K+ -> pi+ nu nubar and K_L -> pi0 nu nubar in the Standard Model: status and perspectives",
JHEP 11 (2015) 033, arXiv:1503.02693:

* ``"parametric"`` -- their parametric formula in |V_cb| and gamma (BBGK Sec. 3, "parametric
  expressions"; equation number not re-checked against the journal version)::

      BR = (8.39 +- 0.30) 1e-11 * (|V_cb| / 40.7e-3)^2.8 * (gamma / 73.2 deg)^0.74

  where the 0.30 collects every non-CKM uncertainty. With BBGK's tree-level inputs
  |V_cb| = (40.7 +- 1.4)e-3, gamma = (73.2 +6.3 -7.0) deg this gives the (8.4 +- 1.0)e-11 that
  NA62 uses ([Buras:2015qea]).
* ``"full"`` -- the master formula (BBGK eq. (1)/(2.1))::

      BR = kappa_+ (1 + Delta_EM) [ (Im(lambda_t) X_t / lambda^5)^2
                                    + (Re(lambda_c) P_c / lambda + Re(lambda_t) X_t / lambda^5)^2 ]

  with kappa_+ = (5.173 +- 0.025)e-11 (lambda/0.225)^8, Delta_EM = -0.003, X_t = 1.481 +- 0.009,
  P_c = 0.404 +- 0.024 (short distance + delta P_{c,u}; BBGK Sec. 2), lambda_i = V_is^* V_id from
  the standard CKM parametrisation (PDG) with s12 = lambda, s13 = |V_ub|, s23 = |V_cb|/c13,
  delta = gamma (equal to better than 0.1 deg).

Uncertainties are propagated linearly (numerical derivatives) with symmetric input errors
(an asymmetric input error is symmetrised as the mean of its two sides), or by Monte Carlo with
an explicit seed.

Grossman-Nir bound (Y. Grossman, Y. Nir, PLB 398 (1997) 163, isospin):
BR(K_L -> pi0 nu nubar) <= r * BR(K+ -> pi+ nu nubar), r = kappa_L / (kappa_+ (1 + Delta_EM)) = 4.3,
i.e. the lifetime ratio tau_L/tau_+ times isospin-breaking corrections, as encoded in BBGK's
kappa_L = (2.231 +- 0.013)e-10 (lambda/0.225)^8 and kappa_+.

>>> r = sm_prediction()
>>> round(r.value * 1e11, 2), round(r.error * 1e11, 1)
(8.39, 1.0)
>>> round(sm_prediction(method="full").value * 1e11, 1)
8.4
>>> round(GROSSMAN_NIR_FACTOR, 2)
4.33
"""

from __future__ import annotations

__all__ = ["SMInputs", "SMPrediction", "sm_prediction", "grossman_nir_bound", "tension_sigma",
           "GROSSMAN_NIR_FACTOR", "SM_REFERENCE"]

import math
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InputError, check_choice, check_range

# BBGK (arXiv:1503.02693) numerical inputs; see the module docstring.
_KAPPA_PLUS = 5.173e-11          # kappa_+ at lambda = 0.225
_KAPPA_PLUS_ERR = 0.025e-11
_KAPPA_L = 2.231e-10             # kappa_L at lambda = 0.225
_DELTA_EM = -0.003
_PARAM_NORM = 8.39e-11           # parametric formula normalisation
_PARAM_NORM_ERR = 0.30e-11
_PARAM_VCB_REF, _PARAM_VCB_EXP = 40.7e-3, 2.8
_PARAM_GAMMA_REF, _PARAM_GAMMA_EXP = 73.2, 0.74

GROSSMAN_NIR_FACTOR = _KAPPA_L / (_KAPPA_PLUS * (1.0 + _DELTA_EM))
"""kappa_L / (kappa_+ (1 + Delta_EM)) = 4.33; Grossman & Nir, PLB 398 (1997) 163 quote 4.4 with older inputs."""

SM_REFERENCE = {"value": 8.4e-11, "error": 1.0e-11,
                "source": "Buras et al., JHEP 11 (2015) 033, as used by NA62 [Buras:2015qea]"}


class SMInputs(BaseModel):
    """CKM and hadronic inputs (value, symmetric 1-sigma error). Defaults: BBGK 2015 Sec. 3."""

    model_config = ConfigDict(extra="forbid")
    v_cb: tuple[float, float] = Field((40.7e-3, 1.4e-3), description="|V_cb|, BBGK average of incl./excl.")
    v_ub: tuple[float, float] = Field((3.88e-3, 0.29e-3), description="|V_ub|, BBGK average")
    gamma_deg: tuple[float, float] = Field((73.2, 6.65), description="CKM angle gamma in degrees (+6.3 -7.0 symmetrised)")
    lambda_: tuple[float, float] = Field((0.2252, 0.0009), alias="lambda", description="|V_us| (Wolfenstein lambda)")
    x_t: tuple[float, float] = Field((1.481, 0.0094), description="X_t: 1.481 +- 0.005(th) +- 0.008(exp), BBGK")
    p_c: tuple[float, float] = Field((0.404, 0.024), description="P_c(X) incl. delta P_{c,u}, BBGK")


@dataclass(frozen=True)
class SMPrediction:
    """SM branching ratio with its 1-sigma uncertainty and the error budget by input."""

    value: float
    error: float
    method: str
    budget: dict[str, float] = field(default_factory=dict)
    reference: str = "Buras, Buttazzo, Girrbach-Noe, Knegjens, JHEP 11 (2015) 033"

    def as_dict(self) -> dict:
        return {"value": self.value, "error": self.error, "method": self.method,
                "error_budget": dict(self.budget), "reference": self.reference}


def _ckm_lambdas(lam, vub, vcb, gamma_deg):
    """lambda_c = V_cs^* V_cd and lambda_t = V_ts^* V_td in the standard (PDG) parametrisation."""
    s12, s13 = lam, vub
    c12, c13 = np.sqrt(1 - s12**2), np.sqrt(1 - s13**2)
    s23 = vcb / c13
    c23 = np.sqrt(1 - s23**2)
    e = np.exp(1j * np.radians(gamma_deg))
    v_cd = -s12 * c23 - c12 * s23 * s13 * e
    v_cs = c12 * c23 - s12 * s23 * s13 * e
    v_td = s12 * s23 - c12 * c23 * s13 * e
    v_ts = -c12 * s23 - s12 * c23 * s13 * e
    return np.conj(v_cs) * v_cd, np.conj(v_ts) * v_td


def _br_full(vcb, vub, gamma, lam, x_t, p_c, kappa_scale=1.0):
    lam_c, lam_t = _ckm_lambdas(lam, vub, vcb, gamma)
    kappa = _KAPPA_PLUS * kappa_scale * (lam / 0.225) ** 8
    return kappa * (1 + _DELTA_EM) * ((lam_t.imag * x_t / lam**5) ** 2
                                      + (lam_c.real * p_c / lam + lam_t.real * x_t / lam**5) ** 2)


def _br_param(vcb, gamma, norm=_PARAM_NORM):
    return norm * (vcb / _PARAM_VCB_REF) ** _PARAM_VCB_EXP * (gamma / _PARAM_GAMMA_REF) ** _PARAM_GAMMA_EXP


def sm_prediction(inputs: SMInputs | dict | None = None, method: str = "parametric",
                  propagation: str = "linear", n_mc: int = 20000, seed: int = 1) -> SMPrediction:
    """SM BR(K+ -> pi+ nu nubar) for the given CKM inputs.

    Parameters
    ----------
    inputs: :class:`SMInputs` (or a dict of overrides, e.g. ``{"v_cb": (0.042, 0.001)}``).
    method: ``"parametric"`` or ``"full"`` (see the module docstring).
    propagation: ``"linear"`` (derivatives) or ``"mc"`` (Gaussian inputs, ``n_mc`` draws, ``seed``).

    >>> round(sm_prediction({"v_cb": (0.0422, 0.0008)}).value * 1e11, 2)
    9.28
    """
    check_choice("method", method, ("parametric", "full"))
    check_choice("propagation", propagation, ("linear", "mc"))
    if inputs is None:
        inputs = SMInputs()
    elif isinstance(inputs, dict):
        inputs = SMInputs.model_validate(inputs)
    vals = {"v_cb": inputs.v_cb, "v_ub": inputs.v_ub, "gamma_deg": inputs.gamma_deg,
            "lambda": inputs.lambda_, "x_t": inputs.x_t, "p_c": inputs.p_c}
    for name, (v, e) in vals.items():
        check_range(f"sm_inputs.{name}", v, 0.0, None, low_inclusive=False)
        check_range(f"sm_inputs.{name}.error", e, 0.0, None)
    check_range("sm_inputs.gamma_deg", inputs.gamma_deg[0], 0.0, 180.0)
    if method == "parametric":
        names = ["v_cb", "gamma_deg", "norm"]
        centre = {"v_cb": inputs.v_cb[0], "gamma_deg": inputs.gamma_deg[0], "norm": _PARAM_NORM}
        sig = {"v_cb": inputs.v_cb[1], "gamma_deg": inputs.gamma_deg[1], "norm": _PARAM_NORM_ERR}

        def f(p):
            return _br_param(p["v_cb"], p["gamma_deg"], p["norm"])
    else:
        names = ["v_cb", "v_ub", "gamma_deg", "lambda", "x_t", "p_c", "kappa"]
        centre = {k: vals[k][0] for k in names if k in vals} | {"kappa": 1.0}
        sig = {k: vals[k][1] for k in names if k in vals} | {"kappa": _KAPPA_PLUS_ERR / _KAPPA_PLUS}

        def f(p):
            return _br_full(p["v_cb"], p["v_ub"], p["gamma_deg"], p["lambda"], p["x_t"], p["p_c"], p["kappa"])
    value = float(f(centre))
    budget = {}
    if propagation == "linear":
        for k in names:
            h = 1e-4 * abs(centre[k]) or 1e-8
            up, dn = dict(centre), dict(centre)
            up[k] += h
            dn[k] -= h
            budget[k] = abs(float(f(up) - f(dn)) / (2 * h)) * sig[k]
        error = math.sqrt(sum(b * b for b in budget.values()))
    else:
        rng = np.random.default_rng(seed)
        draws = {k: rng.normal(centre[k], sig[k], n_mc) for k in names}
        br = np.asarray(f(draws), dtype=float)
        value_mc = float(np.median(br))
        error = float(0.5 * (np.quantile(br, 0.8413) - np.quantile(br, 0.1587)))
        value = value_mc
    return SMPrediction(value=value, error=error, method=f"{method}/{propagation}", budget=budget)


def grossman_nir_bound(br_kplus: float, br_kplus_error_high: float = 0.0) -> dict:
    """Upper bound on BR(K_L -> pi0 nu nubar) implied by a BR(K+ -> pi+ nu nubar) value.

    Returns the bound at the central value and at the central value + 1 sigma (upper side).

    >>> round(grossman_nir_bound(13.0e-11)["bound"] * 1e10, 2)
    5.62
    """
    check_range("br_kplus", br_kplus, 0.0, None)
    return {"factor": GROSSMAN_NIR_FACTOR, "bound": GROSSMAN_NIR_FACTOR * br_kplus,
            "bound_plus1sigma": GROSSMAN_NIR_FACTOR * (br_kplus + br_kplus_error_high),
            "reference": "Grossman & Nir, PLB 398 (1997) 163; factor kappa_L/(kappa_+(1+Delta_EM)) from BBGK 2015"}


def tension_sigma(measured: float, err_low: float, err_high: float, predicted: float, pred_err: float) -> float:
    """Difference between a measurement and a prediction in units of the combined sigma.

    The measurement's error on the side facing the prediction is used (asymmetric errors),
    added in quadrature to the prediction's error.

    >>> round(tension_sigma(13.0e-11, 3.0e-11, 3.3e-11, 8.4e-11, 1.0e-11), 2)
    1.45
    """
    if err_low < 0 or err_high < 0 or pred_err < 0:
        raise InputError("errors", "must be non-negative")
    side = err_low if measured >= predicted else err_high
    denom = math.hypot(side, pred_err)
    if denom == 0:
        raise InputError("errors", "measurement and prediction errors are both zero")
    return (measured - predicted) / denom
