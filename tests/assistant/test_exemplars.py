"""Known messages as the intent table's last resort: the vote, the file, and the routes it feeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.chat import Turn
from assistant.context import ChatContext
from assistant.exemplars import EXEMPLARS_FILE, IntentExemplars, load_exemplars
from assistant.intents import decide
from prompts import render
from retriever.embedders import HashingEmbedder
from retriever.errors import InvalidKnowledgeFile
from tests.conftest import KNOWLEDGE

INTENTS = frozenset({"stage", "help", "greeting", "recommend"})


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def _exemplars(k: int = 3, floor: float = 0.5) -> IntentExemplars:
    labels = ("stage", "stage", "question", "help")
    vectors = np.stack([_unit(1, 0, 0), _unit(0.9, 0.1, 0), _unit(0.8, 0.2, 0), _unit(0, 0, 1)])
    return IntentExemplars(labels, vectors, k, floor, INTENTS)


def test_a_majority_of_the_nearest_votes_for_an_intent_it_may_route_to() -> None:
    vote = _exemplars().vote(_unit(1, 0.05, 0))
    assert vote is not None and vote[0] == "stage" and vote[1] > 0.99


def test_no_vote_without_a_majority_below_the_floor_or_for_an_intent_left_to_the_patterns() -> None:
    assert _exemplars(k=1).vote(_unit(0.8, 0.2, 0)) is None  # its nearest is a question: the default route decides
    assert _exemplars(floor=0.9).vote(_unit(0.5, 0.5, 0.7)) is None  # nothing near enough
    split = IntentExemplars(("stage", "help"), np.stack([_unit(1, 0), _unit(0, 1)]), 2, 0.0, INTENTS)
    assert split.vote(_unit(1, 1)) is None  # one each: no majority


def _write(folder: Path, **overrides: object) -> Path:
    data = {"embedder": "hashing", "k": 3, "floor": 0.4, "intents": sorted(INTENTS)}
    data["examples"] = [{"intent": "greeting", "text": "many thanks"}, {"intent": "stage", "text": "how far are we"}]
    data.update(overrides)
    (folder / EXEMPLARS_FILE).write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_the_file_is_used_only_under_the_encoder_it_was_chosen_with(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    assert load_exemplars(tmp_path, embedder) is None  # no file
    loaded = load_exemplars(_write(tmp_path, embedder=embedder.id), embedder)
    assert loaded is not None and loaded.labels == ("greeting", "stage") and loaded.vectors.shape == (2, embedder.dim)
    assert load_exemplars(_write(tmp_path, embedder="use-multilingual-v3:0.2.1"), embedder) is None


@pytest.mark.parametrize("bad", [{"k": 0}, {"k": "seven"}, {"examples": []}, {"examples": [{"intent": "stage"}]}])
def test_a_malformed_file_is_a_knowledge_error(tmp_path: Path, bad: dict) -> None:
    with pytest.raises(InvalidKnowledgeFile):
        load_exemplars(_write(tmp_path, embedder=HashingEmbedder().id, **bad), HashingEmbedder())


def test_the_shipped_file_holds_tuning_messages_of_every_voting_intent() -> None:
    data = json.loads((KNOWLEDGE / EXEMPLARS_FILE).read_text(encoding="utf-8"))
    assert data["embedder"].startswith("use-multilingual-v3") and data["k"] >= 1
    assert set(data["intents"]) <= {e["intent"] for e in data["examples"]}


def test_the_vote_is_asked_only_when_no_pattern_recognised_the_message() -> None:
    asked: list[str] = []

    def similar(text: str) -> tuple[str, float]:
        asked.append(text)
        return ("stage", 0.9)

    assert decide("hello", ChatContext(), similar=similar).route == "greeting"
    assert decide("How many cities joined MCR2030?", ChatContext(), similar=similar).route == "fact"
    # a long question about another city is no intent of the vote's by definition: it is not even embedded
    long = "In the review, which open data initiative did Edmonton propose for its climate adaptation and resilience?"
    assert decide(long, ChatContext(), similar=similar).route == "question"
    assert not asked
    decision = decide("Could you gauge our progress on the resilience journey", ChatContext(), similar=similar)
    assert (decision.route, decision.intent) == ("similar_stage", "stage") and "0.90" in decision.evidence
    assert decide("What does the review say about Bonn?", ChatContext(), similar=lambda t: None).route == "question"


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("多谢啦", "similar_closing"),
        ("Many thanks!", "similar_closing"),
        ("bye bye", "similar_closing"),
        ("下次聊吧", "similar_closing"),  # "回头再聊" is now a closing by the patterns
        ("ok cool, gotta run", "similar_closing"),
        ("早", "similar_greeting"),
        ("hiya, u there?", "similar_greeting"),
        ("yo", "similar_greeting"),
    ],
)
def test_a_message_voted_a_greeting_that_thanks_or_takes_leave_is_a_closing(text: str, route: str) -> None:
    decision = decide(text, ChatContext(), similar=lambda _: ("greeting", 0.7))
    assert (decision.route, decision.intent) == (route, "greeting")


def test_a_request_to_be_told_about_something_is_no_request_for_what_fits() -> None:
    voted = lambda _: ("recommend", 0.8)  # noqa: E731
    for text in ("tell me about the participatory slum upgrading programme", "介绍一下参与式贫民窟改造方案"):
        assert decide(text, ChatContext(), similar=voted).route == "question", text
    # the catalogue's tools for a need are what fits it, asked to be shown
    assert decide("tell me about tools for early warning", ChatContext(), similar=voted).route == "recommend"
    assert decide("介绍一下预警方面的工具", ChatContext(), similar=voted).route == "recommend"
    # our own situation, stated without a question mark, still reaches the recommender by the vote
    assert decide("our drains overflow every monsoon", ChatContext(), similar=voted).route == "similar_recommend"


def test_words_of_thanks_make_no_closing_without_the_vote() -> None:
    # a question that thanks in passing stays a question; only the vote makes a short message a greeting
    assert decide("多谢啦", ChatContext(), similar=lambda _: None).route == "question"
    # a question that thanks in passing is answered, even where the vote takes it for a greeting
    voted = decide("thanks, and how many cities joined MCR2030?", ChatContext(), similar=lambda _: ("greeting", 0.9))
    assert voted.route == "fact"


@pytest.mark.integration
def test_the_service_routes_what_no_pattern_reads_like_the_known_messages(real_assistant) -> None:
    """Messages in our own words (none of them in the exemplars): thanks and a situation with no ask reach their
    intent through the vote; a question for the documents stays one."""
    assert real_assistant.exemplars is not None
    for text, intent in (
        ("多谢啦", "greeting"),
        ("Our city's drainage is ancient and streets turn into rivers each monsoon.", "recommend"),
        ("What does the review say about Bonn?", "question"),
    ):
        decision = decide(text, ChatContext(), real_assistant, real_assistant.similar)
        assert decision.intent == intent, (text, decision)
    thanks = real_assistant.reply([Turn("user", "多谢啦")])
    assert thanks.intent == "greeting" and thanks.route == "similar_closing"
    assert thanks.answer == render("closing", "zh")  # thanks are not greeted back with the introduction


def test_no_held_out_message_is_an_exemplar() -> None:
    """The exemplars are tuning data: no message of a held-out split, of an untouched set or of the development set
    is among them (so the held-out routing figures in docs/eval/routing.md stay untouched)."""
    from eval.datasets import DEV, OWN
    from eval.intent_exemplars import QA_HELD, TOOLS_HELD

    def lines(path: Path) -> list[dict]:
        return (
            [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
            if path.is_file()
            else []
        )

    held: set[str] = set()
    held |= {r["text"] for r in lines(OWN / "chat" / "routing.jsonl") if r["split"] == "heldout"}
    held |= {r["text"] for r in lines(OWN / "chat" / "routing4.jsonl")}
    for name, split in QA_HELD:
        held |= {r["question"] for r in lines(OWN / "qa" / name) if split is None or r.get("split") == split}
    for name, split in TOOLS_HELD:
        held |= {r["scenario"] for r in lines(OWN / "tools" / name) if split is None or r.get("split") == split}
    held |= {r["question"] for r in lines(DEV / "qa.jsonl")} | {r["scenario"] for r in lines(DEV / "tools.jsonl")}
    for name in ("out_of_scope.jsonl", "tune2.jsonl", "blind2.jsonl"):
        held |= {r["question"] for r in lines(OWN / "out_of_scope" / name)}
    data = json.loads((KNOWLEDGE / EXEMPLARS_FILE).read_text(encoding="utf-8"))
    assert len(held) > 500
    assert not held & {e["text"] for e in data["examples"]}
