"""Turn a branching-ratio limit curve into a coupling limit for a portal model.

The experiment constrains the *signal* branching ratio, BR(K+ -> pi+ X) times whatever the search
requires of X. For a model with coupling C the signal is

    S(m, C) = BR_prod(m, C) * F(m, C)

and C is excluded where S(m, C) > BR_UL(m [, tau]). Cases for F ([FORESEE:2021code]; [S002],
"expected events, kaon mode"):

- **curve with a lifetime column** (``*_vs_mass_lifetime_*`` files, limits recast versus the proper
  lifetime of X): the lifetime dependence of the limit *already contains* the probability that X
  decays (or does not decay) inside the detector, so no decay probability is multiplied in again.
  BR_UL is interpolated (linearly in log BR versus log tau) at the model's total lifetime tau(m, C).
  Visible searches: F = BR(X -> final state), compared with BR_UL(m, tau).
  Invisible searches: a model may also decay invisibly (BC2: A' -> chi chibar; HNL: N -> 3 nu), and
  only visible decays inside the detector spoil the signature, so F = BR_inv + BR_vis P_surv(tau) with
  the survival probability read off the table itself, P_surv(tau) = BR_UL(m, tau_max)/BR_UL(m, tau)
  (the longest-lifetime row, 10 ns in the shipped files, is taken as the stable-X limit), and S is
  compared with BR_UL(m, tau_max). For a fully visible X this is exactly S = BR_prod vs BR_UL(m, tau).
  Outside the lifetime grid: above it P_surv = 1; below it P_surv = 0 (invisible) or, for visible
  searches, BR_UL is interpolated linearly in tau between the prompt row (tau = 0) and the first grid
  row (no limit above the grid or without a prompt row).
- **curve without a lifetime column** (a limit for a stable or prompt X): F is computed here with
  :mod:`kaonportal.kinematics`: invisible searches F = BR_inv + BR_vis P(no decay within
  ``detector_length_m``); visible searches F = BR(X -> f) P(decay between z1 and z2) (or just
  BR(X -> f) when no decay region is given: prompt search).
  The X momentum is a single representative value: by default the mean lab momentum of X produced in the
  two-body decay of a ``parent_momentum_gev`` = 75 GeV/c K+ (the NA62 beam, [JINST17]),
  p = sqrt((gamma_K E*)^2 - m^2) with E* the X energy in the K+ rest frame (the boost term averages to
  zero for an isotropic decay). Default ``detector_length_m`` = 112 m: from the middle of the 105-165 m
  fiducial volume (135 m) to MUV3 (246.8 m), [GA].

The coupling is scanned on a logarithmic grid (12 points per decade) and every crossing of
S = BR_UL is refined by bisection in log C, vectorised over masses. Exclusions can be islands
(large couplings make X decay inside the detector), so each mass gets ``coupling_low`` (lower edge)
and ``coupling_high`` (upper edge; ``inf`` if the exclusion reaches the top of the scan, NaN where
nothing is excluded); ``coupling_low`` equals the bottom of the scan if the exclusion reaches it.
Curve masses outside the model's valid range are dropped (counted in the notes).

>>> import numpy as np
>>> from kaonportal.models import get_model
>>> res = coupling_limit(get_model("dark-scalar"), [0.1], [1e-10], final_state="invisible")
>>> f"{res.coupling_low[0]:.2e}"
'7.14e-08'
"""

from __future__ import annotations

__all__ = ["Curve", "CouplingLimit", "read_curve", "coupling_limit", "convert_curve",
           "representative_momentum", "DEFAULT_DETECTOR_LENGTH_M", "DEFAULT_PARENT_MOMENTUM_GEV",
           "write_limit_csv"]

from dataclasses import dataclass, field

import numpy as np

from ..constants import HBAR_GEV_S, HBARC_GEV_M, mass as particle_mass
from ..errors import InputError, check_range
from ..kinematics import decay_probability, reach_probability
from .base import PortalModel
from .curve_io import (Curve, auto_final_state, auto_production, decay_kwargs, parse_decay, read_curve,
                       write_limit_csv)

