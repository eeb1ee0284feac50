"""Crash safety of the index: kill -9 at random points of a rebuild, corrupted files refused at load."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retriever.embedders import HashingEmbedder
from retriever.errors import IndexCorrupt
from retriever.index import current_version_dir
from retriever.search import HybridRetriever, load_index
from tests.conftest import CORPUS, KNOWLEDGE, ROOT, make_settings

QUERIES = ("城市抗灾能力记分卡", "flood early warning", "城市韧性行动规划需要多长时间")


def _answers(index_dir: Path) -> list[list[str]]:
    r = HybridRetriever(load_index(index_dir), HashingEmbedder(256), None, make_settings(index_dir).retrieval)
    return [[h.chunk.chunk_id for h in r.search(q, 5)] for q in QUERIES]


def _env(index_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RESNAV_PATHS__INDEX_DIR": str(index_dir),
        "RESNAV_EMBEDDER__BACKEND": "hashing",
        "RESNAV_PATHS__KNOWLEDGE_DIR": str(KNOWLEDGE),
    }


@pytest.mark.slow
def test_kill_9_at_random_points_keeps_the_previous_version_serving(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index_dir = tmp_path / "index"
    cmd = [sys.executable, "-m", "cli.main", "ingest", "--quiet", str(corpus)]
    subprocess.run(cmd, env=_env(index_dir), cwd=ROOT, check=True, capture_output=True)
    # How long a full rebuild takes here, to spread the kill points over it.
    for f in corpus.glob("*.txt"):
        f.write_text(f.read_text(encoding="utf-8") + "\n\n第一次修改。\n", encoding="utf-8")
    t0 = time.monotonic()
    subprocess.run(cmd, env=_env(index_dir), cwd=ROOT, check=True, capture_output=True)
    duration = time.monotonic() - t0
    rng = random.Random(20261121)
    interrupted = 0
    for round_no in range(4):
        before = current_version_dir(index_dir)
        answers = _answers(index_dir)
        for f in corpus.glob("*.txt"):
            f.write_text(f.read_text(encoding="utf-8") + f"\n\n修改 {round_no}。\n", encoding="utf-8")
        proc = subprocess.Popen(
            cmd, env=_env(index_dir), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.05, 0.95) * duration)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = current_version_dir(index_dir)
        if killed and after == before:
            interrupted += 1
            assert _answers(index_dir) == answers, f"round {round_no}: the previous version answers differently"
        else:  # the rebuild had finished (or published just before the kill): a complete new version serves
            assert after is not None and after != before
            _answers(index_dir)
        load_index(index_dir, verify=True)  # whatever serves passes its checksums
    assert interrupted >= 2, "the kills should land inside builds"


def test_corrupted_index_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    from ingest.pipeline import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# 城市韧性\n\n城市抗灾能力记分卡帮助城市评估韧性。\n", encoding="utf-8")
    settings = make_settings(tmp_path / "index")
    ingest([folder], settings, HashingEmbedder(64))
    version = current_version_dir(settings.paths.index_dir)
    target = version / "dense.faiss"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="dense.faiss"):
        load_index(settings.paths.index_dir)
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "search", "韧性"],
        env={**_env(settings.paths.index_dir)},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "error: index_corrupt:" in done.stderr and "dense.faiss" in done.stderr
