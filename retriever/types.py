"""Domain values shared by every layer: documents, chunks, hits, catalogue records, stage results, answers.

All are frozen dataclasses. Pydantic lives only at the edges (settings, API schemas, eval files), which map
to and from these explicitly.

Offsets: ``Chunk.start``/``Chunk.end`` index into ``Document.text`` (the text as loaded, before any
normalisation), so ``document.text[chunk.start:chunk.end] == chunk.text`` always holds and a citation can quote
the source verbatim. Normalisation for matching is applied to a copy (see ``ingest.normalize``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["zh", "en"]
RecordKind = Literal["mcr_tool", "unhabitat_service", "flagship"]
Stage = Literal["A", "B", "C"]


@dataclass(frozen=True, slots=True)
class PageSpan:
    """One PDF page inside ``Document.text``: page number (1-based) and its character range."""

    page: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """A loaded source file.

    ``doc_id`` is derived from the source name and the normalised content (see ``ingest.loaders.make_doc_id``),
    so re-loading an unchanged file yields the same id. ``content_hash`` is the sha256 of ``text``.
    """

    doc_id: str
    source: str
    title: str
    lang: str
    text: str
    content_hash: str
    pages: tuple[PageSpan, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character ``offset``, or None for documents without pages."""
        for span in self.pages:
            if span.start <= offset < span.end:
                return span.page
        return self.pages[-1].page if self.pages and offset >= self.pages[-1].end else None


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document, small enough that a citation points to it.

    ``chunk_id == f"{doc_id}:{n}"``; ``section`` is the heading path (outermost first); ``text`` is exactly
    ``document.text[start:end]``.
    """

    chunk_id: str
    doc_id: str
    n: int
    source: str
    title: str
    section: tuple[str, ...]
    start: int
    end: int
    text: str
    lang: str
    page: int | None = None

    @property
    def heading(self) -> str:
        return self.section[-1] if self.section else ""


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence or list item of an original, ``document.text[start:end]``, and its English (empty for debris,
    which ``debris`` names)."""

    start: int
    end: int
    en: str
    debris: str = ""


