"""The package bibliography: every source cited in code, cards, data files and outputs, by key.

The entries live in ``kaonportal/data/bibliography.yaml`` (key -> authors, title, journal, arXiv, year,
DOI or URL where known, note). A citation in the package is written ``[KEY]`` (optionally followed by a
locator: ``[Blumlein:2013cua] eq. 3``, ``[GA]``, ``[FW BeamParameters.cc]``). Keys are INSPIRE texkeys
where one was seen in a public record, otherwise local keys of the same ``Name:YEARsuffix`` shape; the short
source codes of the NA62 parameter compilation the cards use (``JINST17``, ``GA``, ``S002``, ...) are
aliases of a full entry.

>>> cite("NA62:2020mcv")  # doctest: +ELLIPSIS
'NA62 Collaboration (E. Cortina Gil et al.), "Search for heavy neutral lepton production in K+ decays to positrons", Phys. Lett. B 807 (2020) 135599, arXiv:2005.09575, doi:10.1016/j.physletb.2020.135599'
>>> resolve("JINST17"), resolve("[FW BeamParameters.cc]"), resolve("MCgeo:CHANTI"), resolve("arXiv:2007.08218")
('NA62:2017jinst', 'NA62FW:2019git', 'NA62FW:2019git', 'NA62:2020pnn17')
>>> find_keys("production as in [Blumlein:2013cua] eq. 3 and NA62:2021bji; not a:2020abc or x[0]")
['Blumlein:2013cua', 'NA62:2021bji']
>>> check_keys("[GA; MCgeo:LKr] and [JINTS17] and Smith:2020xyz")
['Smith:2020xyz', 'JINTS17']
>>> cited("BR < 4.4e-9 [NA62:2020pwi]; card [JINST17 R]")  # doctest: +ELLIPSIS
{'NA62:2020pwi': 'NA62 Collaboration (E. Cortina Gil et al.), "Search for pi0 decays to invisible particles", ...', 'NA62:2017jinst': ...}
>>> cite("nope")
Traceback (most recent call last):
...
kaonportal.errors.InputError: key: unknown bibliography key 'nope' (see `kaonportal refs`)
"""

from __future__ import annotations

__all__ = ["KEY_RE", "BRACKET_RE", "REQUIRED_FIELDS", "bibliography", "aliases", "resolve", "cite",
           "entry", "find_keys", "find_bracket_codes", "check_keys", "cited", "header_lines", "label",
           "curve_keys", "curve_label"]

import functools
import re
from importlib import resources
from typing import Any

from .errors import InputError
from .yamlio import read_yaml

#: An INSPIRE-shaped key: ``Collaboration-or-Author:YEARsuffix`` (``NA62:2021bji``, ``Blumlein:2013cua``, older
#: two-letter suffixes such as ``Pospelov:2008zw``, local keys such as ``NA62:2017jinst``). Not preceded by a word character, ``/``, ``.`` or ``:`` so that
#: URLs, times and file names do not match.
KEY_RE = re.compile(r"(?<![\w/.:\-])([A-Z][A-Za-z0-9\-]*:(?:19|20)\d\d[a-z][a-z0-9]+)(?![\w:])")

#: A bracketed citation group ``[A; B, C locator]`` not directly after an identifier (``x[0]`` is indexing).
BRACKET_RE = re.compile(r"(?<![\w\]\)'\"])\[([^\[\]\n]{1,160})\]")

# The first token of a bracket item that is read as a short source code: capitalised, at least two
# characters, letters/digits (``GA``, ``JINST17``, ``S002``, ``MCgeo``); single status letters ``[V]`` and
# names with underscores (Python constants) are not codes.
_CODE_RE = re.compile(r"[A-Z][A-Za-z0-9]+(?:/[A-Za-z0-9]+)?")
# Capitalised bracket contents that are units or Python literals, not source codes.
_NOT_CODES = frozenset({"GeV", "MeV", "keV", "TeV", "GeV/c", "MeV/c", "GeV/c2", "MeV/c2", "True", "False",
                        "None", "XSa"})

