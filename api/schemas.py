"""Request and response models of the HTTP API (pydantic, at the edge only), with OpenAPI examples.

Routers map these to and from the domain dataclasses of ``retriever.types`` explicitly. Request models forbid
unknown fields, so a misspelt field is a 422 ``invalid_request`` rather than silently ignored.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict, JsonValue
from pydantic_core import PydanticCustomError

from assistant.context import MAX_CONTEXT_TEXT, MAX_RECOMMENDATIONS, ChatContext
from assistant.payloads import rendering_payload
from retriever.types import Hit, RenderedQuote


def _json_integer(value: Any) -> Any:
    """A JSON integer: 5 or 5.0 (JSON, and JSON Schema's "integer", make no difference), never "5" or true."""
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value  # floats with a fraction are refused by the int validation that follows


# Integer fields as the OpenAPI document describes them (`type: integer`): numbers without a fraction only. The
# bounds come before the validator, so that they stay `minimum`/`maximum` in the JSON schema.
_ToJsonInt = BeforeValidator(_json_integer)


def _iso_time(value: Any) -> Any:
    """Only ISO 8601 text (what the OpenAPI document promises), not a number of seconds ("0.5")."""
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise ValueError("Input should be an ISO 8601 date or time, e.g. 2026-01-31T00:00:00Z")
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
IsoTime = Annotated[datetime, BeforeValidator(_iso_time)]

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
    k: Annotated[int, Field(ge=1), _ToJsonInt] | None = Field(
        None,
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
    rendering: RenderingModel | None = Field(
        None, description="The passage in the other language (English rendering of a Chinese passage), if any."
    )

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
            rendering=rendering_model(hit.rendering),
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
    questions: int = Field(0, description="Curated question entries in the version (corpus/questions).")
    embedded_questions: int = Field(0, description="Curated questions embedded by this run (the rest reused).")
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
                        "questions": 3314,
                        "embedded_questions": 0,
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


# -- tools (the catalogue) ----------------------------------------------------------------------------------
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000  # far past the catalogue's end (a page past the end is empty); bounds what a client may send
RECOMMEND_MAX_K = 20
STAGES: tuple[str, ...] = ("A", "B", "C")
THEMES: tuple[int, ...] = tuple(range(1, 13))
SECTIONS: tuple[str, ...] = tuple("ABCDEFGHIJK")
KINDS: tuple[str, ...] = ("mcr_tool", "unhabitat_service", "flagship")

StageCode = Literal["A", "B", "C"]
Theme = Annotated[int, Field(ge=1, le=12)]
StrictTheme = Annotated[int, Field(ge=1, le=12), _ToJsonInt]
SectionCode = Literal["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"]
Kind = Literal["mcr_tool", "unhabitat_service", "flagship"]

_QUICK_RISK: JsonDict = {
    "id": "mcr-quick-risk-estimation",
    "kind": "mcr_tool",
    "name": "快速风险评估工具",
    "name_en": "Quick Risk Estimation Tool",
    "summary_en": "A risk-analysis tool listed under thematic area 2 for cities that need to understand the specific "
    "nature of their local risks and resilience gaps.",
    "urls": ["https://mcr2030.undrr.org/quick-risk-estimation-tool"],
    "stage": ["B"],
    "areas": [2],
    "section": "",
    "section_title": "",
    "section_title_en": "",
}
_SLUM_PROFILING: JsonDict = {
    "id": "A.1",
    "kind": "unhabitat_service",
    "name": "创新的城市贫民窟资料收集和统计",
    "name_en": "Innovative Urban Slum Profiling and Enumeration",
    "summary_en": "An innovative, participatory method that collects settlement-level and detailed household data on "
    "land tenure, housing, basic services and socio-economic conditions.",
    "urls": [],
    "stage": ["B"],
    "areas": [2, 3],
    "section": "A",
    "section_title": "城市数据、资料收集和监测",
    "section_title_en": "Urban Data, Profiling and Monitoring",
}
_MCR_DOC: JsonDict = {
    "doc_id": "038427c135f75968",
    "source": "mcr2030-overview.zh.txt",
    "title": "Making Cities Resilient 2030 (MCR2030) overview: resilience roadmap, thematic areas, stage assessment, "
    "FAQ",
}
_FAQ_SECTION: list[JsonValue] = [
    "常见问题 (FAQ)",
    "关于加入和参与 MCR2030",
    "从 A 阶段推进至 B 阶段，从 B 阶段推进至 C 阶段的标准是什么？",
]


class ToolsQuery(BaseModel):
    """Query parameters of ``GET /v1/tools``; an unknown parameter is a 422 rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        None,
        max_length=MAX_QUERY_CHARS,
        description="Free text (Chinese or English). Given, records are ranked by fit (the recommender) and only the "
        "50 best-fitting are kept; omitted or blank, all records in catalogue order.",
    )
    stage: StageCode | None = Field(None, description="Only records listed for this roadmap stage.")
    theme: list[Theme] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="MCR2030 thematic areas 1..12 (repeatable: any of them).",
    )
    section: list[SectionCode] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="UN-Habitat catalogue sections A..K (repeatable: any of them).",
    )
    kind: list[Kind] = Field(
        default_factory=list,
        max_length=MAX_FILTER_VALUES,
        description="Record kinds (repeatable: any of them).",
    )
    text_lang: list[Lang] = Field(
        default_factory=list,
        max_length=2,
        description="Only records with text in this language: 'zh' (the source), 'en' (curated English name and "
        "summary). Repeatable: any of them.",
    )
    lang: Lang = Field("zh", description="Language preferred for the `display` fields (records hold both).")
    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number, 1..10000 (422 outside).")
    page_size: int = Field(
        20, ge=1, le=MAX_PAGE_SIZE, description="Records per page, 1..100 (422 outside; never clamped)."
    )
    format: Literal["json", "csv"] = Field(
        "json",
        description="json: one page with facets; csv: every matching record (page and page_size are ignored), "
        "UTF-8 with a BOM so spreadsheets read Chinese.",
    )


class ToolDisplay(BaseModel):
    """The display fields in the preferred language (the other language when a record lacks it)."""

    lang: Lang
    name: str
    section_title: str


class ToolFields(BaseModel):
    """A catalogue record as ``assistant.payloads.item_payload`` shows it (the CLI and eval show the same)."""

    id: str = Field(description="Stable record id, e.g. 'A.1', 'mcr-quick-risk-estimation', 'flagship-3'.")
    kind: Kind
    name: str = Field(description="Chinese name, as in the source.")
    name_en: str = Field(description="English name (curated).")
    summary_en: str = Field(description="One-sentence English summary (curated).")
    summary_zh: str = Field(
        "",
        description="Curated Chinese note where the document gives only a name and a link (MCR2030 tools); else empty.",
    )
    urls: list[str]
    stage: list[str] = Field(description="Roadmap stages the record is listed for.")
    areas: list[int] = Field(description="MCR2030 thematic areas (1..12).")
    section: str = Field(description="UN-Habitat catalogue section letter; empty for other kinds.")
    section_title: str
    section_title_en: str


class ToolItem(ToolFields):
    display: ToolDisplay


class ToolPlace(BaseModel):
    region: str
    country: str
    place: str


class ToolSource(BaseModel):
    """Where the record is in the corpus: the source document's text ``[start:end]``."""

    doc_id: str
    source: str
    start: int
    end: int


class ToolDetail(ToolItem):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_SLUM_PROFILING,
                    "display": {
                        "lang": "en",
                        "name": _SLUM_PROFILING["name_en"],
                        "section_title": "Urban Data, Profiling and Monitoring",
                    },
                    "tags": ["1.1", "1.2", "2.3", "3.3", "4.1", "4.2", "11.1"],
                    "fields": {
                        "overview": "这是一种创新的城市数据收集方法，收集住区层面的数据和详细家庭信息……",
                        "duration": "这一过程的支持时间通常为 4-6 个月，具体取决于城市的规模。",
                    },
                    "places": [{"region": "非洲", "country": "肯尼亚", "place": "内罗毕、蒙巴萨"}],
                    "source": {
                        "doc_id": "a6dbdfe19cb1907d",
                        "source": "unhabitat-service-catalogue-2022.zh.txt",
                        "start": 7522,
                        "end": 9242,
                    },
                }
            ]
        }
    )

    tags: list[str] = Field(description="SDG targets and other tags of the record.")
    fields: dict[str, str] = Field(
        description="Named Chinese text fields (overview, challenges, offer, applications, duration, description)."
    )
    places: list[ToolPlace] = Field(description="Where the service was applied.")
    source: ToolSource


