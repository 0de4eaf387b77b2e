"""New-physics searches in kaon mode, built on the simulation, the selections and the statistics engine.

Each search is a named section of ``kaonportal run``: :data:`SECTIONS` maps its name to a function
``fn(out_dir, *, card=None, seed, quick, config=None) -> dict`` (``card``: the run's top-level card override;
``None``: each search's own data-period card, :mod:`.datasets`; the summary records ``dataset``, ``card``,
``card_origin``, ``n_k``, ``selection`` and the one-line ``data_used``) that writes ``out_dir/plots/*.png|pdf`` and
``out_dir/curves/*.csv`` (``#`` header: what, units, CL, inputs) and returns a JSON-able summary
(``config``: a YAML path or a mapping overriding the search's defaults). ``interpretation`` reads the
curves of ``kpix`` and ``hnl`` from the same ``out_dir`` (running them if absent), so it comes last.
:func:`hepdata_tables` turns every curve written into hepdata_lib tables.

=================  ====================================================  ==========================
section            what                                                  module
=================  ====================================================  ==========================
pi0-invisible      BR(pi0 -> invisible), counting on tagged pi0          :mod:`.pi0_invisible`
lnv                nine LNV/LFV K+ decays, counting limits               :mod:`.lnv`
hnl                K+ -> e+ N, K+ -> mu+ N, pi+ -> e+ N peak scans       :mod:`.hnl`
kpix               K+ -> pi+ X (invisible) scan, lifetimes               :mod:`.kpix`
kmunux             K+ -> mu+ nu X and K+ -> mu+ nu nu nubar (counting)    :mod:`.kmunux`
visible-x          K+ -> pi+ X, X -> gamma gamma / mu+ mu- peak scans     :mod:`.visible_x`
pi0-gamma-x        pi0 -> gamma A' (A' invisible) scan, gamma nu nubar     :mod:`.pi0_gamma_x`
interpretation     BC2/BC4/BC10/BC11, BC6/BC7 planes vs published        :mod:`.interpretation`
=================  ====================================================  ==========================

Configuration: ``kaonportal run --config run.yaml`` passes ``searches: {<section>: {...}}`` to each section
(the options are the fields of its ``*Config`` class, e.g. :class:`.kpix.KpixConfig`); observed candidates
from a user file: ``searches: {kpix: {candidates_file: my.csv}}`` (CSV with an ``m2miss`` column in
GeV^2/c^4, relative to the working directory), ``hnl: {candidates_file: {"K+ -> e+ N": e.csv}}``
(``m2miss_e`` / ``m2miss_mu``), ``visible-x: {candidates_file: {gg: g.csv, mumu: m.csv}}`` (``m_gg`` /
``m_mumu`` in GeV/c^2); counting searches take counts (``pi0-invisible: {observed: 12}``,
``lnv: {observed: {"K+ -> pi- mu+ mu+": 1}}``). :func:`check_section_inputs` validates one section's
options, mass grids and candidate files before anything is simulated (``kaonportal run`` calls it for every
configured section: bad input exits with code 2 before the first simulation).

Projections: :func:`section_configs` reads a YAML mapping section name -> configuration overrides
(shipped example: ``projection-4x``, 4x the kaon decays of every default dataset; the hnl block also sets
``intensity_scale: 4``, the one search input kaonportal moves with the intensity, its K-pi mismatch).

>>> list(SECTIONS)
['pi0-invisible', 'lnv', 'hnl', 'kpix', 'kmunux', 'visible-x', 'pi0-gamma-x', 'interpretation']
>>> section_configs("projection-4x")["kpix"]
{'n_k_scale': 4.0}
>>> check_section_inputs("kmunux", {"masses": [0.5]})
Traceback (most recent call last):
...
kaonportal.errors.InputError: searches.kmunux.masses[0]: 0.5 GeV is outside the allowed range(s) [0.01, 0.37] GeV
"""

from importlib import resources
from pathlib import Path

from ...errors import InputError

from .hnl import hnl_section
from .interpretation import hepdata_tables, interpretation_section
from .kmunux import kmunux_section
from .kpix import kpix_section
from .lnv import lnv_section
from .pi0_gamma_x import pi0_gamma_x_section
from .pi0_invisible import pi0_invisible_section
from .visible_x import visible_x_section

def _jsonable(fn):
    """The section's summary with numpy values converted (plain JSON types; non-finite floats as strings)."""
    import functools

    @functools.wraps(fn)
    def run(out_dir, *, card: str | None = None, seed: int = 0, quick: bool = False, config=None) -> dict:
        from ...cli._common import to_jsonable
        from .common import use_sample_cache
        # every section's simulated samples go to DIR/cache, so an interrupted run resumes from disk
        with use_sample_cache(Path(out_dir) / "cache"):
            return to_jsonable(fn(Path(out_dir), card=card, seed=seed, quick=quick, config=config))
    return run


