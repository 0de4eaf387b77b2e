#!/usr/bin/env python
"""Regenerate the beam-dump meson production tables shipped in ``src/kaonportal/data/beamdump/``.

One command::

    python scripts/make_meson_tables.py --seed 20260521 \
        --out src/kaonportal/data/beamdump/meson_tables.npz

Requires the optional extra ``pythia8mc`` (``pip install kaonportal[pythia]``, i.e. pythia8mc==8.317.2,
a ready wheel for Python 3.11). Pythia is NOT a run-time dependency of kaonportal: only this script
imports it.

What is generated
-----------------
* ``soft``: pp collisions at sqrt(s) = 27.43 GeV (400 GeV/c protons on a nucleon at rest),
  ``SoftQCD:inelastic = on`` (non-diffractive + single/double/central diffractive). Every instance of
  pi0, eta, eta', omega, phi, rho0 in the event record is counted, including feed-down (pi0 from
  eta -> 3 pi0, eta from eta', ...) because every real meson can produce a dark state.
* ``charm``: ``HardQCD:hardccbar = on``, counting D+, D0, Ds+ (and charge conjugates) per ccbar event.
* ``beauty``: ``HardQCD:hardbbbar = on``, counting B+, B0, Bs (and charge conjugates) per bbbar event.

Pythia runs in the centre-of-mass frame; each meson is boosted to the laboratory (dump) frame along +z
with beta = p_beam / (E_beam + m_p). Tables are 2D histograms of counts in (log10 p/GeV, log10 theta/rad)
(theta = polar angle to the proton beam), with under/overflow clipped into the edge bins, plus the number
of generated events. Counts are Poisson: the statistical uncertainty of a bin is sqrt(counts).

Normalisation (per proton on target, applied at run time in ``kaonportal.beamdump.mesons``, with the
documented p-Cu scaling) is NOT baked in: the file stores per-pp-collision (soft) or per-QQbar-event
(heavy) counts and Pythia's own cross sections for provenance.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import math
import sys
import time

import numpy as np

P_BEAM = 400.0            # GeV/c, SPS proton beam
M_P = 0.93827208816       # GeV, proton mass (PDG); only used for the frame boost
LOGP_EDGES = np.round(np.arange(-1.0, 2.70001, 0.05), 4)      # log10(p/GeV): 0.1 .. 501 GeV
LOGT_EDGES = np.round(np.arange(-5.0, 0.50001, 0.1), 4)       # log10(theta/rad): 1e-5 .. 3.16 rad

SOFT = {"pi0": 111, "eta": 221, "eta'": 331, "omega": 223, "phi": 333, "rho0": 113}
CHARM = {"D+": 411, "D0": 421, "Ds+": 431}
BEAUTY = {"B+": 521, "B0": 511, "Bs0": 531}
COUNT_ONLY = {"pi+": 211, "pi-": -211}       # multiplicity cross-checks (signed ids)


def _sqrt_s() -> float:
    e_beam = math.hypot(P_BEAM, M_P)
    return math.sqrt(2.0 * M_P * M_P + 2.0 * M_P * e_beam)


def _pythia(seed: int, process: list[str]):
    import pythia8mc

    py = pythia8mc.Pythia("", False)
    settings = ["Beams:idA = 2212", "Beams:idB = 2212", f"Beams:eCM = {_sqrt_s():.6f}",
                "Random:setSeed = on", f"Random:seed = {int(seed) % 900_000_000}",
                "Next:numberCount = 0", "Print:quiet = on"] + process
    for s in settings:
        if not py.readString(s):
            raise RuntimeError(f"Pythia rejected setting {s!r}")
    if not py.init():
        raise RuntimeError("Pythia initialisation failed")
    try:
        from importlib.metadata import version
        ver = version("pythia8mc")
    except Exception:  # noqa: BLE001 - provenance only
        ver = "unknown"
    return py, ver


def _run(py, n_events: int, species: dict[str, int], count_only: dict[str, int] | None = None):
    """Collect lab-frame (p, theta) of every instance of each species (|id|) in n_events events."""
    e_beam = math.hypot(P_BEAM, M_P)
    beta = P_BEAM / (e_beam + M_P)
    gamma = 1.0 / math.sqrt(1.0 - beta * beta)
    ids = {abs(v): k for k, v in species.items()}
    signed = {v: k for k, v in (count_only or {}).items()}
    pz, pt, en, which = [], [], [], []
    counts_only = {k: 0 for k in (count_only or {})}
    done = 0
    failed = 0
    while done < n_events:
        if not py.next():
            failed += 1
            if failed > n_events:
                raise RuntimeError("too many failed Pythia events")
            continue
        done += 1
        ev = py.event
        for j in range(ev.size()):
            part = ev[j]
            pid = part.id()
            name = ids.get(abs(pid))
            if name is not None:
                pz.append(part.pz()); pt.append(math.hypot(part.px(), part.py())); en.append(part.e())
                which.append(name)
            elif pid in signed:
                counts_only[signed[pid]] += 1
    pz = np.asarray(pz); pt = np.asarray(pt); en = np.asarray(en); which = np.asarray(which)
    pz_lab = gamma * (pz + beta * en)          # boost CM -> lab along +z
    p_lab = np.hypot(pz_lab, pt)
    theta = np.arctan2(pt, pz_lab)
    hists = {}
    for name in species:
        sel = which == name
        lp = np.clip(np.log10(np.maximum(p_lab[sel], 1e-12)), LOGP_EDGES[0], LOGP_EDGES[-1] - 1e-9)
        lt = np.clip(np.log10(np.maximum(theta[sel], 1e-12)), LOGT_EDGES[0], LOGT_EDGES[-1] - 1e-9)
        h, _, _ = np.histogram2d(lp, lt, bins=(LOGP_EDGES, LOGT_EDGES))
        hists[name] = h.astype(np.uint32)
    return hists, counts_only, done


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20260521)
    ap.add_argument("--n-soft", type=int, default=3_000_000, help="SoftQCD:inelastic pp events")
    ap.add_argument("--n-charm", type=int, default=200_000, help="HardQCD:hardccbar events")
    ap.add_argument("--n-beauty", type=int, default=150_000, help="HardQCD:hardbbbar events")
    ap.add_argument("--out", default="src/kaonportal/data/beamdump/meson_tables.npz")
    args = ap.parse_args(argv)

    out = {"logp_edges": LOGP_EDGES, "logtheta_edges": LOGT_EDGES}
    meta = {"seed": args.seed, "sqrt_s_gev": _sqrt_s(), "p_beam_gev": P_BEAM,
            "generated_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(["python", "scripts/make_meson_tables.py"] + (argv or sys.argv[1:]))}
    runs = (("soft", ["SoftQCD:inelastic = on"], SOFT, COUNT_ONLY, args.n_soft, 0),
            ("charm", ["HardQCD:hardccbar = on"], CHARM, None, args.n_charm, 1),
            ("beauty", ["HardQCD:hardbbbar = on"], BEAUTY, None, args.n_beauty, 2))
    for label, proc, species, count_only, n, offset in runs:
        if n <= 0:
            continue
        t0 = time.process_time()
        py, version = _pythia(args.seed + offset, proc)
        hists, extra, done = _run(py, n, species, count_only)
        info = py.infoPython()
        meta[f"{label}_pythia_version"] = version
        meta[f"{label}_sigma_gen_mb"] = float(info.sigmaGen())
        meta[f"{label}_sigma_err_mb"] = float(info.sigmaErr())
        meta[f"{label}_cpu_s"] = round(time.process_time() - t0, 1)
        meta[f"{label}_settings"] = proc
        out[f"{label}_n_events"] = np.int64(done)
        for name, h in hists.items():
            out[f"{label}:{name}"] = h
        for name, c in extra.items():
            out[f"{label}_count:{name}"] = np.int64(c)
        print(f"{label}: {done} events, {meta[f'{label}_cpu_s']} s CPU, sigma = "
              f"{meta[f'{label}_sigma_gen_mb']:.4g} mb; per event: "
              + ", ".join(f"{k} {h.sum() / done:.4g}" for k, h in hists.items())
              + "".join(f", {k} {c / done:.4g}" for k, c in extra.items()), file=sys.stderr)
    import json
    out["meta_json"] = np.array(json.dumps(meta))
    np.savez_compressed(args.out, **out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
