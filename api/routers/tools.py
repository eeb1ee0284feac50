"""``GET /v1/tools`` (JSON or CSV), ``GET /v1/tools/{tool_id}`` and ``GET /v1/tools/{tool_id}/source``: browse,
search, facet and export the catalogue of recommendable records (MCR2030 tools, UN-Habitat services, flagship
programmes), in the catalogue order or ranked for a query, and read a record's source text.

Filtering, facet counts, the CSV and the source text are ``assistant.catalogue``; this module is HTTP only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import RecommenderDep, ServedDep
from api.errors import responses
from api.schemas import (
    Lang,
    ToolDetail,
    ToolDisplay,
    ToolFacets,
    ToolItem,
    ToolList,
    ToolSourceText,
    ToolsQuery,
    rendering_model,
)
from assistant.catalogue import Browse, browse, records_to_csv, source_passage
from assistant.payloads import item_payload
from assistant.recommend import Recommender
from retriever.errors import NotFound
from retriever.types import CatalogueItem

router = APIRouter(prefix="/v1", tags=["tools"])

SEARCH_LIMIT = 50
"""With ``q``, the records kept: the best-fitting ones by the recommender (its own upper bound on k)."""

_ERRORS = ("invalid_request", "not_ready", "index_not_built", "embedder_mismatch", "invalid_knowledge_file")


def _display(item: CatalogueItem, lang: str) -> ToolDisplay:
    """The display fields in ``lang``, falling back to the other language when the record lacks it."""
    if lang == "en" and item.name_en:
        return ToolDisplay(lang="en", name=item.name_en, section_title=item.section_title_en or item.section_title)
    if item.name:
        return ToolDisplay(lang="zh", name=item.name, section_title=item.section_title or item.section_title_en)
    return ToolDisplay(lang="en", name=item.name_en, section_title=item.section_title_en)


def _browse(query: ToolsQuery, recommender: Recommender) -> Browse:
    q = (query.q or "").strip()
    if q and recommender.items:
        items = [r.item for r in recommender.recommend(q, k=min(SEARCH_LIMIT, len(recommender.items)))]
    else:
        items = list(recommender.items)
    return browse(
        items,
        stage=query.stage,
        themes=query.theme or (),
        sections=query.section or (),
        kinds=query.kind or (),
        text_langs=query.text_lang or (),
    )


# -- routes -----------------------------------------------------------------------------------------------------
@router.get(
    "/tools",
    response_model=ToolList,
    summary="Browse, search and facet the catalogue (JSON, or CSV)",
    responses={
        200: {"content": {"text/csv": {}}, "description": "One page as JSON, or every match as CSV (`format=csv`)."},
        **responses(*_ERRORS),
    },
)
def list_tools(query: Annotated[ToolsQuery, Query()], recommender: RecommenderDep) -> ToolList | Response:
    """The catalogue records (58 UN-Habitat services, 47 MCR2030 tools, 5 flagship programmes), one page at a time.

    - `q` ranks the records by how well they fit the text (Chinese or English, the same ranking as
      `POST /v1/recommend` without a stage) and keeps the 50 best; without `q` (or with a blank one) the records
      come in catalogue order.
    - `stage`, `theme`, `section`, `kind` and `text_lang` filter (repeat a parameter for OR: `?theme=2&theme=3`).
    - `facets` count, for each value, the records passing every filter except that facet's own.
    - `lang` only picks the language of the `display` fields; every record holds both.
    - `format=csv` answers every matching record as CSV (a download; `page` and `page_size` are ignored).

    `page_size` must be within 1..100 (422 otherwise; never clamped); a page past the end is empty.
    """
    found = _browse(query, recommender)
    matching = found.items
    if query.format == "csv":
        return Response(
            records_to_csv(matching),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="resnav-tools.csv"'},
        )
    start = (query.page - 1) * query.page_size
    page = matching[start : start + query.page_size]
    return ToolList(
        items=[ToolItem(**item_payload(item), display=_display(item, query.lang)) for item in page],
        total=len(matching),
        page=query.page,
        page_size=query.page_size,
        facets=ToolFacets(**found.facets),
    )


# The record id in a path: ``A.1``, ``mcr-quick-risk-estimation``.
ToolId = Annotated[
    str, Path(min_length=1, max_length=200, description="Record id, e.g. 'A.1', 'mcr-quick-risk-estimation'.")
]


@router.get(
    "/tools/{tool_id}",
    response_model=ToolDetail,
    summary="One catalogue record in full",
    responses=responses("not_found", *_ERRORS),
)
def get_tool(
    tool_id: ToolId,
    recommender: RecommenderDep,
    lang: Annotated[Lang, Query(description="Language preferred for the `display` fields.")] = "zh",
) -> ToolDetail:
    """Everything about one record: the fields of the list, plus its tags, its named Chinese text fields, the
    places it was applied and where it is in its source document. 404 `not_found` for an unknown id."""
    item = recommender.get(tool_id)
    if item is None:
        raise NotFound(f"no catalogue record {tool_id!r}")
    return ToolDetail(**item_payload(item, full=True), display=_display(item, lang))


@router.get(
    "/tools/{tool_id}/source",
    response_model=ToolSourceText,
    summary="The source text of one record",
    responses=responses("not_found", *_ERRORS),
)
def get_tool_source(
    tool_id: ToolId,
    served: ServedDep,
) -> ToolSourceText:
    """The record's own text in its source document, verbatim (`text` is the document text `[start:end]`, the
    span `GET /v1/tools/{tool_id}` gives as `source`), with the document title, the heading path and the page at
    its start. 404 `not_found` for an unknown id."""
    item = served.recommender.get(tool_id)
    if item is None:
        raise NotFound(f"no catalogue record {tool_id!r}")
    index = served.retriever.index
    passage = source_passage(item, index.documents, index.chunks)
    return ToolSourceText(
        id=item.id,
        doc_id=passage.document.doc_id,
        source=passage.document.source,
        title=passage.document.title,
        lang=passage.document.lang,
        section=list(passage.section),
        page=passage.page,
        start=passage.start,
        end=passage.end,
        text=passage.text,
        rendering=rendering_model(
            index.rendering_of_span(item.span.doc_id, passage.document.lang, passage.start, passage.end)
        ),
    )
