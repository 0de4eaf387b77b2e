"""HNL backgrounds: simulated SM decays (with muon decays in flight, mu+ -> e+ mis-identification and the
accidental beam-track copy) as a weighted Gaussian kernel density in m2miss, and its content in windows.

Part of the HNL searches (:mod:`.hnl`: method, sources and outcome in its docstring); :mod:`.kmunux` uses the
same model for its muon-mode counting regions.
"""

from __future__ import annotations

__all__ = ["muon_as_electron", "ACCIDENTAL_SKIP", "muon_dif_pieces", "background_model", "window_background"]

import math
from pathlib import Path

import numpy as np

from ...decays.radiative import E_GAMMA_MIN_DEFAULT
from ...detector import load_card, pid_weights
from ...errors import InputError
from ...selection import load_selection
from ...stats.kernel_sums import KernelSet
from ..samples import derive_seed
from ...reco.accidentals import accidental_pairing
from .common import selection_columns, selection_weights, simulate_sample, weighted_quantile
from .hnl_channels import RADIATIVE, HnlChannel

def muon_as_electron(card, p, model: str | float = "rich_x_calo") -> np.ndarray:
    """P(mu+ identified as e+) at momentum ``p`` (GeV/c).

    ``"card"``: the card's ``pid.muon_as_electron`` (placeholder D); a number: that probability;
    ``"rich_x_calo"`` (default, inputs/hnl.yaml): the card's mu -> pi suppression (RICH factor
    ``muon_as_pion_rich`` inside [rich_p_min, rich_p_max], 1 outside, times ``muon_as_pion_calo``), taken from
    the detector's own PID response :func:`kaonportal.detector.response.pid_weights` for a true mu+.

    >>> from kaonportal.detector import load_card
    >>> [float(f"{x:.3g}") for x in muon_as_electron(load_card("na62-2018"), np.array([20.0, 40.0]))]
    [1e-07, 1e-05]
    >>> [float(f"{x:.3g}") for x in muon_as_electron(load_card("na62-2022"), np.array([40.0, 50.0]))]
    [1e-07, 1e-05]
    """
    p = np.asarray(p, float)
    c = card.pid
    if isinstance(model, str) and model == "card":
        return np.full(p.shape, c.muon_as_electron)
    if isinstance(model, str) and model == "rich_x_calo":
        return pid_weights(np.full(p.shape, -13), p, card)[0]
    if isinstance(model, str):
        raise InputError("muon_as_electron", f"unknown model {model!r}; use 'card', 'rich_x_calo' or a probability")
    if not 0.0 <= float(model) <= 1.0:
        raise InputError("muon_as_electron", f"must be in [0, 1], got {model!r}")
    return np.full(p.shape, float(model))


def _bandwidth(x: np.ndarray, w: np.ndarray, floor: float) -> float:
    """Silverman's bandwidth h = 0.9 min(sd, IQR/1.34) n_eff^(-1/5), n_eff = (sum w)^2 / sum w^2
    (B. W. Silverman, "Density Estimation", 1986, eq. 3.31) for weighted events; at least ``floor``."""
    n_eff = w.sum() ** 2 / np.sum(w * w)
    q25, q75 = weighted_quantile(x, w, [0.25, 0.75])
    mean = np.sum(w * x) / w.sum()
    sd = math.sqrt(max(np.sum(w * (x - mean) ** 2) / w.sum(), 0.0))
    spread = min(sd, (q75 - q25) / 1.34) if q75 > q25 else sd
    return max(0.9 * spread * n_eff ** -0.2, floor)


_PART = 250_000

ACCIDENTAL_SKIP = ("cda",)
"""Cut ids of the ``hnl-*`` selections NOT applied to the accidental beam-track copy of a background (D).
Argument: the mismatch probability p_mis (1.3 %, :data:`kaonportal.reco.accidentals.MISMATCH_REF`) is the rate of wrong
K-track associations that the 2017 MVA matching tool makes *after* its own CDA and timing matching
([FW SpectrometerGigaTrackerMVAMatchingTool.cc]), i.e. a mismatched pair in that fraction has already passed a CDA requirement;
cutting again on the CDA recomputed with a random beam particle would suppress the copy a second time
(9.4 % of the accidental K+ -> mu+ nu copies fail cda < 30 mm). The fiducial-z cut (``vertex_z``) still acts:
the matching tool does not constrain where the (wrong) vertex lies along the beam, so the analysis' z cut
rejects some of the accidental pairings. The beam momentum/slope cuts act too (they test the GTK track)."""


