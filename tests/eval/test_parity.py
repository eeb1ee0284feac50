"""The script parity measurement: a traditional twin that gets something else is counted, an unchanged text is
not a twin."""

from __future__ import annotations

from eval.parity import evaluate_parity_script


def test_script_parity_counts_twins_that_get_something_else() -> None:
    twin = str.maketrans("会议", "會議")  # a toy converter: two characters

    def search(q: str) -> list[str]:
        return ["p1", "p2"] if "会" in q or "會" in q else ["p3"]

    def assess(q: str) -> str:
        return "C" if "议" in q else "A"  # reads only the simplified 议: its twin gets another stage

    rows = evaluate_parity_script(
        lambda t: t.translate(twin),
        search=search,
        recommend=lambda q: ["A.1"],
        assess=assess,
        questions=["市议会", "no Han text"],
        situations=["开会"],
        descriptions=["议会批准"],
    )
    assert [(r["kind"], r["same"]) for r in rows] == [("search", True), ("recommend", True), ("stage", False)]
