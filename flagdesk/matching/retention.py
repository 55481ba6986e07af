"""Matching's part of the retention run: kept evidence, and files no row owns.

Evidence (files kept for an item, and the thumbnails of its hashes and bank entries) stays while
proceedings run, that is while its case is under legal hold, and otherwise until the evidence
period after the case's closure is over. The hashes themselves stay: they are not the picture,
and they are what finds a re-upload.

A file is written before its row is committed, so a rolled-back transaction, or a process that
died between a row's deletion and its file's, leaves a file nothing refers to. The sweep
deletes those once they are older than ``RETENTION_ORPHAN_MINUTES``, so a write still under
way is never taken for one.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from flagdesk.cases import retention
from flagdesk.cases.models import Item
from flagdesk.cases.retention import EVIDENCE, ORPHAN_FILES, Tally

from .models import MediaFile, PendingMedia
from .services.evidence import evidence_dir
from .services.spool import spool_dir


def _holding_evidence() -> Q:
    # ``__gt=""``: a negated join would also match items without any hash (see evidence.py).
    return (
        Q(media_files__isnull=False)
        | Q(signals__thumbnail__gt="")
        | Q(bank_entries__thumbnail__gt="")
    )


def erase_evidence(*, now: dt.datetime, dry_run: bool) -> Tally:
    """Kept files and thumbnails of items whose evidence period is over."""
    candidates = retention.items_of_closed_cases(EVIDENCE, now).filter(
        pk__in=Item.objects.filter(_holding_evidence()).values("pk")
    )
    return retention.erase_items(
        EVIDENCE,
        candidates.only("pk", "case_id", "phenomenon"),
        now=now,
        dry_run=dry_run,
        erase=_erase_item_evidence,
    )


@transaction.atomic
def _erase_item_evidence(item: Item) -> None:
    files = list(MediaFile.objects.select_for_update().filter(item=item))
    MediaFile.objects.filter(pk__in=[f.pk for f in files]).delete()
    thumbnails = item.signals.exclude(thumbnail="").update(thumbnail="")
    thumbnails += item.bank_entries.exclude(thumbnail="").update(thumbnail="")
    if files or thumbnails:
        retention.record_erasure(
            [item],
            classes=[EVIDENCE],
            by=retention.BY_RETENTION,
            data={"files": len(files), "thumbnails": thumbnails},
        )
    # The bytes go once the rows are gone for good; a crash in between leaves an orphan,
    # which the next sweep deletes.
    for media_file in files:
        path = evidence_dir() / media_file.storage_name
        transaction.on_commit(partial(path.unlink, missing_ok=True))


def _is_stale(path: Path, older_than: float) -> bool:
    try:
        return path.is_file() and path.stat().st_mtime < older_than
    except FileNotFoundError:  # deleted by its owner since the listing
        return False


def _orphans(directory: Path, known: set[str], *, older_than: float) -> list[Path]:
    if not directory.is_dir():
        return []
    return [
        path
        for path in directory.iterdir()
        if path.name not in known and _is_stale(path, older_than)
    ]


def sweep_orphan_files(*, now: dt.datetime, dry_run: bool) -> Tally:
    """Files in the evidence store and the spool that no row refers to (half-written ones,
    ``.tmp-*``, included), once older than ``RETENTION_ORPHAN_MINUTES``."""
    tally = Tally(ORPHAN_FILES)
    cutoff = (now - dt.timedelta(minutes=int(settings.RETENTION_ORPHAN_MINUTES))).timestamp()
    # One set for both stores: were they configured as one directory, neither store's files
    # could be taken for orphans of the other.
    known = set(MediaFile.objects.values_list("storage_name", flat=True))
    known |= set(PendingMedia.objects.values_list("storage_name", flat=True))
    for directory in dict.fromkeys([evidence_dir(), spool_dir()]):
        for path in _orphans(directory, known, older_than=cutoff):
            if not dry_run:
                path.unlink(missing_ok=True)
            tally.erased("")
    return tally
