"""Browsing the catalogue: filters and facet counts over catalogue records, their CSV export and their source text
(pure functions).

Facets are standard faceted search: each facet counts the records passing every filter except its own, so a
client can show how many records each other value would give. Values within a facet combine with OR, facets
with AND (the same semantics as ``Recommender.recommend``'s filters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from assistant.spreadsheet import spreadsheet_csv
from retriever.errors import NotFound
from retriever.types import CatalogueItem, Chunk, Document

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
    text_langs: Sequence[str] = (),
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
    if text_langs:
        wanted_langs = set(text_langs)
        filters["lang"] = lambda item: bool(wanted_langs & set(facet_values(item, "lang")))
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


# -- export and source text -------------------------------------------------------------------------------------
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "name",
    "name_en",
    "summary_en",
    "summary_zh",
    "stages",
    "areas",
    "section",
    "section_title",
    "section_title_en",
    "urls",
    "source",
    "start",
    "end",
)


def records_to_csv(items: Iterable[CatalogueItem]) -> str:
    """The records as CSV (header first, input order), with a UTF-8 BOM so spreadsheets read Chinese and formulas
    neutralised (`spreadsheet_csv`). Lists are joined with ``; ``."""
    return spreadsheet_csv(
        CSV_COLUMNS,
        (
            (
                i.id,
                i.kind,
                i.name,
                i.name_en,
                i.summary_en,
                i.summary_zh,
                "; ".join(i.stages),
                "; ".join(str(a) for a in i.areas),
                i.section,
                i.section_title,
                i.section_title_en,
                "; ".join(i.urls),
                i.span.source,
                i.span.start,
                i.span.end,
            )
            for i in items
        ),
    )


@dataclass(frozen=True, slots=True)
class SourcePassage:
    """Where a record's text is: its document, the heading path and page at its start, and the text itself
    (``document.text[start:end]``)."""

    document: Document
    section: tuple[str, ...]
    page: int | None
    start: int
    end: int
    text: str


def source_passage(item: CatalogueItem, documents: Mapping[str, Document], chunks: Sequence[Chunk]) -> SourcePassage:
    """The source text of ``item``. Raises ``NotFound`` when its document is not in the index."""
    document = documents.get(item.span.doc_id)
    if document is None:
        raise NotFound(f"the source document of {item.id!r} is not in the index")
    start, end = item.span.start, item.span.end
    section = next((c.section for c in chunks if c.doc_id == document.doc_id and c.start <= start < c.end), ())
    return SourcePassage(document, tuple(section), document.page_at(start), start, end, document.text[start:end])
