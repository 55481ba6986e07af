"""Checking every row of a sheet before anything is stored: the preview's per-row report.

Pure apart from two set reads (the open items of all the file's URLs, in chunks) and one DNS
deadline for all hosts: 100 000 rows cost a few queries, not 100 000.

The outcome of a row is one of:

- ``new``: a valid URL without an open item; the import opens an item for it;
- ``join``: a valid URL that already has an open item; the row joins that item (as a second
  report of the same post does), and the message names its case. Its identifiers are not
  copied onto the item: the analyst of that case decides;
- ``duplicate``: the same normalised URL as an earlier row (named); skipped;
- ``error``: the row cannot be imported (its message says why); skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.cases.access import item_scope
from flagdesk.cases.models import TERMINAL_STATUSES, Item
from flagdesk.cases.services.identifiers import FIELDS, clean_identifiers
from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed
from flagdesk.core.hostlookup import Resolver
from flagdesk.core.spreadsheets import neutralise
from flagdesk.core.text import is_storable
from flagdesk.core.weburls import InvalidUrl, normalise_urls, url_key

from .reading import Sheet

MAX_ROW_DESCRIPTION = 5_000
NEW, JOIN, DUPLICATE, ERROR = "new", "join", "duplicate", "error"
OUTCOMES = (NEW, JOIN, DUPLICATE, ERROR)
QUERY_CHUNK = 500  # url_key IN (...) per query: under SQLite's variable limit


@dataclass
class CheckedRow:
    number: int
    url: str  # normalised when valid; as written (neutralised, cut) otherwise
    outcome: str
    message: str = ""
    item_id: str = ""  # the open item a ``join`` row joins
    case_reference: str = ""
    phenomenon: str = ""
    description: str = ""
    identifiers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> str:
        """What the import still needs of the row, as stored (encrypted) until it is in."""
        if self.outcome not in (NEW, JOIN):
            return ""
        data = {"p": self.phenomenon, "d": self.description, "i": self.identifiers}
        return json.dumps({k: v for k, v in data.items() if v}, ensure_ascii=False)


def counts_of(rows: Iterable[CheckedRow]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    total = 0
    for row in rows:
        counts[row.outcome] += 1
        total += 1
    return {"rows": total, **counts}


def shown(text: str, limit: int = 200) -> str:
    """A cell as previews show it: cut, and never a formula if copied back into a sheet."""
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return neutralise(text)


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    it = iter(values)
    while chunk := list(islice(it, size)):
        yield chunk


def open_items_by_key(keys: Iterable[str], viewer: User | None) -> dict[str, tuple[str, str]]:
    """url_key -> (item id, case reference) of the open items among ``keys``; both empty for
    an item out of ``viewer``'s reach (a restricted case, a minor's case): the row still joins
    it, but the importer learns no more than the public form would tell. Without a viewer
    (a dry run from the command line with no user named) no case is named."""
    found: dict[str, tuple[str, str]] = {}
    scope = item_scope(viewer) if viewer is not None else Value(False)
    for chunk in _chunks(sorted(set(keys)), QUERY_CHUNK):
        rows = (
            Item.objects.filter(url_key__in=chunk)
            .exclude(status__in=TERMINAL_STATUSES)
            .annotate(is_visible=ExpressionWrapper(scope, output_field=BooleanField()))
            .values_list("url_key", "id", "case__reference", "is_visible")
        )
        for key, item_id, reference, is_visible in rows:
            found[key] = (str(item_id), reference) if is_visible else ("", "")
    return found


def phenomenon_codes() -> dict[str, str]:
    """Codes and labels in every language (lower case) -> code."""
    codes: dict[str, str] = {}
    for code, phenomenon in taxonomy.phenomena().items():
        codes[code.lower()] = code
        for label in phenomenon.labels.values():
            codes.setdefault(label.strip().lower(), code)
    return codes


def _identifiers(values: dict[str, str], errors: list[str]) -> dict[str, str]:
    given = {name: values[name] for name in FIELDS if values.get(name, "").strip()}
    if not given:
        return {}
    try:
        return clean_identifiers(given, current={}, now=timezone.now())
    except ValidationFailed as e:
        for key, messages in e.fields.items():
            label = FIELDS.get(key.removeprefix("identifiers."), (key, 0))[0]
            errors.extend(f"{label}: {m}" for m in messages)
        return {}


def check_rows(
    sheet: Sheet,
    *,
    default_phenomenon: str = "",
    resolver: Resolver | None = None,
    viewer: User | None = None,
) -> list[CheckedRow]:
    """The outcome of every row of ``sheet``, in order, with messages in the active language."""
    codes = phenomenon_codes()
    raw_urls = [row.values.get("url", "").strip() for row in sheet.rows]
    normalised = iter(normalise_urls([u for u in raw_urls if u], resolver=resolver))
    checked: list[CheckedRow] = []
    first_row: dict[str, int] = {}
    for row, raw in zip(sheet.rows, raw_urls, strict=True):
        errors: list[str] = []
        url: Any = next(normalised) if raw else None
        if not raw:
            errors.append(_("This row has no web address."))
        elif isinstance(url, InvalidUrl):
            errors.append(str(url.message))
        values = row.values
        if any(not is_storable(v) for v in values.values()):
            errors.append(_("This row contains characters that are not allowed."))
        given = values.get("phenomenon", "").strip()
        phenomenon = codes.get(given.lower(), "") if given else default_phenomenon
        if given and not phenomenon:
            errors.append(
                _("Unknown phenomenon %(value)s: give a code or a name from the list.")
                % {"value": shown(given, 60)}
            )
        description = values.get("description", "").strip()
        if len(description) > MAX_ROW_DESCRIPTION:
            errors.append(
                _("The description can be at most %(limit)d characters; this one has %(count)d.")
                % {"limit": MAX_ROW_DESCRIPTION, "count": len(description)}
            )
        identifiers = _identifiers(values, errors)
        if errors or not isinstance(url, str):
            checked.append(CheckedRow(row.number, shown(raw), ERROR, " ".join(errors)))
            continue
        if url in first_row:
            message = _("Same address as row %(row)d.") % {"row": first_row[url]}
            checked.append(CheckedRow(row.number, url, DUPLICATE, message))
            continue
        first_row[url] = row.number
        checked.append(
            CheckedRow(row.number, url, NEW, "", "", "", phenomenon, description, identifiers)
        )
    mark_open_items(checked, viewer)
    return checked


def mark_open_items(rows: list[CheckedRow], viewer: User | None) -> None:
    """Turn ``new`` rows whose URL has an open item into ``join`` rows, naming its case."""
    candidates = [r for r in rows if r.outcome == NEW]
    found = open_items_by_key((url_key(r.url) for r in candidates), viewer)
    for row in candidates:
        if (hit := found.get(url_key(row.url))) is not None:
            row.outcome, (row.item_id, row.case_reference) = JOIN, hit
            row.message = joins_message(row.case_reference)


def joins_message(case_reference: str) -> str:
    """For a case out of the importer's reach (empty reference), without naming it."""
    if not case_reference:
        return _("Joins an open item of a case you have no access to.")
    return _("Joins the open item of case %(case)s.") % {"case": case_reference}
