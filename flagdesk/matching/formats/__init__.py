"""Exchange formats for hash banks: the registry, and parsing a file into checked rows (S10).

A new format is one module with an ``ExchangeFormat`` subclass plus a line in ``FORMATS``.
Importing into and exporting from a bank (database work) is in ``exchange``.
"""

from __future__ import annotations

from pathlib import PurePath

from django.utils.translation import gettext as _

from .base import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    ExchangeFormat,
    ExportRow,
    FormatError,
    ImportTooLarge,
    InvalidRow,
    ParsedImport,
    ParsedRow,
    decode,
    require_type,
)
from .csv_format import CsvFormat
from .hashes import HashListFormat
from .json_format import JsonFormat
from .rows import collect

FORMATS: dict[str, type[ExchangeFormat]] = {
    f.name: f for f in (CsvFormat, JsonFormat, HashListFormat)
}
# File name endings for guessing a format when none is given.
EXTENSIONS = {".csv": "csv", ".json": "json", ".txt": "hashes", ".hashes": "hashes"}


def exchange_format(name: str) -> ExchangeFormat:
    """The format called ``name``, or a FormatError listing the known ones."""
    cls = FORMATS.get(name.strip().lower())
    if cls is None:
        raise FormatError(
            _("Unknown format %(name)s; use one of: %(known)s.")
            % {"name": repr(name), "known": ", ".join(FORMATS)}
        )
    return cls()


def guess_format(filename: str) -> str:
    """The format a file name suggests (``bank.csv`` is CSV), or a FormatError asking for one."""
    name = EXTENSIONS.get(PurePath(filename).suffix.lower())
    if name is None:
        raise FormatError(
            _("Cannot tell the format from the file name; give it (%(known)s).")
            % {"known": ", ".join(FORMATS)}
        )
    return name


def parse(
    data: bytes | str,
    fmt: str,
    *,
    default_type: str | None = None,
    max_rows: int = MAX_IMPORT_ROWS,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> ParsedImport:
    """Every row of a partner's file, checked: valid rows and ``(line, message)`` for the rest.

    Nothing touches the database. Raises FormatError (422 ``invalid_format``) when the file as
    a whole is unreadable and ImportTooLarge (413 ``too_large``) beyond the limits.
    """
    reader = exchange_format(fmt)
    kind = require_type(default_type) if default_type else None
    text = decode(data, max_bytes=max_bytes)
    result = ParsedImport()
    collect(reader.rows(text, default_type=kind), result, default_type=kind, max_rows=max_rows)
    return result


__all__ = [
    "FORMATS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "ExchangeFormat",
    "ExportRow",
    "FormatError",
    "ImportTooLarge",
    "InvalidRow",
    "ParsedImport",
    "ParsedRow",
    "exchange_format",
    "guess_format",
    "parse",
]
