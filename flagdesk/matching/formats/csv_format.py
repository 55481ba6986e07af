"""ThreatExchange/HMA-style CSV: a header row names the columns, in any order and case.

Read: python-threatexchange's ``threatexchange dataset -P --csv`` (``collab, signal_type,
signal_str, category, tags``, tags separated by spaces), ThreatExchange indicator exports
(``indicator_type, indicator, id``), our own export, and HMA 0.x's header-less
``simple.<TYPE>.te`` files (``indicator, indicator_id, first_descriptor_id, added_on, labels``)
when the type is given. Written: ``signal_type, signal, tags, quality, external_ref, added_at``
with every cell a spreadsheet would execute neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from flagdesk.core.spreadsheets import neutralise
from flagdesk.core.spreadsheets import unescape as unescape_cell

from .base import ExchangeFormat, ExportRow, FormatError, InvalidRow, RawRow, join_tags

# A vPDQ hash of a three-hour video is about 800 kB in one cell; the default limit is 128 kB.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))

COLUMNS: dict[str, tuple[str, ...]] = {
    "signal_type": ("signal_type", "type", "indicator_type"),
    "value": ("signal", "signal_str", "hash", "value", "indicator", "raw_indicator"),
    "tags": ("tags", "labels"),
    "quality": ("quality",),
    "external_ref": ("external_ref", "id", "indicator_id"),
    "category": ("category",),
}
# HMA 0.x state files: indicator, indicator_id, first_descriptor_id, added_on, labels.
HEADERLESS = {"value": 0, "external_ref": 1, "tags": 4}
EXPORT_HEADER = ["signal_type", "signal", "tags", "quality", "external_ref", "added_at"]
DELIMITERS = (",", ";", "\t")
CHUNK_ROWS = 1000
# python-threatexchange's opinion category for "this is not what the collaboration is about".
NEGATIVE_CATEGORIES = {"negative_class", "negative"}


def _mapping(header: list[str]) -> dict[str, int]:
    names = [cell.strip().strip('"').lower() for cell in header]
    found: dict[str, int] = {}
    for field, aliases in COLUMNS.items():
        for alias in aliases:
            if alias in names:
                found[field] = names.index(alias)
                break
    return found


def _first_line(text: str) -> tuple[int, str]:
    """The first line that is neither blank nor a ``#`` comment, with its number."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return number, line
    return 0, ""


def _looks_like_hash(cell: str) -> bool:
    text = cell.strip().lower()
    return text.startswith("[") or (bool(text) and all(c in "0123456789abcdef" for c in text))


class CsvFormat(ExchangeFormat):
    name = "csv"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def _layout(self, text: str, default_type: str | None) -> tuple[str, dict[str, int], int]:
        """Delimiter, column of each field, and the header's line (0 without a header)."""
        line_no, line = _first_line(text)
        if not line_no:
            return ",", {}, 0
        for delimiter in DELIMITERS:
            header = next(csv.reader([line], delimiter=delimiter), [])
            mapping = _mapping(header)
            if "value" in mapping:
                return delimiter, mapping, line_no
        first_cell = next(csv.reader([line]), [""])[0]
        if default_type and _looks_like_hash(first_cell):
            return ",", dict(HEADERLESS), 0
        known = ", ".join(COLUMNS["value"])
        raise FormatError(
            _(
                "The first line of the CSV file must be a header naming the hash column "
                "(one of: %(columns)s)."
            )
            % {"columns": known}
        )

    def rows(self, text: str, *, default_type: str | None) -> Iterator[RawRow | InvalidRow]:
        delimiter, mapping, header_line = self._layout(text, default_type)
        if not mapping:
            return
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        previous = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FormatError(
                    _("The CSV file cannot be read from line %(line)d on (%(error)s).")
                    % {"line": previous + 1, "error": exc}
                ) from None
            line, previous = previous + 1, reader.line_num
            if line <= header_line or not any(cell.strip() for cell in row):
                continue
            if row[0].lstrip().startswith("#"):
                continue
            yield self._raw(line, row, mapping)

    @staticmethod
    def _raw(line: int, row: list[str], mapping: dict[str, int]) -> RawRow | InvalidRow:
        """Columns we do not know (``collab``, ``added_at``...) are ignored, as TE's reader does."""

        def cell(field: str) -> str:
            index = mapping.get(field)
            if index is None or index >= len(row):
                return ""
            return unescape_cell(row[index])

        if cell("category").strip().lower() in NEGATIVE_CATEGORIES:
            return InvalidRow(
                line,
                _(
                    "The source marks this hash as a known false positive (NEGATIVE_CLASS); "
                    "not imported."
                ),
            )
        return RawRow(
            line=line,
            signal_type=cell("signal_type"),
            value=cell("value"),
            tags=cell("tags"),
            quality=cell("quality"),
            external_ref=cell("external_ref"),
        )

    def write(self, rows: Iterable[ExportRow], *, bank: str) -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_HEADER)
        for number, row in enumerate(rows, start=1):
            cells = [
                row.signal_type,
                row.value,
                join_tags(row.tags),
                "" if row.quality is None else str(row.quality),
                row.external_ref,
                row.added_at.isoformat(),
            ]
            writer.writerow([neutralise(c) for c in cells])
            if number % CHUNK_ROWS == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
