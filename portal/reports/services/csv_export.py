"""CSV files of report tables, safe to open in a spreadsheet.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a
tab or carriage return before one) as a formula, so a task title from a site could fetch a URL
or run a command when a team lead opens the export. Following OWASP's advice
(https://owasp.org/www-community/attacks/CSV_Injection), such text cells get a leading single
quote, which spreadsheets show as "text" and hide. Numbers the portal counted are written as
numbers: a count is never a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """The value as written to the file: text that a spreadsheet would read as a formula gets a
    leading single quote; everything else as it is."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_write(out: IO[str], header: Sequence, rows: Iterable[Sequence]) -> None:
    """Header and rows, UTF-8 with a byte order mark (spreadsheets then read Arabic correctly)."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
