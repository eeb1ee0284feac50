"""Learned exemplars for the stage reader: clauses of the tuning descriptions, labelled by criterion, read by
meaning (a study; ``--write`` puts its result in ``knowledge/roadmap_exemplars.json``).

    python -m eval.stage_exemplars [--write]

``eval/datasets/stages/clauses.jsonl`` labels the clauses of the first tuning descriptions (``stages/blind.jsonl``
to ``blind4.jsonl``, all ``tune``) with the criterion they speak about (Q2, Q3, Q4, Q10, Q13) and its polarity;
``clauses_r8.jsonl``, ``clauses_r12.jsonl``, ``clauses_r17.jsonl`` and ``clauses_r23.jsonl`` do the same for the
session-8 tuning sets (``blind8`` to ``blind23``). Helpers wrote them from the descriptions and their rationales,
without the reader. The held-out sets (``HELDOUT``) and the development set have no labels here and never take
part in a pool or a choice.

The study is leave-one-set-out over the tuning sets (``SETS``). For each set, the exemplar reader gets the curated
statements, or those plus the labelled clauses (affirmed or denied) of the *other* sets. It reports:
- per clause: whether a labelled clause of the left-out set is matched to its criterion (recall), and how many
  matches name a criterion the clause does not speak about (precision);
- per description: the stage the exemplar reader alone gives to each clear description of the left-out set.

The patterns were fitted to the tuning sets, so only the exemplar reader alone is compared. The reader's threshold
and margin are chosen on the same leave-one-set-out figures (most clear stages right, then clause precision).
After the choice, the held-out sets are read by the service's reader (patterns and exemplars) with today's learned
exemplars and with the chosen ones. Q13 clauses are never exemplars: by meaning, a plan awaiting a vote reads like
an approved one. ``--write`` stores the clauses of every tuning set as the ``learned`` exemplars, with the chosen
threshold and margin.
"""

from __future__ import annotations

import argparse
import collections
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.roadmap import assess_stage, load_rules
from assistant.roadmap.exemplars import EXEMPLARS_FILE, Exemplar, ExemplarReader
from assistant.roadmap.reader import split_clauses
from eval.datasets import OWN
from retriever.embedders import Embedder, make_embedder
from retriever.settings import Settings

