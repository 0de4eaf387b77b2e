"""NA62's published beam-dump exclusion contours shipped with the package, and their edges.

A beam-dump exclusion in the (mass, coupling) plane is a closed region: its *lower edge* (small coupling) is set
by the signal yield (epsilon ~ N^(1/4) there: production ~ epsilon^2, decay probability in the volume
~ epsilon^2 for a long-lived X), its *upper edge* by the lifetime (decays before the decay volume), and the
two meet at the *mass reach*. A shipped contour is that boundary, one polygon of (m, coupling) points
(``data/beamdump/published/*.csv``, read with :func:`kaonportal.published.read_curve_csv`; each file's ``#``
header names the publication, who digitised it and how).

Shipped today ([NA62:2023dpmumu] digitised by the FORESEE authors [FORESEE:2021code]; no HEPData record of
the NA62 dump contours exists in the reference material): A' -> mu+ mu- only. The ee contour of [NA62:2024dpll],
the combined l+l- one and the hadronic BC1/BC4/BC10/BC11 contours of [NA62:2025fiphad] were not found as numbers.

>>> c = load_contour("NA62_2023_Aprime_mumu_eps_90CL_FORESEE_digitized")
>>> lo, hi = contour_edges(c.mass_gev, c.columns["epsilon"], 0.3)
>>> round(lo * 1e7, 2), round(hi * 1e6, 2)
(4.04, 2.51)
>>> round(contour_mass_reach(c.mass_gev), 3)
0.538
"""

from __future__ import annotations

__all__ = ["PUBLISHED_CONTOURS", "CONTOUR_NOTES", "EDGE_MASSES_GEV", "load_contour", "contours_for", "contour_edges",
           "contour_mass_reach", "grid_band_edges", "published_band_edges", "compare_band_edges", "comparison_line",
           "channel_ratio", "published_counts", "band_edge_block"]

from importlib import resources

import numpy as np

from ..errors import InputError
from ..published import PublishedCurve, read_curve_csv

_DIR = "data/beamdump/published"

#: (model, channels) -> (file stem, legend label with the citation); the channels are those of the published
#: counting experiment (a run with other channels gets no overlay)
PUBLISHED_CONTOURS: dict[tuple[str, tuple[str, ...]], tuple[str, str]] = {
    ("dark-photon", ("mumu",)): ("NA62_2023_Aprime_mumu_eps_90CL_FORESEE_digitized",
                                 "NA62 published, JHEP 09 (2023) 035\n"
                                 r"($\mu^+\mu^-$, 90% CL; digitised by FORESEE)"),
}

#: how the published counting compares with kaonportal's, per shipped contour: stated with every comparison
CONTOUR_NOTES = {
    "NA62_2023_Aprime_mumu_eps_90CL_FORESEE_digitized":
        "NA62 counts its one observed event (m_mumu ~ 411 MeV/c^2) only for masses near it (the contour's notch at "
        "0.405-0.42 GeV), kaonportal likewise inside the signal's +-3 sigma_m invariant-mass window (~+-8 MeV there; "
        "summary observed_events): on a grid with a mass in that window the notch is reproduced (lower edge x1.23, "
        "published x1.30)",
}


#: models whose NA62 beam-dump contour is published but not shipped as numbers (model family -> publication): a run
#: of them is not compared, and says so (summary validation, plot), rather than that nothing was published
PUBLISHED_NOT_SHIPPED = {"dark-scalar": "EPJC 85 (2025) 571", "alp-fermion": "EPJC 85 (2025) 571",
                         "alp-gluon": "EPJC 85 (2025) 571"}


def published_not_shipped(model) -> str | None:
    """The statement for a model (object or name; exported tables by family) whose published NA62 contour does not
    ship with kaonportal, else None.

    >>> published_not_shipped("alp-gluon")
    "NA62's published contour (EPJC 85 (2025) 571) does not ship with kaonportal: not compared"
    >>> published_not_shipped("dark-photon") is None
    True
    """
    from .disagreements import model_family

    where = PUBLISHED_NOT_SHIPPED.get(model_family(model))
    return None if where is None else f"NA62's published contour ({where}) does not ship with kaonportal: not compared"


def load_contour(name: str) -> PublishedCurve:
    """A shipped contour by file stem: columns ``m_..._GeV`` and the coupling, the provenance header kept."""
    root = resources.files("kaonportal").joinpath(_DIR)
    known = sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".csv"))
    if name not in known:
        raise InputError("contour", f"unknown published contour {name!r}; known: {', '.join(known)}")
    return read_curve_csv(root.joinpath(f"{name}.csv").read_text(), name)


