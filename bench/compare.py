"""Side by side, in one run: the query encoder, a direct FAISS search, a llama-index retriever, BM25, dense and hybrid.

    python -m bench.compare [--repeat 5] [--index-dir var/index] [--out var/bench/compare.json] [--markdown]

Every method runs on the same embedder (USE, the default) and the same index: built from ``corpus/`` in a
temporary folder, or the published index under ``--index-dir``. The methods, all with k = 5:

- ``encoder``: ``embedder.embed_query(q)`` alone, the floor of every method that encodes the query;
- ``faiss``: encode, then ``FaissStore.search(vector, 5)`` on the index's store;
- ``llama-index``: ``VectorStoreIndex(...).as_retriever(similarity_top_k=5).retrieve(q)`` (llama-index-core,
  default in-memory ``SimpleVectorStore``) over the same chunks with the stored vectors (nothing re-embedded);
- ``llama-index-faiss``: the same with llama-index's ``FaissVectorStore`` on a flat inner-product index
  (llama-index-vector-stores-faiss; the ``SimpleVectorStore`` converts every stored vector per query);
- ``bm25``, ``dense``: ``HybridRetriever`` with ``mode="lexical"`` / ``mode="dense"`` (``bm25`` never encodes;
  for English questions it is all our lexical legs: the English view plus the en->zh translated query);
- ``hybrid``: ``HybridRetriever.search(q, 5)``, the served default.

Method: one math thread; a warm-up pass of every method over every question (which also gives Recall@5), then
``repeat`` timed passes with the methods interleaved per question in a rotating order, so machine drift hits all
of them alike. Questions: the dev gold set (../shared/eval-dev/qa.jsonl); relevance as in ``eval/retrieval.py``.
"above floor" is a method's p50 minus the encoder's p50. The JSON report goes to stdout (and to ``--out``);
``--markdown`` prints a table after it (rows = methods; p50, p95, above floor, Recall@5 overall and per group).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench.common import load_average, machine, summary  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT.parent / "shared" / "eval-dev" / "qa.jsonl"
K = 5
# Sources whose hash goes into the report: other work may change them between two runs.
WATCHED = ("retriever/search.py", "retriever/embedders.py", "retriever/stores.py", "retriever/llama.py")


@dataclass(frozen=True)
class Method:
    """A timed call on one question and, for the methods that rank chunks, its top ``K`` as (source, text)."""

    name: str
    call: Callable[[str], Any]
    top: Callable[[Any], list[tuple[str, str]]] | None = None


def rss_mb() -> float:
    """Current resident set size in MB (0 where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="utf-8") as f:
            pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def source_hashes() -> dict[str, str]:
    return {p: hashlib.sha256((ROOT / p).read_bytes()).hexdigest()[:12] for p in WATCHED if (ROOT / p).is_file()}


@contextmanager
def open_index(index_dir: Path | None) -> Iterator[tuple[Any, Any, Any, dict[str, Any]]]:
    """(embedder, loaded index, lexicon, provenance): the index under ``index_dir``, else one built from corpus/."""
    from ingest.pipeline import ingest, load_lexicon
    from retriever.embedders import make_embedder
    from retriever.search import load_index
    from retriever.settings import Settings

    settings = Settings()
    for name in ("corpus_dir", "knowledge_dir"):
        path = getattr(settings.paths, name)
        if not path.is_absolute():
            setattr(settings.paths, name, ROOT / path)
    t = time.perf_counter()
    embedder = make_embedder(settings.embedder)
    info: dict[str, Any] = {"embedder": embedder.id, "model_load_s": round(time.perf_counter() - t, 2)}
    if index_dir is not None:
        index = load_index(index_dir)
        info["index"] = {"source": str(index_dir), "version": index.version}
        yield embedder, index, load_lexicon(settings), info
        return
    with tempfile.TemporaryDirectory() as tmp:
        settings.paths.index_dir = Path(tmp) / "index"
        report = ingest([settings.paths.corpus_dir], settings, embedder)
        index = load_index(settings.paths.index_dir)
        info["index"] = {"source": "built from corpus/", "version": index.version, "ingest_s": round(report.seconds, 2)}
        yield embedder, index, load_lexicon(settings), info


