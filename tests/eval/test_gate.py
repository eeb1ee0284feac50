"""The CI gate: the eval on the dev set and our datasets, with the real bundled model over the real corpus, must
stay at or above every floor of eval/floors.json; and the gate must fail when retrieval is broken on purpose.

The real index is built once per session (``real_index``); the full run takes well under a minute on 2 cores.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from eval.datasets import DEV
from eval.gate import check_floors, format_failures, load_floors
from eval.run import GoldFiles, apply_overrides, build_components, run_eval
from retriever.search import SearchResult
from retriever.types import Hit
from tests.conftest import CORPUS, KNOWLEDGE

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def run(real_index) -> dict[str, Any]:
    settings, retriever = real_index
    return run_eval(settings, GoldFiles.defaults(), retriever=retriever)


def test_the_current_code_meets_every_floor(run) -> None:
    floors = load_floors()
    if not (DEV / "qa.jsonl").is_file():  # without the dev set only our sets' floors can be checked
        floors["floors"] = {
            k: v
            for k, v in floors["floors"].items()
            if any(s in k for s in (".own.", "-tune.", "-heldout.", "parity."))
        }
    failures = check_floors(run["metrics"], floors)
    assert not failures, format_failures(failures)


def test_the_run_records_its_provenance(run, real_index) -> None:
    settings, retriever = real_index
    assert run["embedder"]["id"] == retriever.embedder.id and run["embedder"]["id"].startswith("use-")
    assert set(run["index"]["corpus"]) == {p.name for p in CORPUS.glob("*.txt")}
    assert all(len(h) == 64 for h in run["index"]["corpus"].values())
    assert run["git"]["commit"] is None or len(run["git"]["commit"]) == 40
    assert run["settings"]["retrieval"] == settings.retrieval.model_dump(mode="json")
    assert {d["kind"] for d in run["datasets"]} >= {"qa", "chat", "out_of_scope", "parity_recommend", "parity_stages"}
    qa = [d for d in run["datasets"] if d["kind"] == "qa"]
    # every qa question is a chat answer; a follow-up (a question with a first message) is no retrieval query
    follow_ups = sum(
        1
        for d in qa
        for line in Path(d["path"]).read_text(encoding="utf-8").splitlines()
        if json.loads(line).get("first")
    )
    assert follow_ups > 0
    assert len(run["items"]["answers"]) == sum(d["n"] for d in qa)
    assert len(run["items"]["retrieval"]) == sum(d["n"] for d in qa) - follow_ups


class RandomRetriever:
    """The real retriever's index and models, but ``search`` returns random chunks: retrieval broken on purpose."""

    def __init__(self, real: Any, seed: int = 7) -> None:
        self.index, self.embedder, self.lexicon, self.settings = real.index, real.embedder, real.lexicon, real.settings
        self._random = random.Random(seed)

    def search(
        self, query: str, k: int | None = None, filters: Any = None, *, vector: Any = None, renderings: bool = True
    ) -> list[Hit]:
        chunks = self._random.sample(self.index.chunks, k or self.settings.k)
        return [Hit(chunk=c, score=1.0 / (i + 1), rank=i + 1) for i, c in enumerate(chunks)]

    def search_evidence(self, query: str, k: int | None = None, filters: Any = None, **kw: Any) -> SearchResult:
        return SearchResult(self.search(query, k, filters, **kw), 0.0)


def _retrieval_failures(metrics: dict[str, float]) -> set[str]:
    failures = check_floors(metrics, load_floors())
    return {f["metric"] for f in failures if f["metric"].startswith("retrieval.") and f["value"] is not None}


def test_the_gate_fails_when_search_returns_random_chunks(real_index) -> None:
    settings, retriever = real_index
    comp = build_components(settings, RandomRetriever(retriever))
    broken = run_eval(settings, GoldFiles(qa=GoldFiles.defaults().qa), components=comp, answers=False)
    failed = _retrieval_failures(broken["metrics"])
    assert {"retrieval.own.all.recall@5", "retrieval.own.en-zh.recall@5", "retrieval.own.zh.mrr@10"} <= failed


def test_the_gate_fails_without_the_english_view(real_index) -> None:
    """A plausible regression rather than noise: English words matched against the Chinese index only."""
    settings, retriever = real_index
    changed = apply_overrides(settings, ["retrieval.gloss_field=false"])
    worse = run_eval(changed, GoldFiles(qa=GoldFiles.defaults().qa), retriever=retriever, answers=False)
    assert "retrieval.own.en-zh.recall@5" in _retrieval_failures(worse["metrics"])


@pytest.fixture
def cli_env(real_index, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads its settings from the environment: point it at the session's real index."""
    settings, _ = real_index
    monkeypatch.setenv("RESNAV_PATHS__CORPUS_DIR", str(CORPUS))
    monkeypatch.setenv("RESNAV_PATHS__KNOWLEDGE_DIR", str(KNOWLEDGE))
    monkeypatch.setenv("RESNAV_PATHS__INDEX_DIR", str(settings.paths.index_dir))


def test_the_command_line_gate_fails_for_dense_only_retrieval(
    cli_env, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    skip = [a for kind in ("tools", "stages", "chat", "out_of_scope", "parity_recommend", "parity_stages")
            for a in ("--skip", kind)]  # fmt: skip
    out = tmp_path / "dense"
    args = ["eval", *skip, "--config", "retrieval.mode=dense", "--out", str(out), "--no-report"]
    assert main(args) == 0
    assert main(["eval", "gate", str(out)]) == 1
    printed = capsys.readouterr().out.splitlines()
    line = next(x for x in printed if "retrieval.own.en-zh.recall@5" in x and "floor" in x)
    assert "missing" not in line


def test_the_single_file_scorers_still_work(cli_env, capsys: pytest.CaptureFixture[str]) -> None:
    qa = next(p for p in GoldFiles.defaults().qa if p.name == "qa.jsonl" and "datasets" in p.parts)  # ours
    assert main(["eval", "retrieval", "--gold", str(qa)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["group", "n", "R@5", "MRR@10", "nDCG@10"] and "en-zh" in table