def _joined(parts: list[dict], cols) -> dict:
    """Columns ``cols`` of the sample parts end to end; one part's arrays as they are (no copy: nothing here writes
    into a sample's arrays, and a copy of every column of a 250k-event part cost ~0.2 s of the hnl section)."""
    if len(parts) == 1:
        return {c: parts[0][c] for c in cols}
    return {c: np.concatenate([p[c] for p in parts]) for c in cols}


def muon_dif_pieces(decay: str, n: int, seed: int, card, z_range, columns, forced: bool = True,
                    forced_fraction: float = 0.25) -> list[dict]:
    """Samples of ``decay`` with muon decays in flight whose weighted sum is unbiased for the decay:
    without ``forced`` one sample (decays at their natural rate, ~1e-4 of the muons); with ``forced``
    the unforced sample with its decayed events removed plus a forced-decay sample keeping only its
    decayed events, weighted by their decay probability ``weight_forced_decay`` (simulation.engine,
    option force_decays; the same combination as analyses/pnn_budget.py) -- ``forced_fraction`` x n events
    suffice since every one of them decays. Each piece has a ``_mult`` column (per-event weight
    multiplier); large samples in parts of <= 250k events, each with its own seed."""
    cols = sorted({*columns, "track_decayed", "weight_forced_decay"})

    def sample(m: int, force: bool) -> dict:
        opts = {"force_decays": True} if force else {}
        parts = [simulate_sample(decay, min(_PART, m - i), derive_seed(seed, f"part{i}"), card, z_range,
                                 columns=cols, muon_decays=True, **opts) for i in range(0, m, _PART)]
        return _joined(parts, [c for c in cols if c in parts[0]])

    plain = sample(n, False)
    if not forced:
        return [{**plain, "_mult": np.ones(len(plain["weight_gen"]))}]
    frc = sample(max(1000, int(n * forced_fraction)), True)
    keep = ~plain["track_decayed"].astype(bool)
    dec = frc["track_decayed"].astype(bool)
    return [{**plain, "_mult": keep.astype(float)},
            {**frc, "_mult": np.where(dec, frc["weight_forced_decay"], 0.0)}]