class ToolSourceText(BaseModel):
    """A record's own text in its source document: ``text`` is the document text ``[start:end]``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "mcr-quick-risk-estimation",
                    **_MCR_DOC,
                    "lang": "zh",
                    "section": ["韧性路线图", "B 阶段：推进城市规划", "专题领域 2：提高风险分析"],
                    "page": None,
                    "start": 6210,
                    "end": 6273,
                    "text": "快速风险评估工具：……",
                }
            ]
        }
    )

    id: str = Field(description="The record id.")
    doc_id: str
    source: str = Field(description="Source file name.")
    title: str = Field(description="Document title.")
    lang: str = Field(description="Language of the source document.")
    section: list[str] = Field(description="Heading path at the start of the record, outermost first.")
    page: int | None = Field(description="1-based PDF page of the start, null for documents without pages.")
    start: int = Field(description="Start character offset in the source document.")
    end: int = Field(description="End character offset (exclusive).")
    text: str = Field(description="The source text [start:end], verbatim (plain text, never markup).")
    rendering: RenderingModel | None = Field(
        None, description="The record's text in the other language (a curated rendering or an aligned translation)."
    )


class ToolFacets(BaseModel):
    """Counts per value; each facet counts the records that pass every filter except its own."""

    stage: dict[str, int] = Field(description="'A', 'B', 'C'.")
    theme: dict[str, int] = Field(description="'1'..'12'.")
    section: dict[str, int] = Field(description="'A'..'K' (UN-Habitat services only).")
    kind: dict[str, int] = Field(description="'mcr_tool', 'unhabitat_service', 'flagship'.")
    lang: dict[str, int] = Field(description="'zh', 'en': records with text in that language.")


class ToolList(BaseModel):
    """One page of records; the example is ``GET /v1/tools?section=A&page_size=1``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            **_SLUM_PROFILING,
                            "display": {
                                "lang": "zh",
                                "name": _SLUM_PROFILING["name"],
                                "section_title": "城市数据、资料收集和监测",
                            },
                        }
                    ],
                    "total": 7,
                    "page": 1,
                    "page_size": 1,
                    "facets": {
                        "stage": {"A": 0, "B": 7, "C": 0},
                        "theme": {str(n): (7 if n in (2, 3) else 0) for n in THEMES},
                        "section": dict(zip(SECTIONS, (7, 6, 7, 7, 5, 5, 3, 6, 5, 5, 2), strict=True)),
                        "kind": {"mcr_tool": 0, "unhabitat_service": 7, "flagship": 0},
                        "lang": {"zh": 7, "en": 7},
                    },
                }
            ]
        }
    )

    items: list[ToolItem]
    total: int = Field(description="Records matching the query and every filter, over all pages.")
    page: int
    page_size: int
    facets: ToolFacets


