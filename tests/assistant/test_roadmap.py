"""The roadmap rules: truth table, three-valued unknowns and what to ask, free text in zh and en, citations."""

from __future__ import annotations

import datetime
import itertools
import json
import shutil
from pathlib import Path

import pytest

from assistant.roadmap import (
    ISO37123,
    SUBMITTED,
    RoadmapRules,
    assess_stage,
    detect_lang,
    load_rules,
    map_text,
    next_question,
    parse_answers,
)
from assistant.roadmap.reader import answers_joined
from ingest.loaders import load_document
from retriever.errors import InvalidKnowledgeFile, InvalidRequest, NotFound
from retriever.types import Document, StageResult

STAGE_QUESTIONS = {2, 3, 4, 10, 12, 13}


@pytest.fixture(scope="module")
def rules(knowledge_dir: Path, corpus_dir: Path) -> RoadmapRules:
    return load_rules(knowledge_dir, corpus_dir, reader="patterns")  # model-free: the pattern reader


def _answers(**yes: bool) -> dict[int, bool | None]:
    """All 15 questions answered no, except those given as q<n>=value."""
    answers: dict[int, bool | None] = dict.fromkeys(range(1, 16), False)
    answers.update({int(k[1:]): v for k, v in yes.items()})
    return answers


def _status(result: StageResult, cid: str) -> str:
    return next(c.status for c in result.criteria if c.id == cid)


def _known(result: StageResult) -> dict[int, bool]:
    return {q: v for q, v in result.answers if v is not None}


# ----------------------------------------------------------------------------------------------- rules as data


def test_fifteen_questions_are_quoted_verbatim_with_english(rules: RoadmapRules) -> None:
    assert [q.n for q in rules.questions] == list(range(1, 16))
    for q in rules.questions:
        assert rules.doc_text[q.passage.start : q.passage.end] == q.zh
        assert q.en and q.label_en and q.label_zh
    assert "首席抗灾官" in rules.question(10).zh
    assert "12 个月" in rules.question(3).zh


def test_every_citation_quote_is_at_its_offsets(rules: RoadmapRules) -> None:
    result = assess_stage(_answers(q2=True, q3=True, q10=True, q13=True), rules=rules)
    ids = [c.id for c in result.criteria]
    assert ids == ["a_to_b", "q2", "q3", "q10", "strategy_commitment", "b_to_c", "submitted", "iso37123"]
    for c in result.criteria:
        assert c.citation is not None
        assert rules.doc_text[c.citation.start : c.citation.end] == c.citation.quote
        assert c.citation.source == "mcr2030-overview.zh.txt"
    b_to_c = next(c for c in result.criteria if c.id == "b_to_c").citation
    assert b_to_c is not None and "批准或提交" in b_to_c.quote
    submitted = next(c for c in result.criteria if c.id == "submitted").citation
    assert submitted is not None and submitted.quote == "批准或提交，以备实施"
    iso = next(c for c in result.criteria if c.id == "iso37123").citation
    assert iso is not None and "ISO37123" in iso.quote and "自动加入此阶段" in iso.quote


def test_citations_follow_the_source_document(rules: RoadmapRules) -> None:
    shifted = "前言\n" + rules.doc_text
    source = Document(
        doc_id="mcr-doc", source="mcr2030-overview.zh.txt", title="MCR2030", lang="zh", text=shifted, content_hash="x"
    )
    result = assess_stage(_answers(), rules=rules, source=source)
    for c in result.criteria:
        assert c.citation is not None and c.citation.doc_id == "mcr-doc"
        assert shifted[c.citation.start : c.citation.end] == c.citation.quote
    with pytest.raises(InvalidRequest):
        assess_stage(_answers(), rules=rules, source=Document("d", "s", "t", "zh", "无关文本", "h"))


def test_citations_index_into_the_ingested_document(rules: RoadmapRules, corpus_dir: Path) -> None:
    source = load_document(corpus_dir / "mcr2030-overview.zh.txt")
    assert rules.doc_id == source.doc_id
    result = assess_stage(text="本市已通过 ISO 37123 认证。", rules=rules, source=source)
    for c in result.criteria:
        assert c.citation is not None
        assert source.text[c.citation.start : c.citation.end] == c.citation.quote


