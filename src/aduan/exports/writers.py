"""The two file formats, written row by row so that no export is held in memory.

CSV is streamed as it is produced: UTF-8 with a byte-order mark (Excel then reads the
Indonesian text right) and every text cell that a spreadsheet would run as a formula
(``= + - @``, tab, carriage return) prefixed with ``'`` (OWASP "CSV injection").
XLSX is written with XlsxWriter in ``constant_memory`` mode (each row flushed to disk as
it is written) to a temporary file, then streamed from it (ADR 0016).
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

import xlsxwriter

from .columns import Cell, cell_text

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# An XLSX sheet holds 1,048,576 rows: the header and then this many; more go on the next.
XLSX_ROWS_PER_SHEET = 1_048_575


def csv_safe(text: str) -> str:
    """``text`` as a cell no spreadsheet evaluates."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


class _Line:
    """A file-like sink for ``csv.writer`` that hands back what one ``writerow`` wrote."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: list[str], rows: Iterable[list[Cell]]) -> Iterator[str]:
    """The CSV file as lines, the byte-order mark first. Numbers stay numbers (a rating);
    only text is guarded, since only text can start a formula."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([csv_safe(h) for h in headers])
    for row in rows:
        yield writer.writerow(
            [
                v if isinstance(v, int) and not isinstance(v, bool) else csv_safe(cell_text(v))
                for v in row
            ]
        )


def xlsx_write(
    headers: list[str], rows: Iterable[list[Cell]], *, sheet_name: str
) -> tuple[IO[bytes], int]:
    """The workbook in a temporary file (deleted once closed), rewound, and the number of
    rows written. Text is written with ``write_string`` only: a cell starting with ``=``
    stays text and is never a formula, so nothing needs escaping here."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    count = 0
    sheet = None
    line = XLSX_ROWS_PER_SHEET
    for row in rows:
        if line == XLSX_ROWS_PER_SHEET:
            number = count // XLSX_ROWS_PER_SHEET + 1
            sheet = workbook.add_worksheet(sheet_name if number == 1 else f"{sheet_name} {number}")
            sheet.write_row(0, 0, headers, bold)
            sheet.freeze_panes(1, 0)
            line = 0
        line += 1
        count += 1
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(line, col, value)
            elif isinstance(value, int):
                sheet.write_number(line, col, value)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(line, col, value, when)
            else:
                sheet.write_string(line, col, cell_text(value))
    if sheet is None:  # no rows: still a valid workbook with its header
        sheet = workbook.add_worksheet(sheet_name)
        sheet.write_row(0, 0, headers, bold)
    workbook.close()
    target.seek(0)
    return target, count
