"""FAISS flat vs HNSW at 100k-1M chunk vectors: build time, memory, single-query latency, recall@10.

    python -m bench.scale --n 100000 --n 1000000 [--dim 512] [--kinds flat,hnsw,hnsw-sq8] [--out var/bench/scale.json]

For every ``n`` and index type, one child process (so each peak RSS is its own) builds a ``FaissStore`` (the
class resnav serves, with its chunk-id maps) block by block from ``bench.synthetic`` and then times 200 held-out
queries one at a time, ``k=10``, with one math thread (the serving setting; see docs/benchmarks.md). HNSW is
built with M=32, efConstruction=100 (``FaissStore``'s values) on all cores, then searched with every efSearch of
``--ef`` against the exact top-10 (computed by streaming the corpus through numpy, independent of FAISS).
The smallest efSearch with recall@10 >= ``--target-recall`` is reported as the pick. Kinds: ``flat`` (exact),
``hnsw`` (HNSW, float32 vectors), ``hnsw-fp16`` (float16 vectors), ``hnsw-sq8`` (8-bit scalar-quantised vectors,
the quantiser trained on the first block).

The store is pre-sized for ``n`` vectors (``FaissStore.reserve``) unless ``--no-reserve``: without it FAISS grows
its storage by reallocation and the peak briefly holds two copies of the vectors.

Build time counts index insertion only (not data generation). ``index_mb`` is the FAISS structure (vectors +
HNSW links); ``rss_mb`` the process after the build (index, id maps, interpreter); ``peak_rss_mb`` is the child's
high-water RSS (``VmHWM``, transient generation blocks included); ``ru_maxrss_mb`` is ``getrusage`` maxrss, which
Linux carries over from the parent at the fork (so never below the parent's RSS then).

On a shared machine run the 1M builds under ``nice -n 19`` and time the searches with ``--search-nice 0`` (as
root); every run records the 1-minute load average before and after its build and the niceness of both phases.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bench.common import load_average, machine, summary  # noqa: E402
from bench.synthetic import SyntheticCorpus, chunk_id, doc_id, row_of  # noqa: E402

QUERIES = 200
K = 10
HNSW_M = 32
DEFAULT_EF = "16,32,64,128,256,512"
# kind: (index type, HNSW storage)
KINDS = {"flat": ("flat", "flat"), "hnsw": ("hnsw", "flat"), "hnsw-fp16": ("hnsw", "fp16"), "hnsw-sq8": ("hnsw", "sq8")}


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="utf-8") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    """This process's own high-water RSS (``VmHWM``: per address space, so it starts afresh at ``exec``)."""
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _ru_maxrss_mb() -> float:
    """``getrusage`` maxrss. Linux keeps it across ``execve``, so a child's value is at least its parent's RSS
    at the fork (here the exact top-10 pass, about 0.6 GB): ``peak_rss_mb`` is the child's own."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _index_bytes(store) -> int:
    import faiss

    inner = faiss.downcast_index(store._index.index)  # the IDMap2's wrapped index
    if isinstance(inner, faiss.IndexHNSW):
        size = inner.ntotal * faiss.downcast_index(inner.storage).code_size
        h = inner.hnsw
        size += h.neighbors.size() * 4 + h.offsets.size() * 8 + h.levels.size() * 4
    else:
        size = inner.ntotal * inner.code_size
    return int(size)


def _time_queries(store, queries: np.ndarray, ef: int | None) -> tuple[list[float], np.ndarray]:
    if ef is not None:
        store._ef_search = ef  # bench only: the sweep changes the serving efSearch in place
    for q in queries[:20]:  # warm-up
        store.search(q, K)
    ms, rows = [], np.zeros((len(queries), K), dtype=np.int64)
    for i, q in enumerate(queries):
        t = time.perf_counter()
        hits = store.search(q, K)
        ms.append((time.perf_counter() - t) * 1000)
        rows[i, : len(hits)] = [row_of(c) for c, _ in hits]
    return ms, rows


def _recall(got: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(g) & set(t)) / K for g, t in zip(got.tolist(), truth.tolist(), strict=True)]))


def run_one(
    kind: str,
    n: int,
    dim: int,
    efs: list[int],
    target: float,
    truth_path: Path,
    reserve: bool = True,
    search_nice: int | None = None,
) -> dict:
    """Build one store of ``kind`` over ``n`` synthetic vectors and measure it (runs in a child process)."""
    import faiss

    from retriever.stores import FaissStore

    corpus = SyntheticCorpus(n=n, dim=dim)
    queries = corpus.queries(QUERIES)
    truth = np.load(truth_path)
    base_rss = _rss_mb()
    index_type, storage = KINDS[kind]
    store = FaissStore(dim, index_type, hnsw_m=HNSW_M, ef_search=64, hnsw_storage=storage)
    build_threads = (os.cpu_count() or 1) if index_type == "hnsw" else 1
    faiss.omp_set_num_threads(build_threads)
    load_before = load_average()
    build_s = 0.0
    if reserve:
        t = time.perf_counter()
        store.reserve(n)
        build_s += time.perf_counter() - t
    for start, block in corpus.blocks():
        rows = range(start, start + len(block))
        chunks, docs = [chunk_id(r) for r in rows], [doc_id(r) for r in rows]
        t = time.perf_counter()
        store.upsert(chunks, docs, block)
        build_s += time.perf_counter() - t
        del block
        print(f"  {kind} n={n}: {start + len(rows)} added, {build_s:.1f} s", file=sys.stderr, flush=True)
    faiss.omp_set_num_threads(1)
    out: dict = {
        "kind": kind,
        "n": n,
        "dim": dim,
        "hnsw_storage": store.hnsw_storage,
        "reserved": reserve,
        "build_s": round(build_s, 1),
        "build_threads": build_threads,
        "load_average_1m_build_start": round(load_before, 2),
        "load_average_1m_build_end": round(load_average(), 2),
        "index_mb": round(_index_bytes(store) / 2**20, 1),
        "rss_mb": round(_rss_mb(), 1),
        "rss_before_build_mb": round(base_rss, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "ru_maxrss_mb": round(_ru_maxrss_mb(), 1),
        "nice_build": os.getpriority(os.PRIO_PROCESS, 0),
    }
    if search_nice is not None:
        os.setpriority(os.PRIO_PROCESS, 0, search_nice)  # lowering it needs root (CAP_SYS_NICE)
    out["nice_search"] = os.getpriority(os.PRIO_PROCESS, 0)
    if index_type == "flat":
        ms, rows = _time_queries(store, queries, None)
        out["search_ms"] = summary(ms)
        out["recall_at_10"] = round(_recall(rows, truth), 4)
        return out
    out["hnsw"] = {"M": HNSW_M, "efConstruction": faiss.downcast_index(store._index.index).hnsw.efConstruction}
    sweep = []
    for ef in efs:
        ms, rows = _time_queries(store, queries, ef)
        sweep.append({"ef_search": ef, "recall_at_10": round(_recall(rows, truth), 4), "search_ms": summary(ms)})
        print(f"  {kind} n={n} ef={ef}: {sweep[-1]}", file=sys.stderr, flush=True)
    out["sweep"] = sweep
    out["load_average_1m_search_end"] = round(load_average(), 2)
    good = [s for s in sweep if s["recall_at_10"] >= target]
    out["pick"] = good[0] if good else None
    return out


def _child(kind: str, n: int, args: argparse.Namespace, truth_path: Path) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "bench.scale",
        "--one",
        kind,
        "--n",
        str(n),
        "--dim",
        str(args.dim),
        "--ef",
        args.ef,
        "--target-recall",
        str(args.target_recall),
        "--truth",
        str(truth_path),
    ]
    if args.no_reserve:
        cmd.append("--no-reserve")
    if args.search_nice is not None:
        cmd += ["--search-nice", str(args.search_nice)]
    done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, action="append", help="corpus size; repeat for several (default 100000)")
    ap.add_argument("--dim", type=int, default=512, help="vector dimension (512 like USE, 384 like e5-small)")
    ap.add_argument("--ef", default=DEFAULT_EF, help=f"efSearch values to sweep (default {DEFAULT_EF})")
    ap.add_argument("--target-recall", type=float, default=0.95, help="recall@10 the efSearch pick must reach")
    ap.add_argument("--kinds", default="flat,hnsw,hnsw-sq8", help=f"index types to measure, of {','.join(KINDS)}")
    ap.add_argument("--no-reserve", action="store_true", help="do not pre-size the store (FAISS grows it by copying)")
    ap.add_argument(
        "--search-nice",
        type=int,
        help="niceness for the timed searches (e.g. 0 when the build runs under `nice -n 19` on a shared machine: "
        "at 19 the single-threaded queries mostly wait for a core); lowering it needs root",
    )
    ap.add_argument("--out", default="var/bench/scale.json", help="where the JSON results go")
    ap.add_argument(
        "--reuse-truth",
        action="store_true",
        help="reuse the exact top-10 saved beside --out by an earlier run (truth-<n>-<dim>.npy) instead of recomputing",
    )
    ap.add_argument("--one", choices=list(KINDS), help=argparse.SUPPRESS)
    ap.add_argument("--truth", help=argparse.SUPPRESS)
    args = ap.parse_args()
    efs = [int(x) for x in args.ef.split(",")]
    sizes = args.n or [100_000]
    if args.one:
        truth = Path(args.truth)
        one = run_one(
            args.one, sizes[0], args.dim, efs, args.target_recall, truth, not args.no_reserve, args.search_nice
        )
        print(json.dumps(one))
        return
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "machine": machine(),
        "load_average_1m_start": load_average(),
        "dim": args.dim,
        "queries": QUERIES,
        "k": K,
        "runs": [],
    }
    unknown = set(args.kinds.split(",")) - set(KINDS)
    if unknown:
        ap.error(f"unknown --kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    for n in sizes:
        corpus = SyntheticCorpus(n=n, dim=args.dim)
        truth_path = out_path.parent / f"truth-{n}-{args.dim}.npy"
        if args.reuse_truth and truth_path.is_file():
            print(f"exact top-{K} for n={n}: reused {truth_path}", file=sys.stderr, flush=True)
        else:
            t = time.perf_counter()
            np.save(truth_path, corpus.exact_top(corpus.queries(QUERIES), K))
            print(f"exact top-{K} for n={n}: {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        del corpus
        for kind in args.kinds.split(","):
            results["runs"].append(_child(kind, n, args, truth_path))
            out_path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    results["load_average_1m_end"] = load_average()
    out_path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
