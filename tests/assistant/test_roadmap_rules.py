"""The roadmap rules file and the stage rules of issue #15, in both languages: the file is validated with its
locations, every pattern's examples and counter-examples read as the file says, and descriptions worded in other
ways than the survey land in the stage the roadmap gives them. Model-free and fast."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.roadmap import SUBMITTED, RoadmapRules, assess_stage, load_rules, map_text
from assistant.roadmap.reader import read_text
from retriever.errors import InvalidKnowledgeFile
from retriever.language import has_han

A_TO_B_EN = (
    "This year we ran public awareness campaigns and held lectures for staff and the city council. "
    "A multi-sector resilience committee coordinates our work."
)
A_TO_B_ZH = "今年我们开展了公众宣传活动，为工作人员和市议会举办了讲座，成立了多部门韧性委员会。"
# the same without the committee: awareness and lectures only
AWARE_EN = "This year we ran public awareness campaigns and held lectures for staff and the city council."
AWARE_ZH = "今年开展了公众宣传活动，为工作人员和市议会举办了讲座。"


def _with(base_en: str, base_zh: str, text: str) -> str:
    """``text`` after the base description in its own language."""
    return f"{base_zh if has_han(text) else base_en} {text}"


@pytest.fixture(scope="module")
def rules(knowledge_dir: Path, corpus_dir: Path) -> RoadmapRules:
    return load_rules(knowledge_dir, corpus_dir, reader="patterns")  # model-free: the pattern reader


@pytest.fixture(scope="module")
def raw(knowledge_dir: Path) -> dict:
    return json.loads((knowledge_dir / "roadmap.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------ the file


@pytest.mark.parametrize(
    ("edit", "location"),
    [
        (
            lambda d: d["special"]["submitted"].__setitem__("nedds", d["special"]["submitted"].pop("needs")),
            "special.submitted.needs",
        ),
        (lambda d: d["stage_table"]["rows"][1].__setitem__("stage", "D"), "stage_table.rows.1.stage"),
        (lambda d: d["cues"][3].__setitem__("exmaples", []), "cues.3.exmaples"),
        (lambda d: d["lexicon"]["time"].pop("undated"), "lexicon.time.undated"),
    ],
)
def test_a_typo_is_an_invalid_knowledge_file_naming_its_location(
    tmp_path: Path, raw: dict, corpus_dir: Path, edit, location: str
) -> None:
    data = json.loads(json.dumps(raw))
    edit(data)
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "roadmap.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    shutil.copy(corpus_dir / "mcr2030-overview.zh.txt", tmp_path)
    with pytest.raises(InvalidKnowledgeFile) as err:
        load_rules(knowledge, tmp_path)
    assert err.value.code == "invalid_knowledge_file"
    assert location in str(err.value)


def test_every_pattern_reads_its_examples_and_not_its_counter_examples(rules: RoadmapRules, raw: dict) -> None:
    checked = 0
    for cue in raw["cues"]:
        for text in cue.get("examples", ()):
            assert map_text(text, rules)[0].get(cue["q"]) is True, (cue["q"], cue["facet"], text)
            checked += 1
        for text in cue.get("counter_examples", ()):
            assert map_text(text, rules)[0].get(cue["q"]) is not True, (cue["q"], cue["facet"], text)
            checked += 1
    for rule in raw["implications"]:
        for text in rule.get("examples", ()):
            answers = map_text(text, rules)[0]
            for q, value in rule["sets"].items():
                assert answers.get(int(q)) is value, (rule["id"], text, q)
            checked += 1
        for text in rule.get("counter_examples", ()):
            answers = map_text(text, rules)[0]
            assert any(answers.get(int(q)) is not v for q, v in rule["sets"].items()), (rule["id"], text)
            checked += 1
    closed = raw["stage_table"]["closed_account"]
    for text in closed["examples"]:
        assert read_text(text, rules).closed, text
        checked += 1
    for text in closed["counter_examples"]:
        assert not read_text(text, rules).closed, text
        checked += 1
    assert checked >= 30


# ------------------------------------------------------------------------------------------ the stage rules


@pytest.mark.parametrize(
    "text",
    [
        "We have not run any awareness activities, there have been no lectures for staff or the council, and we "
        "have no resilience committee or coordination mechanism.",
        "我们没有开展过宣传活动，也没有给工作人员和议会办过讲座，没有韧性委员会或协调机制。",
    ],
)
def test_a_to_b_unmet_is_stage_a_whatever_is_unknown_about_b_to_c(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(text=text, rules=rules)
    assert (result.stage, result.to_ask) == ("A", ())


@pytest.mark.parametrize(
    ("text", "q10"),
    [
        # a negated list head reaches the rest of its list after a comma...
        (
            "Campaigns and staff and council training done, but no committee, focal point or coordination structure "
            "of any kind exists.",
            False,
        ),
        # ...but not past a 'but', and not from a clause that is more than a negated noun
        (
            "Campaigns and staff and council training done. There is no committee, but a focal point was appointed "
            "in the mayor's office.",
            True,
        ),
        # a label's clause, then a bare predicate of its subject
        (
            "Awareness: drills in March; lectures: staff and council, both done; committee: proposed in a memo to "
            "the city manager, not set up yet.",
            False,
        ),
        ("宣传：三月做过演练；讲座：工作人员和议会都听过；委员会：已向市长提议，尚未成立。", False),
        (
            "Awareness: drills in March; lectures: staff and council, both done; committee: set up in May, meets "
            "monthly.",
            True,
        ),
    ],
)
def test_negation_reaches_a_list_and_a_labelled_predicate(rules: RoadmapRules, text: str, q10: bool) -> None:
    assert read_text(text, rules).answers.get(10) is q10


def test_negated_list_heads(rules: RoadmapRules) -> None:
    head = rules.lexicon.negated_list_head
    assert all(head.fullmatch(c) for c in ("but no committee", "no committee", "and no public outreach"))
    assert not any(head.fullmatch(c) for c in ("no longer active", "but no committee has been set up"))


@pytest.mark.parametrize(
    "text",
    [
        "We signed up to MCR2030 last month and have not done anything yet.",
        "我们上个月刚加入 MCR2030，还没有开展任何工作。",
    ],
)
def test_just_signed_up_and_done_nothing_is_stage_a(rules: RoadmapRules, text: str) -> None:
    assert assess_stage(text=text, rules=rules).stage == "A"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Only public outreach so far: we ran a preparedness fair for residents this spring.", "en"),
        ("So far we have only held one public awareness day for residents; nothing else yet.", "en"),
        ("今年只在几个社区搞了防灾宣传，其他工作还没开始。", "zh"),
        ("我们市刚签了承诺书，之前没系统做过韧性方面的工作。", "zh"),
    ],
)
def test_a_closed_account_reads_what_it_leaves_out_as_not_done(rules: RoadmapRules, text: str, lang: str) -> None:
    result = assess_stage(text=text, rules=rules)
    assert (result.stage, result.to_ask) == ("A", ())
    assert any(a.startswith(rules.message("closed_account", lang)) for a in result.ambiguities)
    assert dict(result.answers)[10] is None  # a default, not an answer: a later turn can still state it


@pytest.mark.parametrize(
    "text",
    [
        "We ran a preparedness fair for residents this spring, and staff and councillors had resilience lectures.",
        "今年面向市民开展了防灾宣传，工作人员和市议员也听了韧性讲座。",
        "Only public outreach so far, I think, but I would have to check.",  # a closed account, hedged
    ],
)
def test_an_open_account_leaves_the_unmentioned_criteria_to_ask(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(text=text, rules=rules)
    assert result.stage == "undecided"
    assert 10 in result.to_ask


@pytest.mark.parametrize(
    "text",
    [
        A_TO_B_EN + " The committee has committed to developing a DRR strategy, but there is no strategy text yet.",
        A_TO_B_EN + " Drafting of the strategy is scheduled for next year.",
        A_TO_B_EN + " Our resilience strategy is being drafted.",
        A_TO_B_ZH + "委员会承诺牵头制定防灾减灾战略。目前还没有战略文本。",
        A_TO_B_ZH + "战略编制已列入明年的工作计划。",
        A_TO_B_ZH + "防灾减灾战略正在起草中。",
    ],
)
def test_a_to_b_met_and_no_strategy_yet_is_stage_b(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(text=text, rules=rules)
    assert (result.stage, result.to_ask) == ("B", ())


@pytest.mark.parametrize(
    "plan",
    [
        "Our urban development plan sets out flood and earthquake measures and was approved by the local government.",
        "The council adopted our climate adaptation plan, which includes DRR measures.",
        "The city council passed the disaster risk reduction action plan.",
        "Our resilience plan was endorsed by the city council.",
        "城市更新规划明确了防洪排涝措施，已获市议会批准。",
        "防灾减灾行动方案已经市政府常务会议审议通过。",
        "城市总体规划包含防灾减灾措施，已由市人大审议通过。",
    ],
)
def test_an_approved_plan_counts_whatever_it_is_called(rules: RoadmapRules, plan: str) -> None:
    assert assess_stage(text=_with(A_TO_B_EN, A_TO_B_ZH, plan), rules=rules).stage == "C"


@pytest.mark.parametrize(
    "plan",
    [
        "Our development plan has been approved, but it contains nothing on disaster risk reduction.",
        "The council adopted the master plan; it does not include any disaster risk reduction measures.",
        "我们的发展规划已经获批，但里面没有任何防灾减灾内容。",
        "市政府批准了城市总体规划，其中不包含防灾减灾措施。",
    ],
)
def test_an_approved_plan_that_holds_nothing_on_risk_reduction_is_not_approval(rules: RoadmapRules, plan: str) -> None:
    """Paired probes of session 27: the English and Chinese twins read the approval as Q13 yes (Stage C with the
    A->B criteria met); what the plan is called does not matter, what it holds does."""
    drafting_en = (
        "A multi-department committee is drafting the DRR strategy; we ran public campaigns this year and briefed "
        "staff and councillors."
    )
    drafting_zh = "防灾减灾战略正由多部门委员会起草；今年面向市民做了宣传，干部和人大代表都听了讲座。"
    result = assess_stage(text=_with(drafting_en, drafting_zh, plan), rules=rules)
    assert result.stage == "B"
    assert dict(result.answers)[13] is False


@pytest.mark.parametrize(
    "plan",
    [
        "The committee's technical working group has endorsed the draft strategy; we hope to put it to the council.",
        "We plan to submit the strategy for approval next year.",
        "专家组审议通过了规划草案，准备明年提交市议会。",
        "防灾减灾规划正在编制，明年报市政府批准。",
    ],
)
def test_endorsement_by_others_and_future_approval_are_not_approval(rules: RoadmapRules, plan: str) -> None:
    result = assess_stage(text=_with(A_TO_B_EN, A_TO_B_ZH, plan), rules=rules)
    assert result.stage != "C"


@pytest.mark.parametrize(
    "plan",
    [
        "Our DRR strategy has been in force since 2020 and departments report on its actions every year.",
        "我市防灾减灾战略自2020年起施行，各部门每年报告落实情况。",
    ],
)
def test_a_clause_coordinated_after_the_approval_does_not_name_the_approver(rules: RoadmapRules, plan: str) -> None:
    """The departments that report on a strategy in force did not approve it: the body that approved is named
    before the act or as its agent, not in a clause with a subject of its own after "and"."""
    assert assess_stage(text=_with(A_TO_B_EN, A_TO_B_ZH, plan), rules=rules).stage == "C"
    assert (
        read_text("The plan was endorsed by the working group and then sent to the council.", rules).answers.get(13)
        is not True
    )


@pytest.mark.parametrize(
    "text",
    [
        A_TO_B_EN + " Resilience strategy: finished; formally submitted to the City Council on 2 July, vote pending.",
        A_TO_B_ZH + "韧性战略：已定稿；已经报送市人大常委会，还没表决。",
        "Yes, submitted to the council last month, no vote yet. "
        + A_TO_B_EN
        + " The committee wrote this DRR strategy.",
        "对，已经报送市人大常委会了，还没表决。" + A_TO_B_ZH + "这份综合防灾减灾规划是减灾委牵头编的。",
    ],
)
def test_a_submission_with_no_subject_of_its_own_is_the_plans(rules: RoadmapRules, text: str) -> None:
    """A sentence that opens with "submitted" speaks of the plan named before it, or after it when it opens the
    text (an answer to "has it been submitted?"), and a submission is enough for Stage C."""
    assert assess_stage(text=text, rules=rules).stage == "C"


@pytest.mark.parametrize(
    "text",
    [
        "Has it gone to council? No, the strategy is still being drafted. " + A_TO_B_EN,
        "提交市议会了吗？还没有，战略还在起草。" + A_TO_B_ZH,
    ],
)
def test_a_question_about_the_submission_is_not_one(rules: RoadmapRules, text: str) -> None:
    assert assess_stage(text=text, rules=rules).stage == "B"


@pytest.mark.parametrize(
    "text",
    [
        "This year we ran public awareness events and held lectures for staff and councillors. We do not have a task "
        "force, a committee, or any standing group that brings our departments together on resilience.",
        "今年我们开展了公众宣传活动，为工作人员和议员举办了讲座。我们没有工作组、委员会或任何把各部门召集在一起的常设机构。",
    ],
)
def test_a_negation_reaches_the_items_of_its_list_after_commas(rules: RoadmapRules, text: str) -> None:
    """ "a committee" is the second item of what the city does not have: no committee, so Stage A."""
    assert assess_stage(text=text, rules=rules).stage == "A"
    assert read_text("We have a task force, a committee, and a standing group.", rules).answers.get(10) is True


@pytest.mark.parametrize(
    "text",
    [
        "The mayor wants a multi-department resilience board to lead the DRR strategy, but nobody has been appointed.",
        "市长希望成立多部门韧性委员会来牵头编制减灾战略，但目前还没有任命任何人。",
        "我们拟成立韧性建设领导小组，组建方案已报市政府，还没批复。",
        "We intend to set up a resilience board; the proposal to set it up has gone to the mayor, not yet approved.",
    ],
)
def test_a_committee_wanted_or_proposed_is_not_one_and_its_proposal_is_no_plan(rules: RoadmapRules, text: str) -> None:
    """What the mayor wants is not there yet, and a plan to form a body (组建方案) sent to the government is not a
    resilience plan submitted: no committee, so Stage A, not undecided."""
    assert assess_stage(text=_with(AWARE_EN, AWARE_ZH, text), rules=rules).stage == "A"


@pytest.mark.parametrize("clause", ["尚未报区政府", "还没送到县人大", "未报市政府", "has not been sent to the council"])
def test_a_plan_not_yet_sent_to_a_government_is_not_about_guidance_for_it(rules: RoadmapRules, clause: str) -> None:
    """By meaning, "尚未报区政府" reads like the district's councillors never had a lecture; it is about the plan."""
    assert rules.components_not_about[2].search(clause) or rules.lexicon.status_denied.search(clause)


