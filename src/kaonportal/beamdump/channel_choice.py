"""Which final states a beam-dump run uses: the default per model, and the per-channel opening check.

Default channels (``kaonportal beamdump`` without ``--channels``): the model's final states that have published
NA62 2021 dump counts (:data:`.analysis.PUBLISHED_2021`; [NA62:2023dpmumu; NA62:2024dpll; NA62:2025fiphad]) and
open somewhere on the mass grid. Exception: for the dark photon (BC1) the default is the dilepton search
ee + mu mu, the analyses behind the published 2021 BC1 contours; its hadronic final states form the separate BC1
hadronic contour of EPJC 85 (2025) 571 and use another bremsstrahlung form factor (``brems_form_factor='auto'``).
A model without any published channel (e.g. BC9, a -> gamma gamma) defaults to all of its channels, and the run
then needs ``--observed`` and ``--background``. Every channel left out is named with the reason.

A requested channel closed at every mass of the grid (the mass grid ends below the sum of its daughter masses)
is refused: it would silently contribute nothing to the combined search.
"""

from __future__ import annotations

__all__ = ["default_channels", "check_each_channel_open", "resolve_channels"]

from ..errors import InputError
from .yields import channel_threshold, check_channels, model_channels, resolve_model

#: model name -> (channels of the published analysis used by default, why the others are left out)
_DEFAULT_ANALYSIS = {
    "dark-photon": (("ee", "mumu"),
                    "hadronic final state: the published 2021 BC1 contours are the dilepton ones (JHEP 09 (2023) "
                    "035, PRL 133 (2024) 111802); the BC1 hadronic contour of EPJC 85 (2025) 571 is a separate "
                    "search, ask for it with --channels"),
}


def default_channels(model, mass_max: float) -> tuple[list[str], dict[str, str]]:
    """(channels used by default, {channel left out: reason}) for ``model`` on a grid ending at ``mass_max`` GeV."""
    from .analysis import PUBLISHED_2021

    mdl = resolve_model(model)
    avail = list(model_channels(mdl))
    chosen, left_out = [], {}
    analysis = _DEFAULT_ANALYSIS.get(mdl.name)
    published = [c for c in avail if c in PUBLISHED_2021]
    for ch in avail:
        if analysis is not None and ch not in analysis[0]:
            left_out[ch] = analysis[1]
        elif published and ch not in PUBLISHED_2021:
            left_out[ch] = "no published NA62 2021 dump count (observed, background) for this final state"
        elif channel_threshold(ch) >= mass_max:
            left_out[ch] = f"closed on the whole mass grid (opens at m > {channel_threshold(ch):.4g} GeV)"
        else:
            chosen.append(ch)
    if not chosen:
        raise InputError("channels", f"model {mdl.name} has no default channel open below {mass_max:.4g} GeV "
                                     f"({'; '.join(f'{c}: {r}' for c, r in left_out.items())}); give --channels")
    return chosen, left_out


def check_each_channel_open(channels, mass_max: float) -> None:
    """Refuse any requested channel closed at every mass up to ``mass_max`` GeV, naming its opening mass.

    >>> try:
    ...     check_each_channel_open(["ee", "KK"], 0.5)
    ... except InputError as exc:
    ...     print(str(exc)[:59])
    channels: KK (asked in --channels) opens only at m > 0.9874
    """
    for ch in channels:
        t = channel_threshold(ch)
        if mass_max <= t:
            raise InputError("channels", f"{ch} (asked in --channels) opens only at m > {t:.4g} GeV, above the "
                                         f"whole mass grid (largest {mass_max:.4g} GeV): drop it or raise "
                                         "--mass-range")


def resolve_channels(model, channels, mass_max: float) -> tuple[list[str], dict[str, str]]:
    """(channels, {left out: reason}): the :func:`default_channels` when ``channels`` is None, else the list asked
    for ("ee,mumu" or a sequence), each checked open on a grid ending at ``mass_max`` GeV (nothing left out)."""
    if channels is None:
        return default_channels(model, mass_max)
    if isinstance(channels, str):
        channels = [c.strip() for c in channels.split(",") if c.strip()]
    channels = list(check_channels(model, channels))       # known names the model decays to, in order
    check_each_channel_open(channels, mass_max)
    return channels, {}
