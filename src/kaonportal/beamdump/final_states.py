"""The final states of a beam-dump search: which dump channels (:data:`.detection.CHANNELS`) a model decays to,
the validation of a requested channel list against the model, and the channel opening thresholds.

Split out of :mod:`.yields` (which re-exports these names): the yield grid only needs the validated
{channel: model decay key} map.
"""

from __future__ import annotations

__all__ = ["resolve_model", "model_channels", "check_channels", "channel_threshold", "check_channels_open"]

import numpy as np

from ..errors import InputError
from .detection import CHANNELS


def resolve_model(model):
    """A model object, or its name / PBC alias through :func:`kaonportal.models.get_model`."""
    if not isinstance(model, str):
        return model
    from ..models import get_model     # deferred: kaonportal.models is only needed when a name is given
    return get_model(model)


def _daughters(key: str) -> tuple[str, ...]:
    return tuple(sorted(key.split("->", 1)[1].split()))


def model_channels(model) -> dict[str, str]:
    """Channel short names (:data:`.detection.CHANNELS`) the model decays to -> the model's decay key."""
    m = resolve_model(model)
    lo, hi = m.mass_range
    probe = min(max(0.5, lo * 1.01), hi)
    keys = m.branching_ratios(probe, 1e-6).keys()
    out = {}
    for ch, d in CHANNELS.items():
        for k in keys:
            if _daughters(k) == tuple(sorted(d)):
                out[ch] = k
    return out


def check_channels(model, channels) -> dict[str, str]:
    """Validate channel names (list or "ee,mumu") against the model: {channel: model decay key}.

    A channel is refused when the model has no such decay, or when its branching ratio vanishes over the
    model's whole mass range (e.g. N -> pi mu for a tau-mixed HNL). A channel that is merely closed at
    some masses of the grid is accepted and contributes zero there.
    """
    if isinstance(channels, str):
        channels = [c.strip() for c in channels.split(",") if c.strip()]
    channels = list(channels)
    if not channels:
        raise InputError("channels", f"at least one channel is needed; known: {', '.join(CHANNELS)}")
    mdl = resolve_model(model)
    lo, hi = mdl.mass_range
    avail = model_channels(mdl)
    out = {}
    for ch in channels:
        if ch not in CHANNELS:
            raise InputError("channels", f"unknown channel {ch!r}; known: {', '.join(CHANNELS)}")
        if ch not in avail:
            raise InputError("channels", f"model {mdl.name} cannot decay to {ch!r} within its validity range "
                                         f"{lo:.3g}-{hi:.3g} GeV; it decays to: "
                                         f"{', '.join(avail) or 'none of the dump channels'}")
        out[ch] = avail[ch]
    probe = np.geomspace(max(lo, 1e-4) * 1.001, hi, 200)
    brs = mdl.branching_ratios(probe, np.full(probe.shape, 1e-6))
    for ch, key in out.items():
        if not np.any(np.asarray(brs[key]) > 0):
            raise InputError("channels", f"model {mdl.name} cannot decay to {ch!r}: its branching ratio is zero "
                                         f"over the whole mass range {lo:.3g}-{hi:.3g} GeV")
    return out


def channel_threshold(channel: str) -> float:
    """Sum of the daughter masses of a dump channel (GeV): the channel is closed below it."""
    from .. import constants
    return float(sum(constants.mass(d) for d in CHANNELS[channel]))


def check_channels_open(channels, mass_max: float, field_name: str = "channels") -> None:
    """Refuse a channel list that is closed at every mass up to ``mass_max`` (GeV), naming the thresholds.

    Several channels count as one search: a member closed at these masses contributes zero (e.g. mu mu in an
    ee + mu mu search below 2 m_mu), but a search with no open channel cannot produce a signal.
    """
    thr = {ch: channel_threshold(ch) for ch in channels}
    if thr and all(mass_max <= t for t in thr.values()):
        opens = ", ".join(f"{ch} at m > {t:.4g} GeV" for ch, t in thr.items())
        raise InputError(field_name, f"no channel is open at the masses asked (largest {mass_max:.4g} GeV): "
                                     f"{opens}")
