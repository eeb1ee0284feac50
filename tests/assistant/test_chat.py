"""The conversation over the real index and model: intents, stage dialogues, follow-ups, grounded citations."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from assistant.chat import Assistant, Turn, as_shown, without_reference_marks
from assistant.context import ChatContext
from assistant.names import abbreviates as _abbreviates
from assistant.names import short_forms as _short_forms
from prompts import render
from retriever.errors import InvalidRequest
from retriever.language import HAN
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

QA = ROOT.parent / "shared" / "eval-dev" / "qa.jsonl"


@pytest.fixture(scope="module")
def assistant(real_assistant) -> Assistant:
    return real_assistant


def say(assistant: Assistant, history: list[str], context: dict | None = None):
    return assistant.reply([Turn("user", m) for m in history], context=context)


def two_turns(assistant: Assistant, first: str, then: str):
    """The replies to ``first`` and then to ``then``, sent as a client does: the conversation so far (the first
    reply cut to fit a message) and the context the first reply returned."""
    opened = assistant.reply([Turn("user", first)])
    reply = assistant.reply(
        [Turn("user", first), Turn("assistant", opened.answer[:1900]), Turn("user", then)], context=opened.context
    )
    return opened, reply


def assert_grounded(assistant: Assistant, reply) -> None:
    docs = assistant.retriever.index.documents
    for c in reply.citations:
        assert docs[c.doc_id].text[c.start : c.end] == c.quote, c
        assert f"[{c.n}]" in reply.answer


@pytest.mark.parametrize(
    ("opening", "answers", "lang"),
    [
        ("Which stage of the roadmap are we in?", ["yes", "yes", "yes", "yes", "yes", "yes"], "en"),
        ("我们处于路线图的哪个阶段？", ["是", "是", "是", "是", "是", "是"], "zh"),
    ],
)
def test_stage_dialogue_reaches_a_stage_then_recommends(assistant, opening, answers, lang) -> None:
    reply = say(assistant, [opening])
    assert reply.intent == "stage" and reply.context.pending_question and reply.lang == lang
    history = [opening]
    for answer in answers:
        if not reply.context.pending_question:
            break
        history.append(answer)
        reply = say(assistant, history, reply.context)
    assert reply.stage is not None and reply.stage.stage == "C"
    assert reply.recommendations and all("C" in r.item.stages for r in reply.recommendations)
    assert reply.citations
    assert_grounded(assistant, reply)
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in reply.answer[:40])
    assert (han > 5) == (lang == "zh")


@pytest.mark.parametrize(("opening", "lang"), [("Which stage are we in?", "en"), ("我们处于哪个阶段？", "zh")])
def test_a_survey_question_asked_is_cited_where_the_overview_words_it(assistant, opening: str, lang: str) -> None:
    """The question the reply asks is the survey's, quoted: its citation is the survey's row for that question in
    the overview (with its rendering for an English reader), and its marker stands after the question."""
    reply = say(assistant, [opening])
    q = reply.context.pending_question
    assert q and len(reply.citations) == 1
    (c,) = reply.citations
    assert c.doc_id and "[1]" in reply.answer
    assert assistant.rules.question(q).passage.quote in c.quote
    assert (c.rendering is not None) == (lang == "en")
    assert_grounded(assistant, reply)


DONE_A_TO_B = {
    "zh": "我们市过去一年做了公众宣传，给员工和市议会办过讲座，成立了多部门韧性委员会，正在制定防灾减灾战略。",
    "en": "We ran awareness campaigns this year, held lectures for staff and the city council, set up a multi-sector "
    "resilience committee and are drafting our DRR strategy.",
}


@pytest.mark.parametrize(
    ("lang", "ask", "focus"),
    [
        ("zh", "我们处在哪个阶段？这个阶段的重点是什么？", True),
        ("en", "Which stage are we in, and what does that stage focus on?", True),
        ("zh", "我们处在哪个阶段？", False),
        ("en", "Which stage are we in?", False),
    ],
)
def test_what_the_stage_involves_asked_beside_it_is_quoted_from_the_overview(
    assistant, lang: str, ask: str, focus: bool
) -> None:
    """The stage comes from the rules; what it focuses on, asked beside it, is how the overview describes that stage
    (its sentences cited, rendered for an English reader), and only when asked."""
    reply = say(assistant, [f"{DONE_A_TO_B[lang]}{' ' if lang == 'en' else ''}{ask}"])
    assert reply.stage is not None and reply.stage.stage == "B"
    profile = "韧性路线图的 **B 阶段**侧重于"
    assert any(profile in c.quote for c in reply.citations) is focus
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "Our resilience projects are planned but we lack financing options and suppliers. What tools can help us?",
            "en",
        ),
        ("我们的韧性项目已有实施计划，但缺乏融资方案和供应商，有什么工具能帮我们？", "zh"),
    ],
)
def test_recommendations_for_a_situation_the_documents_speak_to_also_quote_them(assistant, text, lang) -> None:
    """The overview says of such cities that they may have implementation plans and lack only financing options and
    providers: after the records, the sentence that answers the situation, cited, in the reader's language."""
    reply = say(assistant, [text])
    assert reply.intent == "recommend" and reply.recommendations
    last = reply.citations[-1]
    assert "只是缺乏融资方案和供应商" in last.quote
    assert not any(
        r.item.span.doc_id == last.doc_id and r.item.span.start <= last.start < r.item.span.end
        for r in reply.recommendations
    )
    said = reply.answer.strip().splitlines()[-1]
    assert said.startswith("The documents also say:" if lang == "en" else "文件中还写道：") and f"[{last.n}]" in said
    assert_grounded(assistant, reply)


def test_recommendations_add_no_passage_the_records_already_quote_or_none_answers(assistant) -> None:
    reply = say(assistant, ["We need a tool to map informal settlements."])
    assert reply.intent == "recommend" and "The documents also say" not in reply.answer


@pytest.mark.parametrize(
    ("lang", "text", "focus"),
    [
        (
            "en",
            "We drafted a disaster response strategy last year. Which stage might we be in, and what does that "
            "stage focus on?",
            True,
        ),
        ("zh", "我们去年起草了一份灾害应对战略。我们可能处在哪个阶段？这个阶段的重点是什么？", True),
        ("en", "We drafted a disaster response strategy last year. Which stage might we be in?", False),
        ("zh", "我们去年起草了一份灾害应对战略。我们可能处在哪个阶段？", False),
    ],
)
def test_what_stages_focus_on_asked_before_the_rules_can_place_the_city_is_each_stage_as_described(
    assistant, lang: str, text: str, focus: bool
) -> None:
    """Too little said to place the city: the survey asks its next question (the stage is never guessed); asked
    also what the stage focuses on, the reply first shows each stage as the overview describes it (heading, focus,
    the cities in it), cited and rendered for an English reader, and asks the same question last."""
    reply = say(assistant, [text])
    assert reply.intent == "stage" and reply.stage is not None and reply.stage.stage == "undecided"
    q = reply.context.pending_question
    assert q is not None and reply.follow_up
    if focus:  # each stage's heading ("A 阶段：推进城市认知"), in order
        headings = [c.quote[0] for c in reply.citations if re.match(r"[ABC] 阶段：", c.quote)]
        assert headings == ["A", "B", "C"]
        assert any("通常已经拟定了灾害应对战略草案" in c.quote for c in reply.citations)
        assert reply.answer.strip().splitlines()[-1].count(f"[{len(reply.citations)}]") == 1  # the survey, last
    else:
        assert len(reply.citations) == 1
    assert [c.n for c in reply.citations] == list(range(1, len(reply.citations) + 1))
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    "question",
    [
        "Future climate is not like the past, so cities must get projections from universities and scientists: which "
        "MCR2030 thematic area says so, and what tools does it list?",
        "未来气候和过去不一样，城市得请高校和科学家提供气候预测——这是 MCR2030 哪个专题领域讲的？列了哪些工具？",
    ],
)
def test_which_thematic_area_is_answered_from_the_area_that_says_it(assistant, question: str) -> None:
    """The answer stands under the heading of the area whose passages hold the question (area 8), from the
    overview's own text, not from a catalogue service on climate planning, and never as a recommendation."""
    reply = say(assistant, [question])
    assert reply.intent == "question"
    assert reply.citations and "专题领域 8" in reply.citations[0].quote
    assert all(c.source.startswith("mcr2030-overview") for c in reply.citations)
    assert_grounded(assistant, reply)


