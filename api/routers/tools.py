"""``GET /v1/tools`` and ``GET /v1/tools/{tool_id}``: browse, search and facet the catalogue of recommendable
records (MCR2030 tools, UN-Habitat services, flagship programmes), in the catalogue order or ranked for a query.

Filtering and facet counts are ``assistant.catalogue.browse``; this module is HTTP only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import RecommenderDep
from api.errors import responses
from api.schemas import (
    Lang,
    ToolDetail,
    ToolDisplay,
    ToolFacets,
    ToolItem,
    ToolList,
    ToolsQuery,
)
from assistant.catalogue import browse
from assistant.payloads import item_payload
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


# -- routes -----------------------------------------------------------------------------------------------------
@router.get(
    "/tools",
    response_model=ToolList,
    summary="Browse, search and facet the catalogue",
    responses=responses(*_ERRORS),
)
def list_tools(query: Annotated[ToolsQuery, Query()], recommender: RecommenderDep) -> ToolList:
    """The catalogue records (58 UN-Habitat services, 47 MCR2030 tools, 5 flagship programmes), one page at a time.

    - `q` ranks the records by how well they fit the text (Chinese or English, the same ranking as
      `POST /v1/recommend` without a stage) and keeps the 50 best; without `q` (or with a blank one) the records
      come in catalogue order.
    - `stage`, `theme`, `section` and `kind` filter (repeat a parameter for OR: `?theme=2&theme=3`).
    - `facets` count, for each value, the records passing every filter except that facet's own.
    - `lang` only picks the language of the `display` fields; every record holds both.

    `page_size` must be within 1..100 (422 otherwise; never clamped); a page past the end is empty.
    """
    q = (query.q or "").strip()
    if q and recommender.items:
        items = [r.item for r in recommender.recommend(q, k=min(SEARCH_LIMIT, len(recommender.items)))]
    else:
        items = list(recommender.items)
    found = browse(
        items, stage=query.stage, themes=query.theme or (), sections=query.section or (), kinds=query.kind or ()
    )
    matching = found.items
    start = (query.page - 1) * query.page_size
    page = matching[start : start + query.page_size]
    return ToolList(
        items=[ToolItem(**item_payload(item), display=_display(item, query.lang)) for item in page],
        total=len(matching),
        page=query.page,
        page_size=query.page_size,
        facets=ToolFacets(**found.facets),
    )


@router.get(
    "/tools/{tool_id}",
    response_model=ToolDetail,
    summary="One catalogue record in full",
    responses=responses("not_found", *_ERRORS),
)
def get_tool(
    tool_id: Annotated[
        str, Path(min_length=1, max_length=200, description="Record id, e.g. 'A.1', 'mcr-quick-risk-estimation'.")
    ],
    recommender: RecommenderDep,
    lang: Annotated[Lang, Query(description="Language preferred for the `display` fields.")] = "zh",
) -> ToolDetail:
    """Everything about one record: the fields of the list, plus its tags, its named Chinese text fields, the
    places it was applied and where it is in its source document. 404 `not_found` for an unknown id."""
    item = recommender.get(tool_id)
    if item is None:
        raise NotFound(f"no catalogue record {tool_id!r}")
    return ToolDetail(**item_payload(item, full=True), display=_display(item, lang))
