"""The audit trail as CSV or JSON, streamed: an export of years of entries never sits in
memory. Cells a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from flagdesk.core.spreadsheets import neutralise

from .models import AuditEntry

COLUMNS = (
    "seq",
    "created_at",
    "actor",
    "action",
    "target",
    "reason",
    "data",
    "prev_hash",
    "entry_hash",
    "scheme",
)
CHUNK_ROWS = 500


def row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "actor": entry.actor.username if entry.actor else "",
        "action": entry.action,
        "target": entry.target,
        "reason": entry.reason,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
        "scheme": entry.scheme,
    }


def _entries(entries: QuerySet[AuditEntry]) -> Iterator[AuditEntry]:
    return entries.iterator(chunk_size=CHUNK_ROWS)


def csv_chunks(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for number, entry in enumerate(_entries(entries), start=1):
        values = row(entry)
        values["data"] = json.dumps(values["data"], ensure_ascii=False, sort_keys=True)
        writer.writerow(
            [neutralise(v) if isinstance(v, str) else v for v in (values[c] for c in COLUMNS)]
        )
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    """A JSON array, one entry per line, written as the rows arrive."""
    yield "["
    separator = "\n"
    for entry in _entries(entries):
        yield separator + json.dumps(row(entry), ensure_ascii=False, sort_keys=True)
        separator = ",\n"
    yield "\n]\n"


@dataclass(frozen=True)
class Format:
    media_type: str
    extension: str
    write: Callable[[QuerySet[AuditEntry]], Iterator[str]]


FORMATS: dict[str, Format] = {
    "csv": Format("text/csv; charset=utf-8", "csv", csv_chunks),
    "json": Format("application/json", "json", json_chunks),
}


def export_chunks(entries: QuerySet[AuditEntry], fmt: str) -> Iterator[str]:
    return FORMATS[fmt].write(entries)
