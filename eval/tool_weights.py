"""The recommender's leg weights, chosen leave-one-set-out over every tuning set with the examples leg in force
(a study; its result is ``assistant.recommend.LEG_WEIGHTS``).

    python -m eval.tool_weights

``eval.tools_fusion`` chose the weights of the dense, lexical and concept legs on two tuning sets before the
examples leg existed; ``eval.tool_examples`` then chose the examples leg's weight with the others fixed. Here the
four weights are chosen together, on every tuning set there is now (those of ``eval.tool_examples`` plus the tune
splits of ``tools/blind7.jsonl`` and ``tools/blind8.jsonl``): each tuning scenario is ranked with the examples of
the other tuning sets (never its own pair), over the grid ``GRID``. The weights with the best mean hit@3 (zh and
en) are chosen; ties (the top of this grid is flat) go to the weights whose zh and en answers agree most often
(same top-1 plus at least 2 of 3 shared), then to the order of the grid. The held-out splits, ``tools/blind9.jsonl``
included, are printed for the weights in force and the chosen ones after the choice, never in it.
"""

from __future__ import annotations

import collections
import itertools

import numpy as np

import assistant.recommend as recommend
import eval.tool_examples as tool_examples
import eval.tools_fusion as tools_fusion
from retriever.settings import Settings

TUNE = {**tool_examples.TUNE, "blind7-tune": ("blind7", "tune"), "blind8-tune": ("blind8", "tune")}
HELDOUT = {
    **tool_examples.HELDOUT,
    "blind7-heldout": ("blind7", "heldout"),
    "blind8-heldout": ("blind8", "heldout"),
    "blind9-heldout": ("blind9", None),
}
LEGS = ("dense", "lexical_en", "concepts", "examples")
GRID = tuple(itertools.product((0.5, 1.0, 1.5, 2.0), (0.5, 0.75, 1.0), (0.25, 0.5, 1.0), (1.0, 1.5, 2.0, 3.0)))

Ranks = dict[str, list[list[int]]]


def _example_ranks(rec: recommend.Recommender, items: list[dict], pool_of: dict[str, list[dict]]) -> Ranks:
    """Each item's examples-leg ranking per view, with the examples of ``pool_of[its set]`` (not its own pair)."""
    out: Ranks = {}
    for item in items:
        pool = [e for e in pool_of[item["set"]] if e["pair"] != item["pair"]]
        vectors = np.stack([e["views"][0][2] for e in pool])
        rows = [e["gold"] for e in pool]
        out[item["id"]] = [recommend.example_ranks(vector, vectors, rows) for _, _, vector in item["views"]]
    return out


def measure(rec: recommend.Recommender, items: list[dict], examples: Ranks, weights: dict[str, float]) -> dict:
    """hit@3 per language and the zh/en agreement of the pairs: (same top-1, >= 2 of 3 shared, identical, pairs)."""
    tops = {}
    for item in items:
        fused: dict[int, float] = collections.defaultdict(float)
        for (legs, view_weight, _), ex in zip(item["views"], examples[item["id"]], strict=True):
            for name, ranks in {**legs, "examples": ex}.items():
                for r, n in enumerate(ranks):
                    fused[n] += view_weight * weights.get(name, 0.0) / (recommend.RRF_K + r + 1)
        tops[item["id"]] = tools_fusion.ordered(rec, item, fused)[:3]
    out: dict = {
        lang: float(np.mean([any(n in i["gold"] for n in tops[i["id"]]) for i in items if i["lang"] == lang]))
        for lang in ("zh", "en")
    }
    pairs: dict[str, dict[str, list[int]]] = collections.defaultdict(dict)
    for item in items:
        pairs[item["pair"]][item["lang"]] = tops[item["id"]]
    both = [p for p in pairs.values() if "zh" in p and "en" in p]
    out["parity"] = (
        sum(p["zh"][:1] == p["en"][:1] for p in both),
        sum(len(set(p["zh"]) & set(p["en"])) >= 2 for p in both),
        sum(set(p["zh"]) == set(p["en"]) for p in both),
        len(both),
    )
    return out


def main() -> None:
    from assistant.services import build_services

    rec = build_services(Settings()).recommender
    tune, heldout = tool_examples.ranked_scenarios(rec, TUNE, HELDOUT)
    examples = [i for i in tune if i["set"] in tool_examples.TUNE and i["gold"]]
    loso = _example_ranks(rec, tune, {name: [e for e in examples if e["set"] != name] for name in TUNE})
    every = _example_ranks(rec, heldout, dict.fromkeys(HELDOUT, examples))
    in_force = tuple(recommend.LEG_WEIGHTS[leg] for leg in LEGS)
    scored = []
    for n, values in enumerate(GRID):
        got = measure(rec, tune, loso, {**recommend.LEG_WEIGHTS, **dict(zip(LEGS, values, strict=True))})
        mean = round((got["zh"] + got["en"]) / 2, 4)
        scored.append(((mean, got["parity"][0] + got["parity"][1], -n), values, got))
    scored.sort(key=lambda s: s[0], reverse=True)
    print(f"| {' / '.join(LEGS)} | LOSO hit@3 zh / en | mean | parity: same top-1, >= 2 shared, identical |")  # noqa: T201
    print("| --- | --- | ---: | --- |")  # noqa: T201
    for key, values, got in [*scored[:10], *(s for s in scored if s[1] == in_force)]:
        mark = " (in force)" if values == in_force else ""
        print(  # noqa: T201
            f"| {values}{mark} | {got['zh']:.3f} / {got['en']:.3f} | {key[0]:.3f} | "
            f"{', '.join(map(str, got['parity'][:3]))} of {got['parity'][3]} |"
        )
    chosen: tuple[float, ...] = scored[0][1]
    print(f"chosen: {chosen}; held out, examples from every tuning set:")  # noqa: T201
    for setting in (in_force, chosen):
        weights = {**recommend.LEG_WEIGHTS, **dict(zip(LEGS, setting, strict=True))}
        for name in HELDOUT:
            got = measure(rec, [i for i in heldout if i["set"] == name], every, weights)
            print(f"  {setting} {name}: hit@3 zh / en {got['zh']:.2f} / {got['en']:.2f}, parity {got['parity']}")  # noqa: T201


if __name__ == "__main__":
    main()
