"""What a court bundle holds, read from the database and the evidence store once, for the
summary, the README and the files alike.

A capture's files go in only when every file named by its timestamped manifest reads back
from the store with the SHA-256 it was captured with: a bundle must never carry a file that
its own manifest contradicts. A capture whose files cannot all be read (erased at the end of
retention, a retired key) is listed in the summary with the reason instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from flagdesk.audit.anchoring import decode, timestamped_at
from flagdesk.cases.models import Case, Item
from flagdesk.core.errors import ValidationFailed
from flagdesk.notices.models import ItemDecision, Notice, NoticeResponse

from ..manifest import parse_manifest, sha256_hex
from ..models import Capture, CaptureFile, Check
from ..storage import EvidenceMissing, store
from . import layout


@dataclass(frozen=True)
class CaptureFiles:
    """The bytes of a capture's files, checked against its manifest, in manifest order."""

    manifest: bytes
    files: list[tuple[CaptureFile, bytes]]


@dataclass
class BundledCapture:
    capture: Capture
    files: list[CaptureFile]
    timestamp_at: datetime | None
    path: str = ""  # its folder in the bundle; empty when its files are not in it
    unavailable: str = ""  # why not


@dataclass
class BundledItem:
    number: int
    item: Item
    path: str
    notices: list[Notice]
    responses: list[NoticeResponse]
    decisions: list[ItemDecision]
    checks: list[Check]
    captures: list[BundledCapture] = field(default_factory=list)


def chosen_items(case: Case, items: Sequence[Item] | None) -> list[Item]:
    """The case's items in the order they were reported, or ``items`` when given (each must
    belong to the case: a bundle never mixes two files)."""
    everything = list(case.items.select_related("platform").order_by("created_at", "id"))
    if items is None:
        return everything
    wanted = {item.pk for item in items}
    chosen = [item for item in everything if item.pk in wanted]
    if len(chosen) != len(wanted) or not chosen:
        raise ValidationFailed(_("Every item of a bundle must belong to its case."))
    return chosen


def bundled_items(case: Case, items: Sequence[Item] | None) -> list[BundledItem]:
    chosen = chosen_items(case, items)
    width = max(2, len(str(len(chosen))))
    result = []
    for number, item in enumerate(chosen, start=1):
        notices = list(
            Notice.objects.filter(items=item, sent_at__isnull=False).order_by("sent_at", "id")
        )
        bundled = BundledItem(
            number=number,
            item=item,
            path=layout.item_dir(number, width, item.platform.slug if item.platform else ""),
            notices=notices,
            responses=list(
                NoticeResponse.objects.filter(notice__in=notices)
                .select_related("notice")
                .order_by("received_at", "id")
            ),
            decisions=list(item.decisions.select_related("notice").order_by("created_at")),
            checks=list(Check.objects.filter(item=item).order_by("at", "id")),
        )
        for capture in Capture.objects.filter(item=item).order_by("requested_at", "id"):
            bundled.captures.append(_bundled_capture(capture))
        result.append(bundled)
    return result


def _bundled_capture(capture: Capture) -> BundledCapture:
    token = bytes(capture.timestamp_token) if capture.timestamp_token else b""
    response = decode(token) if token else None
    return BundledCapture(
        capture=capture,
        files=list(capture.files.order_by("name")),
        timestamp_at=timestamped_at(response) if response else None,
    )


def read_files(bundled: BundledCapture) -> CaptureFiles:
    """Every file of a done capture from the store, checked against the manifest that was
    timestamped; ``EvidenceMissing`` saying why when any is missing or differs."""
    capture = bundled.capture
    manifest = capture.manifest.encode()
    if capture.manifest_sha256 and sha256_hex(manifest) != capture.manifest_sha256:
        raise EvidenceMissing(_("The capture's manifest does not match its recorded SHA-256."))
    try:
        listed = dict(parse_manifest(capture.manifest))
    except ValueError as e:
        raise EvidenceMissing(_("The capture's manifest cannot be read.")) from e
    by_name = {f.name: f for f in bundled.files}
    if set(listed) != set(by_name):
        raise EvidenceMissing(_("The capture's files are not the ones its manifest lists."))
    if set(by_name) & layout.CAPTURE_OWN:
        raise EvidenceMissing(_("A captured file has a name the bundle reserves."))
    files = []
    for name, digest in sorted(listed.items()):
        data = store().get(by_name[name].storage_key)
        if hashlib.sha256(data).hexdigest() != digest:
            raise EvidenceMissing(
                _("The stored %(name)s does not match the SHA-256 it was captured with.")
                % {"name": name}
            )
        files.append((by_name[name], data))
    return CaptureFiles(manifest=manifest, files=files)
