"""Evaluation of the structured-knowledge answers: tool recommendation (tools.jsonl) and stages (stages.jsonl).

tools: a recommended record is a hit when its id is in ``acceptable_service_ids``, one of its URLs is in
``acceptable_urls``, or its Chinese or English name contains one of ``acceptable_names`` (casefolded; spaces,
quotes and book-title marks removed). hit@3: any hit in the top 3. recall@5: the share of the item's distinct
targets (its service ids and URLs; its names when it has neither) that some top-5 record matches.

stages: accuracy on items with ``ambiguous: false``; on ambiguous items an answer is acceptable when its stage
is one of ``acceptable_stages`` or it is ``undecided`` and names the questions still to ask.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics import confusion_matrix, mean, share_found
from retriever.types import CatalogueItem

_STRIP = re.compile(r"[\s\"'“”‘’《》〈〉「」『』]")


def _norm(text: str) -> str:
    return _STRIP.sub("", text).casefold()


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def matches(item: CatalogueItem, gold: dict) -> bool:
    if item.id in gold.get("acceptable_service_ids", []):
        return True
    if set(item.urls) & set(gold.get("acceptable_urls", [])):
        return True
    names = [n for n in (_norm(item.name), _norm(item.name_en)) if n]
    return any(_norm(a) and _norm(a) in n for a in gold.get("acceptable_names", []) for n in names)


def targets_found(items: list[CatalogueItem], gold: dict) -> tuple[int, int]:
    """(targets matched by ``items``, number of targets)."""
    ids = list(dict.fromkeys(gold.get("acceptable_service_ids", [])))
    urls = list(dict.fromkeys(gold.get("acceptable_urls", [])))
    if ids or urls:
        found = sum(1 for t in ids if any(i.id == t for i in items))
        found += sum(1 for u in urls if any(u in i.urls for i in items))
        return found, len(ids) + len(urls)
    names = [_norm(n) for n in gold.get("acceptable_names", []) if _norm(n)]
    found = sum(1 for n in names if any(n in _norm(i.name) or n in _norm(i.name_en) for i in items))
    return min(found, 1), 1 if names else 0


@dataclass
class ToolsResult:
    items: list[dict] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[dict]] = defaultdict(list)
        for it in self.items:
            groups[it["lang"]].append(it)
        groups["all"] = list(self.items)
        return {
            g: {
                "n": len(v),
                "hit@3": round(mean([i["hit@3"] for i in v]), 4),
                "recall@5": round(mean([i["recall@5"] for i in v]), 4),
            }
            for g, v in sorted(groups.items())
        }


def evaluate_tools(recommender: Any, gold: Path | Sequence[dict]) -> ToolsResult:
    """Score every scenario of ``gold`` (a tools.jsonl path, or its items as dicts)."""
    result = ToolsResult()
    for g in load_jsonl(gold) if isinstance(gold, Path) else gold:
        start = time.perf_counter()
        recs = recommender.recommend(g["scenario"], stage=g.get("stage"), k=5)
        seconds = time.perf_counter() - start
        items = [r.item for r in recs]
        hits = [matches(i, g) for i in items]
        found, total = targets_found(items, g)
        result.items.append(
            {
                "id": g["id"],
                "lang": g["lang"],
                "hit@3": 1.0 if any(hits[:3]) else 0.0,
                "recall@5": share_found(found, total),
                "top": [i.id for i in items],
                "scenario": g["scenario"],
                "seconds": seconds,
            }
        )
    return result


@dataclass
class StagesResult:
    items: list[dict] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        clear = [i for i in self.items if not i["ambiguous"]]
        amb = [i for i in self.items if i["ambiguous"]]
        labels = ("A", "B", "C", "undecided")
        return {
            "n": len(self.items),
            "accuracy": round(mean([1.0 if i["ok"] else 0.0 for i in clear]), 4) if clear else None,
            "ambiguous_acceptable": round(mean([1.0 if i["ok"] else 0.0 for i in amb]), 4) if amb else None,
            "confusion": confusion_matrix(((i["expected"], i["got"]) for i in clear), labels[:3], labels),
        }


def evaluate_stages(assess: Any, gold: Path | Sequence[dict]) -> StagesResult:
    """``assess(answers: dict | None, text: str | None) -> StageResult``; ``gold`` is a stages.jsonl path or its
    items as dicts."""
    result = StagesResult()
    for g in load_jsonl(gold) if isinstance(gold, Path) else gold:
        answers = {i + 1: v for i, v in enumerate(g["answers"])} if g.get("answers") else None
        r = assess(answers, g.get("description"))
        if g["ambiguous"]:
            ok = r.stage in g["acceptable_stages"] or (r.stage == "undecided" and bool(r.to_ask))
        else:
            ok = r.stage == g["expected_stage"]
        result.items.append(
            {
                "id": g["id"],
                "lang": g.get("lang") or "-",
                "ambiguous": g["ambiguous"],
                "expected": g.get("expected_stage") or "-",
                "got": r.stage,
                "to_ask": list(r.to_ask),
                "ok": ok,
            }
        )
    return result
