"""Expected signal events on a (mass, coupling) grid:

    N(m, g) = N_POT * sum_mechanisms chi(m, g) * sum_channels <P_decay A_acc>(m, g) * BR(X -> f)(m, g) * A_trig * eff_f

([FIPhad] NA62 EPJC 85 (2025) 571 via [S002]: N_exp = N_POT chi P_rd A_acc A_trig; eff_f the per-channel trigger and
selection efficiency of :mod:`.efficiencies`, 1 where NA62's number is a gap).

Method: for each mass, one weighted Monte Carlo sample of X per production mechanism
(:mod:`.mechanisms`) is decayed into each final state and taken through the detector
(:mod:`.detection`). The coupling only changes the lifetime (through ``model.ctau_m``) and the model
factors (production BR or coupling^2, decay BR), so every coupling of a mass column reuses the same
sample with the analytic decay-density weights of :func:`.detection.decay_weights`: a 100 x 100 grid costs
100 samples, not 10^4. The yield is linear in N_POT; :class:`YieldGrid` stores it per POT.

Monte Carlo uncertainty: sqrt(sum over X events of the squared per-event weight, summed over channels) per cell
and mechanism, added in quadrature over mechanisms (independent samples); the model factors are exact.
Reproducibility: mass column i, mechanism j draw from ``kaonportal.backend.block_rng(seed, i, stream=j)``.
"""

from __future__ import annotations

__all__ = ["YieldGrid", "expected_events", "resolve_model", "model_channels", "check_channels", "MECHANISM_GROUPS",
           "mechanism_jobs", "draw_sample", "check_n_per_mass", "N_PER_MASS_MAX", "channel_threshold",
           "check_channels_open", "primakoff_coupling2"]

import time
from dataclasses import dataclass, field

import numpy as np

from ..backend import block_rng, default_workers
from ..distributed import ordered_map
from ..errors import InputError, check_range
from .cell_sums import SampleSums
from .detection import Detection, detect
from .efficiencies import channel_efficiency
# the final-state and production-mechanism helpers live in their own modules; re-exported here (public names)
from .final_states import (channel_threshold, check_channels, check_channels_open, model_channels,  # noqa: F401
                           resolve_model)
from .mechanisms import MECHANISM_GROUPS, draw_sample, mechanism_jobs, primakoff_coupling2  # noqa: F401
from .mesons import check_a_scaling
from .production import XSample
from .setup import BeamDumpSetup


#: at most 1e7 X per mechanism and mass (~2 GB of arrays; the default is 1e4-1e5)
N_PER_MASS_MAX = 10**7


def check_n_per_mass(n_per_mass) -> int:
    """``n_per_mass`` as an int in [1, 1e7] (X per mechanism and mass), else an InputError naming it.

    One check for the grid, the ``--explain`` budget and :func:`.analysis.run_beamdump` (before any simulation:
    1e12 X per mass would exhaust the memory).
    """
    if (isinstance(n_per_mass, bool) or not isinstance(n_per_mass, (int, np.integer))
            or not 1 <= n_per_mass <= N_PER_MASS_MAX):
        raise InputError("n_per_mass", f"must be an integer in [1, 1e7] X per mechanism and mass, got {n_per_mass!r}")
    return int(n_per_mass)


def _check_axis(field_name: str, values, low=None, high=None, unit="") -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, float))
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(field_name, "the grid is empty: give at least one value")
    check_range(field_name, arr, low, high, low_inclusive=False, unit=unit)
    if np.any(np.diff(arr) <= 0):
        raise InputError(field_name, "values must be strictly increasing")
    return arr