def test_which_thematic_area_below_the_threshold_is_the_closest_area_labelled(assistant) -> None:
    """A question asking which thematic area says something, in words no curated question is near, is not refused:
    the area holding most of it is shown, labelled as no direct answer (area 9, 确保包容性)."""
    reply = say(
        assistant,
        [
            "Which MCR2030 thematic area says the poorest suffer most when disasters strike and asks for services "
            "people can reach and afford?"
        ],
    )
    assert reply.grounded and reply.citations and "专题领域 9" in reply.citations[0].quote
    assert reply.answer.startswith(render("doc_intro_indirect_area", "en"))
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    "question",
    [
        "Young people in our poorest district should help design a new park, perhaps by modelling it in a computer "
        "game in 3D. Which UN-Habitat service is made for that, and how long do its workshops take?",
        "我们最穷的街区想让年轻人参与设计一个新公园，也许用三维电脑游戏来建模。人居署哪项服务是为此设计的？讲习班要多久？",
    ],
)
def test_a_service_asked_for_in_words_no_passage_shares_is_recommended(assistant, question: str) -> None:
    """No passage says "computer game" or "3D" as the question does, so no sentence answers it; it asks which
    service fits what it describes, and the records that fit are the answer (B.1, Block by Block), not a refusal."""
    reply = say(assistant, [question])
    assert reply.intent == "recommend" and reply.recommendations[0].item.id == "B.1"
    assert_grounded(assistant, reply)


def test_stage_dialogue_never_asks_the_same_question_twice(assistant) -> None:
    reply = say(assistant, ["Which stage are we in?"])
    asked = []
    history = ["Which stage are we in?"]
    for answer in ["yes", "yes", "no", "yes", "no", "no", "no"]:
        q = reply.context.pending_question
        if not q:
            break
        assert q not in asked
        asked.append(q)
        history.append(answer)
        reply = say(assistant, history, reply.context)
    assert reply.stage is not None and reply.stage.stage in ("A", "B", "C", "undecided")


def test_english_and_chinese_dialogues_agree(assistant) -> None:
    results = []
    for opening, yes, no in (("Which stage are we in?", "yes", "no"), ("我们处于哪个阶段？", "是", "否")):
        reply = say(assistant, [opening])
        for _ in range(8):
            q = reply.context.pending_question
            if not q:
                break
            reply = say(assistant, [opening, yes if q in (2, 10, 12) else no], reply.context)
        results.append((reply.stage.stage, tuple(r.item.id for r in reply.recommendations)))
    assert results[0][0] == results[1][0]


def test_recommendation_then_follow_ups(assistant) -> None:
    reply = say(assistant, ["We have a draft DRR strategy but no risk assessment: which tool fits?"])
    assert reply.intent == "recommend" and len(reply.recommendations) == 3
    assert_grounded(assistant, reply)
    later = say(assistant, ["...", "and for Stage C?"], reply.context)
    assert later.intent == "recommend" and all("C" in r.item.stages for r in later.recommendations)
    second = later.recommendations[1].item.id
    detail = say(assistant, ["...", "...", "tell me more about the second one"], later.context)
    assert detail.intent == "lookup" and detail.record is not None and detail.record.id == second
    assert_grounded(assistant, detail)


@pytest.mark.parametrize(
    ("question", "stage"),
    [("Which tools suit a city in Stage C?", "C"), ("B 阶段的城市还需要哪些支持和工具？", "B")],
)
def test_a_stage_the_message_names_is_the_stage_recommendations_fit(assistant, question: str, stage: str) -> None:
    """No record listed by MCR2030 for other stages only comes before those that fit the named stage."""
    reply = assistant.reply([Turn("user", question)])
    assert reply.intent == "recommend" and reply.recommendations
    assert all(not r.item.stages or stage in r.item.stages for r in reply.recommendations), [
        (r.item.id, r.item.stages) for r in reply.recommendations
    ]


def test_out_of_scope_is_refused_with_where_to_ask_and_no_citations(assistant) -> None:
    for question in ("What is the weather in Nairobi?", "今天内罗毕的天气怎么样？"):
        reply = say(assistant, [question])
        assert reply.intent == "out_of_scope" and not reply.citations and not reply.grounded
        assert "mcr2030-global@un.org" in reply.answer and len(reply.answer) < 600


def test_a_question_about_a_near_date_is_declined_as_no_dated_document_can_know_it(assistant) -> None:
    for question, words in (
        ("What is Lima's disaster management budget for next year?", "published at fixed dates"),
        ("深圳市明年的防灾减灾预算是多少？", "固定日期发布"),
    ):
        reply = say(assistant, [question])
        assert reply.route == "dated" and reply.intent == "question"
        assert not reply.citations and not reply.grounded
        assert words in reply.answer and "mcr2030-global@un.org" in reply.answer
    # outside the domain it is out of scope, as without the date
    assert say(assistant, ["Will it rain in Geneva tomorrow?"]).intent == "out_of_scope"
    # a date outside the sentence that asks leaves the question to the documents
    reply = say(assistant, ["CityRAP 从启动到出成果一般要多长时间？局里要排明年的工作计划"])
    assert reply.grounded and any("3-4 个月" in c.quote for c in reply.citations)


def test_a_tool_listed_by_name_only_is_described_by_our_labelled_note_in_either_language(assistant) -> None:
    for question, label in (
        ("城市抗灾能力记分卡是什么？", "整理说明，非文件原文"),
        ("What is the Disaster Resilience Scorecard for Cities?", "Curated note, not from the documents"),
    ):
        reply = say(assistant, [question])
        assert reply.intent == "lookup" and reply.record is not None
        assert label in reply.answer and "UNDRR" in reply.answer


def test_our_own_opinion_or_forecast_is_not_given(assistant) -> None:
    for question, words in (
        ("Predict how many cities will reach Stage C of the MCR2030 roadmap by 2030.", "no view or forecast"),
        ("你个人觉得 MCR2030 到 2030 年底能不能实现它的目标？给个判断。", "没有给出看法或预测"),
    ):
        reply = say(assistant, [question])
        assert reply.route == "opinion" and not reply.citations and not reply.grounded
        assert words in reply.answer and "mcr2030-global@un.org" in reply.answer


def test_weak_evidence_is_shown_as_what_comes_closest_not_as_the_answer(assistant) -> None:
    """Evidence above the abstention threshold but below ``Abstention.hedge`` gets an intro saying the documents may
    not answer directly; evidence at or above it does not (the calibration is in docs/eval/answers.md)."""
    question = "How long does the CityRAP process take?"
    kept = assistant.abstention
    try:
        for hedge, lang_question, hedged in (
            (99.0, question, True),
            (99.0, "CityRAP 的流程需要多长时间？", True),
            (kept.threshold, question, False),
        ):
            assistant.abstention = replace(kept, hedge=hedge)
            reply = say(assistant, [lang_question])
            assert reply.citations
            assert ("may not answer this directly" in reply.answer or "可能没有直接回答" in reply.answer) == hedged
    finally:
        assistant.abstention = kept
    assert kept.threshold < kept.hedge


def test_document_question_cites_the_source_language(assistant) -> None:
    reply = say(assistant, ["How long does the CityRAP process take?"])
    assert reply.intent == "question" and reply.citations
    assert any("3-4 个月" in c.quote for c in reply.citations)
    assert "Chinese" in reply.answer
    assert_grounded(assistant, reply)


def test_a_page_break_inside_a_quoted_sentence_is_shown_as_a_space() -> None:
    assert as_shown("The journey unfolds in three\n\nphases of global commitment^[4].") == (
        "The journey unfolds in three phases of global commitment."
    )


def test_a_table_row_is_shown_as_its_cells_without_the_marks_it_ticks() -> None:
    row = "Stuttgart, Germany: introduced tax incentives for green roofs\t√\t\t√\t\t"
    assert as_shown(row) == "Stuttgart, Germany: introduced tax incentives for green roofs"
    assert as_shown("\tSocial resilience\tInclusive social governance;") == (
        "Social resilience | Inclusive social governance;"
    )
    # emphasis the extraction left inside a row is no text of it (the citation's quote keeps it)
    assert as_shown("年度费用共计</b>\t<b>400 000 美元") == "年度费用共计 | 400 000 美元"
    assert as_shown("#### 年度核心费用——模式 2") == "年度核心费用——模式 2"  # a heading without its marks


