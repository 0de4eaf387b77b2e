"""Production mechanisms of a beam-dump run: which X-production channels of a model contribute at a mass, with
their model factors, and the weighted X sample each one draws (meson decays :mod:`.production`,
bremsstrahlung :mod:`.brems`, Primakoff conversion :mod:`.primakoff`, vector-meson mixing :mod:`.mixing`).

Split out of :mod:`.yields` (which re-exports these names); the order of :func:`mechanism_jobs` fixes the random
stream of each mechanism there.
"""

from __future__ import annotations

__all__ = ["MECHANISM_GROUPS", "mechanism_jobs", "primakoff_coupling2", "draw_sample"]

import numpy as np

from .brems import brems_sample
from .mixing import mixing_jobs
from .primakoff import primakoff_sample
from .production import meson_decay_sample, parse_production_key
from .setup import BeamDumpSetup

MECHANISM_GROUPS = ("meson", "brems", "primakoff")


def mechanism_jobs(mdl, m: float, couplings, mechanisms, setup: BeamDumpSetup | None = None) -> tuple[list, set]:
    """Production mechanisms of ``mdl`` at mass ``m``: ([(label, parsed, model factor (n_c,))], skipped keys).

    ``parsed`` is ``"brems"``, ``"primakoff"`` or the (parent, others, X) triple of
    :func:`.production.parse_production_key`; the model factor is BR(parent -> X ...) or coupling^2.
    The order of the list fixes the random stream of each mechanism (``block_rng(seed, i, stream=j)``).
    """
    jobs, skipped = [], set()
    couplings = np.asarray(couplings, float)
    prod = mdl.production_br(m, couplings)
    for key, br in prod.items():
        parsed = parse_production_key(key)
        if parsed is None:
            skipped.add(key)
            continue
        if ("meson" in mechanisms) or (key in mechanisms):
            jobs.append((key, parsed, np.asarray(br, float)))
    special = getattr(mdl, "dump_special_production", None)
    if special is not None:
        # a tabulated model (kaonportal.models.tabulated) names its bremsstrahlung / Primakoff channels itself:
        # model factor = its table x coupling^power (the key was skipped above: not a meson decay)
        for key, kind in special.items():
            skipped.discard(key)
            if kind in mechanisms:
                jobs.append((key, kind, np.asarray(prod[key], float)))
        return jobs, skipped
    dark_photon = getattr(mdl, "particle", "") == "A'" and getattr(mdl, "coupling_name", "") == "epsilon"
    if dark_photon and "meson" in mechanisms and setup is not None and setup.vector_mixing == "on":
        jobs += mixing_jobs(m, couplings)
    if ("brems" in mechanisms) and dark_photon:
        jobs.append(("p -> p A' (bremsstrahlung)", "brems", couplings ** 2))
    # ALPs: Primakoff conversion of meson-decay photons, with the model's own a gamma gamma coupling
    if ("primakoff" in mechanisms) and getattr(mdl, "particle", "") == "a":
        g2 = primakoff_coupling2(mdl, m, couplings)
        if np.any(g2 > 0):
            jobs.append(("gamma Cu -> a Cu (Primakoff)", "primakoff", g2))
    return jobs, skipped


def primakoff_coupling2(mdl, m: float, couplings) -> np.ndarray:
    """g_a gamma gamma^2 (GeV^-2) of an ALP model at mass ``m``: the coupling itself for BC9 (g_agg), else the
    effective on-shell coupling of its photon width, g^2 = 64 pi Gamma(a -> gamma gamma)/m^3
    (Gamma = g^2 m^3/(64 pi), [Bauer:2017ris]; for BC10/BC11 the loop- and mixing-induced C_gg^eff at m_a).
    """
    couplings = np.asarray(couplings, float)
    if getattr(mdl, "name", "") == "alp-photon":
        return couplings ** 2
    width = mdl.partial_widths(m, couplings).get("a -> gamma gamma")
    return np.zeros_like(couplings) if width is None else 64.0 * np.pi * np.asarray(width, float) / m**3


def draw_sample(parsed, m: float, n: int, rng, setup: BeamDumpSetup, *, a_scaling="alpha", brems_pt_max=1.0,
                momentum_bias=1.0):
    """The X sample of one mechanism (see :func:`mechanism_jobs`); None if kinematically closed."""
    if parsed == "brems":
        return brems_sample(m, n, rng, setup, pt_max=brems_pt_max)
    if parsed == "primakoff":
        return primakoff_sample(m, n, rng, setup, a_scaling=a_scaling)
    parent, others, xname = parsed
    return meson_decay_sample(parent, others, m, n, rng, setup, a_scaling=a_scaling, x_name=xname,
                              bias=momentum_bias)
