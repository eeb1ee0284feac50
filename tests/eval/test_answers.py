"""Citation checks, abstention and scripted conversations, on small hand-made replies (plumbing: no model).

Quality claims about the real assistant are made by the gate (test_gate.py), not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.context import ChatContext
from eval.answers import (
    CitationChecker,
    anchor_spans,
    cited_claims,
    cites_passage,
    evaluate_abstention,
    evaluate_answers,
)
from eval.conversation import run_script
from eval.datasets import ChatScript
from retriever.bilingual import GlossaryEntry, Lexicon
from retriever.types import Citation, Document

TEXT = "城市韧性行动规划流程需要 3-4 个月，分为四个阶段。与员工和市议会一同举办讲座。"
DOC = Document(doc_id="d1", source="doc.zh.txt", title="Doc", lang="zh", text=TEXT, content_hash="h")


def cite(n: int, quote: str, *, start: int | None = None) -> Citation:
    s = TEXT.find(quote) if start is None else start
    return Citation(n, "d1", "doc.zh.txt", "Doc", (), None, s, s + len(quote), quote, "zh")


def checker(lexicon: Lexicon | None = None) -> CitationChecker:
    return CitationChecker({"d1": DOC}, lexicon)


def test_a_citation_near_any_occurrence_of_an_anchor_cites_the_passage() -> None:
    filler = "。" * 400
    text = "纵向联系很重要" + filler + "纵向联系很重要"
    doc = Document(doc_id="d2", source="two.zh.txt", title="Two", lang="zh", text=text, content_hash="h2")
    spans = anchor_spans(doc, ["纵向联系", "未出现"])
    assert spans == [(0, 4), (407, 411)]  # both occurrences; an anchor found nowhere adds none
    assert anchor_spans(doc, ["纵向 联系"]) == spans  # whitespace-tolerant, every occurrence too
    second = Citation(1, "d2", "two.zh.txt", "Two", (), None, 407, 414, "纵向联系很重要", "zh")
    assert cites_passage([second], "two.zh.txt", spans)
    assert not cites_passage([second], "two.zh.txt", spans[:1])


def test_claims_are_the_text_each_marker_closes() -> None:
    answer = "According to the documents:\n1. 第一句。 [1]\n✓ Label two [2][3]\nno marker here"
    assert cited_claims(answer) == [("第一句。", 1), ("Label two", 2), ("Label two", 3)]


def test_reference_marks_of_a_quoted_paper_are_not_markers() -> None:
    answer = "The study^[4] splits it into six subsystems^{[24][25]}, see [12]~[14]. [1]"
    assert [n for _, n in cited_claims(answer)] == [1]


def test_a_quoted_sentence_with_a_verbatim_citation_is_supported() -> None:
    quote = "城市韧性行动规划流程需要 3-4 个月，分为四个阶段。"
    result = checker().check(f"文件中写道：\n{quote} [1]", [cite(1, quote)])
    assert result["markers"] == 1 and result["supported"] == 1 and result["citation_precision"] == 1.0


def test_wrong_offsets_a_missing_citation_and_an_unrelated_sentence_are_not() -> None:
    quote = "城市韧性行动规划流程需要 3-4 个月，分为四个阶段。"
    shifted = cite(1, quote, start=1)
    result = checker().check(
        f"{quote} [1]\n完全无关的句子，谈论天气和足球比赛。 [2]\n{quote} [3]", [shifted, cite(2, quote)]
    )
    assert result["markers"] == 3 and result["supported"] == 0 and result["verbatim"] == 1
    reasons = sorted(f["reason"] for f in result["failures"])
    assert reasons == ["claim_does_not_carry_quote", "no_such_citation", "not_verbatim"]


def test_a_sentence_in_another_language_is_compared_through_the_lexicon() -> None:
    lexicon = Lexicon(
        [GlossaryEntry(("讲座",), ("lecture", "lectures"), "drr"), GlossaryEntry(("市议会",), ("city council",), "drr"),
         GlossaryEntry(("员工",), ("staff",), "general")],
        cedict=False,
    )  # fmt: skip
    quote = "与员工和市议会一同举办讲座。"
    answer = "✓ Lectures with staff and the city council (Q2) [1]\n✗ Public awareness campaigns [2]"
    result = checker(lexicon).check(answer, [cite(1, quote), cite(2, quote)])
    assert result["supported"] == 1 and result["failures"][0]["n"] == 2


@dataclass
class Reply:
    answer: str
    intent: str
    citations: list[Citation] = field(default_factory=list)
    recommendations: list[Any] = field(default_factory=list)
    stage: Any = None
    record: Any = None
    context: ChatContext = field(default_factory=ChatContext)
    grounded: bool = True


class ScriptedAssistant:
    """Answers by the last message: a few canned replies; a stage dialogue asking Q2 then Q3."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[Any], dict | None]] = []

    def reply(self, messages, *, lang=None, context=None):  # noqa: ANN001 - the Assistant's signature
        self.calls.append((list(messages), context))
        text = messages[-1].content
        quote = "城市韧性行动规划流程需要 3-4 个月，分为四个阶段。"
        if "weather" in text:
            return Reply("I can only answer from the documents.", "out_of_scope", grounded=False)
        if "stage" in text:
            return Reply("Q2?", "stage", context=ChatContext(pending_question=2), stage=Stage("undecided"))
        if context and context.pending_question == 2:
            return Reply("Q3?", "stage", context=ChatContext(pending_question=3), stage=Stage("undecided"))
        if context and context.pending_question == 3:
            return Reply(f"Stage B\n{quote} [1]", "stage", [cite(1, quote)], stage=Stage("B"))
        return Reply(f"{quote} [1]", "question", [cite(1, quote)])


