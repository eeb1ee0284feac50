"""Answer-sentence selection without a model: the units a passage offers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.evidence import (
    _ASKS_WHICH_PART,
    Abstention,
    Unit,
    Weights,
    _announces,
    _holds_kind,
    best_part,
    counted,
    expansion,
    for_each_part,
    lettered_stages,
    numbered,
    question_parts,
    question_terms,
    question_type,
    select_units,
    stage_refs,
    units_of,
    unknown_share,
)
from retriever.bilingual import GlossaryEntry, Lexicon
from retriever.sentences import broken_han_sentence
from retriever.types import Chunk, Hit, Rendering, Segment


def _chunk(text: str, n: int = 0, start: int = 0) -> Chunk:
    return Chunk(f"doc:{n}", "doc", n, "doc.zh.txt", "Doc", ("FAQ",), start, start + len(text), text, "zh")


def test_markup_left_by_extraction_is_never_a_unit() -> None:
    text = '<p>C 阶段城市应做出的承诺：</p> <ul style="list-style-type: none"> 承诺充当导师并分享经验；'
    chunk = _chunk(text, start=100)
    units = units_of(chunk, 0, None)
    assert [u.text for u in units] == ["C 阶段城市应做出的承诺：", "承诺充当导师并分享经验；"]
    for u in units:  # offsets stay those of the source
        assert text[u.start - 100 : u.end - 100] == u.text


def test_a_rendered_segment_is_quoted_without_the_markup_at_its_edges() -> None:
    # a rendering's segments cover the original whole, tags included ("<p>处于各阶段的城市…" was quoted with its "<p>")
    text = "<p>C 阶段城市应做出的承诺：</p> <p>处于各阶段的城市都必须承诺定期更新进展情况。</p>"
    cut = text.index("</p> ") + len("</p> ")  # the second segment starts at its "<p>", as the renderings' do
    english = ("Commitments for Stage C cities:", "Cities at all stages must commit to updating their progress.")
    segments = (Segment(100, 100 + cut, english[0]), Segment(100 + cut, 100 + len(text), english[1]))
    units = units_of(_chunk(text, start=100), 0, Rendering("doc", "en", "curated", segments))
    assert [u.text for u in units] == ["C 阶段城市应做出的承诺：", "处于各阶段的城市都必须承诺定期更新进展情况。"]
    assert [u.english for u in units] == list(english)
    for u in units:  # offsets stay those of the source
        assert text[u.start - 100 : u.end - 100] == u.text


def test_an_abbreviation_or_an_initial_does_not_end_an_english_unit() -> None:
    text = (
        "More than ten conventions were launched (Fig. 2). The series was reviewed by C. S. Holling and others "
        "(source: Refs. [3][4]). It ended in 2019."
    )
    chunk = _chunk(text, start=50)
    units = units_of(chunk, 0, None)
    assert [u.text for u in units] == [
        "More than ten conventions were launched (Fig. 2).",
        "The series was reviewed by C. S. Holling and others (source: Refs. [3][4]).",
        "It ended in 2019.",
    ]
    for u in units:
        assert text[u.start - 50 : u.end - 50] == u.text


def test_a_sentence_a_page_break_split_is_one_unit() -> None:
    """A PDF page break inside a sentence ("…unfolds in three" / blank line / "phases of …") leaves one unit, whose
    quote is the source's text, break included; a finished sentence before a break stays a unit of its own."""
    text = (
        "The journey unfolds in three\n\nphases of commitment, exploration and translation. Cities act.\n\nthen more."
    )
    units = units_of(_chunk(text), 0, None)
    assert [u.text for u in units] == [
        "The journey unfolds in three\n\nphases of commitment, exploration and translation.",
        "Cities act.",
        "then more.",
    ]


def test_a_chinese_sentence_a_page_break_split_is_one_unit() -> None:
    """Chinese prose broken at a page end ("…以及建设更加" / blank line / "综合、有韧性…。") is one unit, its rendered
    fragments joined; a heading, a caption or a credit line before the break, or a rendered fragment after it that
    starts anew, is no continuation."""
    first, second = "可持续的城市化，以及建设更加", "综合、有韧性和包容性的城市必须成为核心。"
    caption = "卡洛贝耶伊，组装街灯 © 联合国人居署"
    credit = "Colab 首席执行官和联合创始人，联合国人居署合作伙伴"
    lines = [first, second, caption, "人居署已制定能力建设工具。", credit, "人居署和 Colab 合作创建了一个小程序。"]
    text = "\n\n".join(lines)
    bounds = [(text.find(t), text.find(t) + len(t)) for t in text.split("\n\n")]
    english = [
        "Sustainable urbanisation, and building more",
        "integrated, resilient and inclusive cities must be at its core.",
        "Kalobeyei, assembling street lights © UN-Habitat",
        "UN-Habitat has developed capacity-building tools.",
        "CEO and co-founder of Colab, UN-Habitat partner",
        "UN-Habitat and Colab created an app.",
    ]
    rendering = Rendering(
        "doc", "en", "curated", tuple(Segment(a, b, e) for (a, b), e in zip(bounds, english, strict=True))
    )
    units = units_of(_chunk(text), 0, rendering)
    assert [u.text for u in units][:2] == [f"{first}\n\n{second}", caption]
    assert units[0].english == f"{english[0]} {english[1]}"
    assert len(units) == 5 and [u.position for u in units] == list(range(5))
    assert [u.text for u in units_of(_chunk(text), 0, None)][:2] == [f"{first}\n\n{second}", caption]
    assert not broken_han_sentence("专题领域 2：提高风险分析\n\n城市需要了解风险。", 13, 15)


def test_stage_references_name_the_roadmap_step_or_stages() -> None:
    assert stage_refs("城市从 A 阶段进入 B 阶段要满足哪些标准？") == {"A>B"}
    assert stage_refs("What criteria must a city meet to move from Stage B to Stage C?") == {"B>C"}
    assert stage_refs("A 阶段推进至 B 阶段的标准：") == {"A>B"}
    assert stage_refs("进入 C 阶段的城市需要做出哪些承诺？") == {"C"}
    assert stage_refs("What commitment is expected from a Stage A city?") == {"A"}
    assert stage_refs("Stages A, B and C") == stage_refs("阶段 A、B、C") == {"A", "B", "C"}
    assert stage_refs("the stage a city is in, a stage assessment") == frozenset()
    # a transition continued to the next stage is both steps, in either language; a later stage only
    both = {"A>B", "B>C"}
    assert stage_refs("How does a city move from Stage A to Stage B and then to Stage C?") == both
    assert stage_refs("What are the criteria to move from Stage A to Stage B and on to C?") == both
    assert stage_refs("城市如何从 A 阶段进入 B 阶段，再进入 C 阶段？") == both
    assert stage_refs("从A阶段到B阶段，然后到C阶段，各要满足什么标准？") == both
    assert stage_refs("from Stage B to Stage C and then to Stage A") == {"B>C"}


@pytest.mark.parametrize(
    ("text", "things"),
    [
        ("#### 年度核心费用——模式 2", {("模式", 2)}),
        ("模式2的费用", {("模式", 2)}),
        ("实物（见预算项目 2）", {("项目", 2)}),
        ("What is the total annual cost of model 2?", {("model", 2)}),
        ("Under Model 3, who provides training?", {("model", 3)}),
        ("SDG 11 and Track 4's costs", {("sdg", 11), ("track", 4)}),
        # counts, years and decimals are no numbered things
        ("超过 10 个城市参加", set()),
        ("for 3 years", set()),
        ("it attracted 15 cities", set()),
        ("in 2023 the congress", set()),
        ("version 2.5 of the tool", set()),
    ],
)
def test_a_numbered_thing_is_a_label_and_its_number(text: str, things: set[tuple[str, int]]) -> None:
    assert numbered(text) == things


