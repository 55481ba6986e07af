"""Long videos are hashed by the worker: spooled at upload, hashed, matched, then deleted.

(So are pictures that public intake could not hash at once because every hashing slot of the
machine was taken: see ``checked_or_deferred``.)

The upload is checked at once (type, claims, size, polyglots: a bad file is still refused
while the sender waits), written to a private spool directory, and a task does the slow part.
Recording the hashes, matching and deleting the row happen in one transaction, so a worker
killed halfway leaves the row for the sweep to retry, never half a result; the file goes
after the commit. A video the decoder refuses is noted on each item's timeline.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.cases.models import CaseEvent, Item

from ..models import PendingMedia
from .evidence import keep_file as keep_file_as_evidence
from .matching import match_item, record_media

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

    from ..media import HashedMedia

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=10)


def spool_dir() -> Path:
    return Path(settings.MATCHING_SPOOL_DIR)


@dataclass(frozen=True)
class Deferred:
    """An upload that passed the cheap checks and will be hashed by the worker."""

    upload: Any
    declared_mime: str = ""


def should_spool(kind: str, size: int) -> bool:
    return kind == "video" and size > int(settings.MATCHING_SPOOL_VIDEO_BYTES)


def spool(
    upload: Any,
    *,
    items: Sequence[Item],
    source: str,
    actor: User | None,
    declared_mime: str = "",
    keep_thumbnail: bool = False,
    keep_file: bool = False,
) -> PendingMedia:
    """Copy the upload into the spool and queue its hashing (after the caller's commit)."""
    from ..tasks import hash_pending_task

    directory = spool_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = uuid.uuid4().hex
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            upload.seek(0)
            shutil.copyfileobj(upload, out, 1024 * 1024)
        os.replace(tmp, directory / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    size = (directory / name).stat().st_size
    pending = PendingMedia.objects.create(
        source=source,
        keep_thumbnail=keep_thumbnail,
        keep_file=keep_file,
        actor=actor,
        storage_name=name,
        declared_mime=declared_mime,
        size=size,
    )
    pending.items.set(items)
    transaction.on_commit(partial(hash_pending_task.enqueue, str(pending.pk)))
    return pending


def hash_pending(pending_id: str) -> int:
    """Hash one spooled video for its items; returns how many hashes were recorded."""
    from ..media import HashingBusy, MediaRejected, hash_media

    with transaction.atomic():
        pending = PendingMedia.objects.select_for_update().filter(pk=pending_id).first()
        if pending is None:
            return 0  # done by an earlier run
        PendingMedia.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1)
    path = spool_dir() / pending.storage_name
    items = list(pending.items.all())
    recorded = 0
    with transaction.atomic():
        try:
            media = hash_media(path, declared_mime=pending.declared_mime)
        except HashingBusy:
            # Nothing is wrong with the file: the attempt does not count, and the sweep
            # (``stuck``) hands the row to a worker again later.
            PendingMedia.objects.filter(pk=pending.pk).update(attempts=pending.attempts)
            log.info("media.pending_busy", extra={"pending": str(pending.pk)})
            return 0
        except (MediaRejected, FileNotFoundError) as e:
            reason = e.message if isinstance(e, MediaRejected) else _("The file was lost.")
            for item in items:
                CaseEvent.objects.create(
                    case_id=item.case_id,
                    item=item,
                    kind=CaseEvent.Kind.MEDIA,
                    note=_("The file given for this item could not be hashed: %(reason)s")
                    % {"reason": reason},
                )
        else:
            for item in items:
                recorded += len(
                    record_media(
                        item,
                        media,
                        actor=pending.actor,
                        source=pending.source,
                        keep_thumbnail=pending.keep_thumbnail,
                    )
                )
                if pending.keep_file:
                    keep_file_as_evidence(item, path, media, actor=pending.actor)
                match_item(item)
        PendingMedia.objects.filter(pk=pending.pk).delete()
        transaction.on_commit(partial(path.unlink, missing_ok=True))
    return recorded


def stuck(now: Any = None) -> list[str]:
    """Spooled videos whose task was lost (a worker died); retried a few times, then noted."""
    cutoff = (now or timezone.now()) - RETRY_AFTER
    rows = PendingMedia.objects.filter(created_at__lt=cutoff)
    return [str(pk) for pk in rows.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True)]


def checked_or_deferred(
    upload: Any, *, filename: str = "", declared_mime: str = "", defer_when_busy: bool = False
) -> HashedMedia | Deferred:
    """Hash now, or (a long video that passed the cheap checks) leave it for the worker.

    With ``defer_when_busy``, a file that finds every hashing slot of the machine taken is
    left for the worker too, instead of refusing it with ``HashingBusy``: public intake then
    takes the report at once whatever the load, and hashes the picture a little later.
    """
    from ..media import HashingBusy, hash_media, precheck

    found, size = precheck(upload, filename=filename, declared_mime=declared_mime)
    if should_spool(found.kind, size):
        return Deferred(upload, declared_mime=declared_mime or found.mime)
    try:
        return hash_media(upload, filename=filename, declared_mime=declared_mime)
    except HashingBusy:
        if not defer_when_busy:
            raise
        log.info("media.deferred_busy", extra={"kind": found.kind})
        return Deferred(upload, declared_mime=declared_mime or found.mime)
