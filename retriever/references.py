"""Which of the indexed documents a question refers to by what it is ("the review", "这份执行局报告", "the
Service Catalogue") or by its symbol ("HSP/EB.2023/17"). A year said with the kind ("the 2022 report",
"执行局 2022 年的报告") narrows the kind to the documents of that year (the manifest's ``year``).

A question that points at one of our documents is about that document. Search reads it as a filter on that
document when the caller gave none (``retrieval.referred_docs``): on the question sets, R@5 never fell and rose
for 6 of 90 questions that point at a document (docs/eval/answers.md, session 17). The assistant never refuses such
a question while the document's passages are among those retrieved: below the evidence threshold it gets that
document's best sentences under a label saying the documents do not answer it directly (as a question naming a
catalogue record does). A document's kind comes from ``corpus/MANIFEST.json`` (kept in the index as the
document's ``kind`` metadata); the words for each kind are below, in both languages. Documents users bring without
a kind are found by their symbol only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from retriever.types import Document

__all__ = ["DocumentReferences", "KIND_WORDS"]

_I = re.IGNORECASE
# The words that point at a document of each kind (the kinds ``corpus/MANIFEST.json`` uses).
KIND_WORDS: dict[str, re.Pattern[str]] = {
    "research paper": re.compile(
        r"\b(?:the|this|that)\s+(?:research\s+|review\s+)?(?:paper|article|review|study)\b|\b(?:the|its)\s+authors?\b|"
        r"论文|综述|本文|该文|这篇文章|作者",
        _I,
    ),
    # not someone else's report ("the report by the World Bank", "IPCC报告中…", "世界银行的报告里…")
    "board report": re.compile(
        r"\b(?:the|this|that)\s+(?:20\d\d\s+)?(?:(?:executive\s+)?board\s+)?report\b(?!\s+(?:by|of|from)\b)|"
        r"\bexecutive board'?s\s+(?:20\d\d\s+)?report\b|"
        r"\breport (?:to|of) the executive board\b|执行局\s*(?:20\d\d\s*年\s*)?(?:的)?报告|"
        r"(?:这|该|本)份报告|^\s*报告(?:中|里)",
        _I,
    ),
    "service catalogue": re.compile(
        r"\b(?:the|this)\s+(?:20\d\d\s+)?(?:service\s+)?catalog(?:ue)?\b|\bcatalog(?:ue)? of services\b|服务目录", _I
    ),
    "programme brochure": re.compile(r"\b(?:the|this)\s+(?:MCR2030\s+)?overview\b|\bbrochure\b|概览", _I),
}


class DocumentReferences:
    """The documents of an index a question refers to; build once per index version."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self._by_kind: dict[str, set[str]] = {}
        self._years: dict[str, str] = {}
        self._symbols: list[tuple[str, str]] = []
        for d in documents:
            meta = dict(d.meta)
            if meta.get("kind") in KIND_WORDS:
                self._by_kind.setdefault(meta["kind"], set()).add(d.doc_id)
            if meta.get("year"):
                self._years[d.doc_id] = str(meta["year"])
            if meta.get("symbol"):
                self._symbols.append((meta["symbol"].casefold(), d.doc_id))

    def referred(self, text: str) -> frozenset[str]:
        """The ids of the documents ``text`` points at (empty when it names none)."""
        folded = text.casefold()
        found = {doc_id for symbol, doc_id in self._symbols if symbol in folded}
        for kind, ids in self._by_kind.items():
            if (m := KIND_WORDS[kind].search(text)) is None:
                continue
            # a year said with the kind ("the 2022 report", "执行局 2022 年的报告", "2023 年执行局报告") picks the
            # documents of that year, when the kind has one of that year
            said = text[max(0, m.start() - _YEAR_REACH) : m.end()]
            dated = {i for i in ids if self._years.get(i) and self._years[i] in _YEAR.findall(said)}
            found |= dated or ids
        return frozenset(found)


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_YEAR_REACH = 8  # characters before a kind's words where its year may stand ("2022 年的执行局报告")
