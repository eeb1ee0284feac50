"""Known messages for the intent table's last resort (``assistant/exemplars.py``): which ones, how many neighbours
vote and how similar the nearest must be, chosen by leave-one-set-out (a study; ``--write`` puts its result in
``knowledge/intent_exemplars.json``).

    python -m eval.intent_exemplars [--write]

The exemplars are tuning data only: the tuning split of ``chat/routing.jsonl``, ``chat/routing2.jsonl``,
``chat/routing3.jsonl`` and ``chat/routing5.jsonl`` (read item by item to write the patterns), the tuning questions
of our qa sets (intent "question") and the tuning scenarios of our tool sets ("recommend"). Each set is routed with
the exemplars of the others, for every ``K`` x ``FLOORS``; the vote applies only where the patterns fell through to
the default "question" route, as in the service. The pair with the most messages routed to an accepted intent is
chosen (ties: fewer neighbours, then the higher floor). Held-out sets (routing.jsonl's held-out split,
``chat/routing4.jsonl``, the held-out qa questions and tool scenarios) are printed for that pair and for no
exemplars, after the choice, never in it.
"""

from __future__ import annotations

import argparse
import json
from functools import cache
from pathlib import Path

import numpy as np

from assistant.context import ChatContext
from assistant.exemplars import EXEMPLARS_FILE, IntentExemplars
from assistant.intents import SIMILAR_INTENTS, decide
from assistant.services import build_services
from eval.datasets import DEV, OWN
from retriever.language import normalize_query
from retriever.settings import Settings

K = (1, 3, 5, 7, 9)
FLOORS = (0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
Files = tuple[tuple[str, str | None], ...]  # (file, split or None for every line)
ROUTING_TUNE: Files = (("routing.jsonl", "tune"), ("routing2.jsonl", None), ("routing3.jsonl", None))
ROUTING_TUNE += (("routing5.jsonl", None),)
QA_TUNE: Files = (("qa.jsonl", None), ("blind.jsonl", "tune"), ("blind_paper.jsonl", "tune"))
QA_TUNE += (("paraphrase.jsonl", "tune"), ("blind5.jsonl", "tune"), ("blind6.jsonl", "tune"))
QA_TUNE += (("blind10.jsonl", "tune"), ("blind11.jsonl", "tune"), ("blind12.jsonl", "tune"), ("blind13.jsonl", "tune"))
TOOLS_TUNE: Files = (("tools.jsonl", None), ("blind.jsonl", "tune"), ("blind2.jsonl", None), ("blind5.jsonl", None))
TOOLS_TUNE += (("blind6.jsonl", "tune"), ("blind7.jsonl", "tune"), ("blind8.jsonl", "tune"))
QA_HELD: Files = (("blind.jsonl", "heldout"), ("blind_paper.jsonl", "heldout"), ("blind3.jsonl", None))
QA_HELD += (("blind4.jsonl", None), ("blind7.jsonl", None), ("blind8.jsonl", None), ("blind9.jsonl", None))
QA_HELD += (("blind10.jsonl", "heldout"), ("blind11.jsonl", "heldout"), ("blind12.jsonl", "heldout"))
QA_HELD += (("blind13.jsonl", "heldout"), ("blind14.jsonl", None))
TOOLS_HELD: Files = (("blind.jsonl", "heldout"), ("blind3.jsonl", None), ("blind4.jsonl", None))
TOOLS_HELD += (("blind6.jsonl", "heldout"), ("blind7.jsonl", "heldout"), ("blind8.jsonl", "heldout"))
TOOLS_HELD += (("blind9.jsonl", None), ("blind10.jsonl", None))

Row = tuple[str, str, tuple[str, ...]]  # text, intent, accepted intents


def _lines(path: Path, split: str | None) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or r.get("split") == split]


def routing_rows(name: str, split: str | None) -> list[Row]:
    return [
        (r["text"], r["intent"], tuple(r.get("accept") or [r["intent"]])) for r in _lines(OWN / "chat" / name, split)
    ]


def qa_rows(files: Files, dev: bool = False) -> list[Row]:
    rows = [r for name, split in files for r in _lines(OWN / "qa" / name, split)]
    if dev and (DEV / "qa.jsonl").is_file():
        rows += _lines(DEV / "qa.jsonl", None)
    return [(r["question"], "question", ("question",)) for r in rows]


