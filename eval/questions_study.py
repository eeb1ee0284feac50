"""How the curated questions (``corpus/questions/``) are weighed, chosen on the tuning questions (a study; its results
are ``retriever.search.LEG_WEIGHTS``' ``asked`` / ``asked_dense``, ``Abstention.asked`` / ``asked_neutral`` and
``Weights.asked`` / ``asked_floor`` in ``assistant.evidence``).

    python -m eval.questions_study [--part legs|abstention|sentences]

- ``legs``: the two retrieval legs' weights per query language, grid 0-1.5 each with the other legs as they are,
  objective R@5 + MRR@10 averaged over the (set, group) cells of the tuning questions (ours and the ``-tune``
  splits), sentence re-ranking and document pointers as the service runs them; 5-fold cross-validation prints what
  each fold chose; the held-out splits and the development set are printed for "no questions" and the weights in
  force, never used in the choice.
- ``abstention``: the nearest curated question's cosine as a term of the abstention's evidence, chosen as the rule
  always was: refusals of the tuning questions at most 3%, then as many tuning out-of-scope questions declined as
  possible (then fewer refusals, then the lower weight), 5-fold cross-validation against the threshold alone.
- ``sentences``: the bonus of a sentence inside the answer span of a curated question near the user's: the tuning
  questions whose selected sentences hold a gold anchor, per weight and floor, 5-fold cross-validation.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import retriever.search as search
from eval.answers import holds_anchor
from eval.datasets import DEV, OWN, QAItem, load_items
from eval.fusion_study import _cells, _items
from eval.intent_exemplars import QA_HELD, QA_TUNE
from eval.retrieval import is_relevant
from retriever.language import normalize_query, script_lang
from retriever.settings import Settings

LEG_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
TERM_GRID = (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0)
THRESHOLDS = tuple(round(x, 2) for x in np.arange(1.3, 7.5, 0.05))
BONUS_GRID = (0.1, 0.2, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0)
FLOOR_GRID = (0.0, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)
REFUSALS = 0.03


def _folds(keys: Sequence[Any], k: int = 5) -> list[set[Any]]:
    keys = sorted(keys)
    random.Random(0).shuffle(keys)
    return [set(keys[i::k]) for i in range(k)]


def _held(item_set: str) -> bool:
    return item_set.endswith("heldout") or item_set == "dev"


# -- legs -----------------------------------------------------------------------------------------------------
def legs_study(retriever: Any) -> None:
    chunks = retriever.index.chunks
    items = _items()
    base = {lang: dict(w) for lang, w in search.LEG_WEIGHTS.items()}
    for it in items:
        q = normalize_query(it["question"])
        it["lang"] = script_lang(q)
        it["rel"] = np.array([is_relevant(c.source, c.text, it) for c in chunks])
        referred = retriever.references.referred(q)
        filters = search.Filters(docs=tuple(sorted(referred))) if referred else None
        it["q"], it["legs"] = q, retriever._legs(q, it["lang"], filters)
    scores: dict[tuple[str, str, float, float], tuple[float, float]] = {}
    for it in items:
        for a, d in itertools.product(LEG_GRID, LEG_GRID):
            search.LEG_WEIGHTS[it["lang"]] = {**base[it["lang"]], "asked": a, "asked_dense": d}
            weight = search.SENTENCE_WEIGHTS.get(it["lang"], 0.0)
            top = retriever._fuse(it["legs"], it["lang"], max(10, search.RERANK_DEPTH))
            if weight:
                top, _ = retriever._by_sentence(it["q"], top, weight)
            rows = [r for r, _ in top[:10]]
            r5 = float(any(it["rel"][r] for r in rows[:5]))
            mrr = next((1 / (i + 1) for i, r in enumerate(rows) if it["rel"][r]), 0.0)
            scores[(it["id"], it["set"], a, d)] = (r5, mrr)
    search.LEG_WEIGHTS.update(base)

    def objective(its: Sequence[dict], a: float, d: float) -> float:
        return float(
            np.mean(
                [
                    np.sum(np.mean([scores[(i["id"], i["set"], a, d)] for i in cell], axis=0))
                    for cell in _cells(its).values()
                ]
            )
        )

    grid = list(itertools.product(LEG_GRID, LEG_GRID))
    for lang in ("zh", "en"):
        tune = [i for i in items if i["lang"] == lang and not _held(i["set"])]
        best = max(grid, key=lambda g: objective(tune, *g))
        picks = [
            max(grid, key=lambda g: objective([i for i in tune if (i["id"], i["set"]) not in fold], *g))
            for fold in _folds([(i["id"], i["set"]) for i in tune])
        ]
        now = (base[lang].get("asked", 0.0), base[lang].get("asked_dense", 0.0))
        print(  # noqa: T201
            f"{lang}: best on the tuning questions (asked, asked_dense) {best} {objective(tune, *best):.3f}; "
            f"in force {now} {objective(tune, *now):.3f}; none {objective(tune, 0.0, 0.0):.3f}; folds chose {picks}"
        )
    pooled: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for it in items:
        if _held(it["set"]):
            now = (base[it["lang"]].get("asked", 0.0), base[it["lang"]].get("asked_dense", 0.0))
            pooled[(it["group"], "none")].append(scores[(it["id"], it["set"], 0.0, 0.0)])
            pooled[(it["group"], "in force")].append(scores[(it["id"], it["set"], *now)])
    for (group, which), values in sorted(pooled.items()):
        r5, mrr = np.mean(values, axis=0)
        print(f"held out and dev, {group}, {which}: R@5 {r5:.3f} MRR@10 {mrr:.3f} ({len(values)})")  # noqa: T201


# -- the answer's evidence --------------------------------------------------------------------------------------
def _qa(files: Sequence[tuple[str, str | None]]) -> list[QAItem]:
    out = []
    for name, split in files:
        out += [i for i in load_items(OWN / "qa" / name, QAItem) if (split is None or i.split == split) and not i.first]
    return out


def _out_of_scope() -> list[tuple[str, str]]:
    """``(tag, question)`` of every out-of-scope item: ``oos-tune`` for the tuning splits, ``oos-held`` else."""
    out = []
    for path in sorted((OWN / "out_of_scope").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append(("oos-tune" if row.get("split") == "tune" else "oos-held", row["question"]))
    return out


def _cases(services: Any) -> list[dict]:
    """Every question with what the abstention and the sentence scorer read of it (one search each)."""
    from assistant import evidence

    retriever = services.retriever
    index = retriever.index

    def known(t: str) -> bool:
        return bool(index.lex_main.doc_freq(t) or index.lex_en.doc_freq(t))

    rows: list[tuple[str, QAItem | None, str]] = [("tune", i, i.question) for i in _qa(QA_TUNE)]
    rows += [("held", i, i.question) for i in _qa(QA_HELD)]
    rows += (
        [("dev", i, i.question) for i in load_items(DEV / "qa.jsonl", QAItem)] if (DEV / "qa.jsonl").is_file() else []
    )
    rows += [(tag, None, q) for tag, q in _out_of_scope()]
    cases = []
    for tag, item, question in rows:
        lang = script_lang(normalize_query(question))
        found = retriever.search_evidence(question, 8, renderings=False)

        def rendering_of(doc_id: str, lang: str = lang) -> Any:
            return None if index.has_text_in(doc_id, lang) else index.rendering(doc_id, lang)

        units = evidence.select_units(
            question, found.hits, rendering_of, retriever.lexicon, lang=lang, asked=found.asked_spans
        )
        cases.append(
            {
                "tag": tag,
                "item": item,
                "question": question,
                "lang": lang,
                "found": found,
                "rendering_of": rendering_of,
                "units": units,
                "unknown": evidence.unknown_share(question, retriever.lexicon, known),
            }
        )
    return cases


def abstention_study(services: Any, cases: list[dict]) -> None:
    rule = services.assistant.abstention

    def declined(case: dict, weight: float, threshold: float) -> bool:
        """Refused by the service's rule with the term ``weight`` x cosine against ``threshold``, i.e. ``asked`` =
        weight and ``asked_neutral`` = (threshold - the rule's threshold) / weight; without the term (weight 0),
        the threshold itself varies."""
        if weight:
            variant = dataclasses.replace(rule, asked=weight, asked_neutral=(threshold - rule.threshold) / weight)
        else:
            variant = dataclasses.replace(rule, asked=0.0, threshold=threshold)
        found = case["found"]
        return not variant.holds(case["units"], found.dense_best, case["unknown"], found.asked_best)

    def choose(answerable: list[dict], oos: list[dict], weights: Sequence[float]) -> tuple[float, float]:
        ok = []
        for w, t in itertools.product(weights, THRESHOLDS):
            refused = sum(declined(c, w, t) for c in answerable)
            if refused <= REFUSALS * len(answerable):
                ok.append((sum(declined(c, w, t) for c in oos), -refused, -w, (w, t)))
        return max(ok)[3]

    tune = [c for c in cases if c["tag"] == "tune"]
    oos_tune = [c for c in cases if c["tag"] == "oos-tune"]
    for label, weights in (("threshold alone", (0.0,)), ("with the nearest question", TERM_GRID)):
        refused = declined_oos = 0
        picks = []
        folds_a, folds_o = _folds(range(len(tune))), _folds(range(len(oos_tune)))
        for fa, fo in zip(folds_a, folds_o, strict=True):
            w, t = choose(
                [c for n, c in enumerate(tune) if n not in fa],
                [c for n, c in enumerate(oos_tune) if n not in fo],
                weights,
            )
            picks.append((w, t))
            refused += sum(declined(c, w, t) for n, c in enumerate(tune) if n in fa)
            declined_oos += sum(declined(c, w, t) for n, c in enumerate(oos_tune) if n in fo)
        on_all = choose(tune, oos_tune, weights)
        print(  # noqa: T201
            f"{label}: 5-fold CV refused {refused}/{len(tune)} tuning questions, declined {declined_oos}/"
            f"{len(oos_tune)} tuning out-of-scope ones; folds chose {picks}; on all of them {on_all}"
        )
    w, t = choose(tune, oos_tune, TERM_GRID)
    for tag in ("held", "dev", "oos-held"):
        group = [c for c in cases if c["tag"] == tag]
        if group:
            print(  # noqa: T201
                f"  chosen {w} / {t} (asked_neutral {(t - rule.threshold) / w if w else 0:.2f}) on {tag}: declined "
                f"{sum(declined(c, w, t) for c in group)}/{len(group)}; the threshold alone "
                f"{sum(declined(c, 0.0, rule.threshold) for c in group)}"
            )


def sentences_study(services: Any, cases: list[dict]) -> None:
    from assistant import evidence

    def quotes(case: dict, weights: evidence.Weights) -> bool:
        item, found = case["item"], case["found"]
        units = evidence.select_units(
            case["question"], found.hits, case["rendering_of"], services.retriever.lexicon, lang=case["lang"],
            weights=weights, asked=found.asked_spans,
        )  # fmt: skip
        unknown = case["unknown"]
        if not services.assistant.abstention.holds(units, found.dense_best, unknown, found.asked_best):
            return False
        return any(u.chunk.source == item.doc and holds_anchor(u.text, item.anchors) for u in units)

    answerable = [c for c in cases if c["item"] is not None]
    variants: dict[tuple[float, float], evidence.Weights] = {
        (0.0, 0.0): dataclasses.replace(evidence.DEFAULT_WEIGHTS, asked=0.0)
    }
    for w, f in itertools.product(BONUS_GRID, FLOOR_GRID):
        variants[(w, f)] = dataclasses.replace(evidence.DEFAULT_WEIGHTS, asked=w, asked_floor=f)
    right = {key: [quotes(c, weights) for c in answerable] for key, weights in variants.items()}
    tune = [n for n, c in enumerate(answerable) if c["tag"] == "tune"]

    def on(key: tuple[float, float], rows: Sequence[int]) -> int:
        return sum(right[key][n] for n in rows)

    picks, total = [], 0
    for fold in _folds(tune):
        rest = [n for n in tune if n not in fold]
        best = max(variants, key=lambda k: (on(k, rest), k == (0.0, 0.0)))
        picks.append(best)
        total += on(best, [n for n in tune if n in fold])
    best = max(variants, key=lambda k: (on(k, tune), k == (0.0, 0.0)))
    print(  # noqa: T201
        f"quoting a gold anchor, tuning questions: none {on((0.0, 0.0), tune)}/{len(tune)}, 5-fold CV {total}, "
        f"folds chose {picks}; best on all of them {best} {on(best, tune)}"
    )
    now = (evidence.DEFAULT_WEIGHTS.asked, evidence.DEFAULT_WEIGHTS.asked_floor)
    for tag in ("held", "dev"):
        rows = [n for n, c in enumerate(answerable) if c["tag"] == tag]
        for key in ((0.0, 0.0), now):
            if key in right:
                print(f"  {tag}: {key} {on(key, rows)}/{len(rows)}")  # noqa: T201


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("legs", "abstention", "sentences"), action="append")
    args = parser.parse_args(argv)
    parts = args.part or ["legs", "abstention", "sentences"]
    from assistant.services import build_services

    services = build_services(Settings())
    studies: dict[str, Callable[[], None]] = {"legs": lambda: legs_study(services.retriever)}
    if {"abstention", "sentences"} & set(parts):
        cases = _cases(services)
        studies["abstention"] = lambda: abstention_study(services, cases)
        studies["sentences"] = lambda: sentences_study(services, cases)
    for part in parts:
        print(f"## {part}")  # noqa: T201
        studies[part]()


if __name__ == "__main__":
    main()