def test_a_table_row_inline_emphasis_is_part_of_the_row() -> None:
    text = "#### 年度核心费用——模式 2\n\n数字化工具\t实物\n<b>年度费用共计</b>\t<b>400 000 美元</b>\n"
    units = units_of(_chunk(text, start=50), 0, None)
    assert [u.text for u in units][-1] == "年度费用共计</b>\t<b>400 000 美元"
    assert all(text[u.start - 50 : u.end - 50] == u.text for u in units)


@pytest.mark.parametrize(
    ("question", "lang"),
    [("模式 2 的年度费用共计多少？", "zh"), ("模式 3 的年度费用共计多少？", "zh")],
)
def test_a_numbered_thing_asked_binds_the_rows_of_its_table(question: str, lang: str) -> None:
    """Three tables alike but for their heading's number: a number alone is no question term, so every table's
    "年度费用共计" row met the question as well, and the reply listed the three totals unlabelled."""
    tables = [
        f"#### 年度核心费用——模式 {n}\n\n数字化工具\t实物（见预算项目 2）\n<b>年度费用共计</b>\t<b>{cost} 美元</b>"
        for n, cost in ((1, "1 000 000"), (2, "400 000"), (3, "100 000"))
    ]
    hits = [Hit(_chunk(t, n, 1000 * n), 1.0, n) for n, t in enumerate(tables)]
    asked = int(question[3])
    shown = [u.text for u in select_units(question, hits, lambda _: None, None, lang=lang)]
    cost = {1: "1 000 000", 2: "400 000", 3: "100 000"}[asked]
    assert any(f"{cost} 美元" in t for t in shown), shown
    assert not any(f"{c} 美元" in t for c in ("1 000 000", "400 000", "100 000") if c != cost for t in shown), shown
    assert not any(f"模式 {n}" in t for n in (1, 2, 3) if n != asked for t in shown), shown


def _part(text: str, n: int, start: int, section: tuple[str, ...]) -> Chunk:
    return Chunk(f"doc:{n}", "doc", n, "doc.zh.txt", "Doc", section, start, start + len(text), text, "zh")


@pytest.mark.parametrize(
    "question",
    [
        "哪个专题领域提醒规划人员不能只依赖历史灾损数据？",
        "Which thematic area warns that planners cannot rely on historical loss data alone?",
    ],
)
def test_which_part_is_answered_with_the_heading_of_the_part(question: str) -> None:
    """ "Which thematic area / service …" is answered by the heading the matching sentence stands under, found in its
    passage or in the passage before it (a long section's heading opens an earlier passage)."""
    heading = "专题领域 8: 将气候风险纳入战略和计划"
    first = _part(f"{heading}\n\n减少对危险和风险的接触是一项跨部门的工作。", 0, 0, ("C 阶段", heading))
    text = "规划者不能只依赖历史数据，还需要获得科学的气候预测。"
    second = _part(text, 1, first.end + 2, ("C 阶段", heading))
    segments = (
        Segment(0, len(heading), "Thematic area 8: Integrating climate risk into strategies and plans"),
        Segment(len(heading) + 2, first.end, "Reducing exposure to hazards and risks is a cross-sectoral task."),
        Segment(
            second.start, second.end, "Planners cannot rely on historical data alone; they need climate projections."
        ),
    )
    rendering = Rendering("doc", "en", "curated", segments)
    lang = "zh" if question.startswith("哪") else "en"
    shown = select_units(
        question,
        [Hit(second, 1.0, 0)],
        lambda _: rendering if lang == "en" else None,
        None,
        lang=lang,
        passage_before=lambda c: first if c is second else None,
    )
    assert [u.text for u in shown[:2]] == [heading, text], [u.text for u in shown]
    # without the way back to its passage the heading is not found, and nothing is made up
    alone = select_units(
        question, [Hit(second, 1.0, 0)], lambda _: rendering if lang == "en" else None, None, lang=lang
    )
    assert [u.text for u in alone] == [text]


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("人居署目录里哪项服务处在非正规住区改造和社区气候韧性的交汇点？", True),
        ("Which of the catalogue's sections covers innovation?", True),
        ("What service helps cities map informal settlements?", True),
        ("全球秘书处设在哪个城市？", False),
        ("Which body services the global secretariat, and where is it based?", False),
        ("What is the economic subsystem about?", False),
    ],
)
def test_which_questions_ask_for_a_part_of_a_document(question: str, asks: bool) -> None:
    assert bool(_ASKS_WHICH_PART.search(question)) is asks


def test_a_sentence_about_the_asked_stage_outranks_one_about_another() -> None:
    # the tokenizers keep no single letters: without stage references both announcers score the same
    text = "A 阶段城市应做出的承诺：\n承诺宣传防灾减灾。\nC 阶段城市应做出的承诺：\n承诺充当导师并分享经验。"
    hit = Hit(_chunk(text), 1.0, 0)
    for question, stage in (("C 阶段城市要做出哪些承诺？", "C"), ("A 阶段城市要做出哪些承诺？", "A")):
        best = select_units(question, [hit], lambda _: None, None, lang="zh")[0]
        assert best.text == f"{stage} 阶段城市应做出的承诺："


def test_a_question_about_one_stage_is_answered_with_that_stage_s_list_only() -> None:
    # the FAQ lists every stage's commitments under one question; the other stages' sub-lists are passed over
    text = (
        "城市必须做出哪些承诺？\nA 阶段城市应做出的承诺：\n承诺宣传防灾减灾；\nB 阶段城市应做出的承诺：\n"
        "承诺制定韧性战略；\n制定监测和评估计划。\nC 阶段城市应做出的承诺：\n承诺充当导师并分享经验。"
    )
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("B 阶段城市应做出哪些承诺？", [hit], lambda _: None, None, lang="zh")]
    assert "承诺制定韧性战略；" in shown and "制定监测和评估计划。" in shown
    assert not any(t.startswith(("A 阶段", "C 阶段")) or "宣传" in t or "导师" in t for t in shown)
    # a question naming no stage still gets every list
    shown = [u.text for u in select_units("城市必须做出哪些承诺？", [hit], lambda _: None, None, lang="zh")]
    assert "A 阶段城市应做出的承诺：" in shown


def test_a_sentence_opening_an_inline_list_is_shown_with_the_list_s_rest() -> None:
    """The splitter cuts "…五个关键维度…：(i) …；(ii) …；" at each semicolon: a unit that opens such a list after a
    colon and stops at its first item announces the rest, and a reply that shows it shows the items after it too; a
    list that closes in its own unit announces nothing."""
    text = (
        "该标记是一个地理参考指数，衡量包容性。\n这些差异通过五个关键维度的指标来体现：(i) 住房和基本服务；"
        "(ii) 公共空间；(iii) 教育。(iv) 健康；以及 (v) 就业。\n另一个工具衡量城市的韧性。"
    )
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("该标记通过哪些维度来衡量包容性？", [hit], lambda _: None, None, lang="zh")]
    opener = next(i for i, t in enumerate(shown) if t.endswith("(i) 住房和基本服务；"))
    assert shown[opener + 1 : opener + 5] == ["(ii) 公共空间；", "(iii) 教育。", "(iv) 健康；", "以及 (v) 就业。"]
    (opens,) = units_of(_chunk("They are measured on five dimensions: (i) access to adequate housing;"), 0, None)
    (closes,) = units_of(_chunk("They are measured on two dimensions: (i) housing and (ii) jobs."), 0, None)
    assert _announces(opens) and not _announces(closes)


