"""Which of our documents a question points at (retriever/references.py): by kind words in both languages and by
symbol; model-free."""

from __future__ import annotations

import pytest

from retriever.references import DocumentReferences
from retriever.types import Document


def _doc(doc_id: str, **meta: str) -> Document:
    return Document(doc_id, f"{doc_id}.txt", doc_id, "zh", "text", "hash", meta=tuple(meta.items()))


REFS = DocumentReferences(
    [
        _doc("paper", kind="research paper"),
        _doc("eb22", kind="board report", symbol="HSP/EB.2022/17", year="2022"),
        _doc("eb23", kind="board report", symbol="HSP/EB.2023/17", year="2023"),
        _doc("cat", kind="service catalogue"),
        _doc("mine"),  # a document a user brought, with no kind
    ]
)


@pytest.mark.parametrize(
    ("text", "referred"),
    [
        ("What gap prompted the authors to write this review?", {"paper"}),
        ("论文中文部分是怎样界定“工程韧性”的？", {"paper"}),
        ("这份执行局报告主要介绍的是哪一段时间的进展？", {"eb22", "eb23"}),
        ("What does HSP/EB.2023/17 say about certification?", {"eb23"}),
        ("2022 年版服务目录新增了多少条目？", {"cat"}),
        ("How many sections does the Service Catalogue have?", {"cat"}),
        ("What does the IPCC report say about sea-level rise?", set()),  # a report we do not hold
        ("IPCC报告中关于海平面上升说了什么？", set()),
        ("世界银行的报告里怎么说城市韧性？", set()),
        ("What does the report by the World Bank say about cities?", set()),
        ("报告中提到了哪些国家？", {"eb22", "eb23"}),
        ("What does the report say about Ukraine?", {"eb22", "eb23"}),
        # a year said with the kind picks that year's report; a year elsewhere in the question does not
        ("执行局 2022 年的报告讨论的主要问题是什么？", {"eb22"}),
        ("What is the main issue discussed in the Executive Board's 2022 report?", {"eb22"}),
        ("2023 年执行局报告提到了哪些城市？", {"eb23"}),
        ("What does the 2023 report say about certification?", {"eb23"}),
        ("What does the report say UN-Habitat will do in 2023?", {"eb22", "eb23"}),
        ("执行局 2021 年的报告说了什么？", {"eb22", "eb23"}),  # no report of that year: both are candidates
        ("How does UN-Habitat support voluntary local reviews?", set()),
        ("哪个工具可以评估洪水风险？", set()),
    ],
)
def test_the_documents_a_question_points_at(text: str, referred: set[str]) -> None:
    assert REFS.referred(text) == referred
