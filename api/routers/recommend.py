"""``POST /v1/recommend``: the catalogue records that best fit a city's situation, with reasons and citations."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import RecommenderDep
from api.errors import responses
from api.schemas import RecommendationItem, RecommendRequest, RecommendResponse
from assistant.payloads import recommendation_payload
from assistant.recommend import Recommender
from retriever.language import script_lang

router = APIRouter(prefix="/v1", tags=["recommend"])


@router.post(
    "/recommend",
    response_model=RecommendResponse,
    summary="Recommend tools and services for a situation",
    responses=responses(
        "invalid_request", "not_ready", "index_not_built", "embedder_mismatch", "invalid_knowledge_file"
    ),
)
async def recommend_tools(body: RecommendRequest, recommender: RecommenderDep) -> RecommendResponse:
    """The `k` catalogue records (never raw passages) that best fit `situation` (Chinese or English), best first.

    With `stage`, records listed for that roadmap stage rank first; `themes`, `sections` and `kinds` filter.
    Every record carries `reasons` in `lang` (default: the situation's language) and `citations` whose `quote` is
    the source document's text `[start:end]`. `k` must be within 1..20 (422 otherwise; never clamped).
    """
    # One thread hop for the work; validation and serialisation stay on the event loop (see api/deps.py).
    return await run_in_threadpool(_recommend, body, recommender)


def _recommend(body: RecommendRequest, recommender: Recommender) -> RecommendResponse:
    lang = body.lang or script_lang(body.situation)
    recs = recommender.recommend(
        body.situation,
        stage=body.stage,
        themes=tuple(body.themes),
        sections=tuple(body.sections),
        kinds=tuple(body.kinds),
        k=body.k,
        lang=lang,
    )
    return RecommendResponse(items=[RecommendationItem(**recommendation_payload(r)) for r in recs], lang=lang)
