"""Reading a spreadsheet of URLs: CSV in any of the encodings offices produce, or XLSX.

Nothing here touches the database. A file that cannot be read at all (not a CSV or XLSX, a zip
bomb, too large, too many rows) is refused with ``ImportRefused`` saying why; a file that can
be read becomes a ``Sheet``: its rows as text, with the spreadsheet's own row numbers, and the
columns recognised and ignored. Cells are data: a formula is never evaluated (an XLSX gives
its last computed value, as calamine reads it), and ``=cmd|...`` in a CSV is just text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from flagdesk.core.errors import ValidationFailed
from flagdesk.core.uploads import megabytes

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# What an XLSX may unpack to, in all and per byte of the file: more is a zip bomb.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_UNPACK_RATIO = 200
CSV_DELIMITERS = (",", ";", "\t")

# Header words -> column, in English, French, Dutch and German, compared without accents,
# case, underscores or dashes (``_header_key``).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "url": (
        "url", "urls", "uri", "link", "links", "address", "web address", "adresse",
        "adresse web", "adresse url", "lien", "liens", "adres", "webadres", "koppeling",
        "webadresse", "verweis", "webseite", "page", "site",
    ),
    "phenomenon": (
        "phenomenon", "phenomene", "fenomeen", "phanomen", "phaenomen", "category",
        "categorie", "categories", "kategorie", "type", "typ", "soort",
    ),
    "description": (
        "description", "descriptif", "beschrijving", "omschrijving", "beschreibung",
        "comment", "comments", "commentaire", "opmerking", "kommentar", "note", "notes",
        "remarque", "bemerkung",
    ),
    "post_id": (
        "post id", "post", "message id", "content id", "id du message", "id de la publication",
        "identifiant", "bericht id", "berichtid", "beitrags id", "beitrag id", "beitragsid",
    ),
    "account": (
        "account", "compte", "handle", "profile", "profil", "utilisateur", "gebruiker",
        "gebruikersnaam", "konto", "benutzer", "benutzername", "username", "user",
    ),
    "posted_at": (
        "posted at", "posted", "publie le", "date de publication", "publication",
        "geplaatst op", "geplaatst", "gepostet am", "veroffentlicht am", "veroeffentlicht am",
    ),
    "captured_at": (
        "captured at", "captured", "capture le", "date de capture", "capture",
        "vastgelegd op", "vastgelegd", "erfasst am", "erfasst", "aufgenommen am",
    ),
}  # fmt: skip


# How files that are no spreadsheet begin (PDF, images, archives, programs, documents).
NOT_A_SPREADSHEET = (
    b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00",
    b"MM\x00*", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\x7fELF",
    b"MZ\x90\x00", b"{\\rtf", b"\xfd7zXZ\x00", b"OggS", b"fLaC",
)  # fmt: skip
# Control characters a text file has no business holding (tab, CR, LF and form feed are fine).
CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\x0c") | {"\x7f"}


def _is_binary(data: bytes) -> bool:
    """Whether the bytes are a known non-spreadsheet format, whatever the file's name says."""
    head = data[:16]
    if head.startswith(NOT_A_SPREADSHEET):
        return True
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return True
    return head[4:8] == b"ftyp"  # MP4, MOV, HEIC, AVIF


class ImportRefused(ValidationFailed):
    """The file as a whole cannot be imported; nothing was read into the database."""

    code = "import_refused"


class ImportTooLarge(ImportRefused):
    code = "too_large"
    status = 413


def _not_a_spreadsheet() -> ImportRefused:
    return ImportRefused(_("This file is not a CSV or XLSX spreadsheet."))


@dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet shows it: the header is row 1
    values: dict[str, str]  # column -> cell text


@dataclass(frozen=True)
class Sheet:
    format: str  # "csv" or "xlsx"
    encoding: str  # how the CSV was decoded ("" for XLSX)
    delimiter: str
    sheet_name: str
    columns: dict[str, str]  # header as written -> column
    ignored: list[str]
    rows: list[SheetRow] = field(default_factory=list)


def _header_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    for sep in "_-.:/()":
        plain = plain.replace(sep, " ")
    return " ".join(plain.split())


_ALIASES = {_header_key(a): column for column, names in COLUMN_ALIASES.items() for a in names}


def _looks_like_url(text: str) -> bool:
    return text.strip().lower().startswith(("http://", "https://", "www."))


