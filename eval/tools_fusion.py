"""The recommender's fusion weights, chosen on tuning scenarios only (a study; its result is LEG_WEIGHTS).

    python -m eval.tools_fusion

Every scenario of ``tools/tools.jsonl`` (ours), ``tools/blind.jsonl`` (blind, split tune / held-out),
``tools/blind2.jsonl`` (blind, tuned on since 2026-12-05) and ``tools/blind3.jsonl`` (blind, held-out) is ranked
once by each leg of :class:`assistant.recommend.Recommender` (both views: the situation and its stated needs);
then every weighting (each leg 0 / 0.5 / 1 / 2, RRF constant 1 / 3 / 10) is scored by hit@3, averaged over the
two languages, on the tuning scenarios (ours, the tune split, blind2); ties go to the weighting whose zh and en
answers agree most often on the tuning pairs. The best is printed with its hit@3 on every
set and split and its zh/en parity (same top-1, at least 2 of 3 shared, identical top-3 sets) beside the weights
in force. The held-out split never takes part in the choice.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

import assistant.recommend as recommend
from eval.datasets import OWN
from eval.knowledge import matches
from retriever.language import normalize_query, script_lang
from retriever.settings import Settings

GRID = (0.0, 0.5, 1.0, 2.0)
# The examples leg is left out: its examples are this study's tuning scenarios, so it would be scored on what it
# was built from; its weight is chosen leave-one-set-out by eval.tool_examples. The rows here hold it at 0.
STUDIED = tuple(name for name in recommend.LEG_WEIGHTS if name != "examples")
RRF_KS = (1, 3, 10)
Weights = dict[str, float]


FILES = ("tools", "blind", "blind2", "blind3")
TUNE = ("own", "blind-tune", "blind2-tune")  # the choice is made on these only
REPORT = ("own", "blind-tune", "blind2-tune", "blind-heldout", "blind3-heldout")


def _scenarios() -> list[dict]:
    out = []
    for name in FILES:
        path = OWN / "tools" / f"{name}.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            item["set"] = "own" if name == "tools" else f"{name}-{item['split']}"
            out.append(item)
    return out


def _rank_legs(rec: recommend.Recommender, items: list[dict], weights: Weights | None = None) -> None:
    """Each item's views (situation, stated needs), each with the rankings of the legs ``weights`` computes (by
    default every studied leg) and the view's vector."""
    weights = weights or {**dict.fromkeys(recommend.LEG_WEIGHTS, 1.0), "examples": 0.0}  # see STUDIED
    for item in items:
        situation = " ".join(item["scenario"].split())
        lang = script_lang(situation)
        item["views"] = []
        for text, weight in recommend.situation_views(situation):
            normalized = normalize_query(text)
            vector = rec.retriever.embedder.embed_query(normalized)
            item["views"].append((rec.legs(text, normalized, vector, lang, weights=weights), weight, vector))


def ordered(rec: recommend.Recommender, item: dict, fused: dict[int, float]) -> list[int]:
    """Records by fused score, those of the item's stage first (as ``Recommender.recommend`` orders them)."""
    stage = item.get("stage")
    return sorted(
        (n for n, s in fused.items() if s > 0),
        key=lambda n: (
            bool(stage and rec.items[n].stages and stage not in rec.items[n].stages),
            -fused[n],
            rec.items[n].id,
        ),
    )


def top3(rec: recommend.Recommender, item: dict, weights: Weights, rrf_k: int) -> list[str]:
    fused: dict[int, float] = defaultdict(float)
    for legs, view_weight, _ in item["views"]:
        for name, ranks in legs.items():
            for r, n in enumerate(ranks):
                fused[n] += view_weight * weights[name] / (rrf_k + r + 1)
    return [rec.items[n].id for n in ordered(rec, item, fused)[:3]]


def hit3(rec: recommend.Recommender, items: Sequence[dict], weights: Weights, rrf_k: int) -> float:
    by_id = {i.id: i for i in rec.items}
    return float(np.mean([any(matches(by_id[r], it) for r in top3(rec, it, weights, rrf_k)) for it in items]))


def parity(
    rec: recommend.Recommender, items: Sequence[dict], weights: Weights, rrf_k: int
) -> tuple[int, int, int, int]:
    pairs: dict[str, dict[str, dict]] = defaultdict(dict)
    for it in items:
        pairs[it["id"].rsplit("-", 1)[0]][it["lang"]] = it
    same1 = two = same = n = 0
    for p in pairs.values():
        if "zh" in p and "en" in p:
            a, b = top3(rec, p["zh"], weights, rrf_k), top3(rec, p["en"], weights, rrf_k)
            n += 1
            same1 += a[:1] == b[:1]
            two += len(set(a) & set(b)) >= 2
            same += set(a) == set(b)
    return same1, two, same, n


def main() -> None:
    from assistant.services import build_services

    rec = build_services(Settings()).recommender
    items = _scenarios()
    _rank_legs(rec, items)
    tune = [i for i in items if i["set"] in TUNE]

    def objective(weights: Weights, rrf_k: int) -> float:
        return float(
            np.mean([hit3(rec, [i for i in tune if i["lang"] == lang], weights, rrf_k) for lang in ("zh", "en")])
        )

    names = list(STUDIED)
    grid = [
        (dict(zip(names, w, strict=True)), k)
        for w in itertools.product(GRID, repeat=len(names))
        if any(w)
        for k in RRF_KS
    ]
    scored = sorted(grid, key=lambda c: -objective(*c))
    top = objective(*scored[0])
    tied = [c for c in scored if objective(*c) >= top - 1e-9]
    # among weightings tied on hit@3, the one whose zh and en answers agree most often (same top-1, then >= 2 of 3)
    best = max(tied, key=lambda c: parity(rec, tune, *c)[:2])
    in_force = {name: recommend.LEG_WEIGHTS[name] for name in STUDIED}
    rows = {"in force (examples leg at 0)": (in_force, recommend.RRF_K), "best on tune": best}
    print(  # noqa: T201
        "| weights | rrf_k | "
        + " | ".join(f"{s} {lang}" for s in REPORT for lang in ("zh", "en"))
        + " | parity tune (top-1, >=2, identical, n) | parity held-out |"
    )
    print("| --- | ---: |" + " ---: |" * (2 * len(REPORT)) + " --- | --- |")  # noqa: T201
    heldout = [i for i in items if i["set"].endswith("heldout")]
    for label, (weights, k) in rows.items():
        cells = [
            f"{hit3(rec, [i for i in items if i['set'] == s and i['lang'] == lang], weights, k):.2f}"
            for s in REPORT
            for lang in ("zh", "en")
        ]
        print(  # noqa: T201
            f"| {label}: {weights} | {k} | "
            + " | ".join(cells)
            + f" | {parity(rec, tune, weights, k)} | {parity(rec, heldout, weights, k)} |"
        )
    print(f"{len(tied)} weightings tie on the tuning hit@3 ({top:.3f}); the tie is broken by tuning parity.")  # noqa: T201


if __name__ == "__main__":
    main()
