"""JSON banks: our own shape, ThreatExchange descriptors and HMA's signal maps.

Accepted, at the top level: a list of entries, or an object whose ``signals``, ``entries`` or
``data`` (ThreatExchange Graph API pages) key holds that list, or a single HMA signal map. An
entry is ``{"signal_type", "value"|"signal"|"signal_str"|"indicator"|"raw_indicator", "tags",
"quality", "external_ref"|"id"}`` (ThreatExchange descriptors use ``type``, ``raw_indicator``
and ``id``), or one of HMA's shapes: the bank content answer ``{"id": 7, "signals": {"pdq":
"…"}}`` or the body of ``POST /bank/<name>/signal``, ``{"pdq": "…", "video_md5": "…"}``.

Rows are reported by the line where their object starts, so the document is walked with the
decoder's ``raw_decode`` instead of ``json.loads``, which forgets positions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from .base import (
    ExchangeFormat,
    ExportRow,
    FormatError,
    InvalidRow,
    LineCounter,
    RawRow,
    resolve_type,
)

WRAPPER_KEYS = ("signals", "entries", "data")
FIELDS: dict[str, tuple[str, ...]] = {
    "signal_type": ("signal_type", "type", "indicator_type"),
    "value": ("value", "signal", "signal_str", "hash", "indicator", "raw_indicator"),
    "tags": ("tags", "labels"),
    "quality": ("quality",),
    "external_ref": ("external_ref", "id", "indicator_id"),
}
CHUNK_ROWS = 1000
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _Walker:
    """Walks a JSON text with offsets; every syntax error becomes a FormatError with a line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = LineCounter(text)

    def fail(self, offset: int, message: str) -> FormatError:
        line = self.text.count("\n", 0, offset) + 1
        return FormatError(
            _("The JSON is not valid at line %(line)d: %(error)s")
            % {"line": line, "error": message}
        )

    def skip(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        return match.end() if match else pos

    def char(self, pos: int) -> str:
        return self.text[pos] if pos < len(self.text) else ""

    def value(self, pos: int) -> tuple[Any, int]:
        try:
            return _DECODER.raw_decode(self.text, pos)
        except json.JSONDecodeError as exc:
            raise self.fail(exc.pos, exc.msg) from None
        except RecursionError:
            raise self.fail(pos, _("too deeply nested")) from None

    def array(self, pos: int) -> tuple[list[tuple[int, Any]], int]:
        """Elements of the array starting at ``pos`` (a ``[``) with their lines, and its end."""
        items: list[tuple[int, Any]] = []
        pos = self.skip(pos + 1)
        if self.char(pos) == "]":
            return items, pos + 1
        while True:
            start = pos
            element, pos = self.value(pos)
            items.append((self.lines.line(start), element))
            pos = self.skip(pos)
            if self.char(pos) == ",":
                pos = self.skip(pos + 1)
            elif self.char(pos) == "]":
                return items, pos + 1
            else:
                raise self.fail(pos, _("expected ',' or ']'"))

    def document(self) -> list[tuple[int, Any]]:
        """The entries of the document, each with the line where it starts."""
        pos = self.skip(0)
        first = self.char(pos)
        if first == "[":
            items, end = self.array(pos)
        elif first == "{":
            items, end = self.wrapper(pos)
        elif not first:
            raise FormatError(_("The JSON file is empty."))
        else:
            raise self.fail(pos, _("expected a list or an object"))
        if self.skip(end) != len(self.text):
            raise self.fail(self.skip(end), _("unexpected text after the end"))
        return items

    def wrapper(self, pos: int) -> tuple[list[tuple[int, Any]], int]:
        """``{"signals": [...]}`` and friends, or the whole object as the one entry."""
        start = pos
        whole: dict[str, Any] = {}
        found: list[tuple[int, Any]] | None = None
        pos = self.skip(pos + 1)
        if self.char(pos) == "}":
            return [(self.lines.line(start), whole)], pos + 1
        while True:
            if self.char(pos) != '"':
                raise self.fail(pos, _("expected a property name in double quotes"))
            key, pos = self.value(pos)
            pos = self.skip(pos)
            if self.char(pos) != ":":
                raise self.fail(pos, _("expected ':'"))
            pos = self.skip(pos + 1)
            if found is None and key.lower() in WRAPPER_KEYS and self.char(pos) == "[":
                found, pos = self.array(pos)
            else:
                whole[key], pos = self.value(pos)
            pos = self.skip(pos)
            if self.char(pos) == ",":
                pos = self.skip(pos + 1)
            elif self.char(pos) == "}":
                pos += 1
                break
            else:
                raise self.fail(pos, _("expected ',' or '}'"))
        if found is not None:
            return found, pos
        return [(self.lines.line(start), whole)], pos


def _pick(entry: dict[str, Any], field: str) -> Any:
    for alias in FIELDS[field]:
        if alias in entry:
            return entry[alias]
    return None


def entry_rows(line: int, entry: Any) -> Iterator[RawRow | InvalidRow]:
    """The rows of one JSON entry: one for ours and ThreatExchange's, one per type for HMA's."""
    if not isinstance(entry, dict):
        yield InvalidRow(line, _("Each entry must be a JSON object."))
        return
    entry = {str(k).lower(): v for k, v in entry.items()}
    if _pick(entry, "value") is not None:
        yield RawRow(
            line=line,
            signal_type=_pick(entry, "signal_type") or "",
            value=_pick(entry, "value"),
            tags=_pick(entry, "tags"),
            quality=_pick(entry, "quality"),
            external_ref=_pick(entry, "external_ref") or "",
        )
        return
    signals = entry.get("signals")
    reference = entry.get("id") or ""
    if not isinstance(signals, dict):
        signals, reference = entry, ""
    pairs = [(k, v) for k, v in signals.items() if resolve_type(str(k))]
    if not pairs:
        yield InvalidRow(line, _('No hash in this entry: give "signal_type" and "value".'))
        return
    for kind, value in pairs:
        yield RawRow(line=line, signal_type=kind, value=value, external_ref=reference)


class JsonFormat(ExchangeFormat):
    name = "json"
    media_type = "application/json"
    extension = "json"

    def rows(self, text: str, *, default_type: str | None) -> Iterator[RawRow | InvalidRow]:
        for line, entry in _Walker(text).document():
            yield from entry_rows(line, entry)

    def write(self, rows: Iterable[ExportRow], *, bank: str) -> Iterator[str]:
        """``{"bank": slug, "signals": [...]}``, one entry per line, which ``rows`` reads back."""
        parts = ['{"bank": ', json.dumps(bank), ', "signals": [']
        for number, row in enumerate(rows):
            entry = {
                "signal_type": row.signal_type,
                "value": row.value,
                "tags": row.tags,
                "quality": row.quality,
                "external_ref": row.external_ref,
                "added_at": row.added_at.isoformat(),
            }
            parts.append(("\n" if number == 0 else ",\n") + json.dumps(entry, ensure_ascii=False))
            if len(parts) >= CHUNK_ROWS:
                yield "".join(parts)
                parts = []
        parts.append("\n]}\n")
        yield "".join(parts)