def test_an_emphasis_cut_by_a_sentence_boundary_leaves_no_stray_marks() -> None:
    assert as_shown("** UCLG Learning 提供一系列工具和培训方案。") == "UCLG Learning 提供一系列工具和培训方案。"
    assert as_shown("- **私营部门尽早加入：**在建立韧性的过程中") == "- 私营部门尽早加入：在建立韧性的过程中"
    assert as_shown("标准：\t1. 制定战略") == "标准： | 1. 制定战略"


def test_a_sources_reference_marks_never_read_as_our_citation_markers(assistant) -> None:
    assert without_reference_marks("stay within thresholds^{[12]~[14]}; and recover^[2].") == (
        "stay within thresholds; and recover."
    )
    assert without_reference_marks("(source: Refs. [3][4][37][38]).") == "(source: Refs. 3, 4, 37, 38)."
    question = "How many climate conventions and initiatives were launched in that decade?"
    reply = assistant.reply([Turn("user", question)])
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", reply.answer)}
    assert reply.citations and markers == set(range(1, len(reply.citations) + 1))


def test_a_bare_yes_with_no_question_open_says_what_can_be_asked(assistant) -> None:
    for text, lang in (("yes", "en"), ("是", "zh"), ("not sure", "en")):
        reply = say(assistant, [text])
        assert (reply.route, reply.answer) == ("no_question", render("no_question", lang)), text
    asked = say(assistant, ["Which stage are we in?"])  # with a question open, the same word answers it
    assert assistant.reply([Turn("user", "yes")], context=asked.context).route == "stage_answer"


def test_starting_over_forgets_the_citys_answers(assistant) -> None:
    first = say(assistant, ["我们在哪个阶段？"])
    answered = assistant.reply([Turn("user", "我们在哪个阶段？"), Turn("user", "是")], context=first.context)
    assert answered.context.answers  # the survey answer is kept in the context the client echoes back
    for text, lang in (("重新开始", "zh"), ("start over", "en")):
        reply = assistant.reply([Turn("user", text)], context=answered.context)
        assert (reply.route, reply.lang, reply.answer) == ("reset", lang, render("reset", lang))
        assert reply.context == ChatContext()


def test_thanks_and_goodbyes_are_answered_with_a_closing_not_a_greeting(assistant) -> None:
    for text, lang in (("thanks, that helps a lot", "en"), ("好的，谢谢，很有帮助", "zh"), ("先这样，再见", "zh")):
        reply = say(assistant, [text])
        assert reply.intent == "greeting" and reply.answer == render("closing", lang), text
    assert say(assistant, ["hello"]).answer == render("greeting", "en")


def test_greeting_help_lookup_and_bad_input(assistant) -> None:
    assert say(assistant, ["你好"]).intent == "greeting"
    assert say(assistant, ["help"]).intent == "help"
    lookup = say(assistant, ["Tell me about A.3"])
    assert lookup.intent == "lookup" and lookup.record.id == "A.3"
    with pytest.raises(InvalidRequest):
        assistant.reply([])
    with pytest.raises(InvalidRequest):
        say(assistant, ["x" * 2001])


@pytest.mark.skipif(not QA.is_file(), reason="the dev gold set lives in ../shared/eval-dev")
def test_every_citation_is_verbatim_at_its_offsets_for_every_dev_question(assistant) -> None:
    questions = [json.loads(line)["question"] for line in QA.read_text(encoding="utf-8").splitlines() if line]
    cited = 0
    for q in questions:
        reply = say(assistant, [q])
        assert_grounded(assistant, reply)
        cited += len(reply.citations)
    assert cited >= len(questions)  # the answers do cite


# -- the optional LLM path, against the scripted OpenAI-compatible stub ----------------------------------------
llm_module = pytest.importorskip("assistant.llm")
from tests.llm_stub import Stub  # noqa: E402


@pytest.fixture
def llm_assistant(assistant: Assistant, stub: Stub) -> Assistant:
    llm = llm_module.OpenAICompatibleLLM(stub.url, "stub-model", timeout_s=5.0)
    return Assistant(assistant.retriever, assistant.recommender, assistant.rules, llm=llm)


def test_llm_answer_cites_passages_and_stages_still_come_from_rules(llm_assistant, stub: Stub) -> None:
    stub.reply = "CityRAP takes three to four months [1]."
    reply = say(llm_assistant, ["How long does the CityRAP process take?"])
    assert reply.answer.startswith("CityRAP takes") and [c.n for c in reply.citations] == [1]
    assert_grounded(llm_assistant, reply)
    sent = stub.requests[-1]["body"]["messages"]
    assert sent[0]["role"] == "system" and "<passage" in sent[-1]["content"]
    stub.reply = "You are in Stage C [1]."
    stage = say(llm_assistant, ["Which stage are we in?"])
    assert stage.intent == "stage" and "Stage C [1]" not in stage.answer  # rules, not the model


def test_llm_failure_or_uncited_answer_falls_back_to_extractive(llm_assistant, stub: Stub) -> None:
    stub.reply = "It takes a while."  # cites nothing
    reply = say(llm_assistant, ["How long does the CityRAP process take?"])
    assert any("3-4 个月" in c.quote for c in reply.citations)
    stub.status = 500
    reply = say(llm_assistant, ["How long does the CityRAP process take?"])
    assert any("3-4 个月" in c.quote for c in reply.citations)


def test_llm_echo_of_the_system_prompt_is_never_shown(llm_assistant, stub: Stub) -> None:
    stub.reply = lambda body: body["messages"][0]["content"] + " [1]"
    reply = say(llm_assistant, ["How long does the CityRAP process take?"])
    assert body_fragment(stub) not in reply.answer


def body_fragment(stub: Stub) -> str:
    return stub.requests[-1]["body"]["messages"][0]["content"][:60]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which flagship programme deals with informal settlements?", "flagship"),
        ("哪个旗舰项目是关于非正规住区的？", "flagship"),
        ("Which UN-Habitat service can help us update our master plan?", "unhabitat_service"),
        ("人居署有什么服务可以帮我们更新总体规划？", "unhabitat_service"),
    ],
)
def test_a_request_for_a_kind_of_record_gets_only_that_kind(assistant, question, kind) -> None:
    reply = say(assistant, [question])
    assert reply.intent == "recommend" and reply.recommendations
    assert {r.item.kind for r in reply.recommendations} == {kind}


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [
        ("What is the Rapid Planning Studio?", "How many days does it take?"),
        ("快速规划工作室是什么？", "它需要几天？"),
        # Chinese drops the pronoun: a question that asks only for an attribute asks about the same record
        ("快速规划工作室是什么？", "需要几天？"),
        ("What is the Rapid Planning Studio?", "How many days?"),
    ],
)
def test_a_follow_up_that_says_it_is_about_the_record_of_the_last_reply(assistant, first, follow_up) -> None:
    """A follow-up's "it" is the record the last reply was about (``last_record`` in the context the client
    echoes): the follow-up is answered from that record's passages."""
    lookup = assistant.reply([Turn("user", first)])
    assert lookup.record is not None and lookup.context.last_record == lookup.record.id == "D.2"
    reply = assistant.reply(
        [Turn("user", first), Turn("assistant", lookup.answer), Turn("user", follow_up)], context=lookup.context
    )
    assert reply.record is not None and reply.record.id == "D.2"
    assert any("三天" in c.quote for c in reply.citations)
    assert_grounded(assistant, reply)
    # without the context, or with an id we do not hold, "it" points at nothing
    alone = assistant.reply([Turn("user", follow_up)])
    assert alone.record is None and alone.context.last_record is None
    unknown = assistant.reply([Turn("user", follow_up)], context={"last_record": "Z.9"})
    assert unknown.record is None


def test_a_question_about_a_record_is_not_answered_from_another_records_text(assistant) -> None:
    """ "How long does it take?" after "What is CityRAP?": the duration of CityRAP, not that of another service
    (the Urban Inclusion Marker's months were shown beside it)."""
    first = "What is CityRAP?"
    lookup = assistant.reply([Turn("user", first)])
    reply = assistant.reply(
        [Turn("user", first), Turn("assistant", lookup.answer), Turn("user", "How long does it take?")],
        context=lookup.context,
    )
    assert reply.record is not None and reply.record.id == "B.2"
    assert any("3-4 个月" in c.quote for c in reply.citations)
    others = [
        i
        for i in assistant.recommender.items
        if i.id != "B.2" and not any(n in i.span.quote for n in ("CityRAP", "城市韧性行动规划"))
    ]
    for c in reply.citations:
        assert not any(i.span.doc_id == c.doc_id and i.span.start <= c.start < i.span.end for i in others), c.quote
    assert_grounded(assistant, reply)


