from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retriever.lexical import BM25Index


def test_weighted_query_and_unknown_tokens(tmp_path: Path) -> None:
    idx = BM25Index.build([["记分卡", "城市"], ["城市", "韧性"], ["flood", "risk"], []])
    s = idx.scores([("记分卡", 1.0)])
    assert s.argmax() == 0 and s[1] == 0 and s[3] == 0
    half = idx.scores([("记分卡", 0.5)])
    np.testing.assert_allclose(half, s * 0.5, rtol=1e-6)
    assert not idx.scores([("nope", 1.0)]).any()
    assert idx.doc_freq("城市") == 2 and idx.doc_freq("nope") == 0
    idx.save(tmp_path / "lex")
    again = BM25Index.load(tmp_path / "lex", 4)
    np.testing.assert_allclose(
        again.scores([("flood", 1.0), ("risk", 1.0)]), idx.scores([("flood", 1.0), ("risk", 1.0)])
    )
    assert "flood" in again and "nope" not in again


@pytest.mark.parametrize("token_lists", [[], [[]], [[], []]], ids=["no documents", "one empty", "two empty"])
def test_an_index_without_tokens_scores_zeros(token_lists: list[list[str]]) -> None:
    # bm25s cannot index nothing; a corpus without catalogue records gives the recommender exactly this
    index = BM25Index.build(token_lists)
    assert index.num_docs == len(token_lists)
    assert index.scores([("flood", 1.0), ("\x00", 1.0)]).tolist() == [0.0] * len(token_lists)
    assert "flood" not in index
