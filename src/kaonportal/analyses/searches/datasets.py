"""Which NA62 data each search describes, and which detector card it runs with.

Every search reproduces a published analysis of one data-taking period; its default detector card is the
card of that period (``na62-2018``: the 2016-2018 layout and run conditions; ``na62-2022``: 2021-22).
The card used is, in order of precedence:

1. the search's own card option, when the user set it (``searches.hnl.cards``, ``searches.kmunux.card``);
2. the run's top-level ``card:`` (``kaonportal run``; the ``card=`` argument of a section), applied to
   every search and every channel alike;
3. the search's data-period default (:data:`SEARCH_DATA`; ``kpix``: the card of its ``dataset``).

Each section records the card, where it came from, the data period, the exposure (N_K or how the exposure
was obtained) and the selection in its summary (keys ``dataset``, ``card``, ``card_origin``, ``n_k``,
``selection``, and the one-line ``data_used`` that ``kaonportal run`` prints).

Data periods (``reference`` is the paper reproduced; ``kaonportal refs`` resolves its key):

>>> SEARCH_DATA["lnv"].card, SEARCH_DATA["pi0-gamma-x"].period
('na62-2018', 'NA62 2016 data')
>>> resolve_card("lnv", None)
('na62-2018', 'data-period default (NA62 2016-2018 multi-track data)')
>>> resolve_card("lnv", "na62-2022")
('na62-2022', 'run card override (top-level card:)')
>>> resolve_card("kmunux", "na62-2022", user_value="na62-2018")
('na62-2018', 'search option (searches.kmunux)')
"""

from __future__ import annotations

__all__ = ["SearchData", "SEARCH_DATA", "resolve_card", "data_used"]

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchData:
    """The data period a search reproduces: default card, period, published reference."""

    card: str
    period: str
    reference: str


SEARCH_DATA = {
    # [NA62:2020pwi] "pi0 -> invisible": 4e9 tagged pi0, "roughly one third of the 2017 pnn data" (S003)
    "pi0-invisible": SearchData("na62-2018", "NA62 2017 data", "JHEP 02 (2021) 201"),
    # [NA62:2019lnv17; NA62:2021lnvlfv; NA62:2022pipi0ee; NA62:2023munuee; NA62:2024pi0pimue]: 2016-2018 (Run 1) multi-track data; exposure from the 2017-2018 K+ -> pi+ mu+ mu- yield ([NA62:2022qes])
    "lnv": SearchData("na62-2018", "NA62 2016-2018 multi-track data",
                      "PLB 797 (2019) 134794; PRL 127 (2021) 131802; PLB 830 (2022) 137172; "
                      "PLB 838 (2023) 137679; arXiv:2409.12981"),
    # [NA62:2023olg] 2017-2018 K+ -> pi+ gamma gamma and [NA62:2022qes] 2017-2018 K+ -> pi+ mu+ mu-
    "visible-x": SearchData("na62-2018", "NA62 2017-2018 data", "PLB 850 (2024) 138513; JHEP 11 (2022) 011"),
    # [CortinaGil:2019nuo] "pi0 -> gamma A'": 4.12e8 tagged pi0 of the 2016 data (arXiv:1903.08767)
    "pi0-gamma-x": SearchData("na62-2018", "NA62 2016 data", "JHEP 05 (2019) 182"),
    # [NA62:2021bji]: 2016-2018 data (inputs/hnl.yaml cards: na62-2018 for K+ -> mu+ N)
    "kmunux": SearchData("na62-2018", "NA62 2016-2018 data", "PLB 816 (2021) 136259"),
    # [NA62:2020mcv; NA62:2021bji; NA62:2025csa]: K+ channels 2016-2018 (per-channel cards in inputs/hnl.yaml); pi+ -> e+ N 2017-2024
    "hnl": SearchData("na62-2022", "NA62 2016-2018 (K+ channels), 2017-2024 (pi+ -> e+ N)",
                      "PLB 807 (2020) 135599; PLB 816 (2021) 136259; PLB 872 (2026) 140119"),
}


def resolve_card(search: str, override: str | None, user_value: str | None = None,
                 default: str | None = None) -> tuple[str, str]:
    """(card name, origin) for ``search``: ``user_value`` (the search's own option, only when the user set
    it) wins over ``override`` (the run's top-level card), which wins over ``default`` (else the search's
    :data:`SEARCH_DATA` card)."""
    if user_value is not None:
        return str(user_value), f"search option (searches.{search})"
    if override is not None:
        return str(override), "run card override (top-level card:)"
    if default is not None:
        return str(default), "dataset default"
    d = SEARCH_DATA[search]
    return d.card, f"data-period default ({d.period})"


def data_used(dataset: str, card: str, n_k, selection: str) -> str:
    """One line naming the data a search used (printed by ``kaonportal run``).

    >>> data_used("pnn-2017", "na62-2018", 2.0e12, "pnn-2017")
    'dataset pnn-2017, card na62-2018, N_K 2e+12, selection pnn-2017'
    """
    nk = n_k if isinstance(n_k, str) else ("n/a" if n_k is None else f"{float(n_k):.4g}")
    return f"dataset {dataset}, card {card}, N_K {nk}, selection {selection}"
