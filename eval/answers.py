"""Evaluation of the assistant's answers: citation precision, answering in-scope questions, declining the rest.

Citation precision (per reply, and pooled over all ``[n]`` markers of a run)
----------------------------------------------------------------------------
Every ``[n]`` marker in a reply closes a *claim*: the text of its line from the previous marker (or the line
start) up to the marker, without list numbering, check marks and quotation marks. Consecutive markers
(``… [1][2]``) share the claim before them. A marker is *supported* when all three hold:

1. ``n`` is one of the reply's citations;
2. the citation is verbatim: ``document.text[start:end] == quote`` in the indexed source (`quote_is_verbatim`);
3. the claim carries the quote (`claim_support` >= ``SUPPORT_MIN``): it contains the quote or is contained in
   it (whitespace ignored), or their content terms overlap: ``|claim ∩ quote| / min(|claim|, |quote|)`` >= 0.5
   (the overlap coefficient; terms are jieba words of two or more characters and English stems, URLs left
   out). A claim in another language than its quote is first translated term by term into the quote's
   language with the same bilingual lexicon that search uses (glossary, then CC-CEDICT). A citation that carries
   a rendering of its quote (the reader's language) is also checked against the rendering.

Citation precision = supported markers / markers. Reference marks that belong to a quoted source (``^[12]``,
``^{[3][4]}``, ``[5]~[7]``) are not markers: a run of ``[n]`` must not follow a letter, digit, ``^``, ``{`` or
``~``, nor be followed by a letter, digit, ``}`` or ``~``.

Answering and declining
-----------------------
- qa questions (in scope) go through ``Assistant.reply`` like a chat message: ``answered`` when the reply has
  citations (whatever the intent: a tool question may be answered by recommendations); ``cites_gold`` when one
  citation overlaps an anchor of the item in its ``doc`` (the reply quotes the passage that holds the answer).
- out-of-scope questions: ``correct`` when the intent is ``out_of_scope`` and there are no citations
  (`correct_abstention`); ``declined`` when the reply cites nothing (``no_evidence`` replies count here too).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from eval.metrics import claim_support, correct_abstention, quote_is_verbatim
from retriever.bilingual import Lexicon
from retriever.language import han_ratio, script_lang
from retriever.tokenize import tokenize_en, tokenize_zh
from retriever.types import Citation, Document

SUPPORT_MIN = 0.5
MARKERS = re.compile(r"(?<![\^{~\w\]])((?:\[\d{1,3}\])+)(?![}~\w])")
_NUMBER = re.compile(r"\d+")
_URL = re.compile(r"<?(?:https?://|www\.)[^\s<>]+>?")
_LEAD = re.compile(r"^[\s\-–—*•·✓✗?!:：;；,，。]*(?:\d{1,2}[.)、]\s*)?[\s\-–—*•·✓✗?!]*")
_QUOTES = str.maketrans("", "", '「」『』“”"')
MAX_FAILURES_KEPT = 5


def cited_claims(answer: str) -> list[tuple[str, int]]:
    """``(claim, n)`` for every ``[n]`` marker of ``answer``, in order (see the module docstring)."""
    out: list[tuple[str, int]] = []
    for line in answer.splitlines():
        last_end, claim = 0, ""
        for m in MARKERS.finditer(line):
            segment = _clean(line[last_end : m.start()])
            if segment:
                claim = segment
            out.extend((claim, int(n)) for n in _NUMBER.findall(m.group(1)))
            last_end = m.end()
    return out


def _clean(text: str) -> str:
    return _LEAD.sub("", text.translate(_QUOTES)).strip(" \t;；,，")


def _terms(text: str, lang: str) -> set[str]:
    text = _URL.sub(" ", text)
    tokens = tokenize_zh(text) if lang == "zh" else tokenize_en(text)
    return {t for t in tokens if len(t) >= 2}


class CitationChecker:
    """Checks the ``[n]`` markers of replies against the indexed documents (offsets and quotes)."""

    def __init__(self, documents: Mapping[str, Document], lexicon: Lexicon | None) -> None:
        self.documents = documents
        self.lexicon = lexicon

    def claim_terms(self, claim: str, quote_lang: str) -> set[str]:
        """The claim's content terms in the quote's token language (translated when the languages differ)."""
        own = _terms(claim, quote_lang)
        if script_lang(claim) == quote_lang or self.lexicon is None:
            return own
        text = _URL.sub(" ", claim)
        if quote_lang == "zh":
            return own | {t for t, _ in self.lexicon.en_to_zh(text) if len(t) >= 2}
        return own | {t for t in self.lexicon.zh_to_en(text) if len(t) >= 2}

    def check(self, answer: str, citations: Sequence[Citation]) -> dict[str, Any]:
        """Counts of markers, verbatim citations and supported markers of one reply, with the failures."""
        by_n = {c.n: c for c in citations}
        markers = supported = verbatim = 0
        failures: list[dict[str, Any]] = []
        for claim, n in cited_claims(answer):
            markers += 1
            c = by_n.get(n)
            if c is None:
                failures.append({"n": n, "claim": claim[:160], "reason": "no_such_citation"})
                continue
            doc = self.documents.get(c.doc_id)
            exact = quote_is_verbatim(doc.text if doc else None, c.start, c.end, c.quote)
            quote_lang = c.lang if c.lang in ("zh", "en") else script_lang(c.quote)
            support = claim_support(claim, c.quote, self.claim_terms(claim, quote_lang), _terms(c.quote, quote_lang))
            if c.rendering is not None:
                # a claim shown in the reader's language is checked against the rendering of the quoted span
                r = c.rendering
                support = max(
                    support, claim_support(claim, r.text, self.claim_terms(claim, r.lang), _terms(r.text, r.lang))
                )
            verbatim += exact
            ok = exact and support >= SUPPORT_MIN
            supported += ok
            if not ok and len(failures) < MAX_FAILURES_KEPT:
                failures.append(
                    {
                        "n": n,
                        "claim": claim[:160],
                        "quote": c.quote[:160],
                        "verbatim": exact,
                        "support": round(support, 3),
                        "reason": "not_verbatim" if not exact else "claim_does_not_carry_quote",
                    }
                )
        return {
            "markers": markers,
            "verbatim": verbatim,
            "supported": supported,
            "citation_precision": supported / markers if markers else None,
            "failures": failures,
        }


def anchor_spans(doc: Document | None, anchors: Sequence[str]) -> list[tuple[int, int]]:
    """Every place the anchors occur in the document text (exact matches; whitespace-tolerant matches for an anchor
    with no exact one). Every occurrence counts, as eval-dev's rule says ("an anchor occurrence in doc"): the MCR2030
    overview states its cross-cutting objectives twice, and a reply citing the second statement cites the passage."""
    if doc is None:
        return []
    spans = []
    for a in anchors:
        if not a.strip():
            continue
        exact = [(m.start(), m.end()) for m in re.finditer(re.escape(a), doc.text)]
        if exact:
            spans.extend(exact)
            continue
        pattern = r"\s*".join(re.escape(ch) for ch in "".join(a.split()))
        spans.extend((m.start(), m.end()) for m in re.finditer(pattern, doc.text))
    return spans


MIN_INSIDE_CHARS = 8
PASSAGE_SLACK = 300


def _collapse(text: str) -> str:
    return "".join(text.split())


def quotes_anchor(citations: Sequence[Citation], doc: str, anchors: Sequence[str]) -> bool:
    """The reply *quotes the answer*: a citation from ``doc`` whose quote `holds_anchor`."""
    return any(c.source == doc and holds_anchor(c.quote, anchors) for c in citations)


def holds_anchor(quote: str, anchors: Sequence[str]) -> bool:
    """``quote`` contains an anchor, or lies inside one (a quote under 8 characters does not count as lying inside);
    whitespace collapsed (eval-dev's rule)."""
    folded = _collapse(quote)
    return any(
        a in folded or (len(folded) >= MIN_INSIDE_CHARS and folded in a)
        for a in (_collapse(x) for x in anchors if x.strip())
    )


def cites_passage(citations: Sequence[Citation], doc: str, spans: Sequence[tuple[int, int]]) -> bool:
    """The reply *cites the passage*: an anchor occurrence of ``doc`` lies inside a citation's ``[start, end]``
    widened by 300 characters on each side (eval-dev's rule)."""
    return any(
        c.source == doc and c.start - PASSAGE_SLACK <= s and e <= c.end + PASSAGE_SLACK
        for c in citations
        for s, e in spans
    )


def is_english(answer: str, most_han: float = 0.1) -> bool:
    """Han characters are at most ``most_han`` of the letters (Han + Latin) of the answer text."""
    return han_ratio(answer) <= most_han


FOLLOW_UP_ECHO_CHARS = 1900  # under the chat's limit of 2,000 characters a message


def evaluate_answers(assistant: Any, checker: CitationChecker, items: Sequence[dict], turn: Any) -> list[dict]:
    """Ask every qa question (``items`` as dicts) as a one-message conversation, or, for an item with a ``first``
    message, as the follow-up of that message (with the reply and the context it returned); ``turn`` builds a
    message."""
    docs_by_source = {d.source: d for d in checker.documents.values()}
    out = []
    for item in items:
        start = time.perf_counter()
        if item.get("first"):
            opening = assistant.reply([turn("user", item["first"])])
            said = opening.answer[:FOLLOW_UP_ECHO_CHARS]  # what a client echoes of a reply is bounded like any message
            messages = [turn("user", item["first"]), turn("assistant", said), turn("user", item["question"])]
            reply = assistant.reply(messages, context=opening.context)
        else:
            reply = assistant.reply([turn("user", item["question"])])
        seconds = time.perf_counter() - start
        check = checker.check(reply.answer, reply.citations)
        spans = anchor_spans(docs_by_source.get(item["doc"]), item["anchors"])
        cites_gold = any(
            c.source == item["doc"] and any(c.start < e and s < c.end for s, e in spans) for c in reply.citations
        )
        english = item["lang"] == "en"
        out.append(
            {
                "id": item["id"],
                "lang": item["lang"],
                "group": item.get("group", item["lang"]),
                "type": item.get("type", ""),
                "question": item["question"],
                "intent": reply.intent,
                "grounded": reply.grounded,
                "n_citations": len(reply.citations),
                "answered": bool(reply.citations),
                "cites_gold": cites_gold,
                "quotes_anchor": quotes_anchor(reply.citations, item["doc"], item["anchors"]),
                "cites_passage": cites_passage(reply.citations, item["doc"], spans),
                "refused": not reply.citations,
                "in_language": (is_english(reply.answer) if english else True),
                "renderings_complete": all(c.rendering is not None for c in reply.citations if c.lang != item["lang"]),
                "gold_intent": item.get("intent"),
                "intent_ok": (reply.intent == item["intent"]) if item.get("intent") else None,
                **check,
                "seconds": seconds,
            }
        )
    return out


def evaluate_abstention(assistant: Any, checker: CitationChecker, items: Sequence[dict], turn: Any) -> list[dict]:
    """Ask every out-of-scope question; the reply must decline without citations."""
    out = []
    for item in items:
        start = time.perf_counter()
        reply = assistant.reply([turn("user", item["question"])])
        seconds = time.perf_counter() - start
        out.append(
            {
                "id": item["id"],
                "lang": item["lang"],
                "question": item["question"],
                "intent": reply.intent,
                "n_citations": len(reply.citations),
                "correct": correct_abstention(reply.intent, len(reply.citations)),
                "declined": not reply.citations,
                **checker.check(reply.answer, reply.citations),
                "seconds": seconds,
            }
        )
    return out