@pytest.mark.parametrize(
    "text",
    [
        "We ran flood-awareness sessions for residents in every district this year, and a multi-sector committee "
        "is drafting our resilience strategy.",
        "今年我们在各街道给居民办了防汛讲座，多部门委员会正在起草韧性战略。",
    ],
)
def test_sessions_for_the_public_are_not_guidance_for_staff_and_council(rules: RoadmapRules, text: str) -> None:
    """Awareness sessions for residents answer Q3; whether staff and the council had guidance (Q2) is asked."""
    result = assess_stage(text=text, rules=rules)
    assert (result.stage, result.to_ask) == ("undecided", (2,))
    assert read_text("We held awareness sessions for staff and councillors in March.", rules).answers.get(2) is True


@pytest.mark.parametrize(
    "text",
    [
        "Our DRR strategy was approved by the city council. We may have held a public event, I am not sure.",
        "防灾减灾战略已获市议会批准。可能办过一些宣传活动，不太确定。",
    ],
)
def test_b_to_c_without_a_to_b_is_undecided_naming_the_deciding_questions(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(text=text, rules=rules)
    assert result.stage == "undecided"
    assert result.to_ask and set(result.to_ask) <= {2, 3, 10}


@pytest.mark.parametrize(
    "text",
    [
        "Our resilience committee is drafting a DRR strategy and staff and councillors attended briefings this "
        "year. We ran an awareness campaign for residents at some point, though I am not sure when.",
        "韧性委员会正在起草防灾减灾战略，今年工作人员和议员都听了讲座。我们办过面向市民的宣传活动，但记不清是什么时候了。",
    ],
)
def test_an_undated_activity_leaves_the_window_question_open(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(text=text, rules=rules)
    assert (result.stage, result.to_ask) == ("undecided", (3,))


@pytest.mark.parametrize(
    "text",
    [
        "We ran public outreach this year and our multi-sector committee is drafting the strategy. Senior managers "
        "have had a resilience briefing.",
        "今年开展了公众宣传，多部门委员会正在起草战略。领导干部听了韧性讲座。",
    ],
)
def test_guidance_for_part_of_the_audience_asks_q2(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(text=text, rules=rules)
    assert result.stage == "undecided" and 2 in result.to_ask


@pytest.mark.parametrize(
    "text",
    [
        "Since last year we have held several public awareness campaigns.",
        "去年以来我们搞了好几轮公众宣传。",
    ],
)
def test_since_last_year_is_within_the_window(rules: RoadmapRules, text: str) -> None:
    assert map_text(text, rules)[0].get(3) is True


@pytest.mark.parametrize(
    "text",
    [
        A_TO_B_EN + " In March the committee held a workshop to launch our resilience strategy.",
        A_TO_B_EN + " We intend to build DRR into the next revision of the master plan.",
        A_TO_B_ZH + "三月委员会召开了战略启动研讨会。",
    ],
)
def test_a_description_that_does_not_mention_an_approved_plan_reads_as_not_approved(
    rules: RoadmapRules, text: str
) -> None:
    """A description is the city's own account: an approval it does not mention is read as not there (Stage B),
    the reply says what an approval would change, and the survey answer stays unknown for a later turn."""
    result = assess_stage(text=text, rules=rules)
    assert result.stage == "B"
    assert dict(result.answers)[13] is None
    assert any("C" in note for note in result.ambiguities)


@pytest.mark.parametrize("text", ["Which stage of the roadmap are we in?", "我们处于路线图的哪个阶段？"])
def test_a_question_with_no_description_leaves_the_approval_unknown(rules: RoadmapRules, text: str) -> None:
    result = assess_stage(text=text, rules=rules)
    assert result.stage == "undecided" and 13 in result.to_ask


def test_survey_answers_left_blank_stay_unknown(rules: RoadmapRules) -> None:
    answers = {2: True, 3: True, 10: True, 12: True}
    result = assess_stage(answers=answers, rules=rules)
    assert result.stage == "undecided" and result.to_ask[0] == 13


@pytest.mark.parametrize(
    "text",
    [
        A_TO_B_EN + " Councillors voted it through last month: it is our new DRR action plan.",
        A_TO_B_EN + " The plan, which sets out drainage works and an early-warning system, was adopted by the "
        "municipal assembly in May.",
        A_TO_B_ZH + "委员会编制的防灾减灾实施计划已由市议会表决通过。",
    ],
)
def test_approval_worded_as_a_vote_or_far_from_the_plan_counts(rules: RoadmapRules, text: str) -> None:
    assert assess_stage(text=text, rules=rules).stage == "C"


@pytest.mark.parametrize(
    ("text", "q", "value"),
    [
        ("We set up a multi-sector resilience committee last year. The committee will meet next month.", 10, True),
        ("去年成立了多部门韧性委员会。委员会下个月将召开第一次全体会议。", 10, True),
        ("面向市民、企业和学校的防灾宣传活动一次都还没办过。", 3, False),
        ("We reached out to residents this year with flood-safety leaflets.", 3, True),
    ],
)
def test_talk_of_the_future_does_not_undo_what_was_done_and_a_negation_covers_its_list(
    rules: RoadmapRules, text: str, q: int, value: bool
) -> None:
    assert map_text(text, rules)[0].get(q) is value


@pytest.mark.parametrize(
    ("text", "q", "value"),
    [
        ("干部都参加过培训，但人大代表有没有参加，我得回去查查才能确定。", 2, None),  # 有没有 asks, it does not deny
        ("面向居民的宣传，最近一次还是前年的防灾减灾日活动。", 3, False),  # "the most recent was" is not recent
        ("I work in finance, so I can't really speak to public outreach.", 3, None),
        ("We signed the MCR2030 commitment letter last week and that's about it for now.", 3, False),
    ],
)
def test_questions_hedges_and_the_last_time_are_read_as_what_they_say(
    rules: RoadmapRules, text: str, q: int, value: bool | None
) -> None:
    assert map_text(text, rules)[0].get(q) is value


@pytest.mark.parametrize(
    ("text", "q", "value"),
    [
        ("这一年我们进村入户讲防灾不下二十场。", 3, True),  # 不下 (no fewer than) is not a negation
        ("We held a joint session for council members and our department staff in May.", 2, True),
        ("Our inter-agency resilience board is committed to a DRR strategy.", 4, True),
        (
            "We have no standalone strategy, but the development plan, which sets out flood-control works and "
            "relocation from the floodplain, was ratified by the legislature in June.",
            13,
            True,
        ),
    ],
)
def test_wording_read_for_each_criterion(rules: RoadmapRules, text: str, q: int, value: bool) -> None:
    assert map_text(text, rules)[0].get(q) is value


@pytest.mark.parametrize(
    "text",
    ["村民反映内涝严重。", "During the flood months the river rises fast.", "规划编制要请专家论证。"],
)
def test_words_that_only_sound_like_a_criterion_answer_nothing(rules: RoadmapRules, text: str) -> None:
    """Villagers complaining, a flood season or an expert review are not outreach, guidance or a committee."""
    answers = map_text(text, rules)[0]
    assert not {q for q, v in answers.items() if v is True} & {2, 3, 10}


@pytest.mark.parametrize(
    "text",
    [
        # submission is the FAQ's "提交，以备实施": "the plan to council" is a noun phrase, not talk of the future
        A_TO_B_EN + " We sent the resilience plan to council last week.",
        A_TO_B_EN + " The resilience strategy was lodged with the council secretariat ahead of the next sitting.",
        A_TO_B_ZH + "防灾减灾规划已经编完并报市政府，正在排队等常务会议审议。",
        A_TO_B_ZH + "韧性战略已报请市政府审批。",
        A_TO_B_EN + " The resilience plan was officially gazetted in April.",
    ],
)
def test_plans_sent_lodged_or_gazetted_meet_b_to_c(rules: RoadmapRules, text: str) -> None:
    """Wordings from stages/clauses_plan.jsonl (labelled blind): a plan sent or lodged, gazetted, or awaiting a
    meeting is B->C evidence."""
    assert assess_stage(text=text, rules=rules).stage == "C"


@pytest.mark.parametrize(
    "text",
    [
        "韧性战略由减灾委办公室审核通过，下一步才报市政府。",
        "Our resilience plan was approved by the planning department only.",
        "The resilience strategy is done but still needs to go to council.",
        "原有的防灾减灾规划已经废止，新的规划还在起草。",
    ],
)
def test_a_later_step_the_wrong_body_or_a_repeal_is_not_b_to_c(rules: RoadmapRules, text: str) -> None:
    answers = map_text(A_TO_B_EN + " " + text if text.isascii() else A_TO_B_ZH + text, rules)[0]
    assert answers.get(13) is not True and not answers.get(SUBMITTED)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # who approved is the sentence's subject, even in a clause of its own before the verb
        (
            A_TO_B_EN + " Our resilience steering group, which includes most departments plus the utilities, "
            "endorsed the final draft of the resilience strategy. It has not gone to council yet.",
            "B",
        ),
        (A_TO_B_ZH + "《城市韧性提升行动方案》已经编完了，上个月通过了专家评审，还没报送市政府。", "B"),
        (A_TO_B_ZH + "我们应急管理局的局务会已经审议通过了《综合防灾减灾规划（征求意见稿）》。", "B"),
        # a work plan for drafting is not the plan
        (A_TO_B_ZH + "韧性战略的编制工作方案刚印发，咨询单位还在招标，战略本身还没动笔。", "B"),
        # a plan that exists, whoever signed it, meets the commitment to a strategy
        (A_TO_B_EN + " The planning department's director signed off our disaster risk reduction plan.", "B"),
        # the process once launched stays launched when the text does not exist yet
        (
            A_TO_B_EN + " We launched the strategy process at a kick-off workshop in May and hired a consultant. "
            "No strategy text exists yet.",
            "B",
        ),
        (A_TO_B_EN + " Council voted unanimously last Tuesday to adopt our resilience strategy.", "C"),
        (A_TO_B_ZH + "五年规划纲要设了“提升城市安全韧性”一章，纲要已经由市人民代表大会审议批准。", "C"),
    ],
)
def test_descriptions_as_officials_write_them(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind8.jsonl (a tuning set written blind): the approving body as a subject clause,
    expert review and a department's meeting, a drafting work plan, a signed-off plan, a process with no text yet,
    a vote to adopt, a development plan approved by the people's congress."""
    assert assess_stage(text=text, rules=rules).stage == stage


STAFF_AND_COUNCIL_EN = "Staff and councillors were briefed on resilience this spring. "
STAFF_AND_COUNCIL_ZH = "今年春天给干部和市议会议员办了韧性专题讲座。"


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # outreach that stayed inside the government does not reach the public (Q3)
        (
            "我们的“韧性宣传月”只在机关内部搞，面向各部门公务员，没有对市民开放过。"
            + STAFF_AND_COUNCIL_ZH
            + "市里成立了韧性城市建设领导小组，战略编制启动会也开了。",
            "A",
        ),
        (
            "Awareness: a staff intranet series, nothing aimed at residents. "
            + STAFF_AND_COUNCIL_EN
            + "A multi-sector resilience committee launched the strategy process in May.",
            "A",
        ),
        # eighteen months ago is outside the twelve
        (
            "本市多部门韧性委员会已于今年初召开战略编制启动会。"
            + STAFF_AND_COUNCIL_ZH
            + "面向市民的最近一次防灾宣传活动是在一年半以前。",
            "A",
        ),
        # a committee that never worked towards a strategy does not meet the third A->B criterion
        (
            "委员会是有的，就是防汛应急指挥部，从来没讨论过编什么减灾或韧性战略。今年5月办了市民开放日。"
            + STAFF_AND_COUNCIL_ZH,
            "A",
        ),
        (
            "Our emergency committee brings together police, fire and public works, but nobody there is tasked with "
            "a resilience strategy. We ran a neighbourhood preparedness campaign this year. " + STAFF_AND_COUNCIL_EN,
            "A",
        ),
        (
            "We'll set up a resilience committee once the new mayor is sworn in. We ran two community fairs this "
            "spring. " + STAFF_AND_COUNCIL_EN,
            "A",
        ),
        # an outline or the terms of reference for drafting are not the plan
        (
            "今年面向市民办了防灾宣传周。"
            + STAFF_AND_COUNCIL_ZH
            + "已指定减灾干事和多部门协调小组，战略编制工作大纲已印发。",
            "B",
        ),
        (
            "We ran a public awareness week in April. " + STAFF_AND_COUNCIL_EN + "Our DRR officer and the "
            "inter-agency committee got the terms of reference for the strategy approved.",
            "B",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_five(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind9.jsonl (a tuning set written blind): outreach kept inside the government, a
    year and a half ago, a committee that never worked on a strategy, a committee still to come, an outline or
    terms of reference approved."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # checklists: a label takes its value from what it introduces, and the parts of Q2 may sit on two lines
        (
            "Where we are:\n- Public: online consultation and three community workshops this year\n"
            "- Briefings: staff e-learning module; councillors' workshop in the same quarter\n"
            "- Committee: multi-sector resilience committee overseeing the drafting of the strategy",
            "B",
        ),
        (
            "- 公众：近半年内三次线上问卷和社区座谈会\n- 培训：机关干部韧性轮训已完成；市议会常委会听取过专题讲座\n"
            "- 机构：防灾减灾委员会牵头战略编制，初稿正在修改",
            "B",
        ),
        (
            "现状：\n- 宣传：近半年办了两场社区韧性讲堂，对居民开放\n- 讲座：工作人员和市议员一起参加了专题研讨\n"
            "- 委员会/联络人：✘ 尚未成立\n- 战略：✘ 暂无启动计划",
            "A",
        ),
        (
            "Status:\n* Public: resilience fair at the central market four months ago\n"
            "* Training: joint session for staff and council\n* Focal point / committee: none designated\n"
            "* Strategy: would like one eventually, nothing started",
            "A",
        ),
        # a reason clause does not negate its main clause; a sentence saying the public was not reached does
        (
            "Our multi-sector steering committee sent the first draft of the strategy back because the actions "
            "lacked owners. We held open days at fire stations this year, and councillors and staff were briefed "
            "together at a seminar.",
            "B",
        ),
        (
            "今年的“韧性宣传月”办得挺热闹，但所有活动都在市政府大楼里，没有对市民开放。市议会和机关工作人员一起听过韧性讲座；"
            "多部门韧性委员会正在编写战略初稿。",
            "A",
        ),
        (
            "Our inter-departmental emergency committee coordinates storm response but has no mandate to prepare "
            "a resilience strategy. This year we held public talks in libraries and briefed staff and the council.",
            "A",
        ),
        (
            "眼下工作组还在分章节撰写韧性战略，草稿没有提交给任何审批机构。今年通过社区广播开展了家庭防灾宣传。"
            "市议员和各部门工作人员都参加过由十二个部门组成的韧性委员会组织的培训。",
            "B",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_six(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind11.jsonl (a tuning set written blind, Stage B its focus): checklists with labels,
    staff and council on two lines, a reason clause, outreach not open to the public, no mandate for a strategy,
    a working group still writing."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # approval and submission as officials of other administrations word them
        (
            "By Resolution No. 45, the Municipal Council unanimously adopted the Climate Adaptation and Disaster "
            "Risk Reduction Plan. The municipal risk management committee drew it up. Awareness: resident "
            "workshops in all districts during the last 12 months. Staff and councillors attended training.",
            "C",
        ),
        (
            "The Mayor signed Executive Order No. 7 adopting the City Resilience Action Plan. Our CRO chairs a "
            "14-agency working group. In the past year we held public town halls and trained staff and city council "
            "members on resilience.",
            "C",
        ),
        (
            "市委、市政府已联合印发《韧性城市建设三年行动计划》。该计划由跨部门韧性委员会编制；过去一年组织了多次面向市民的公众咨询，"
            "并为市政府工作人员和市人大代表举办了培训。",
            "C",
        ),
        # money for drafting is not the plan; "only then will it be submitted" is not a submission
        (
            "市人大常委会听取了市政府关于城市韧性建设的专题报告，并批准了韧性战略编制的专项经费，但战略本身还在编制。"
            "市政府各部门工作人员也参加了同一主题的培训。首席韧性官负责跨部门协调。过去一年面向市民开展了防灾减灾进社区活动。",
            "B",
        ),
        (
            "减灾委员会牵头编制的《城市韧性提升战略》草案已经完成，修改后才会提请市政府常务会议审议。今年召开了社区咨询会，"
            "机关干部和市人大代表一起参加了韧性专题讲座。",
            "B",
        ),
        # a sentence's other clause about sending a plan to the council says nothing of briefing the council
        (
            "Our DRR focal point organised school visits for residents over the past few months and she ran "
            "resilience briefings for the council and for the staff and the workshop to start our resilience "
            "strategy is booked for next month, but there is no plan yet so nothing has gone to council for approval.",
            "B",
        ),
        # an existing committee that plans its work next year still exists; one proposed for next year does not
        (
            "过去一年开展了公众宣传，机关人员和市人大代表都听过讲座，应急局牵头的多部门委员会计划明年启动韧性战略编制。",
            "B",
        ),
        (
            "A city-wide drill with residents was held five months ago, and staff and councillors had a resilience "
            "workshop. Appointment of a Chief Resilience Officer is proposed for the next fiscal year.",
            "A",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_seven(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind12.jsonl (a tuning set written blind: memos, run-on sentences, non-native English,
    other administrations' terms)."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a "committee" of one bureau's sections is not multi-sector
        (
            "宣传活动今年搞了好几波，进社区、进学校都有，局里同事和议员都来听了讲座。但所谓的“韧性委员会”就是应急局内部几个科室拼起来的，"
            "别的局压根没进来。",
            "A",
        ),
        # nobody talks of a strategy / no plan to start one: no commitment to a strategy
        (
            "We did a flood fair and school visits this year, and both council and staff sat through resilience "
            "trainings in the spring. Our committee has nine departments, but nobody's talking about a strategy.",
            "A",
        ),
        (
            "We held public consultations this year, and staff and council attended a joint session on resilience. "
            "Our inter-agency committee coordinates recovery funding; someone said a strategy might be nice one "
            "day, but there's no plan to start one.",
            "A",
        ),
        # a committee still to be proposed, a strategy that waits until it exists
        (
            "The campaign reached residents in all wards this summer, and briefings were delivered to council "
            "members and staff in March. A proposal to set up a resilience committee will be prepared early next "
            "year, and any discussion of a strategy should wait until that committee exists.",
            "A",
        ),
        # submission planned for a year to come, or after the text is finished, is not a submission
        (
            "2022年成立了跨部门的韧性城市工作委员会；2024年启动了韧性战略编制；今年为市政府工作人员和市议会议员联合举办了讲座，"
            "9月组织了面向公众的宣传周。战略文本计划2027年春季提交市议会审议。",
            "B",
        ),
        # a donor programme's steering committee does not approve for the city
        (
            "The resilience action plan was endorsed by the project steering committee of our donor programme. "
            "This year we held public outreach in all wards and briefed staff and council together; the "
            "multi-department resilience committee coordinated the plan's preparation.",
            "B",
        ),
        # a council resolution to approve, a council vote
        (
            "The Council resolved to approve the City Resilience Strategy for implementation, effective 1 January "
            "2027. This year we held community consultations and briefed councillors and staff; our CRO coordinates "
            "the inter-departmental resilience committee.",
            "C",
        ),
        (
            "咱市的韧性战略上个月市议会投票通过了。今年给市民搞了好几场宣传，议员和局里同事都参加了培训，跨部门的韧性委员会也一直在运作。",
            "C",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_eight(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind13.jsonl (a tuning set written blind: casual messages, minutes, annual reports,
    forwarded e-mails, timelines over several years)."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a newly appointed officer who plans a kick-off exists; an intranet series is not outreach
        (
            "三个月前我们举办了面向学校和企业的防灾宣传周，职员和市议会也参加了情况介绍会。新任命的减灾干事计划下季度召开战略启动会。",
            "B",
        ),
        (
            "Our awareness campaign so far has been an intranet series for municipal employees. Staff and "
            "councillors have had resilience training, and our chief resilience officer has launched the strategy "
            "process.",
            "A",
        ),
        # sent to the government's executive meeting is submitted; a chamber of commerce does not approve
        (
            "防灾减灾战略草案已送交市政府常务会议审议，尚未作出决定。过去一年办过社区宣传，也为职员和市议员举办了研讨会，首席韧性官统筹编制工作。",
            "C",
        ),
        (
            "Our resilience action plan was endorsed by the regional chamber of commerce and a partner NGO. We "
            "consulted the public within the last twelve months, trained staff and councillors, and a cross-sector "
            "committee led the drafting.",
            "B",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_nine(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind15.jsonl (a tuning set written blind to resemble the development set)."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # who was not reached, said in another sentence, still says the activity did not count
        (
            "A resilience working group is drafting our strategy. Residents came to our preparedness fair this year "
            "and staff and councillors were briefed. No other departments have joined the group, though.",
            "A",
        ),
        (
            "我们成立了韧性工作小组，负责起草战略。今年面向市民做了宣传，干部和人大代表也听了讲座。小组成员全部来自应急管理局本局，别的部门没有参加。",
            "A",
        ),
        (
            "We held an awareness week in April. Staff and councillors attended resilience lectures, and a "
            "multi-department committee is drafting our strategy. The week was not open to residents.",
            "A",
        ),
        (
            "今年四月搞了防灾宣传周。干部和人大代表都听了讲座，多部门韧性委员会正在起草战略。宣传周没有面向市民开放。",
            "A",
        ),
        # a submission is read in its verb's clause: the vote still to come does not make it future
        (
            "Our resilience strategy was tabled in council last week and the final vote is scheduled for next "
            "month. We ran public outreach this year, briefed staff and councillors, and a multi-department "
            "committee drafted it.",
            "C",
        ),
        (
            "韧性战略上周已提交市人大常委会，表决安排在下个月。今年开展了市民宣传，干部和人大代表都听了讲座，多部门委员会牵头编制。",
            "C",
        ),
        # a strategy text signed off inside the committee exists, but is neither approved nor submitted
        (
            "Our strategy text has been signed off internally by the committee; it has not gone to council yet. "
            "We ran public outreach this year, staff and councillors attended lectures, and the committee has "
            "members from most departments.",
            "B",
        ),
        (
            "战略文本已经由多部门韧性委员会内部审定，还没有报送市政府或市人大。今年开展了市民宣传，干部和人大代表都听过讲座。",
            "B",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_ten(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind17.jsonl (written blind as a development-like held-out set, measured once untouched,
    then made the tuning set of round 10), in our own words in both languages."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a committee that is only an idea does not exist yet
        (
            "Public outreach this spring and lectures for staff and councillors are done, but the multi-sector "
            "committee is still only an idea.",
            "A",
        ),
        ("今年面向市民做了宣传，干部和人大代表都听了讲座，但多部门委员会还只是一个设想。", "A"),
        # a team inside one agency is not a multi-sector committee
        (
            "The police department has its own internal resilience team drafting a strategy. Residents came to a "
            "preparedness fair this spring, and staff and councillors had lectures.",
            "A",
        ),
        # nobody leading the strategy: no strategy process, no strategy
        ("多部门委员会还在，但现在没人牵头编战略。今年面向市民做了宣传，干部和人大代表都听了讲座。", "A"),
        # the plan named in one sentence, submitted ("it") in the next
        (
            "Our DRR strategy lists flood and heat measures. The mayor submitted it to the council for approval "
            "last week. We ran public campaigns this year, trained staff and councillors, and a multi-department "
            "committee drafted it.",
            "C",
        ),
        (
            "我们的防灾减灾战略列出了防洪和抗旱措施。上周市长把它提交市人大审议了。今年开展了市民宣传，干部和人大代表都参加了讲座，多部门委员会负责起草。",
            "C",
        ),
        # sent to a provincial agency for comments is not submitted for implementation
        (
            "The draft strategy was sent to the provincial planning agency for technical comments; it has not gone "
            "to the council. We ran public campaigns this year, trained staff and councillors, and a "
            "multi-department committee leads the drafting.",
            "B",
        ),
        (
            "战略初稿已报送省住建厅征求意见，还没有提交市政府。今年开展了市民宣传，干部和人大代表都参加了讲座，多部门委员会负责起草战略。",
            "B",
        ),
        # regional spellings (Taiwan): 策略, 宣导, 市府, 同仁
        (
            "本市韧性策略已经市议会审议通过。过去一年持续办理市民防灾宣导，也为市府同仁与议员举办讲座，跨局处韧性委员会督导推动。",
            "C",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_eleven(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind19.jsonl (a tuning set written blind in the voices of different officials), in our
    own words in both languages."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # outreach held inside the government, for its own employees, is not public awareness
        (
            "今年的防灾宣传周是在市政府机关大院里办的，参加的都是各局的公务员。干部和人大代表都听过讲座，多部门委员会正在起草战略。",
            "A",
        ),
        (
            "Our preparedness fair this year was attended only by city employees. Staff and councillors had "
            "lectures, and a multi-department committee is drafting the strategy.",
            "A",
        ),
        # every member from one service; a few sections of one bureau
        (
            "Every member of our resilience committee comes from the police department. The committee is drafting "
            "the strategy. We ran public campaigns this year and lectures for staff and council.",
            "A",
        ),
        (
            "宣传——今年进社区三次；讲座——干部和人大代表都听过；委员会——还没有，只是应急管理局内部抽了几个科室组成专班在研究。",
            "A",
        ),
        # submitted: the text sent to the government and in its approval procedure; reviewed by the council
        (
            "多部门韧性委员会编了战略。今年干部和人大代表都听过讲座，也面向市民做了宣传。文本上个月已正式报送市政府，目前在走审批流程。",
            "C",
        ),
        (
            "The resilience plan, with drainage and retrofit measures, went to the mayor's cabinet last week. A "
            "committee with most departments drafted it; we ran public campaigns this year and briefed staff and "
            "councillors.",
            "C",
        ),
        # passed unanimously
        (
            "我们的韧性战略在市人大常委会表决中全票通过。今年面向市民做了宣传，干部和人大代表都听了讲座，多部门委员会负责编制。",
            "C",
        ),
        # a submission undone later in its sentence
        (
            "The strategy went to council in May but was sent back for revisions. We ran public campaigns this "
            "year, briefed staff and councillors, and a multi-department committee is revising the strategy.",
            "B",
        ),
        # a committee that does not work on a strategy, and no plan mentioned: Stage A, not undecided
        (
            "安全委员会覆盖所有部门，但编制韧性战略从来不在它的职责里。今年面向市民做了宣传，干部和人大代表都听了讲座。",
            "A",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_twelve(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind21.jsonl (a tuning set written blind with the deciding fact stated indirectly), in
    our own words in both languages."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # approved or issued by the city government, in the forms Chinese municipal documents use
        (
            "防灾减灾规划已由市人民政府正式批复。"
            + "今年面向市民做了宣传，干部和人大代表都听了讲座，多部门委员会负责编制。",
            "C",
        ),
        (
            "市委、市政府联合印发了《关于推进韧性城市建设的实施意见》，明确了重点任务和责任分工。"
            + "今年面向市民做了宣传，干部和人大代表都听了讲座，多部门委员会牵头起草了战略。",
            "C",
        ),
        ("韧性战略已由市长签发。" + "今年面向市民做了宣传，干部和人大代表都听了讲座，多部门委员会负责编制。", "C"),
        # not a plan: a brochure the government printed
        (
            "市政府印发了一批防灾宣传手册。今年面向市民做了宣传，干部和人大代表都听了讲座，多部门委员会正在起草战略。",
            "B",
        ),
        # the draft for review (送审稿) is a document; submitting it next month is the future
        (
            "规划送审稿已经完成，计划下个月报市政府。今年面向市民做了宣传，干部和人大代表都听了讲座，多部门委员会负责编制规划。",
            "B",
        ),
        # approved, then repealed
        (
            "Council adopted our resilience plan in 2012 but repealed it in 2019. This year we ran public "
            "campaigns and briefed staff and councillors, and a multi-department committee is drafting a new "
            "strategy.",
            "B",
        ),
        # before the council, its decision deferred: submitted
        (
            "Council deferred its decision on our resilience plan until the next session. We ran public campaigns "
            "this year, briefed staff and councillors, and a multi-department committee drafted the plan.",
            "C",
        ),
    ],
)
def test_plan_approvals_as_municipal_documents_word_them(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/clauses_plan.jsonl (240 plan-status statements written blind, labelled Q12/Q13), in our own
    words."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a plan in force since an earlier year was approved
        (
            "我市综合防灾减灾规划自2020年起施行。今年面向市民做了宣传，干部和人大代表都听了讲座，多部门委员会负责推进落实。",
            "C",
        ),
        (
            "Our resilience strategy has been in force since 2021. This year we ran public campaigns, briefed staff "
            "and councillors, and a multi-department committee oversees its delivery.",
            "C",
        ),
        # an approved plan with no risk-reduction content does not count
        (
            "市政府去年印发了《碳达峰实施方案》，不涉及灾害风险。防灾减灾战略正由多部门委员会起草；今年面向市民做了宣传，干部和人大代表都听了讲座。",
            "B",
        ),
        (
            "Council adopted our emergency plan last year, but it deals only with response coordination. A "
            "multi-department committee is drafting the DRR strategy; we ran public campaigns this year and "
            "briefed staff and councillors.",
            "B",
        ),
        # the resilience officer's sign-off is not the governing body's
        (
            "Our chief resilience officer approved the strategy, but it has not gone to council. We ran public "
            "campaigns this year, briefed staff and councillors, and a multi-department committee oversees the "
            "work.",
            "B",
        ),
    ],
)
def test_descriptions_as_officials_write_them_round_thirteen(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind23.jsonl (a tuning set written blind, half of it turning on the plan's status), in
    our own words in both languages."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # 函送 / 函报: sent by official letter, the administrative word for a submission; 尚待议决: pending resolution
        (
            "本市韧性策略已于上月函送市议会审议。今年办了社区防灾宣传，干部和议员都参加过韧性讲座，多部门韧性委员会督导策略编制。",
            "C",
        ),
        (
            "防灾减灾规划已函报市政府，尚待议决。今年面向市民做了宣传，干部和人大代表都听了讲座，多部门委员会督导规划编制。",
            "C",
        ),
        # 批覆, the traditional form of 批复 (t2s keeps 覆, a simplified character too): an approval
        (
            "市政府已經正式批覆了《綜合防災減災專項規劃》。今年在各社區開展了宣傳，機關幹部和人大代表都聽過韌性講座，多部門委員會負責督導規劃。",
            "C",
        ),
        # the same words with the submission still to come
        (
            "本市韧性策略下个月才函送市议会审议。今年办了社区防灾宣传，干部和议员都参加过韧性讲座，多部门韧性委员会督导策略编制。",
            "B",
        ),
    ],
)
def test_submissions_in_the_words_of_official_correspondence(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind25.jsonl (a tuning set written blind: an official letter to the council, a decision
    pending), in our own words."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a list, then what holds for all of it in the next clause
        ("我们市今年刚加入MCR2030，做了风险评估。其他的，比如宣传、培训、委员会，都还没来得及做。", "A"),
        (
            "We joined this year and commissioned a risk assessment. Public campaigns, lectures for staff and "
            "councillors, a resilience committee, none of it yet.",
            "A",
        ),
        # the list holds when its predicate affirms it
        (
            "今年面向市民的宣传、给干部和人大代表的讲座、多部门韧性委员会，都已经落实；防灾减灾战略还在起草。",
            "B",
        ),
        # a clause that is only a predicate continues its subject's clause ("…委员会还在讨论，尚未成立")
        (
            "今年办了几场防灾宣传，干部和人大代表也都听过韧性讲座，不过多部门韧性委员会还在讨论，尚未成立。",
            "A",
        ),
        (
            "We ran a flood-safety fair this spring and briefed staff and councillors, but the multi-department "
            "resilience committee is still being discussed, not yet set up.",
            "A",
        ),
        # ... and one with an object of its own does not ("宣传做了，还没办讲座" speaks of lectures)
        (
            "今年面向市民做了宣传，多部门韧性委员会已经成立并督导战略编制，还没给干部和人大代表办讲座。",
            "A",
        ),
        # English with the Chinese name of the approving body
        (
            "We ran a public campaign in March, gave lectures to staff and the 区人大 deputies in January, and a "
            "nine-bureau committee oversaw our DRR strategy. The 区人大常委会 approved it in April.",
            "C",
        ),
        # an approved plan that says it has no risk-reduction measures
        (
            "Our council approved the emergency response plan; there are no risk reduction measures in it. We ran a "
            "public campaign this year, briefed staff and councillors, and a multi-department committee is drafting "
            "the DRR strategy.",
            "B",
        ),
        # to be submitted after a review ("评审后再报"): not yet submitted
        (
            "韧性战略初稿已经完成，专家评审后再报市政府审定。今年开展了公众宣传，干部和人大代表都听过韧性讲座，多部门韧性委员会督导编制。",
            "B",
        ),
    ],
)
def test_descriptions_as_they_arrive_in_inboxes_round_fifteen(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind27.jsonl (a tuning set written blind: e-mails, lists, code-switching), in our own
    words in both languages."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a questionnaire's question and the answer on the next line are one statement about the question
        (
            "Q: Public outreach in the last year?\nA: Yes, flood-safety fairs in every district.\n"
            "Q: Lectures for staff and council members?\nA: Yes, both in spring.\n"
            "Q: Multi-sector committee?\nA: Yes, eight departments, chaired by the mayor.\n"
            "Q: Where is the DRR plan?\nA: Formally submitted to the council for adoption in May.",
            "C",
        ),
        (
            "问：近一年是否开展过公众宣传？\n答：开展过，社区讲座五场。\n问：是否给干部和人大代表办过讲座\n答：都办过。\n"
            "问：是否成立多部门韧性委员会？\n答：否",
            "A",
        ),
        # a bare 否 in a form's cell is a no
        ("| 事项 | 情况 |\n| 公众宣传 | 已开展 |\n| 干部和人大代表讲座 | 否 |\n| 多部门委员会 | 已成立 |", "A"),
        # 核定 approves, and 县府 is the county government (Taiwan's usage)
        (
            "本縣韌性行動計畫（含優先項目與各局處分工）已經縣府核定實施。今年辦理社區防災宣導，給縣府同仁和縣議員辦了韌性講座，並成立了多部門韌性委員會。",
            "C",
        ),
        # the Sangguniang Panlungsod is a city council (the Philippines)
        (
            "We held public awareness fairs this year, resilience lectures for the Sangguniang Panlungsod and for "
            "department staff, and a multi-sector resilience committee is consolidating the draft strategy.",
            "B",
        ),
        # a strategy withdrawn before the vote is no longer submitted
        (
            "Our draft strategy went to council in May but the mayor withdrew it for redrafting. Public campaigns, "
            "lectures for staff and councillors, and a multi-department committee are all in place.",
            "B",
        ),
    ],
)
def test_questionnaires_and_local_bodies_round_sixteen(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind29.jsonl (a tuning set written blind: minutes, chronologies, questionnaire answers,
    local names of councils), in our own words in both languages."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # local names of councils: Kenya's MCAs, Latin America's regidores and concejales, India's corporators
        (
            "We ran flood awareness days for residents this year, trained county staff and MCAs in June, and a "
            "multi-sector county committee is drafting the DRR plan.",
            "B",
        ),
        (
            "A public campaign ran in October; municipal staff and the concejales were trained this year; a "
            "multi-sector committee oversees the draft DRR plan.",
            "B",
        ),
        # a submission dated after this year is still to come ("Q1 2027", "2027年三季度"), so is one strived for (力争)
        (
            "Awareness campaigns for residents ran this year, staff and councillors had lectures, and a multi-sector "
            "committee is drafting the resilience plan. Next steps, Q1 2099: place the resilience plan before the "
            "Council for approval.",
            "B",
        ),
        (
            "今年开展了防灾宣传进社区，为干部和人大代表办了讲座，多部门韧性委员会负责规划编制。规划征求意见稿力争明年提请市政府审定。",
            "B",
        ),
        (
            "今年开展了防灾宣传进社区，为干部和人大代表办了讲座，多部门韧性委员会负责规划编制。规划征求意见稿2099年三季度提请市政府审定。",
            "B",
        ),
        # a claim the text takes back states nothing ("……，有误"; "That is wrong" opening the next sentence)
        (
            "此前通报称《韧性提升行动计划》已经市政府常务会议审议通过，有误，该计划尚未报送市政府。今年开展了宣传进社区，为干部和人大代表办了讲座，"
            "多部门韧性委员会督导韧性战略编制。",
            "B",
        ),
        (
            "I wrote yesterday that the council had approved our DRR strategy. That is wrong: it is still a draft. "
            "Public campaigns ran this year, staff and councillors had lectures, and a multi-sector committee oversees "
            "the DRR strategy.",
            "B",
        ),
    ],
)
def test_descriptions_by_others_round_seventeen(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind31.jsonl (a tuning set written blind: assessments, news items, budget lines,
    corrections; councils by their local names), in our own words in both languages; without each rule the
    description reads otherwise (undecided, or C)."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # hoping to set a body up is not having one
        (
            "We're hoping to set up a multi-sector resilience task force next spring. Public campaigns ran this year, "
            "and staff and councillors had lectures.",
            "A",
        ),
        # 一直没断 (never stopped) is continuity, not a negation
        ("过去一年面向市民的防灾宣传一直没断，干部和人大代表都听过讲座，多部门韧性委员会督导韧性战略编制。", "B"),
        # an inter-departmental platform, and Taiwan's 推动会报, are coordination bodies
        (
            "A public campaign ran this year, staff and councillors were trained, and our inter-departmental "
            "resilience platform is drafting the DRR strategy.",
            "B",
        ),
        ("今年辦過市民防災宣導，市府同仁和市議員都上過韌性講座，跨局處韌性推動會報負責策略研擬。", "B"),
        # an approved emergency response plan is not a DRR strategy
        (
            "The council approved our emergency response plan in May. A public campaign ran this year, staff and "
            "councillors were trained, and a multi-sector committee is drafting the DRR strategy.",
            "B",
        ),
        # a committee of one department is no multi-sector committee, in either word order
        (
            "Our resilience committee is five officers of the fire service; no other department or outside body sits "
            "on it. A public campaign ran this year and staff and councillors were trained; the committee drafts the "
            "DRR strategy.",
            "A",
        ),
        (
            "所谓韧性工作组就是应急局内部的一个科室，没有其他部门参加。今年开展了公众宣传，干部和人大代表都听过讲座，工作组在起草韧性战略。",
            "A",
        ),
        # a plan named in English inside Chinese text; 下个财年 is the future
        (
            "我们的 Resilience Action Plan 上个月已经市政府批准实施。"
            "今年开展了公众宣传，干部和人大代表都听过讲座，多部门韧性委员会督导了计划编制。",
            "C",
        ),
        (
            "韧性战略草稿已经写完，预计下个财年才提交市政府。今年开展了公众宣传，干部和人大代表都听过讲座，多部门韧性委员会督导韧性战略编制。",
            "B",
        ),
    ],
)
def test_the_boundaries_round_eighteen(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind33.jsonl (a tuning set written blind on the A/B and B/C boundaries), in our own words
    in both languages; under the round-17 rules each reads otherwise."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a plan signed into force, issued by the government, or promulgated (发布施行) is approved
        (
            "A public campaign ran this year, staff and councillors were trained, and a multi-sector committee steered "
            "our DRR plan; the mayor signed it into force by decree last month.",
            "C",
        ),
        (
            "今年开展了公众宣传，干部和人大代表都听过讲座，多部门韧性委员会牵头编制。九月，市长签署命令，正式发布施行《韧性战略》。",
            "C",
        ),
        (
            "A public campaign ran this year, staff and councillors were trained, and a multi-sector committee drafted "
            "the resilience plan, which was reviewed and issued by the city government in July.",
            "C",
        ),
        # bodies by their Portuguese, French or Dutch names in English text
        (
            "A public campaign ran this year; the vereadores and the servidores had a resilience training; the "
            "Comissão Municipal de Proteção Civil (12 entities) is drafting the DRR strategy.",
            "B",
        ),
        (
            "A public campaign ran this year, staff and councillors were trained, and a multi-sector committee drafted "
            "the DRR plan. The plan was formally submitted to the gemeenteraad last month.",
            "C",
        ),
    ],
)
def test_approvals_and_local_names_round_nineteen(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind35.jsonl (a tuning set written blind: chat-box messages, long reports, criteria
    stated indirectly, bodies named in their own languages), in our own words; under the round-18 rules each is
    undecided."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a negated submission denies the plan's passage, not the committee it names
        (
            "今年面向居民开展了防汛宣传，为干部和县议员办了韧性讲座，由十个部门组成的韧性委员会正在起草减灾战略；草案尚未提交县议会或县执行委员会。",
            "B",
        ),
        (
            "This year we ran public flood-awareness evenings, trained staff and councillors together, and an "
            "inter-agency resilience committee is drafting our strategy. It has not yet gone to the county "
            "executive committee.",
            "B",
        ),
        (
            "Public campaigns ran this year, staff and councillors were trained, and a multi-sector committee "
            "drafted the DRR plan. The council approved the plan at its session No. 14 in June.",
            "C",
        ),
        # "No. 14" is a number, not a negation, and does not end the sentence
        (
            "Staff and councillors were trained this year and a multi-sector committee is drafting the strategy. "
            "Our most recent public event was a preparedness fair in September 2025.",
            "A",
        ),
        # the most recent event dated outside the window; outreach only to staff; none held yet
        (
            "Staff and councillors were trained this year and a multi-sector committee is drafting the strategy. "
            "The only outreach this year was an article in the staff newsletter.",
            "A",
        ),
        (
            "今年组织市直机关干部职工开展了防灾演练和知识竞赛；干部和人大代表听过韧性讲座；多部门委员会正在编制韧性战略。",
            "A",
        ),
        (
            "今年6月搞了防灾宣传月，不过尚未组织过面向市民的宣传活动；干部和人大代表听过韧性讲座；多部门委员会正在编制韧性战略。",
            "A",
        ),
        (
            "Awareness events for residents have been planned, but none has been held yet. Staff and councillors "
            "were trained in March, and a multi-sector committee is drafting the strategy.",
            "A",
        ),
        (
            "A public campaign ran this year; staff and councillors were trained; a multi-sector committee "
            "drafted the resilience plan. The plan was endorsed by an external expert review panel in October and"
            " has not gone to council.",
            "B",
        ),
        # an expert panel or review meeting does not approve
        (
            "今年开展了公众宣传，干部和人大代表都听过讲座，多部门韧性委员会牵头编制韧性规划。规划草案已通过专家审查会，尚未报送。",
            "B",
        ),
        (
            "We held public fairs this year and trained staff and councillors. A permanent inter-sector "
            "resilience table of nine departments is writing the strategy.",
            "B",
        ),
        # bodies by their local names: coordination tables, DPRD members
        (
            "We held public fairs this year; lectures were given to municipal staff and DPRD members; a multi-"
            "sector committee is writing the resilience strategy.",
            "B",
        ),
        (
            "We held public fairs this year; staff and councillors were trained; a multi-sector committee wrote "
            "the resilience plan. In May the aldermen passed an ordinance adopting it.",
            "C",
        ),
        # a plan passed by ordinance; a plan pointed back to (这份规划); staff of each section (各科室人员)
        (
            "我们的韧性规划还在编。今年7月开展了社区防汛宣传，居民都能参加；给市政府各科室人员和市议员上过专题课；十多个部门参加的联席会议正在编写这份规划。",
            "B",
        ),
    ],
)
def test_status_audiences_and_local_bodies_round_twenty(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind36.jsonl and blind37.jsonl (two sets written blind, read item by item in session 11
    and tuning sets since), in our own words in both languages; under the round-19 rules each reads otherwise."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        (
            "A public campaign ran this year, staff and councillors were trained, and a commission of nine "
            "departments is writing our resilience strategy.",
            "B",
        ),
        (
            "今年开展了面向居民的防灾宣传，干部和议员听过讲座；减灾论坛汇集了市里各部门和社区组织，正在编制韧性战略。",
            "B",
        ),
        (
            "今年开展了公众宣传，干部和人大代表听过讲座，多部门韧性委员会编制了韧性战略草案，预计2027年才提交市人大。",
            "B",
        ),
        (
            "今年开展了公众宣传，干部和人大代表听过讲座，多部门委员会牵头修订了韧性计划；修订后的计划于2026年3月经市政府常务会议审议通过。",
            "C",
        ),
        (
            "Staff and councillors were trained in February, awareness drives ran in May, and a multi-department "
            "committee prepared the resilience plan. In November the Commissioner tables the plan before the "
            "General Body.",
            "C",
        ),
    ],
)
def test_commissions_forums_dates_ahead_and_tabling_round_twenty_one(
    rules: RoadmapRules, text: str, stage: str
) -> None:
    """Wordings of stages/blind40.jsonl and blind41.jsonl (tuning sets written blind in session 11: chat-widget
    notes in the development set's style; local governments of many countries), in our own words; under the
    round-20 rules each reads otherwise."""
    assert assess_stage(text=text, rules=rules).stage == stage


def test_a_plan_named_in_english_inside_chinese_is_a_whole_word(rules: RoadmapRules) -> None:
    """The variant that lets a Chinese pattern read "plan" (我们的 Resilience Action Plan) reads only the word: the
    Planning Department's deferred decision on a committee is no plan awaiting a decision."""
    text = "The Planning Department discussed setting up a committee but deferred the decision."
    assert SUBMITTED not in read_text(text, rules).answers


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # another government's approved plan is not the city's: from the clause naming it until the city names itself
        (
            "Public drills ran this spring, councillors and staff attended joint lectures, and a multi-department "
            "committee is drafting our DRR strategy. The neighbouring district's resilience plan was approved by its "
            "council in March.",
            "B",
        ),
        (
            "今年开展了防灾宣传进社区，干部和人大代表一起听了讲座，多部门韧性委员会正在起草本市韧性战略。邻县的韧性战略今年初已经县人大常委会批准，"
            "经常被拿来和我们比较。",
            "B",
        ),
        (
            "Our national DRR strategy was approved by parliament last year, and we are aligning with it. Public "
            "campaigns ran this year, staff and councillors had lectures, and an interdepartmental committee is "
            "writing the city's own strategy.",
            "B",
        ),
        # the city naming itself first keeps the statement its own; a higher government approving is not an owner
        (
            "We held open days with the neighbouring towns this year, staff and councillors had lectures, and our "
            "multi-department committee submitted the resilience strategy to the city council in May.",
            "C",
        ),
        (
            "今年开展了防灾宣传进社区，干部和人大代表一起听了讲座，多部门减灾委员会统筹。国土空间总体规划设有安全韧性专章，明确了防灾措施，已经市人大常委会审议并获省政府批复实施。",
            "C",
        ),
        # a proposal to set up a body is no plan: its submission submits no strategy ("成立……委员会的方案已上报")
        (
            "今年开展了防灾宣传进社区，干部和人大代表一起听了讲座。成立跨部门韧性委员会的方案已上报市政府，但尚未获批，委员会目前还没有成立。",
            "A",
        ),
        (
            "Public campaigns ran this year and staff and councillors had lectures. The proposal to set up a "
            "multi-department resilience committee was sent to the mayor for approval, but the committee does not "
            "exist yet.",
            "A",
        ),
    ],
)
def test_another_governments_plan_says_nothing_of_the_citys(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind47 and blind48 (tuning sets written blind: long reports with a neighbour's or the
    nation's approved plan beside the city's draft), in our own words in both languages; without the rules the
    first three read C and the Chinese proposal to set up a committee undecided (a submitted plan beside an unmet
    criterion)."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # boards and commissions of counties approve; a plan's approval said as a noun ("the Commission's approval of")
        (
            "Public awareness campaigns ran this year, supervisors and county staff attended lectures, and a "
            "multi-sector committee drafted the DRR strategy. Since then it has been submitted to, and in June "
            "approved by, the County Board of Supervisors.",
            "C",
        ),
        (
            "今年开展了防灾宣传进社区，县议员和县政府工作人员都听了讲座，多部门韧性委员会起草了韧性战略。此后战略已提交县议会，并于六月获县议会批准。",
            "C",
        ),
        (
            "Public awareness campaigns ran this year, commissioners and county staff had lectures, and a multi-sector "
            "committee drafted the DRR plan. Members welcomed the County Commission's approval of the resilience plan.",
            "C",
        ),
        # functionaries are staff
        (
            "Public awareness campaigns ran this year, functionaries and municipal councillors had lectures together, "
            "and a multi-sector committee is drafting the DRR strategy.",
            "B",
        ),
        ("今年开展了防灾宣传进社区，公务员和市议员一起听了讲座，多部门韧性委员会正在起草韧性战略。", "B"),
    ],
)
def test_county_boards_and_functionaries(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind47 and blind48 in our own words in both languages (round 23); without the rules the
    English rows read B or undecided (the Chinese rows read so already)."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # a submission whose date is undecided (何时报送待定, "to be decided") has not happened
        (
            "今年开展了防灾宣传进社区，干部和人大代表一起听了讲座，多部门韧性委员会起草了韧性战略。该战略尚未报送市政府，何时报送待定。",
            "B",
        ),
        (
            "Public campaigns ran this year, staff and councillors had lectures, and a multi-sector committee drafted "
            "the DRR strategy. When it goes to the council is to be decided.",
            "B",
        ),
        # a committee adopting its own text approves nothing (the English reading already held: committees do not)
        (
            "今年开展了防灾宣传进社区，干部和人大代表一起听了讲座。韧性建设委员会全体会议审定了《城市韧性战略》文本，会议决定暂不上报市政府。",
            "B",
        ),
        (
            "Public campaigns ran this year and staff and councillors had lectures. The multi-sector resilience "
            "committee adopted the City Resilience Strategy at its plenary.",
            "B",
        ),
        # outreach kept inside City Hall: "nothing was organised for residents" vetoes it
        (
            "This year's Resilience Month was held inside City Hall for our own employees; nothing was organised for "
            "residents. Staff and councillors had lectures, and a multi-sector committee is drafting the DRR strategy.",
            "A",
        ),
        (
            "今年的韧性宣传月只在市政府机关内部举办，没有面向市民开展。干部和人大代表一起听了讲座，多部门韧性委员会正在起草韧性战略。",
            "A",
        ),
    ],
)
def test_undecided_dates_committee_texts_and_inside_outreach(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind47 and blind48 (round 23) in our own words in both languages; the others are controls:
    without the rules the Chinese 何时报送待定 row reads C (its submission counts) and the English Resilience Month
    row B (its outreach counts)."""
    assert assess_stage(text=text, rules=rules).stage == stage


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        # an event that "will be repeated" was held; one the city "will push to set up" is not set up yet
        (
            "The council approved the City Resilience Strategy this spring. Last month's public awareness week "
            "reached the markets, and the joint training for assembly members and civil servants held in March will "
            "be repeated. The multi-department resilience committee meets monthly.",
            "C",
        ),
        (
            "市人大今年春天批准了城市韧性战略。上个月的公众防灾宣传周走进了市场，三月份为人大代表和公务员举办的联合培训还将再次举办。多部门韧性委员会每月开会。",
            "C",
        ),
        (
            "今年开展了防灾宣传进社区，干部和人大代表一起听了讲座，咨询公司起草了一份韧性战略初稿。新局长表示将优先推动跨部门韧性委员会的组建。",
            "A",
        ),
        (
            "Public campaigns ran this year, staff and councillors had lectures, and a consultant drafted a resilience "
            "strategy. The new director says she will push to set up a cross-department resilience committee.",
            "A",
        ),
    ],
)
def test_repeated_events_and_committees_still_to_be_formed(rules: RoadmapRules, text: str, stage: str) -> None:
    """Wordings of stages/blind47 and blind48 (round 23) in our own words in both languages; without the rules
    the English repeated training reads no (so undecided) and the Chinese 将优先推动…组建 a committee (so B)."""
    assert assess_stage(text=text, rules=rules).stage == stage
