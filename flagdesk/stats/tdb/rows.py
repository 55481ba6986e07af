"""One row of a dump as flagdesk reads it: the statement-of-reasons columns (legal.md d.),
checked as keys, dates and ids, and its decision turned into our published action.

A cell is never trusted as text: keys must look like keys (``STATEMENT_CATEGORY_...``), a
``puid`` like the TDB's (letters, digits, ``-`` and ``_``), dates like dates. A cell holding a
formula (``=HYPERLINK(...)``), HTML or a novel fails those checks and its row is counted as bad.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from flagdesk.core import taxonomy
from flagdesk.stats.actions import DECISION_ACTION

from .reading import DumpError

REQUIRED = ("uuid", "platform_name", "puid", "category", "source_type", "application_date")
DECISIONS = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
OPTIONAL = (
    *DECISIONS,
    "decision_ground",
    "category_specification",
    "content_type",
    "automated_detection",
    "automated_decision",
    "territorial_scope",
    "content_date",
    "created_at",
)
KEY = re.compile(r"^[A-Z][A-Z0-9_]{2,79}$")
PUID = re.compile(r"^[A-Za-z0-9_-]{1,500}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
DATE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
MAX_LIST_CELL = 4000


class BadRow(Exception):
    """Why one row cannot be counted; the import counts it and goes on."""


@dataclass(frozen=True)
class Columns:
    """Where each column we read sits in the header (unknown extra columns are ignored)."""

    index: dict[str, int]

    @classmethod
    def from_header(cls, header: Sequence[str], part: str) -> Columns:
        names = [h.strip().lower() for h in header]
        index = {n: i for i, n in enumerate(names) if n in (*REQUIRED, *OPTIONAL)}
        missing = [c for c in REQUIRED if c not in index]
        if missing:
            raise DumpError(
                _(
                    "%(part)s has no column %(columns)s: the first line of a dump names its "
                    "columns (uuid, platform_name, puid, category, ...)."
                )
                % {"part": part, "columns": ", ".join(missing)},
                fields={"columns": missing},
            )
        if not any(d in index for d in DECISIONS):
            raise DumpError(
                _("%(part)s has no decision column (%(columns)s).")
                % {"part": part, "columns": ", ".join(DECISIONS)}
            )
        return cls(index)

    def get(self, row: Sequence[str], name: str) -> str:
        i = self.index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""


def _key(value: str, column: str, *, required: bool = False) -> str:
    if not value:
        if required:
            raise BadRow(f"{column} empty")
        return ""
    if not KEY.match(value):
        raise BadRow(f"{column} not a key")
    return value


def _keys(value: str, column: str, pattern: re.Pattern[str] = KEY) -> list[str]:
    """A list cell: ``["A","B"]`` (as the dumps write it), ``A,B`` or one key."""
    if not value or value in ("[]", "null"):
        return []
    if len(value) > MAX_LIST_CELL:
        raise BadRow(f"{column} too long")
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            raise BadRow(f"{column} not a list") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise BadRow(f"{column} not a list")
    else:
        items = value.split(",")
    found = [i.strip() for i in items if i.strip()]
    if not all(pattern.match(i) for i in found):
        raise BadRow(f"{column} not a key")
    return found


def _date(value: str, column: str, *, required: bool = False) -> dt.date | None:
    if not value:
        if required:
            raise BadRow(f"{column} empty")
        return None
    match = DATE.match(value)
    if not match:
        raise BadRow(f"{column} not a date")
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise BadRow(f"{column} not a date") from None


def _moment(value: str) -> dt.datetime | None:
    if not value or not DATE.match(value):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


ALL_COUNTRIES = frozenset(taxonomy.raw()["territorial_scope"]["allowed"])


def decision_of(
    visibility: list[str], monetary: str, provision: str, account: str, scope: list[str]
) -> str:
    """Our reading of a statement's decision columns, as a ``NoticeResponse.Decision`` value
    (taxonomy ``provider_actions``): removal first, then disabling (geo-blocking when it
    applies to some countries only), other restrictions, the account; "" for none."""
    if "DECISION_VISIBILITY_CONTENT_REMOVED" in visibility:
        return "removed"
    if "DECISION_VISIBILITY_CONTENT_DISABLED" in visibility:
        partial = scope and not ALL_COUNTRIES <= set(scope)
        return "geo_blocked" if partial else "disabled"
    if "DECISION_VISIBILITY_CONTENT_DEMOTED" in visibility:
        return "demoted"
    if visibility or monetary or provision:
        return "restricted"
    if account:
        return "account_suspended"
    return ""


@dataclass(frozen=True)
class Statement:
    """A row, checked. ``action`` is the published action (``stats.actions``)."""

    uuid: uuid.UUID
    puid: str
    category: str
    keywords: list[str]
    content_type: list[str]
    decision_visibility: list[str]
    decision_monetary: str
    decision_provision: str
    decision_account: str
    decision_ground: str
    decision: str
    action: str
    source_type: str
    automated_detection: bool | None
    automated_decision: str
    territorial_scope: list[str]
    content_date: dt.date | None
    application_date: dt.date
    created_at: dt.datetime | None


def parse(row: Sequence[str], cols: Columns) -> Statement:
    """The row as a ``Statement``; ``BadRow`` names the first column that is wrong."""
    g = cols.get
    try:
        sor_id = uuid.UUID(g(row, "uuid"))
    except ValueError:
        raise BadRow("uuid not a UUID") from None
    puid = g(row, "puid")
    if not PUID.match(puid):
        raise BadRow("puid not a content id")
    visibility = _keys(g(row, "decision_visibility"), "decision_visibility")
    monetary = _key(g(row, "decision_monetary"), "decision_monetary")
    provision = _key(g(row, "decision_provision"), "decision_provision")
    account = _key(g(row, "decision_account"), "decision_account")
    scope = _keys(g(row, "territorial_scope"), "territorial_scope", COUNTRY)
    decision = decision_of(visibility, monetary, provision, account, scope)
    if not decision:
        raise BadRow("no decision")
    detection = g(row, "automated_detection").lower()
    application = _date(g(row, "application_date"), "application_date", required=True)
    if application is None:  # required: _date raised already; this tells the type checker
        raise BadRow("application_date empty")
    return Statement(
        uuid=sor_id,
        puid=puid,
        category=_key(g(row, "category"), "category", required=True),
        keywords=_keys(g(row, "category_specification"), "category_specification"),
        content_type=_keys(g(row, "content_type"), "content_type"),
        decision_visibility=visibility,
        decision_monetary=monetary,
        decision_provision=provision,
        decision_account=account,
        decision_ground=_key(g(row, "decision_ground"), "decision_ground"),
        decision=decision,
        action=DECISION_ACTION[decision],
        source_type=_key(g(row, "source_type"), "source_type", required=True),
        automated_detection={"yes": True, "no": False}.get(detection),
        automated_decision=_key(g(row, "automated_decision"), "automated_decision"),
        territorial_scope=scope,
        content_date=_date(g(row, "content_date"), "content_date"),
        application_date=application,
        created_at=_moment(g(row, "created_at")),
    )
