"""The CI gate: a run fails when a metric falls below its floor in ``eval/floors.json`` (or a latency rises above
its ceiling).

Floors are set just under what the current code measures with the real model (`propose_floors`: the value
rounded down to two decimals, minus ``margin``), never above it, so the gate catches regressions, not noise in
the third decimal. Latency ceilings are deliberately loose (``latency_factor`` times the measured p50) because
CI machines differ: they catch a pathological slowdown, not a few milliseconds. A metric that has a floor but is
missing from the run fails too (a part of the evaluation silently stopped running).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from eval.datasets import ROOT
from retriever.errors import InvalidRequest

FLOORS = ROOT / "eval" / "floors.json"


def load_floors(path: Path = FLOORS) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InvalidRequest(f"cannot read floors {path}: {e}") from e
    if not isinstance(data.get("floors"), dict):
        raise InvalidRequest(f"{path} has no 'floors' object")
    return data


def check_floors(metrics: dict[str, float], floors: dict[str, Any]) -> list[dict[str, Any]]:
    """Every floor the metrics break (``value < floor``), every ceiling they exceed, every gated metric that is
    missing. Empty: the gate passes."""
    failures = []
    for name, floor in sorted(floors.get("floors", {}).items()):
        value = metrics.get(name)
        if value is None or value < floor:
            failures.append({"metric": name, "kind": "floor", "limit": floor, "value": value})
    for name, ceiling in sorted(floors.get("ceilings", {}).items()):
        value = metrics.get(name)
        if value is None or value > ceiling:
            failures.append({"metric": name, "kind": "ceiling", "limit": ceiling, "value": value})
    return failures


def format_failures(failures: list[dict[str, Any]]) -> str:
    if not failures:
        return "gate: all metrics at or above their floors"
    lines = [f"gate: {len(failures)} metric(s) out of bounds"]
    for f in failures:
        sign = "<" if f["kind"] == "floor" else ">"
        value = "missing" if f["value"] is None else f"{f['value']:.4f}"
        lines.append(f"  {f['metric']:48s} {value} {sign} {f['kind']} {f['limit']}")
    return "\n".join(lines)


def propose_floors(
    run: dict[str, Any], *, margin: float = 0.01, latency_factor: float = 5.0, note: str = ""
) -> dict[str, Any]:
    """floors.json content for ``run``: every quality metric's floor just under its value, loose latency
    ceilings on p50, and what they were measured on."""
    floors = {}
    ceilings = {}
    for name, value in sorted(run["metrics"].items()):
        if name.startswith("latency."):
            if name.endswith(".p50_ms"):
                ceilings[name] = float(math.ceil(value * latency_factor / 10) * 10)
            continue
        floors[name] = round(max(0.0, math.floor(value * 100 + 1e-9) / 100 - margin), 2)
    git = run.get("git", {})
    return {
        "about": "Floors of the eval gate (tests/eval/test_gate.py, `resnav eval gate RUN`): each just under the "
        "value measured with the real model on the commit below; latency ceilings are "
        f"{latency_factor:g} x the measured p50. Regenerate with `resnav eval gate RUN --propose` after an "
        "intended change, never above the measured values.",
        "measured": {
            "created": run.get("created"),
            "commit": git.get("commit"),
            "dirty": git.get("dirty"),
            "embedder": run.get("embedder", {}).get("id"),
            "index": run.get("index", {}).get("version"),
            "note": note,
        },
        "margin": margin,
        "floors": floors,
        "ceilings": ceilings,
    }
