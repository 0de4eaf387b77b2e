"""New-physics searches in kaon mode, built on the simulation, the selections and the statistics engine.

Each search is a named section of ``kaonportal run``: :data:`SECTIONS` maps its name to a function
``fn(out_dir, *, card, seed, quick, config=None) -> dict`` that writes ``out_dir/plots/*.png|pdf`` and
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

Projections: :func:`section_configs` reads a YAML mapping section name -> configuration overrides
(shipped example: ``projection-4x``, 4x the exposure of every default dataset).

>>> list(SECTIONS)
['pi0-invisible', 'lnv', 'hnl', 'kpix', 'kmunux', 'visible-x', 'pi0-gamma-x', 'interpretation']
>>> section_configs("projection-4x")["kpix"]
{'n_k_scale': 4.0}
"""

from importlib import resources
from pathlib import Path

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
    def run(out_dir, *, card: str = "na62-2022", seed: int = 0, quick: bool = False, config=None) -> dict:
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

__all__ = ["SECTIONS", "hepdata_tables", "section_configs", "list_search_configs"]

_CONFIG_DIR = resources.files("kaonportal") / "data" / "searches"


def list_search_configs() -> list[str]:
    """Names of the shipped search configuration files (``kaonportal/data/searches/*.yaml``)."""
    return sorted(p.name[:-5] for p in _CONFIG_DIR.iterdir() if p.name.endswith(".yaml"))


def section_configs(name_or_path: str | Path) -> dict:
    """Per-section configuration overrides from a shipped name or a YAML path: ``{section: mapping}``.

    Unknown section names or a non-mapping block are an :class:`~kaonportal.errors.InputError`; the
    blocks themselves are validated when the section runs (``config=`` argument).
    """
    from ...errors import InputError
    from ...yamlio import parse_yaml, read_text
    name = str(name_or_path)
    if name in list_search_configs():
        text = (_CONFIG_DIR / f"{name}.yaml").read_text()
    elif Path(name).is_file():
        text = read_text(name, "config")
    else:
        raise InputError("config", f"unknown search configuration {name!r}; known: "
                                   f"{', '.join(list_search_configs())} (or a path to a YAML file)")
    data = parse_yaml(text, "config", name, mapping=True)
    for key, block in data.items():
        if key not in SECTIONS:
            raise InputError(f"config.{key}", f"unknown search section; known: {', '.join(SECTIONS)}")
        if not isinstance(block, dict):
            raise InputError(f"config.{key}", "must be a mapping of settings")
    return data
