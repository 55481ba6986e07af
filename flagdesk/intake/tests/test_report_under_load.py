"""When every hashing slot is taken, a report with a picture is still taken at once.

The picture goes to the worker's spool and is hashed when a slot is free; nobody is asked to
send it again because others were sending pictures at the same time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from flagdesk.intake.models import Report
from flagdesk.matching.demo import picture_bytes
from flagdesk.matching.media.slots import hashing_slot
from flagdesk.matching.models import PendingMedia
from flagdesk.matching.services.spool import hash_pending

from .factories import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_slot(settings: Any, tmp_path: Path) -> None:
    settings.MATCHING_HASHING_SLOTS = 1
    settings.MATCHING_HASHING_WAIT_SECONDS = 0
    settings.MATCHING_HASHING_SLOT_DIR = tmp_path / "slots"
    settings.MATCHING_SPOOL_DIR = tmp_path / "spool"


def picture() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", picture_bytes(), content_type="image/jpeg")


def test_a_report_with_a_picture_is_taken_while_hashing_is_busy_and_hashed_later(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with hashing_slot():  # someone else's picture is being decoded
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("intake:report"), {**form_data(), "media": picture()})
    assert response.status_code == 302
    item = Report.objects.get().items.get()
    assert not item.signals.exists()
    [pending] = PendingMedia.objects.all()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("worker", burst=True)
    assert sorted(item.signals.values_list("signal_type", flat=True)) == ["md5", "pdq", "sha256"]
    assert not PendingMedia.objects.filter(pk=pending.pk).exists()


def test_the_worker_leaves_a_picture_for_later_while_hashing_is_busy(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with hashing_slot():
        client.post(reverse("intake:report"), {**form_data(), "media": picture()})
        [pending] = PendingMedia.objects.all()
        assert hash_pending(str(pending.pk)) == 0
    pending.refresh_from_db()
    assert pending.attempts == 0  # a busy machine is not the file's fault: no attempt used
    assert not Report.objects.get().items.get().case.events.filter(kind="media").exists()
    assert hash_pending(str(pending.pk)) == 3
