"""The bundle's machine-readable records: ``checks.csv`` (every re-check) and each capture's
``capture.json``. Written for a police analyst's spreadsheet as much as for a script, so every
text cell is neutralised against formula injection (``core.spreadsheets``), and every time is
UTC in ISO 8601."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from flagdesk.core.spreadsheets import neutralise

from .contents import BundledCapture, BundledItem

CHECK_COLUMNS = (
    "item",
    "url",
    "checked_at",
    "trigger",
    "outcome",
    "reason",
    "detail",
    "http_status",
    "final_url",
    "content_sha256",
    "looks_gone",
    "gone_signal",
    "media_sha256",
)


def iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment else ""


def checks_csv(items: list[BundledItem]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CHECK_COLUMNS)
    for bundled in items:
        for check in bundled.checks:
            row: list[Any] = [
                bundled.number,
                bundled.item.url,
                iso(check.at),
                check.trigger,
                check.outcome,
                check.reason,
                check.detail,
                check.http_status if check.http_status is not None else "",
                check.final_url,
                check.content_sha256,
                "yes" if check.looks_gone else "no",
                check.gone_signal,
                check.media_sha256,
            ]
            writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
    # UTF-8 with a byte-order mark: spreadsheets otherwise guess a legacy encoding.
    return ("\ufeff" + buffer.getvalue()).encode()


def capture_json(bundled: BundledCapture, item: BundledItem) -> bytes:
    capture = bundled.capture
    record = {
        "capture": str(capture.id),
        "item": item.number,
        "url": capture.url,
        "final_url": capture.final_url,
        "requested_at": iso(capture.requested_at),
        "captured_at": iso(capture.captured_at),
        "http_status": capture.http_status,
        "media_allowed": capture.media_allowed,
        "manifest_sha256": capture.manifest_sha256,
        "timestamped_at": iso(bundled.timestamp_at),
        "timestamp_problem": capture.timestamp_problem,
        "files": [
            {
                "name": f.name,
                "kind": f.kind,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
            }
            for f in bundled.files
        ],
    }
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
