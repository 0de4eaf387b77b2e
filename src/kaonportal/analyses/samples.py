"""Simulated samples for the run: one call of :func:`kaonportal.simulation.simulate` per
(decay, n, seed, card, z range), cached as Parquet in ``DIR/cache`` so that an interrupted run
resumes where it stopped (files are written atomically: a partial file never looks complete).

>>> derive_seed(1, "K+ -> pi+ pi0") == derive_seed(1, "K+ -> pi+ pi0")
True
>>> derive_seed(1, "K+ -> pi+ pi0") != derive_seed(2, "K+ -> pi+ pi0")
True
"""

from __future__ import annotations

__all__ = ["MissingComponent", "SampleCache", "derive_seed", "require", "card_key", "SIMULATE_OPTIONS"]

import hashlib
import importlib
import os
import re
import zlib
from pathlib import Path

import numpy as np


# Per-decay simulation options. K+ -> mu+ nu is simulated with muon decays in flight because
# "K+ -> mu+ nu, mu+ -> e+ decay" is part of the published mu+ nu budget (published_results.md A1b).
SIMULATE_OPTIONS = {"K+ -> mu+ nu": {"muon_decays": True}, "K+ -> mu+ nu gamma": {"muon_decays": True}}


class MissingComponent(RuntimeError):
    """A part of kaonportal this run needs is not available (reported as exit code 1 with its name)."""


def require(module: str, name: str):
    """``getattr(import_module(module), name)`` or :class:`MissingComponent` naming what is missing."""
    try:
        mod = importlib.import_module(module)
        return getattr(mod, name)
    except (ImportError, AttributeError) as exc:
        raise MissingComponent(f"{module}.{name} is not available in this installation ({exc}); "
                               "the K+ -> pi+ nu nubar section cannot run without it") from None


def derive_seed(seed: int, label: str) -> int:
    """Independent, stable seed for one sample: SeedSequence of (seed, crc32(label))."""
    ss = np.random.SeedSequence([int(seed), zlib.crc32(label.encode())])
    return int(ss.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1))


def _slug(text: str) -> str:
    text = text.replace("->", " to ").replace("+", "p").replace("-", "m")
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


class SampleCache:
    """Simulate-or-load event tables.

    Parameters
    ----------
    cache_dir: directory for the Parquet files (``None``: no caching).
    card: card name, path or object passed to ``simulate``; ``card_key`` names it in file names.
    columns: keep only these columns (memory and cache size); ``None`` keeps all.
    max_part: samples larger than this are simulated in parts of at most ``max_part`` events, each
        with a seed derived from (seed, part index), and concatenated.
    """

    def __init__(self, cache_dir: Path | None, card, card_key: str, chunk_blocks: int = 4,
                 columns=None, max_part: int = 1_000_000):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.card = card
        self.card_key = card_key
        self.chunk_blocks = chunk_blocks
        self.columns = set(columns) if columns is not None else None
        self.max_part = int(max_part)
        self.on_part = None
        self.loaded_from_cache: list[str] = []
        self.simulated: list[str] = []

    def path(self, decay: str, n: int, seed: int, z_range) -> Path | None:
        if self.cache_dir is None:
            return None
        z = f"{z_range[0]:g}-{z_range[1]:g}"
        return self.cache_dir / f"{_slug(decay)}__{self.card_key}__z{z}__n{n}__s{seed}.parquet"

    def get(self, decay: str, n: int, seed: int, z_range):
        """Event table (pyarrow) of ``n`` simulated ``decay`` events in ``z_range``."""
        import pyarrow.parquet as pq
        p = self.path(decay, n, seed, z_range)
        if p is not None and p.is_file():
            try:
                table = pq.read_table(p)
                self.loaded_from_cache.append(decay)
                return table
            except Exception:  # noqa: BLE001 - a corrupt cache file is simply regenerated
                p.unlink(missing_ok=True)
        import pyarrow as pa
        simulate = require("kaonportal.simulation", "simulate")
        parts = []
        n_parts = max(1, -(-int(n) // self.max_part))
        for i in range(n_parts):
            n_i = min(self.max_part, int(n) - i * self.max_part)
            # one simulate() call per part (memory); part seeds derived from (seed, part index)
            seed_i = int(seed) if n_parts == 1 else derive_seed(seed, f"part{i}")
            res = simulate(decay, n=n_i, seed=seed_i, card=self.card, z_range=tuple(z_range),
                           sampling="weights", chunk_blocks=self.chunk_blocks, **SIMULATE_OPTIONS.get(decay, {}))
            table = res.events
            if self.columns is not None:
                table = table.select([c for c in table.column_names if c in self.columns])
            parts.append(table)
            del res
            if self.on_part is not None:
                self.on_part(decay, i + 1, n_parts)
        table = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
        self.simulated.append(decay)
        if p is not None:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(f".tmp{os.getpid()}")
            pq.write_table(table, tmp)
            os.replace(tmp, p)
        return table


def card_key(card_name_or_path: str) -> str:
    """Short key of a card for cache file names (name, or name + content hash for a file)."""
    p = Path(str(card_name_or_path))
    if p.is_file():
        return _slug(p.stem) + "_" + hashlib.sha1(p.read_bytes()).hexdigest()[:10]
    return _slug(str(card_name_or_path))
