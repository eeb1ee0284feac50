"""zh/en parity: the same situation or stage description, asked in Chinese and in English, should get the same
answer. Stages: the same stage in both languages (``agree``) and the expected one (``correct_zh``/``correct_en``).
Recommendations: the overlap of the two top-3 lists (`top_k_overlap`; 1.0 = the same three records).
Scripts: every Chinese question, situation and stage description of the gold sets rewritten in traditional
characters (what officials in Taiwan, Hong Kong and Macao write) should get exactly what the simplified text gets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from eval.metrics import top_k_overlap


def evaluate_parity_recommend(recommender: Any, items: Sequence[dict], k: int = 3) -> list[dict]:
    out = []
    for item in items:
        start = time.perf_counter()
        zh = [r.item.id for r in recommender.recommend(item["zh"], stage=item.get("stage"), k=k)]
        en = [r.item.id for r in recommender.recommend(item["en"], stage=item.get("stage"), k=k)]
        seconds = (time.perf_counter() - start) / 2
        out.append(
            {
                "id": item["id"],
                "zh": zh,
                "en": en,
                f"top{k}_overlap": top_k_overlap(zh, en, k),
                "seconds": seconds,
            }
        )
    return out


def evaluate_parity_stages(assess: Callable[[str], Any], items: Sequence[dict]) -> list[dict]:
    """``assess(text) -> StageResult``."""
    out = []
    for item in items:
        zh, en = assess(item["zh"]), assess(item["en"])
        expected = item.get("expected_stage")
        out.append(
            {
                "id": item["id"],
                "expected": expected,
                "zh": zh.stage,
                "en": en.stage,
                "zh_to_ask": list(zh.to_ask),
                "en_to_ask": list(en.to_ask),
                "agree": zh.stage == en.stage,
                "correct_zh": None if expected is None else zh.stage == expected,
                "correct_en": None if expected is None else en.stage == expected,
            }
        )
    return out


def evaluate_parity_script(
    to_traditional: Callable[[str], str],
    *,
    search: Callable[[str], list[str]],
    recommend: Callable[[str], list[str]],
    assess: Callable[[str], str],
    questions: Sequence[str] = (),
    situations: Sequence[str] = (),
    descriptions: Sequence[str] = (),
) -> list[dict]:
    """One row per Chinese text (``kind``: search, recommend, stage) whose traditional twin differs from it:
    ``same`` when the twin gets the same ranked ids (``search``, ``recommend``) or the same stage (``assess``)."""
    out = []
    for kind, texts, answer in (
        ("search", questions, search),
        ("recommend", situations, recommend),
        ("stage", descriptions, assess),
    ):
        for text in texts:
            twin = to_traditional(text)
            if twin != text:
                out.append({"kind": kind, "text": text, "same": answer(text) == answer(twin)})
    return out
