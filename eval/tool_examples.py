"""Example situations for the recommender: the tuning scenarios of our gold sets, with the records that fit
them, matched by meaning (a study; ``--write`` puts its result in ``knowledge/tool_examples.json``).

    python -m eval.tool_examples [--write]

The examples are the tuning scenarios, in both languages: ``tools/tools.jsonl`` (ours), the tune split of
``tools/blind.jsonl``, ``tools/blind2.jsonl`` (tuned on since 2026-12-05), ``tools/blind5.jsonl`` (written blind
in session 8 for the records no other example named) and the tune split of ``tools/blind6.jsonl`` (session 10).
Each is stored with the catalogue records that fit it: every record the gold accepts, by
``eval.knowledge.matches``. Held-out scenarios (``blind``'s and ``blind6``'s held-out splits, ``tools/blind3``,
``tools/blind4``) and the development set are never examples.

The study is leave-one-set-out over the tuning sets. Each set is ranked with the examples of the others (never a
scenario's own pair), with the weights in force for the other legs and the examples leg at each weight of
``WEIGHTS`` and each similarity floor of ``FLOORS`` (an example less similar than the floor does not vote). The
pair with the best mean hit@3 (zh and en) is the one to put in ``LEG_WEIGHTS`` and ``EXAMPLE_FLOOR``. The
held-out splits are printed for that pair and for no examples, after the choice, never in it.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

import numpy as np

import assistant.recommend as recommend
import eval.tools_fusion as tools_fusion
from eval.datasets import OWN
from eval.knowledge import matches
from retriever.settings import Settings

WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
FLOORS = (-1.0, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)  # the similarity an example needs to vote (-1: every example)
TUNE = {
    "own": ("tools", None),
    "blind-tune": ("blind", "tune"),
    "blind2": ("blind2", None),
    "blind5": ("blind5", None),
    "blind6-tune": ("blind6", "tune"),
}
HELDOUT = {
    "blind-heldout": ("blind", "heldout"),
    "blind3-heldout": ("blind3", None),
    "blind4-heldout": ("blind4", None),
    "blind6-heldout": ("blind6", "heldout"),
}


def _scenarios(sets: dict[str, tuple[str, str | None]]) -> list[dict]:
    out = []
    for name, (stem, split) in sets.items():
        path = OWN / "tools" / f"{stem}.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if split is None or item.get("split") == split:
                out.append({**item, "set": name, "pair": item["id"].rsplit("-", 1)[0]})
    return out


def ranked_scenarios(
    rec: recommend.Recommender,
    tune_sets: dict[str, tuple[str, str | None]],
    heldout_sets: dict[str, tuple[str, str | None]],
) -> tuple[list[dict], list[dict]]:
    """The tuning and held-out scenarios of the studies, each with its views ranked by every leg in force but the
    examples leg (``tools_fusion._rank_legs``) and its ``gold``: the rows of the records its gold accepts."""
    tune, heldout = _scenarios(tune_sets), _scenarios(heldout_sets)
    tools_fusion._rank_legs(rec, tune + heldout, weights={**recommend.LEG_WEIGHTS, "examples": 0.0})
    for item in tune + heldout:
        item["gold"] = [n for n, r in enumerate(rec.items) if matches(r, item)]
    return tune, heldout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the examples in the knowledge folder")
    args = parser.parse_args()
    from assistant.services import build_services

    settings = Settings()
    rec = build_services(settings).recommender
    tune, heldout = ranked_scenarios(rec, TUNE, HELDOUT)
    for item in tune + heldout:
        item["vec"] = item["views"][0][2]  # the whole situation's vector

    def top3(item: dict, pool: list[dict], weight: float, floor: float) -> list[int]:
        pool = [e for e in pool if e["pair"] != item["pair"] and e["gold"]]
        vectors = np.stack([e["vec"] for e in pool]) if pool else np.zeros((0, 1))
        fused: dict[int, float] = collections.defaultdict(float)
        for legs, view_weight, vector in item["views"]:
            ranked = dict(legs)
            if weight and pool:
                rows = [e["gold"] for e in pool]
                ranked["examples"] = recommend.example_ranks(vector, vectors, rows, floor=floor)
            for name, ranks in ranked.items():
                w = weight if name == "examples" else recommend.LEG_WEIGHTS[name]
                for r, n in enumerate(ranks):
                    fused[n] += view_weight * w / (recommend.RRF_K + r + 1)
        return tools_fusion.ordered(rec, item, fused)[:3]

    def hit3(items: list[dict], pool: list[dict], weight: float, floor: float) -> dict[str, float]:
        out = {}
        for lang in ("zh", "en"):
            its = [i for i in items if i["lang"] == lang]
            out[lang] = float(np.mean([any(n in i["gold"] for n in top3(i, pool, weight, floor)) for i in its]))
        return out

    print("| examples weight | floor | leave-one-set-out hit@3 zh / en | " + " | ".join(TUNE) + " | mean |")  # noqa: T201
    print("| ---: | ---: | --- | " + " | ".join("---:" for _ in TUNE) + " | ---: |")  # noqa: T201
    scores = {}
    for weight, floor in [(0.0, -1.0)] + [(w, f) for w in WEIGHTS if w for f in FLOORS]:
        got: dict[tuple[str, str], float] = collections.defaultdict(float)
        folds = []
        for fold in TUNE:
            pool = [i for i in tune if i["set"] != fold]
            fold_hits = hit3([i for i in tune if i["set"] == fold], pool, weight, floor)
            folds.append((fold_hits["zh"] + fold_hits["en"]) / 2)
            for lang, value in fold_hits.items():
                n = sum(1 for i in tune if i["set"] == fold and i["lang"] == lang)
                got[(lang, "hit")] += value * n
                got[(lang, "n")] += n
        zh, en = got[("zh", "hit")] / got[("zh", "n")], got[("en", "hit")] / got[("en", "n")]
        scores[(weight, floor)] = (zh + en) / 2
        per_fold = " | ".join(f"{x:.3f}" for x in folds)
        print(f"| {weight} | {floor} | {zh:.3f} / {en:.3f} | {per_fold} | {scores[(weight, floor)]:.3f} |")  # noqa: T201
    chosen = max(scores, key=lambda wf: (scores[wf], -wf[0], wf[1]))
    print(f"chosen: weight {chosen[0]}, floor {chosen[1]}; held-out, examples from every tuning set:")  # noqa: T201
    for name in HELDOUT:
        items = [i for i in heldout if i["set"] == name]
        base, best = hit3(items, tune, 0.0, -1.0), hit3(items, tune, *chosen)
        print(f"  {name}: {base['zh']:.2f} / {base['en']:.2f} -> {best['zh']:.2f} / {best['en']:.2f}")  # noqa: T201
    if args.write:
        path = Path(settings.paths.knowledge_dir) / recommend.EXAMPLES_FILE
        data = {
            "about": "Situations whose fitting records are known: the tuning scenarios of our tool gold sets "
            "(eval/datasets/tools: tools.jsonl, the tune splits of blind.jsonl and blind6.jsonl, blind2.jsonl, "
            "blind5.jsonl), "
            "each with the catalogue records its gold accepts. The recommender's 'examples' leg matches a "
            "situation against them by meaning. Written by `python -m eval.tool_examples --write`; "
            "docs/eval/tools-fusion.md has the leave-one-set-out figures that chose its weight and floor. Held-out "
            "scenarios are never here.",
            "examples": [
                {
                    "id": i["id"],
                    "lang": i["lang"],
                    "situation": i["scenario"],
                    "records": [rec.items[n].id for n in i["gold"]],
                }
                for i in tune
                if i["gold"]
            ],
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {len(data['examples'])} examples to {path}")  # noqa: T201


if __name__ == "__main__":
    main()
