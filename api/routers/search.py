"""``POST /v1/search``: hybrid retrieval over the served index, hits with everything a citation needs."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import Served, ServedDep, SettingsDep
from api.errors import responses
from api.schemas import SearchHit, SearchRequest, SearchResponse
from retriever.search import Filters

router = APIRouter(prefix="/v1", tags=["search"])


def _check_k(k: int | None, max_k: int) -> None:
    if k is not None and k > max_k:
        raise RequestValidationError(
            [{"loc": ("body", "k"), "msg": f"Input should be less than or equal to {max_k}", "type": "less_than_equal"}]
        )


@router.post(
    "/search",
    response_model=SearchResponse,
    summary="Search the documents",
    responses=responses("invalid_request", "not_ready", "index_not_built", "embedder_mismatch"),
)
async def search(body: SearchRequest, settings: SettingsDep, served: ServedDep) -> SearchResponse:
    """The ``k`` passages most relevant to ``query`` (Chinese or English), best first, after ``filters``.

    ``k`` must be within 1..``retrieval.max_k`` (422 otherwise; it is never clamped); omitted, it is
    ``retrieval.k``.
    """
    _check_k(body.k, settings.retrieval.max_k)
    k = settings.retrieval.k if body.k is None else body.k
    f = body.filters
    filters = Filters(docs=tuple(f.docs), langs=tuple(f.langs), sections=tuple(f.sections), kinds=tuple(f.kinds))
    # One thread hop for the work; validation and serialisation stay on the event loop (see api/deps.py).
    return await run_in_threadpool(_search, served, body.query, k, filters)


def _search(served: Served, query: str, k: int, filters: Filters) -> SearchResponse:
    t0 = time.perf_counter()
    hits = served.retriever.search(query, k, filters)
    took_ms = round((time.perf_counter() - t0) * 1000, 2)
    return SearchResponse(
        query=query, k=k, index_version=served.version, took_ms=took_ms, hits=[SearchHit.from_hit(h) for h in hits]
    )
