"""The recommender's example situations: the file, and the leg that ranks records by their best example. Model-free."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.recommend import EXAMPLES_FILE, example_ranks, load_examples
from retriever.errors import InvalidKnowledgeFile


def test_records_rank_by_their_best_example() -> None:
    q = np.array([1.0, 0.0], dtype=np.float32)
    vectors = np.array([[0.2, 0.98], [0.9, 0.44], [0.6, 0.8]], dtype=np.float32)
    rows = [[4], [7, 4], [2]]  # example 1 names records 7 and 4; record 4's best example is the second
    assert example_ranks(q, vectors, rows) == [4, 7, 2]
    assert example_ranks(q, vectors, rows, most=2) == [4, 7]
    assert example_ranks(q, np.zeros((0, 2), dtype=np.float32), []) == []


def test_the_shipped_examples_are_tuning_scenarios_only(knowledge_dir: Path) -> None:
    examples = load_examples(knowledge_dir)
    assert examples and all(e.lang in ("zh", "en") and e.records for e in examples)
    ids = [e["id"] for e in json.loads((knowledge_dir / EXAMPLES_FILE).read_text(encoding="utf-8"))["examples"]]
    assert not [i for i in ids if i.startswith("blind3-") or i.startswith("tool-")]  # held-out and dev never
    held_out = {
        json.loads(line)["id"]
        for line in (Path(__file__).parents[2] / "eval/datasets/tools/blind.jsonl").read_text().splitlines()
        if json.loads(line).get("split") == "heldout"
    }
    assert not held_out & set(ids)


def test_a_missing_file_is_no_examples_and_a_broken_one_an_error(tmp_path: Path) -> None:
    assert load_examples(tmp_path) == ()
    (tmp_path / EXAMPLES_FILE).write_text(json.dumps({"examples": [{"lang": "zh"}]}), encoding="utf-8")
    with pytest.raises(InvalidKnowledgeFile):
        load_examples(tmp_path)
