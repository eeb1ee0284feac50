"""Curated questions per passage (the doc2query technique): retrieval aids the team writes, never the documents.

A questions file is JSON Lines beside a document (declared in its manifest entry as ``"questions": {"file": ...}``),
one answer span a line::

    {"start": 120, "end": 164, "src": "<original[start:end]>", "type": "duration",
     "zh": "做一次城市韧性行动规划要多久？", "en": "How long does a CityRAP exercise take?"}

``document.text[start:end]`` (``src``, checked) is the sentence or list item that answers both questions. Ingest
gives every passage that holds a span its questions; search matches a query against them by words (the ``asked``
leg, BM25 over the questions in the query's language) and by meaning (``asked_dense``, the nearest question under
the service's embedder), and the hit is still the passage, quoted from the original. A question is never shown as
text of the document. ``type`` (quantity, duration, date, ...) is kept for review and reporting; ingest ignores it.

:func:`load_questions` reads and validates one file against the current original and raises ``InvalidQuestions``
naming the line: a file written for another text of the document is refused rather than attached to the wrong
passages.
"""

from __future__ import annotations

from pathlib import Path

from ingest.spans import span_rows
from retriever.errors import InvalidQuestions
from retriever.language import has_han
from retriever.types import AskedQuestion

__all__ = ["QUESTION_TYPES", "load_questions"]

QUESTION_TYPES = frozenset(
    {
        "quantity",
        "duration",
        "date",
        "place",
        "organisation",
        "person",
        "list",
        "definition",
        "procedure",
        "yes-no",
        "purpose",
        "reason",
        "other",
    }
)
MAX_QUESTION_CHARS = 300


def load_questions(path: Path, original: str, *, doc_id: str) -> tuple[AskedQuestion, ...]:
    """The questions of ``path`` for the document ``doc_id`` whose text is ``original``: each line valid JSON with
    integer offsets inside the original, ``src`` (when given) equal to ``original[start:end]``, a known ``type``
    (when given), a Chinese question with Han characters and an English one without, each at most
    ``MAX_QUESTION_CHARS``. Raises ``InvalidQuestions`` naming the file and line."""
    out: list[AskedQuestion] = []
    for where, row, start, end in span_rows(path, original, InvalidQuestions):
        if row.get("type") is not None and row["type"] not in QUESTION_TYPES:
            raise InvalidQuestions(f"{where}: type {row['type']!r} is not one of {', '.join(sorted(QUESTION_TYPES))}")
        asked = [(lang, row.get(lang)) for lang in ("zh", "en") if row.get(lang) is not None]
        if not asked:
            raise InvalidQuestions(f"{where}: no question (give zh, en or both)")
        for lang, text in asked:
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_QUESTION_CHARS:
                raise InvalidQuestions(f"{where}: {lang} must be a question of 1..{MAX_QUESTION_CHARS} characters")
            if has_han(text) != (lang == "zh"):
                raise InvalidQuestions(f"{where}: the {lang} question is not written in {lang}")
            out.append(AskedQuestion(doc_id, start, end, lang, " ".join(text.split())))  # type: ignore[arg-type]
    return tuple(out)