@dataclass
class YieldGrid:
    """Expected events per proton on target on a (mass, coupling) grid (arrays shaped (n_mass, n_coupling))."""
    model: str
    coupling_name: str
    masses: np.ndarray
    couplings: np.ndarray
    per_pot: np.ndarray
    mc_var_per_pot2: np.ndarray
    by_channel: dict = field(default_factory=dict)
    by_mechanism: dict = field(default_factory=dict)
    channels: tuple = ()
    n_simulated: int = 0
    seed: int = 0
    elapsed_s: float = 0.0
    setup: BeamDumpSetup | None = None
    card: str = ""
    skipped_mechanisms: tuple = ()
    #: channel -> (n_mass,) half-width n sigma_m (GeV) of the signal's invariant-mass window at each mass: the
    #: widest over the production mechanisms' samples that estimated sigma_m (the union of their windows; a sample
    #: with too few selected events for it has no cut and is left out), inf where none did or the window is off,
    #: 0 where the channel selected no signal (:attr:`.detection.Detection.mass_halfwidth`)
    mass_window_halfwidth: dict = field(default_factory=dict)

    def events(self, pot: float) -> np.ndarray:
        """Expected signal events for ``pot`` protons on target (linear in POT)."""
        check_range("pot", pot, 0.0, None)
        return self.per_pot * float(pot)

    def mc_error(self, pot: float) -> np.ndarray:
        """Monte Carlo statistical uncertainty (1 sigma) of :meth:`events`."""
        check_range("pot", pot, 0.0, None)
        return np.sqrt(self.mc_var_per_pot2) * float(pot)


def expected_events(model, masses, couplings, channels=("ee", "mumu"), *, card="na62-2022",
                    setup: BeamDumpSetup | None = None, n_per_mass: int = 5000, seed: int = 1,
                    mechanisms=MECHANISM_GROUPS, a_scaling: str | float = "alpha", brems_pt_max: float = 1.0,
                    momentum_bias: float = 1.0, progress=None) -> YieldGrid:
    """Expected events per POT on the grid ``masses`` (GeV) x ``couplings`` (the model's variable).

    ``mechanisms``: subset of ``("meson", "brems", "primakoff")`` or explicit production keys
    (``"eta -> gamma A'"``). Bremsstrahlung applies to the visible dark photon (coupling epsilon),
    Primakoff to the ALPs (BC9 g_agg; BC10/BC11 through their a -> gamma gamma width,
    :func:`primakoff_coupling2`); meson decays to every model through
    ``model.production_br``.
    ``n_per_mass``: X events simulated per mechanism and mass. ``momentum_bias``: parent mesons are drawn
    with an extra weight p^bias and reweighted (unbiased; more fast X for the short-lifetime edge of the
    contour, where few slow ones survive). ``progress(i, n)`` is called per mass.

    >>> from kaonportal.beamdump.yields import expected_events
    >>> g = expected_events("dark-photon", [0.3], [1e-6], ["mumu"], n_per_mass=500,
    ...                     mechanisms=["brems"])
    >>> g.per_pot.shape, bool(g.per_pot[0, 0] > 0)
    ((1, 1), True)
    """
    from ..detector import load_card

    t0 = time.perf_counter()
    mdl = resolve_model(model)
    masses = _check_axis("masses", masses, 0.0, None, "GeV")
    couplings = _check_axis("couplings", couplings, 0.0, None)
    mdl.check_mass(masses)
    chan = check_channels(mdl, channels)
    check_channels_open(chan, float(masses.max()))
    check_a_scaling(a_scaling)          # validate before any simulation (InputError naming a_scaling)
    check_n_per_mass(n_per_mass)
    setup = (setup or BeamDumpSetup()).resolved(chan)
    card_obj = load_card(card)
    mechanisms = [mechanisms] if isinstance(mechanisms, str) else list(mechanisms)
    if not mechanisms:
        raise InputError("mechanisms", f"at least one is needed: {', '.join(MECHANISM_GROUPS)} or production keys")

    n_m, n_c = masses.size, couplings.size
    total = np.zeros((n_m, n_c))
    var = np.zeros((n_m, n_c))
    by_ch = {ch: np.zeros((n_m, n_c)) for ch in chan}
    by_mech: dict[str, np.ndarray] = {}
    halfwidth = {ch: np.zeros(n_m) for ch in chan}
    skipped: set[str] = set()
    n_sim = 0
    # one independent unit per mass column (its own random streams): dask tasks when a scheduler is active, else
    # on this process's threads (numpy and the kernels release the GIL; same columns whatever the threads)
    opts = _ColumnOptions(mdl, couplings, chan, tuple(mechanisms), setup, card_obj, int(n_per_mass), int(seed),
                          a_scaling, brems_pt_max, momentum_bias)
    # job 0 compiles the kernels (_compile_kernels), so it is the one that runs alone under the compile lock, not a
    # whole column: the columns all run on the threads, in the first call of a process as in the next ones
    columns = ordered_map(_column_job, [None, *enumerate(masses)], opts, threads=default_workers())
    next(columns)
    for i, col in enumerate(columns):
        total[i], var[i] = col["total"], col["var"]
        for ch, row in col["by_ch"].items():
            by_ch[ch][i] = row
            halfwidth[ch][i] = col["mass_halfwidth"][ch]
        for label, row in col["by_mech"].items():
            by_mech.setdefault(label, np.zeros((n_m, n_c)))[i] = row
        skipped |= col["skipped"]
        n_sim += col["n_sim"]
        if progress is not None:
            progress(i + 1, n_m)
    return YieldGrid(mdl.name, mdl.coupling_name, masses, couplings, total, var, by_ch, by_mech,
                     tuple(chan), n_sim, int(seed), time.perf_counter() - t0, setup,
                     getattr(card_obj, "name", str(card)), tuple(sorted(skipped)), halfwidth)


