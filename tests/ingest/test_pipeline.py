"""Ingest end to end with the hashing embedder: incremental updates, bad files, removal, crash safety."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.pipeline import ingest
from retriever.embedders import HashingEmbedder
from retriever.index import current_version_dir, read_manifest
from retriever.search import HybridRetriever, load_index
from tests.conftest import CORPUS, KNOWLEDGE, ROOT, make_settings


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting how many texts it embedded."""

    def __init__(self) -> None:
        super().__init__(64)
        self.embedded = 0

    def embed_documents(self, texts):
        self.embedded += len(texts)
        return super().embed_documents(texts)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text(
        "# 城市韧性\n\n城市抗灾能力记分卡帮助城市评估韧性。\n\n## 第二节\n\n宣传活动。\n", encoding="utf-8"
    )
    (folder / "b.txt").write_text(
        "Resilient cities\n\nThe congress discussed flood risk and early warning.\n", encoding="utf-8"
    )
    (folder / "c.txt").write_text("3. 能力建设\n\n培训地方政府工作人员。\n", encoding="utf-8")
    return folder


def test_incremental_ingest(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "index")
    emb = CountingEmbedder()
    first = ingest([small_corpus], settings, emb)
    assert sorted(first.ingested) == ["a.md", "b.txt", "c.txt"] and first.version
    n_first = emb.embedded
    assert n_first == first.total_chunks > 0

    again = ingest([small_corpus], settings, emb)
    assert emb.embedded == n_first, "an unchanged corpus embeds nothing"
    assert again.ingested == [] and sorted(again.unchanged) == ["a.md", "b.txt", "c.txt"]
    assert again.version == first.version, "no new version when nothing changed"

    (small_corpus / "b.txt").write_text("Resilient cities\n\nThe congress discussed drought.\n", encoding="utf-8")
    changed = ingest([small_corpus], settings, emb)
    assert changed.ingested == ["b.txt"]
    assert (
        emb.embedded - n_first
        == changed.embedded_chunks
        == sum(1 for c in load_index(settings.paths.index_dir).chunks if c.source == "b.txt")
    )
    assert changed.version != first.version

    (small_corpus / "c.txt").unlink()
    removed = ingest([small_corpus], settings, emb)
    assert removed.removed == ["c.txt"] and removed.embedded_chunks == 0
    sources = {d["source"] for d in read_manifest(current_version_dir(settings.paths.index_dir))["documents"]}
    assert sources == {"a.md", "b.txt"}


def test_a_changed_knowledge_file_publishes_a_new_version_without_re_embedding(
    tmp_path: Path, small_corpus: Path
) -> None:
    settings = make_settings(tmp_path / "index")
    knowledge = tmp_path / "knowledge"
    shutil.copytree(settings.paths.knowledge_dir, knowledge)
    settings.paths.knowledge_dir = knowledge
    emb = CountingEmbedder()
    first = ingest([small_corpus], settings, emb)
    n_first = emb.embedded
    assert ingest([small_corpus], settings, emb).version == first.version
    with (knowledge / "glossary.tsv").open("a", encoding="utf-8") as f:
        f.write("海绵城市\tsponge city\tgeneral\n")
    changed = ingest([small_corpus], settings, emb)
    assert changed.version != first.version and emb.embedded == n_first
    assert changed.total_chunks == first.total_chunks
    manifest = read_manifest(current_version_dir(settings.paths.index_dir))
    assert manifest["knowledge"] != read_manifest(settings.paths.index_dir / "versions" / first.version)["knowledge"]


def test_bad_file_is_reported_and_skipped(tmp_path: Path, small_corpus: Path) -> None:
    (small_corpus / "empty.txt").write_bytes(b"")
    (small_corpus / "broken.pdf").write_bytes(b"this is not a pdf")
    settings = make_settings(tmp_path / "index")
    report = ingest([small_corpus, tmp_path / "missing.md"], settings, HashingEmbedder(64))
    codes = {Path(s).name: c for s, c, _ in report.skipped}
    assert codes == {"empty.txt": "empty_document", "broken.pdf": "unreadable_document", "missing.md": "not_found"}
    assert sorted(report.ingested) == ["a.md", "b.txt", "c.txt"]