def test_a_run_of_marked_items_is_shown_whole_and_an_inline_list_ends_with_its_items() -> None:
    """Past the window of ``LIST_UNITS`` units, only a run of marked items ("- 非洲：…") goes on, so a list of five
    regions is shown whole and the sentence after it is not, nor the items of a list announced after the items
    read; after a list opened inline (":(a) …；"), the first unit that is not an item ends it."""
    text = (
        "如有地区问询，请联系地区秘书处：\n- 非洲：africa@un.org\n- 美洲：amc@un.org\n- 阿拉伯国家：arab@un.org\n"
        "- 亚太：ap@un.org\n- 欧洲：europe@un.org\n注册遇到困难时，也可以联系秘书处。"
    )
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("地区秘书处怎么联系？", [hit], lambda _: None, None, lang="zh", most=1)]
    assert shown[0] == "如有地区问询，请联系地区秘书处："
    assert shown[1:] == [
        "- 非洲：africa@un.org",
        "- 美洲：amc@un.org",
        "- 阿拉伯国家：arab@un.org",
        "- 亚太：ap@un.org",
        "- 欧洲：europe@un.org",
    ]
    text = (
        "战略目标 1：通过以下方式提高认知：\n- 开展宣传活动；\n- 提供证据和资源；\n战略目标 2：通过以下方式支持规划：\n"
        "- 提供规划培训；\n- 提供规划工具；\n- 提供规划资金；\n- 加强纵向联系。"
    )
    hit = Hit(_chunk(text), 1.0, 0)
    question = "战略目标 1 通过哪些方式提高认知？"
    shown = [u.text for u in select_units(question, [hit], lambda _: None, None, lang="zh", most=1)]
    assert shown[:3] == ["战略目标 1：通过以下方式提高认知：", "- 开展宣传活动；", "- 提供证据和资源；"]
    assert "- 提供规划工具；" not in shown and "- 加强纵向联系。" not in shown
    text = "秘书处负责：(a) 开展交流工作；(b) 开展协调工作。秘书处每年的费用是 50 万美元。供资另行安排。"
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("秘书处负责哪些工作？", [hit], lambda _: None, None, lang="zh", most=1)]
    assert shown == ["秘书处负责：(a) 开展交流工作；", "(b) 开展协调工作。"]


def test_one_latin_word_alone_is_never_a_unit() -> None:
    """A logo's words that line breaks cut apart ("**Making" / "Cities" / "Resilient**") say nothing to quote; two
    words, or any Chinese, do; a one-word heading stays (it ends the list before it)."""
    text = (
        "**Making\nCities\nResilient**\n\n韧性建设是一个长期的过程。\nDaring Cities 2023 was held online.\n\n"
        "REFERENCES\n\n1 Holling, C. S. (1973). Resilience and stability of ecological systems."
    )
    assert [u.text for u in units_of(_chunk(text), 0, None)] == [
        "韧性建设是一个长期的过程。",
        "Daring Cities 2023 was held online.",
        "REFERENCES",
        "1 Holling, C. S. (1973).",
        "Resilience and stability of ecological systems.",
    ]


def test_a_list_shown_with_its_items_stops_at_the_next_heading() -> None:
    """The items of a list are the units after its best item up to the next heading line (the chunker's reader of
    headings): a paper's highlights are not followed by its funding note and its editors' names."""
    text = (
        "HIGHLIGHTS\n\n- Reviews the congress series from 2010 to present\n"
        "- Discusses the implications of the congress series for resilient city practice in China\n\n"
        "RESEARCH FUND\n\nGeneral Program of the Natural Science Foundation (No. 2023JJ30156)\n\n"
        "EDITED BY Ying WANG, Tina TIAN"
    )
    chunk = Chunk("p:0", "p", 0, "paper.en.txt", "Paper", ("HIGHLIGHTS",), 0, len(text), text, "en")
    units = units_of(chunk, 0, None)
    assert [u.heading for u in units] == [True, False, False, True, False, False]
    shown = [
        u.text
        for u in select_units(
            "How does the paper discuss China?", [Hit(chunk, 1.0, 0)], lambda _: None, None, lang="en"
        )
    ]
    assert shown[0].startswith("- Discusses the implications")
    assert not any(t.startswith(("RESEARCH FUND", "General Program", "EDITED BY")) for t in shown)


def _shown_with_next(question: str, hit: Chunk, following: Chunk | None) -> list[str]:
    """The units shown for ``question`` from the one passage ``hit``, with ``following`` as the passage after it."""
    units = select_units(
        question,
        [Hit(hit, 1.0, 0)],
        lambda _: None,
        None,
        lang=hit.lang,
        passage_after=lambda c: following if c.chunk_id == hit.chunk_id else None,
    )
    return [u.text for u in units]


def test_a_list_announced_at_the_end_of_a_passage_is_shown_with_the_items_the_next_passage_opens_with() -> None:
    """ "…can be summarized in the following five aspects." ends a passage of the paper and the items begin the next,
    which retrieval did not return: the answer shows them from the passage after. The next passage is read only
    when the announcing sentence is its passage's last and the next opens with a marked item."""
    head = (
        "Synthesizing the cases, the experience of resilience actions can be summarized in the following two aspects."
    )
    items = (
        "1) Multi-level governance and multi-stakeholder collaboration. Cooperation is key to addressing disaster "
        "risks.\n\n2) Developing circular economy, and financing resilience."
    )
    first = Chunk("p:0", "p", 0, "paper.en.txt", "Paper", ("3.3",), 0, len(head), head, "en")
    after = Chunk(
        "p:1", "p", 1, "paper.en.txt", "Paper", ("3.3",), len(head) + 2, len(head) + 2 + len(items), items, "en"
    )
    unrelated = replace(after, text="Previous applications: Asuncion, Paraguay.", end=after.start + 42)

    question = "What lessons does the paper draw from the cases?"
    got = _shown_with_next(question, first, after)
    assert got[0] == head
    assert got[1].startswith("1) Multi-level governance") and any(t.startswith("2) Developing") for t in got)
    assert _shown_with_next(question, first, unrelated) == [head]  # no item first: not the list announced
    assert _shown_with_next(question, first, None) == [head]


def test_a_sentence_the_passage_end_cut_is_shown_with_its_rest_from_the_next_passage() -> None:
    """The chunker may end a passage inside a sentence at a page break ("…“生态韧性”认为存在多重平衡" / "状态，并以…来衡
    量。"): the answer shows the rest, the first unit of the next passage, after it; after a sentence that ends in
    its passage, the next passage is not read."""
    head = "有别于工程韧性追求的单一终极平衡状态，“生态韧性”认为存在多重平衡"
    rest = "状态，并以系统承受扰动的大小来衡量。"
    first = Chunk("p:0", "p", 0, "paper.zh.txt", "Paper", ("2",), 0, len(head), head, "zh")
    after = Chunk("p:1", "p", 1, "paper.zh.txt", "Paper", ("2",), len(head) + 2, len(head) + 2 + len(rest), rest, "zh")
    ended = replace(first, text=head + "。", end=first.end + 1)

    question = "生态韧性和工程韧性有什么不同？"
    assert _shown_with_next(question, first, after) == [head, rest]
    assert _shown_with_next(question, ended, after) == [head + "。"]


