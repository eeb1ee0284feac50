"""Reciprocal-rank fusion: the vectorised ``rrf_fuse`` against the textbook definition, on random legs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retriever.search import Leg, rrf_fuse

N_ROWS = 40
WEIGHTS = {"dense": 1.0, "lexical": 1.0, "translated": 0.7}


def reference(legs: dict[str, list[int]], rrf_k: int) -> list[tuple[int, float]]:
    fused: dict[int, float] = {}
    for name, rows in legs.items():
        for rank, row in enumerate(rows, start=1):
            fused[row] = fused.get(row, 0.0) + WEIGHTS[name] / (rrf_k + rank)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))


legs_strategy = st.dictionaries(
    st.sampled_from(sorted(WEIGHTS)),
    st.lists(st.integers(0, N_ROWS - 1), unique=True, max_size=N_ROWS),
    max_size=3,
)


@given(legs=legs_strategy, rrf_k=st.integers(1, 100), limit=st.integers(1, N_ROWS + 5))
@settings(max_examples=300, deadline=None)
def test_rrf_fuse_matches_the_definition(legs: dict[str, list[int]], rrf_k: int, limit: int) -> None:
    arrays = {
        name: Leg(np.array(rows, dtype=np.int64), np.linspace(1.0, 0.1, len(rows))) for name, rows in legs.items()
    }
    got = rrf_fuse(arrays, WEIGHTS, rrf_k, N_ROWS, limit)
    want = reference(legs, rrf_k)[:limit]
    assert [row for row, _ in got] == [row for row, _ in want]
    assert np.allclose([s for _, s in got], [s for _, s in want], rtol=0, atol=1e-12)


def test_ties_go_to_the_lower_row_whatever_the_leg_order() -> None:
    a = {"dense": Leg(np.array([7, 3]), np.array([0.9, 0.8])), "lexical": Leg(np.array([3, 7]), np.array([2.0, 1.0]))}
    b = dict(reversed(list(a.items())))
    assert [r for r, _ in rrf_fuse(a, WEIGHTS, 60, 10, 2)] == [3, 7]
    assert [r for r, _ in rrf_fuse(b, WEIGHTS, 60, 10, 2)] == [3, 7]
