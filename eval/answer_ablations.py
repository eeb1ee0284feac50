"""What each part of the answer-sentence scorer and of the routing gains or loses, per split.

    python -m eval.answer_ablations [--out FILE]

Every question of the qa sets (the development set, our tuned set, the blind tuning and held-out splits, and the
untouched sets blind7 and blind8) is asked through ``Assistant.reply`` with the default configuration and with one
part switched off at a time; the table gives "quotes a gold anchor" (eval-dev's rule) and refusals per split. The
index is the one the settings point at (``resnav ingest`` first). This is measurement, never part of the test run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import assistant.chat as chat
import assistant.evidence as evidence
import assistant.intents as intents
from eval.answers import quotes_anchor
from eval.datasets import DEV, OWN
from retriever.settings import Settings

SPLITS = {
    "dev": [DEV / "qa.jsonl"],
    "tuned": [OWN / "qa" / "qa.jsonl"],
    "blind-tune": [OWN / "qa" / "blind.jsonl", OWN / "qa" / "blind_paper.jsonl"],
    "blind-heldout": [OWN / "qa" / "blind.jsonl", OWN / "qa" / "blind_paper.jsonl"],
    "blind7": [OWN / "qa" / "blind7.jsonl"],  # held out entirely (session 11)
    "blind8": [OWN / "qa" / "blind8.jsonl"],  # held out entirely (session 12)
}


def _items(split: str) -> list[dict]:
    out = []
    for path in SPLITS[split]:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            wanted = {"blind-tune": "tune", "blind-heldout": "heldout"}.get(split)
            if wanted is None or item.get("split") == wanted:
                out.append(item)
    return out


@contextmanager
def _patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def _weights(**changes: Any) -> Callable[[], Any]:
    return lambda: _patched(evidence, "DEFAULT_WEIGHTS", dataclasses.replace(evidence.DEFAULT_WEIGHTS, **changes))


def _without_route(name: str) -> Callable[[], Any]:
    return lambda: _patched(intents, "ROUTES", tuple(r for r in intents.ROUTES if r.name != name))


VARIANTS: list[tuple[str, Callable[[], Any] | None]] = [
    ("default", None),
    ("no question-type bonus (kind 0)", _weights(kind=0.0)),
    ("no asker's-language bonus (lang 0)", _weights(lang=0.0)),
    ("no passage-rank penalty (rank 0)", _weights(rank=0.0)),
    ("heading terms not counted (heading 0)", _weights(heading=0.0)),
    ("no stage-reference bonus (stage 0)", _weights(stage=0.0)),
    ("no list items after an announcing sentence", lambda: _patched(evidence, "LIST_UNITS", 1)),
    ("no abstention", lambda: _patched(evidence.Abstention, "holds", lambda self, u, d, x=0.0: bool(u))),
    ("a question naming a record does not read its passages first", lambda: _patched(chat, "RECORD_FOCUS", False)),
    ("routing: no 'fact' route (facts about named records go to lookup/recommend)", _without_route("fact")),
    ("routing: no 'criteria' route (a step's criteria searched for like any question)", _without_route("criteria")),
    ("no penalty for sentences about other stages (stage_other 0)", _weights(stage_other=0.0)),
    ("the sentence before a unit not counted (context 0)", _weights(context=0.0)),
    ("no bonus for counting what a 'how many X' question counts (counted 0)", _weights(counted=0.0)),
    ("the first passage's best sentence not added (first_passage off)", _weights(first_passage=False)),
    ("routing: no 'support' route (requests for support typed by their fact words)", _without_route("support")),
    ("routing: no 'wants' route (stated needs go to the documents)", _without_route("wants")),
]


def run(settings: Settings) -> list[dict]:
    from eval.run import build_components, warm_up

    comp = build_components(settings)
    warm_up(comp)
    rows = []
    for name, patch in VARIANTS:
        row: dict[str, Any] = {"variant": name}
        ctx = patch() if patch is not None else _nothing()
        with ctx:
            # the defaults are read when select_units is called, so the patched weights apply
            for split in SPLITS:
                items = _items(split)
                quoted = refused = 0
                for item in items:
                    reply = comp.assistant.reply([comp.turn("user", item["question"])])
                    quoted += quotes_anchor(reply.citations, item["doc"], item["anchors"])
                    refused += not reply.citations
                row[split] = (quoted / len(items), refused / len(items), len(items)) if items else None
        rows.append(row)
    return rows


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def markdown(rows: list[dict]) -> str:
    head = "| variant | " + " | ".join(f"{s}: quotes (refused)" for s in SPLITS) + " |"
    lines = [head, "| --- |" + " ---: |" * len(SPLITS)]
    base = rows[0]
    for row in rows:
        cells = []
        for split in SPLITS:
            v = row[split]
            if v is None:
                cells.append("—")
                continue
            delta = "" if row is base else f" {v[0] - base[split][0]:+.2f}"
            cells.append(f"{v[0]:.2f}{delta} ({v[1]:.2f})")
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    n = " · ".join(f"{s} n={base[s][2]}" for s in SPLITS if base[s])
    return "\n".join(lines) + f"\n\n{n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the markdown table here")
    args = parser.parse_args()
    table = markdown(run(Settings()))
    if args.out:
        args.out.write_text(table, encoding="utf-8")
    print(table)  # noqa: T201


if __name__ == "__main__":
    main()