# -- recommend ----------------------------------------------------------------------------------------------
class RenderingModel(BaseModel):
    """The quoted span in the reader's language. Our words or a translation's, never the document's own: the
    original (``quote``) is authoritative."""

    lang: Lang
    text: str
    provenance: Literal["curated", "official", "machine"] = Field(
        description="curated: a rendering the Resilience Navigator team wrote and reviewed; official: an official "
        "translation aligned at ingest; machine: an LLM's translation."
    )
    label: str = Field(description="How to label it for readers.")


class CitationModel(BaseModel):
    """A quoted span of a source: the source document's text ``[start:end]`` is ``quote``."""

    n: int = Field(description="The marker number, as in '[1]'.")
    doc_id: str
    source: str
    title: str
    section: list[str] = Field(description="Heading path, outermost first.")
    page: int | None
    start: int
    end: int
    quote: str = Field(description="The original text [start:end], verbatim.")
    lang: str
    rendering: RenderingModel | None = Field(
        None, description="The quote in the reader's language, when the answer shows it instead of the original."
    )


class RecommendRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"situation": "We have a draft DRR strategy but no risk assessment", "stage": "B", "k": 3},
                {
                    "situation": "我们有防灾减灾战略草案，但没有做过风险评估",
                    "stage": "B",
                    "kinds": ["mcr_tool"],
                    "lang": "en",
                },
            ]
        },
    )

    situation: str = Field(
        min_length=1, max_length=MAX_QUERY_CHARS, description="The city's situation, in Chinese or English."
    )
    stage: StageCode | None = Field(None, description="The city's roadmap stage: records listed for it rank first.")
    themes: list[StrictTheme] = Field(
        default_factory=list, max_length=12, description="Only records in any of these thematic areas (1..12)."
    )
    sections: list[SectionCode] = Field(
        default_factory=list, max_length=11, description="Only UN-Habitat services of these catalogue sections."
    )
    kinds: list[Kind] = Field(default_factory=list, max_length=3, description="Only records of these kinds.")
    k: Annotated[int, Field(ge=1, le=RECOMMEND_MAX_K), _ToJsonInt] = Field(
        5, description="How many records, 1..20 (422 outside)."
    )
    lang: Lang | None = Field(None, description="Language of the reasons; default: the situation's language.")

    @field_validator("situation")
    @classmethod
    def _situation_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the situation is blank")
        return v


