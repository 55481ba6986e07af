"""Media kept as evidence: written encrypted, read back only by an audited download.

A victim's image is the most sensitive thing flagdesk can hold, so it is kept only when an
analyst asks for it and the phenomenon allows it (never CSAM: legal.md), encrypted with the
same rotatable keys as personal data fields, under a random name, and every read is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import require_role
from flagdesk.audit.reasons import access_reason
from flagdesk.audit.services import record
from flagdesk.cases.access import MINOR_AGE_BANDS
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core import taxonomy
from flagdesk.core.crypto import fernet
from flagdesk.core.durable import write_atomically
from flagdesk.core.errors import NotFound

from ..media.source import OpenedSource
from ..models import MediaFile
from .matching import may_keep_media
from .roles import UNBLURRERS

if TYPE_CHECKING:
    from flagdesk.accounts.models import User

    from ..media import HashedMedia


@dataclass(frozen=True)
class Kept:
    """What happened to the file: kept (``media_file``) or why not (``refusal``)."""

    media_file: MediaFile | None = None
    refusal: str = ""


def evidence_dir() -> Path:
    return Path(settings.MATCHING_EVIDENCE_DIR)


def keep_file(item: Item, source: Any, media: HashedMedia, *, actor: User | None) -> Kept:
    """Encrypt the upload into the evidence directory and record it, where the law allows
    keeping media of the item's phenomenon (``may_keep_media``) and the file is not too big."""
    if not may_keep_media(item):
        return Kept(refusal=_("The law does not allow keeping media of this kind."))
    limit = int(settings.MATCHING_MAX_KEEP_BYTES)
    if media.size > limit:
        return Kept(
            refusal=_(
                "The file is larger than %(mb)d MB, the most we keep as evidence: only its "
                "hashes were recorded."
            )
            % {"mb": limit // (1024 * 1024)}
        )
    opened = OpenedSource(source)
    try:
        data = opened.read_all(limit)
    finally:
        opened.close()
    token = fernet().encrypt(data)
    name = f"{uuid.uuid4().hex}.fernet"
    directory = evidence_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written under a temporary name and renamed: a crash never leaves half a file behind.
    write_atomically(directory / name, token)
    sha256 = next((s.value for s in media.signals if s.signal_type == "sha256"), "")
    media_file = MediaFile.objects.create(
        item=item,
        kind=media.kind,
        mime=media.mime,
        size=media.size,
        sha256=sha256,
        storage_name=name,
        kept_by=actor,
    )
    record("media.keep", actor=actor, target=f"item:{item.pk}", data={"file": str(media_file.pk)})
    return Kept(media_file=media_file)


def read_file(media_file: MediaFile, *, actor: User, reason: str) -> bytes:
    """The clear bytes of a kept file, for a deliberate download with a reason, audited."""
    require_role(actor, *UNBLURRERS)
    reason = access_reason(reason)
    path = evidence_dir() / media_file.storage_name
    try:
        token = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(_("The kept file is missing from the evidence store.")) from None
    try:
        data = fernet().decrypt(token)
    except InvalidToken:
        raise NotFound(_("The kept file cannot be decrypted with the configured keys.")) from None
    record(
        "media.download",
        actor=actor,
        target=f"item:{media_file.item_id}",
        reason=reason,
        data={"file": str(media_file.pk)},
    )
    return data


def discard_forbidden_media(*, limit: int = 200) -> int:
    """Destroy what was kept before the law stopped allowing it: files and thumbnails of
    items whose case was since found to depict a minor, or whose phenomenon was requalified
    to one that forbids media (CSAM). Run by the worker's sweep; returns how many items were
    cleaned. Each cleaned item gets a ``media`` event; the audit trail records the deletion."""
    cleaned = 0
    forbidden = ["", *(p.code for p in taxonomy.phenomena().values() if not p.store_media)]
    candidates = (
        # ``__gt=""``, not ``~Q(...="")``: a negated join would also match items with no
        # hashes at all, and clean (and log) them on every sweep.
        Item.objects.filter(
            Q(media_files__isnull=False)
            | Q(signals__thumbnail__gt="")
            | Q(bank_entries__thumbnail__gt="")
        )
        .filter(
            Q(case__has_minor_depicted=True)
            | Q(phenomenon__in=forbidden)
            | Q(reports__victim_age_band__in=MINOR_AGE_BANDS)
        )
        .select_related("case")
        .distinct()[:limit]
    )
    for item in candidates:
        if may_keep_media(item):
            continue
        with transaction.atomic():
            files = list(MediaFile.objects.select_for_update().filter(item=item))
            for media_file in files:
                (evidence_dir() / media_file.storage_name).unlink(missing_ok=True)
            MediaFile.objects.filter(pk__in=[f.pk for f in files]).delete()
            item.signals.exclude(thumbnail="").update(thumbnail="")
            item.bank_entries.exclude(thumbnail="").update(thumbnail="")
            CaseEvent.objects.create(
                case_id=item.case_id,
                item=item,
                kind=CaseEvent.Kind.MEDIA,
                note=_("Kept media and thumbnails destroyed: the law forbids keeping them."),
                data={"discarded_files": len(files)},
            )
            record(
                "media.discard",
                actor=None,
                target=f"item:{item.pk}",
                data={"files": [str(f.pk) for f in files]},
            )
        cleaned += 1
    return cleaned
