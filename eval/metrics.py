"""Pure metric functions. Each takes per-item inputs and returns a value; aggregates are plain means."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when any of the first ``k`` results is relevant (one relevant passage answers the question)."""
    return 1.0 if any(relevant[:k]) else 0.0


def mrr_at_k(relevant: Sequence[bool], k: int = 10) -> float:
    """Reciprocal rank of the first relevant result within the first ``k``, else 0."""
    for i, rel in enumerate(relevant[:k]):
        if rel:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int = 10) -> float:
    """Binary nDCG@k; the ideal ranking puts all relevant results (of those retrieved) first."""
    dcg = sum(1.0 / math.log2(i + 2) for i, rel in enumerate(relevant[:k]) if rel)
    n_rel = min(sum(1 for r in relevant if r), k)
    if n_rel == 0:
        return 0.0
    ideal = sum(1.0 / math.log2(i + 2) for i in range(n_rel))
    return dcg / ideal


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    idx = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return s[idx]
