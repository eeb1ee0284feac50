"""The pure metric functions: per-item values and aggregates on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from eval.metrics import (
    accuracy,
    claim_support,
    confusion_matrix,
    correct_abstention,
    hit_at_k,
    latency_summary,
    mean_defined,
    micro,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    quote_is_verbatim,
    recall_at_k,
    share_found,
    top_k_overlap,
)


def test_ranking_metrics() -> None:
    rel = [False, False, True, False, True]
    assert recall_at_k(rel, 2) == 0.0 and recall_at_k(rel, 3) == 1.0 == hit_at_k(rel, 5)
    assert mrr_at_k(rel, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(rel, 2) == 0.0
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(rel, 10) == pytest.approx((1 / math.log2(4) + 1 / math.log2(6)) / ideal)
    assert ndcg_at_k([True, True], 10) == pytest.approx(1.0)
    assert ndcg_at_k([False] * 5, 10) == 0.0


def test_share_and_overlap() -> None:
    assert share_found(1, 4) == 0.25 and share_found(0, 0) == 0.0
    assert top_k_overlap(["a", "b", "c"], ["c", "b", "a"]) == 1.0
    assert top_k_overlap(["a", "b", "c", "d"], ["d", "b", "x"]) == pytest.approx(1 / 3)
    assert top_k_overlap([], [], 3) == 0.0


def test_quote_is_verbatim() -> None:
    text = "城市韧性行动规划流程需要 3-4 个月。"
    assert quote_is_verbatim(text, 13, 19, "3-4 个月")
    assert not quote_is_verbatim(text, 12, 18, "3-4 个月")
    assert not quote_is_verbatim(None, 0, 1, "x")
    assert not quote_is_verbatim(text, 5, 999, text[5:])


def test_claim_support() -> None:
    quote = "流程需要 3-4 个月，分为四个阶段。"
    assert claim_support("流程需要 3-4 个月，分为四个阶段。", quote, set(), set()) == 1.0
    assert claim_support("据文件：流程需要 3-4 个月，分为四个阶段。另有说明", quote, set(), set()) == 1.0
    assert claim_support("流程需要 3-4 个月", quote, set(), set()) == 1.0  # contained in the quote
    assert claim_support("x", quote, {"a", "b"}, {"a", "c", "d", "e"}) == 0.5  # overlap / min(2, 4)
    assert claim_support("x", quote, {"z"}, {"a"}) == 0.0
    assert claim_support("x", quote, set(), {"a"}) == 0.0


def test_abstention_and_aggregates() -> None:
    assert correct_abstention("out_of_scope", 0)
    assert not correct_abstention("out_of_scope", 1) and not correct_abstention("question", 0)
    assert mean_defined([None, 1.0, 0.0]) == 0.5 and mean_defined([None]) is None
    assert micro([1, 2], [2, 2]) == 0.75 and micro([], []) is None
    assert accuracy([("A", "A"), ("B", "C")]) == 0.5
    assert confusion_matrix([("A", "A"), ("A", "B"), ("Z", "A")], ["A"], ["A", "B"]) == {"A": {"A": 1, "B": 1}}


def test_percentiles_and_latency() -> None:
    values = [0.001 * i for i in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(0.050)
    assert percentile(values, 95) == pytest.approx(0.095)
    summary = latency_summary(values)
    assert summary["n"] == 100 and summary["p50_ms"] == 50.0 and summary["p95_ms"] == 95.0
    assert latency_summary([]) == {"n": 0}


def test_parity_summary_counts_sets_order_top1_and_overlap() -> None:
    from eval.parity_recommend import summarize

    rows = [
        {"id": "same", "zh": ["a", "b", "c"], "en": ["a", "b", "c"], "top3_overlap": 1.0, "seconds": 0.01},
        {"id": "reordered", "zh": ["a", "b", "c"], "en": ["c", "a", "b"], "top3_overlap": 1.0, "seconds": 0.02},
        {"id": "two", "zh": ["a", "b", "c"], "en": ["a", "b", "d"], "top3_overlap": 2 / 3, "seconds": 0.03},
        {"id": "one", "zh": ["x", "b", "c"], "en": ["a", "y", "c"], "top3_overlap": 1 / 3, "seconds": 0.04},
    ]
    s = summarize(rows)
    assert (s["n"], s["identical_top3"], s["same_order"], s["same_top1"], s["overlap2"]) == (4, 2, 1, 2, 3)
    assert [d["id"] for d in s["differ"]] == ["two", "one"]