def test_a_proper_name_is_one_term_met_where_the_name_is_written_in_either_language() -> None:
    """ "可持续发展目标城市" is one programme, not six words each meeting any sentence about cities or goals; and
    "SURGe" is met by the sentence writing the programme's Chinese name, not by one sharing pieces of it."""
    lexicon = Lexicon(
        [
            GlossaryEntry(("可持续发展目标城市",), ("sdg cities",), "programme"),
            GlossaryEntry(("为下一代打造可持续的城市韧性",), ("surge", "sustainable urban resilience"), "programme"),
        ],
        cedict=False,
    )
    terms = question_terms("可持续发展目标城市十年需要多少钱？", lexicon)
    assert frozenset({"g0"}) in terms and not any(t & {"持续", "目标", "发展", "可持续"} for t in terms)
    # the abstention's share of unknown terms still counts a name's words one by one, as it was chosen
    assert unknown_share("可持续发展目标城市十年需要多少钱？", lexicon, lambda t: t in {"持续", "目标"}) < 1.0
    assert question_terms("How many cities joined SDG Cities?", lexicon)[0] == frozenset({"g0"})
    # a name in Latin letters inside a Chinese question is its English form
    assert question_terms("SURGe 倡议是谁发起的？", lexicon)[0] == frozenset({"g1"})
    assert not any("surg" in t for t in question_terms("SURGe 倡议是谁发起的？", lexicon))
    text = "城市韧性需要持续打造。\n“为下一代打造可持续的城市韧性”倡议于 2022 年发起。"
    shown = [
        u.text for u in select_units("What is SURGe?", [Hit(_chunk(text), 1.0, 0)], lambda _: None, lexicon, lang="en")
    ]
    assert shown == ["“为下一代打造可持续的城市韧性”倡议于 2022 年发起。"]


def test_a_word_of_a_glossary_phrase_meets_the_phrase_written_in_either_language() -> None:
    """ "build back better" glosses word by word to 建设, 后背, 最好; each of its words is also met where the phrase's
    entry is written (更好地重建), so the sentence naming it wins over one sharing a stray word. A stage is left to the
    stage reading, and a word outside any phrase meets nothing new."""
    lexicon = Lexicon(
        [
            GlossaryEntry(("更好地重建",), ("build back better",), "drr"),
            GlossaryEntry(("推进城市规划",), ("stage b",), "stage"),
        ],
        cedict=False,
    )
    terms = question_terms("Which strategies are built around build back better?", lexicon)
    assert [t for t in terms if "g0" in t] == [
        frozenset({"build", "g0"}),
        frozenset({"back", "g0"}),
        frozenset({"better", "g0"}),
    ]
    assert not any("g1" in t for t in question_terms("What do cities in stage B do?", lexicon))
    text = "战略应写明资金来源，并做得更好。\n应将更好地重建的概念纳入各项战略。"
    chunk = _chunk(text)
    shown = select_units(
        "Which strategies are built around build back better?", [Hit(chunk, 1.0, 0)], lambda _: None, lexicon, lang="en"
    )
    assert shown[0].text == "应将更好地重建的概念纳入各项战略。"


def test_the_part_that_says_most_of_a_question_answers_which_part() -> None:
    """ "Which area says strategies need the legislature's approval, national alignment and building back better?":
    the area holding all three, across its sentences, not the one with a sentence on one of them; the tools an area
    lists are names, not what it says, and a passage of no part is dropped."""

    def area(n: int, text: str, start: int) -> Hit:
        chunk = Chunk(
            f"doc:{n}", "doc", n, "doc.zh.txt", "Doc", (f"专题领域 {n}",), start, start + len(text), text, "zh"
        )
        return Hit(chunk, 1.0, n)

    ten = area(10, "地方战略应与中央战略衔接。\n- 立法工具包\n- 重建指南", 0)
    four = area(4, "战略应得到立法部门认可。\n战略还应与中央战略衔接。\n应将重建的概念纳入战略。", 100)
    other = Hit(Chunk("doc:99", "doc", 99, "doc.zh.txt", "Doc", ("FAQ",), 300, 310, "立法和重建。", "zh"), 1.0, 0)
    chosen = best_part(
        "哪个专题领域说战略需要立法认可、与中央衔接、纳入重建？",
        [ten, other, four],
        lambda c: c.section[-1] if c.section[-1].startswith("专题领域") else None,
        lambda _: None,
        None,
    )
    assert chosen == [four]


def test_a_table_row_is_one_unit_whatever_its_cells_separate_with_semicolons() -> None:
    """ "Social resilience Inclusive social governance; health and food security\tGoal 2: …" is one row: its cell's
    items are said together; a sentence outside a table still ends at its semicolon."""
    row = "Social resilience Inclusive social governance; health and food security; cities for all\tGoal 2: End hunger"
    text = f"Table 1: Subsystems and SDGs\n{row}\n城市需要可靠的灾害风险数据；也需要合适的规划工具。"
    units = [u.text for u in units_of(_chunk(text), 0, None)]
    assert row in units
    assert "城市需要可靠的灾害风险数据；" in units and "也需要合适的规划工具。" in units


def test_a_number_meets_its_other_forms() -> None:
    """A number meets its other forms ("the third work package", "工作包 3", "Work package 3"); "第三个" counts once
    however the segmenter cuts it; "first" and "one" are left alone (as often "initially" and "a")."""
    text = "工作包 1：开展城市风险评估。\n工作包 3：在城市一级推出，全面规划和执行气候行动。"
    hit = Hit(_chunk(text), 1.0, 0)
    for question in ("What is the third work package about?", "第三个工作包是关于什么的？"):
        assert select_units(question, [hit], lambda _: None, None, lang="zh")[0].text.startswith("工作包 3")
    (number,) = [t for t in question_terms("第三个工作包是关于什么的？", None) if "3" in t]
    assert {"3", "third", "three", "第三"} <= number
    assert not any("1" in t for t in question_terms("When did UN-Habitat first use it, and for one city?", None))


@pytest.mark.parametrize(
    ("qtype", "text", "holds"),
    [
        # a sentence's own number (paragraph, heading, service id) is no quantity, date or duration
        ("quantity", "48. “可行性基金”将十分有助于为项目融资。", False),
        ("quantity", "## 5. 可持续发展目标项目筹备可行性基金", False),
        ("quantity", "A.7. Preparedness and response tracking platform", False),
        ("quantity", "一个 5 000 万美元的基金可以筹备 100–150 个大型项目。", True),
        ("quantity", "12. A fund of USD 50 million could prepare 100 projects.", True),
        ("date", "3) In 2019 the platform was launched.", True),
        ("duration", "2. The process takes about six months.", True),
        # 一个 alone is the article "a"; a count is not
        ("quantity", "可行性基金旨在成为一个常青基金。", False),
        ("quantity", "十一个城市参加了培训。", True),
        ("quantity", "The fund aims to be an evergreen fund.", False),
        ("quantity", "Eleven cities took part in the training.", True),
        # every measure word of a count ("十次活动", "两场"), never an ordinal ("第十一届会议") or the article "一次"
        ("quantity", "城市危机专题还有十次活动,重点讨论乌克兰城市恢复的具体问题。", True),
        ("quantity", "安排了两场特别会议。", True),
        ("quantity", "世界城市论坛第十一届会议首次引入了城市危机专题。", False),
        ("quantity", "人居署安排了一次高级别圆桌会议。", False),
        # a year, a span of years, and the digits of a name count nothing
        ("quantity", "MCR 于 2010 年启动, 于 2020 年底结束。", False),
        ("quantity", "The campaign ran from 2010-2020 under MCR2030's predecessor.", False),
        ("quantity", "COVID-19 与 SDG11 的监测。", False),
        ("quantity", "2018-2022 年直接影响到 1,972 人。", True),
        ("date", "MCR 于 2010 年启动。", True),
    ],
)
def test_what_counts_as_the_kind_of_fact_asked_for(qtype: str, text: str, holds: bool) -> None:
    assert _holds_kind(qtype, text) is holds


