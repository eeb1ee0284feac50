"""Warm in-process search latency (p50, p95) on the real corpus and model, per query language and per stage.

    python -m bench.search [--repeat 5]

Builds the index in a temporary folder (also timing ingest throughput), warms up, then times every question of
the dev gold set (../shared/eval-dev/qa.jsonl when present, else a built-in list) ``repeat`` times.
Math threads are pinned to one per process (the query path is single-request work).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.common import load_average, machine, summary, time_calls  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FALLBACK = [
    "Which tool lets a city measure its disaster resilience?",
    "哪个工具可以衡量城市的抗灾能力？",
    "How long does CityRAP support take?",
    "What are the criteria for moving from stage A to stage B?",
    "MCR2030 是哪天正式启动的？",
]


def queries() -> list[str]:
    gold = ROOT.parent / "shared" / "eval-dev" / "qa.jsonl"
    if gold.is_file():
        return [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line]
    return FALLBACK


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import faiss

    faiss.omp_set_num_threads(1)
    from ingest.pipeline import ingest, load_lexicon
    from retriever.embedders import make_embedder
    from retriever.language import script_lang
    from retriever.search import HybridRetriever, load_index
    from retriever.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings()
        settings.paths.corpus_dir = ROOT / "corpus"
        settings.paths.knowledge_dir = ROOT / "knowledge"
        settings.paths.index_dir = Path(tmp) / "index"
        t = time.perf_counter()
        embedder = make_embedder(settings.embedder)
        load_s = time.perf_counter() - t
        report = ingest([settings.paths.corpus_dir], settings, embedder)
        t = time.perf_counter()
        again = ingest([settings.paths.corpus_dir], settings, embedder)
        noop_s = time.perf_counter() - t
        retriever = HybridRetriever(load_index(settings.paths.index_dir), embedder, load_lexicon(settings))
        qs = queries()
        for q in qs:  # warm-up
            retriever.search(q, 5)
        all_ms = time_calls(lambda q: retriever.search(q, 5), qs, args.repeat)
        per_lang: dict[str, list[float]] = {"zh": [], "en": []}
        for i, ms in enumerate(all_ms):
            per_lang[script_lang(qs[i % len(qs)])].append(ms)
        enc_ms = time_calls(embedder.embed_query, qs, args.repeat)
        out = {
            "machine": machine(),
            "load_average_1m": load_average(),
            "model_load_s": round(load_s, 2),
            "ingest": {
                "seconds": round(report.seconds, 2),
                "chunks": report.total_chunks,
                "chunks_per_s": round(report.total_chunks / report.seconds, 1),
                "noop_reingest_s": round(noop_s, 2),
                "noop_embedded": again.embedded_chunks,
            },
            "search_ms": summary(all_ms),
            "search_ms_zh": summary(per_lang["zh"]),
            "search_ms_en": summary(per_lang["en"]),
            "query_encoder_ms": summary(enc_ms),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