class RecommendationItem(ToolFields):
    rank: int = Field(description="1-based position in this list.")
    score: float = Field(description="Fit, higher is better; comparable within one list only.")
    reasons: list[str] = Field(
        description="Why the record fits, in the response's `lang`; the last `quoted` ones quote the record's text "
        "(its rendering for English readers)."
    )
    citations: list[CitationModel]
    quoted: int = Field(
        0,
        ge=0,
        description="How many of the last `reasons` quote the record's text: each is cited by one of the last "
        "`quoted` citations, in the same order (the first-ranked record can quote two sentences); the citations "
        "before them cite where the document names the record.",
    )
    note: NoteModel | None = Field(
        None, description="Our curated summary of the record (English readers): not from the documents."
    )


class NoteModel(BaseModel):
    """Words the Resilience Navigator team wrote, shown beside the documents' words, never as them."""

    text: str
    provenance: Literal["curated_summary"]
    label: str = Field(description="How to label it for readers: 'Curated note, not from the documents'.")


class RecommendResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            **_QUICK_RISK,
                            "rank": 1,
                            "score": 0.155104,
                            "reasons": [
                                "Listed by MCR2030 for Stage B, thematic area 2 (Understanding current and future "
                                "risk scenarios)",
                                "fits Stage B",
                            ],
                            "citations": [],
                        }
                    ],
                    "lang": "en",
                }
            ]
        }
    )

    items: list[RecommendationItem]
    lang: Lang = Field(description="Language of the reasons.")


# -- stage --------------------------------------------------------------------------------------------------
QUESTION_COUNT = 15
# A question number as a JSON object key: "1".."15" exactly (the OpenAPI document says so, and no other key passes).
QuestionKey = Annotated[str, StringConstraints(pattern=r"^([1-9]|1[0-5])$")]
Answer = StrictBool | None


def _answers_shape(value: Any) -> str | None:
    if isinstance(value, dict):
        return "by_number"
    if isinstance(value, list):
        return "in_order"
    return None


Answers = Annotated[
    Annotated[dict[QuestionKey, Answer], Field(json_schema_extra={"additionalProperties": False}), Tag("by_number")]
    | Annotated[list[Answer], Field(min_length=QUESTION_COUNT, max_length=QUESTION_COUNT), Tag("in_order")],
    Discriminator(
        _answers_shape,
        custom_error_type="answers_type",
        custom_error_message="answers must be an object {'1': true, ...} or a list of 15 true/false/null",
    ),
]


class StageQuestion(BaseModel):
    n: int = Field(description="Question number, 1..15.")
    text: str = Field(description="The question; the Chinese is exactly as in the MCR2030 overview.")
    label: str = Field(description="A short label.")


class StageCriterionDefinition(BaseModel):
    id: str = Field(description="Criterion id, e.g. 'a_to_b', 'b_to_c'.")
    label: str
    questions: list[int] = Field(description="The survey questions it depends on.")
    citation: CitationModel = Field(description="The document text that defines the criterion.")


class StageQuestionsResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lang": "en",
                    "questions": [
                        {
                            "n": 2,
                            "text": "The local government has discussed and provided guidance on strengthening "
                            "resilience for its staff and the city council.",
                            "label": "Guidance for staff and council",
                        }
                    ],
                    "criteria": [
                        {
                            "id": "q2",
                            "label": "Lectures with staff and the city council (Q2)",
                            "questions": [2],
                            "citation": {
                                "n": 2,
                                **_MCR_DOC,
                                "section": _FAQ_SECTION,
                                "page": None,
                                "start": 20775,
                                "end": 20788,
                                "quote": "与员工和市议会一同举办讲座",
                                "lang": "zh",
                            },
                        }
                    ],
                }
            ]
        }
    )

    lang: Lang
    questions: list[StageQuestion] = Field(description="The 15 stage-assessment questions, in order.")
    criteria: list[StageCriterionDefinition] = Field(description="The roadmap criteria and the text defining each.")


