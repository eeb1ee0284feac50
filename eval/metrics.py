"""Pure metric functions. Each scores one item from plain inputs; the aggregates are plain functions of the
per-item values (means unless stated otherwise). Nothing here loads models, reads files or keeps state.

Per-item functions: `recall_at_k` (= hit@k), `mrr_at_k`, `ndcg_at_k`, `share_found`, `top_k_overlap`,
`quote_is_verbatim`, `claim_support`, `correct_abstention`. Aggregates: `mean`, `mean_defined`, `micro`,
`percentile`, `latency_summary`, `accuracy`, `confusion_matrix`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence

# -- ranking --------------------------------------------------------------------------------------------------


def recall_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when any of the first ``k`` results is relevant (one relevant passage answers the question)."""
    return 1.0 if any(relevant[:k]) else 0.0


hit_at_k = recall_at_k


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


def share_found(found: int, total: int) -> float:
    """``found / total`` (recall of an item's targets); 0.0 for an item without targets."""
    return found / total if total else 0.0


def top_k_overlap(a: Sequence[str], b: Sequence[str], k: int = 3) -> float:
    """Share of the first ``k`` ids of ``a`` that are also among the first ``k`` of ``b`` (1.0 = same set)."""
    return len(set(a[:k]) & set(b[:k])) / k if k > 0 else 0.0


# -- answers --------------------------------------------------------------------------------------------------


def quote_is_verbatim(source_text: str | None, start: int, end: int, quote: str) -> bool:
    """Whether ``quote`` is exactly ``source_text[start:end]`` (a citation points at what it quotes)."""
    return source_text is not None and 0 <= start <= end <= len(source_text) and source_text[start:end] == quote


def claim_support(claim: str, quote: str, claim_terms: Collection[str], quote_terms: Collection[str]) -> float:
    """How much of a cited quote the answer sentence (``claim``) carries, 0..1.

    1.0 when one contains the other (whitespace ignored): the sentence *is* the quote, or quotes it whole.
    Otherwise the overlap coefficient of their content terms, ``|claim ∩ quote| / min(|claim|, |quote|)``: how
    much of the shorter one the longer one holds. ``claim_terms`` must already be in the quote's token language
    (translated by the caller when the sentence is in another language). 0.0 when either side has no terms.
    """
    c, q = "".join(claim.split()), "".join(quote.split())
    if q and c and (q in c or c in q):
        return 1.0
    a, b = set(claim_terms), set(quote_terms)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def correct_abstention(intent: str, n_citations: int) -> bool:
    """An out-of-scope question is declined correctly when the reply says so (intent ``out_of_scope``) and
    cites nothing."""
    return intent == "out_of_scope" and n_citations == 0


# -- aggregates -----------------------------------------------------------------------------------------------


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def mean_defined(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def micro(numerators: Iterable[int], denominators: Iterable[int]) -> float | None:
    """Pooled ratio ``sum(numerators) / sum(denominators)``; None when nothing was counted."""
    num, den = sum(numerators), sum(denominators)
    return num / den if den else None


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    idx = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return s[idx]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95 and mean in milliseconds (nearest rank), and the number of calls."""
    if not seconds:
        return {"n": 0}
    return {
        "n": len(seconds),
        "p50_ms": round(1000 * percentile(seconds, 50), 2),
        "p95_ms": round(1000 * percentile(seconds, 95), 2),
        "mean_ms": round(1000 * mean(seconds), 2),
    }


def accuracy(pairs: Sequence[tuple[str, str]]) -> float:
    """Share of ``(expected, got)`` pairs that agree."""
    return mean([1.0 if e == g else 0.0 for e, g in pairs])


def confusion_matrix(
    pairs: Iterable[tuple[str, str]], expected: Sequence[str], got: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Counts ``matrix[expected][got]`` over the given label sets (other labels are ignored)."""
    counts = Counter(pairs)
    return {e: {g: counts.get((e, g), 0) for g in got} for e in expected}
