"""A study, not in the service: would a memory of tuning questions with known passages help retrieval?

    python -m eval.qa_memory

Each question is ranked by the served search (top 20). Then, for each of its three nearest tuning questions
(USE cosine at least ``tau``), the chunks that hold that question's answer gain ``w x cosine``. The base rank gives
``1 / (1 + rank)``.

The weight and threshold are chosen by leave-one-set-out over the tuning questions: ours, the tune splits of
``blind`` and ``blind_paper``, and ``paraphrase``. Each set is ranked with the other sets' questions as memory.
After the choice, the held-out sets (dev, ``blind`` held-out, ``qa/blind3``, ``paraphrase`` held-out) are ranked
with every tuning question as memory and printed beside no memory. docs/eval/qa-memory.md has the figures and
why it is not in the service.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from eval.datasets import DEV, OWN
from eval.retrieval import group_of, is_relevant
from retriever.language import normalize_query
from retriever.settings import Settings

WEIGHTS = (0.0, 0.3, 0.5, 1.0, 2.0)
TAUS = (0.6, 0.7, 0.8)


def _load(path: Path, split: str | None, name: str) -> list[dict]:
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if split is None or item.get("split") == split:
            out.append({**item, "set": name})
    return out


def main() -> None:
    from assistant.services import build_retriever

    retriever = build_retriever(Settings())
    qa = OWN / "qa"
    tune = (
        _load(qa / "qa.jsonl", None, "own")
        + _load(qa / "blind.jsonl", "tune", "blind-tune")
        + _load(qa / "blind_paper.jsonl", "tune", "blind-tune")
        + _load(qa / "paraphrase.jsonl", "tune", "paraphrase-tune")
    )
    heldout = (
        _load(DEV / "qa.jsonl", None, "dev")
        + _load(qa / "blind.jsonl", "heldout", "blind-heldout")
        + _load(qa / "blind_paper.jsonl", "heldout", "blind-heldout")
        + _load(qa / "blind3.jsonl", None, "blind3")
        + _load(qa / "paraphrase.jsonl", "heldout", "paraphrase-heldout")
    )
    chunks = {c.chunk_id: c for c in retriever.index.chunks}
    for item in tune + heldout:
        item["vec"] = retriever.embedder.embed_query(normalize_query(item["question"]))
        item["base"] = [h.chunk.chunk_id for h in retriever.search(item["question"], 20)]
        item["gold"] = [cid for cid, c in chunks.items() if is_relevant(c.source, c.text, item)]

    def ranked(item: dict, memory: list[dict], w: float, tau: float) -> list[str]:
        score: dict[str, float] = collections.defaultdict(float)
        for r, cid in enumerate(item["base"]):
            score[cid] += 1.0 / (1 + r)
        if w and memory:
            sims = np.stack([m["vec"] for m in memory]) @ item["vec"]
            for j in np.argsort(-sims)[:3]:
                if sims[j] < tau:
                    break
                for cid in memory[j]["gold"]:
                    score[cid] += w * float(sims[j])
        return sorted(score, key=lambda cid: -score[cid])[:10]

    def measure(items: list[dict], memory_of: Callable[[dict], list[dict]], w: float, tau: float) -> dict:
        cells: dict[tuple[str, str], list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
        for item in items:
            top = ranked(item, memory_of(item), w, tau)
            hits = [i for i, cid in enumerate(top) if is_relevant(chunks[cid].source, chunks[cid].text, item)]
            for key in ((item["set"], group_of(item)), ("all", "all")):
                cells[key][0] += bool(hits and hits[0] < 5)
                cells[key][1] += 1.0 / (hits[0] + 1) if hits else 0.0
                cells[key][2] += 1
        return {k: (v[0] / v[2], v[1] / v[2], int(v[2])) for k, v in cells.items()}

    print("| memory weight | tau | leave-one-set-out R@5 | MRR@10 |")  # noqa: T201
    print("| ---: | ---: | ---: | ---: |")  # noqa: T201
    scores = {}
    for w in WEIGHTS:
        for tau in TAUS if w else TAUS[:1]:
            r5, mrr, _ = measure(tune, lambda it: [m for m in tune if m["set"] != it["set"]], w, tau)[("all", "all")]
            scores[(w, tau)] = r5 + mrr
            print(f"| {w} | {tau if w else '-'} | {r5:.3f} | {mrr:.3f} |")  # noqa: T201
    chosen = max(scores, key=lambda k: (scores[k], -k[0]))
    print(f"\nchosen on the tuning questions: w {chosen[0]}, tau {chosen[1]}\n")  # noqa: T201
    before = measure(heldout, lambda it: tune, 0.0, 1.0)
    after = measure(heldout, lambda it: tune, *chosen)
    print("| set | group | n | no memory R@5 / MRR@10 | memory R@5 / MRR@10 |")  # noqa: T201
    print("| --- | --- | ---: | --- | --- |")  # noqa: T201
    for key in sorted(before):
        b, a = before[key], after[key]
        print(f"| {key[0]} | {key[1]} | {b[2]} | {b[0]:.2f} / {b[1]:.2f} | {a[0]:.2f} / {a[1]:.2f} |")  # noqa: T201


if __name__ == "__main__":
    main()