SETS = (
    "blind",
    "blind2",
    "blind3",
    "blind4",
    "blind8",
    "blind9",
    "blind11",
    "blind12",
    "blind13",
    "blind15",
    "blind17",
    "blind19",
    "blind21",
    "blind23",
    "blind25",
    "blind27",
    "blind29",
    "blind31",
    "blind33",
    "blind35",
    "blind36",
    "blind37",
    "blind40",
    "blind41",
    "blind43",
    "blind47",
    "blind48",
)
# The held-out sets: never in a pool, never in the choice; the reader the service runs (patterns and exemplars) is
# reported on them after the choice, with today's learned exemplars and with the chosen ones.
HELDOUT = (
    "blind5",
    "blind6",
    "blind7",
    "blind10",
    "blind14",
    "blind16",
    "blind18",
    "blind20",
    "blind22",
    "blind24",
    "blind26",
    "blind28",
    "blind30",
    "blind32",
    "blind34",
    "blind38",
    "blind39",
    "blind42",
    "blind44",
    "blind45",
    "blind46",
    "blind49",
    "blind50",
    "blind51",
    "blind52",
)
QUESTIONS = {"q2": 2, "q3": 3, "q4": 4, "q10": 10}  # Q13 is read by the patterns alone
CLAUSES = OWN / "stages" / "clauses.jsonl"
# The clauses of the session-8, -9 and -10 tuning sets, labelled the same way by helpers (blind8-11, 12-15, 17-21,
# 23, 25 and 27, 29, 31, 33, 35, 36 and 37, 40 and 41).
MORE_CLAUSES = tuple(
    OWN / "stages" / f"clauses_{part}.jsonl"
    for part in ("r8", "r12", "r17", "r23", "r25", "r29", "r31", "r33", "r35", "r36", "r40")
)
# Statements written for the criteria alone (not clauses of descriptions; set "criteria"): in every fold's pool.
CRITERIA_CLAUSES = OWN / "stages" / "clauses_criteria.jsonl"
GRID_THRESHOLD = (0.45, 0.5, 0.55)
GRID_MARGIN = (0.0, 0.03, 0.05)


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class _Remembering:
    """The embedder with every vector remembered: the study embeds the same clauses in every fold and grid point."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.id = embedder.id
        self.dim = embedder.dim
        self._seen: dict[str, np.ndarray] = {}

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if todo:
            self._seen.update(zip(todo, self._embedder.embed_documents(todo), strict=True))
        return np.stack([self._seen[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embedder.embed_query(text)


def learned(labels: list[dict], leave_out: str | None = None, *, criteria: bool = True) -> list[Exemplar]:
    """The labelled clauses (affirmed or denied, Q2/Q3/Q4/Q10) of every tuning set but ``leave_out`` (and the
    statements written for the criteria alone unless ``criteria`` is False). A clause labelled with two criteria
    ("the committee drafted the strategy") is left out: as an exemplar of both it would tie them, and the reader
    then reads neither."""
    usable = [
        a
        for a in labels
        if a["set"] != leave_out
        and (criteria or a["set"] != "criteria")
        and a["q"] in QUESTIONS
        and a["polarity"] in ("yes", "no")
    ]
    about: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for a in usable:
        about[(a["lang"], a["clause"])].add(a["q"])
    return [
        Exemplar(QUESTIONS[a["q"]], a["lang"], a["clause"]) for a in usable if len(about[(a["lang"], a["clause"])]) == 1
    ]


def _exemplars(by_question: dict[str, dict[str, list[str]]]) -> list[Exemplar]:
    """The exemplars of a ``{question: {lang: [statements]}}`` table of the exemplars file."""
    return [
        Exemplar(int(q), lang, text)
        for q, by_lang in by_question.items()
        for lang, ts in by_lang.items()
        for text in ts
    ]


def _arms(labels: list[dict], fold: str | None) -> list[tuple[str, list[Exemplar]]]:
    """The exemplar pools compared: curated statements, plus the other sets' clauses, plus the criteria's."""
    arms = [("curated", []), ("curated + learned", learned(labels, fold, criteria=False))]
    if any(a["set"] == "criteria" for a in labels):
        arms.append(("curated + learned + criteria", learned(labels, fold)))
    return arms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the learned exemplars in the knowledge file")
    args = parser.parse_args()
    settings = Settings()
    embedder: Any = _Remembering(make_embedder(settings.embedder))
    rules = load_rules(settings.paths.knowledge_dir, settings.paths.corpus_dir, embedder=embedder, reader="both")
    path = Path(settings.paths.knowledge_dir) / EXEMPLARS_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    curated = _exemplars(data["exemplars"])
    labels = _load(CLAUSES) + [a for p in MORE_CLAUSES if p.is_file() for a in _load(p)]
    labels += _load(CRITERIA_CLAUSES) if CRITERIA_CLAUSES.is_file() else []
    descriptions = {s: [it for it in _load(OWN / "stages" / f"{s}.jsonl") if it["description"]] for s in SETS}

    def study(threshold: float, margin: float) -> collections.Counter[tuple[str, str]]:
        totals: collections.Counter[tuple[str, str]] = collections.Counter()
        for fold in SETS:
            for arm, extra in _arms(labels, fold):
                reader = ExemplarReader(embedder, curated + extra, threshold, margin)
                alone = replace(rules, exemplars=reader, reader="exemplars")
                for it in descriptions[fold]:
                    spans = [
                        (k, k + len(a["clause"]), QUESTIONS[a["q"]])
                        for a in labels
                        if a["set"] == fold and a["id"] == it["id"] and a["q"] in QUESTIONS
                        for k in [it["description"].find(a["clause"])]
                        if k >= 0
                    ]
                    clauses = split_clauses(it["description"], rules)
                    found = reader.match([it["description"][c0:c1] for c0, c1 in clauses])
                    for (c0, c1), q in zip(clauses, found, strict=True):
                        about = {g for b0, b1, g in spans if b0 < c1 and c0 < b1}
                        totals[(arm, "about")] += bool(about)
                        totals[(arm, "right")] += q is not None and q in about
                        totals[(arm, "wrong")] += q is not None and q not in about
                    if not it["ambiguous"]:
                        totals[(arm, "clear")] += 1
                        stage = assess_stage(None, it["description"], rules=alone).stage
                        totals[(arm, "stage")] += stage == it["expected_stage"]
        return totals

    print(  # noqa: T201
        "| exemplars | threshold | margin | clause recall | clause precision | clear stages right, exemplars alone |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")  # noqa: T201
    best = None
    for threshold in GRID_THRESHOLD:
        for margin in GRID_MARGIN:
            totals = study(threshold, margin)
            for arm, _ in _arms(labels, None):
                right, wrong, about = totals[(arm, "right")], totals[(arm, "wrong")], totals[(arm, "about")]
                precision = right / max(right + wrong, 1)
                print(  # noqa: T201
                    f"| {arm} | {threshold} | {margin} | {right / about:.3f} | {precision:.3f} | "
                    f"{totals[(arm, 'stage')]}/{totals[(arm, 'clear')]} |"
                )
                if arm != "curated":
                    key = (totals[(arm, "stage")], precision)
                    if best is None or key > best[0]:
                        best = (key, threshold, margin, arm)
    assert best is not None
    _, threshold, margin, chosen = best
    print(  # noqa: T201
        f"chosen: {chosen}, threshold {threshold}, margin {margin} (most clear stages right, then clause precision)"
    )
    today = _exemplars(data.get("learned", {}).get("exemplars", {}))
    pools = {
        "today": (ExemplarReader(embedder, curated + today, data["threshold"], data["margin"])),
        "chosen": ExemplarReader(
            embedder, curated + learned(labels, criteria=chosen.endswith("criteria")), threshold, margin
        ),
    }
    print("held out, the service's reader (patterns and exemplars), clear right: today's learned -> chosen")  # noqa: T201
    for name in HELDOUT:
        items = [it for it in _load(OWN / "stages" / f"{name}.jsonl") if it["description"] and not it["ambiguous"]]
        got = {
            pool: sum(
                assess_stage(None, it["description"], rules=replace(rules, exemplars=reader, reader="both")).stage
                == it["expected_stage"]
                for it in items
            )
            for pool, reader in pools.items()
        }
        print(f"  {name}: {got['today']}/{len(items)} -> {got['chosen']}/{len(items)}")  # noqa: T201
    if args.write:
        out: dict[str, dict[str, list[str]]] = {}
        for e in learned(labels, criteria=chosen.endswith("criteria")):
            out.setdefault(str(e.q), {"en": [], "zh": []})[e.lang].append(e.text)
        data["threshold"], data["margin"] = threshold, margin
        data["learned"] = {
            "about": "Clauses of the tuning descriptions (eval/datasets/stages/clauses.jsonl: stages/blind.jsonl to "
            "blind4.jsonl; clauses_r8, r12, r17, r23.jsonl: blind8 to blind23), labelled by criterion, affirmed or "
            "denied; the exemplar reader matches a clause by "
            "meaning against these as against the curated statements (negation, tense and hedges are still read by "
            "the cues). Written by `python -m eval.stage_exemplars --write`; docs/eval/stages.md has the "
            "leave-one-set-out figures that chose them.",
            "exemplars": {q: {lang: sorted(set(v)) for lang, v in by.items()} for q, by in sorted(out.items())},
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {sum(len(t) for by in out.values() for t in by.values())} learned exemplars to {path}")  # noqa: T201


if __name__ == "__main__":
    main()
