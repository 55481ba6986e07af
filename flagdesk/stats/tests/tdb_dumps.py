"""Small dump files built from the statement-of-reasons schema (legal.md d.), in the shapes the
Transparency Database publishes: a daily ZIP of ZIP parts, a ZIP with one CSV, a bare CSV."""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

COLUMNS = (
    "uuid", "decision_visibility", "decision_visibility_other", "end_date_visibility_restriction",
    "decision_monetary", "decision_monetary_other", "end_date_monetary_restriction",
    "decision_provision", "end_date_service_restriction", "decision_account",
    "end_date_account_restriction", "account_type", "decision_ground",
    "decision_ground_reference_url", "illegal_content_legal_ground",
    "illegal_content_explanation", "incompatible_content_ground",
    "incompatible_content_explanation", "incompatible_content_illegal", "category",
    "category_addition", "category_specification", "category_specification_other",
    "content_type", "content_type_other", "content_language", "content_date",
    "territorial_scope", "application_date", "decision_facts", "source_type",
    "automated_detection", "automated_decision", "platform_name", "platform_uid", "puid",
    "created_at",
)  # fmt: skip


def statement(**values: Any) -> dict[str, str]:
    """One statement as a dump row; a fictional platform's removal of illegal content."""
    row = {
        "uuid": str(uuid.uuid4()),
        "decision_visibility": '["DECISION_VISIBILITY_CONTENT_REMOVED"]',
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "category": "STATEMENT_CATEGORY_CYBER_VIOLENCE",
        "category_specification": '["KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"]',
        "content_type": '["CONTENT_TYPE_IMAGE"]',
        "content_date": "2026-11-01 00:00:00",
        "territorial_scope": '["BE","FR"]',
        "application_date": "2026-11-03 00:00:00",
        "decision_facts": "Fictional facts for a test.",
        "source_type": "SOURCE_TRUSTED_FLAGGER",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        "platform_name": "Example Social",
        "platform_uid": "123",
        "puid": uuid.uuid4().hex,
        "created_at": "2026-11-03 10:00:00",
    }
    row.update({k: str(v) for k, v in values.items()})
    return row


def csv_bytes(rows: Iterable[Mapping[str, str]], columns: Iterable[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def bare_csv(path: Path, rows: Iterable[Mapping[str, str]], **kw: Any) -> Path:
    path.write_bytes(csv_bytes(rows, **kw))
    return path


def single_zip(path: Path, rows: Iterable[Mapping[str, str]], **kw: Any) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("statements.csv", csv_bytes(rows, **kw))
    return path


def daily_zip(path: Path, parts: Iterable[Iterable[Mapping[str, str]]], **kw: Any) -> Path:
    """A daily dump: a ZIP of ``<name>-00000.csv.zip`` parts, each holding one CSV."""
    stem = path.name.removesuffix(".zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as outer:
        for n, rows in enumerate(parts):
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(f"{stem}-{n:05d}.csv", csv_bytes(rows, **kw))
            outer.writestr(f"{stem}-{n:05d}.csv.zip", inner.getvalue())
    return path
