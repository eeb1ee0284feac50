"""zh/en parity of recommendations, summed up per file: ``resnav eval parity [FILE ...]``.

Each line of a file is a pair (``id``, ``stage``, ``zh``, ``en``): the same situation in both languages; a tools
gold file whose ids come in ``-zh``/``-en`` twos gives its pairs too. For each
file: how many pairs get the same top-3 records as a set (``identical_top3``), in the same order
(``same_order``), the same first record (``same_top1``), at least two of three in common (``overlap2``), the mean
top-3 overlap, and the median time of one recommendation. The per-pair rows come from
`eval.parity.evaluate_parity_recommend`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.datasets import ToolItem, load_items, tool_pairs
from eval.metrics import latency_summary
from eval.parity import evaluate_parity_recommend

DEFAULT_FILES = (
    "eval/datasets/parity/recommend.jsonl",
    "eval/datasets/parity/recommend_heldout.jsonl",
    "eval/datasets/tools/tools.jsonl",
    "eval/datasets/tools/blind2.jsonl",
    "eval/datasets/tools/blind3.jsonl",
    "eval/datasets/tools/blind4.jsonl",
    "eval/datasets/tools/blind5.jsonl",
    "eval/datasets/tools/blind6.jsonl",
    "eval/datasets/tools/blind7.jsonl",
    "eval/datasets/tools/blind8.jsonl",
    "eval/datasets/tools/blind9.jsonl",
    "eval/datasets/tools/blind11.jsonl",
    "eval/datasets/tools/blind12.jsonl",
)


def load_pairs(path: Path) -> list[dict]:
    """Pairs from a pairs file, or from a tools file whose scenarios come in zh/en twos (`tool_pairs`)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if lines and "scenario" in json.loads(lines[0]):
        return [p.model_dump() for p in tool_pairs(load_items(path, ToolItem))]
    return [json.loads(line) for line in lines]


def summarize(rows: Sequence[dict], k: int = 3) -> dict[str, Any]:
    """Counts over the rows of `evaluate_parity_recommend` (each with ``zh`` and ``en`` id lists)."""
    n = len(rows)
    same_set = [r for r in rows if set(r["zh"][:k]) == set(r["en"][:k])]
    return {
        "n": n,
        f"identical_top{k}": len(same_set),
        "same_order": sum(r["zh"][:k] == r["en"][:k] for r in rows),
        "same_top1": sum(bool(r["zh"]) and r["zh"][:1] == r["en"][:1] for r in rows),
        "overlap2": sum(len(set(r["zh"][:k]) & set(r["en"][:k])) >= 2 for r in rows),
        f"mean_top{k}_overlap": round(sum(r[f"top{k}_overlap"] for r in rows) / n, 4) if n else 0.0,
        "latency": latency_summary([r["seconds"] for r in rows]),
        "differ": [{"id": r["id"], "zh": r["zh"], "en": r["en"]} for r in rows if r not in same_set],
    }


def run(recommender: Any, files: Sequence[Path], k: int = 3) -> dict[str, dict[str, Any]]:
    return {str(f): summarize(evaluate_parity_recommend(recommender, load_pairs(f), k=k), k) for f in files}


def format_summary(result: dict[str, dict[str, Any]], k: int = 3) -> str:
    lines = []
    for name, s in result.items():
        n = s["n"]
        lines.append(
            f"{name}: identical top-{k} sets {s[f'identical_top{k}']}/{n}, same order {s['same_order']}/{n}, "
            f"same top-1 {s['same_top1']}/{n}, overlap>=2 {s['overlap2']}/{n}, "
            f"mean overlap {s[f'mean_top{k}_overlap']:.2f}, recommend p50 {s['latency'].get('p50_ms', 0):.0f} ms"
        )
        for d in s["differ"]:
            lines.append(f"  {d['id']}: zh {d['zh']}  en {d['en']}")
    return "\n".join(lines)