def _columns(header: list[str]) -> tuple[dict[int, str], dict[str, str], list[str]] | None:
    """Cell index -> column for a header row; None when the first row is data (no URL
    column named, but a URL in it): the first column is then the URL."""
    by_index: dict[int, str] = {}
    named: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        column = _ALIASES.get(_header_key(cell))
        if column is not None and column not in by_index.values():
            by_index[index] = column
            named[cell.strip()] = column
        elif cell.strip():
            ignored.append(cell.strip())
    if "url" not in by_index.values():
        if header and _looks_like_url(header[0]):
            return None
        raise ImportRefused(
            _(
                "No column of web addresses was found. Name it url (or URL, adresse, lien, "
                "link, adres, Adresse...) in the first row."
            )
        )
    return by_index, named, ignored


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a post id typed as a number
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _sheet(
    records: Any, *, fmt: str, encoding: str = "", delimiter: str = "", sheet_name: str = ""
) -> Sheet:
    """Rows of cells -> a ``Sheet``; ``records`` yields lists of cells, header first."""
    rows: list[SheetRow] = []
    layout: tuple[dict[int, str], dict[str, str], list[str]] | None = None
    columns: dict[int, str] = {}
    seen_header = False
    count = 0
    for number, record in enumerate(records, start=1):
        cells = [_cell_text(c) for c in record]
        if not any(c.strip() for c in cells):
            continue
        if not seen_header:
            seen_header = True
            layout = _columns(cells)
            if layout is not None:
                columns = layout[0]
                continue
            columns = {0: "url"}
        count += 1
        if count > MAX_ROWS:
            continue  # counted, to say how many there are
        rows.append(
            SheetRow(
                number, {name: cells[i] if i < len(cells) else "" for i, name in columns.items()}
            )
        )
    if count > MAX_ROWS:
        raise ImportRefused(
            _("A file can hold at most %(limit)d rows; this one has %(count)d.")
            % {"limit": MAX_ROWS, "count": count}
        )
    if not rows:
        raise ImportRefused(_("The file has no rows of web addresses."))
    named, ignored = (layout[1], layout[2]) if layout else ({}, [])
    return Sheet(fmt, encoding, delimiter, sheet_name, named, ignored, rows)


# -- CSV ------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with.

    A BOM decides (UTF-8, UTF-16 LE/BE); without one, UTF-8 if the bytes are valid UTF-8,
    UTF-16 if every other byte is NUL (a BOM-less export), else Windows-1252, which Excel
    on Windows writes and in which every byte means something.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", errors="replace"), "UTF-16 LE"
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="replace"), "UTF-16 BE"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return data.decode("utf-16-le", errors="replace"), "UTF-16 LE"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return data.decode("utf-16-be", errors="replace"), "UTF-16 BE"
    if sample.count(0) > 0:
        raise _not_a_spreadsheet()
    return data.decode("cp1252", errors="replace"), "Windows-1252"


def sniff_delimiter(text: str) -> str:
    """``,`` ``;`` or tab: whichever splits the first line into the most cells."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    best, best_cells = ",", 1
    for delimiter in CSV_DELIMITERS:
        try:
            cells = len(next(csv.reader([first], delimiter=delimiter), []))
        except csv.Error:
            continue
        if cells > best_cells:
            best, best_cells = delimiter, cells
    return best


def read_csv(data: bytes) -> Sheet:
    text, encoding = decode(data)
    sample = text[:4096]
    # NUL or many control characters: a binary file (a document, a picture), not text.
    if "\0" in text or sum(c in CONTROL for c in sample) * 50 > len(sample):
        raise _not_a_spreadsheet()
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _sheet(reader, fmt="csv", encoding=encoding, delimiter=delimiter)
    except csv.Error as e:
        raise ImportRefused(
            _("The CSV file cannot be read after line %(line)d: %(reason)s")
            % {"line": reader.line_num, "reason": str(e)}
        ) from None


# -- XLSX -----------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportRefused(
            _("This .xlsx file is not an Excel workbook (it is not a zip archive).")
        ) from None
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_UNPACK_RATIO * max(len(data), 1):
        raise ImportRefused(
            _("This workbook unpacks to far more than its size (a zip bomb?); it is refused.")
        )
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:  # another zip: an archive, a .docx, an .ods...
        raise _not_a_spreadsheet()


def read_xlsx(data: bytes, sheet: str = "") -> Sheet:
    from python_calamine import CalamineWorkbook

    _check_zip(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        if sheet and sheet not in names:
            raise ImportRefused(
                _("The workbook has no sheet named %(sheet)s; its sheets: %(names)s.")
                % {"sheet": sheet, "names": ", ".join(names)}
            )
        if not names:
            raise ImportRefused(_("The file has no rows of web addresses."))
        name = sheet or names[0]
        values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except ImportRefused:
        raise
    except Exception:  # calamine's errors are untyped; any of them means an unreadable file
        raise ImportRefused(
            _("This workbook cannot be read; save it again as .xlsx or CSV.")
        ) from None
    return _sheet(values, fmt="xlsx", sheet_name=name)


def read_sheet(data: bytes, filename: str, *, sheet: str = "") -> Sheet:
    """The rows of a CSV or XLSX file, or ``ImportRefused`` saying why it cannot be read."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportTooLarge(
            _("The file is too large: at most %(megabytes)s MB can be imported at once.")
            % {"megabytes": megabytes(MAX_FILE_BYTES)}
        )
    name = filename.lower()
    if _is_binary(data):
        raise _not_a_spreadsheet()
    if data.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        return read_xlsx(data, sheet)
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith((".xls", ".ods", ".numbers")):
        raise ImportRefused(
            _("Only CSV and .xlsx files can be imported; save the spreadsheet in one of them.")
        )
    if not data.strip():
        raise ImportRefused(_("The file is empty."))
    return read_csv(data)
