"""README.md of a ``kaonportal run`` output directory (:func:`write_readme`), generated from what the run wrote,
and the description of every entry of the directory (:data:`OUTPUT_LAYOUT`).

>>> sorted(k for k in OUTPUT_LAYOUT if "/" not in k.rstrip("/"))[:3]    # the top-level entries
['README.md', 'beamdump/', 'cache/']
"""

from __future__ import annotations

__all__ = ["OUTPUT_LAYOUT", "write_readme"]

from pathlib import Path

OUTPUT_LAYOUT = {
    "summary.json": "every number of the run (N_K, SES, acceptances, per-source backgrounds with errors, BR, SM "
                    "prediction, cut flows), the configuration and the seed",
    "plots/pnn_m2miss_vs_p.png|pdf|svg": "m2miss versus pi+ momentum: simulated signal after the selection (grey scale), "
                                     "background kinematics (contours), signal regions R1/R2 and control regions",
    "plots/pnn_background_budget.png|pdf|svg": "background per source: this run (simulation and data-driven) next to the "
                                           "published budget",
    "plots/pnn_cutflow.png|pdf|svg": "weighted cumulative efficiency after each cut (signal and normalisation)",
    "tables/pnn_cutflow_signal.csv": "signal cut flow (weighted, per fiducial K+ decay)",
    "tables/pnn_background_budget.csv": "background budget per source with the published numbers",
    "tables/pnn_momentum_bins.csv": "acceptance, N_K and SES per pi+ momentum bin",
    "plots/validation_ratios.png|pdf|svg": "this run / published for every reference-registry entry, coloured by status "
                                       "(agree / tension / disagree) with the entry's tolerance band",
    "tables/validation.csv": "this run's numbers against published ones (kaonportal reference registry): value, "
                             "published, ratio, pull, tolerance and status agree / tension / disagree",
    "plots/<search>_*.png|pdf|svg": "new-physics searches (pi0 -> invisible, LNV/LFV, HNL, K+ -> pi+ X, K+ -> mu+ nu X) "
                                "and their portal-coupling interpretation next to the published curves",
    "curves/*.csv": "every limit curve of the searches, with a '#' header: what, units, CL, inputs",
    "beamdump/": "beam-dump section: contour and projection CSVs, plot, yields and its own summary.json",
    "beamdump/contour.csv": "90% CL exclusion contour in (mass, coupling) at the dump's N_POT: the observed line and "
                            "the expected median with its bands (background-only expectation); the '#' header gives "
                            "the model, channels, inputs and the stated disagreements with NA62",
    "beamdump/projection.csv": "expected (median) 90% CL exclusion with its bands, projected to a larger N_POT",
    "beamdump/yields.npz": "signal yield grid (numpy npz): masses, couplings, events per POT with their Monte Carlo "
                           "error, per channel, and the invariant-mass window half-widths",
    "beamdump/summary.json": "the beam-dump section's own summary: model, grid, inputs, excluded ranges, the "
                             "comparison with NA62 (validation) and the stated disagreements",
    "beamdump/contour.png|pdf|svg": "the beam-dump exclusion in (mass, coupling) with the observed contour, the "
                                    "expected median and its bands, the projection and the published NA62 contour "
                                    "where one ships with kaonportal",
    "hepdata/": "HEPData submission (hepdata_lib): submission.yaml and one YAML table per result; passes "
                "hepdata-validate -d hepdata",
    "hepdata.tar.gz": "the same HEPData submission as one archive, ready to upload",
    "cache/": "simulated event samples (Parquet), reused when the run is repeated or resumed",
    "README.md": "this description",
}


# search options the README reports (those a section's *Config class has): the mass grid, the observed
# candidates, the exposure and the injected signal; everything else is in summary.json["config"]
README_OPTIONS = ("channels", "masses", "mass_step", "candidates_file", "observed", "dataset", "n_k", "n_parent",
                  "n_pi0_tagged", "n_k_scale", "n_scale", "inject", "cl")
# summary keys of a search section that say where its observed candidates come from
_ORIGIN_KEYS = ("candidates", "observed_origin", "candidates_origin")