def llama_retriever(embedder: Any, index: Any, store: str = "simple") -> Any:
    """A llama-index ``VectorStoreIndex`` retriever over ``index``'s chunks, each node carrying its stored vector.

    ``store``: ``"simple"``, llama-index's default in-memory ``SimpleVectorStore``; ``"faiss"``, its
    ``FaissVectorStore`` (llama-index-vector-stores-faiss) on a flat inner-product index, the same search FAISS
    does for us, so the difference is llama-index's own per-query work.
    """
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.llms import MockLLM

    from retriever.llama import ResnavEmbedding, chunk_to_node
    from retriever.stores import FaissStore

    if not isinstance(index.store, FaissStore):
        raise SystemExit(f"bench.compare needs the FAISS store, the index has {type(index.store).__name__}")
    LlamaSettings.llm = MockLLM()
    nodes = []
    for chunk in index.chunks:
        node = chunk_to_node(chunk)
        node.embedding = index.store.reconstruct(chunk.chunk_id).tolist()
        nodes.append(node)
    if store == "faiss":
        import faiss
        from llama_index.vector_stores.faiss import FaissVectorStore

        flat = FaissVectorStore(faiss_index=faiss.IndexFlatIP(embedder.dim))
        context = StorageContext.from_defaults(vector_store=flat)
        vector_index = VectorStoreIndex(nodes, storage_context=context, embed_model=ResnavEmbedding(embedder))
    else:
        vector_index = VectorStoreIndex(nodes, embed_model=ResnavEmbedding(embedder))
    return vector_index.as_retriever(similarity_top_k=K)


def build_methods(embedder: Any, index: Any, lexicon: Any) -> tuple[list[Method], dict[str, float]]:
    """The seven methods, and the RSS (MB) the llama-index builds added."""
    from retriever.search import HybridRetriever, with_settings

    hybrid = HybridRetriever(index, embedder, lexicon)
    lexical = with_settings(hybrid, mode="lexical")
    dense = with_settings(hybrid, mode="dense")
    by_id = {c.chunk_id: c for c in index.chunks}
    before = rss_mb()
    llama = llama_retriever(embedder, index)
    memory = {"rss_before_llama_mb": before, "rss_after_llama_mb": rss_mb()}
    llama_faiss = llama_retriever(embedder, index, store="faiss")
    memory["rss_after_llama_faiss_mb"] = rss_mb()

    def hits(result: Any) -> list[tuple[str, str]]:
        return [(h.chunk.source, h.chunk.text) for h in result]

    def pairs(result: Any) -> list[tuple[str, str]]:
        return [(by_id[cid].source, by_id[cid].text) for cid, _ in result]

    def nodes(result: Any) -> list[tuple[str, str]]:
        # node id = chunk id; the chunk's own text (node.text) and metadata["source"] say the same.
        return [(n.node.metadata["source"], by_id[n.node.node_id].text) for n in result]

    methods = [
        Method("encoder", embedder.embed_query),
        Method("faiss", lambda q: index.store.search(embedder.embed_query(q), K), pairs),
        Method("llama-index", llama.retrieve, nodes),
        Method("llama-index-faiss", llama_faiss.retrieve, nodes),
        Method("bm25", lambda q: lexical.search(q, K), hits),
        Method("dense", lambda q: dense.search(q, K), hits),
        Method("hybrid", lambda q: hybrid.search(q, K), hits),
    ]
    return methods, memory


