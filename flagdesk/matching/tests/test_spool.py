"""Long videos are checked at once, hashed by the worker, and nothing is lost on the way."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from flagdesk.cases.models import CaseEvent
from flagdesk.cases.tests.factories import reported_item
from flagdesk.intake.models import Report
from flagdesk.matching.models import ItemSignal, PendingMedia
from flagdesk.matching.services.media import hash_item_media
from flagdesk.matching.services.spool import hash_pending, spool_dir, stuck

from .media_samples import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_spool_threshold(settings, tmp_path):
    settings.MATCHING_SPOOL_VIDEO_BYTES = 1000  # every test video counts as long
    settings.MATCHING_SPOOL_DIR = tmp_path / "spool"


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> bytes:
    return make_video(tmp_path_factory.mktemp("v") / "clip.mp4", seconds=3).read_bytes()


def upload(data: bytes, name: str = "clip.mp4", mime: str = "video/mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=mime)


def test_a_long_video_is_spooled_then_hashed_and_matched_by_the_worker(
    users, video, django_capture_on_commit_callbacks
):
    item = reported_item(phenomenon="ncii")
    with django_capture_on_commit_callbacks(execute=True):
        result = hash_item_media(item, upload(video), actor=users["analyst"], source="analyst")
    assert result.deferred and result.signals == []
    [pending] = PendingMedia.objects.all()
    assert (spool_dir() / pending.storage_name).read_bytes() == video
    with django_capture_on_commit_callbacks(execute=True):  # the file goes after the commit
        call_command("worker", burst=True)
    kinds = sorted(item.signals.values_list("signal_type", flat=True))
    assert kinds == ["md5", "sha256", "vpdq"]
    assert not PendingMedia.objects.exists()
    assert not (spool_dir() / pending.storage_name).exists()  # the file is not kept
    assert item.signals.get(signal_type="vpdq").checked_at is not None  # matched


def test_a_bad_video_is_still_refused_at_once(users):
    item = reported_item()
    from flagdesk.matching.media import MediaRejected

    with pytest.raises(MediaRejected):
        hash_item_media(
            item,
            upload(b"<html><body>x</body></html>" * 100),
            actor=users["analyst"],
            source="analyst",
        )
    assert not PendingMedia.objects.exists()


def test_a_video_the_decoder_refuses_is_noted_on_the_timeline(users, video):
    item = reported_item()
    damaged = video[: len(video) // 3]  # passes the header checks, fails to decode
    result = hash_item_media(item, upload(damaged), actor=users["analyst"], source="analyst")
    assert result.deferred
    pending = PendingMedia.objects.get()
    assert hash_pending(str(pending.pk)) == 0
    event = CaseEvent.objects.get(item=item, kind=CaseEvent.Kind.MEDIA)
    assert "could not be hashed" in event.note
    assert not PendingMedia.objects.exists()
    assert not ItemSignal.objects.exists()


def test_a_video_whose_task_was_lost_is_retried_by_the_sweep(users, video):
    item = reported_item()
    hash_item_media(item, upload(video), actor=users["analyst"], source="analyst")
    pending = PendingMedia.objects.get()
    assert stuck() == []  # recent: its task may still be on its way
    PendingMedia.objects.filter(pk=pending.pk).update(
        created_at=pending.created_at.replace(year=pending.created_at.year - 1)
    )
    assert stuck() == [str(pending.pk)]
    call_command("worker", burst=True)  # the sweep queues it, the worker runs it
    assert item.signals.filter(signal_type="vpdq").exists()
    assert hash_pending(str(pending.pk)) == 0  # a second run finds nothing to do


def test_a_public_report_with_a_long_video_is_stored_at_once(client: Client, video, settings):
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    report = {
        "language": "en",
        "urls": ["https://social.test/p/long-video"],
        "role": "victim",
        "reporter": {"anonymous": True},
    }
    response = client.post(
        "/api/v1/reports", {"report": json.dumps(report), "media": upload(video)}
    )
    assert response.status_code == 201, response.content
    item = Report.objects.get().items.get()
    assert PendingMedia.objects.get().items.get() == item
    assert reverse("intake:report")  # the web form takes the same path (services.hash_upload)


def test_video_hashing_has_its_own_queue_so_notices_never_wait(
    users, video, django_capture_on_commit_callbacks
):
    """`flagdesk serve` runs a worker per queue; each takes only its own tasks."""
    from django_tasks_db.models import DBTaskResult

    item = reported_item()
    with django_capture_on_commit_callbacks(execute=True):
        hash_item_media(item, upload(video), actor=users["analyst"], source="analyst")
    task = DBTaskResult.objects.get(task_path__endswith="hash_pending_task")
    assert task.queue_name == "media"
    call_command("worker", burst=True, queues="default")
    assert PendingMedia.objects.exists()  # not the default worker's job
    call_command("worker", burst=True, queues="media")
    assert not PendingMedia.objects.exists()
    assert item.signals.filter(signal_type="vpdq").exists()
