"""The weight of a situation's stated needs in recommendation, chosen leave-one-set-out (a study; its result is
``NEED_WEIGHT``).

    python -m eval.tool_needs

A situation votes through every leg twice: as a whole (weight 1) and as what it says it lacks or wants
(``assistant.recommend.stated_needs``, weight ``NEED_WEIGHT``). That weight was set at 1.5 when the recommender was
first written and never measured. Here every tuning scenario of ``eval.tool_examples`` (plus the tune split of
``tools/blind7.jsonl``, session 12) is ranked with the examples of the other tuning sets, as in that study (never a
scenario's own pair), the legs and the examples leg as in force, and the needs view at each weight of ``WEIGHTS``.
The weight with the best mean hit@3 (zh and en) is chosen; ties go to the weight whose zh and en answers agree
most often (same top-1, then at least 2 of 3 shared), then to the smaller weight. The held-out splits are printed
for the weight in force and the chosen one, after the choice, never in it.
"""

from __future__ import annotations

import collections

import numpy as np

import assistant.recommend as recommend
import eval.tool_examples as tool_examples
import eval.tools_fusion as tools_fusion
from retriever.settings import Settings

WEIGHTS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0)
TUNE = {**tool_examples.TUNE, "blind7-tune": ("blind7", "tune")}
HELDOUT = {**tool_examples.HELDOUT, "blind7-heldout": ("blind7", "heldout")}


def main() -> None:
    from assistant.services import build_services

    rec = build_services(Settings()).recommender
    tune, heldout = tool_examples.ranked_scenarios(rec, TUNE, HELDOUT)
    examples = [i for i in tune if i["set"] in tool_examples.TUNE and i["gold"]]

    def top5(item: dict, pool: list[dict], need_weight: float) -> list[int]:
        pool = [e for e in pool if e["pair"] != item["pair"]]
        vectors = np.stack([e["views"][0][2] for e in pool])
        rows = [e["gold"] for e in pool]
        fused: dict[int, float] = collections.defaultdict(float)
        for v, (legs, _, vector) in enumerate(item["views"]):
            view_weight = 1.0 if v == 0 else need_weight
            ranked = {**legs, "examples": recommend.example_ranks(vector, vectors, rows)}
            for name, ranks in ranked.items():
                for r, n in enumerate(ranks):
                    fused[n] += view_weight * recommend.LEG_WEIGHTS[name] / (recommend.RRF_K + r + 1)
        return tools_fusion.ordered(rec, item, fused)[:5]

    def measure(items: list[dict], pool_of: dict[str, list[dict]], need_weight: float) -> dict[str, float]:
        tops = {i["id"]: top5(i, pool_of[i["set"]], need_weight) for i in items}
        out = {
            lang: float(np.mean([any(n in i["gold"] for n in tops[i["id"]][:3]) for i in items if i["lang"] == lang]))
            for lang in ("zh", "en")
        }
        out["recall@5"] = float(np.mean([len(set(tops[i["id"]]) & set(i["gold"])) / len(i["gold"]) for i in items]))
        tops = {k: v[:3] for k, v in tops.items()}
        pairs: dict[str, dict[str, list[int]]] = collections.defaultdict(dict)
        for i in items:
            pairs[i["pair"]][i["lang"]] = tops[i["id"]]
        both = [p for p in pairs.values() if "zh" in p and "en" in p]
        out["pairs"] = len(both)
        out["top1"] = sum(p["zh"][:1] == p["en"][:1] for p in both)
        out["two"] = sum(len(set(p["zh"]) & set(p["en"])) >= 2 for p in both)
        out["same"] = sum(set(p["zh"]) == set(p["en"]) for p in both)
        return out

    loso = {name: [e for e in examples if e["set"] != name] for name in TUNE}
    every = dict.fromkeys(HELDOUT, examples)
    print(  # noqa: T201
        "| needs weight | leave-one-set-out hit@3 zh / en | mean | parity (same top-1, >= 2 shared, identical) "
        "| recall@5 |"
    )
    print("| ---: | --- | ---: | --- | ---: |")  # noqa: T201
    scores = {}
    for w in WEIGHTS:
        got = measure(tune, loso, w)
        scores[w] = ((got["zh"] + got["en"]) / 2, got["top1"], got["two"], -w)
        print(  # noqa: T201
            f"| {w} | {got['zh']:.3f} / {got['en']:.3f} | {scores[w][0]:.3f} | "
            f"{got['top1']}, {got['two']}, {got['same']} of {got['pairs']} | {got['recall@5']:.3f} |"
        )
    chosen = max(scores, key=lambda w: scores[w])
    print(f"chosen: {chosen} (in force: {recommend.NEED_WEIGHT}); held-out, examples from every tuning set:")  # noqa: T201
    for name in HELDOUT:
        items = [i for i in heldout if i["set"] == name]
        a, b = measure(items, every, recommend.NEED_WEIGHT), measure(items, every, chosen)
        print(  # noqa: T201
            f"  {name}: hit@3 zh / en {a['zh']:.2f} / {a['en']:.2f} -> {b['zh']:.2f} / {b['en']:.2f}; parity "
            f"{a['top1']}, {a['two']}, {a['same']} -> {b['top1']}, {b['two']}, {b['same']} of {a['pairs']}; "
            f"recall@5 {a['recall@5']:.3f} -> {b['recall@5']:.3f}"
        )


if __name__ == "__main__":
    main()
