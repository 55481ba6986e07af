"""What every exchange format shares: decoding, limits, type names, cells and rows.

A partner's file is untrusted text. Whole-file problems (not UTF-8, too big, no header, broken
JSON) raise ``FormatError``/``ImportTooLarge`` at once; a bad row only becomes an
``InvalidRow`` with its line number, so one typo never hides the other 999,999 hashes.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from django.utils.translation import gettext as _

from flagdesk.core.errors import TooLarge, ValidationFailed

from ..services.banks import EntryInput, value_key
from ..signal_types import SIGNAL_TYPES, InvalidSignal

MAX_IMPORT_BYTES = 200 * 1024 * 1024
MAX_IMPORT_ROWS = 1_000_000
# A report listing a million broken lines helps nobody; the count says how many there were.
MAX_REPORTED_INVALID = 1000
MAX_REF_CHARS = 200

# ThreatExchange / HMA / python-threatexchange names of our four types (lower case). Photo and
# video MD5s are one type here: the digest does not depend on what the file contains.
TYPE_ALIASES: dict[str, str] = {
    "pdq": "pdq",
    "hash_pdq": "pdq",
    "md5": "md5",
    "hash_md5": "md5",
    "photo_md5": "md5",
    "video_md5": "md5",
    "video_hash_md5": "md5",
    "hash_video_md5": "md5",
    "sha256": "sha256",
    "sha-256": "sha256",
    "hash_sha256": "sha256",
    "video_sha256": "sha256",
    "hash_video_sha256": "sha256",
    "vpdq": "vpdq",
    "video_vpdq": "vpdq",
    "hash_video_vpdq": "vpdq",
}
HEX_LENGTHS = {"pdq": 64, "md5": 32, "sha256": 64}


class FormatError(ValidationFailed):
    """The file as a whole cannot be read in this format (the message says why)."""

    code = "invalid_format"


class ImportTooLarge(TooLarge, ValidationFailed):
    """Over the import limits: 413 ``too_large``, shown by forms like any validation error."""


class InvalidRow(NamedTuple):
    """A row that was not imported: ``(line, message)``."""

    line: int
    message: str


@dataclass(frozen=True)
class ParsedRow:
    """A valid row: canonical values, ready for ``services.banks.add_entries``."""

    line: int
    entry: EntryInput

    @property
    def key(self) -> tuple[str, str]:
        """What a bank deduplicates on (see ``BankEntry``'s unique constraint)."""
        return self.entry.signal_type, value_key(self.entry.signal_type, self.entry.value)


@dataclass
class ParsedImport:
    rows: list[ParsedRow] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)
    invalid_count: int = 0

    def reject(self, line: int, message: str) -> None:
        self.invalid_count += 1
        if len(self.invalid) < MAX_REPORTED_INVALID:
            self.invalid.append(InvalidRow(line, message))


@dataclass(frozen=True)
class RawRow:
    """One row as the file gives it, before any checking (values may be of any JSON type)."""

    line: int
    signal_type: Any = ""
    value: Any = ""
    tags: Any = None
    quality: Any = None
    external_ref: Any = ""


@dataclass(frozen=True)
class ExportRow:
    signal_type: str
    value: str
    tags: list[str]
    quality: int | None
    external_ref: str
    added_at: datetime


class ExchangeFormat(ABC):
    """A file format for banks: reads rows (with line numbers) and writes them as a stream."""

    name: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]
    # A plain list has no column for the type, so an export must be of one signal type.
    single_type: ClassVar[bool] = False

    @abstractmethod
    def rows(self, text: str, *, default_type: str | None) -> Iterator[RawRow | InvalidRow]:
        """Every data row of ``text`` with its line number; FormatError if it is unreadable."""

    @abstractmethod
    def write(self, rows: Iterable[ExportRow], *, bank: str) -> Iterator[str]:
        """The export as text chunks, so a bank of millions never sits in memory."""


def decode(data: bytes | str, *, max_bytes: int = MAX_IMPORT_BYTES) -> str:
    """UTF-8 text without a byte-order mark, or a FormatError a person can act on."""
    if isinstance(data, str):
        text = data
        if len(text) > max_bytes:
            raise too_large_bytes(max_bytes)
    else:
        if len(data) > max_bytes:
            raise too_large_bytes(max_bytes)
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FormatError(_("The file is UTF-16 text; save it as UTF-8 and try again."))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise FormatError(
                _("The file is not UTF-8 text (line %(line)d); save it as UTF-8 and try again.")
                % {"line": line}
            ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FormatError(
            _("The file contains a NUL character (line %(line)d); is it really a text file?")
            % {"line": line}
        )
    return text


def too_large_bytes(max_bytes: int) -> ImportTooLarge:
    return ImportTooLarge(
        _("The file is larger than %(size)d MB; split it into smaller files.")
        % {"size": max_bytes // (1024 * 1024)}
    )


def too_many_rows(max_rows: int) -> ImportTooLarge:
    return ImportTooLarge(
        _("A file may hold at most %(rows)s hashes; split it into smaller files.")
        % {"rows": f"{max_rows:,}"}
    )


def resolve_type(name: str) -> str | None:
    """Our name for a signal type written the way ThreatExchange, HMA or we write it."""
    return TYPE_ALIASES.get(name.strip().lower())


def require_type(name: str) -> str:
    """``resolve_type`` for a name a person typed (``--type``, ``signal_type=``)."""
    kind = resolve_type(name)
    if kind is None:
        raise FormatError(
            _("Unknown signal type %(name)s; use one of: %(known)s.")
            % {"name": repr(name), "known": ", ".join(SIGNAL_TYPES)}
        )
    return kind


def guess_type(value: str) -> str | None:
    """md5 for 32 hex digits; None when the length alone cannot tell (64: PDQ or SHA-256)."""
    text = value.strip().lower()
    if len(text) == 32 and all(c in "0123456789abcdef" for c in text):
        return "md5"
    return None


def is_ambiguous(value: str) -> bool:
    text = value.strip().lower()
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


def split_tags(text: str) -> list[str]:
    """Tags as CSV cells hold them: a JSON list, or words split on spaces, commas, semicolons."""
    text = text.strip()
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            raise InvalidSignal(_("The tags look like a JSON list but are not valid.")) from None
        if not isinstance(loaded, list):
            raise InvalidSignal(_("Tags must be a list of words."))
        return loaded
    for separator in ",;":
        text = text.replace(separator, " ")
    return text.split()


def join_tags(tags: list[str]) -> str:
    """The cell ``split_tags`` reads back: words with spaces, or JSON when a tag has one."""
    if any(c in tag for tag in tags for c in " ,;[\"'"):
        return json.dumps(tags, ensure_ascii=False)
    return " ".join(tags)


class LineCounter:
    """Line numbers of increasing offsets in one text, in linear time overall."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._offset = 0
        self._line = 1

    def line(self, offset: int) -> int:
        if offset < self._offset:
            return self.text.count("\n", 0, offset) + 1
        self._line += self.text.count("\n", self._offset, offset)
        self._offset = offset
        return self._line