@pytest.mark.parametrize("question", ["Can you recommend a good movie for tonight?", "推荐几本适合孩子的童话书"])
def test_recommendation_outside_the_domain_is_refused(assistant, question) -> None:
    reply = say(assistant, [question])
    assert reply.intent == "out_of_scope" and not reply.recommendations and not reply.citations


def test_named_record_questions_route_to_lookup_or_facts(assistant) -> None:
    assert say(assistant, ["What does the Quick Risk Estimation tool do?"]).intent == "lookup"
    fact = say(assistant, ["快速规划工作室需要几天？"])
    assert fact.intent == "question" and fact.citations
    assert_grounded(assistant, fact)


@pytest.mark.parametrize(
    ("question", "lang", "record", "named"),
    [
        ("What is the MCR2030 Dashboard?", "en", "mcr-dashboard", "MCR2030 仪表盘，这是一个在线交互式工具"),
        ("MCR2030 仪表盘是什么？", "zh", "mcr-dashboard", "MCR2030 仪表盘，这是一个在线交互式工具"),
        # the source marks the name up ("[PreventionWeb](#)"): the sentence is still found and quoted
        ("What is PreventionWeb?", "en", "mcr-preventionweb", "PreventionWeb"),
        ("“阶段评估”调查是什么？", "zh", "mcr-stage-assessment-survey", "需要完成“阶段评估”调查"),
    ],
)
def test_a_lookup_quotes_the_sentence_that_names_the_tool(assistant, question, lang, record, named) -> None:
    """A tool's passage in the MCR2030 overview may open with something else ("MCR2030 provides a three-stage
    roadmap…"): the lookup quotes the sentence naming the tool, found in the source even where it is marked up."""
    reply = say(assistant, [question])
    assert reply.intent == "lookup" and reply.record is not None and reply.record.id == record
    assert len(reply.citations) == 1 and named in reply.citations[0].quote and reply.lang == lang
    assert "**" not in reply.answer
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("question", "lang", "fact"),
    [
        ("城市从 B 阶段进入 C 阶段要满足哪些标准？", "zh", "由管理机构（如市议会）批准或提交，以备实施"),
        (
            "What criteria must a city meet to move from Stage B to Stage C?",
            "en",
            "由管理机构（如市议会）批准或提交，以备实施",
        ),
        ("What does a city need to do to reach Stage B?", "en", "成立多部门韧性能力建设委员会"),
    ],
)
def test_criteria_questions_are_answered_from_the_roadmap_rules(assistant, question, lang, fact) -> None:
    reply = assistant.reply([Turn("user", question)])
    assert (reply.route, reply.intent, reply.lang) == ("criteria", "question", lang)
    docs = assistant.retriever.index.documents
    assert reply.citations and all(docs[c.doc_id].text[c.start : c.end] == c.quote for c in reply.citations)
    assert any(fact in c.quote for c in reply.citations)
    if lang == "en":  # the criterion in English, from the document's rendering, the original one click away
        assert all(c.rendering is not None and c.rendering.lang == "en" for c in reply.citations)
        assert not HAN.search(reply.answer)


def test_a_reply_never_shows_the_same_sentence_twice(assistant) -> None:
    """The overview says when MCR2030 runs in two places, and one of them twice in its FAQ, rendered alike: an
    English reply showed "MCR2030 was launched in October 2020 …" as [1] and [3]."""
    for question in ("When does MCR2030 end?", "MCR2030 什么时候结束？"):
        reply = assistant.reply([Turn("user", question)])
        shown = [" ".join((c.rendering.text if c.rendering else c.quote).split()) for c in reply.citations]
        assert reply.citations and len(shown) == len(set(shown)), shown


@pytest.mark.parametrize(("question", "lang"), [("What are the 12 thematic areas?", "en"), ("专题领域有哪些？", "zh")])
def test_the_thematic_areas_are_listed_from_the_roadmap_rules(assistant, question, lang) -> None:
    reply = assistant.reply([Turn("user", question)])
    assert (reply.route, reply.intent, len(reply.citations)) == ("areas", "question", 12)
    assert_grounded(assistant, reply)
    assert "专题领域 7：采用基于自然的解决方案" in [c.quote for c in reply.citations]
    if lang == "en":
        assert all(c.rendering is not None for c in reply.citations) and not HAN.search(reply.answer)


@pytest.mark.parametrize(
    ("question", "lang", "ids", "heading"),
    [
        ("What are UN-Habitat's flagship programmes?", "en", [f"flagship-{n}" for n in range(1, 6)], None),
        ("人居署的旗舰计划有哪些？", "zh", [f"flagship-{n}" for n in range(1, 6)], None),
        ("What services are in section E?", "en", [f"E.{n}" for n in range(1, 6)], "E. 土地、住房和居所"),
        ("K部分的服务有哪些", "zh", ["K.1", "K.2"], "K. 创新"),
    ],
)
def test_the_catalogues_own_lists_are_its_records_headings(assistant, question, lang, ids, heading) -> None:
    """Each record by its heading, in the catalogue's order; a section's listing also cites the section's own
    heading for the title its first line gives it (our English title is a rendering of that heading)."""
    reply = assistant.reply([Turn("user", question)])
    assert (reply.route, reply.lang, len(reply.citations)) == ("listing", lang, len(ids) + bool(heading))
    assert_grounded(assistant, reply)
    records = {i: assistant.recommender.get(i) for i in ids}
    cited = reply.citations
    if heading is not None:
        assert cited[0].quote == heading and "[1]" in reply.answer.splitlines()[0]
        cited = cited[1:]
    for c, record_id in zip(cited, ids, strict=True):  # in the catalogue's order, each its own heading
        assert c.start == records[record_id].span.start and "\n" not in c.quote
    if lang == "en":
        assert all(c.rendering is not None for c in reply.citations) and not HAN.search(reply.answer)


@pytest.mark.parametrize(
    ("area", "questions"),
    [
        (5, ("Which tools are listed under thematic area 5?", "专题领域 5 有哪些工具？")),
        (12, ("Show me the tools of thematic area 12.", "专题领域 12 有哪些工具")),  # declined as out of scope before
        (
            5,
            (
                "Which tools does the overview list under the 'access to finance' area?",
                "“增加融资渠道”这个专题领域下面列了哪些工具？",
            ),
        ),
    ],
)
def test_an_areas_tools_are_listed_where_the_overview_lists_them_in_either_language(assistant, area, questions) -> None:
    """The same listings, quoted where the area lists them, in the document's order, for either language; a tool
    two areas list is quoted under the area asked for, and the catalogue records our mapping adds are labelled."""
    listed = sorted((span.start, span.end) for i in assistant.recommender.items for a, span in i.listings if a == area)
    seen = []
    for question, lang in zip(questions, ("en", "zh"), strict=True):
        reply = assistant.reply([Turn("user", question)])
        assert (reply.route, reply.intent, reply.lang) == ("area_listing", "question", lang)
        assert_grounded(assistant, reply)
        seen.append([(c.start, c.end) for c in reply.citations])
        assert render("curated_note", lang, text="").split(":")[0].split("：")[0].strip() in reply.answer
        if lang == "en":
            assert all(c.rendering is not None for c in reply.citations) and not HAN.search(reply.answer)
    assert seen[0] == seen[1] == listed
    if area == 5:
        crp = assistant.recommender.get("mcr-world-bank-city-resilience-program")
        assert dict(crp.listings)[5].start in [s for s, _ in seen[0]]
        assert crp.span.start not in [s for s, _ in seen[0]]  # its area 4 listing


def test_an_area_asked_about_is_its_heading_and_paragraph(assistant) -> None:
    replies = [assistant.reply([Turn("user", q)]) for q in ("What is thematic area 5?", "专题领域 5 是什么？")]
    for reply in replies:
        assert reply.route == "area_about" and len(reply.citations) >= 3
        assert reply.citations[0].quote == "专题领域 5：增加融资渠道"
        assert_grounded(assistant, reply)
    assert [c.quote for c in replies[0].citations] == [c.quote for c in replies[1].citations]
    assert not HAN.search(replies[0].answer)