@dataclass(frozen=True, slots=True)
class Rendering:
    """A document in another language, segment by segment, and where it comes from (``provenance``: ``curated``
    rendering the team wrote, ``official`` translation aligned at ingest, or ``machine``). The original stays
    authoritative: citations quote the original; a rendering is shown beside it."""

    doc_id: str
    lang: str
    provenance: str
    segments: tuple[Segment, ...]

    def overlapping(self, start: int, end: int) -> list[Segment]:
        """The non-debris segments overlapping ``[start, end)`` of the original, in order."""
        segs = self.segments
        lo, hi = 0, len(segs)
        while lo < hi:
            mid = (lo + hi) // 2
            if segs[mid].end <= start:
                lo = mid + 1
            else:
                hi = mid
        out = []
        for s in segs[lo:]:
            if s.start >= end:
                break
            if not s.debris:
                out.append(s)
        return out

    def widen(self, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
        """``[start, end)`` widened to the whole segments it overlaps, kept within ``[lo, hi)``, so that a quote of
        the span and the rendering of the span say the same thing."""
        segs = self.overlapping(start, end)
        if not segs:
            return start, end
        return max(min(start, segs[0].start), lo), min(max(end, segs[-1].end), hi)

    def text_between(self, start: int, end: int, original: str | None = None) -> str:
        """The rendering of ``[start, end)``: the text of its overlapping segments, joined by spaces (by a line
        break where the ``original``, when given, breaks the line between two segments)."""
        segs = [s for s in self.overlapping(start, end) if s.en]
        if original is None:
            return " ".join(s.en for s in segs)
        out: list[str] = []
        for prev, seg in zip([None, *segs], segs, strict=False):
            if prev is not None:
                out.append("\n" if "\n" in original[prev.end : seg.start] else " ")
            out.append(seg.en)
        return "".join(out)


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk. ``score`` is higher-is-better and only comparable within one result list."""

    chunk: Chunk
    score: float
    rank: int
    legs: tuple[tuple[str, float], ...] = ()
    rendering: RenderedQuote | None = None


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """Where a record or a citation comes from: ``document.text[start:end] == quote``."""

    doc_id: str
    source: str
    start: int
    end: int
    quote: str


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """A structured record extracted from the documents: an MCR2030 example tool, a UN-Habitat service or a
    flagship programme. Only these can be recommended.

    ``stages`` are roadmap stages (``"A"``/``"B"``/``"C"``), ``areas`` the MCR2030 thematic area numbers (1-12);
    ``section`` is the UN-Habitat catalogue section letter (``"A"``..``"K"``) for services. ``fields`` holds the
    named Chinese text fields of a service (``overview``, ``challenges``, ``offer``, ``applications``,
    ``duration``) as ``(name, text)`` pairs. ``listings`` are the places an MCR2030 overview lists the tool under a
    thematic area, as ``(area, span)`` in the document's order: a tool listed under two areas has two (``span`` is
    the first).
    """

    id: str
    kind: RecordKind
    name: str
    name_en: str
    summary_en: str
    span: SourceSpan
    urls: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    areas: tuple[int, ...] = ()
    section: str = ""
    section_title: str = ""
    section_title_en: str = ""
    tags: tuple[str, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()
    places: tuple[tuple[str, str, str], ...] = ()
    summary_zh: str = ""  # curated Chinese note where the document gives only a name and a link (MCR2030 tools)
    listings: tuple[tuple[int, SourceSpan], ...] = ()

    def field(self, name: str) -> str:
        return dict(self.fields).get(name, "")

    def curated_note(self, lang: str) -> str:
        """Our curated note for a reader of ``lang``, shown labelled as ours: ``summary_en`` for English,
        ``summary_zh`` for Chinese (empty for a record whose own Chinese text describes it)."""
        return self.summary_en if lang == "en" else self.summary_zh


@dataclass(frozen=True, slots=True)
class Citation:
    """A quoted span of a source that supports an answer sentence."""

    n: int
    doc_id: str
    source: str
    title: str
    section: tuple[str, ...]
    page: int | None
    start: int
    end: int
    quote: str
    lang: str
    rendering: RenderedQuote | None = None


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question the team wrote for a passage, answered by ``document.text[start:end]`` (curated retrieval aid,
    the doc2query technique): indexed so that a user's question worded unlike the passage still finds it, never
    shown as the document's text. ``lang`` is the question's language."""

    doc_id: str
    start: int
    end: int
    lang: Lang
    text: str


@dataclass(frozen=True, slots=True)
class RenderedQuote:
    """A citation's quote in the reader's language: ``text`` in ``lang``, from a ``provenance`` rendering (see
    ``Rendering``); the citation's ``quote`` stays the verbatim original."""

    lang: str
    text: str
    provenance: str


@dataclass(frozen=True, slots=True)
class CuratedNote:
    """Words the team wrote (a record's English summary, a mapping), shown beside an answer and never under a
    document citation. ``provenance`` says what it is, e.g. ``curated_summary``."""

    text: str
    provenance: str = "curated_summary"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One roadmap criterion (e.g. ``a_to_b``) or one of its parts, evaluated for a city."""

    id: str
    label: str
    status: Literal["met", "unmet", "unknown"]
    questions: tuple[int, ...]
    evidence: tuple[str, ...] = ()
    citation: Citation | None = None


@dataclass(frozen=True, slots=True)
class StageResult:
    """The outcome of the roadmap rules: a stage, or ``"undecided"`` with the questions still to ask."""

    stage: Literal["A", "B", "C", "undecided"]
    criteria: tuple[Criterion, ...]
    answers: tuple[tuple[int, bool | None], ...]
    to_ask: tuple[int, ...] = ()
    ambiguities: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    areas: tuple[int, ...] = ()
    tool_ids: tuple[str, ...] = ()
    evidence: tuple[tuple[int, str], ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Answer:
    """A composed reply: text with ``[n]`` markers, their citations, and structured extras."""

    answer_id: str
    text: str
    lang: str
    intent: str
    citations: tuple[Citation, ...] = ()
    grounded: bool = True
