"""Request and response models of the HTTP API (pydantic, at the edge only), with OpenAPI examples.

Routers map these to and from the domain dataclasses of ``retriever.types`` explicitly. Request models forbid
unknown fields, so a misspelt field is a 422 ``invalid_request`` rather than silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from retriever.types import Hit

MAX_QUERY_CHARS = 2000
MAX_COMMENT_CHARS = 2000
MAX_FILTER_VALUES = 50

Lang = Literal["zh", "en"]
FilterValue = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Issue = Literal["wrong_answer", "wrong_citation", "tool_outdated", "stage_misjudged", "other"]
ISSUES: tuple[str, ...] = ("wrong_answer", "wrong_citation", "tool_outdated", "stage_misjudged", "other")


# -- errors -------------------------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    loc: list[str] = Field(description="Where the problem is, e.g. ['body', 'k'].")
    msg: str = Field(description="What is wrong.")
    type: str = Field(description="Pydantic error type, e.g. 'less_than_equal'.")


class ErrorInfo(BaseModel):
    code: str = Field(description="Stable snake_case error code (see the error table in the README).")
    message: str = Field(description="Human-readable explanation, safe to show.")
    details: list[ErrorDetail] | None = Field(None, description="Field details; only for `invalid_request`.")


class ErrorResponse(BaseModel):
    """The one body of every error response."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"error": {"code": "index_not_built", "message": "no index at var/index: run `resnav ingest` first"}},
                {
                    "error": {
                        "code": "invalid_request",
                        "message": "invalid request: k: Input should be less than or equal to 50",
                        "details": [
                            {
                                "loc": ["body", "k"],
                                "msg": "Input should be less than or equal to 50",
                                "type": "less_than_equal",
                            }
                        ],
                    }
                },
            ]
        }
    )

    error: ErrorInfo


# -- health -------------------------------------------------------------------------------------------------
class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"


class ReadyResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ready",
                    "index_version": "v000003-20250101T120000",
                    "documents": 5,
                    "chunks": 812,
                    "embedder": "use-multilingual-v3:0.2.1",
                }
            ]
        }
    )

    status: Literal["ready"] = "ready"
    index_version: str = Field(description="Name of the index version being served.")
    documents: int
    chunks: int
    embedder: str = Field(description="Id of the embedding model answering queries.")


# -- search -------------------------------------------------------------------------------------------------
class SearchFilters(BaseModel):
    """Restrictions applied before ranking; an empty list means "any"."""

    model_config = ConfigDict(extra="forbid")

    docs: list[FilterValue] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="Doc ids or source file names, e.g. 'unhabitat-service-catalogue-2022.zh.txt'.",
    )
    langs: list[Lang] = Field(default_factory=list, max_length=2, description="Chunk languages: 'zh', 'en'.")
    sections: list[FilterValue] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="Section-path prefixes; a chunk matches when any heading of its path starts with one.",
    )
    kinds: list[FilterValue] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="Document kinds from corpus/MANIFEST.json, e.g. 'service catalogue', 'board report'.",
    )


class SearchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"query": "城市韧性路线图的阶段评估", "k": 5},
                {
                    "query": "disaster risk reduction tools for stage B cities",
                    "k": 3,
                    "filters": {"langs": ["zh"], "kinds": ["service catalogue"]},
                },
            ]
        },
    )

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="The question, in Chinese or English.")
    k: StrictInt | None = Field(
        None,
        ge=1,
        description="How many hits (1..retrieval.max_k, default retrieval.k). Never clamped: out of range is a 422.",
    )
    filters: SearchFilters = Field(default_factory=SearchFilters)

    @field_validator("query")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the query is blank")
        return v