@pytest.mark.parametrize(
    ("questions", "kind"),
    [
        (("Which UN-Habitat services deal with housing?", "人居署有哪些关于住房的服务？"), "unhabitat_service"),
        (("Which MCR2030 tools are about financing?", "MCR2030 有哪些关于融资的工具？"), "mcr_tool"),
    ],
)
def test_records_asked_for_by_topic_are_the_records_on_it_in_either_language(assistant, questions, kind) -> None:
    """Browsing by topic in chat: the kind named keeps the records to it, the words naming the source do not pull
    records whose names hold them (the MCR2030 Dashboard), and both languages agree on the first."""
    tops = []
    for question, lang in zip(questions, ("en", "zh"), strict=True):
        reply = assistant.reply([Turn("user", question)])
        assert (reply.route, reply.intent, reply.lang) == ("browse", "recommend", lang)
        assert reply.answer.startswith(render("browse_intro", lang, stage_part=""))
        assert reply.recommendations and all(r.item.kind == kind for r in reply.recommendations)
        assert "mcr-dashboard" not in [r.item.id for r in reply.recommendations]
        assert_grounded(assistant, reply)
        tops.append([r.item.id for r in reply.recommendations])
    assert tops[0][0] == tops[1][0] or set(tops[0][:2]) == set(tops[1][:2]), tops


def test_tools_of_an_area_for_the_askers_city_are_what_fits_kept_to_the_area(assistant) -> None:
    reply = assistant.reply(
        [Turn("user", "We need to understand our flood risk. Which tools of thematic area 2 fit us?")]
    )
    assert reply.intent == "recommend" and reply.recommendations
    assert all(2 in r.item.areas for r in reply.recommendations), [r.item.id for r in reply.recommendations]


@pytest.mark.parametrize(
    "question", ["Can you give me the email of the Asia-Pacific secretariat?", "亚太地区秘书处的邮箱是什么？"]
)
def test_an_address_answers_a_question_for_an_email(assistant, question) -> None:
    """A list item that is an e-mail address ("- 亚太地区：mcr2030-ap@un.org") holds what "email" / "邮箱" asks
    for, though it does not say the word; it was refused for want of evidence."""
    reply = assistant.reply([Turn("user", question)])
    assert any("mcr2030-ap@un.org" in c.quote for c in reply.citations)
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("question", "lang", "source", "intro"),
    [
        # since session 19 the curated questions ("What does the report conclude?") lift this one above the
        # threshold: answered directly, from that report
        ("What does the Executive Board report conclude?", "en", "unhabitat-eb-", "doc_intro_rendered"),
        ("这份执行局报告讲的是什么时期的工作？", "zh", "unhabitat-eb-", "doc_intro_indirect_document"),
    ],
)
def test_a_question_pointing_at_one_of_our_documents_is_answered_from_it(
    assistant, question, lang, source, intro
) -> None:
    """A question that points at a document we hold ("the Executive Board report", "这份执行局报告") is answered
    from it; below the evidence threshold with what that document says closest to it, labelled as no direct
    answer, not a refusal."""
    reply = assistant.reply([Turn("user", question)])
    assert reply.citations and reply.lang == lang
    assert all(c.source.startswith(source) for c in reply.citations)
    assert reply.answer.startswith(render(intro, lang))
    assert_grounded(assistant, reply)
    # a report we do not hold is no such pointer: refused as before
    assert not assistant.reply([Turn("user", "What does the IPCC report say about sea-level rise?")]).citations


@pytest.mark.parametrize(
    ("question", "lang", "record"),
    [("Is USCORE2 free?", "en", "mcr-uscore2-peer-review"), ("PASSA 适合谁用？", "zh", "mcr-ifrc-passa")],
)
def test_a_question_naming_a_record_is_never_refused_but_says_when_it_is_not_answered(
    assistant, question, lang, record
) -> None:
    """Below the evidence threshold a question about a named record gets what the documents say of that record,
    labelled as no direct answer (the documents hold the record: there is evidence, only not for this detail); just
    above it (since session 19 the curated questions can lift such evidence there), under the hedge that says the
    documents may not answer it directly."""
    reply = assistant.reply([Turn("user", question)])
    assert reply.record is not None and reply.record.id == record
    assert reply.citations and reply.lang == lang
    item = reply.record
    assert any(
        c.doc_id == item.span.doc_id and c.start < item.span.end and item.span.start < c.end for c in reply.citations
    )
    name = item.name if lang == "zh" else item.name_en
    assert reply.answer.startswith((render("doc_intro_indirect", lang, name=name), render("doc_intro_hedged", lang)))
    assert_grounded(assistant, reply)
    answered = assistant.reply([Turn("user", "How long does CityRAP take?")])  # evidence enough: no such label
    assert answered.citations and render("doc_intro_indirect", "en", name="x").split(";")[0] not in answered.answer


@pytest.mark.parametrize(
    ("question", "lang", "facts"),
    [
        # what two stages are and what it takes to go from one to the other
        (
            "What is the difference between Stage A and Stage B?",
            "en",
            ("A 阶段：推进城市认知", "战略防灾减灾和韧性规划", "公众宣传"),
        ),
        ("A阶段和B阶段有什么区别？", "zh", ("A 阶段：推进城市认知", "战略防灾减灾和韧性规划", "公众宣传")),
        # the stage after B is C, with the step's criteria
        ("Which stage comes after Stage B?", "en", ("C 阶段：推进城市实施", "由管理机构")),
        ("B 阶段之后是哪个阶段？", "zh", ("C 阶段：推进城市实施", "由管理机构")),
        # after the last stage: what the overview says of its end
        ("What happens after a city reaches Stage C?", "en", ("C 阶段侧重于", "推进至C阶段结束")),
        ("B阶段是什么意思？", "zh", ("B 阶段：推进城市规划", "灾害应对战略草案")),
        # the roadmap's stages as a whole: each by its heading and its focus, no criteria
        ("What are the stages of the MCR2030 roadmap?", "en", ("分为三个阶段", "A 阶段：", "C 阶段：推进城市实施")),
        ("韧性路线图分哪几个阶段？", "zh", ("分为三个阶段", "B 阶段：推进城市规划", "C 阶段侧重于")),
    ],
)
def test_questions_about_the_stages_are_answered_from_the_roadmap_rules(assistant, question, lang, facts) -> None:
    reply = assistant.reply([Turn("user", question)])
    assert (reply.route, reply.intent, reply.lang) == ("stage_about", "question", lang)
    assert_grounded(assistant, reply)
    for fact in facts:
        assert any(fact in c.quote for c in reply.citations), fact
    assert [c.n for c in reply.citations] == list(range(1, len(reply.citations) + 1))
    if lang == "en":  # each line in English, from the document's rendering, the original one click away
        assert all(c.rendering is not None and c.rendering.lang == "en" for c in reply.citations)
        assert not HAN.search(reply.answer)
    assert "**" not in reply.answer  # the source's markdown emphasis is not shown


@pytest.mark.parametrize(
    ("text", "record"),
    [
        ("What is CRPT?", "mcr-city-resilience-profiling-tool"),
        ("PASSA 是什么？", "mcr-ifrc-passa"),
        ("Tell me about UNITAC", "K.2"),
        ("EVCA", "mcr-ifrc-evca"),  # not VCA inside it
        ("VCA", "mcr-ifrc-vca"),
        ("what's NISMOD-Int", "mcr-nismod-int"),  # a code name with a mixed-case tail
        ("How do we stop tap water leaks?", None),  # an acronym is a word in capitals
        ("Which tools has UNOPS published?", None),  # a publisher in brackets is not the record's acronym
    ],
)
def test_a_record_is_named_by_its_acronym(assistant, text: str, record: str | None) -> None:
    found = assistant.mention(text)
    assert (found[0] if found else None) == record


@pytest.mark.parametrize(
    ("text", "record"),
    [
        ("十大要点讲的是什么", "mcr-ten-essentials"),  # a publication by the head of its title
        ("Ten Essentials, please", "mcr-ten-essentials"),
        ("阶段评估调查有多少题", "mcr-stage-assessment-survey"),  # the name without its quote marks
        ("Where do I find the Stage Assessment Survey?", "mcr-stage-assessment-survey"),  # without "MCR2030"
        ("我们需要一份指导意见", None),  # a generic head of a non-publication's name is no name
        ("what's the uscore 2 peer review thing about", "mcr-uscore2-peer-review"),  # typed loosely
        ("城市抗灾能力 记分卡怎么用", "mcr-disaster-resilience-scorecard"),
        ("Quick Risk Estimaton tool?", "mcr-quick-risk-estimation"),
        # a publication by its subtitle, and without its edition in brackets
        ("What is the Handbook for Local Government Leaders?", "mcr-handbook-local-government-leaders"),
        ("地方政府领导手册是什么？", "mcr-handbook-local-government-leaders"),
        # a Chinese service title before its purpose clause
        ("贫民窟改造及预防战略这项服务是什么？", "E.5"),
        ("进行城市和空间资料收集要多久？", "A.5"),
    ],
)
def test_a_record_is_named_by_its_short_forms(assistant, text: str, record: str | None) -> None:
    found = assistant.mention(text)
    assert (found[0] if found else None) == record