@dataclass(frozen=True)
class _ColumnOptions:
    """Everything a mass column needs besides its index and mass (sent once to every dask worker)."""
    mdl: object
    couplings: np.ndarray
    chan: dict
    mechanisms: tuple
    setup: BeamDumpSetup
    card_obj: object
    n_per_mass: int
    seed: int
    a_scaling: object
    brems_pt_max: float
    momentum_bias: float


def _column_job(item: tuple[int, float] | None, o: _ColumnOptions) -> dict | None:
    """Mass column ``item`` = (i, m) (:func:`_mass_column`), or for None :func:`_compile_kernels` (returns None)."""
    return _compile_kernels(o) if item is None else _mass_column(item, o)


def _compile_kernels(o: _ColumnOptions) -> None:
    """Call every compiled kernel a mass column of ``o`` can reach, on four synthetic X per channel (results
    dropped), so that numba compiles (or loads) them all in the job that runs alone (:func:`expected_events`).

    The first column alone would not do: which kernels a column calls depends on its mass and its events (a
    channel closed below its threshold runs no detection: the dark photon's photon kernels first ran at the mass
    where pi+ pi- pi0 opens, two columns at once; the cell sums run only when a channel selected an event). Here
    each channel is detected at a mass 1.5 x its threshold + 50 MeV, where it is open. Kernels reached: the
    detection's (:func:`.detection.detect`: boosts, charged propagation for tracks, photon hits for photons, the
    n-body boosts of three or more daughters, which the meson-decay production calls too) and the cell sums; the
    model's widths and the samplers compile none. ``tests/beamdump/test_beamdump_column_threads.py`` checks in a
    fresh process that no column compiles a kernel after this. The kernels take C-contiguous float64 / intp
    arrays whoever calls (one signature each), so synthetic arrays compile the columns' signatures."""
    rng = block_rng(0, 0)       # its own stream: the columns' numbers do not depend on this job
    p4 = np.zeros((4, 4))
    p4[:, 3] = 50.0             # along the beam (GeV)
    for ch in o.chan:
        m = 1.5 * channel_threshold(ch) + 0.05
        p4[:, 0] = np.hypot(p4[:, 3], m)
        detect(XSample("compile", m, p4.copy(), np.zeros((4, 3)), np.ones(4)), ch, o.card_obj, o.setup, rng)
    sums = SampleSums(1.0, np.ones(2))
    sums.add(np.flatnonzero([True]), np.ones(1), np.ones(1), np.ones(1), np.ones(1), np.ones(2))
    sums.finish()
    return None