def test_load_rules_rejects_a_quote_not_in_the_document(tmp_path: Path, knowledge_dir: Path, corpus_dir: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    shutil.copy(corpus_dir / "mcr2030-overview.zh.txt", tmp_path)
    data = json.loads((knowledge_dir / "roadmap.json").read_text(encoding="utf-8"))
    data["criteria"][0]["quote"] = "文件中没有的句子"
    (knowledge / "roadmap.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InvalidKnowledgeFile) as err:
        load_rules(knowledge, tmp_path)
    assert err.value.code == "invalid_knowledge_file"
    with pytest.raises(NotFound):
        load_rules(tmp_path / "nowhere", tmp_path)


def test_load_rules_reads_the_document_from_the_corpus_dir_it_is_given(
    tmp_path: Path, knowledge_dir: Path, corpus_dir: Path
) -> None:
    """The knowledge folder and the corpus are independent: the quoted document comes from ``corpus_dir`` only."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with pytest.raises(NotFound, match="roadmap source document not found"):
        load_rules(knowledge_dir, corpus)
    shutil.copy(corpus_dir / "mcr2030-overview.zh.txt", corpus)
    assert len(load_rules(knowledge_dir, corpus, reader="patterns").questions) == 15


# ------------------------------------------------------------------------------------------------- truth table


@pytest.mark.parametrize(("q2", "q3", "q10", "q4", "q13"), list(itertools.product((True, False), repeat=5)))
def test_truth_table(rules: RoadmapRules, q2: bool, q3: bool, q10: bool, q4: bool, q13: bool) -> None:
    result = assess_stage(_answers(q2=q2, q3=q3, q10=q10, q4=q4, q13=q13), rules=rules)
    a_to_b = q2 and q3 and q10 and (q4 or q13)
    expected = {(True, True): "C", (True, False): "B", (False, False): "A", (False, True): "undecided"}
    assert result.stage == expected[(a_to_b, q13)]
    assert _status(result, "a_to_b") == ("met" if a_to_b else "unmet")
    assert _status(result, "b_to_c") == ("met" if q13 else "unmet")
    assert _status(result, "strategy_commitment") == ("met" if q4 or q13 else "unmet")
    if result.stage == "undecided":  # B->C without A->B: ask about the missing A->B items
        missing = {q for q, v in ((2, q2), (3, q3), (10, q10)) if not v}
        assert set(result.to_ask) == missing
        assert any("A→B" in a for a in result.ambiguities)
    else:
        assert result.to_ask == ()


@pytest.mark.parametrize("strategy_q", [4, 12, 13])
def test_any_one_strategy_question_is_a_commitment(rules: RoadmapRules, strategy_q: int) -> None:
    result = assess_stage(_answers(q2=True, q3=True, q10=True, **{f"q{strategy_q}": True}), rules=rules)
    assert _status(result, "strategy_commitment") == "met"
    assert result.stage == ("C" if strategy_q == 13 else "B")


def test_iso37123_certification_is_stage_c(rules: RoadmapRules) -> None:
    result = assess_stage({ISO37123: True, **_answers()}, rules=rules)
    assert result.stage == "C" and result.to_ask == ()
    assert _status(result, "iso37123") == "met"
    assert result.areas == (5, 6, 7, 8, 9, 10, 11, 12)
    assert assess_stage({ISO37123: False, **_answers()}, rules=rules).stage == "A"


def test_areas_per_stage(rules: RoadmapRules) -> None:
    assert assess_stage(_answers(), rules=rules).areas == (1, 10, 11, 12)
    assert assess_stage(_answers(q2=True, q3=True, q10=True, q4=True), rules=rules).areas == (2, 3, 4, 10, 11, 12)
    assert assess_stage(rules=rules).areas == (10, 11, 12)


# -------------------------------------------------------------------------------------- unknowns and to_ask


def test_nothing_known_asks_the_most_decisive_first(rules: RoadmapRules) -> None:
    result = assess_stage(rules=rules)
    assert result.stage == "undecided"
    assert set(result.to_ask) == STAGE_QUESTIONS
    assert result.to_ask[0] == 13
    assert result.to_ask.index(10) < result.to_ask.index(4)
    assert set(result.to_ask[1:4]) == {2, 3, 10} and set(result.to_ask[4:]) == {4, 12}
    assert next_question(result, rules, "zh") == (13, rules.question(13).zh)
    assert next_question(result, rules, "en") == (13, rules.question(13).en)


def test_only_questions_that_can_change_the_outcome_are_asked(rules: RoadmapRules) -> None:
    # A->B already fails on Q2: the roadmap is sequential, so Stage A whatever is unknown about B->C.
    result = assess_stage({2: False}, rules=rules)
    assert result.stage == "A" and result.to_ask == ()
    # ... unless B->C is known met: then the documents do not settle it, and the missing A->B parts are asked.
    result = assess_stage({2: False, 13: True}, rules=rules)
    assert result.stage == "undecided" and 2 in result.to_ask
    # Q13 no and Q2 no: A whatever the rest says; nothing to ask.
    result = assess_stage({2: False, 13: False}, rules=rules)
    assert result.stage == "A" and result.to_ask == ()
    assert next_question(result, rules, "en") is None
    # A->B parts hold, Q13 no, the strategy commitment open: ask Q12 or Q4.
    result = assess_stage({2: True, 3: True, 10: True, 13: False}, rules=rules)
    assert result.stage == "undecided" and set(result.to_ask) == {4, 12}
    assert _status(result, "strategy_commitment") == "unknown"


def test_three_valued_criteria(rules: RoadmapRules) -> None:
    result = assess_stage({2: True, 3: None, 10: True, 12: True}, rules=rules)
    assert _status(result, "strategy_commitment") == "met"  # OR with a yes
    assert _status(result, "a_to_b") == "unknown"  # AND with an unknown and no no
    assert _status(result, "b_to_c") == "unknown"
    result = assess_stage({2: True, 3: None, 10: False}, rules=rules)
    assert _status(result, "a_to_b") == "unmet"  # AND with a no


def test_decided_stage_may_leave_other_questions_unknown(rules: RoadmapRules) -> None:
    result = assess_stage({2: True, 3: True, 10: True, 13: True}, rules=rules)
    assert result.stage == "C" and result.to_ask == ()
    assert dict(result.answers)[1] is None


def test_parse_answers() -> None:
    answers = parse_answers("yyn?n")
    assert answers[1] is True and answers[3] is False and answers[4] is None and answers[5] is False
    assert all(answers[q] is None for q in range(6, 16)) and len(answers) == 15
    assert parse_answers("10" * 7 + "1") == {q: q % 2 == 1 for q in range(1, 16)}
    assert parse_answers("") == dict.fromkeys(range(1, 16))
    assert parse_answers("YN")[1] is True
    with pytest.raises(InvalidRequest):
        parse_answers("y" * 16)
    with pytest.raises(InvalidRequest):
        parse_answers("yx")


def test_bad_arguments_are_invalid_requests(rules: RoadmapRules) -> None:
    with pytest.raises(InvalidRequest):
        assess_stage({16: True}, rules=rules)
    with pytest.raises(InvalidRequest):
        assess_stage({2: "yes"}, rules=rules)  # type: ignore[dict-item]
    with pytest.raises(InvalidRequest):
        assess_stage({2: True}, rules=rules, lang="fr")


# --------------------------------------------------------------------------------------- free text, zh and en

PAIRS = {
    "approved_plan_cro_no_committee": (
        "Our council approved the DRR strategy last month; we have a chief resilience officer but no committee.",
        "市议会上个月批准了防灾减灾战略；我们有首席抗灾官，但没有委员会。",
        "undecided",
    ),
    "awareness_two_years_ago": (
        "We ran a public awareness campaign two years ago.",
        "两年前我们开展过公众宣传活动。",
        "A",  # Q3 no (outside the 12-month window): A->B unmet, whatever B->C
    ),
    "awareness_last_month": (
        "We ran a public awareness campaign last month.",
        "上个月我们开展过公众宣传活动。",
        "undecided",
    ),
    "plan_submitted_not_approved": (
        "Our DRR implementation plan was submitted to the city council but has not been approved yet.",
        "我们的防灾减灾实施计划已提交市议会，但尚未获得批准。",
        "undecided",
    ),
    "single_drr_officer": (
        "We have a designated DRR officer.",
        "我们有一名指定的防灾减灾干事。",
        "undecided",
    ),
    "nothing_said": ("Hello, we would like to join MCR2030.", "你好，我们想加入 MCR2030。", "undecided"),
    "stage_b_drafting": (
        "This year we briefed our staff and the city council on resilience and held public consultations. "
        "A multi-sector committee is drafting our DRR strategy.",
        "今年我们为工作人员和市议会举办了韧性讲座，并开展了公众咨询。多部门委员会正在起草防灾减灾战略。",
        "B",
    ),
    "stage_c_full": (
        "Within the past 12 months we held public awareness events and lectures for staff and council members. "
        "A multi-department committee oversees the strategy, and the city council approved the implementation plan.",
        "过去12个月我们举办了公众宣传活动，并为工作人员和市议员开设讲座。多部门委员会负责监督战略，市议会已批准实施计划。",
        "C",
    ),
    "lectures_staff_only": (
        "Last month we held a public awareness day and set up a multi-sector committee to develop a strategy, "
        "but the resilience lectures were only for staff.",
        "上个月我们举办了公众宣传日，成立了多部门委员会来制定战略，但韧性讲座只对工作人员开展。",
        "A",  # A->B fails on Q2: Stage A, whatever is unknown about B->C
    ),
    "committee_without_strategy": (
        "This year we held public consultations and trained staff and the council. We set up a multi-sector "
        "committee, but it has no plans to develop any resilience strategy.",
        "今年我们开展了公众咨询，并为工作人员和市议会进行了培训。我们成立了多部门委员会，但没有制定任何韧性战略的计划。",
        "A",
    ),
    "strategy_still_a_draft": (
        "Our DRR strategy is still a draft.",
        "我们的防灾减灾战略仍是草案。",
        "undecided",
    ),
    "iso_certified": ("Our city is certified under ISO 37123.", "本市已通过 ISO 37123 认证。", "C"),
    "hedged_committee": (
        "Maybe we have a resilience committee, I am not sure.",
        "我们可能有一个韧性委员会，不确定。",
        "undecided",
    ),
}


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_paired_texts_agree(rules: RoadmapRules, case: str) -> None:
    en, zh, stage = PAIRS[case]
    r_en = assess_stage(text=en, rules=rules)
    r_zh = assess_stage(text=zh, rules=rules)
    assert r_en.stage == r_zh.stage == stage
    assert r_en.answers == r_zh.answers
    assert r_en.to_ask == r_zh.to_ask
    assert _status(r_en, "iso37123") == _status(r_zh, "iso37123")
    assert len(r_en.ambiguities) == len(r_zh.ambiguities)
    if stage == "undecided":
        assert r_en.to_ask, "an undecided stage names what to ask"


def test_approved_plan_with_cro_but_no_committee(rules: RoadmapRules) -> None:
    en, zh, _ = PAIRS["approved_plan_cro_no_committee"]
    for text, lang in ((en, "en"), (zh, "zh")):
        result = assess_stage(text=text, rules=rules)
        assert _known(result) == {10: True, 12: True, 13: True}
        assert result.to_ask == (3, 2)  # A->B still open on Q2 and Q3
        assert _status(result, "b_to_c") == "met"
        [note] = result.ambiguities
        assert "成立多部门韧性能力建设委员会" in note and (detect_lang(note) == lang)
        evidence = dict(result.evidence)
        assert evidence[10] == (
            "we have a chief resilience officer but no committee" if lang == "en" else "我们有首席抗灾官，但没有委员会"
        )


@pytest.mark.parametrize(("case", "q3"), [("awareness_two_years_ago", False), ("awareness_last_month", True)])
def test_awareness_window(rules: RoadmapRules, case: str, q3: bool) -> None:
    for text in PAIRS[case][:2]:
        result = assess_stage(text=text, rules=rules)
        assert _known(result) == {3: q3}
        assert _status(result, "q3") == ("met" if q3 else "unmet")
        if q3:
            assert result.stage == "undecided" and result.to_ask[0] in (2, 10, 13)  # the other A->B parts
        else:
            assert result.stage == "A" and result.to_ask == ()


@pytest.mark.parametrize(
    ("text", "q3"),
    [
        ("We held public consultations 18 months ago.", False),
        ("We held public consultations 3 months ago.", True),
        ("We hold a public awareness week every year.", True),
        ("十八个月前我们开展过宣传活动。", False),
        ("今年我们举办了宣传周。", True),
        ("过去半年开展过公众宣传。", True),
        ("Several years ago we ran an awareness campaign.", False),
    ],
)
def test_time_expressions(rules: RoadmapRules, text: str, q3: bool) -> None:
    answers, _, _ = map_text(text, rules)
    assert answers == {3: q3}


def test_calendar_years(rules: RoadmapRules) -> None:
    this_year = datetime.date.today().year
    assert map_text("In 2015 we ran an awareness campaign.", rules)[0] == {3: False}
    assert map_text("2015年我们开展过宣传活动。", rules)[0] == {3: False}
    assert map_text(f"{this_year}年我们开展过宣传活动。", rules)[0] == {3: True}
    answers, _, notes = map_text(f"In {this_year - 1} we held public consultations.", rules)
    assert answers == {3: False} and len(notes) == 1


def test_last_year_is_outside_the_window_and_said_so(rules: RoadmapRules) -> None:
    for text in ("We held awareness campaigns last year.", "去年我们举办了宣传活动。"):
        answers, _, notes = map_text(text, rules)
        assert answers == {3: False}
        assert len(notes) == 1 and "12" in notes[0]


def test_submitted_plan_leaves_q13_unknown_but_meets_b_to_c(rules: RoadmapRules) -> None:
    for text in PAIRS["plan_submitted_not_approved"][:2]:
        result = assess_stage(text=text, rules=rules)
        assert dict(result.answers)[13] is None
        assert _status(result, "b_to_c") == _status(result, "submitted") == "met"
        assert result.to_ask == (10, 3, 2)  # only A->B is open; Q13 can no longer change the stage
        [note] = result.ambiguities
        assert "批准或提交" in note


SUBMITTED_DRAFT = (
    "Our DRR strategy draft was submitted to the city council last month and awaits a vote.",
    "我们的防灾减灾战略草案上个月已提交市议会审议，等待表决。",
)
A_TO_B_PARTS = {2: True, 3: True, 10: True}


def _submission_note(result: StageResult) -> str:
    [note] = [a for a in result.ambiguities if "批准或提交" in a]
    return note


def test_submitted_strategy_with_a_to_b_is_stage_c(rules: RoadmapRules) -> None:
    for text, lang in zip(SUBMITTED_DRAFT, ("en", "zh"), strict=True):
        answers, evidence, _ = map_text(text, rules)
        assert answers == {4: True, SUBMITTED: True}
        assert evidence[SUBMITTED] == text.rstrip(".。")
        result = assess_stage(A_TO_B_PARTS, text, rules=rules)
        assert result.stage == "C" and result.to_ask == ()
        assert _status(result, "submitted") == _status(result, "b_to_c") == _status(result, "a_to_b") == "met"
        assert dict(result.answers)[13] is None  # Q13 asks about approval: not inferred from the submission
        submitted = next(c for c in result.criteria if c.id == "submitted")
        assert submitted.evidence == (text.rstrip(".。"),)
        assert submitted.citation is not None and "批准或提交，以备实施" in submitted.citation.quote
        note = _submission_note(result)
        assert detect_lang(note) == lang
        assert rules.question(13).label(lang) in note  # settled by Q13
        assert result.areas == (5, 6, 7, 8, 9, 10, 11, 12)


def test_explicit_q13_no_does_not_cancel_a_stated_submission(rules: RoadmapRules) -> None:
    for text in SUBMITTED_DRAFT:
        result = assess_stage({**A_TO_B_PARTS, 13: False}, text, rules=rules)
        assert result.stage == "C"
        assert dict(result.answers)[13] is False
        assert _status(result, "b_to_c") == "met"
        assert _submission_note(result)
        full = assess_stage(_answers(q2=True, q3=True, q10=True, q4=True), text, rules=rules)
        assert full.stage == "C" and _submission_note(full)
    assert (
        assess_stage(
            _answers(q2=True, q3=True, q10=True, q4=True, q13=True), SUBMITTED_DRAFT[0], rules=rules
        ).ambiguities
        == ()
    )  # approved: the survey and the FAQ agree


def test_submitted_without_a_to_b_asks_for_the_missing_parts(rules: RoadmapRules) -> None:
    for text in SUBMITTED_DRAFT:
        result = assess_stage(text=text, rules=rules)
        assert result.stage == "undecided"
        assert set(result.to_ask) == {2, 3, 10} and 13 not in result.to_ask
        assert _submission_note(result)
        # A->B fails on Q2: the same undecided B->C-only case as an approved plan, asking the missing parts.
        result = assess_stage({2: False, 3: True, 10: True}, text, rules=rules)
        assert result.stage == "undecided" and result.to_ask == (2,)
        assert any("A→B" in a for a in result.ambiguities)
        q13_only = assess_stage({2: False, 3: True, 10: True, 13: True}, rules=rules)
        assert (q13_only.stage, q13_only.to_ask) == (result.stage, result.to_ask)


@pytest.mark.parametrize(
    "text",
    [
        "We have not submitted the DRR strategy to the city council yet.",
        "We will submit the DRR strategy to the city council next month.",
        "我们尚未向市议会提交防灾减灾战略。",
        "我们准备提交防灾减灾战略。",
    ],
)
def test_a_denied_or_future_submission_is_not_a_submission(rules: RoadmapRules, text: str) -> None:
    answers, _, _ = map_text(text, rules)
    assert SUBMITTED not in answers
    result = assess_stage({**A_TO_B_PARTS, 4: True, 13: False}, text, rules=rules)
    assert result.stage == "B" and _status(result, "submitted") == "unmet"


def test_submission_can_be_given_explicitly(rules: RoadmapRules) -> None:
    result = assess_stage({**_answers(q2=True, q3=True, q10=True), SUBMITTED: True}, rules=rules, lang="zh")
    assert result.stage == "C"
    assert _status(result, "strategy_commitment") == "met"  # a submitted strategy is a committed one
    submitted = next(c for c in result.criteria if c.id == "submitted")
    assert submitted.evidence == (f"{submitted.label}：是",)
    denied = assess_stage({**A_TO_B_PARTS, 4: True, 13: False, SUBMITTED: False}, SUBMITTED_DRAFT[0], rules=rules)
    assert denied.stage == "B" and denied.ambiguities == ()


def test_single_officer_counts_for_q10_with_an_ambiguity(rules: RoadmapRules) -> None:
    for text in PAIRS["single_drr_officer"][:2]:
        result = assess_stage(text=text, rules=rules)
        assert _known(result) == {10: True}
        [note] = result.ambiguities
        assert "成立多部门韧性能力建设委员会" in note


def test_committee_without_strategy_is_stage_a_with_an_ambiguity(rules: RoadmapRules) -> None:
    for text in PAIRS["committee_without_strategy"][:2]:
        result = assess_stage(text=text, rules=rules)
        assert result.stage == "A"
        assert _status(result, "q10") == "met" and _status(result, "strategy_commitment") == "unmet"
        assert any("致力于制定防灾减灾和韧性战略" in a for a in result.ambiguities)


def test_lectures_for_staff_only_fail_q2(rules: RoadmapRules) -> None:
    for text in PAIRS["lectures_staff_only"][:2]:
        result = assess_stage(text=text, rules=rules)
        assert dict(result.answers)[2] is False and result.stage == "A" and result.to_ask == ()
        assert assess_stage({13: False}, text, rules=rules).stage == "A"
    answers, _, notes = map_text("We trained our staff on resilience.", rules)
    assert 2 not in answers and len(notes) == 1  # council not mentioned: unknown, said so


def test_hedges_are_not_counted(rules: RoadmapRules) -> None:
    for text in PAIRS["hedged_committee"][:2]:
        answers, _, notes = map_text(text, rules)
        assert answers == {} and len(notes) == 1
    # talk of the future or of something still being set up says it is not done yet
    answers, _, _ = map_text("We will hold a public awareness campaign next month.", rules)
    assert answers.get(3) is False
    answers, _, _ = map_text("跨部门的韧性工作委员会目前正在筹建。", rules)
    assert answers.get(10) is False
    answers, _, _ = map_text("A multi-sector resilience committee is being set up.", rules)
    assert answers.get(10) is False
    answers, _, _ = map_text("We are planning a workshop to launch our resilience strategy process.", rules)
    assert answers.get(4) is True  # Q4 itself asks about planning


def test_each_clause_can_set_several_questions(rules: RoadmapRules) -> None:
    answers, evidence, _ = map_text(
        "We have no chief resilience officer and no committee. The city council approved our resilience strategy.",
        rules,
    )
    assert answers == {10: False, 12: True, 13: True}
    assert evidence[13] == "The city council approved our resilience strategy"


def test_explicit_answers_override_text(rules: RoadmapRules) -> None:
    text = PAIRS["stage_c_full"][0]
    result = assess_stage({13: False}, text, rules=rules)
    assert result.stage == "B"
    assert dict(result.evidence)[13] == "Q13: no"
    assert assess_stage({13: None}, text, rules=rules).stage == "C"  # an unknown answer lets the text speak


def test_output_language(rules: RoadmapRules) -> None:
    zh = assess_stage(text=PAIRS["stage_b_drafting"][1], rules=rules)
    en = assess_stage(text=PAIRS["stage_b_drafting"][0], rules=rules)
    assert all(detect_lang(s) == "zh" for s in zh.next_steps)
    assert all(detect_lang(s) == "en" for s in en.next_steps)
    assert any("市议会" in s and "批准" in s for s in zh.next_steps)
    assert any("approved" in s for s in en.next_steps)
    forced = assess_stage(text=PAIRS["stage_b_drafting"][1], rules=rules, lang="en")
    assert all(detect_lang(s) == "en" for s in forced.next_steps)
    assert next(c for c in forced.criteria if c.id == "q2").label.startswith("Lectures")


def test_next_steps_point_to_the_next_stage(rules: RoadmapRules) -> None:
    a = assess_stage(_answers(q2=True, q3=True), rules=rules, lang="zh")
    assert a.next_steps[0].startswith("成立多部门韧性能力建设委员会")  # the missing A->B parts first
    assert not any(s.startswith("与员工和市议会") for s in a.next_steps)  # Q2 already met
    c = assess_stage(_answers(q2=True, q3=True, q10=True, q13=True), rules=rules)
    assert any("mentor" in s for s in c.next_steps)
    undecided = assess_stage(rules=rules)
    assert any("mcr2030-ap@un.org" in s for s in undecided.next_steps)


def test_detect_lang() -> None:
    assert detect_lang("本市已通过 ISO 37123（韧性城市指标）认证。") == "zh"
    assert detect_lang("We have a 首席抗灾官 and a committee for resilience.") == "en"
    assert detect_lang("") == "en"


@pytest.mark.parametrize(
    "text",
    [
        "We held awareness events this year, trained staff and council, have a multi-sector committee and a draft "
        "strategy, but nothing has been approved or submitted yet.",
        "我们今年开展了宣传活动，给工作人员和市议会开过讲座，有多部门委员会和战略草案，但还没有任何计划获得批准或提交。",
    ],
)
def test_nothing_approved_or_submitted_is_a_negation(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(None, text, rules=rules)
    assert result.stage == "B"
    assert dict(result.answers)[13] is False


@pytest.mark.parametrize(
    "text",
    [
        "We trained staff and council, ran an awareness week this year, set up a multi-sector committee, and last "
        "week held a workshop to launch the development of our DRR strategy.",
        "我们给工作人员和市议会开了讲座，今年举办了宣传周，成立了多部门委员会，上周召开了启动防灾减灾战略制定的研讨会。",
    ],
)
def test_launching_a_strategy_is_not_having_one_in_either_language(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(None, text, rules=rules)
    assert result.stage == "B"
    assert dict(result.answers)[12] is False and dict(result.answers)[13] is False


def test_a_questionnaire_question_and_its_answer_are_read_as_one_statement(rules: RoadmapRules) -> None:
    text = "Q1. Committee?\n  A1: none yet\n问：是否办过讲座\n答：否\nQ: left unanswered"
    joined = answers_joined(text, rules.lexicon)
    assert len(joined) == len(text)  # offsets hold
    assert joined.split() == ["Committee：", "none", "yet", "是否办过讲座：", "否", "Q:", "left", "unanswered"]
    answers, _, _ = map_text("Q: Multi-sector committee?\nA: None yet.", rules)
    assert answers.get(10) is False