def test_short_forms_of_names() -> None:
    assert _short_forms("创建韧性城市的十大要点", titled=True) == ["十大要点"]
    assert _short_forms("Ten Essentials for Making Cities Resilient", titled=True) == ["Ten Essentials"]
    assert _short_forms("Ten Essentials for Making Cities Resilient") == []
    assert _short_forms("“阶段评估”调查") == ["阶段评估调查"]
    assert _short_forms("MCR2030 Stage Assessment Survey") == ["Stage Assessment Survey"]
    assert _short_forms("CityRAP: 城市韧性行动规划") == ["CityRAP"]
    assert _short_forms("贫民窟改造及预防战略，减少贫困和不平等") == ["贫民窟改造及预防战略"]
    assert _short_forms("通过与水务运营商合作，提高供水的可持续性和有效性") == []  # a means, not a name
    assert "地方政府领导手册" in _short_forms("《地方政府领导手册》[2017 版]", titled=True)
    assert "Handbook for Local Government Leaders" in _short_forms(
        "How To Make Cities More Resilient: A Handbook for Local Government Leaders (2017 edition)", titled=True
    )


def test_an_acronym_must_abbreviate_the_english_name() -> None:
    assert _abbreviates("CRPT", "City Resilience Profiling Tool")
    assert _abbreviates("GCC", "ICLEI GreenClimateCities Programme")
    assert _abbreviates("CAT-I", "Capacity Assessment Tool for Infrastructure")
    assert not _abbreviates("UNOPS", "Sustainable Development Tools")
    assert _abbreviates("NISMOD-Int", "NISMOD-International (National Infrastructure Systems Model)")
    assert not _abbreviates("ABC-Int", "Capacity Tool (ABC-Int)")  # only its own brackets hold it


def test_a_rendered_sentence_counts_as_the_askers_language(assistant) -> None:
    """An English question about the MCR campaign is answered first from the overview's passage with the count, shown
    in its English rendering, not from a sentence of the English paper about another event of 2020."""
    reply = assistant.reply(
        [Turn("user", "How many cities joined the Making Cities Resilient campaign between 2010 and 2020?")]
    )
    assert reply.citations[0].source == "mcr2030-overview.zh.txt"  # passages in the order of their best sentence
    count = [c for c in reply.citations if "4347" in c.quote]
    assert count and count[0].rendering is not None and "4,347" in count[0].rendering.text


@pytest.mark.parametrize(
    ("question", "lang", "ref"),
    [
        ("What is the Quick Risk Estimation Tool?", "en", "MCR2030, thematic area 2"),
        ("快速风险评估工具是什么？", "zh", "MCR2030 专题领域 2"),
        ("What is RISE-UP?", "en", "UN-Habitat flagship programme 3"),
        ("What is CityRAP?", "en", "B.2"),
    ],
)
def test_a_record_is_referred_to_as_a_reader_finds_it_not_by_our_internal_id(assistant, question, lang, ref) -> None:
    reply = assistant.reply([Turn("user", question)])
    assert reply.intent == "lookup" and reply.record is not None
    assert f"({ref})" in reply.answer or f"（{ref}）" in reply.answer
    assert "mcr-" not in reply.answer and "flagship-" not in reply.answer


@pytest.mark.parametrize(
    ("listing", "pick", "record"),
    [
        ("Which services are in section B?", "Tell me more about the second one", "B.2"),
        ("B 部分有哪些服务？", "第二个详细介绍一下", "B.2"),
        ("What are UN-Habitat's flagship programmes?", "the third one", "flagship-3"),
    ],
)
def test_the_nth_record_of_a_listing_is_the_one_a_follow_up_points_at(assistant, listing, pick, record) -> None:
    """After a listing (a section's services, the flagships, an area's tools), "the second one" / "第二个" is the
    second record listed, as after a recommendation: the context remembers the records in the order shown."""
    listed, reply = two_turns(assistant, listing, pick)
    assert listed.context.last_recommendations[:3] and listed.context.last_situation is None
    assert reply.intent == "lookup" and reply.record is not None and reply.record.id == record
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("listing", "ask", "record"),
    [
        ("What flagship programmes does UN-Habitat have?", "How long does the third one take?", "flagship-3"),
        ("人居署有哪些旗舰项目？", "第三个需要多长时间？", "flagship-3"),
        ("Which services are in section B?", "Who designed the second one with UN-Habitat?", "B.2"),
        ("B 部分有哪些服务？", "第二个是人居署和谁一起设计的？", "B.2"),
    ],
)
def test_a_fact_asked_of_the_nth_record_listed_is_answered_about_it(assistant, listing, ask, record) -> None:
    """ "What flagship programmes does UN-Habitat have?" was answered from the passages, so "the third one" pointed
    at nothing and was declined as out of scope; and "第一个要花多少钱？" after a list gave the first record's
    description. The flagships are listed in either word order, and a fact asked of the n-th record listed is a
    question about that record, answered from its passages with it alongside."""
    listed, reply = two_turns(assistant, listing, ask)
    assert listed.route == "listing" and listed.context.last_recommendations[:3]
    assert reply.intent == "question" and reply.record is not None and reply.record.id == record
    assert reply.citations
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("description", "ask"),
    [
        (
            "Our city has run awareness campaigns and trained staff and council members, and we have a "
            "multi-department resilience committee. We have no strategy yet. Which stage are we in?",
            "Which tools fit us?",
        ),
        (
            "我们市开展了宣传活动，也给工作人员和议员做了培训，还成立了多部门韧性委员会，但还没有战略。我们处于哪个阶段？",
            "哪些工具适合我们？",
        ),
    ],
)
def test_a_bare_ask_for_tools_after_a_stage_is_a_recommendation_in_either_language(assistant, description, ask) -> None:
    """ "Which tools fit us?" names no topic of the catalogue's (the English was declined as out of scope, the
    Chinese recommended): asking for the catalogue's records for us is in its domain, and gets the stage found."""
    staged = assistant.reply([Turn("user", description)])
    assert staged.context.stage in ("A", "B", "C")
    reply = assistant.reply(
        [Turn("user", description), Turn("assistant", staged.answer[:1900]), Turn("user", ask)], context=staged.context
    )
    assert reply.intent == "recommend" and reply.recommendations
    assert all(staged.context.stage in r.item.stages for r in reply.recommendations if r.item.stages)
    for text in ("recommend a movie", "Which tools fit us for cooking dinner?"):
        assert assistant.reply([Turn("user", text)]).intent == "out_of_scope"


