"""JSON-ready dicts of domain results, shared by the CLI, the API and eval so all three show the same shape."""

from __future__ import annotations

from typing import Any

from retriever.types import CatalogueItem, Citation, Hit, StageResult


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
    }


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
    }


def item_payload(item: CatalogueItem, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "name": item.name,
        "name_en": item.name_en,
        "summary_en": item.summary_en,
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
    }


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