def _rel(f, out: Path) -> str:
    p = Path(str(f))
    try:
        return (p if p.is_absolute() else out / p).resolve().relative_to(out.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def _layout_description(rel: str) -> str | None:
    """The :data:`OUTPUT_LAYOUT` description of a written file (``a.png|pdf`` keys match both)."""
    from fnmatch import fnmatch
    for key, desc in OUTPUT_LAYOUT.items():
        if "<" in key:
            continue
        head, _, alt = key.partition("|")
        stem = head.rsplit(".", 1)[0]
        pats = [head] + [f"{stem}.{a}" for a in alt.split("|") if a]
        if any(fnmatch(rel, pat) for pat in pats):
            return desc
    return None


def _curve_info(path: Path) -> str:
    """What a curve CSV holds, from its own ``#`` header and rows (what, units, CL, points and range)."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return "curve (unreadable)"
    head = {k.strip(): v.strip() for ln in lines if ln.startswith("#")
            for k, _, v in [ln[1:].partition(":")] if k.strip() in ("what", "units", "confidence level")}
    data = [ln.split(",") for ln in lines if ln and not ln.startswith("#")]
    parts = [head.get("what", "curve")]
    if len(data) > 1:
        col = data[0][0]
        try:
            x = [float(r[0]) for r in data[1:]]
            parts.append(f"{len(x)} rows, {col} from {min(x):.4g} to {max(x):.4g}")
        except ValueError:
            parts.append(f"{len(data) - 1} rows ({col})")
    if head.get("units"):
        parts.append(f"units: {head['units']}")
    if head.get("confidence level") not in (None, "n/a"):
        parts.append(f"CL {head['confidence level']}")
    return "; ".join(parts)


def _generic_description(rel: str) -> str:
    if rel.startswith("hepdata/") and rel.endswith(".yaml"):
        return "HEPData table (hepdata_lib YAML)"
    return {".csv": "CSV table", ".json": "JSON summary", ".npz": "numpy arrays (npz)"}.get(Path(rel).suffix,
                                                                                          "file written by the run")


def _fmt_option(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)) and len(value) > 6 and all(isinstance(v, (int, float)) for v in value):
        return f"{len(value)} values from {min(value):g} to {max(value):g}"
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    if isinstance(value, list) and value and hasattr(value[0], "model_dump"):
        value = [v.model_dump(mode="json") for v in value]
    text = repr(value) if not isinstance(value, float) else f"{value:g}"
    return text if len(text) <= 160 else text[:157] + "..."


def _candidate_origins(sec: dict) -> list[str]:
    """Markdown lines: where a search section's observed candidates came from (its summary says it, at the top
    level or per channel)."""
    out = [f"- {sec[k]}" for k in _ORIGIN_KEYS if isinstance(sec.get(k), str)]
    nested = dict(sec.get("channels")) if isinstance(sec.get("channels"), dict) else {}
    nested.update({k: v for k, v in sec.items() if isinstance(v, dict) and k != "channels"})
    for key, sub in nested.items():
        if isinstance(sub, dict):
            out += [f"- {key}: {sub[k]}" for k in _ORIGIN_KEYS if isinstance(sub.get(k), str)][:1]
    return out


def _search_options(name: str, given: dict | None) -> list[str]:
    """Markdown lines: the options of search ``name`` this README reports, with the values of this run."""
    try:
        from ..analyses.searches import check_section_inputs
        cfg = check_section_inputs(name, given or None, deep=False)
    except Exception:  # noqa: BLE001 - the README must not fail the run; summary.json has the config
        return []
    if cfg is None:
        return ["- no options (reads the other sections' curves from curves/)"]
    given = given or {}
    lines = []
    for key in README_OPTIONS:
        field = type(cfg).model_fields.get(key)
        if field is None or (key == "channels" and not all(isinstance(c, str) for c in getattr(cfg, key))):
            continue
        value = getattr(cfg, key)
        text = _fmt_option(value)
        if key == "masses" and value is None:
            text = "none (the default grid of the kinematic range" + (f", step {_fmt_option(cfg.mass_step)} GeV)"
                                                                       if hasattr(cfg, "mass_step") else ")")
        if key == "candidates_file" and not value:  # None or {} (per-channel mapping)
            text = "none (observed limits from pseudo-data)"
        src = "set in the config" if key in given else "default"
        desc = f": {field.description}" if field.description else ""
        lines.append(f"- **{key}** = {text} ({src}){desc}")
    return lines


def _file_rows(files, out: Path, hepdata: dict, listed: set) -> list[str]:
    """Table rows for written files that exist (curve CSVs with their HEPData table), each listed once; a file is
    described by :data:`OUTPUT_LAYOUT` (else by its kind), never by the key a section filed it under."""
    rows, plots = [], {}
    for f in files:
        rel = _rel(f, out)
        if rel in listed or not (out / rel).is_file():
            continue
        listed.add(rel)
        path = out / rel
        if path.suffix in (".png", ".pdf"):
            plots.setdefault(rel.rsplit(".", 1)[0], []).append(rel)
            continue
        if path.suffix == ".csv" and rel.startswith("curves/"):
            hd = hepdata.get(path.stem.lower())
            if hd:
                listed.add(hd)
            rows.append(f"| `{rel}` | {_curve_info(path)} | " + (f"`{hd}`" if hd else "-") + " |")
        else:
            what = _layout_description(rel) or _generic_description(rel)
            rows.append(f"| `{rel}` | {what} | - |")
    for stem, rels in plots.items():
        layout = _layout_description(rels[0])
        rows.append(f"| {', '.join(f'`{r}`' for r in sorted(rels))} | plot" + (f": {layout}" if layout else "") + " | - |")
    return rows


def _stated_disagreements(sec: dict) -> list[str]:
    """Markdown lines: the known disagreements with NA62's published results the beam-dump section states on its
    result (its summary's ``stated_disagreements``), so that a reader of the README sees them next to its files."""
    notes = [str(d).replace("`", "'") for d in sec.get("stated_disagreements") or ()]   # backticks: paths only
    if not notes:
        return ["Stated disagreements with NA62's published results: none for this configuration."]
    return [f"Stated disagreements with NA62's published results ({len(notes)}; also in beamdump/summary.json and "
            "the contour CSV header; not tuned away):", "", *(f"{k}. {d}" for k, d in enumerate(notes, 1))]


def write_readme(path: Path, summary: dict) -> str:
    """README.md of the output directory, generated from what the run actually wrote: the top-level
    entries, then per section its status, its files (every curve CSV with what it holds, read from the
    CSV's own header, and its HEPData table) and, for the searches, the options of this run (mass grid,
    candidate files, exposure scaling, injected signal). Every path it names (in backticks) exists;
    files of the run not claimed by a section are listed at the end.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "summary.json").write_text("{}")
    >>> text = pathlib.Path(write_readme(d / "README.md", {"seed": 1, "sections": {}})).read_text()
    >>> "`summary.json`" in text and "`cache/`" not in text
    True
    """
    out = Path(path).parent
    hep_dir = out / "hepdata"
    hepdata = ({p.stem.lower(): f"hepdata/{p.name}" for p in sorted(hep_dir.glob("*.yaml")) if p.name != "submission.yaml"}
               if hep_dir.is_dir() else {})
    sections = summary.get("sections", {}) or {}
    config = summary.get("config", {}) or {}
    lines = ["# kaonportal run output", "",
             f"Produced by kaonportal {summary.get('kaonportal_version', '?')} with seed {summary.get('seed')} "
             f"(config: {summary.get('config_source', 'built-in default')}"
             + ("; --quick: reduced samples" if summary.get("quick") else "") + ")"
             + (f" in {summary['elapsed_s']} s" if "elapsed_s" in summary else "") + ".",
             "This file was generated from what the run wrote: every path below (relative to this directory) exists.",
             "", "## Top level", "", "| path | what it is |", "|---|---|"]
    listed = {"README.md"}
    for key, desc in OUTPUT_LAYOUT.items():
        if "/" in key.rstrip("/") or "|" in key or "*" in key:
            continue
        if key == "README.md" or (out / key.rstrip("/")).exists():   # this file is being written
            lines.append(f"| `{key}` | {desc} |")
            listed.add(key.rstrip("/"))
    fmts = ", ".join(f.upper() for f in summary.get("plot_formats") or ["png"])
    for d, desc in (("plots/", f"plots ({fmts}; --plot-formats) of every section"), ("tables/", "CSV tables of the pnn section"),
                    ("curves/", "limit curves of the searches (CSV, '#' header: what, units, CL, inputs)")):
        if (out / d).is_dir():
            lines.append(f"| `{d}` | {desc} |")
    cleaned = summary.get("cache_cleaned")
    if cleaned:
        lines += ["", f"The simulated-sample cache (cache/) was deleted after the run (--clean-cache): "
                      f"{cleaned.get('files_removed', '?')} files, {cleaned.get('bytes_freed', 0) / 1e6:.1f} MB freed; "
                      "rerunning the same command simulates everything again."]
    searches_intro = False
    for name, sec in sections.items():
        if not isinstance(sec, dict):
            continue
        status = sec.get("status", "done")
        search = name not in ("pnn", "beamdump")
        if search and not searches_intro:
            searches_intro = True
            lines += ["", "## New-physics searches", "",
                      "Options go under 'searches: {<section>: {...}}' in a --config YAML file ('sections: {<section>: "
                      "false}' switches one off); all options with their values: summary.json (config.searches) and "
                      "the section's *Config class (kaonportal.analyses.searches). Observed limits come from "
                      "pseudo-data unless a candidate file (candidates_file) or observed counts (observed) are given. "
                      "Each curve CSV starts with a '#' header (what, units, CL, inputs) and is also a HEPData table."
                      + (" With --quick some sections use a coarser mass grid and smaller samples: the curve files "
                         "give the grid actually used." if summary.get("quick") else "")]
        title = {"pnn": "## K+ -> pi+ nu nubar (section pnn)", "beamdump": "## Beam dump (section beamdump)"}.get(
            name, f"### Search section {name}")
        lines += ["", title, "", f"Status: {status}."]
        if name == "pnn" and isinstance(sec, dict) and isinstance(sec.get("intensity"), dict):
            it = sec["intensity"]
            lines += ["", f"Beam intensity: {it['intensity_scale']:g}x the card's nominal beam rate "
                          f"(beam rate {it['beam_rate_mhz']:g} MHz)"
                      + ("; the published numbers are at 1x and carry no agreement status at this intensity."
                         if it["intensity_scale"] != 1.0 else ".")]
        if search and status != "disabled in the config":
            opts = _search_options(name, (config.get("searches") or {}).get(name))
            if opts:
                lines += ["", "Options of this run:", "", *opts]
            origins = _candidate_origins(sec)
            if origins:
                lines += ["", "Observed candidates:", "", *origins]
        files = sec.get("files") or []
        files = list(files.values()) if isinstance(files, dict) else list(files)
        if name == "pnn":
            # paths relative to the output directory (as in summary.json), whatever --out was
            files += [f"tables/{p.name}" for p in sorted((out / "tables").glob("pnn_*.csv"))]
            files += [f"plots/{p.name}" for p in sorted((out / "plots").glob("pnn_*.*"))]
            files += [h for stem, h in hepdata.items() if stem.startswith("pnn_")]
        if name == "beamdump" and status == "done":
            lines += ["", *_stated_disagreements(sec)]
        rows = _file_rows(files, out, hepdata, listed)
        if rows:
            lines += ["", "| file | what it is | HEPData table |", "|---|---|---|", *rows]
    if hepdata:
        lines += ["", "## HEPData", "",
                  ("`hepdata/submission.yaml`: the submission, one table per curve above (named after the curve, in "
                   "lower case) and per pnn table; the command hepdata-validate -d hepdata checks it."
                   if (hep_dir / "submission.yaml").is_file() else
                   "One table per curve above (the curve's name in lower case).")
                  + (" `hepdata.tar.gz`: the same files as one archive to upload."
                     if (out / "hepdata.tar.gz").is_file() else "")]
        listed |= {"hepdata/submission.yaml", "hepdata.tar.gz"}
    rest = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and p.parts[len(out.parts)] not in ("cache", "README.md")
                  and p.relative_to(out).as_posix() not in listed and p.name != "summary.json"
                  and not p.name.startswith("."))      # the run's lock file and temporaries
    rest = [r for r in rest if r not in hepdata.values()] + [h for h in hepdata.values() if h not in listed]
    if rest:
        lines += ["", "## Other files", "", "| file | what it is |", "|---|---|",
                  *(f"| `{r}` | {_layout_description(r) or 'written by the run'} |" for r in sorted(set(rest)))]
    lines += ["", "Units: GeV, GeV/c, metres, ns; m2miss in GeV^2/c^4. Numbers marked published come from",
              "NA62 papers/talks (cited by key; full citations in summary.json \"references\" and from kaonportal refs KEY); all other numbers are from this run's fast",
              "simulation, which approximates the NA62 detector (parameters with status R/D/U in the card)."]
    from ..atomic import write_text_atomic
    return write_text_atomic(path, "\n".join(lines) + "\n")