@pytest.mark.parametrize(
    ("situation", "ask"),
    [
        ("We need to assess our infrastructure's capacity. Which tool?", "Who developed it?"),
        ("我们需要评估基础设施的能力，用哪个工具？", "是谁开发的？"),
    ],
)
def test_it_after_a_recommendation_is_taken_to_be_the_first_record_and_the_reply_says_so(assistant, situation, ask):
    """ "Who developed it?" after three recommendations was declined as out of scope: the reply had no one record.
    "It" is now the first record recommended, and the reply says which record it answers about."""
    recs = assistant.reply([Turn("user", situation)])
    assert recs.intent == "recommend" and recs.context.last_record is None
    first = recs.recommendations[0].item
    reply = assistant.reply(
        [Turn("user", situation), Turn("assistant", recs.answer[:1900]), Turn("user", ask)], context=recs.context
    )
    assert reply.record is first and reply.citations
    assert reply.answer.splitlines()[0].count(first.name if reply.lang == "zh" else first.name_en or first.name) == 1
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("message", "lang", "spelled"),
    [
        ("What does RCC stand for?", "en", "Regional Coordination Committee"),
        ("RCC 是什么的缩写？", "zh", "地区协调委员会 (RCC)"),
        ("What does CRPT stand for?", "en", "City Resilience Profiling Tool"),
        ("CRPT 的全称是什么？", "zh", "工具（CRPT）"),  # the catalogue's rendering of the name comes first
    ],
)
def test_an_abbreviation_is_spelled_out_from_the_documents(assistant, message, lang, spelled) -> None:
    """A one-word question gives the evidence little to weigh: "What does RCC stand for?" was refused, and "What does
    CRPT stand for?" was answered with partners that "stand ready". The sentence that spells it out answers it."""
    reply = say(assistant, [message])
    assert reply.intent == "question" and reply.lang == lang and reply.citations
    first = reply.answer.split("[1]")[0]
    assert spelled in first
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("message", "lang", "named"),
    [
        ("What is SURGe?", "en", ("Sustainable Urban Resilience for the next Generation",)),
        ("SURGe 倡议是谁发起的？", "zh", ("为下一代打造可持续的城市韧性",)),
        ("What is the Building Efficiency Accelerator?", "en", ("Building Efficiency Accelerator",)),
        ("建筑效率加速器是什么？", "zh", ("建筑效率加速器", "建筑能效加速器")),
    ],
)
def test_a_question_about_a_name_the_encoder_does_not_know_is_answered(assistant, message, lang, named) -> None:
    """The encoder does not know "SURGe" or "Building Efficiency Accelerator", so the evidence of a question about
    one fell below the threshold and it was refused, though the sentences naming it were found. Read also with
    the name's other-language form, the question meets its passages by meaning: answered, quoting the name."""
    reply = say(assistant, [message])
    assert reply.intent == "question" and reply.lang == lang and reply.citations
    shown = [c.quote if lang == "zh" else (c.rendering.text if c.rendering else c.quote) for c in reply.citations]
    assert any(name.casefold() in text.casefold() for name in named for text in shown), shown
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("message", "lang"),
    [("What does service B.4 offer?", "en"), ("服务 B.4 提供什么？", "zh"), ("What is service B.4?", "en")],
)
def test_what_a_named_record_offers_is_answered_from_its_own_text(assistant, message, lang) -> None:
    """ "What does service B.4 offer?" was a request for services, declined as out of scope; then, answered from B.4's
    own text, it was labelled as no direct answer in English and not in Chinese. The record's own text answers a
    question asking what it is or does, in either language, without that label."""
    reply = say(assistant, [message])
    assert reply.intent in ("question", "lookup") and reply.lang == lang and reply.citations
    b4 = next(i for i in assistant.recommender.items if i.id == "B.4")
    assert all(b4.span.doc_id == c.doc_id and b4.span.start <= c.start < b4.span.end for c in reply.citations)
    name = b4.name_en if lang == "en" else b4.name
    for label in (render("doc_intro_indirect", lang, name=name), render("doc_intro_hedged", lang)):
        assert label not in reply.answer
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("message", "lang", "numbers"),
    [
        ("What questions are in the stage assessment survey?", "en", list(range(1, 16))),
        ("阶段评估调查有多少个问题？", "zh", list(range(1, 16))),
        ("What is question 10 of the survey?", "en", [10]),
        ("第10题问的是什么？", "zh", [10]),
    ],
)
def test_the_survey_s_questions_are_quoted_from_the_overview(assistant, message, lang, numbers) -> None:
    """ "What is question 10 of the survey?" was declined as out of scope, and "What questions are in the survey?"
    answered with the instruction to answer yes or no: the survey is structured knowledge, its questions quoted as the
    overview words them, numbered as in the survey, in the reader's language."""
    reply = say(assistant, [message])
    assert reply.route == "survey" and reply.lang == lang
    quotes = [assistant.rules.question(n).zh for n in numbers]
    assert [c.quote for c in reply.citations] == quotes
    for n, c in zip(numbers, reply.citations, strict=True):
        assert f"{n}. " in reply.answer and f"[{c.n}]" in reply.answer
        assert (c.rendering is not None) is (lang == "en")
    assert bool(HAN.search(reply.answer)) is (lang == "zh")
    assert_grounded(assistant, reply)


def test_a_survey_question_the_survey_does_not_have_is_said_so(assistant) -> None:
    reply = say(assistant, ["What is question 20 of the survey?"])
    assert reply.route == "survey" and not reply.citations and "15" in reply.answer and "20" in reply.answer


@pytest.mark.parametrize(
    ("listing", "ask", "lang"),
    [
        ("Which services are in section B?", "Which of them work in small cities?", "en"),
        ("B 部分有哪些服务？", "其中哪些适用于小城市？", "zh"),
        ("Which tools are in thematic area 4?", "Which of them is free?", "en"),
        ("专题领域 4 有哪些工具？", "其中哪个是免费的？", "zh"),
    ],
)
def test_a_question_about_the_records_listed_is_answered_from_them(assistant, listing, ask, lang) -> None:
    """The follow-up "Which of them is free?" after a list was declined as out of scope ("free" is no term of the
    domain): a question about the records listed as a group is answered from their own passages, or says the
    documents do not answer it and whom to ask, never that it is out of scope."""
    listed, reply = two_turns(assistant, listing, ask)
    records = [assistant.recommender.get(i) for i in listed.context.last_recommendations]
    assert reply.intent == "question" and reply.lang == lang
    assert render("out_of_scope", lang, contacts="").split("{")[0][:30] not in reply.answer
    for c in reply.citations:
        assert any(r.span.doc_id == c.doc_id and r.span.start <= c.start < r.span.end for r in records), c
    assert_grounded(assistant, reply)


@pytest.mark.parametrize(
    ("earlier", "ask"),
    [
        ("We need to carry out a disaster risk assessment for our city.", "Which tools help with that?"),
        ("我们需要为城市开展灾害风险评估。", "有哪些工具可以帮忙？"),
        ("我们需要为城市开展灾害风险评估。", "这方面有什么工具？"),
    ],
)
def test_a_bare_ask_for_tools_is_about_what_the_user_said_before(assistant, earlier, ask) -> None:
    """ "有哪些工具可以帮忙？" names nothing of its own: it was declined as out of scope, and its English twin got
    records for the words "tools" and "help". It is read with the user's message before it; a request that names
    a topic of its own ("recommend a movie") is not."""
    _, reply = two_turns(assistant, earlier, ask)
    assert reply.intent == "recommend" and reply.recommendations
    together = assistant.reply([Turn("user", f"{earlier} {ask}")])  # what the two say as one message
    assert [r.item.id for r in reply.recommendations] == [r.item.id for r in together.recommendations]
    assert not any(line.rstrip().endswith("—") for line in reply.answer.splitlines())
    assert two_turns(assistant, earlier, "recommend a movie")[1].intent == "out_of_scope"


@pytest.mark.parametrize(
    ("earlier", "ask"),
    [
        (
            "Which stage are we in? We have run awareness campaigns and lectures for staff and council, and set up a "
            "resilience committee.",
            "What should we do next?",
        ),
        ("我们处于哪个阶段？我们开展了宣传活动，给员工和议会办了讲座，也成立了韧性委员会。", "下一步应该做什么？"),
    ],
)
def test_what_to_do_next_after_describing_the_city_is_answered_for_it(assistant, earlier, ask) -> None:
    """Paired probes of session 27: after a stage description, "What should we do next?" and "下一步应该做什么？"
    were declined as out of scope (the Chinese, its subject left out, was not even read as the asker's request)."""
    _, reply = two_turns(assistant, earlier, ask)
    assert reply.intent == "recommend" and reply.recommendations and reply.citations


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("What are the commitments of Stage A cities?", "And for stage B?"),
        ("A 阶段城市要做出哪些承诺？", "那 B 阶段呢？"),
    ],
)
def test_a_bare_stage_follow_up_is_the_question_before_asked_of_that_stage(assistant, first, then) -> None:
    """ "And for stage B?" after the commitments of Stage A cities asks Stage B's commitments: the reply quotes
    Stage B's list, as the question asked whole does."""
    _, reply = two_turns(assistant, first, then)
    whole = assistant.reply([Turn("user", first.replace("A", "B"))])
    assert reply.intent == "question" and [c.start for c in reply.citations] == [c.start for c in whole.citations]
    assert any(c.quote.startswith("B 阶段") or "B 阶段" in c.quote for c in reply.citations)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("What tools are listed under thematic area 2?", "What about area 3?"),
        ("专题领域 2 下面列了哪些工具？", "专题领域 3 呢？"),
    ],
)
def test_a_bare_area_follow_up_lists_that_area_as_the_question_before_did(assistant, first, then) -> None:
    """ "What about area 3?" after area 2's list was answered with what the overview says of area 3, not its tools."""
    _, reply = two_turns(assistant, first, then)
    whole = assistant.reply([Turn("user", first.replace("2", "3"))])
    assert reply.route == "area_listing" and [c.start for c in reply.citations] == [c.start for c in whole.citations]


