"""Exported CSV: BOM, CRLF, and no text cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from assistant.spreadsheet import safe_cell, spreadsheet_csv


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_like_a_formula_is_quoted(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_other_cells_are_unchanged() -> None:
    assert [safe_cell(v) for v in ("城市", "a=b", "", -1, 2.5, None)] == ["城市", "a=b", "", -1, 2.5, None]


def test_every_cell_of_every_row_is_guarded() -> None:
    text = spreadsheet_csv(("a", "b"), [("=cmd", -1), ("ok", "@x")])
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [["a", "b"], ["'=cmd", "-1"], ["ok", "'@x"]]