@pytest.mark.parametrize(
    ("question", "answers", "not_answers"),
    [
        ("一共有多少座城市参与？", "超过 4347 座城市加入了 MCR 活动。", "MCR 共有 12 个专题领域。"),
        ("这件事帮到了多少人？", "直接惠及 1,972 人。", "共绘制了 25 张地图。"),
        ("How many cities joined the campaign?", "More than 4,347 cities joined.", "It has 12 thematic areas."),
        ("What share of the countries was affected?", "20 个国家(77%)受自然灾害的影响。", "20 个国家受影响。"),
    ],
)
def test_a_how_many_question_names_what_it_counts(question: str, answers: str, not_answers: str) -> None:
    pattern = counted(question)
    assert pattern is not None
    assert pattern.search(answers)
    assert not pattern.search(not_answers)


def test_a_span_in_chinese_numerals_meets_its_digits() -> None:
    """The segmenter keeps "十年" and "两年" whole and splits "10 年": the question's "十年" is found in "10 年总成本"
    and in "ten years", once, however the question spells it ("第三年" is one number, not two)."""
    (ten,) = question_terms("十年", None)
    assert {"十年", "10", "ten"} <= ten
    (two,) = question_terms("两年", None)
    assert {"2", "two"} <= two
    assert sum("3" in t for t in question_terms("第三年", None)) == 1


def test_how_many_days_is_answered_by_the_count_of_days_in_either_language() -> None:
    """ "开几天" is a duration question and "how many days" a quantity one; both count days, so in both the sentence
    with a number of days wins over another duration. A duration part counts only a unit of time: in "要花多久？分几个
    阶段？" the stages are the other part's."""
    text = "讲习班的准备工作需要4到12周。\n讲习班为期3天。"
    best = select_units("讲习班开几天？", [Hit(_chunk(text), 1.0, 0)], lambda _: None, None, lang="zh")[0]
    assert best.text == "讲习班为期3天。"
    assert counted("一个城市一般要花多久？分几个阶段？", time=True) is None
    assert counted("How many months does it take?", time=True) is not None


def test_a_question_that_counts_nothing_named_has_no_counted_pattern() -> None:
    assert counted("一共有多少？") is None
    assert counted("What is the budget?") is None


def test_the_count_of_the_thing_asked_for_outranks_another_number() -> None:
    text = "MCR 活动于 2010 年启动，吸引了 30 个合作伙伴参与城市行动。在过去的十年间，超过 4347 座城市参与了活动。"
    best = select_units("一共有多少座城市参与了活动？", [Hit(_chunk(text), 1.0, 0)], lambda _: None, None, lang="zh")[0]
    assert best.text == "在过去的十年间，超过 4347 座城市参与了活动。"


def test_a_line_of_a_table_of_contents_is_never_a_unit() -> None:
    text = "3. 有利于贫困人口的低成本土地信息系统\t89\n4. 气候变化规划      126\n该系统已在多个城市使用。"
    assert [u.text for u in units_of(_chunk(text), 0, None)] == ["该系统已在多个城市使用。"]


def test_a_photo_credit_line_is_never_a_unit() -> None:
    """A list of training services ran on into a photo's caption and its credit; the credit ("© …") names who took
    the picture and answers nothing. The caption stays: it says what the picture shows."""
    caption = "卢旺达基加利联合国一站式中心的年轻人正在学习电脑课程"
    text = f"服务包括现场培训和专门课程。\n{caption}\n© Julius Mwelu / 联合国人居署\n"
    assert [u.text for u in units_of(_chunk(text), 0, None)] == [
        "服务包括现场培训和专门课程。",
        caption,
    ]


def test_a_note_that_only_cites_a_work_is_never_a_unit_with_the_rest_of_its_line() -> None:
    """A footnote citing a publication, a document symbol or a link says where a text is, not what it says; a
    note that says something, and an author's affiliation, stay."""
    text = (
        "人居署将利用现有工具开展评估。\n"
        "⁴人居署,《全市公共空间评估工具包》(内罗毕,2020)。\n"
        '⁹联合国,"境内流离失所问题行动议程", 2020。见: www.un.org/en/content/action-agenda.pdf。\n'
        "¹ 载于 HSP/EB.2022/13 号文件。\n"
        "³ <https://www.un.org/en/content/common-agenda-report/>\n"
        "⁹ 2010 年，全球有 10 亿辆机动车（不包括两轮车）。\n"
        "¹ School of Architecture and Planning, Hunan University, Changsha 410082, China"
    )
    assert [u.text for u in units_of(_chunk(text), 0, None)] == [
        "人居署将利用现有工具开展评估。",
        "⁹ 2010 年，全球有 10 亿辆机动车（不包括两轮车）。",
        "¹ School of Architecture and Planning, Hunan University, Changsha 410082, China",
    ]


def test_the_evidence_is_the_best_covered_unit_shown() -> None:
    """A unit can win on the kind of fact it holds with less of the question's words than another shown with it;
    the evidence that the passages answer is how much of the question the best-covered of them holds."""
    chunk = _chunk("x" * 20)
    units = [Unit(chunk, 0, 0, 10, "a", "zh", coverage=0.4), Unit(chunk, 0, 10, 20, "b", "zh", coverage=0.9)]
    assert Abstention(dense=0.0, unknown=0.0, threshold=0.9).holds(units, 0.0)
    assert not Abstention(dense=0.0, unknown=0.0, threshold=0.95).holds(units, 0.0)


def test_the_passage_ranked_first_is_shown_with_its_best_sentence() -> None:
    """Retrieval read the first passage as a whole and ranked it first; when the words of the question favour
    sentences elsewhere, the first passage's best sentence is shown as well (and only then)."""
    first = Hit(_chunk("整个流程大约需要六个月，不包括施工阶段。", n=0), 1.0, 0)
    other = Hit(_chunk("她之城工具箱为城市规划提供数字化的包容参与流程，面向女童和青年。", n=1, start=100), 0.9, 1)
    question = "她之城工具箱为城市规划提供的包容参与流程需要多长时间？"
    texts = [u.text for u in select_units(question, [first, other], lambda _: None, None, lang="zh")]
    assert texts[0] == "她之城工具箱为城市规划提供数字化的包容参与流程，面向女童和青年。"
    assert "整个流程大约需要六个月，不包括施工阶段。" in texts
    off = Weights(first_passage=False)
    texts = [u.text for u in select_units(question, [first, other], lambda _: None, None, lang="zh", weights=off)]
    assert "整个流程大约需要六个月，不包括施工阶段。" not in texts