def background_model(ch: HnlChannel, n_parent: float, n: int, seed: int, card, x_range: tuple[float, float],
                     nbins: int = 400, mis_id: str | float = "card", forced_decays: bool = False,
                     e_gamma_min: float = E_GAMMA_MIN_DEFAULT, mismatch: float = 0.0,
                     accidental_skip: tuple[str, ...] = ACCIDENTAL_SKIP) -> dict:
    """Background as a weighted Gaussian kernel density of the simulated SM decays (per source, Silverman
    bandwidth, :func:`_bandwidth`): a sparse source (a few simulated events standing for 1e8 decays) is
    spread over a wide kernel instead of leaving zero-background windows between spikes. Returns the
    kernel centres/weights/widths of all sources (events per parent decays ``n_parent``), the expected
    events per bin of ``x_range`` and the per-source totals in the range (and of its mis-identified
    muons). ``mis_id``: mu+ -> e+ model of :func:`muon_as_electron` (positron channels); ``forced_decays``:
    muon decays in flight from :func:`muon_dif_pieces`; ``e_gamma_min``: photon-energy cut (GeV, kaon frame)
    of the radiative sources (:data:`RADIATIVE`, sample option and BR); ``mismatch``: probability p_mis that
    the GTK track is an accidental beam particle: every source gets a second copy, source name
    ``"<decay> [accidental beam track]"``, with the beam track redrawn (:func:`kaonportal.reco.accidentals.accidental_pairing`)
    and weight x p_mis (0: none); the selection's cuts ``accidental_skip`` (default :data:`ACCIDENTAL_SKIP`:
    the CDA, already inside p_mis) are not applied to that copy."""
    from scipy.special import ndtr
    if not 0.0 <= float(mismatch) <= 1.0:
        raise InputError("mismatch", f"must be a probability in [0, 1], got {mismatch!r}")
    sel = load_selection(ch.selection)
    edges = np.linspace(x_range[0], x_range[1], nbins + 1)
    span = x_range[1] - x_range[0]
    xs, ws, hs, per_source, bandwidth = [], [], [], {}, {}
    card_obj = load_card(card) if isinstance(card, (str, Path)) else card
    extra = [ch.column, "track_true_pdgid", "p_track"]
    if mismatch > 0:
        extra += ["track_dxdz", "track_dydz", "track_x_straw1", "track_y_straw1"]
    cols = selection_columns(sel, extra)
    misid_in_range = {}

    def add_source(name: str, br: float, pieces: list[dict], mult: float = 1.0, skip=()) -> None:
        # each piece normalised to its own number of fiducial decays (the forced sample is smaller)
        w_parts = []
        for piece in pieces:
            pc = {c: piece[c] for c in cols}
            if ch.lepton == "e+":
                mu = np.abs(pc["track_true_pdgid"]) == 13
                pc["w_pid_e"] = np.where(mu, muon_as_electron(card_obj, pc["p_track"], mis_id), pc["w_pid_e"])
            w_p, total_p = selection_weights(sel, pc, skip=skip)
            w_parts.append(w_p * piece["_mult"] / total_p)
        ev = {c: np.concatenate([p[c] for p in pieces]) for c in (ch.column, "track_true_pdgid")}
        is_mu = np.abs(ev["track_true_pdgid"]) == 13
        w = np.concatenate(w_parts) * mult
        x = ev[ch.column]
        # events near the scan range (the kernel of a far-away event does not reach it)
        ok = np.isfinite(x) & (w > 0) & (x > x_range[0] - span) & (x < x_range[1] + span)
        if not np.any(ok):
            per_source[name] = 0.0
            return
        wk = w[ok] * n_parent * br
        h = _bandwidth(x[ok], wk, span / nbins)
        in_rng = ndtr((x_range[1] - x[ok]) / h) - ndtr((x_range[0] - x[ok]) / h)
        misid_in_range[name] = float(np.sum((wk * in_rng)[is_mu[ok]])) if ch.lepton == "e+" else 0.0
        xs.append(x[ok])
        ws.append(wk)
        hs.append(np.full(int(ok.sum()), h))
        per_source[name] = float(np.sum(wk * in_rng))
        bandwidth[name] = h

    for decay, mu_dec in ch.backgrounds:
        opts = {"e_gamma_min": float(e_gamma_min)} if decay in RADIATIVE else {}
        if mu_dec:
            pieces = muon_dif_pieces(decay, n, seed, card, sel.fiducial_z, cols, forced=forced_decays)
        else:
            # large samples in parts of <= 250k events (memory), each with its own derived seed
            parts = [simulate_sample(decay, min(_PART, n - i), derive_seed(seed, f"part{i}"), card, sel.fiducial_z,
                                     columns=cols, **opts) for i in range(0, n, _PART)]
            pieces = [_joined(parts, cols)]
            pieces[0]["_mult"] = np.ones(len(pieces[0]["weight_gen"]))
        br = ch.br(decay, e_gamma_min)
        add_source(decay, br, pieces)
        if mismatch > 0:
            acc = [{**pc, **accidental_pairing(pc, card_obj, derive_seed(seed, f"accidental {decay} {k}"))}
                   for k, pc in enumerate(pieces)]
            add_source(f"{decay} [accidental beam track]", br, acc, float(mismatch), tuple(accidental_skip))
    kern = {"x": np.concatenate(xs) if xs else np.zeros(0), "w": np.concatenate(ws) if ws else np.zeros(0),
            "h": np.concatenate(hs) if hs else np.ones(0)}
    # sorted once for every window query on this model (the scan, kmunux's region choice)
    kern["index"] = KernelSet(kern["x"], kern["w"], kern["h"])
    counts = kern["index"].bin_sums(edges, error=False)[0]    # = window_background on the bins, to rounding
    return {"edges": edges, "counts": counts, "kernels": kern, "per_source_in_range": per_source,
            "misidentified_muons_in_range": misid_in_range, "bandwidth_m2": bandwidth}


def window_background(kern: dict, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Expected background in windows [lo, hi) and its simulation-statistics error:
    b = sum_i w_i f_i, var = sum_i w_i^2 f_i^2 with f_i the kernel fraction of event i in the window
    (:func:`kaonportal.stats.kernel_sums.window_sums`: sorted prefix sums, equal to the direct sum to rounding, ~1e-13 relative in the tails: kernel_sums module docstring).
    ``kern``: ``x, w, h`` per kernel and optionally ``index``, their :class:`~kaonportal.stats.kernel_sums.KernelSet`
    (built by :func:`background_model`; sorted once for all queries)."""
    index = kern.get("index")
    if index is None:
        index = KernelSet(kern["x"], kern["w"], kern["h"])
    return index.window_sums(lo, hi)