def test_file_that_breaks_keeps_its_previous_version(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "index")
    ingest([small_corpus], settings, HashingEmbedder(64))
    (small_corpus / "b.txt").write_bytes(b"")  # now unreadable: nothing is lost
    report = ingest([small_corpus], settings, HashingEmbedder(64))
    assert [c for _, c, _ in report.skipped] == ["empty_document"]
    assert "b.txt" in {c.source for c in load_index(settings.paths.index_dir).chunks}


def test_search_filters_apply_before_ranking(tmp_path: Path, small_corpus: Path) -> None:
    from retriever.search import Filters

    settings = make_settings(tmp_path / "index")
    emb = HashingEmbedder(64)
    ingest([small_corpus], settings, emb)
    r = HybridRetriever(load_index(settings.paths.index_dir), emb, None, settings.retrieval)
    hits = r.search("记分卡", 3, Filters(docs=("b.txt",)))
    assert hits and all(h.chunk.source == "b.txt" for h in hits)
    assert all(h.chunk.lang == "zh" for h in r.search("flood", 5, Filters(langs=("zh",))))
    assert r.search("记分卡", 5, Filters(docs=("nope",))) == []


@pytest.mark.slow
def test_ingest_killed_midway_leaves_previous_index_serving(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index_dir = tmp_path / "index"
    env = {
        **os.environ,
        "RESNAV_PATHS__INDEX_DIR": str(index_dir),
        "RESNAV_EMBEDDER__BACKEND": "hashing",
        "RESNAV_PATHS__KNOWLEDGE_DIR": str(KNOWLEDGE),
    }
    cmd = [sys.executable, "-m", "cli.main", "ingest", "--quiet", str(corpus)]
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
    before = current_version_dir(index_dir)
    settings = make_settings(index_dir)
    r = HybridRetriever(load_index(index_dir), HashingEmbedder(256), None, settings.retrieval)
    answers = [h.chunk.chunk_id for h in r.search("城市抗灾能力记分卡", 5)]

    # Change every document so the rebuild is long, then kill it once it is building its new version.
    for f in corpus.glob("*.txt"):
        f.write_text(f.read_text(encoding="utf-8") + "\n\n附录：新增一段。\n", encoding="utf-8")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = index_dir / "staging"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if staging.is_dir() and any(staging.iterdir()):
            break
        time.sleep(0.005)
    assert proc.poll() is None, "ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert current_version_dir(index_dir) == before
    r2 = HybridRetriever(load_index(index_dir), HashingEmbedder(256), None, settings.retrieval)
    assert [h.chunk.chunk_id for h in r2.search("城市抗灾能力记分卡", 5)] == answers
    # The next ingest clears the debris and publishes.
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True)
    assert done.returncode == 0 and current_version_dir(index_dir) != before


def test_same_file_in_a_second_folder_is_indexed_once(tmp_path: Path, small_corpus: Path) -> None:
    settings = make_settings(tmp_path / "index")
    ingest([small_corpus], settings, HashingEmbedder(64))
    copy = tmp_path / "copy"
    shutil.copytree(small_corpus, copy)
    (copy / "b.txt").write_text("Resilient cities\n\nA different text.\n", encoding="utf-8")
    report = ingest([copy], settings, HashingEmbedder(64))
    assert sorted(Path(s).name for s, c, _ in report.skipped if c == "duplicate_document") == ["a.md", "c.txt"]
    assert report.ingested == ["b.txt"]
    sources = [d["source"] for d in read_manifest(current_version_dir(settings.paths.index_dir))["documents"]]
    assert sorted(sources) == ["a.md", "b.txt", "b.txt", "c.txt"]


def test_a_document_in_traditional_characters_is_found_by_simplified_words(tmp_path: Path) -> None:
    """A city's own plan in traditional characters: indexed in the script queries are read in, quoted as written."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "plan.txt").write_text(
        "韌性策略\n\n本市跨局處韌性委員會負責督導防災計畫，每季召開會議。\n", encoding="utf-8"
    )
    (folder / "other.txt").write_text("城市交通\n\n公共交通线路调整。\n", encoding="utf-8")
    settings = make_settings(tmp_path / "index")
    emb = HashingEmbedder(64)
    ingest([folder], settings, emb)
    r = HybridRetriever(load_index(settings.paths.index_dir), emb, None, settings.retrieval)
    for query in ("韧性委员会", "韌性委員會"):
        hit = r.search(query, 1)[0]
        assert hit.chunk.source == "plan.txt"
        assert dict(hit.legs).get("lexical")  # found by its words, not only by the hashing vectors
        assert "韌性委員會" in hit.chunk.text  # the passage as written
