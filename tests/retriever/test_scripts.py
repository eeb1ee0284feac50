"""Traditional Chinese is read in the corpus's simplified script: what officials in Taiwan, Hong Kong and Macao
write finds what the same words in simplified characters find."""

from __future__ import annotations

import pytest

from retriever.language import simplified


@pytest.mark.parametrize(
    ("traditional", "expected"),
    [
        ("本市韌性策略已獲市議會正式採納", "本市韧性策略已获市议会正式采纳"),
        ("跨局處的韌性委員會督導計畫研擬", "跨局处的韧性委员会督导计划研拟"),
        ("我們縣剛加入MCR2030，其他的事情都還沒開始。", "我们县刚加入MCR2030，其他的事情都还没开始。"),
        ("過去一年在多個屋邨辦了防洪宣傳日", "过去一年在多个屋邨办了防洪宣传日"),
    ],
)
def test_traditional_characters_are_read_as_simplified(traditional: str, expected: str) -> None:
    assert simplified(traditional) == expected


@pytest.mark.parametrize(
    "text",
    [
        # mainland words a vocabulary converter (OpenCC tw2sp) rewrites: character conversion must leave them
        "还什么都没做，正式文件我没见到",
        "规划已经上报市政府，目前在走审议程序",
        "区里建立了由九个部门参加的联席会议，准备新增防灾减灾专章",
        "What does UN-Habitat's City Resilience Action Planning (CityRAP) tool do?",
        "",
    ],
)
def test_simplified_and_latin_text_is_unchanged(text: str) -> None:
    assert simplified(text) == text


@pytest.mark.integration
@pytest.mark.parametrize(
    "question",
    [
        "城市韧性行动规划流程需要多长时间？",
        "哪个工具可以让城市衡量自己的抗灾能力？",
        "人居署的城市韧性全球方案为城市提供哪些支持？",
    ],
)
def test_a_question_in_traditional_characters_finds_the_same_passages(real_index, question: str) -> None:
    from opencc import OpenCC

    _, retriever = real_index
    traditional = OpenCC("s2t").convert(question)
    assert traditional != question
    ids = [h.chunk.chunk_id for h in retriever.search(question, 5)]
    assert [h.chunk.chunk_id for h in retriever.search(traditional, 5)] == ids
