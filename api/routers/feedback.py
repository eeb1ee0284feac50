"""Feedback on answers: ``POST /v1/feedback`` (public) and ``GET /v1/admin/feedback`` (admin key; JSON or CSV).

Ratings are thumbs: ``1`` (helpful) or ``-1`` (not helpful), optionally with an ``issue`` and a ``comment``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from api.deps import AdminDep, FeedbackStoreDep, MetricsDep, RuntimeDep
from api.errors import responses
from api.feedback import FeedbackRecord, gaps_to_csv, knowledge_gaps
from api.schemas import FeedbackCreated, FeedbackItem, FeedbackList, FeedbackRequest, IsoTime, Issue

# A page offset the stores can take (SQLite and PostgreSQL integers are 64-bit): the fuzzer sent 2**63.
MAX_OFFSET = 2**31 - 1

router = APIRouter(tags=["feedback"])


@router.post(
    "/v1/feedback",
    response_model=FeedbackCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Rate an answer",
    responses=responses("invalid_request", "not_ready"),
)
def create_feedback(body: FeedbackRequest, store: FeedbackStoreDep, metrics: MetricsDep) -> FeedbackCreated:
    """Store a rating (1 or -1) of the answer ``answer_id``, with an optional issue and comment."""
    record = store.add(body.answer_id, body.rating, body.issue, body.comment)
    metrics.feedback.labels(str(body.rating), body.issue or "none").inc()
    return FeedbackCreated(id=record.id, answer_id=record.answer_id, created_at=record.created_at)


def _item(r: FeedbackRecord) -> FeedbackItem:
    return FeedbackItem(
        id=r.id,
        created_at=r.created_at,
        answer_id=r.answer_id,
        rating=r.rating,
        issue=r.issue,
        comment=r.comment,
        question=r.question,
        lang=r.lang,
        intent=r.intent,
        grounded=r.grounded,
    )


@router.get(
    "/v1/admin/feedback",
    response_model=FeedbackList,
    summary="List feedback (admin)",
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON list, or CSV with `?format=csv`."},
        **responses("invalid_request", "unauthorized", "forbidden", "not_ready"),
    },
)
def list_feedback(
    _admin: AdminDep,
    store: FeedbackStoreDep,
    runtime: RuntimeDep,
    format: Annotated[
        Literal["json", "csv"], Query(description="json (paged) or csv (every row, newest first)")
    ] = "json",
    limit: Annotated[int, Query(ge=1, le=1000, description="Rows per page (JSON).")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (JSON).")] = 0,
    issue: Annotated[Issue | None, Query(description="Only this issue.")] = None,
    rating: Annotated[
        int | None, Query(description="Only this rating: 1 or -1.", json_schema_extra={"enum": [1, -1]})
    ] = None,
    since: Annotated[IsoTime | None, Query(description="Only feedback at or after this ISO 8601 time.")] = None,
) -> FeedbackList | Response:
    """Ratings, newest first, each with the logged question of its answer when there is one."""
    if rating not in (None, -1, 1):
        raise RequestValidationError(
            [{"loc": ("query", "rating"), "msg": "Input should be 1 or -1", "type": "literal_error"}]
        )
    if format == "csv":
        text = store.export_csv(
            limit=runtime.feedback_settings.max_export_rows, issue=issue, rating=rating, since=since
        )
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="resnav-feedback.csv"'},
        )
    items = store.list(limit=limit, offset=offset, issue=issue, rating=rating, since=since)
    total = store.count(issue=issue, rating=rating, since=since)
    return FeedbackList(items=[_item(r) for r in items], total=total, limit=limit, offset=offset)


class KnowledgeGapGroup(BaseModel):
    intent: str
    lang: str
    count: int = Field(description="Questions of this intent and language answered without evidence.")
    questions: list[str] = Field(description="The most recent distinct ones (at most 50).")


class KnowledgeGapReport(BaseModel):
    groups: list[KnowledgeGapGroup]
    total: int


@router.get(
    "/v1/admin/knowledge-gaps",
    response_model=KnowledgeGapReport,
    summary="Questions answered without evidence, by intent and language (admin)",
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with `?format=csv`."},
        **responses("invalid_request", "unauthorized", "forbidden", "not_ready"),
    },
)
def knowledge_gap_report(
    _admin: AdminDep,
    store: FeedbackStoreDep,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
    since: Annotated[IsoTime | None, Query(description="Only questions at or after this ISO 8601 time.")] = None,
) -> KnowledgeGapReport | Response:
    """What users asked that the documents could not answer (out-of-scope refusals and 'not in the documents'
    answers), grouped by intent and language, largest group first: where the knowledge base needs more."""
    gaps = knowledge_gaps(store, since=since)
    if format == "csv":
        return Response(
            gaps_to_csv(gaps),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="resnav-knowledge-gaps.csv"'},
        )
    return KnowledgeGapReport(
        groups=[
            KnowledgeGapGroup(intent=g.intent, lang=g.lang, count=g.count, questions=list(g.questions)) for g in gaps
        ],
        total=sum(g.count for g in gaps),
    )