DEFAULT_PARENT_MOMENTUM_GEV = 75.0     # NA62 K+ beam ([JINST17; CEDARH], "secondary beam central momentum")
DEFAULT_DETECTOR_LENGTH_M = 112.0      # 135 m (FV centre) -> 246.8 m (MUV3), [GA]


@dataclass
class CouplingLimit:
    """Excluded coupling band per mass: ``coupling_low`` <= C <= ``coupling_high``."""

    mass_gev: np.ndarray
    coupling_low: np.ndarray
    coupling_high: np.ndarray
    coupling_name: str
    notes: dict = field(default_factory=dict)


def _two_body_parent_and_sibling(channel: str) -> tuple[float, float]:
    lhs, rhs = (p.strip() for p in channel.split("->"))
    others = rhs.split()[:-1] if len(rhs.split()) > 1 else []
    sibling = particle_mass(others[0]) if len(others) == 1 else 0.0
    return particle_mass(lhs), sibling


def representative_momentum(m_x, channel: str = "K+ -> pi+ X",
                            parent_momentum_gev: float = DEFAULT_PARENT_MOMENTUM_GEV):
    """Mean lab momentum (GeV/c) of X from a two-body decay ``channel`` of a parent of given momentum.

    p = sqrt((gamma E*)^2 - m^2), E* = (M^2 + m^2 - m_sibling^2)/(2M), gamma = E_parent/M.

    >>> round(float(representative_momentum(0.0)), 1)
    34.5
    """
    m_x = np.asarray(m_x, dtype=float)
    big_m, m_sib = _two_body_parent_and_sibling(channel)
    e_star = (big_m**2 + m_x**2 - m_sib**2) / (2.0 * big_m)
    gamma = np.hypot(parent_momentum_gev, big_m) / big_m
    return np.sqrt(np.clip((gamma * e_star) ** 2 - m_x**2, 1e-30, None))


def _final_state_channels(model: PortalModel, final_state) -> list[str] | None:
    """Decay keys of the model selected by ``final_state`` (None = invisible search)."""
    if final_state in (None, "invisible"):
        return None
    keys = model.decay_channels()
    if final_state == "visible":
        return [k for k in keys if k not in model.invisible_channels]
    wanted = [final_state] if isinstance(final_state, str) else list(final_state)
    chosen = []
    for w in wanted:
        fs = w.split("->")[-1].split()
        hit = [k for k in keys if sorted(k.split("->")[-1].split()) == sorted(fs)]
        if not hit:
            finals = sorted({k.split("->")[-1].strip() for k in keys})
            raise InputError("final_state", f"{w!r} is not a decay of {model.name}; known: "
                                            f"invisible, visible, {', '.join(finals)}")
        chosen += hit
    return chosen


class _TauTable:
    """BR_UL(m, tau) interpolation on a (mass x lifetime) grid; see the module docstring."""

    def __init__(self, mass_gev, tau_s, br_ul, invisible: bool):
        taus = np.unique(tau_s)
        self.masses = np.unique(mass_gev)
        grid = np.full((len(taus), len(self.masses)), np.nan)
        for i, t in enumerate(taus):
            sel = tau_s == t
            order = np.argsort(mass_gev[sel])
            mm, bb = mass_gev[sel][order], br_ul[sel][order]
            with np.errstate(divide="ignore", invalid="ignore"):
                grid[i] = np.interp(self.masses, mm, np.log(bb), left=np.nan, right=np.nan)
        self.prompt = grid[taus == 0][0] if np.any(taus == 0) else None
        self.taus = taus[taus > 0]
        self.log_grid = grid[taus > 0]
        self.invisible = invisible

    def at_masses(self, m):
        """Per-mass rows: (prompt (n,), log BR (n, ntau)) interpolated in mass."""
        rows = np.array([np.interp(m, self.masses, r, left=np.nan, right=np.nan) for r in self.log_grid]).T
        prompt = None if self.prompt is None else np.interp(m, self.masses, self.prompt, left=np.nan, right=np.nan)
        return prompt, rows

    def log_limit(self, prompt, rows, tau):
        """log BR_UL at lifetimes ``tau`` (n, k) for per-mass rows (n, ntau)."""
        lt = np.log(self.taus)
        x = np.log(np.clip(tau, 1e-300, None))
        idx = np.clip(np.searchsorted(lt, x) - 1, 0, len(lt) - 2)
        x0, x1 = lt[idx], lt[idx + 1]
        r = np.arange(rows.shape[0])[:, None]
        y0, y1 = rows[r, idx], rows[r, idx + 1]
        w = (x - x0) / (x1 - x0)
        val = y0 + w * (y1 - y0)
        below, above = tau < self.taus[0], tau > self.taus[-1]
        if self.invisible:
            val = np.where(above, rows[:, -1][:, None], val)
            val = np.where(below, np.nan, val)
        else:
            val = np.where(above, np.nan, val)
            if prompt is not None:
                # linear in tau between the prompt row and the first grid row (in BR, not log)
                f = np.clip(tau / self.taus[0], 0.0, 1.0)
                with np.errstate(invalid="ignore"):
                    lin = np.log((1 - f) * np.exp(prompt)[:, None] + f * np.exp(rows[:, 0])[:, None])
                val = np.where(below, lin, val)
            else:
                val = np.where(below, np.nan, val)
        return val