def _mass_column(item: tuple[int, float], o: _ColumnOptions) -> dict:
    """Yields of mass column ``i`` (a pure function of its arguments: streams ``block_rng(seed, i, j)`` with j
    the position of the mechanism in :func:`mechanism_jobs`), so the grid is bit-identical whoever computes
    the column (this process or a dask worker)."""
    i, m = item
    mdl, couplings, chan, setup = o.mdl, o.couplings, o.chan, o.setup
    n_c = couplings.size
    total, var = np.zeros(n_c), np.zeros(n_c)
    by_ch = {ch: np.zeros(n_c) for ch in chan}
    # no signal selected: an empty window (0); window switched off: every mass counts (inf)
    halfwidth = dict.fromkeys(chan, 0.0 if setup.mass_window_sigma > 0 else float("inf"))
    unresolved = set()
    by_mech: dict[str, np.ndarray] = {}
    n_sim = 0
    brs = mdl.branching_ratios(m, couplings)
    ctau = np.asarray(mdl.ctau_m(m, couplings), float)
    jobs, skipped = mechanism_jobs(mdl, m, couplings, o.mechanisms, setup)
    for j, (label, parsed, factor) in enumerate(jobs):
        if not np.any(factor > 0):
            continue
        rng = block_rng(o.seed, i, stream=j)
        sample = draw_sample(parsed, m, o.n_per_mass, rng, setup, a_scaling=o.a_scaling,
                             brems_pt_max=o.brems_pt_max, momentum_bias=o.momentum_bias)
        if sample is None:
            continue
        n_sim += sample.n
        # per-event contributions summed over channels before squaring: the channels share the X
        # sample, so their estimates are correlated and the variance is that of the per-event sum
        sums, added = SampleSums(m, ctau), []
        for ch, key in chan.items():
            br_f = np.asarray(brs[key], float)
            det = detect(sample, ch, o.card_obj, setup, rng)
            sel = det.accept > 0
            if not sel.any():
                continue
            if np.isfinite(det.mass_halfwidth) or not setup.mass_window_sigma > 0:
                halfwidth[ch] = max(halfwidth[ch], det.mass_halfwidth)    # the union of the samples' windows
            else:     # too few events to estimate sigma_m: no cut on them, but no resolution to count with
                unresolved.add(ch)
            w = (sample.weight * det.accept)[sel]
            eff = setup.trigger_efficiency * channel_efficiency(ch, setup)
            sums.add(np.flatnonzero(sel), det.p[sel], det.flight_to_decay[sel], det.flight_in_volume[sel], w,
                     factor * br_f * eff)
            added.append(ch)
            by_mech.setdefault(label, np.zeros(n_c))
        cells, t, v = sums.finish()
        for ch, cell in zip(added, cells):
            by_ch[ch] += cell
            by_mech[label] += cell
        if added:
            total += t
            var += v
    for ch in unresolved:      # no sample of the channel resolved sigma_m: no window (every event counts)
        if halfwidth[ch] == 0.0:
            halfwidth[ch] = float("inf")
    return {"total": total, "var": var, "by_ch": by_ch, "by_mech": by_mech, "skipped": skipped, "n_sim": n_sim,
            "mass_halfwidth": halfwidth}


def _subset(det: Detection, sel) -> Detection:
    return Detection(det.accept[sel], det.p[sel], det.flight_to_decay[sel], det.flight_in_volume[sel],
                     det.cda_tax[sel], det.z_tax[sel], None if det.m_reco is None else det.m_reco[sel])
