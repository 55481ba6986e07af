"""Plain hash lists: one hash per line, ``#`` comments and blank lines ignored.

A line may start with its type, as python-threatexchange's ``LocalFileSignalExchangeAPI``
reads and writes them (``pdq <hex>``); otherwise the type is the one given (``--type``), or
told from the length where that is unambiguous: 32 hex digits are MD5, but 64 may be PDQ or
SHA-256, so such a file without a type is refused as a whole rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from .base import (
    ExchangeFormat,
    ExportRow,
    FormatError,
    InvalidRow,
    RawRow,
    is_ambiguous,
    resolve_type,
)

_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
CHUNK_ROWS = 5000


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Numbered lines for \\n, \\r\\n and lone \\r endings alike (no copy of the whole text)."""
    number = 0
    for match in _LINES.finditer(text):
        if match.start() == len(text) and number:
            return
        number += 1
        yield number, match.group().rstrip("\r\n")


class HashListFormat(ExchangeFormat):
    name = "hashes"
    media_type = "text/plain; charset=utf-8"
    extension = "txt"
    single_type = True

    def rows(self, text: str, *, default_type: str | None) -> Iterator[RawRow | InvalidRow]:
        for number, line in _lines(text):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            kind, value = "", stripped
            first, _sep, rest = stripped.partition(" ")
            if rest.strip() and resolve_type(first):
                kind, value = first, rest.strip()
            elif not default_type and is_ambiguous(stripped):
                raise FormatError(
                    _(
                        "Line %(line)d: a hash of 64 hexadecimal digits may be PDQ or SHA-256. "
                        "Say which: choose the signal type for the file, or write the type "
                        "before the hash on the line (pdq … or sha256 …)."
                    )
                    % {"line": number}
                )
            yield RawRow(line=number, signal_type=kind, value=value)

    def write(self, rows: Iterable[ExportRow], *, bank: str) -> Iterator[str]:
        parts = [f"# flagdesk bank {bank}\n"]
        for row in rows:
            parts.append(row.value + "\n")
            if len(parts) >= CHUNK_ROWS:
                yield "".join(parts)
                parts = []
        yield "".join(parts)
