"""Intent routing on single messages: the route the assistant's intent table picks for each message of a routing
set (``eval/datasets/chat/routing.jsonl``) against the intent a reader of the routing policy expects. Model-free
apart from the catalogue names the router sees (``names``: the assistant, whose ``mention`` finds a record named in
a text), so a routing change is measured in seconds, on a tuning split and a held-out split apart."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.context import ChatContext
from assistant.intents import Names, Similar, decide


def evaluate_routing(names: Names, items: Sequence[dict], similar: Similar | None = None) -> list[dict]:
    """One row per message: the route and intent it got, and ``ok`` when the intent is acceptable. ``similar``:
    the vote of known messages, as the service has it (``Assistant.similar``)."""
    out = []
    for item in items:
        decision = decide(item["text"], ChatContext(), names, similar)
        accept = item.get("accept") or [item["intent"]]
        out.append(
            {
                "id": item["id"],
                "lang": item["lang"],
                "hard": bool(item.get("hard")),
                "expected": item["intent"],
                "route": decision.route,
                "intent": decision.intent,
                "evidence": decision.evidence,
                "ok": decision.intent in accept,
            }
        )
    return out
