"""Cells that a spreadsheet shows as text and never runs as a formula (CSV injection).

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@``
(and, in some versions, a tab, a carriage return or a NUL before one): a hash bank's tag or an
audit entry's reason written by someone else could then fetch a URL with the sheet's data, or
start a program. An export puts a quote before such a cell: spreadsheets show the rest as text.

A cell also starts after every ``;``. Excel in French, Dutch or German opens a comma-separated
file by double click with ``;``, its list separator, so ``x;=HYPERLINK(...)`` arrives as two
cells, the second a formula. A quote therefore goes after such a ``;`` too. Our own quote is
doubled where it could be mistaken for one, so ``unescape`` gives back exactly what was written.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Where a cell starts (the start, or after ";") and what follows is a formula or our quote.
_UNSAFE_START = re.compile(r"(^|;)(?=[=+\-@\t\r\0'])")
_OUR_QUOTE = re.compile(r"(^|;)'(?=[=+\-@\t\r\0'])")


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet runs, read back by ``unescape``."""
    return _UNSAFE_START.sub(r"\1'", text)


def unescape(text: str) -> str:
    """Undo ``neutralise`` (imports read our own exports back)."""
    return _OUR_QUOTE.sub(r"\1", text)


def is_inert(cell: str) -> bool:
    """No part of ``cell`` would start a formula, split on "," or on ";" alike."""
    return not any(part.startswith(FORMULA_STARTS) for part in cell.split(";"))
