"""What changed between two eval runs: provenance, settings, metric deltas, and the items that flipped.

An item *passes* by its part's main check (`PASS`): retrieval recall@5 (a relevant chunk in the top 5), tools
hit@3, stages ok, answers cites_gold, abstention correct, parity agreement (stages) or identical top 3
(recommendations), chat conversation ok. A flip is an item present in both runs whose pass changed; retrieval
items whose first relevant rank moved are listed too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PASS: dict[str, Callable[[dict], bool]] = {
    "retrieval": lambda i: i["recall@5"] >= 1.0,
    "tools": lambda i: i["hit@3"] >= 1.0,
    "stages": lambda i: bool(i["ok"]),
    "answers": lambda i: bool(i["cites_gold"]),
    "abstention": lambda i: bool(i["correct"]),
    "parity_stages": lambda i: bool(i["agree"]),
    "parity_recommend": lambda i: i["top3_overlap"] >= 1.0,
    "chat": lambda i: bool(i["ok"]),
}
EPSILON = 1e-9


def _flat(node: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(node, dict):
        return {prefix: node}
    out: dict[str, Any] = {}
    for k, v in node.items():
        out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def compare_runs(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The differences from run ``a`` (before) to run ``b`` (after)."""
    ma, mb = a.get("metrics", {}), b.get("metrics", {})
    metrics = []
    for name in sorted(set(ma) | set(mb)):
        va, vb = ma.get(name), mb.get(name)
        if va is None or vb is None or abs(vb - va) > EPSILON:
            metrics.append({"metric": name, "a": va, "b": vb, "delta": None if va is None or vb is None else vb - va})
    flipped: list[dict[str, Any]] = []
    moved: list[dict[str, Any]] = []
    for part, passes in PASS.items():
        ia = {(i.get("set", ""), i["id"]): i for i in a.get("items", {}).get(part, [])}
        ib = {(i.get("set", ""), i["id"]): i for i in b.get("items", {}).get(part, [])}
        for key in sorted(set(ia) & set(ib)):
            pa, pb = passes(ia[key]), passes(ib[key])
            if pa != pb:
                flipped.append({"part": part, "set": key[0], "id": key[1], "now": "pass" if pb else "fail"})
            if part == "retrieval" and ia[key]["first_relevant_rank"] != ib[key]["first_relevant_rank"]:
                moved.append(
                    {
                        "set": key[0],
                        "id": key[1],
                        "a": ia[key]["first_relevant_rank"],
                        "b": ib[key]["first_relevant_rank"],
                    }
                )
    sa, sb = _flat(a.get("settings", {})), _flat(b.get("settings", {}))
    settings = [
        {"setting": k, "a": sa.get(k), "b": sb.get(k)} for k in sorted(set(sa) | set(sb)) if sa.get(k) != sb.get(k)
    ]
    ca, cb = a.get("index", {}).get("corpus", {}), b.get("index", {}).get("corpus", {})
    corpus = [k for k in sorted(set(ca) | set(cb)) if ca.get(k) != cb.get(k)]
    return {
        "a": _provenance(a),
        "b": _provenance(b),
        "settings": settings,
        "corpus_changed": corpus,
        "metrics": metrics,
        "flipped": flipped,
        "moved": moved,
    }


def _provenance(run: dict[str, Any]) -> dict[str, Any]:
    git = run.get("git", {})
    return {
        "created": run.get("created"),
        "commit": git.get("commit"),
        "dirty": git.get("dirty"),
        "embedder": run.get("embedder", {}).get("id"),
        "index": run.get("index", {}).get("version"),
    }


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


def format_comparison(diff: dict[str, Any], *, all_metrics: bool = False) -> str:
    """A plain-text account of ``diff`` for the terminal."""
    lines = []
    for side in ("a", "b"):
        p = diff[side]
        commit = (p["commit"] or "?")[:12] + (" (dirty)" if p["dirty"] else "")
        lines.append(f"{side}: {p['created']}  commit {commit}  embedder {p['embedder']}  index {p['index']}")
    for s in diff["settings"]:
        lines.append(f"setting {s['setting']}: {s['a']!r} -> {s['b']!r}")
    if diff["corpus_changed"]:
        lines.append("corpus changed: " + ", ".join(diff["corpus_changed"]))
    changed = [m for m in diff["metrics"] if all_metrics or not m["metric"].startswith("latency.")]
    lines.append(f"\nmetrics changed: {len(changed)}" + ("" if all_metrics else " (latency left out; --all shows it)"))
    for m in sorted(changed, key=lambda m: (m["delta"] is None, -abs(m["delta"] or 0), m["metric"])):
        delta = "new/gone" if m["delta"] is None else f"{m['delta']:+.4f}"
        lines.append(f"  {m['metric']:48s} {_num(m['a']):>8s} -> {_num(m['b']):>8s}  {delta}")
    lines.append(f"\nitems flipped: {len(diff['flipped'])}")
    for f in diff["flipped"]:
        lines.append(f"  {f['part']:16s} {f['set']:5s} {f['id']:22s} now {f['now']}")
    if diff["moved"]:
        better = sum(1 for m in diff["moved"] if (m["b"] or 99) < (m["a"] or 99))
        lines.append(f"\nretrieval: first relevant rank moved for {len(diff['moved'])} items ({better} better)")
        for m in diff["moved"]:
            lines.append(f"  {m['set']:5s} {m['id']:22s} {m['a'] or '-'} -> {m['b'] or '-'}")
    return "\n".join(lines)