class SearchHit(BaseModel):
    """A retrieved passage with everything a citation needs: ``source`` text ``[start:end]`` is ``text``."""

    rank: int = Field(description="1-based position in this result list.")
    score: float = Field(description="Fused relevance, higher is better; comparable within one list only.")
    chunk_id: str
    doc_id: str
    source: str = Field(description="Source file name.")
    title: str = Field(description="Document title.")
    section: list[str] = Field(description="Heading path, outermost first.")
    page: int | None = Field(description="1-based PDF page, null for documents without pages.")
    start: int = Field(description="Start character offset of the passage in the source document.")
    end: int = Field(description="End character offset (exclusive).")
    lang: str
    text: str

    @classmethod
    def from_hit(cls, hit: Hit) -> SearchHit:
        c = hit.chunk
        return cls(
            rank=hit.rank,
            score=round(hit.score, 6),
            chunk_id=c.chunk_id,
            doc_id=c.doc_id,
            source=c.source,
            title=c.title,
            section=list(c.section),
            page=c.page,
            start=c.start,
            end=c.end,
            lang=c.lang,
            text=c.text,
        )


class SearchResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "城市韧性路线图的阶段评估",
                    "k": 1,
                    "index_version": "v000003-20250101T120000",
                    "took_ms": 12.5,
                    "hits": [
                        {
                            "rank": 1,
                            "score": 0.032787,
                            "chunk_id": "3f2a9c1d7e5b:12",
                            "doc_id": "3f2a9c1d7e5b",
                            "source": "mcr2030-overview.zh.txt",
                            "title": "Making Cities Resilient 2030 (MCR2030) overview",
                            "section": ["韧性路线图", "阶段评估"],
                            "page": None,
                            "start": 5120,
                            "end": 5598,
                            "lang": "zh",
                            "text": "城市可以通过……评估其所处的阶段。",
                        }
                    ],
                }
            ]
        }
    )

    query: str
    k: int
    index_version: str
    took_ms: float
    hits: list[SearchHit]


# -- feedback -----------------------------------------------------------------------------------------------
class FeedbackRequest(BaseModel):
    """Feedback on one answer. ``rating`` is a thumb: 1 (helpful) or -1 (not helpful)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "answer_id": "ans_01HZX3K9Q2",
                    "rating": -1,
                    "issue": "wrong_citation",
                    "comment": "引用的段落与回答不符 / the cited passage does not support the answer",
                },
                {"answer_id": "ans_01HZX3K9Q2", "rating": 1},
            ]
        },
    )

    answer_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="The `answer_id` of the answer being rated.",
    )
    rating: Literal[-1, 1] = Field(description="1 = helpful (thumbs up), -1 = not helpful (thumbs down).")
    issue: Issue | None = Field(None, description="What was wrong, when something was.")
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS, description="Free text, at most 2000 chars.")

    @field_validator("rating", mode="before")
    @classmethod
    def _integer_rating(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError("rating must be the integer 1 or -1")
        return v


class FeedbackCreated(BaseModel):
    id: int
    answer_id: str
    created_at: datetime


class FeedbackItem(BaseModel):
    id: int
    created_at: datetime
    answer_id: str
    rating: int
    issue: str | None
    comment: str | None
    question: str | None = Field(description="The logged question of this answer, when it was logged.")
    lang: str | None
    intent: str | None
    grounded: bool | None


class FeedbackList(BaseModel):
    items: list[FeedbackItem]
    total: int = Field(description="Rows matching the filters, before limit/offset.")
    limit: int
    offset: int


# -- admin --------------------------------------------------------------------------------------------------
class SkippedFile(BaseModel):
    source: str
    code: str
    message: str


class IngestReportModel(BaseModel):
    ingested: list[str]
    unchanged: list[str]
    removed: list[str]
    skipped: list[SkippedFile]
    embedded_chunks: int
    total_chunks: int
    catalogue_records: int
    version: str | None
    seconds: float


class ReindexResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "previous_version": "v000002-20250101T100000",
                    "version": "v000003-20250101T120000",
                    "swapped": True,
                    "report": {
                        "ingested": ["mcr2030-overview.zh.txt"],
                        "unchanged": [],
                        "removed": [],
                        "skipped": [],
                        "embedded_chunks": 120,
                        "total_chunks": 812,
                        "catalogue_records": 96,
                        "version": "v000003-20250101T120000",
                        "seconds": 41.2,
                    },
                }
            ]
        }
    )

    previous_version: str | None = Field(description="Version served before the reindex.")
    version: str | None = Field(description="Version served now.")
    swapped: bool = Field(description="Whether the served index changed (false when nothing changed).")
    report: IngestReportModel
