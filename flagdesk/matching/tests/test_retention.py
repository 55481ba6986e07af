"""Kept evidence goes when its period is over (never under legal hold), and files that no row
owns (a rolled-back write) are swept once they are safely old."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.retention import TallyRow, add_months
from flagdesk.cases.services.legal_hold import set_legal_hold
from flagdesk.cases.tests.factories import reported_item
from flagdesk.cases.transitions import transition
from flagdesk.matching.demo import picture_bytes
from flagdesk.matching.models import ItemSignal, MediaFile, PendingMedia
from flagdesk.matching.retention import erase_evidence, sweep_orphan_files
from flagdesk.matching.services.evidence import evidence_dir
from flagdesk.matching.services.media import hash_item_media
from flagdesk.matching.services.spool import spool_dir

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stores(settings: Any, tmp_path: Path) -> None:
    settings.MATCHING_EVIDENCE_DIR = tmp_path / "evidence"
    settings.MATCHING_SPOOL_DIR = tmp_path / "spool"


def kept_evidence(users: Any, url: str) -> tuple[Item, MediaFile]:
    item = reported_item(url, phenomenon="ncii")
    upload = SimpleUploadedFile("x.jpg", picture_bytes(), content_type="image/jpeg")
    result = hash_item_media(
        item, upload, actor=users["analyst"], source="analyst", keep_file=True, keep_thumbnail=True
    )
    assert result.kept.media_file is not None
    transition(item, Item.Status.OUT_OF_SCOPE, actor=None)
    return item, result.kept.media_file


def test_evidence_goes_after_its_period_and_stays_under_legal_hold(
    users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    gone, gone_file = kept_evidence(users, "https://social.test/ev/1")
    held, held_file = kept_evidence(users, "https://social.test/ev/2")
    set_legal_hold(held.case, actor=users["coordinator"], is_held=True, reason="Proceedings.")
    assert ItemSignal.objects.exclude(thumbnail="").filter(item=gone).exists()
    now = timezone.now()

    assert not erase_evidence(now=add_months(now, 11), dry_run=False).rows()
    dry = erase_evidence(now=add_months(now, 13), dry_run=True)
    assert dry.rows() == [TallyRow("evidence", "ncii", 1, 1)]
    assert MediaFile.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        tally = erase_evidence(now=add_months(now, 13), dry_run=False)
    assert tally.rows() == [TallyRow("evidence", "ncii", 1, 1)]
    assert not (evidence_dir() / gone_file.storage_name).exists()
    assert (evidence_dir() / held_file.storage_name).exists()
    assert list(MediaFile.objects.all()) == [held_file]
    # The hashes stay (they find re-uploads); only the picture and its thumbnail go.
    signals = ItemSignal.objects.filter(item=gone)
    assert signals.exists() and not signals.exclude(thumbnail="").exists()
    assert ItemSignal.objects.filter(item=held).exclude(thumbnail="").exists()
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.ERASURE)
    assert event.item_id == gone.pk and event.data["classes"] == ["evidence"]
    assert event.data["files"] == 1


def test_a_file_goes_only_once_its_row_is_gone_for_good(
    users: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _item, media_file = kept_evidence(users, "https://social.test/ev/3")
    path = evidence_dir() / media_file.storage_name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        erase_evidence(now=add_months(timezone.now(), 13), dry_run=False)
    assert path.exists()  # not yet: the deletion of the row might still roll back
    for callback in callbacks:
        callback()
    assert not path.exists()


def _file(directory: Path, name: str, *, age_minutes: float) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(b"token")
    moment = timezone.now().timestamp() - age_minutes * 60
    os.utime(path, (moment, moment))
    return path


def test_orphan_files_are_swept_once_an_hour_old(users: Any) -> None:
    _item, media_file = kept_evidence(users, "https://social.test/ev/4")
    known = evidence_dir() / media_file.storage_name
    os.utime(known, (0, 0))  # old, but a row owns it
    pending = PendingMedia.objects.create(source="analyst", storage_name="pendingvideo", size=5)
    owned_spool = _file(spool_dir(), pending.storage_name, age_minutes=600)
    orphans = [
        _file(evidence_dir(), "0" * 32 + ".fernet", age_minutes=61),  # its write rolled back
        _file(evidence_dir(), ".tmp-half-written", age_minutes=120),
        _file(spool_dir(), "1" * 32, age_minutes=90),
    ]
    in_flight = _file(evidence_dir(), "2" * 32 + ".fernet", age_minutes=5)

    dry = sweep_orphan_files(now=timezone.now(), dry_run=True)
    assert dry.rows() == [TallyRow("orphan_files", "", 3, 0)]
    assert all(p.exists() for p in orphans)

    tally = sweep_orphan_files(now=timezone.now(), dry_run=False)
    assert tally.rows() == [TallyRow("orphan_files", "", 3, 0)]
    assert not any(p.exists() for p in orphans)
    assert known.exists() and owned_spool.exists() and in_flight.exists()


def test_a_rolled_back_evidence_write_leaves_an_orphan_the_sweep_removes(users: Any) -> None:
    item = reported_item("https://social.test/ev/5", phenomenon="ncii")
    upload = SimpleUploadedFile("x.jpg", picture_bytes(), content_type="image/jpeg")

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        hash_item_media(item, upload, actor=users["analyst"], source="analyst", keep_file=True)
        raise RolledBack
    assert not MediaFile.objects.exists()
    [left] = list(evidence_dir().iterdir())
    assert not sweep_orphan_files(now=timezone.now(), dry_run=False).rows()  # too recent
    assert left.exists()
    later = timezone.now() + dt.timedelta(minutes=61)
    assert sweep_orphan_files(now=later, dry_run=False).rows() == [
        TallyRow("orphan_files", "", 1, 0)
    ]
    assert not left.exists()


def test_no_store_yet_is_nothing_to_sweep() -> None:
    assert not sweep_orphan_files(now=timezone.now(), dry_run=False).rows()