class StageAssessRequest(BaseModel):
    """Survey answers and/or a free-text description of the city; at least one of them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"answers": {"1": True, "2": True, "3": None, "10": True, "13": False}, "lang": "en"},
                {"text": "我们去年举办了公众宣传活动，防灾减灾战略草案已提交市议会等待表决。"},
                {
                    "answers": [
                        True,
                        True,
                        None,
                        True,
                        None,
                        None,
                        None,
                        None,
                        None,
                        True,
                        None,
                        None,
                        False,
                        None,
                        None,
                    ]
                },
            ]
        },
    )

    answers: Answers | None = Field(
        None,
        description="Question number ('1'..'15') -> true / false / null (unknown; missing numbers are unknown), or a "
        "list of exactly 15 answers in question order (null for unknown). Explicit answers override the text.",
    )
    text: str | None = Field(
        None, max_length=MAX_QUERY_CHARS, description="The city's situation in Chinese or English (≤ 2000 chars)."
    )
    lang: Lang | None = Field(None, description="Output language; default: the text's language, else 'en'.")

    @model_validator(mode="after")
    def _answers_or_text(self) -> StageAssessRequest:
        if not self.answers and not (self.text and self.text.strip()):
            raise ValueError("give answers and/or text")
        return self

    def answer_map(self) -> dict[int, bool | None] | None:
        """The answers as question number -> value (a list is numbered from 1)."""
        if not self.answers:
            return None
        if isinstance(self.answers, list):
            return {n: v for n, v in enumerate(self.answers, start=1)}
        return {int(n): v for n, v in self.answers.items()}


class StageCriterion(BaseModel):
    id: str
    label: str
    status: Literal["met", "unmet", "unknown"]
    questions: list[int]
    evidence: list[str] = Field(description="The answers or the sentences of the text that decided the status.")
    citation: CitationModel | None


class NextQuestion(BaseModel):
    n: int
    text: str


class StageAssessResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "stage": "undecided",
                    "criteria": [
                        {
                            "id": "q10",
                            "label": "Focal point / multi-sector resilience committee (Q10)",
                            "status": "unknown",
                            "questions": [10],
                            "evidence": [],
                            "citation": {
                                "n": 4,
                                **_MCR_DOC,
                                "section": _FAQ_SECTION,
                                "page": None,
                                "start": 20789,
                                "end": 20803,
                                "quote": "成立多部门韧性能力建设委员会",
                                "lang": "zh",
                            },
                        }
                    ],
                    "answers": {str(n): (True if n in (1, 2, 4) else None) for n in range(1, 16)},
                    "to_ask": [10, 3],
                    "ambiguities": [],
                    "next_steps": [
                        "Complete the MCR2030 stage assessment survey: "
                        "https://mcr2030.undrr.org/resilience-roadmap/stage-assessment"
                    ],
                    "areas": [10, 11, 12],
                    "tool_ids": [],
                    "evidence": {"1": "Q1: yes", "2": "Q2: yes", "4": "We have a draft DRR strategy"},
                    "next_question": {
                        "n": 10,
                        "text": "The local government has appointed a chief resilience officer, a designated DRR "
                        "officer, or a corresponding multi-sector committee for resilience building as its focal "
                        "point.",
                    },
                    "lang": "en",
                }
            ]
        }
    )

    stage: Literal["A", "B", "C", "undecided"]
    criteria: list[StageCriterion]
    answers: dict[str, bool | None] = Field(description="All 15 answers as used: given, read from the text, or null.")
    to_ask: list[int] = Field(description="Questions whose answers can still change the stage, most decisive first.")
    ambiguities: list[str]
    next_steps: list[str]
    areas: list[int] = Field(description="Thematic areas to work on at this stage.")
    tool_ids: list[str]
    evidence: dict[str, str] = Field(description="Question number -> what answered it.")
    next_question: NextQuestion | None = Field(description="The most decisive question still to ask, if any.")
    lang: Lang = Field(description="Language of labels, evidence, notes and steps.")


# -- chat ---------------------------------------------------------------------------------------------------
MAX_CHAT_MESSAGES = 50


def rendering_model(r: RenderedQuote | None) -> RenderingModel | None:
    payload = rendering_payload(r)
    return RenderingModel(**payload) if payload is not None else None


Stage = Literal["A", "B", "C"]


class ChatContextModel(BaseModel):
    """The conversation state a reply returns and the client sends back unchanged (version 1)."""

    model_config = ConfigDict(extra="forbid")

    v: Literal[1] = Field(1, description="Context format version.")
    stage_answers: dict[Annotated[str, StringConstraints(pattern=r"^(?:[1-9]|1[0-5])$")], StrictBool] = Field(
        default_factory=dict, max_length=15, description="Survey question number (1-15) -> the answer given."
    )
    skipped_questions: list[Annotated[int, Field(ge=1, le=15), _ToJsonInt]] = Field(default_factory=list, max_length=15)
    pending_question: Annotated[int, Field(ge=1, le=15), _ToJsonInt] | None = Field(
        None, description="The survey question the last reply asked."
    )
    stage_text: str | None = Field(None, max_length=MAX_CONTEXT_TEXT)
    stage: Stage | None = None
    last_recommendations: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=MAX_RECOMMENDATIONS,
        description="The records the last reply recommended or listed, in its order (what 'the second one' points at).",
    )
    last_situation: str | None = Field(None, max_length=MAX_CONTEXT_TEXT)
    last_record: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="The catalogue record the last reply was about (what a follow-up's 'it' refers to)."
    )

    def to_context(self) -> ChatContext:
        return ChatContext(
            stage_answers=tuple(sorted((int(q), a) for q, a in self.stage_answers.items())),
            skipped_questions=tuple(sorted(set(self.skipped_questions))),
            pending_question=self.pending_question,
            stage_text=self.stage_text or None,
            stage=self.stage,
            last_recommendations=tuple(self.last_recommendations),
            last_situation=self.last_situation or None,
            last_record=self.last_record,
        )


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_QUERY_CHARS, description="The message text (at most 2,000 characters).")


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"messages": [{"role": "user", "content": "Which stage of the roadmap are we in?"}]},
                {
                    "messages": [
                        {"role": "user", "content": "我们处于路线图的哪个阶段？"},
                        {"role": "assistant", "content": "…问题 13：…（是 / 否 / 不确定）"},
                        {"role": "user", "content": "是"},
                    ],
                    "context": {"stage_answers": {}, "pending_question": 13},
                },
            ]
        },
    )

    messages: list[ChatMessage] = Field(
        min_length=1, max_length=MAX_CHAT_MESSAGES, description="The conversation so far, oldest first."
    )
    lang: Lang | None = Field(None, description="Reply language; default: the last user message's language.")
    context: ChatContextModel | None = Field(
        None,
        description="The `context` the previous reply returned (stage answers so far, the pending question, the "
        "last recommendations), sent back unchanged. The server keeps no state.",
    )
    stream: StrictBool = Field(False, description="Answer as server-sent events (also: `Accept: text/event-stream`).")


class ChatResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answer": "According to the documents (sources in Chinese, quoted as written):\n"
                    "提供支持的时间: 城市韧性行动规划流程需要 3-4 个月，分为四个阶段。 [1]",
                    "lang": "en",
                    "intent": "question",
                    "citations": [],
                    "recommendations": [],
                    "stage": None,
                    "follow_up": None,
                    "answer_id": "5f0c2a9e8b7d4c3a9f1e2d3c4b5a6978",
                    "grounded": True,
                    "context": {},
                }
            ]
        }
    )

    answer: str = Field(description="The reply; '[n]' marks a sentence supported by citation n.")
    lang: Lang
    intent: Literal["greeting", "help", "stage", "recommend", "lookup", "question", "out_of_scope"]
    citations: list[CitationModel]
    recommendations: list[RecommendationItem] = Field(default_factory=list)
    stage: dict[str, Any] | None = Field(None, description="The stage result (as /v1/stage/assess) for stage turns.")
    follow_up: str | None = Field(None, description="The question asked next, or a suggestion.")
    answer_id: str = Field(description="Send it back with /v1/feedback.")
    grounded: bool = Field(description="False when the documents held no evidence for the answer.")
    context: ChatContextModel = Field(description="Send it back with the next message.")
    record: ToolFields | None = Field(None, description="The catalogue record a lookup turn is about.")
