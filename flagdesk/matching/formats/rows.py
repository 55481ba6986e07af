"""Checking one row of a partner's file: the same rules ``add_entries`` applies, in words.

``build_row`` is used by every format and by ``POST /match``; a problem becomes an
``InvalidRow`` carrying a translated sentence rather than an exception, so one bad row never
stops the others.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.core.text import is_storable

from ..services.banks import MAX_TAG_CHARS, MAX_TAGS, EntryInput, canonical
from ..signal_types import SIGNAL_TYPES, InvalidSignal, Vpdq, signal_type
from .base import (
    HEX_LENGTHS,
    MAX_REF_CHARS,
    InvalidRow,
    ParsedImport,
    ParsedRow,
    RawRow,
    guess_type,
    resolve_type,
    split_tags,
    too_many_rows,
)

# Field names for messages: lazy, since a million valid rows should not translate anything.
THE_SIGNAL_TYPE = gettext_lazy("The signal type")
THE_HASH = gettext_lazy("The hash")
A_TAG = gettext_lazy("A tag")
THE_REFERENCE = gettext_lazy("The external reference")
_HEX = re.compile(r"[0-9a-fA-F]+")


def _text(value: Any, what: str | Promise) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidSignal(_("%(what)s must be text.") % {"what": what})
    text = str(value)
    if not is_storable(text):
        raise InvalidSignal(
            _("%(what)s contains characters that are not allowed.") % {"what": what}
        )
    return text.strip()


def _quality(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidSignal(_("The quality must be a whole number from 0 to 100."))
    text = str(value).strip()
    if not text.isascii() or not text.lstrip("-").isdigit():
        raise InvalidSignal(_("The quality must be a whole number from 0 to 100."))
    number = int(text)
    if not 0 <= number <= 100:
        raise InvalidSignal(
            _("The quality must be a whole number from 0 to 100, not %(n)d.") % {"n": number}
        )
    return number


def _tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    raw = split_tags(value) if isinstance(value, str) else value
    if not isinstance(raw, list):
        raise InvalidSignal(_("Tags must be a list of words."))
    tags = []
    for tag in raw:
        text = _text(tag, A_TAG)
        if len(text) > MAX_TAG_CHARS or any(c in text for c in "\r\n\t"):
            raise InvalidSignal(
                _("A tag must be one line of at most %(n)d characters.") % {"n": MAX_TAG_CHARS}
            )
        if text and text not in tags:
            tags.append(text)
    if len(tags) > MAX_TAGS:
        raise InvalidSignal(
            _("Too many tags: %(count)d, at most %(max)d.") % {"count": len(tags), "max": MAX_TAGS}
        )
    return tags


def _value(kind: str, value: Any) -> str:
    if kind == Vpdq.name and isinstance(value, list):
        value = json.dumps(value)  # HMA's JSON has the frame list itself, not a string of it
    text = _text(value, THE_HASH)
    if not text:
        raise InvalidSignal(_("The hash is missing."))
    expected = HEX_LENGTHS.get(kind)
    if expected is not None:
        label = SIGNAL_TYPES[kind].label
        if not _HEX.fullmatch(text):
            raise InvalidSignal(
                _("%(type)s hashes may only contain the digits 0-9 and the letters a-f.")
                % {"type": label}
            )
        if len(text) != expected:
            raise InvalidSignal(
                _("%(type)s hashes have %(expected)d hexadecimal digits; this one has %(count)d.")
                % {"type": label, "expected": expected, "count": len(text)}
            )
    return text


def build_row(raw: RawRow, *, default_type: str | None) -> ParsedRow | InvalidRow:
    """Check one row completely, or say what is wrong.

    The rules are those of ``services.banks.canonical`` (which ``add_entries`` applies again,
    so a rule added there and missed here still stops an import, just less politely).
    """
    try:
        type_text = _text(raw.signal_type, THE_SIGNAL_TYPE)
        if type_text:
            kind = resolve_type(type_text)
            if kind is None:
                raise InvalidSignal(
                    _("Unknown signal type %(name)s; use one of: %(known)s.")
                    % {"name": repr(type_text), "known": ", ".join(SIGNAL_TYPES)}
                )
        elif default_type:
            kind = default_type
        else:
            guessed = guess_type(raw.value) if isinstance(raw.value, str) else None
            if guessed is None:
                raise InvalidSignal(
                    _("The signal type is missing and cannot be told from the hash.")
                )
            kind = guessed
        entry = EntryInput(
            signal_type=kind,
            value=_value(kind, raw.value),
            quality=_quality(raw.quality),
            tags=tuple(_tags(raw.tags)),
            external_ref=_text(raw.external_ref, THE_REFERENCE),
        )
        if len(entry.external_ref) > MAX_REF_CHARS:
            raise InvalidSignal(
                _("The external reference may have at most %(n)d characters.")
                % {"n": MAX_REF_CHARS}
            )
        if kind != Vpdq.name:
            # Everything canonical() checks is checked above; it costs a model instance a row.
            value = signal_type(kind).validate(entry.value)
            return ParsedRow(raw.line, replace(entry, value=value))
        try:
            row = canonical(entry)
        except InvalidSignal as exc:
            raise InvalidSignal(_("Not a valid hash: %(error)s") % {"error": exc}) from None
    except InvalidSignal as exc:
        return InvalidRow(raw.line, str(exc))
    return ParsedRow(raw.line, replace(entry, value=row.value))


def collect(
    rows: Iterable[RawRow | InvalidRow],
    result: ParsedImport,
    *,
    default_type: str | None,
    max_rows: int,
) -> None:
    """Validate rows into ``result``; more than ``max_rows`` stops the whole import."""
    count = len(result.rows) + result.invalid_count
    for raw in rows:
        count += 1
        if count > max_rows:
            raise too_many_rows(max_rows)
        outcome = raw if isinstance(raw, InvalidRow) else build_row(raw, default_type=default_type)
        if isinstance(outcome, InvalidRow):
            result.reject(outcome.line, outcome.message)
        else:
            result.rows.append(outcome)