def tool_rows(files: Files, dev: bool = False) -> list[Row]:
    rows = [r for name, split in files for r in _lines(OWN / "tools" / name, split)]
    if dev and (DEV / "tools.jsonl").is_file():
        rows += _lines(DEV / "tools.jsonl", None)
    return [(r["scenario"], "recommend", ("recommend",)) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the exemplars and the chosen k and floor")
    args = parser.parse_args()
    settings = Settings()
    services = build_services(settings)
    assistant, embedder = services.assistant, services.retriever.embedder
    tune: dict[str, list[Row]] = {name: routing_rows(name, split) for name, split in ROUTING_TUNE}
    tune["qa"] = qa_rows(QA_TUNE)
    tune["tools"] = tool_rows(TOOLS_TUNE)
    held = {
        "routing-heldout": routing_rows("routing.jsonl", "heldout"),
        "routing4": routing_rows("routing4.jsonl", None),
        "qa held out + dev": qa_rows(QA_HELD, dev=True),
        "tools held out + dev": tool_rows(TOOLS_HELD, dev=True),
    }
    # a text that is also in a held-out set (helpers sometimes wrote the same short question) is no exemplar
    unseen = {text for rows in held.values() for text, _, _ in rows}
    tune = {name: [r for r in rows if r[0] not in unseen] for name, rows in tune.items()}
    intents = frozenset(SIMILAR_INTENTS)

    @cache
    def query_vector(text: str) -> np.ndarray:  # as Assistant.similar embeds the message decide() hands it
        return embedder.embed_query(normalize_query(text))

    def routed_ok(rows: list[Row], ex: IntentExemplars | None) -> int:
        """Messages routed to an accepted intent by the service's table (which asks the vote of ``ex`` only where
        no pattern fired)."""
        vote = (lambda text: ex.vote(query_vector(text))) if ex is not None else None
        return sum(decide(text, ChatContext(), assistant, vote).intent in accept for text, _, accept in rows)

    texts = sorted({text for rows in tune.values() for text, _, _ in rows})
    vectors = dict(zip(texts, embedder.embed_documents(texts), strict=True))
    scores: dict[tuple[int, float], int] = {}
    base = sum(routed_ok(rows, None) for rows in tune.values())
    total = sum(len(rows) for rows in tune.values())
    print(f"leave-one-set-out over {total} tuning messages; patterns alone: {base}")  # noqa: T201
    print("| k | floor | " + " | ".join(tune) + " | all |")  # noqa: T201
    for k in K:
        for floor in FLOORS:
            per_set = []
            for fold, rows in tune.items():
                others = [(intent, text) for name, rs in tune.items() if name != fold for text, intent, _ in rs]
                per_set.append(routed_ok(rows, from_vectors(others, vectors, k, floor, intents)))
            scores[(k, floor)] = sum(per_set)
            print(f"| {k} | {floor} | " + " | ".join(map(str, per_set)) + f" | {sum(per_set)} |")  # noqa: T201
    chosen = max(scores, key=lambda kf: (scores[kf], -kf[0], kf[1]))
    print(f"chosen: k {chosen[0]}, floor {chosen[1]} ({scores[chosen]} of {total}); held out:")  # noqa: T201
    rows_all = [(intent, text) for rs in tune.values() for text, intent, _ in rs]
    ex = from_vectors(rows_all, vectors, *chosen, intents)
    for name, rows in held.items():
        with_vote = routed_ok(rows, ex)
        print(f"  {name}: {routed_ok(rows, None)} -> {with_vote} of {len(rows)}")  # noqa: T201
    if args.write:
        path = Path(settings.paths.knowledge_dir) / EXEMPLARS_FILE
        data = {
            "about": "Messages whose intent is known, for the intent table's last resort (assistant/exemplars.py): "
            "the tuning splits of eval/datasets/chat/routing*.jsonl, the tuning questions of our qa sets "
            "('question') and the tuning scenarios of our tool sets ('recommend'). k and floor were chosen by "
            "leave-one-set-out over them (`python -m eval.intent_exemplars`, docs/eval/routing.md) with the "
            "encoder named here; under another encoder the exemplars are not used. Held-out messages are never "
            "here.",
            "embedder": embedder.id,
            "k": chosen[0],
            "floor": chosen[1],
            "intents": sorted(intents),
            "examples": [{"intent": intent, "text": text} for intent, text in rows_all],
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {len(rows_all)} exemplars to {path}")  # noqa: T201


def from_vectors(
    rows: list[tuple[str, str]], vectors: dict[str, np.ndarray], k: int, floor: float, intents: frozenset[str]
) -> IntentExemplars:
    """Exemplars from ``(intent, text)`` rows whose vectors are already computed (the study embeds once)."""
    return IntentExemplars(tuple(i for i, _ in rows), np.stack([vectors[t] for _, t in rows]), k, floor, intents)


if __name__ == "__main__":
    main()
