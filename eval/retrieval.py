"""Retrieval evaluation on qa.jsonl gold files (format of eval-dev): Recall@5, MRR@10, nDCG@10 per group.

A retrieved chunk is relevant when it comes from the item's ``doc`` and its text, whitespace collapsed,
contains any of the item's ``anchors`` (whitespace collapsed). Groups: ``zh`` (Chinese questions), ``en-en``
(English questions about the English paper) and ``en-zh`` (English questions about Chinese documents, the
cross-lingual case).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval.metrics import mean, mrr_at_k, ndcg_at_k, recall_at_k
from retriever.search import HybridRetriever

ENGLISH_DOCS = ("resilient-cities-congress-review.en.txt",)


def _collapse(text: str) -> str:
    return "".join(text.split())


def load_qa(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def group_of(item: dict) -> str:
    if item["lang"] == "zh":
        return "zh"
    return "en-en" if item["doc"] in ENGLISH_DOCS else "en-zh"


def is_relevant(source: str, text: str, item: dict) -> bool:
    if source != item["doc"]:
        return False
    body = _collapse(text)
    return any(_collapse(a) in body for a in item["anchors"])


@dataclass
class RetrievalResult:
    items: list[dict] = field(default_factory=list)

    def groups(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = defaultdict(list)
        for it in self.items:
            out[it["group"]].append(it)
        out["all"] = list(self.items)
        return dict(out)

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            g: {
                "n": len(its),
                "recall@5": round(mean([i["recall@5"] for i in its]), 4),
                "mrr@10": round(mean([i["mrr@10"] for i in its]), 4),
                "ndcg@10": round(mean([i["ndcg@10"] for i in its]), 4),
            }
            for g, its in sorted(self.groups().items())
        }


def score_question(retriever: HybridRetriever, item: dict, k: int = 10) -> dict:
    """One question: its metrics, the rank of the first relevant chunk, the top 5 chunk ids and the search time."""
    start = time.perf_counter()
    hits = retriever.search(item["question"], k)
    seconds = time.perf_counter() - start
    rel = [is_relevant(h.chunk.source, h.chunk.text, item) for h in hits]
    first = next((i + 1 for i, r in enumerate(rel) if r), None)
    return {
        "id": item["id"],
        "group": group_of(item),
        "type": item.get("type", ""),
        "lang": item["lang"],
        "question": item["question"],
        "recall@5": recall_at_k(rel, 5),
        "mrr@10": mrr_at_k(rel, 10),
        "ndcg@10": ndcg_at_k(rel, 10),
        "first_relevant_rank": first,
        "top": [h.chunk.chunk_id for h in hits[:5]],
        "seconds": seconds,
    }


def evaluate_retrieval(retriever: HybridRetriever, gold: Path | Sequence[dict], k: int = 10) -> RetrievalResult:
    """Score every question of ``gold`` (a qa.jsonl path, or its items as dicts)."""
    items = load_qa(gold) if isinstance(gold, Path) else list(gold)
    return RetrievalResult(items=[score_question(retriever, item, k) for item in items])


def format_retrieval(result: RetrievalResult) -> str:
    lines = [f"{'group':8s} {'n':>3s} {'R@5':>6s} {'MRR@10':>7s} {'nDCG@10':>8s}"]
    for g, s in result.summary().items():
        lines.append(f"{g:8s} {s['n']:3d} {s['recall@5']:6.3f} {s['mrr@10']:7.3f} {s['ndcg@10']:8.3f}")
    return "\n".join(lines)
