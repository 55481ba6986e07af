"""Media given for an item: hash it, keep only what the law allows, match in the background."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.cases.models import Item
from flagdesk.core.errors import NotFound, ValidationFailed

from ..models import BankEntry, HashBank, ItemSignal, Match
from ..signal_types import Pdq, Vpdq
from .banks import AddResult, EntryInput, add_entries
from .evidence import Kept
from .evidence import keep_file as keep_file_as_evidence
from .matching import record_media
from .roles import BANK_READERS, UNBLURRERS

if TYPE_CHECKING:
    from flagdesk.accounts.models import User


@dataclass(frozen=True)
class HashedUpload:
    signals: list[ItemSignal]
    kept: Kept
    # A long video: checked, spooled, and hashed by the worker (no signals yet).
    deferred: bool = False


def hash_item_media(
    item: Item,
    upload: Any,
    *,
    actor: User | None,
    source: str,
    keep_thumbnail: bool = False,
    keep_file: bool = False,
    filename: str = "",
    declared_mime: str = "",
) -> HashedUpload:
    """Hash an uploaded file for an item and queue matching.

    The file is discarded unless ``keep_file`` is asked for and the phenomenon allows it
    (never for CSAM); then it is kept encrypted as evidence (``services.evidence``). Raises
    ``MediaRejected`` (422 ``invalid_media``) for anything that is not a readable image or
    video within the limits.
    """
    from ..tasks import match_item_task
    from .spool import Deferred, checked_or_deferred, spool

    media = checked_or_deferred(upload, filename=filename, declared_mime=declared_mime)
    if isinstance(media, Deferred):
        with transaction.atomic():
            spool(
                media.upload,
                items=[item],
                source=source,
                actor=actor,
                declared_mime=media.declared_mime,
                keep_thumbnail=keep_thumbnail,
                keep_file=keep_file,
            )
        return HashedUpload([], Kept(), deferred=True)
    with transaction.atomic():
        signals = record_media(
            item, media, actor=actor, source=source, keep_thumbnail=keep_thumbnail
        )
        kept = keep_file_as_evidence(item, upload, media, actor=actor) if keep_file else Kept()
        transaction.on_commit(lambda: match_item_task.enqueue(str(item.pk)))
    return HashedUpload(signals, kept)


def add_item_to_bank(item: Item, bank: HashBank, *, actor: User, tags: list[str]) -> AddResult:
    """Put an item's media hashes into a bank, linked to the item (our own cases' bank)."""
    signals = list(item.signals.all())
    if not signals:
        raise ValidationFailed(
            _("This item has no media hashes yet; upload the image or video first.")
        )
    return add_entries(
        bank,
        [
            EntryInput(
                signal_type=s.signal_type,
                value=s.value,
                quality=s.quality,
                tags=tags,
                item=item,
                thumbnail=s.thumbnail,
            )
            for s in signals
        ],
        actor=actor,
    )


@dataclass(frozen=True)
class Thumbnail:
    jpeg: bytes
    blurred: bool


def thumbnail(
    obj: ItemSignal | BankEntry | Match, *, actor: User, unblur: bool, audit: bool = True
) -> Thumbnail:
    """A match's picture for an analyst: blurred and grey unless they deliberately unblur.

    Un-blurring is audited; nothing is returned where no thumbnail was kept. ``audit=False``
    only serves the clear picture again within a short grant that an audited call of this
    actor opened moments before (the staff page's five-minute unblur), so that reloading the
    page does not write an entry per image request.
    """
    from ..thumbnails import blurred

    require_role(actor, *(UNBLURRERS if unblur else BANK_READERS))
    encoded = (
        obj.signal.thumbnail or obj.entry.thumbnail if isinstance(obj, Match) else obj.thumbnail
    )
    if not encoded:
        raise NotFound(_("No picture was kept for this hash."))
    jpeg = base64.b64decode(encoded)
    if not unblur:
        return Thumbnail(blurred(jpeg), blurred=True)
    target = (
        f"match:{obj.pk}" if isinstance(obj, Match) else f"{type(obj).__name__.lower()}:{obj.pk}"
    )
    if audit:
        record("media.unblur", actor=actor, target=target)
    return Thumbnail(jpeg, blurred=False)


def visual_kinds() -> tuple[str, ...]:
    return (Pdq.name, Vpdq.name)