def test_the_answer_span_of_a_curated_question_like_the_users_wins() -> None:
    """Two sentences share the question's words equally; the one a curated question near the user's is answered by
    (``SearchResult.asked_spans``) wins, by its cosine above ``asked_floor``; a far question changes nothing."""
    text = "城市韧性行动规划于 2015 年推出。城市韧性行动规划流程需要 3-4 个月。"
    chunk = _chunk(text, start=200)
    second = text.index("城市韧性行动规划流程")
    question = "城市韧性行动规划怎么样？"
    hits = [Hit(chunk, 1.0, 0)]
    plain = select_units(question, hits, lambda _: None, None, lang="zh", most=1)[0]
    near = [("doc", 200 + second, 200 + len(text), 0.9)]
    picked = select_units(question, hits, lambda _: None, None, lang="zh", most=1, asked=near)[0]
    assert picked.text == "城市韧性行动规划流程需要 3-4 个月。" and picked.score > plain.score
    far = [("doc", 200 + second, 200 + len(text), Weights().asked_floor - 0.1)]
    assert select_units(question, hits, lambda _: None, None, lang="zh", most=1, asked=far)[0].text == plain.text
    other_doc = [("other", 200 + second, 200 + len(text), 0.9)]
    assert select_units(question, hits, lambda _: None, None, lang="zh", most=1, asked=other_doc)[0].text == plain.text


def test_the_nearest_curated_question_moves_the_evidence_only_where_every_document_has_them() -> None:
    chunk = _chunk("x" * 20)
    units = [Unit(chunk, 0, 0, 10, "a", "zh", coverage=0.5)]
    rule = Abstention(dense=0.0, unknown=0.0, threshold=0.5, asked=5.0, asked_neutral=0.6)
    assert rule.holds(units, 0.0, asked_best=None)  # no curated questions: the rule before
    assert rule.holds(units, 0.0, asked_best=0.7) and not rule.holds(units, 0.0, asked_best=0.5)


def test_a_reference_list_answers_only_a_question_about_publications() -> None:
    """Entries under "REFERENCES" (or "参考文献") are titles of works, not what the paper says: a question about
    digital risks is not answered with "*Smart city resilience: …*"; one about when a work was published is."""
    text = "[12] Lee, J. (2021). Smart city resilience: digitally empowering cities to survive and thrive. ICLEI."
    refs = Chunk(
        "paper:9", "paper", 9, "paper.en.txt", "Paper", ("4 Conclusions", "REFERENCES"), 0, len(text), text, "en"
    )
    body = replace(refs, chunk_id="paper:3", section=("4 Conclusions",))
    for chunk, shown in ((refs, False), (body, True)):
        hit = Hit(chunk, 1.0, 0)
        assert (
            bool(
                select_units(
                    "How does digitalisation make smart cities less resilient?", [hit], lambda _: None, None, lang="en"
                )
            )
            is shown
        )
    hit = Hit(refs, 1.0, 0)
    assert select_units(
        "When did Lee publish the report on smart city resilience?", [hit], lambda _: None, None, lang="en"
    )


@pytest.mark.parametrize(
    "question",
    [
        "What does CRPT stand for?",
        "What is the full name of CRPT?",
        "CRPT 是什么的缩写？",
        "CRPT 的全称是什么？",
        "CRPT 代表什么？",
    ],
)
def test_an_abbreviation_is_answered_by_the_sentence_that_spells_it_out(question: str) -> None:
    """ "What does X stand for" is asked of the abbreviation in either language, and answered by the sentence that
    gives its full form, not by every sentence using it (nor, in English, by one where partners "stand ready")."""
    assert question_type(question) == "expansion"
    assert question_terms(question, None) == [frozenset({"crpt"})]
    spelled_out = "在这一阶段，城市将需要诊断工具，例如城市韧性分析工具 (CRPT)、城市扫描工具等。"
    text = f"合作伙伴必须时刻准备与城市携手合作，共同使用 CRPT。{spelled_out}CRPT 已在多个城市使用。"
    picked = select_units(question, [Hit(_chunk(text), 1.0, 0)], lambda _: None, None, lang="zh")
    assert [u.text for u in picked] == [spelled_out]


def test_what_spells_out_an_abbreviation() -> None:
    spelled = expansion("GCC 是什么的缩写？")
    assert spelled is not None
    for text in (
        "全球协调委员会 (GCC) 进行协调",
        "ICLEI 绿色气候城市（GCC）计划",
        "（以下简称 GCC）",
        "GCC stands for",
        "GCC (Global Coordination Committee) meets",
        "the committee (GCC hereafter)",
    ):
        assert spelled.search(text), text
    for text in ("GCC 负责协调", "the GCC meets", "(GCC2)", "GCC（2018年）", "GCC (2020)"):
        assert not spelled.search(text), text
    # a lower-case word is no abbreviation, and "what is X" asks for a definition
    assert expansion("what does it stand for?") is None
    assert question_type("What is MCR2030?") == "definition"


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("该工具是和哪个机构一起设计的？整个流程要多长时间？", ("organisation", "duration")),
        ("Who designed the tool, and how long does the process take?", ("organisation", "duration")),
        ("When was MCR2030 launched, and how many regions does it operate in?", ("date", "quantity")),
        ("How long does the process take?", ()),
        ("What is the tool and what does it do?", ()),  # no two kinds of fact
    ],
)
def test_a_question_asking_two_things_has_two_parts(question: str, parts: tuple[str, ...]) -> None:
    assert question_parts(question) == parts


def test_a_two_part_question_is_shown_the_best_sentence_for_each_kind() -> None:
    """Scored as one question, it asks for a duration (the first kind its words name), and the sentence on who
    designed the tool is not shown; each part's kind gets its best sentence first."""
    text = (
        "该工具由人居署和 DiMSUR 共同设计，用于小城市的韧性规划。该工具的设计借鉴了小城市规划的经验。"
        "该工具的流程需要 3-4 个月。该工具已在非洲的小城市使用。"
    )
    hit = Hit(_chunk(text), 1.0, 0)
    question = "该工具是和哪个机构一起设计的？整个流程要多长时间？"

    def select(qtype):  # noqa: ANN001, ANN202
        return select_units(question, [hit], lambda _: None, None, lang="zh", qtype=qtype, most=2)

    shown = [u.text for u in for_each_part(question, select)]
    assert "该工具的流程需要 3-4 个月。" in shown
    assert shown[0].startswith("该工具由人居署和 DiMSUR 共同设计")


def test_a_unit_that_only_repeats_the_question_s_words_is_never_shown() -> None:
    """A link's title or a name on its own line ("[城市韧性中心](#)") holds every word of "什么是城市韧性中心？"
    and says nothing about it; a sentence that goes on to say something is shown. An English reader meets the same
    rule through the rendering; an entry of a list of works cited keeps its title (the question names the work)."""
    text = "[城市韧性中心](#)\n城市韧性中心为城市提供技术支持和培训。"
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("什么是城市韧性中心？", [hit], lambda _: None, None, lang="zh")]
    assert shown == ["城市韧性中心为城市提供技术支持和培训。"]
    rendering = Rendering(
        "doc",
        "en",
        "curated",
        (
            Segment(0, 11, "[Urban Resilience Hub](#)"),
            Segment(12, len(text), "The Urban Resilience Hub offers cities technical support and training."),
        ),
    )
    question = "What is the Urban Resilience Hub?"
    shown_en = [u.english for u in select_units(question, [hit], lambda _: rendering, None, lang="en")]
    assert shown_en == ["The Urban Resilience Hub offers cities technical support and training."]
    references = Chunk(
        "paper:9", "paper", 9, "paper.en.txt", "Paper", ("References",), 0, 80,
        "[5] Holling, C. S. (1973).\nResilience and stability of ecological systems.\n", "en",
    )  # fmt: skip
    shown_refs = [
        u.text
        for u in select_units(
            "When was Resilience and stability of ecological systems published?",
            [Hit(references, 1.0, 0)],
            lambda _: None,
            None,
            lang="en",
        )
    ]
    assert "Resilience and stability of ecological systems." in shown_refs


