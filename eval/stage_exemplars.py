"""Learned exemplars for the stage reader: clauses of the tuning descriptions, labelled by criterion, read by
meaning (a study; ``--write`` puts its result in ``knowledge/roadmap_exemplars.json``).

    python -m eval.stage_exemplars [--write]

``eval/datasets/stages/clauses.jsonl`` labels the clauses of the tuning descriptions (``stages/blind.jsonl`` to
``blind4.jsonl``, all ``tune``) with the criterion they speak about (Q2, Q3, Q4, Q10, Q13) and its polarity. It was
written by a helper from the descriptions and their rationales, without the reader. The held-out sets
(``blind5``, ``blind6``) and the development set have no labels here and never take part.

The study is leave-one-set-out over the four tuning sets. For each set, the exemplar reader gets the curated
statements, or those plus the labelled clauses (affirmed or denied) of the *other* three sets. It reports:
- per clause: whether a labelled clause of the left-out set is matched to its criterion (recall), and how many
  matches name a criterion the clause does not speak about (precision);
- per description: the stage the exemplar reader alone gives to each clear description of the left-out set.

The patterns were fitted to all four sets, so only the exemplar reader alone is compared. The reader's threshold
and margin are chosen on the same leave-one-set-out figures (most clear stages right, then clause precision).
Q13 clauses are never exemplars: by meaning, a plan awaiting a vote reads like an approved one. ``--write``
stores the clauses of all four sets as the ``learned`` exemplars, with the chosen threshold and margin.
"""

from __future__ import annotations

import argparse
import collections
import json
from dataclasses import replace
from pathlib import Path

from assistant.roadmap import assess_stage, load_rules
from assistant.roadmap.exemplars import EXEMPLARS_FILE, Exemplar, ExemplarReader
from assistant.roadmap.reader import split_clauses
from eval.datasets import OWN
from retriever.embedders import make_embedder
from retriever.settings import Settings

SETS = ("blind", "blind2", "blind3", "blind4")
QUESTIONS = {"q2": 2, "q3": 3, "q4": 4, "q10": 10}  # Q13 is read by the patterns alone
CLAUSES = OWN / "stages" / "clauses.jsonl"
# Statements written for the criteria alone (not clauses of descriptions; set "criteria"): in every fold's pool.
CRITERIA_CLAUSES = OWN / "stages" / "clauses_criteria.jsonl"
GRID_THRESHOLD = (0.45, 0.5, 0.55)
GRID_MARGIN = (0.0, 0.03, 0.05)


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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
    embedder = make_embedder(settings.embedder)
    rules = load_rules(settings.paths.knowledge_dir, settings.paths.corpus_dir, embedder=embedder, reader="both")
    path = Path(settings.paths.knowledge_dir) / EXEMPLARS_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    curated = [
        Exemplar(int(q), lang, text)
        for q, by_lang in data["exemplars"].items()
        for lang, ts in by_lang.items()
        for text in ts
    ]
    labels = _load(CLAUSES) + (_load(CRITERIA_CLAUSES) if CRITERIA_CLAUSES.is_file() else [])
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
    if args.write:
        out: dict[str, dict[str, list[str]]] = {}
        for e in learned(labels, criteria=chosen.endswith("criteria")):
            out.setdefault(str(e.q), {"en": [], "zh": []})[e.lang].append(e.text)
        data["threshold"], data["margin"] = threshold, margin
        data["learned"] = {
            "about": "Clauses of the tuning descriptions (eval/datasets/stages/clauses.jsonl: stages/blind.jsonl to "
            "blind4.jsonl), labelled by criterion, affirmed or denied; the exemplar reader matches a clause by "
            "meaning against these as against the curated statements (negation, tense and hedges are still read by "
            "the cues). Written by `python -m eval.stage_exemplars --write`; docs/eval/stages.md has the "
            "leave-one-set-out figures that chose them.",
            "exemplars": {q: {lang: sorted(set(v)) for lang, v in by.items()} for q, by in sorted(out.items())},
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {sum(len(t) for by in out.values() for t in by.values())} learned exemplars to {path}")  # noqa: T201


if __name__ == "__main__":
    main()
