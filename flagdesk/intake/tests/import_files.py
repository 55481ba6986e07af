"""Spreadsheets for the import tests, written in the test: CSV in any encoding, XLSX with
openpyxl. Hosts are ``*.test`` names that the test resolver answers (``private.test`` is a
private address)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any


def csv_bytes(
    rows: Sequence[Sequence[str]], *, encoding: str = "utf-8", delimiter: str = ","
) -> bytes:
    """Rows joined by ``delimiter`` (cells quoted when needed), encoded as told; encodings
    ending in ``-sig``/``utf-16`` carry their BOM as Python writes it."""
    import csv

    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def many_rows(count: int, *, host: str = "social.test", start: int = 0) -> list[list[str]]:
    return [["url"], *([f"https://{host}/p/{i}"] for i in range(start, start + count))]


def xlsx_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "Links",
    second: tuple[str, Sequence[Sequence[Any]]] | None = None,
) -> bytes:
    """A workbook whose first sheet holds ``rows`` (a cell starting with = is a formula),
    and a ``second`` sheet (name, rows) if given."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if second is not None:
        other = book.create_sheet(second[0])
        for row in second[1]:
            other.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