SECTIONS = {name: _jsonable(fn) for name, fn in (
    ("pi0-invisible", pi0_invisible_section), ("lnv", lnv_section), ("hnl", hnl_section), ("kpix", kpix_section),
    ("kmunux", kmunux_section), ("visible-x", visible_x_section), ("pi0-gamma-x", pi0_gamma_x_section),
    ("interpretation", interpretation_section))}

__all__ = ["SECTIONS", "hepdata_tables", "section_configs", "list_search_configs", "check_section_inputs"]

_CONFIG_DIR = resources.files("kaonportal") / "data" / "searches"


def list_search_configs() -> list[str]:
    """Names of the shipped search configuration files (``kaonportal/data/searches/*.yaml``)."""
    return sorted(p.name[:-5] for p in _CONFIG_DIR.iterdir() if p.name.endswith(".yaml"))


def section_configs(name_or_path: str | Path) -> dict:
    """Per-section configuration overrides from a shipped name or a YAML path: ``{section: mapping}``.

    Unknown section names or a non-mapping block are an :class:`~kaonportal.errors.InputError`; the
    blocks themselves are validated when the section runs (``config=`` argument).
    """
    from ...yamlio import read_yaml
    name = str(name_or_path)
    if name in list_search_configs():
        path = _CONFIG_DIR / f"{name}.yaml"
    elif Path(name).is_file():
        path = Path(name)
    else:
        raise InputError("config", f"unknown search configuration {name!r}; known: "
                                   f"{', '.join(list_search_configs())} (or a path to a YAML file)")
    data = read_yaml(path, "config", where=name)
    for key, block in data.items():
        if key not in SECTIONS:
            raise InputError(f"config.{key}", f"unknown search section; known: {', '.join(SECTIONS)}")
        if not isinstance(block, dict):
            raise InputError(f"config.{key}", "must be a mapping of settings")
    return data


def _config_classes() -> dict:
    # (config class, pre-run check): each check validates what the options point at (mass grids, injected
    # masses, candidate files, cards) before anything is simulated; its return value is not used here
    from .hnl import HnlConfig, check_hnl_inputs
    from .kmunux import KmunuxConfig, check_kmunux_inputs
    from .kpix import KpixConfig, check_kpix_inputs
    from .lnv import LnvConfig, check_lnv_inputs
    from .pi0_gamma_x import Pi0GammaXConfig, check_pi0_gamma_x_inputs
    from .pi0_invisible import Pi0InvisibleConfig
    from .visible_x import VisibleXConfig, check_visible_x_inputs
    return {"pi0-invisible": (Pi0InvisibleConfig, None), "lnv": (LnvConfig, check_lnv_inputs),
            "hnl": (HnlConfig, check_hnl_inputs), "kpix": (KpixConfig, check_kpix_inputs),
            "kmunux": (KmunuxConfig, check_kmunux_inputs), "visible-x": (VisibleXConfig, check_visible_x_inputs),
            "pi0-gamma-x": (Pi0GammaXConfig, check_pi0_gamma_x_inputs), "interpretation": (None, None)}


def check_section_inputs(name: str, config=None, field: str | None = None, deep: bool = True):
    """Validate the options of search section ``name`` (a mapping, a YAML path or ``None``) and what they
    point at (mass grids inside the search's kinematic range, candidate files readable with the right
    column and finite values in range, channel names) without simulating anything; returns the
    validated configuration object (``None`` for ``interpretation``). Errors are :class:`InputError`
    whose field is prefixed with ``field`` (default ``searches.<name>``). ``deep=False``: the options only
    (for a section switched off)."""
    field = field or f"searches.{name}"
    classes = _config_classes()
    if name not in classes:
        raise InputError(field, f"unknown search; known: {', '.join(SECTIONS)}")
    cls, check = classes[name]
    if cls is None:
        if config:
            raise InputError(field, "this section takes no options")
        return None
    from .common import load_search_config
    cfg = load_search_config(cls, config, field=field)
    if check is not None and deep:
        try:
            check(cfg)
        except InputError as exc:
            raise InputError(f"{field}.{exc.field}", exc.message) from None
    # then every numeric option against the sanity bounds (NaN / infinities, absurd magnitudes, reversed
    # ranges: analyses.bounds); after the search's own check, whose messages are more specific
    from ..bounds import check_config_values
    check_config_values(cfg, field)
    return cfg
