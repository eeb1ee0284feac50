"""JSON-ready dicts of domain results, shared by the CLI, the API and eval so all three show the same shape."""

from __future__ import annotations

from typing import Any

from retriever.types import CatalogueItem, Citation, CuratedNote, Hit, RenderedQuote, StageResult

# How a rendering is labelled wherever it is shown: whose words they are, and that the original is authoritative.
PROVENANCE_LABELS = {
    "curated": "curated rendering by the Resilience Navigator team, not an official translation; the original is "
    "authoritative",
    "official": "official translation, aligned automatically with the original",
    "machine": "machine translation; the original is authoritative",
}


def citation_payload(c: Citation) -> dict[str, Any]:
    return {
        "n": c.n,
        "doc_id": c.doc_id,
        "source": c.source,
        "title": c.title,
        "section": list(c.section),
        "page": c.page,
        "start": c.start,
        "end": c.end,
        "quote": c.quote,
        "lang": c.lang,
        "rendering": rendering_payload(c.rendering),
    }


def rendering_payload(r: RenderedQuote | None) -> dict[str, Any] | None:
    """A rendering shown to the reader; ``provenance`` says whose words they are (never the document's)."""
    if r is None:
        return None
    return {"lang": r.lang, "text": r.text, "provenance": r.provenance, "label": PROVENANCE_LABELS[r.provenance]}


def hit_payload(h: Hit) -> dict[str, Any]:
    c = h.chunk
    return {
        "rank": h.rank,
        "score": round(h.score, 6),
        "chunk_id": c.chunk_id,
        "doc_id": c.doc_id,
        "source": c.source,
        "title": c.title,
        "section": " > ".join(c.section),
        "section_path": list(c.section),
        "page": c.page,
        "start": c.start,
        "end": c.end,
        "lang": c.lang,
        "text": c.text,
        "rendering": rendering_payload(h.rendering),
    }


def item_payload(item: CatalogueItem, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "name": item.name,
        "name_en": item.name_en,
        "summary_en": item.summary_en,
        "summary_zh": item.summary_zh,
        "urls": list(item.urls),
        "stage": list(item.stages),
        "areas": list(item.areas),
        "section": item.section,
        "section_title": item.section_title,
        "section_title_en": item.section_title_en,
    }
    if full:
        out.update(
            tags=list(item.tags),
            fields={name: text for name, text in item.fields},
            places=[{"region": r, "country": c, "place": p} for r, c, p in item.places],
            source={
                "doc_id": item.span.doc_id,
                "source": item.span.source,
                "start": item.span.start,
                "end": item.span.end,
            },
        )
    return out


def recommendation_payload(rec: Any) -> dict[str, Any]:
    return {
        **item_payload(rec.item),
        "rank": rec.rank,
        "score": round(rec.score, 6),
        "reasons": list(rec.reasons),
        "citations": [citation_payload(c) for c in rec.citations],
        "quoted": rec.quoted,
        "note": note_payload(rec.note),
    }


NOTE_LABELS = {"curated_summary": "Curated note, not from the documents"}


def note_payload(note: CuratedNote | None) -> dict[str, Any] | None:
    if note is None:
        return None
    return {"text": note.text, "provenance": note.provenance, "label": NOTE_LABELS[note.provenance]}


def stage_payload(result: StageResult) -> dict[str, Any]:
    return {
        "stage": result.stage,
        "criteria": [
            {
                "id": c.id,
                "label": c.label,
                "status": c.status,
                "questions": list(c.questions),
                "evidence": list(c.evidence),
                "citation": citation_payload(c.citation) if c.citation else None,
            }
            for c in result.criteria
        ],
        "answers": {str(q): a for q, a in result.answers},
        "to_ask": list(result.to_ask),
        "ambiguities": list(result.ambiguities),
        "next_steps": list(result.next_steps),
        "areas": list(result.areas),
        "tool_ids": list(result.tool_ids),
        "evidence": {str(q): s for q, s in result.evidence},
    }
