"""CSV for spreadsheets: a UTF-8 BOM (so Excel reads Chinese), CRLF rows, and no cell a spreadsheet would run.

Every exported CSV (catalogue records, feedback, knowledge gaps) goes through ``spreadsheet_csv``, so a new column
cannot forget the formula guard: any text cell starting with = + - @ tab or CR (CSV injection) is prefixed with '.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ' when it is text a spreadsheet would read as a formula; anything else unchanged."""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """``header`` then ``rows`` as CSV text with a BOM and CRLF line ends, every cell through `safe_cell`."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()
