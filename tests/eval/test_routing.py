"""The routing scorer: each message's route against the intents a reader of the policy accepts."""

from __future__ import annotations

from eval.routing import evaluate_routing


class _Names:
    def mention(self, text: str) -> tuple[str, str] | None:
        return ("B.2", "CityRAP") if "cityrap" in text.casefold() else None

    def areas(self, text: str) -> tuple[int, ...]:
        return ()


def test_each_message_gets_its_route_and_is_ok_only_when_the_intent_is_accepted() -> None:
    items = [
        {"id": "r1", "lang": "en", "text": "How long does the CityRAP process take?", "intent": "question"},
        {"id": "r2", "lang": "en", "text": "CityRAP", "intent": "question", "hard": True},
        {"id": "r3", "lang": "zh", "text": "CityRAP", "intent": "question", "accept": ["question", "lookup"]},
        {"id": "r4", "lang": "zh", "text": "有什么工具适合我们做风险评估？", "intent": "recommend"},
    ]
    rows = {r["id"]: r for r in evaluate_routing(_Names(), items)}
    assert rows["r1"]["ok"] and rows["r1"]["route"] == "fact"
    assert rows["r2"]["intent"] == "lookup" and not rows["r2"]["ok"] and rows["r2"]["hard"]
    assert rows["r3"]["ok"]
    assert rows["r4"]["ok"] and rows["r4"]["route"] == "recommend"