def contours_for(model: str, channels) -> list[tuple[str, str]]:
    """(file stem, legend label) of the shipped contours to compare with a run of ``model`` on ``channels``:
    the contour of the same channel set, and for a run combining several channels the contours of each. The model
    is matched by family (:func:`~.disagreements.model_family`), as the registry's entries do
    (:func:`kaonportal.validation.evaluate.beamdump_applies`): an exported dark-photon table is the dark photon.

    >>> [n for n, _ in contours_for("dark-photon", ["ee", "mumu"])]
    ['NA62_2023_Aprime_mumu_eps_90CL_FORESEE_digitized']
    >>> contours_for("dark-scalar", ["mumu"])
    []
    """
    from .disagreements import model_family

    model = model_family(model)
    chans = tuple(sorted(channels))
    keys = [(model, chans)] + ([(model, (c,)) for c in chans] if len(chans) > 1 else [])
    return [PUBLISHED_CONTOURS[k] for k in keys if k in PUBLISHED_CONTOURS]


def contour_edges(mass, coupling, at: float) -> tuple[float, float] | None:
    """(lower, upper) coupling where the vertical line m = ``at`` (GeV) crosses the closed polygon (``mass``,
    ``coupling``): the smallest and largest crossing, each log-linearly interpolated along its side; None when
    ``at`` is outside the polygon's mass range. A notch (e.g. at an observed event) inside the band gives more
    than two crossings: the outermost ones are the band's edges."""
    lm, lg = np.log(np.asarray(mass, float)), np.log(np.asarray(coupling, float))
    a, b = lm, np.roll(lm, -1)                     # the sides (k, k+1), closing the polygon
    ga, gb = lg, np.roll(lg, -1)
    x = np.log(at)
    hit = ((a <= x) & (x <= b)) | ((b <= x) & (x <= a))
    hit &= a != b                                  # a vertical side: its ends are crossings of the next sides
    if not hit.any():
        return None
    t = (x - a[hit]) / (b[hit] - a[hit])
    cross = np.exp(ga[hit] + t * (gb[hit] - ga[hit]))
    return float(cross.min()), float(cross.max())


def contour_mass_reach(mass) -> float:
    """Largest mass (GeV) of the excluded region: the tip of the contour."""
    return float(np.max(mass))


#: masses (GeV) at which the edges of the excluded band are compared: where the lower edge is set by the yield,
#: across the published mu mu region (0.215-0.54 GeV) away from its threshold and tip
EDGE_MASSES_GEV = (0.25, 0.3, 0.4, 0.5)


def grid_band_edges(masses, couplings, ratio, at_masses=EDGE_MASSES_GEV) -> dict:
    """kaonportal's band edges at ``at_masses`` and mass reach from ``ratio`` = N/N_UL on a grid (:mod:`.edges`)."""
    from .edges import band_edges, band_mass_reach
    return {"at": [band_edges(masses, couplings, ratio, m) for m in at_masses],
            "mass_reach_gev": band_mass_reach(masses, ratio)}


def published_band_edges(name: str, at_masses=EDGE_MASSES_GEV) -> dict:
    """The same quantities read off the shipped contour ``name`` (:func:`contour_edges`, :func:`contour_mass_reach`)."""
    c = load_contour(name)
    coupling = c.columns[c.limit_column]
    at = []
    for m in at_masses:
        e = contour_edges(c.mass_gev, coupling, m)
        at.append({"mass_gev": float(m), "lower": e[0] if e else None, "upper": e[1] if e else None})
    return {"at": at, "mass_reach_gev": contour_mass_reach(c.mass_gev), "source": c.source}


def _ratio(a, b):
    return None if a is None or b is None else a / b


def compare_band_edges(ours: dict, published: dict) -> dict:
    """kaonportal / published for each edge and mass and for the mass reach (None where either is missing).

    >>> p = {"at": [{"mass_gev": 0.3, "lower": 4e-7, "upper": 2.5e-6}], "mass_reach_gev": 0.54}
    >>> k = {"at": [{"mass_gev": 0.3, "lower": 3e-7, "upper": None}], "mass_reach_gev": 0.51}
    >>> r = compare_band_edges(k, p)
    >>> r["at"][0]["lower_ratio"], r["at"][0]["upper_ratio"], round(r["mass_reach_ratio"], 3)
    (0.75, None, 0.944)
    """
    at = [{"mass_gev": o["mass_gev"], "lower_ratio": _ratio(o["lower"], p["lower"]),
           "upper_ratio": _ratio(o["upper"], p["upper"])} for o, p in zip(ours["at"], published["at"])]
    return {"at": at, "mass_reach_ratio": _ratio(ours["mass_reach_gev"], published["mass_reach_gev"])}


