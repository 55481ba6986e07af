"""Importing a partner's file into a bank and exporting a bank for a partner.

Invalid rows never block the valid ones: a partner's list of a million hashes with one typo is
imported minus that line, and the report names it. Everything valid is added in one
transaction, so an import is never half done.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.audit.services import record
from flagdesk.core.errors import PermissionDenied, ValidationFailed

from ..models import BankEntry, HashBank
from ..services.banks import add_entries, may_add
from . import MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, exchange_format, parse
from .base import ExportRow, InvalidRow, ParsedRow, require_type

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

# add_entries looks duplicates up with one IN (...) query: keep it well under SQLite's limit.
BATCH = 5000
EXPORT_CHUNK = 2000


@dataclass
class ImportReport:
    """What an import did, or (``dry_run``) would do: ``added`` counts rows new to the bank."""

    added: int = 0
    duplicates: int = 0
    invalid: list[InvalidRow] = field(default_factory=list)
    invalid_count: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "duplicates": self.duplicates,
            "invalid": [{"line": r.line, "message": r.message} for r in self.invalid],
            "invalid_count": self.invalid_count,
            "dry_run": self.dry_run,
        }


def _count_duplicates(bank: HashBank, rows: Sequence[ParsedRow]) -> int:
    """Rows already live in the bank or repeated in the file (what add_entries would skip)."""
    seen: set[tuple[str, str]] = set()
    duplicates = 0
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        live = set(
            BankEntry.objects.filter(
                bank=bank, removed_at__isnull=True, value_key__in=[r.key[1] for r in chunk]
            ).values_list("signal_type", "value_key")
        )
        for row in chunk:
            if row.key in live or row.key in seen:
                duplicates += 1
            seen.add(row.key)
    return duplicates


def import_bank(
    bank: HashBank,
    data: bytes | str,
    fmt: str,
    *,
    actor: User,
    dry_run: bool = False,
    default_type: str | None = None,
    max_rows: int = MAX_IMPORT_ROWS,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> ImportReport:
    """Add a file's valid rows to ``bank``; a dry run checks and counts but writes nothing.

    Raises PermissionDenied unless ``services.banks.may_add`` (a partner: its own bank only),
    FormatError/ImportTooLarge for an unreadable file. Audited as ``bank.import``.
    """
    if not may_add(actor, bank):
        raise PermissionDenied(_("You may not add hashes to this bank."))
    parsed = parse(data, fmt, default_type=default_type, max_rows=max_rows, max_bytes=max_bytes)
    report = ImportReport(
        invalid=parsed.invalid, invalid_count=parsed.invalid_count, dry_run=dry_run
    )
    if dry_run:
        report.duplicates = _count_duplicates(bank, parsed.rows)
        report.added = len(parsed.rows) - report.duplicates
        return report
    with transaction.atomic():
        for start in range(0, len(parsed.rows), BATCH):
            chunk = parsed.rows[start : start + BATCH]
            result = add_entries(bank, [row.entry for row in chunk], actor=actor)
            report.added += len(result.added)
            report.duplicates += result.duplicates
        record(
            "bank.import",
            actor=actor,
            target=f"bank:{bank.slug}",
            data={
                "format": fmt,
                "added": report.added,
                "duplicates": report.duplicates,
                "invalid": report.invalid_count,
            },
        )
    return report


def _export_rows(
    query: Iterator[tuple[str, str, list[str], int | None, str, datetime]],
) -> Iterator[ExportRow]:
    for signal_type, value, tags, quality, external_ref, added_at in query:
        yield ExportRow(signal_type, value, list(tags or []), quality, external_ref, added_at)


def export_bank(
    bank: HashBank,
    fmt: str,
    *,
    signal_type: str | None = None,
    since: datetime | None = None,
    actor: User | None = None,
) -> Iterator[str]:
    """The bank's live entries in ``fmt``, as text chunks to stream, oldest first.

    Arguments are checked before the first chunk (a stream cannot turn into an error answer
    half way): unknown format or type raise FormatError; a plain list needs one signal type
    (given, or the only one in the bank). With ``actor``, the export is audited.
    """
    writer = exchange_format(fmt)
    kind = require_type(signal_type) if signal_type else None
    entries = BankEntry.objects.filter(bank=bank, removed_at__isnull=True)
    if since is not None:
        entries = entries.filter(added_at__gte=since)
    if kind is None and writer.single_type:
        kinds = sorted(set(entries.values_list("signal_type", flat=True).distinct()))
        if len(kinds) > 1:
            raise ValidationFailed(
                _("A plain hash list holds one signal type; choose one of: %(kinds)s.")
                % {"kinds": ", ".join(kinds)},
                fields={"signal_type": [_("Choose a signal type.")]},
            )
    if kind is not None:
        entries = entries.filter(signal_type=kind)
    if actor is not None:
        record(
            "bank.export",
            actor=actor,
            target=f"bank:{bank.slug}",
            data={"format": writer.name, "signal_type": kind or ""},
        )
    query = (
        entries.order_by("id")
        .values_list("signal_type", "value", "tags", "quality", "external_ref", "added_at")
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    return writer.write(_export_rows(query), bank=bank.slug)
