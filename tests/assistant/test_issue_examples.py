"""The questions issue #14 was filed with, each asked in English and in Chinese over the real index and model.

An answer is right when it is a document answer in the asker's language and its citations quote every fact listed
(each a string of the source document, whitespace ignored): the sentence that holds the answer, not one on the
topic. The examples still answered wrong are marked ``xfail(strict=True)`` with what the answer quotes instead, so
the suite shows the measured gap and fails the day one of them starts passing unnoticed.
"""

from __future__ import annotations

import pytest

from assistant.chat import Assistant, Turn

pytestmark = pytest.mark.integration


def _miss(why: str):  # noqa: ANN202
    return pytest.mark.xfail(strict=True, reason=f"measured miss (2026-12-05): {why}")


CRITERIA = "成立多部门韧性能力建设委员会"
TRACKS = ("数据轨道支持城市根据全球城市监测框架收集和分析数据",)
COSTS = ("数据轨道 5 000 美元",)
CITYRAP = ("城市韧性行动规划流程需要 3-4 个月", "DiMSUR")
MARKER = ("获得适足的住房和基本服务",)

EXAMPLES = [
    pytest.param("城市从 A 阶段进入 B 阶段要满足哪些标准？", "zh", (CRITERIA,)),
    pytest.param("What criteria must a city meet to move from Stage A to Stage B?", "en", (CRITERIA,)),
    pytest.param(
        "Which city joined the Building Efficiency Accelerator program and to what end?",
        "en",
        ("Ulaanbaatar, Mongolia: joined the Building Efficiency Accelerator",),
    ),
    pytest.param("哪个城市加入了“建筑能效加速器”项目？目的是什么？", "zh", ("蒙古乌兰巴托市加入“建筑能效加速器”项目",)),
    pytest.param(
        "只使用数字化工具的参与城市，人居署远程监测各轨道的费用是多少？",
        "zh",
        COSTS,
    ),
    pytest.param(
        "For participating cities that use only the digital tools, what does UN-Habitat's remote "
        "monitoring of each track cost?",
        "en",
        COSTS,
    ),
    pytest.param(
        "“可持续发展目标城市”倡议的四个轨道分别是什么？",
        "zh",
        TRACKS,
        marks=_miss("quotes sentences that mention the four tracks, not the tracks"),
    ),
    pytest.param(
        "What are the four tracks of the SDG Cities initiative?",
        "en",
        TRACKS,
        marks=_miss("quotes sentences that mention the four tracks, not the tracks"),
    ),
    pytest.param(
        "CityRAP 是人居署和哪个机构一起设计的？整个流程要多长时间？",
        "zh",
        CITYRAP,
        marks=_miss(
            "session 19: the duration and two more CityRAP sentences, not the partner (DiMSUR); the sentence that "
            "answers a curated question like the second half now leads, and three places are taken"
        ),
    ),
    pytest.param(
        "Who designed CityRAP with UN-Habitat, and how long does the process take?",
        "en",
        CITYRAP,
        marks=_miss("the partner, but the Rapid Planning Studio's duration instead of CityRAP's"),
    ),
    pytest.param(
        "What dimensions does UN-Habitat's City Inclusion Marker measure?",
        "en",
        MARKER,
    ),
    pytest.param(
        "人居署的“城市包容性标记”衡量哪些方面？",
        "zh",
        MARKER,
    ),
]


@pytest.fixture(scope="module")
def assistant(real_assistant) -> Assistant:
    return real_assistant


def _collapse(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(("question", "lang", "facts"), EXAMPLES)
def test_the_issue_examples_are_answered(
    assistant: Assistant, question: str, lang: str, facts: tuple[str, ...]
) -> None:
    reply = assistant.reply([Turn("user", question)])
    assert reply.intent == "question" and reply.lang == lang, (reply.intent, reply.lang)
    docs = assistant.retriever.index.documents
    for c in reply.citations:  # grounded: every quote is the source at its offsets
        assert docs[c.doc_id].text[c.start : c.end] == c.quote
    quoted = [_collapse(c.quote) for c in reply.citations]
    missing = [f for f in facts if not any(_collapse(f) in q for q in quoted)]
    assert not missing, f"not quoted: {missing}; the answer quotes {[c.quote[:50] for c in reply.citations]}"