def comparison_line(channel: str, comparison: dict) -> str:
    """One line stating a run's edges against the published contour (summary, plot note, console).

    >>> comparison_line("mumu", {"at": [{"mass_gev": 0.3, "lower_ratio": 0.72, "upper_ratio": 1.05}],
    ...                          "mass_reach_ratio": 0.95})
    'mumu vs NA62 published contour: lower edge 0.72 (0.3 GeV), upper edge 1.05 (0.3 GeV), mass reach 0.95 of published'
    """
    def part(which):
        vals = [f"{a[f'{which}_ratio']:.2f} ({a['mass_gev']:g} GeV)" for a in comparison["at"]
                if a[f"{which}_ratio"] is not None]
        return f"{which} edge " + (", ".join(vals) if vals else "not compared")
    reach = comparison.get("mass_reach_ratio")
    return (f"{channel} vs NA62 published contour: {part('lower')}, {part('upper')}, mass reach "
            + (f"{reach:.2f} of published" if reach is not None else "not compared"))


def channel_ratio(grid, channel: str, pot: float, observed: int, background: float, cl: float = 0.9,
                  method: str = "cls", observed_masses=None) -> np.ndarray:
    """N/N_UL of one final state of a multi-channel grid as its own counting experiment (``observed`` over
    ``background``, the published counts of that channel): how the published single-channel contour was made.
    ``observed_masses``: reconstructed masses (GeV) of (some of) those events, each then counted only inside the
    channel's invariant-mass window (:func:`.contours.observed_per_mass`)."""
    from .contours import _poisson_ul, observed_per_mass
    n_sig = grid.by_channel[channel] * float(pot)
    if not observed_masses:
        return n_sig / _poisson_ul(observed, background, cl, method)
    counts = observed_per_mass(grid, {channel: observed_masses}, int(observed) - len(observed_masses))
    limits = {n: _poisson_ul(n, background, cl, method) for n in np.unique(counts).tolist()}
    return n_sig / np.array([limits[n] for n in counts.tolist()])[:, None]


def published_counts(inputs: dict, channels, published: dict) -> dict | None:
    """channel -> NA62's published 2021 (observed, background[, event masses]) from ``published`` when a run's
    ``inputs`` say it uses them at the published exposure (else None): each channel's own exclusion is then the
    published single-channel search's.

    >>> published_counts({"published_counts": False}, ["mumu"], {"mumu": (1, 0.016)}) is None
    True
    """
    if not inputs.get("published_counts"):
        return None
    return {c: published[c] for c in channels if c in published}


def band_edge_block(grid, observed_ex, channel_counts: dict | None) -> dict:
    """The ``band_edges`` block of a beam-dump summary: kaonportal's lower / upper edge at :data:`EDGE_MASSES_GEV`
    and mass reach for the run's counting experiment (``combined``) and, when the run uses NA62's published counts
    (``channel_counts``: channel -> (observed, background[, reconstructed masses of observed events, GeV])), for
    each channel alone; then, for every shipped
    published contour of those channels, the published edges and the ratios kaonportal / published."""
    ex = observed_ex
    out = {"masses_gev": list(EDGE_MASSES_GEV),
           "method": "N = N_UL crossings, log-linear between grid points (kaonportal.beamdump.edges.band_edges)",
           "combined": grid_band_edges(grid.masses, grid.couplings, ex.ratio)}
    for ch, (obs, bkg, *event_masses) in (channel_counts or {}).items():
        masses_obs = [float(x) for x in (event_masses[0] if event_masses else ())]
        ratio = channel_ratio(grid, ch, ex.pot, obs, bkg, ex.cl, ex.method, observed_masses=masses_obs)
        out[ch] = {"observed": obs, "background": bkg, "observed_masses_gev": masses_obs,
                   **grid_band_edges(grid.masses, grid.couplings, ratio)}
    comparisons = []
    for name, label in contours_for(grid.model, grid.channels):
        ch = "+".join(next(k for k, v in PUBLISHED_CONTOURS.items() if v[0] == name)[1])
        ours = out.get(ch)                 # None unless the run uses the published counts
        if ours is None or ex.pot <= 0:
            continue
        pub = published_band_edges(name)
        cmp = compare_band_edges(ours, pub)
        note = CONTOUR_NOTES.get(name)
        comparisons.append({"contour": name, "channel": ch, "legend": label.replace("\n", " "),
                            "source": pub["source"], "published": {k: pub[k] for k in ("at", "mass_reach_gev")},
                            **cmp, "note": note,
                            "statement": comparison_line(ch, cmp) + (f" ({note})" if note else "")})
    out["published_comparison"] = comparisons
    return out