#: Fields every entry must have (plus at least one of journal / arxiv / url).
REQUIRED_FIELDS = ("authors", "title", "year")
_LOCATORS = ("journal", "arxiv", "url")


@functools.lru_cache(maxsize=1)
def bibliography() -> dict[str, dict[str, Any]]:
    """Key -> entry (a dict of fields), read once from the shipped ``bibliography.yaml``."""
    # through yamlio, the package's one YAML reader: a shipped file gets libyaml's loader (~10x faster than the
    # pure-Python one yaml.safe_load used: ~80 -> ~9 ms of CPU for this 36 kB file, every run and selection)
    data = read_yaml(resources.files("kaonportal").joinpath("data/bibliography.yaml"), "bibliography")
    return {str(k): dict(v) for k, v in data.items()}


@functools.lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    """Alias (a short code of the parameter compilation, e.g. ``JINST17``, ``S002``) -> key."""
    out: dict[str, str] = {}
    for key, fields in bibliography().items():
        for alias in fields.get("aliases") or ():
            out[str(alias)] = key
    return out


def _lookup(token: str) -> str | None:
    bib, ali = bibliography(), aliases()
    if token in bib:
        return token
    if token in ali:
        return ali[token]
    return None


def resolve(ref: str) -> str | None:
    """The bibliography key a citation refers to, or None.

    ``ref`` is a key, an alias, or one bracketed item with a locator: ``[FW BeamParameters.cc]`` (a file of
    the framework), ``MCgeo:CHANTI`` (a code with a sub-locator), ``JINST17 R`` (a status letter after it).
    """
    token = ref.strip().strip("[]").strip()
    found = _lookup(token)
    if found is None and token.startswith("arXiv:"):       # a work cited by its arXiv number
        found = next((k for k, e in bibliography().items() if f"arXiv:{e.get('arxiv')}" == token), None)
    if found is None and token:
        head = token.split()[0].rstrip(",;")
        found = _lookup(head)
        if found is None and ":" in head and not KEY_RE.fullmatch(head):
            found = _lookup(head.split(":", 1)[0])
    return found


def entry(key: str) -> dict[str, Any]:
    """The fields of one entry (key or alias); an unknown key is an InputError naming it."""
    found = resolve(key)
    if found is None:
        raise InputError("key", f"unknown bibliography key {key!r} (see `kaonportal refs`)")
    return bibliography()[found]


def cite(key: str) -> str:
    """The full citation of ``key`` (or an alias) as one line: authors, "title", journal, arXiv, DOI/URL."""
    e = entry(key)
    title = str(e["title"])
    # a [bracketed] title in the bibliography is a description, not a quotation; printed without the brackets
    # (outputs are scanned for [KEY] citations, and a bracketed description would read as one)
    shown = f"{title[1:-1]} (description, title not verified)" if title.startswith("[") else f'"{title}"'
    parts = [str(e["authors"]), shown]
    if e.get("journal"):
        parts.append(str(e["journal"]))
    elif not e.get("arxiv"):
        parts.append(str(e["year"]))
    if e.get("arxiv"):
        parts.append(f"arXiv:{e['arxiv']}")
    if e.get("doi"):
        parts.append(f"doi:{e['doi']}")
    elif e.get("url"):
        parts.append(str(e["url"]))
    return ", ".join(parts)


def find_keys(text: str) -> list[str]:
    """Every INSPIRE-shaped key in ``text`` (:data:`KEY_RE`), in order, without repeats."""
    return list(dict.fromkeys(m.group(1) for m in KEY_RE.finditer(text)))


