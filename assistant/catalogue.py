"""Browsing the catalogue: filters and facet counts over catalogue records (pure functions).

Facets are standard faceted search: each facet counts the records passing every filter except its own, so a
client can show how many records each other value would give. Values within a facet combine with OR, facets
with AND (the same semantics as ``Recommender.recommend``'s filters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retriever.types import CatalogueItem

Predicate = Callable[[CatalogueItem], bool]

FACET_VALUES: dict[str, tuple[str, ...]] = {
    "stage": ("A", "B", "C"),
    "theme": tuple(str(t) for t in range(1, 13)),
    "section": tuple("ABCDEFGHIJK"),
    "kind": ("mcr_tool", "unhabitat_service", "flagship"),
    "lang": ("zh", "en"),
}


@dataclass(frozen=True, slots=True)
class Browse:
    """The records passing every filter, in input order, and the facet counts."""

    items: list[CatalogueItem]
    facets: dict[str, dict[str, int]]


def facet_values(item: CatalogueItem, facet: str) -> Iterable[str]:
    if facet == "stage":
        return item.stages
    if facet == "theme":
        return (str(a) for a in item.areas)
    if facet == "section":
        return (item.section,) if item.section else ()
    if facet == "kind":
        return (item.kind,)
    # lang: every record has its Chinese source text; those with an English name have English text too
    return tuple(lang for lang, text in (("zh", item.name), ("en", item.name_en)) if text)


def browse(
    items: Sequence[CatalogueItem],
    *,
    stage: str | None = None,
    themes: Sequence[int] = (),
    sections: Sequence[str] = (),
    kinds: Sequence[str] = (),
) -> Browse:
    filters: dict[str, Predicate] = {}
    if stage is not None:
        filters["stage"] = lambda item: stage in item.stages
    if themes:
        wanted_themes = set(themes)
        filters["theme"] = lambda item: bool(wanted_themes & set(item.areas))
    if sections:
        wanted_sections = set(sections)
        filters["section"] = lambda item: item.section in wanted_sections
    if kinds:
        wanted_kinds = set(kinds)
        filters["kind"] = lambda item: item.kind in wanted_kinds
    facets: dict[str, dict[str, int]] = {}
    for facet, keys in FACET_VALUES.items():
        others = [f for name, f in filters.items() if name != facet]
        count = dict.fromkeys(keys, 0)
        for item in items:
            if all(f(item) for f in others):
                for value in facet_values(item, facet):
                    if value in count:
                        count[value] += 1
        facets[facet] = count
    matching = [item for item in items if all(f(item) for f in filters.values())]
    return Browse(matching, facets)
