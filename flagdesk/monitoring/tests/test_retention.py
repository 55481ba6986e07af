"""Capture files go when their evidence period is over (never under legal hold); the capture's
record and manifest stay, so what was captured when can still be shown."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.retention import TallyRow, add_months
from flagdesk.cases.services.legal_hold import set_legal_hold
from flagdesk.cases.tests.factories import reported_item
from flagdesk.cases.transitions import transition
from flagdesk.monitoring.manifest import manifest_text
from flagdesk.monitoring.models import Capture, CaptureFile
from flagdesk.monitoring.retention import erase_capture_files
from flagdesk.monitoring.storage import EvidenceMissing, store
from flagdesk.site.retention import STEPS

pytestmark = pytest.mark.django_db


def captured(url: str) -> tuple[Item, CaptureFile]:
    item = reported_item(url, phenomenon="ncii")
    data = b"\x89PNG synthetic page"
    digest = hashlib.sha256(data).hexdigest()
    capture = Capture.objects.create(
        item=item,
        trigger="request",
        requested_at=timezone.now(),
        status="done",
        media_allowed=True,
        url=item.url,
        manifest=manifest_text([("screenshot.png", digest)]),
    )
    file = CaptureFile.objects.create(
        capture=capture,
        kind="screenshot",
        name="screenshot.png",
        content_type="image/png",
        size=len(data),
        sha256=digest,
        storage_key=store().put(data),
    )
    transition(item, Item.Status.OUT_OF_SCOPE, actor=None)
    return item, file


def test_capture_files_go_after_their_period_and_stay_under_legal_hold(
    users, django_capture_on_commit_callbacks
):
    gone, gone_file = captured("https://social.test/cap/1")
    held, held_file = captured("https://social.test/cap/2")
    set_legal_hold(held.case, actor=users["coordinator"], is_held=True, reason="Proceedings.")
    now = timezone.now()

    assert not erase_capture_files(now=add_months(now, 11), dry_run=False).rows()
    dry = erase_capture_files(now=add_months(now, 13), dry_run=True)
    assert dry.rows() == [TallyRow("evidence", "ncii", 1, 1)]
    assert CaptureFile.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        erase_capture_files(now=add_months(now, 13), dry_run=False)
    assert list(CaptureFile.objects.all()) == [held_file]
    with pytest.raises(EvidenceMissing):
        store().get(gone_file.storage_key)
    assert store().get(held_file.storage_key) == b"\x89PNG synthetic page"
    capture = Capture.objects.get(item=gone)
    assert capture.manifest and gone_file.sha256 in capture.manifest  # the proof stays
    event = CaseEvent.objects.filter(item=gone, kind=CaseEvent.Kind.ERASURE).get()
    assert event.data["capture_files"] == 1


def test_the_retention_run_includes_capture_files():
    assert erase_capture_files in STEPS