def coupling_limit(model: PortalModel, mass_gev, br_ul, *, tau_s=None, production: str | None = None,
                   final_state="invisible", momentum_gev=None,
                   parent_momentum_gev: float = DEFAULT_PARENT_MOMENTUM_GEV,
                   detector_length_m: float = DEFAULT_DETECTOR_LENGTH_M,
                   decay_region_m: tuple[float, float] | None = None,
                   coupling_scan: tuple[float, float] | None = None,
                   points_per_decade: int = 12, invisible_prompt: bool = False) -> CouplingLimit:
    """Coupling limit from a BR limit (see the module docstring for the signal definition).

    Parameters
    ----------
    model : the portal model (:func:`kaonportal.models.get_model`).
    mass_gev, br_ul : the limit curve; with ``tau_s`` (same length, seconds; 0 = prompt) it is a
        (mass, lifetime) table, evaluated at the output masses = the distinct input masses.
    production : production channel key of ``model.production_br`` (default: the model's kaon channel).
    final_state : ``"invisible"``, ``"visible"``, a decay final state (``"mu+ mu-"``) or a list of them.
    momentum_gev : X momentum (GeV/c) for curves without lifetime; default :func:`representative_momentum`.
    detector_length_m : flight length X must survive (invisible, no-lifetime curves).
    decay_region_m : (z1, z2) flight distances for visible searches without lifetime (default: prompt, F = BR).
    invisible_prompt : invisible search with a prompt X (no lifetime column): F = BR_inv, no survival term.
    coupling_scan : (low, high) scan range of the coupling (default ``model.coupling_scan``).
    """
    mass_gev = np.asarray(mass_gev, dtype=float).ravel()
    br_ul = np.asarray(br_ul, dtype=float).ravel()
    if mass_gev.shape != br_ul.shape:
        raise InputError("br_ul", "must have the same length as mass_gev")
    check_range("detector_length_m", detector_length_m, 0.0, None)
    check_range("parent_momentum_gev", parent_momentum_gev, 0.0, None, low_inclusive=False)
    production = production or model.kaon_channel
    keys = model.production_channels()
    if not production:
        raise InputError("production", f"{model.name} has no default kaon channel; pass one of: "
                                       f"{', '.join(keys) or 'none (no production channel)'}")
    if production not in keys:
        raise InputError("production", f"{production!r} is not a production channel of {model.name}; "
                                       f"known: {', '.join(keys)}")
    lo, hi = coupling_scan or model.coupling_scan
    check_range("coupling_scan", [lo, hi], 0.0, None, low_inclusive=False)
    channels = _final_state_channels(model, final_state)
    invisible = channels is None

    # output masses: distinct masses inside the model range and kinematically open
    if tau_s is not None:
        tau_s = np.asarray(tau_s, dtype=float).ravel()
        if tau_s.shape != mass_gev.shape:
            raise InputError("tau_s", "must have the same length as mass_gev")
        check_range("tau_s", tau_s, 0.0, None)
        if np.unique(tau_s[tau_s > 0]).size < 2:
            raise InputError("tau_s", "a lifetime table needs at least two distinct non-zero lifetimes")
        table = _TauTable(mass_gev, tau_s, br_ul, invisible)
        out_m = table.masses
    else:
        order = np.argsort(mass_gev)
        out_m, br_ul = mass_gev[order], br_ul[order]
        table = None
    keep = (out_m >= model.mass_range[0]) & (out_m <= model.mass_range[1])
    if not np.any(keep):
        raise InputError("mass", f"no curve mass inside the valid range [{model.mass_range[0]:.3g}, "
                                 f"{model.mass_range[1]:.3g}] GeV of {model.name}")
    n_dropped = int(np.sum(~keep))
    out_m = out_m[keep]
    if table is None:
        br_ul = br_ul[keep]

    n_dec = np.log10(hi) - np.log10(lo)
    logc = np.linspace(np.log10(lo), np.log10(hi), int(round(n_dec * points_per_decade)) + 1)
    if momentum_gev is None:
        p = representative_momentum(out_m, production, parent_momentum_gev) \
            if production.startswith("K+") else np.full(out_m.shape, parent_momentum_gev)
    else:
        check_range("momentum_gev", momentum_gev, 0.0, None, low_inclusive=False)
        p = np.broadcast_to(np.asarray(momentum_gev, dtype=float), out_m.shape)
    # widths and production BR scale as C**coupling_power for most benchmarks: evaluate them once at C = 1
    scaled = model.width_scales_as_coupling and production not in model.unscaled_production
    if scaled:
        unit_widths = model.partial_widths(out_m, 1.0)
        unit_prod = model.production_br(out_m, 1.0)[production]
    prompt = rows = None
    if table is not None:
        prompt, rows = table.at_masses(out_m)

    def excess(log_c, idx):
        """log S - log BR_UL at couplings 10**log_c (k, j) for mass rows ``idx`` (k,); -inf where no limit."""
        m2 = out_m[idx][:, None] * np.ones_like(log_c)
        c = 10.0**log_c
        if scaled:
            fac = c**model.coupling_power
            prod = unit_prod[idx][:, None] * fac
            widths = {k: v[idx][:, None] * fac for k, v in unit_widths.items()}
        else:
            prod = model.production_br(m2, c)[production]
            widths = model.partial_widths(m2, c)
        tot = np.sum(np.stack(list(widths.values())), axis=0)
        safe_tot = np.where(tot > 0, tot, 1.0)
        if invisible:
            inv_parts = [v for k, v in widths.items() if k in model.invisible_channels]
            br_inv = (np.sum(np.stack(inv_parts), axis=0) if inv_parts else np.zeros_like(tot)) / safe_tot
            br_inv = np.where(tot > 0, br_inv, 1.0)     # no open channel: X is stable
        else:
            frac = np.sum(np.stack([widths[k] for k in channels]), axis=0) / safe_tot
        tau = np.where(tot > 0, HBAR_GEV_S / safe_tot, np.inf)
        if table is not None:
            log_ul = table.log_limit(None if prompt is None else prompt[idx], rows[idx], tau)
            if invisible:
                log_stable = rows[idx][:, -1][:, None] * np.ones_like(log_c)
                with np.errstate(invalid="ignore"):
                    surv = np.exp(log_stable - log_ul)
                surv = np.where(np.isfinite(surv), np.clip(surv, 0.0, 1.0), 0.0)
                surv = np.where(tau > table.taus[-1], 1.0, surv)
                frac = br_inv + (1.0 - br_inv) * surv
                log_ul = log_stable
        else:
            log_ul = np.log(br_ul[idx])[:, None] * np.ones_like(log_c)
            ctau = np.where(tot > 0, HBARC_GEV_M / safe_tot, np.inf)
            if invisible:
                surv = 0.0 if invisible_prompt else reach_probability(p[idx][:, None], m2, ctau, detector_length_m)
                frac = br_inv + (1.0 - br_inv) * surv
            elif decay_region_m is not None:
                frac = frac * decay_probability(p[idx][:, None], m2, ctau, *decay_region_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            val = np.log(prod * frac) - log_ul
        return np.where(np.isfinite(val), val, -np.inf)

    n = len(out_m)
    rows_ = np.arange(n)
    g = excess(np.broadcast_to(logc, (n, len(logc))), rows_)
    excl = g > 0
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    has = excl.any(axis=1)
    first = np.argmax(excl, axis=1)
    # end of the first excluded island: first non-excluded point after `first`
    after = ~excl & (np.arange(len(logc))[None, :] > first[:, None])
    has_end = after.any(axis=1)
    end = np.argmax(after, axis=1)

    def bisect(idx, a, b, rising: bool):
        """Refine the crossing between log C = a (outside/inside) and b, for rows idx."""
        a, b = a.astype(float).copy(), b.astype(float).copy()
        for _ in range(40):
            mid = 0.5 * (a + b)
            inside = excess(mid[:, None], idx)[:, 0] > 0
            to_b = inside if rising else ~inside
            b = np.where(to_b, mid, b)
            a = np.where(to_b, a, mid)
        return 0.5 * (a + b)

    i = rows_[has & (first > 0)]
    if i.size:
        low[i] = 10.0 ** bisect(i, logc[first[i] - 1], logc[first[i]], True)
    low[has & (first == 0)] = 10.0 ** logc[0]
    i = rows_[has & has_end]
    if i.size:
        high[i] = 10.0 ** bisect(i, logc[end[i] - 1], logc[end[i]], False)
    high[has & ~has_end] = np.inf
    notes = {"production": production, "final_state": "invisible" if invisible else channels,
             "lifetime_dependent_limit": table is not None,
             "coupling_scan": [lo, hi]}
    if n_dropped:
        notes["masses_dropped_outside_valid_range"] = n_dropped
    if table is None:
        if momentum_gev is not None:
            notes["x_momentum_gev"] = momentum_gev
        elif production.startswith("K+"):
            notes["x_momentum_gev"] = f"mean of the two-body decay of a {parent_momentum_gev:g} GeV/c K+"
        else:
            notes["x_momentum_gev"] = f"{parent_momentum_gev:g} (parent momentum used for X)"
        if invisible:
            notes["detector_length_m"] = detector_length_m
        elif decay_region_m is not None:
            notes["decay_region_m"] = list(decay_region_m)
    return CouplingLimit(out_m, low, high, model.coupling_name, notes)


def convert_curve(path, model: PortalModel, final_state: str | None = None, production: str | None = None,
                  decay=None, column: str | None = None, **kw) -> CouplingLimit:
    """:func:`coupling_limit` for a curve file. ``final_state`` is guessed from the header when None
    (``X -> mu+ mu-`` / ``a -> gamma gamma`` / otherwise invisible); ``production`` defaults to
    ``K+ -> pi+ <X>`` for K+ -> pi+ X curves (an error if the model has no such channel). ``column``
    names the limit column (default: see :func:`read_curve`). A curve without a lifetime column needs
    ``decay`` = ``"prompt"``, ``"stable"`` or ``(z1, z2)`` (:func:`parse_decay` reads the text form),
    unless a kaonportal header states prompt or stable; ``decay_region_m=(z1, z2)`` is the old spelling
    of ``decay=(z1, z2)``."""
    curve = read_curve(path, column)
    if curve.kind != "br":
        if column is not None:
            raise InputError("column", f"{path}: column {column!r} is not a branching-ratio limit (the name of "
                                       "one starts with BR)")
        raise InputError("curve", f"{path}: column {curve.value_column!r} is already a coupling limit, "
                                  "not a branching-ratio limit")
    if isinstance(decay, str):
        decay = parse_decay(decay)
    region = kw.pop("decay_region_m", None)
    if region is not None:
        if decay is not None:
            raise InputError("decay", "give either decay or decay_region_m, not both")
        decay = tuple(region)
    fs = final_state or auto_final_state(curve)
    production = production or auto_production(curve, model)
    extra, decay_note = decay_kwargs(curve, decay, fs == "invisible",
                                     kw.get("detector_length_m", DEFAULT_DETECTOR_LENGTH_M))
    res = coupling_limit(model, curve.mass_gev, curve.limit, tau_s=curve.tau_s, final_state=fs,
                         production=production, **kw, **extra)
    res.notes["input"] = str(path)
    res.notes["limit_column"] = curve.value_column
    res.notes["decay"] = decay_note
    res.notes["input_header"] = curve.header
    return res