@dataclass
class Stage:
    stage: str


@dataclass(frozen=True)
class Msg:
    role: str
    content: str


def test_answers_and_abstention_rows() -> None:
    a = ScriptedAssistant()
    rows = evaluate_answers(
        a, checker(), [{"id": "q1", "lang": "en", "question": "How long?", "doc": "doc.zh.txt",
                        "anchors": ["需要 3-4 个月"]}], Msg,
    )  # fmt: skip
    assert rows[0]["answered"] and rows[0]["cites_gold"] and rows[0]["citation_precision"] == 1.0
    out = evaluate_abstention(a, checker(), [{"id": "o1", "lang": "en", "question": "weather?"},
                                             {"id": "o2", "lang": "en", "question": "How long?"}], Msg)  # fmt: skip
    assert [r["correct"] for r in out] == [True, False] and [r["declined"] for r in out] == [True, False]


def test_a_follow_up_is_asked_after_its_first_message_with_the_context_it_returned() -> None:
    a = ScriptedAssistant()
    item = {"id": "f1", "lang": "en", "first": "which stage?", "question": "How long?", "doc": "doc.zh.txt",
            "anchors": ["需要 3-4 个月"]}  # fmt: skip
    (row,) = evaluate_answers(a, checker(), [item], Msg)
    assert row["question"] == "How long?" and row["n_citations"] == 0  # the script asks Q3 while Q2 is pending
    (_, first_ctx), (messages, ctx) = a.calls
    assert first_ctx is None and ctx == ChatContext(pending_question=2)  # the first reply's context goes back
    assert [m.role for m in messages] == ["user", "assistant", "user"] and messages[1].content == "Q2?"


def test_a_survey_answers_each_pending_question_from_the_script() -> None:
    script = ChatScript.model_validate(
        {"id": "c", "lang": "zh", "turns": [
            {"user": "which stage?", "expect": {"intent": "stage", "stage": "undecided"}},
            {"survey": [False, True, False] + [False] * 12, "expect": {"intent": "stage", "stage": "B", "cited": True}},
            {"survey": [True] * 15, "expect": {"stage": "B"}},
        ]}
    )  # fmt: skip
    a = ScriptedAssistant()
    result = run_script(a, checker(), script, Msg)
    assert result["ok"], result["turns"]
    assert [m[-1].content for m, _ in a.calls] == ["which stage?", "是", "否"]  # Q2 yes, Q3 no, in Chinese
    assert result["n_replies"] == 3 and result["intent_ok"] == result["intent_checks"] == 3
    assert a.calls[1][1] == ChatContext(pending_question=2)  # the context of the previous reply goes back


def test_failed_expectations_are_reported_per_turn() -> None:
    script = ChatScript.model_validate(
        {"id": "c", "lang": "en", "turns": [{"user": "hello", "expect": {"intent": "greeting", "cited": False}}]}
    )
    result = run_script(ScriptedAssistant(), checker(), script, Msg)
    assert not result["ok"]
    assert [(c["check"], c["ok"]) for c in result["turns"][0]["checks"]] == [("intent", False), ("cited", False)]