def test_a_sentence_that_asks_is_never_an_answer_sentence() -> None:
    """An FAQ's own question line ("怎样才能从 A 阶段推进至 B 和 C 阶段？") asserts nothing; its answer does."""
    text = "城市怎样才能注册加入 MCR2030？\n城市可以在 MCR2030 网站上注册，并上传签署的承诺书。"  # not an echo
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("我们怎样才能申请加入 MCR2030？", [hit], lambda _: None, None, lang="zh")]
    assert shown == ["城市可以在 MCR2030 网站上注册，并上传签署的承诺书。"]


def test_a_pointer_to_a_resource_answers_only_a_question_asking_for_one() -> None:
    """A line that is only a link, or a "learn more" line of links, names a resource and says nothing of it: it is
    passed over for "人居署城市实验室做什么？" and shown for a question asking for a guide, in either language."""
    text = (
        "[联合国人居署城市实验室手册](#)\n- 了解更多关于霍罗格市的[综合空间规划](#)和[城市实验室方法](#)\n"
        "联合国人居署通过其城市实验室汇集规划和数据分析方面的技术专长。"
    )
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("人居署城市实验室做什么？", [hit], lambda _: None, None, lang="zh")]
    assert shown == ["联合国人居署通过其城市实验室汇集规划和数据分析方面的技术专长。"]
    shown = [u.text for u in select_units("城市实验室有哪些手册？", [hit], lambda _: None, None, lang="zh")]
    assert "[联合国人居署城市实验室手册](#)" in shown
    first, second = text.index("\n"), text.index("\n", text.index("\n") + 1)
    rendering = Rendering(
        "doc",
        "en",
        "curated",
        (
            Segment(0, first, "UN-Habitat Urban Lab handbook"),
            Segment(first + 1, second, "- Learn more about integrated spatial planning in Khorog"),
            Segment(second + 1, len(text), "Through its Urban Lab, UN-Habitat brings together planning expertise."),
        ),
    )
    asked = (("What does the Urban Lab do?", False), ("Which handbook does the urban lab offer?", True))
    for question, pointer in asked:
        shown = [u.english for u in select_units(question, [hit], lambda _: rendering, None, lang="en")]
        assert ("UN-Habitat Urban Lab handbook" in shown) is pointer
        assert "Through its Urban Lab, UN-Habitat brings together planning expertise." in shown


def test_a_list_does_not_run_on_into_a_picture_s_caption_or_a_pointer() -> None:
    """A procedure question shows the items after its best unit, but a picture's caption (the line before its
    credit, "© …") or a line that only links to a resource is no item: there the list has ended."""
    text = (
        "人居署的震后支持包括以下工作：\n开展住区概况调查和户数统计；\n改善贫困家庭的居住保障。\n"
        "肯尼亚，穆塔瓦帕磋商\n© 联合国人居署\n[参与式贫民窟改造项目](#)"
    )
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("人居署如何在震后开展支持工作？", [hit], lambda _: None, None, lang="zh")]
    assert shown == ["人居署的震后支持包括以下工作：", "开展住区概况调查和户数统计；", "改善贫困家庭的居住保障。"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What commitments must a Stage C city make?", "list"),  # as "C 阶段城市需要做出哪些承诺？"
        ("C 阶段城市需要做出哪些承诺？", "list"),
        ("Which documents are needed to sign up?", "list"),
        ("What services does UN-Habitat offer for housing?", "list"),
        ("What skills do we need?", "other"),  # of the asker: a need, not a list the documents hold
        ("What does the plan cover?", "definition"),
    ],
)
def test_which_or_what_with_a_plural_noun_asks_for_a_list(question: str, kind: str) -> None:
    assert question_type(question) == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # costs are a quantity, as "cost" and 费用 are, whatever else the question says
        ("What are the yearly core costs of the programme?", "quantity"),
        # "where" after a noun opens a relative clause; it asks for no place
        ("Under the model where experts support cities directly, what are the yearly core costs?", "quantity"),
        ("What is a city where floods recur supposed to do?", "definition"),
        ("Where is the congress held?", "place"),
        # how something is worded asks for its words, no procedure
        ("阶段评估调查里有没有问城市是否指定了联络点？题目具体怎么问？", "yesno"),
        ("Does the survey ask about a focal point? How is that question worded?", "yesno"),
        ("怎么加入 MCR2030？", "procedure"),
        ("Where does the report say cities get support?", "place"),
    ],
)
def test_costs_are_a_quantity_and_neither_a_relative_where_nor_wording_asks_a_place_or_steps(
    question: str, kind: str
) -> None:
    assert question_type(question) == kind


def test_an_item_belongs_to_the_stage_of_the_list_it_is_in() -> None:
    """The FAQ writes the three stages' commitments on one line: an item is about its list's stage, whatever it
    names ("承诺充当 A 阶段和 B 阶段城市的导师" is Stage C's), and an item of another stage's list is no answer about
    the stage asked, however many of the question's words it holds; a new paragraph ends the list."""
    a_item = "城市需要做出承诺，一步步制定防灾减灾和韧性战略；"
    c_items = ["承诺充当 A 阶段和 B 阶段城市的导师并分享经验；", "承诺在全市各部门实施防灾减灾行动。"]
    text = (
        f"城市必须做出哪些承诺？\t<p>A 阶段城市应做出的承诺：</p> <ul> {a_item} "
        f"<p>C 阶段城市应做出的承诺：</p> <ul> {c_items[0]} {c_items[1]} <p>城市必须承诺定期更新进展情况。"
    )
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("C 阶段城市需要做出哪些承诺？", [hit], lambda _: None, None, lang="zh")]
    assert a_item not in shown
    assert shown[:3] == ["C 阶段城市应做出的承诺：", *c_items]
    shown = [u.text for u in select_units("A 阶段城市需要做出哪些承诺？", [hit], lambda _: None, None, lang="zh")]
    assert a_item in shown and not set(c_items) & set(shown)


def test_a_sentence_naming_no_stage_is_about_its_section_s_stage() -> None:
    """A sentence "这类城市需要…支持" under the heading "B 阶段：推进城市规划" is about Stage B cities: a
    question about Stage A passes it over as it passes over a sentence naming Stage B."""
    a_text = "这类城市将获得一套宣传工具和指导支持。"
    a = Chunk("doc:1", "doc", 1, "doc.zh.txt", "Doc", ("A 阶段：推进城市认知",), 0, 40, a_text, "zh")
    b_text = "这类城市需要的是最终制定战略方面的支持。"
    b = Chunk("doc:2", "doc", 2, "doc.zh.txt", "Doc", ("B 阶段：推进城市规划",), 100, 140, b_text, "zh")
    hits = [Hit(a, 1.0, 0), Hit(b, 0.9, 1)]
    shown = [u.text for u in select_units("A 阶段城市可以得到哪些支持？", hits, lambda _: None, None, lang="zh")]
    assert shown[0] == a_text and b_text not in shown
    shown = [u.text for u in select_units("B 阶段城市需要哪些支持？", hits, lambda _: None, None, lang="zh")]
    assert shown[0] == b_text


