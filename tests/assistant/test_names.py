"""Which record a message names: exact names first, then names typed loosely (spacing, hyphens, one typo)."""

from __future__ import annotations

import pytest

from assistant.names import RecordNames, short_forms
from retriever.types import CatalogueItem, SourceSpan

_SPAN = SourceSpan("doc", "doc.txt", 0, 1, "x")


def _item(id_: str, name: str, name_en: str, kind: str = "mcr_tool") -> CatalogueItem:
    return CatalogueItem(id=id_, kind=kind, name=name, name_en=name_en, summary_en="", span=_SPAN)  # type: ignore[arg-type]


ITEMS = (
    _item("scorecard", "城市抗灾能力记分卡", "Disaster Resilience Scorecard for Cities"),
    _item(
        "addendum",
        "城市抗灾能力记分卡 - 公共卫生系统抗灾能力附录",
        "Disaster Resilience Scorecard for Cities: Public Health System Resilience Addendum",
    ),
    _item(
        "uscore2",
        "USCORE2: 防灾减灾风险的城市间同行评审",
        "USCORE2: City-to-City Peer Review for Disaster Risk Reduction",
    ),
    _item("qre", "快速风险评估工具", "Quick Risk Estimation Tool"),
    _item(
        "C.7",
        "MetroHUB：支持可持续的大都市和区域发展",
        "MetroHUB: Supporting Sustainable Metropolitan and Regional Development",
        "unhabitat_service",
    ),
    _item("J.1", "自愿地方评估", "Voluntary Local Reviews", "unhabitat_service"),
)
NAMES = RecordNames(ITEMS)


@pytest.mark.parametrize(
    ("text", "record", "words"),
    [
        ("Tell me about C.7", "C.7", "C.7"),
        ("what is the Quick Risk Estimation Tool?", "qre", "Quick Risk Estimation Tool"),
        ("介绍一下城市抗灾能力记分卡", "scorecard", "城市抗灾能力记分卡"),
        (
            "the Disaster Resilience Scorecard for Cities: Public Health System Resilience Addendum",
            "addendum",
            None,
        ),
        # spacing, hyphens, punctuation and case do not count
        ("what's the uscore 2 peer review thing about", "uscore2", "uscore 2"),
        ("metro hub?", "C.7", "metro hub"),
        ("Metro-Hub, what is it", "C.7", "Metro-Hub"),
        ("城市抗灾能力 记分卡是什么", "scorecard", "城市抗灾能力 记分卡"),
        # one typo in a long word of a name of two words or more
        ("Quick Risk Estimaton Tool, please", "qre", "Quick Risk Estimaton Tool"),
        ("disaster resilience scorcard for cities", "scorecard", "disaster resilience scorcard for cities"),
        ("how does a Voluntary Local Review work", "J.1", "Voluntary Local Review"),
        ("quick risk estimation tol", None, None),  # a short word is never taken for a typo
        ("Quick Rusk Estimaton Tool", None, None),  # two typos are two words of another name
        ("Quick Risk Assessment Tool", None, None),  # another word, not a typo
        ("the metro area hub of the region", None, None),  # words apart are no name
        ("what about our scorecard", None, None),
    ],
)
def test_a_record_is_found_by_its_name_typed_loosely(text: str, record: str | None, words: str | None) -> None:
    found = NAMES.find(text)
    assert (found[0].id if found else None) == record
    if found and words is not None:
        assert found[1] == words and (words in text or words.casefold() in text.casefold())


def test_short_forms_stay_with_their_one_record() -> None:
    # "Disaster Resilience Scorecard for Cities" heads both names: the addendum is found by its longer name first
    assert NAMES.find("the Disaster Resilience Scorecard for Cities: Public Health System Resilience Addendum")[
        0
    ].id == (  # type: ignore[index]
        "addendum"
    )
    assert short_forms("USCORE2: 防灾减灾风险的城市间同行评审") == ["USCORE2"]
