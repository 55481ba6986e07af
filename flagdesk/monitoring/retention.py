"""Monitoring's part of the retention run: the files of evidence captures.

A capture's screenshot, page and archive show what was online about a victim, so they follow
the same rule as other evidence (``cases.retention.EVIDENCE``): kept while the case is under
legal hold, otherwise until the evidence period after the case's closure is over. What stays
is the record of the capture (URL, time, HTTP status) and its manifest: the SHA-256 of every
file that existed and, where there was one, the timestamp over them. Those are not the
content, and they still prove what was captured when. Re-checks hold no content at all
(a status, a hash and a reason) and stay.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import transaction

from flagdesk.cases import retention
from flagdesk.cases.models import Item
from flagdesk.cases.retention import EVIDENCE, Tally

from .models import CaptureFile
from .storage import store


def erase_capture_files(*, now: dt.datetime, dry_run: bool) -> Tally:
    """The files of captures of items whose evidence period is over."""
    candidates = retention.items_of_closed_cases(EVIDENCE, now).filter(
        pk__in=CaptureFile.objects.values("capture__item_id")
    )
    return retention.erase_items(
        EVIDENCE,
        candidates.only("pk", "case_id", "phenomenon"),
        now=now,
        dry_run=dry_run,
        erase=partial(erase_item_captures, by=retention.BY_RETENTION),
    )


@transaction.atomic
def erase_item_captures(item: Item, *, by: str) -> int:
    """Delete the files of every capture of ``item`` (rows, then the stored bytes once the
    transaction commits); the captures and their manifests stay. Returns the files erased."""
    files = list(CaptureFile.objects.select_for_update().filter(capture__item=item))
    if not files:
        return 0
    CaptureFile.objects.filter(pk__in=[f.pk for f in files]).delete()
    retention.record_erasure([item], classes=[EVIDENCE], by=by, data={"capture_files": len(files)})
    for file in files:
        transaction.on_commit(partial(store().delete, file.storage_key))
    return len(files)