def test_the_word_stage_counts_only_for_the_stage_asked() -> None:
    """ "B 阶段的城市可以获得哪些支持？" was answered with a toolbox's projects: their passage said "不包括施工阶段" (a
    construction phase), so its sentences had the question's "阶段" beside them, and one enumerating cities won as
    a list. A question's stage word is its stage: a unit has it when it speaks of that stage (by its list, its own
    words or its section's heading), not when it or its neighbour says "stage" of anything else."""
    toolbox = (
        "目前，有 10 个由人居署支持的城市项目，分别位于约翰内斯堡、内罗毕、贝鲁特和利马。整个过程大约需要六个月，"
        "不包括施工阶段。"
    )
    other = Chunk("doc:1", "doc", 1, "doc.zh.txt", "Doc", ("B.6. 城市工具箱",), 0, len(toolbox), toolbox, "zh")
    b_text = "这类城市需要的是最终制定战略方面的支持和援助。"
    b = Chunk("doc:2", "doc", 2, "doc.zh.txt", "Doc", ("B 阶段：推进城市规划",), 500, 500 + len(b_text), b_text, "zh")
    shown = [
        u.text
        for u in select_units(
            "B 阶段的城市可以获得哪些支持？", [Hit(other, 1.0, 0), Hit(b, 0.9, 1)], lambda _: None, None, lang="zh"
        )
    ]
    assert shown[0] == b_text


def test_a_testimonial_s_speaker_and_title_answer_only_who() -> None:
    """The answer to "社区主导的规划有哪些好处？" quoted a testimonial's speaker ("罗斯·梅·吉格纳德
    (Rose-May Guignard) 女士") and their title on the line after it as two of its answers, the list of the quote
    running on into them."""
    quote = "“社区参与一直是这项规划最强大的资产之一。规划侧重于从社区角度所需的优先干预措施。”"
    speaker, title = "罗斯·梅·吉格纳德 (Rose-May Guignard) 女士", "海地领土规划部际委员会高级城市规划员"
    text = f"{quote}\n\n{speaker}\n{title}\n\n海地已完成基础设施的建设。"
    hit = Hit(_chunk(text), 1.0, 0)
    shown = [u.text for u in select_units("社区主导的规划有哪些好处？", [hit], lambda _: None, None, lang="zh")]
    assert shown and speaker not in shown and title not in shown
    shown = [u.text for u in select_units("罗斯·梅·吉格纳德女士是谁？", [hit], lambda _: None, None, lang="zh")]
    assert speaker in shown


def test_what_a_speaker_said_is_the_quote_their_lines_attribute() -> None:
    """ "What did the Permanent Secretary say about the framework?": the speaker's lines say who spoke and match the
    question's words, the quote before them says what; the quote is shown (blind25, tuning: a title line ending
    "…时表示。" was shown, not the quote)."""
    quote = "“我希望看到将这一流程制度化，确保它成为我们国家空间规划的永久工具。”"
    speaker, title = "帕特丽斯·乌瓦斯 (Patricie Uwase) 女士，", "卢旺达基础设施部常务秘书介绍空间发展框架时表示。"
    text = f"卢旺达正在编制空间发展框架。\n\n{quote}\n\n{speaker}\n{title}\n\n卢旺达已完成基础设施的建设。"
    hit = Hit(_chunk(text), 1.0, 0)
    asked = "卢旺达基础设施部常务秘书对空间发展框架说了什么？"
    shown = [u.text for u in select_units(asked, [hit], lambda _: None, None, lang="zh")]
    assert shown and shown[0] == quote.rstrip("”") and title not in shown and speaker not in shown


def test_a_note_marked_as_extraction_wrote_it_is_no_answer() -> None:
    """A footnote whose mark extraction wrote "^{*}" and which only cites a document symbol says where a text is."""
    text = "城市危机包括冲突和灾害。^{*} HSP/EB.2022/14。"
    units = units_of(_chunk(text), 0, None)
    assert [u.text for u in units] == ["城市危机包括冲突和灾害。"]


def test_the_source_named_as_one_is_no_content_term() -> None:
    """ "according to the review" says which document is asked, as "the paper" does; a review that is not the document
    ("a peer review") stays a term, and "play" of "what role does it play" is how it is asked."""
    words = set().union(*question_terms("What role do local governments play according to the review?", None))
    assert "review" not in words and "plai" not in words and "role" in words
    assert "review" in set().union(*question_terms("How does a city-to-city peer review work?", None))


def test_a_highlight_that_says_what_the_paper_does_answers_only_what_it_covers() -> None:
    """A paper's highlights ("- Discusses emerging opportunities, challenges …") name a topic, never what the paper
    says of it: "What challenges does the digital era bring for cities?" was answered with them."""
    text = (
        "- Discusses emerging opportunities, challenges, and strategies such as cyber resilience in the digital era\n"
        "- Reviews the global resilient city development from 2010 to present\n\n"
        "The digital era brings cities the challenge of cyber attacks on their communication systems."
    )
    chunk = Chunk("doc:0", "doc", 0, "doc.en.txt", "Doc", ("HIGHLIGHTS",), 0, len(text), text, "en")
    hit = Hit(chunk, 1.0, 0)
    shown = [
        u.text
        for u in select_units(
            "What challenges does the digital era bring for cities?", [hit], lambda _: None, None, lang="en"
        )
    ]
    assert shown and not any(t.startswith("- ") for t in shown)
    shown = [
        u.text
        for u in select_units(
            "What does the paper discuss about the digital era?", [hit], lambda _: None, None, lang="en"
        )
    ]
    assert any(t.startswith("- Discusses") for t in shown)


@pytest.mark.parametrize(
    ("text", "lettered"),
    [
        ("韧性路线图的第二阶段是什么？", "韧性路线图的B 阶段是什么？"),
        ("MCR2030 第三个阶段的城市可以获得哪些支持？", "MCR2030 C 阶段的城市可以获得哪些支持？"),
        ("What is the second stage of the resilience roadmap?", "What is Stage B of the resilience roadmap?"),
        ("Which stage of MCR2030 comes after the first stage?", "Which stage of MCR2030 comes after Stage A?"),
        # elsewhere a first phase is a project's
        ("该项目第一阶段在九个城市完成试验。", "该项目第一阶段在九个城市完成试验。"),
        ("What happened in the first phase of the project?", "What happened in the first phase of the project?"),
    ],
)
def test_the_roadmap_s_stages_named_by_their_place_are_named_by_letter(text: str, lettered: str) -> None:
    assert lettered_stages(text) == lettered


def test_indefinite_words_are_no_content_terms() -> None:
    """A question such as "Who else can sign up?" asks about signing up: "else" (stemmed "els", which a glossary
    may hold as the "El" of a place name) and "anyone" / "something" are no terms a sentence must meet."""
    terms = question_terms("Who else can sign up, and is anyone or something missing?", None)
    flat = set().union(*terms)
    assert {"sign", "miss"} <= flat
    assert not flat & {"els", "anyon", "someth"}