def test_a_record_listed_for_no_stage_or_area_is_named_without_a_dangling_dash(assistant) -> None:
    _, reply = two_turns(assistant, "We just joined MCR2030. What should we do first?", "Which tools help with that?")
    assert reply.intent == "recommend" and reply.recommendations
    assert not any(line.rstrip().endswith("—") for line in reply.answer.splitlines())


@pytest.mark.parametrize(
    ("first", "ask", "lang"),
    [("What is CityRAP?", "How long does it take?", "en"), ("CityRAP 是什么？", "需要多长时间？", "zh")],
)
def test_how_long_is_answered_directly_in_either_language(assistant, first, ask, lang) -> None:
    """ "需要多长时间？" about CityRAP was labelled "the documents do not answer this directly" and its English twin was
    not: "多长" stayed a content term no sentence holds (English drops "how long" as asking words). Both are now
    answered with the 3-4 months, without the label."""
    _, reply = two_turns(assistant, first, ask)
    assert reply.lang == lang and any("3-4" in c.quote for c in reply.citations)
    assert "directly" not in reply.answer and "没有直接回答" not in reply.answer
    assert "may not" not in reply.answer and "可能没有" not in reply.answer


@pytest.mark.parametrize(
    "question",
    [
        "乌克兰城市恢复问题在第十一届世界城市论坛上有多少场活动？",
        "在第十一届世界城市论坛上，有多少场活动讨论了乌克兰的城市恢复？",
        "How many events at the eleventh World Urban Forum focused on urban recovery in Ukraine?",
    ],
)
def test_a_count_with_any_measure_word_answers_how_many(assistant, question: str) -> None:
    """ "十次活动" did not count as a number: the quantity pattern knew ten measure words and not 次 or 场, which the
    "多少场" of a question already used. The Chinese questions quoted the other WUF11 counts (40 多场, three formal
    events, 10 场 on recovery in general) and not the ten events on Ukraine; the English twin quoted it third."""
    reply = assistant.reply([Turn("user", question)])
    assert any("十次活动" in c.quote for c in reply.citations), [c.quote[:40] for c in reply.citations]


@pytest.mark.parametrize(
    "question",
    [
        "执行局 2022 年的报告讨论的主要问题是什么？",
        "What is the main issue discussed in the Executive Board's 2022 report?",
    ],
)
def test_a_report_named_by_its_year_is_that_years_report(assistant, question: str) -> None:
    """ "执行局 2022 年的报告" pointed at no document (the year stood between 执行局 and 报告), and the Chinese reply
    quoted the 2023 report five times beside the 2022 one's purpose. A year said with a document's kind picks the
    documents of that year."""
    reply = assistant.reply([Turn("user", question)])
    assert reply.citations and all("eb-2022" in c.source for c in reply.citations), [c.source for c in reply.citations]


@pytest.mark.parametrize("question", ["模式 2 的年度费用共计多少？", "What is the total annual cost of model 2?"])
def test_a_numbered_thing_asked_is_answered_from_its_own_table(assistant, question: str) -> None:
    """The SDG Cities report gives three cost tables alike but for their headings ("年度核心费用——模式 1/2/3"). A
    number alone is no question term, so the English reply listed the three totals unlabelled, and the Chinese one
    Model 3's heading and no total. Now the rows stand under their heading's model."""
    reply = assistant.reply([Turn("user", question)])
    quotes = [c.quote for c in reply.citations]
    assert any("400 000 美元" in q for q in quotes), quotes
    assert not any("1 000 000" in q or "模式 1" in q or "模式 3" in q for q in quotes), quotes


@pytest.mark.parametrize(
    "question", ["韧性路线图的第二阶段是什么？", "What is the second stage of the resilience roadmap?"]
)
def test_a_stage_named_by_its_place_in_the_roadmap_is_that_stage(assistant, question: str) -> None:
    """The documents name the stages by letter only: "第二阶段" was no stage to any pattern, and the reply quoted
    Stage A's focus. Now the stage's own section is quoted, as for "B 阶段是什么？"."""
    reply = assistant.reply([Turn("user", question)])
    assert reply.route == "stage_about", reply.route
    assert any("B 阶段**侧重于" in c.quote for c in reply.citations), [c.quote[:30] for c in reply.citations]


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("人居署的服务目录一共有多少项服务？", "整理说明，非文件原文"),
        ("How many services does UN-Habitat's service catalogue contain?", "Curated note, not from the documents"),
    ],
)
def test_how_many_services_the_catalogue_has_is_counted_from_its_records(assistant, question, label) -> None:
    """The catalogue states no total: the reply quoted "17 new entries, two new sections and 16 revised entries".
    It now counts the records extracted from it (58 services, A.1 to K.2), each section cited by its heading in the
    catalogue, and says the counts are ours."""
    reply = assistant.reply([Turn("user", question)])
    assert reply.route == "listing" and "58" in reply.answer and label in reply.answer
    letters = [c.quote.split(".")[0] for c in reply.citations]
    assert letters == list("ABCDEFGHIJK"), [c.quote for c in reply.citations]
    docs = assistant.retriever.index.documents
    assert all(docs[c.doc_id].text[c.start : c.end] == c.quote for c in reply.citations)


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("What are the criteria for moving from Stage B to Stage C?", "And from A to B?"),
        ("从 B 阶段进入 C 阶段的标准是什么？", "那从 A 到 B 呢？"),
    ],
)
def test_a_bare_step_follow_up_asks_the_criteria_of_that_step(assistant, first, then) -> None:
    """ "And from A to B?" after the B->C criteria was declined as out of scope, in both languages. It now asks the
    question before of that step and quotes the A->B criteria."""
    _, reply = two_turns(assistant, first, then)
    assert reply.route == "criteria", reply.route
    quotes = [c.quote for c in reply.citations]
    assert any("成立多部门韧性能力建设委员会" in q for q in quotes), [q[:30] for q in quotes]


@pytest.mark.parametrize(
    ("first", "then"),
    [("Tell me about thematic area 7.", "Which tools does it list?"), ("介绍一下专题领域 7。", "它列出了哪些工具？")],
)
def test_a_follow_up_pointing_back_at_an_area_lists_its_tools(assistant, first, then) -> None:
    """After area 7's description, "Which tools does it list?" quoted passages about other tools and
    "它列出了哪些工具？" recommended City Scan: "it" pointed at nothing. It is now the area the message before
    named, and both list area 7's tools as the overview does."""
    _, reply = two_turns(assistant, first, then)
    assert reply.route == "area_listing", reply.route
    whole = assistant.reply([Turn("user", "What tools are listed under thematic area 7?")])
    assert [c.start for c in reply.citations] == [c.start for c in whole.citations]


@pytest.mark.parametrize(
    ("first", "then", "said"),
    [
        ("城市扫描工具是什么？", "需要多长时间？", "文件没有说明城市扫描工具的这一点"),
        pytest.param(
            "What is City Scan?",
            "How long does it take?",
            "The documents do not say this about City Scan",
            marks=pytest.mark.xfail(
                strict=True,
                reason="measured miss (2026-12-07): three English sentences name City Scan (its listing, a GUMF "
                "pilot), so the evidence clears the threshold and they are shown without a duration, unhedged",
            ),
        ),
    ],
)
def test_a_fact_the_documents_do_not_give_for_a_record_is_said_so(assistant, first, then, said) -> None:
    """City Scan is listed by name and link only. "需要多长时间？" after it was answered with other services'
    durations under the label "below is what the documents say about City Scan". When no sentence close to the
    question is about the record (in its text, in its listing, or naming it), the reply now says the documents do
    not say this of it, and gives what we hold on the record."""
    _, reply = two_turns(assistant, first, then)
    assert reply.answer.startswith(said), reply.answer[:80]
    assert reply.record is not None and reply.record.name == "城市扫描工具"
    docs = assistant.retriever.index.documents
    assert all(docs[c.doc_id].text[c.start : c.end] == c.quote for c in reply.citations)


@pytest.mark.parametrize(
    "question",
    ["MCR2030 欢迎哪些机构作为参与实体加入？", "Which organisations does MCR2030 welcome as participating entities?"],
)
def test_a_sentence_the_document_says_twice_is_quoted_once(assistant, question: str) -> None:
    """The overview welcomes participating entities twice, once "感兴趣的实体" and once "有兴趣的实体成为“参与实体”";
    their renderings differ only by the quotation marks. Both replies quoted the sentence twice."""
    reply = assistant.reply([Turn("user", question)])
    welcomes = [c for c in reply.citations if c.quote.startswith("我们欢迎所有拥有特定知识和专长")]
    assert len(welcomes) == 1, [c.quote[:30] for c in reply.citations]