def recall(methods: Sequence[Method], items: Sequence[dict], tops: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    """Recall@5 per method, overall and per question group (``None`` for methods that rank nothing)."""
    from eval.metrics import mean, recall_at_k
    from eval.retrieval import group_of, is_relevant

    groups = sorted({group_of(it) for it in items})
    out: dict[str, dict[str, Any]] = {}
    for m in methods:
        if m.top is None:
            out[m.name] = {g: None for g in ["all", *groups]}
            continue
        scores: dict[str, list[float]] = {g: [] for g in ["all", *groups]}
        for item, result in zip(items, tops[m.name], strict=True):
            rel = [is_relevant(source, text, item) for source, text in m.top(result)[:K]]
            r = recall_at_k(rel, K)
            scores["all"].append(r)
            scores[group_of(item)].append(r)
        out[m.name] = {g: round(mean(v), 4) for g, v in scores.items()}
    return out


def run(
    methods: Sequence[Method], questions: Sequence[str], repeat: int
) -> tuple[dict[str, list[Any]], dict[str, list[float]], dict[str, list[float]]]:
    """Warm-up (keeping each method's results), then interleaved timing: wall-clock and CPU (this thread's) ms per
    call, ``{method: [ms]}`` each. CPU time does not count waiting for a core, so it is the steadier figure on a
    shared machine; with one math thread and no I/O the two agree on an idle one."""
    results = {m.name: [m.call(q) for q in questions] for m in methods}
    ms: dict[str, list[float]] = {m.name: [] for m in methods}
    cpu: dict[str, list[float]] = {m.name: [] for m in methods}
    n = len(methods)
    for r in range(repeat):
        for i, q in enumerate(questions):
            shift = (r * len(questions) + i) % n
            for m in [*methods[shift:], *methods[:shift]]:
                c = time.thread_time()
                t = time.perf_counter()
                m.call(q)
                ms[m.name].append((time.perf_counter() - t) * 1000)
                cpu[m.name].append((time.thread_time() - c) * 1000)
    return results, ms, cpu


def timing(ms: dict[str, list[float]], floor: str = "encoder") -> dict[str, dict[str, float]]:
    """Summary per method plus its p50 above the floor's, and the median of per-call differences to the floor
    (paired by question and repeat, so less sensitive to drift than a difference of medians)."""
    base = summary(ms[floor])
    out = {}
    for name, values in ms.items():
        s = summary(values)
        paired = statistics.median(a - b for a, b in zip(values, ms[floor], strict=True))
        out[name] = {**s, "above_floor_p50": round(s["p50"] - base["p50"], 3), "paired_above_floor": round(paired, 3)}
    return out


def markdown(report: dict) -> str:
    groups = [g for g in next(iter(report["recall@5"].values())) if g != "all"]
    head = ["method", "p50 ms", "p95 ms", "above floor p50 ms", "CPU p50 ms", "CPU above floor p50 ms", "R@5 all"]
    head += [f"R@5 {g}" for g in groups]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(["---"] + ["---:"] * (len(head) - 1)) + " |"]

    def fmt(x: float | None, digits: int) -> str:
        return "–" if x is None else f"{x:.{digits}f}"

    for name, t in report["timing_ms"].items():
        r = report["recall@5"][name]
        c = report["cpu_ms"][name]
        cells = [name, fmt(t["p50"], 2), fmt(t["p95"], 2), fmt(t["above_floor_p50"], 2)]
        cells += [fmt(c["p50"], 2), fmt(c["above_floor_p50"], 2)]
        cells += [fmt(r["all"], 2), *(fmt(r[g], 2) for g in groups)]
        lines.append("| " + " | ".join(cells) + " |")
    load = report["load_average_1m"]
    lines += [
        "",
        f"{report['questions']} questions × {report['repeat']} repeats, methods interleaved; "
        f"index {report['index']['version']} ({report['chunks']} chunks), embedder {report['embedder']}; "
        f"1-min load {load['start']:.2f} → {load['end']:.2f}; peak RSS {report['peak_rss_mb']:.0f} MB.",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--repeat", type=int, default=5, help="timed passes over the questions (default 5)")
    ap.add_argument("--index-dir", type=Path, help="use this published index instead of building one from corpus/")
    ap.add_argument("--out", type=Path, help="also write the JSON report here")
    ap.add_argument("--markdown", action="store_true", help="print a markdown table after the JSON")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    import faiss

    faiss.omp_set_num_threads(1)
    from eval.retrieval import load_qa

    items = load_qa(GOLD)
    questions = [it["question"] for it in items]
    load_start = load_average()
    with open_index(args.index_dir) as (embedder, index, lexicon, info):
        methods, memory = build_methods(embedder, index, lexicon)
        t = time.perf_counter()
        results, ms, cpu = run(methods, questions, args.repeat)
        report = {
            "machine": machine(),
            "sources": source_hashes(),
            **info,
            "chunks": len(index.chunks),
            "gold": str(GOLD),
            "questions": len(questions),
            "repeat": args.repeat,
            "k": K,
            "run_s": round(time.perf_counter() - t, 1),
            "load_average_1m": {"start": load_start, "end": load_average()},
            "timing_ms": timing(ms),
            "cpu_ms": timing(cpu),
            "recall@5": recall(methods, items, results),
            "memory_mb": memory,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    if args.markdown:
        print()
        print(markdown(report))


if __name__ == "__main__":
    main()