def find_bracket_codes(text: str) -> list[str]:
    """Every short source code cited in a bracket group, e.g. ``GA``, ``MCgeo:LKr`` in ``[GA; MCgeo:LKr]``."""
    codes: list[str] = []
    for group in BRACKET_RE.finditer(text):
        for item in re.split(r"[;,]", group.group(1)):
            words = item.split()
            if not words:
                continue
            head = words[0]
            base = head.split(":", 1)[0] if not KEY_RE.fullmatch(head) else head
            if KEY_RE.fullmatch(head) or (_CODE_RE.fullmatch(base) and head not in _NOT_CODES):
                codes.append(head)
    return list(dict.fromkeys(codes))


def check_keys(text: str, brackets: bool = True) -> list[str]:
    """The citations in ``text`` that do not resolve: INSPIRE-shaped keys anywhere, and (``brackets``)
    the short codes of bracketed citation groups. An empty list means every citation can be followed."""
    cited = find_keys(text) + (find_bracket_codes(text) if brackets else [])
    return [c for c in dict.fromkeys(cited) if resolve(c) is None]


def cited(text: str) -> dict[str, str]:
    """Key -> full citation for every resolvable citation in ``text`` (in order of first appearance).

    Used to attach a bibliography to an output (summary.json, HEPData, curve headers) from the citations its
    text fields carry, so that a user of the output can follow every source without the package."""
    out: dict[str, str] = {}
    for ref in find_keys(text) + find_bracket_codes(text):
        key = resolve(ref)
        if key is not None and key not in out:
            out[key] = cite(key)
    return out


def header_lines(text: str, prefix: str = "# ") -> list[str]:
    """``prefix + "[KEY] full citation"`` lines for the citations in ``text`` (for file headers).

    >>> header_lines("model: [Ilten:2018crw] Eqs. 2.17-2.18")  # doctest: +ELLIPSIS
    ['# [Ilten:2018crw] P. Ilten, Y. Soreq, M. Williams, W. Xue, "Serendipity in dark photon searches", ...']
    """
    return [f"{prefix}[{k}] {c}" for k, c in cited(text).items()]


def label(key: str) -> str:
    """A short label for plot legends: who, where (``NA62, Phys. Lett. B 807 (2020) 135599``).

    >>> label("NA62:2020mcv"), label("Bauer:2017ris"), label("S002")
    ('NA62, Phys. Lett. B 807 (2020) 135599', 'Bauer et al., JHEP 12 (2017) 044', 'Blazek, talk at the 20th Patras Workshop on Axions, WIMPs and WISPs, 23 September 2025')
    """
    e = entry(key)
    authors = str(e["authors"])
    if e.get("short"):
        who = str(e["short"])
    elif " Collaboration" in authors and " on behalf" not in authors:
        who = authors.split(" Collaboration")[0].strip()
    else:
        names = [n.strip() for n in re.split(r",| and ", authors.split(" on behalf")[0]) if n.strip()]
        surname = names[0].replace("et al.", "").split()[-1]
        several = len(names) > 1 or "et al." in authors
        who = f"{surname} et al." if several else surname
    where = e.get("journal") or (f"arXiv:{e['arxiv']}" if e.get("arxiv") else str(e["year"]))
    return f"{who}, {where}"


def curve_keys(name: str) -> list[str]:
    """Keys of the works a shipped limit curve (``data/curves/<name>.csv``) takes its numbers from."""
    stem = name[:-4] if name.endswith(".csv") else name
    return [k for k, e in bibliography().items() if stem in (e.get("curves") or ())]


def curve_label(name: str) -> str:
    """Legend label of a shipped curve by citation, e.g. ``NA62, Phys. Lett. B 807 (2020) 135599``; the file
    name when no entry claims the curve.

    >>> curve_label("NA62_Kp_to_piX_X_to_mumu_BR_UL90_vs_mass_lifetime_ALPaca")
    'NA62, JHEP 11 (2025) 143; NA62, JHEP 11 (2022) 011'
    """
    keys = curve_keys(name)
    return "; ".join(label(k) for k in keys) if keys else name
