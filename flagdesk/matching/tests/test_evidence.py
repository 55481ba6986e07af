"""Media kept as evidence: only when asked and allowed, encrypted on disk, read back audited."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.tests.factories import reported_item
from flagdesk.core.errors import PermissionDenied
from flagdesk.matching.demo import picture_bytes
from flagdesk.matching.models import MediaFile
from flagdesk.matching.services.evidence import evidence_dir, read_file
from flagdesk.matching.services.media import hash_item_media

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _evidence_dir(settings, tmp_path):
    settings.MATCHING_EVIDENCE_DIR = tmp_path / "evidence"


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("victim-name.jpg", data, content_type="image/jpeg")


def test_a_kept_file_is_encrypted_on_disk_and_read_back_audited(users):
    item = reported_item(phenomenon="ncii")
    data = picture_bytes()
    result = hash_item_media(
        item, upload(data), actor=users["analyst"], source="analyst", keep_file=True
    )
    kept = result.kept.media_file
    assert kept is not None and not result.kept.refusal
    assert (kept.kind, kept.mime, kept.size) == ("image", "image/jpeg", len(data))
    stored = (evidence_dir() / kept.storage_name).read_bytes()
    assert data not in stored and b"\xff\xd8\xff" not in stored  # no clear JPEG on disk
    assert "victim-name" not in kept.storage_name
    assert read_file(kept, actor=users["reviewer"], reason="court bundle for the victim") == data
    assert AuditEntry.objects.filter(action="media.download", actor=users["reviewer"]).exists()
    with pytest.raises(PermissionDenied):
        read_file(kept, actor=users["auditor"], reason="court bundle for the victim")


@pytest.mark.parametrize("phenomenon", ["csam", "csam_ai_generated", "sexting_minor", ""])
def test_never_kept_where_the_law_forbids_or_the_phenomenon_is_unknown(users, phenomenon):
    item = reported_item(phenomenon=phenomenon)
    result = hash_item_media(
        item, upload(picture_bytes()), actor=users["analyst"], source="analyst", keep_file=True
    )
    assert result.kept.media_file is None and result.kept.refusal
    assert result.signals  # hashed all the same
    assert not MediaFile.objects.exists()
    assert not evidence_dir().exists() or not any(evidence_dir().iterdir())


def test_not_kept_unless_asked_and_not_beyond_the_size_limit(users, settings):
    item = reported_item(phenomenon="ncii")
    assert (
        hash_item_media(
            item, upload(picture_bytes()), actor=users["analyst"], source="analyst"
        ).kept.media_file
        is None
    )
    settings.MATCHING_MAX_KEEP_BYTES = 1000
    result = hash_item_media(
        item, upload(picture_bytes()), actor=users["analyst"], source="analyst", keep_file=True
    )
    assert result.kept.media_file is None and "most we keep" in result.kept.refusal


def test_download_from_the_item_page_is_a_post_and_audited(client, users):
    item = reported_item(phenomenon="ncii")
    data = picture_bytes()
    kept = hash_item_media(
        item, upload(data), actor=users["analyst"], source="analyst", keep_file=True
    ).kept.media_file
    assert kept is not None
    url = reverse("matching:file-download", args=[kept.id])
    client.force_login(users["analyst"])
    page = client.get(reverse("cases:item-detail", args=[item.id])).content.decode()
    assert url in page
    assert client.get(url).status_code == 405
    # Without a reason that says something, no file: back to the item with the message.
    refused = client.post(url, {"reason": "ok"})
    assert refused.status_code == 302 and not AuditEntry.objects.filter(action="media.download")
    response = client.post(url, {"reason": "Evidence for the victim's lawyer"})
    assert response.status_code == 200
    assert response.content == data
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="media.download")
    assert entry.reason == "Evidence for the victim's lawyer"
    client.force_login(users["intake"])
    assert client.post(url, {"reason": "Evidence for the victim's lawyer"}).status_code == 403


def test_the_upload_form_keeps_the_file_when_ticked(client, users):
    item = reported_item(phenomenon="ncii")
    client.force_login(users["analyst"])
    response = client.post(
        reverse("matching:item-hash", args=[item.id]),
        {"file": upload(picture_bytes()), "keep_file": "on"},
    )
    assert response.status_code == 302
    assert MediaFile.objects.filter(item=item).count() == 1


def test_media_kept_before_a_minor_was_found_is_destroyed_by_the_sweep(users):
    """An image kept as NCII evidence, then the analyst finds the person depicted is a minor:
    the file, its thumbnail and the bank's copy go, and the timeline and audit say so."""
    from flagdesk.cases.models import Case, CaseEvent
    from flagdesk.matching.services.evidence import discard_forbidden_media
    from flagdesk.matching.tasks import sweep_unchecked

    item = reported_item(phenomenon="ncii")
    result = hash_item_media(
        item,
        upload(picture_bytes()),
        actor=users["analyst"],
        source="analyst",
        keep_file=True,
        keep_thumbnail=True,
    )
    kept = result.kept.media_file
    assert kept is not None and item.signals.exclude(thumbnail="").exists()
    path = evidence_dir() / kept.storage_name
    assert path.exists()
    assert discard_forbidden_media() == 0  # an adult's NCII evidence may stay

    Case.objects.filter(pk=item.case_id).update(has_minor_depicted=True)
    assert sweep_unchecked() >= 1
    assert not path.exists()
    assert not MediaFile.objects.filter(item=item).exists()
    assert not item.signals.exclude(thumbnail="").exists()
    assert item.signals.exists()  # the hashes stay: they are what finds re-uploads
    assert CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.MEDIA).latest(
        "created_at"
    ).data == {"discarded_files": 1}
    assert AuditEntry.objects.filter(action="media.discard").exists()
    assert discard_forbidden_media() == 0


def test_the_sweep_leaves_a_minor_s_item_without_media_alone(users):
    """Nothing kept, nothing to destroy: no event on the timeline, sweep after sweep."""
    from flagdesk.cases.models import Case, CaseEvent
    from flagdesk.matching.services.evidence import discard_forbidden_media

    item = reported_item(phenomenon="sextortion")
    hash_item_media(item, upload(picture_bytes()), actor=users["analyst"], source="analyst")
    Case.objects.filter(pk=item.case_id).update(has_minor_depicted=True)
    other = reported_item(phenomenon="sextortion")  # no hashes at all
    Case.objects.filter(pk=other.case_id).update(has_minor_depicted=True)
    assert discard_forbidden_media() == 0
    assert discard_forbidden_media() == 0
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.MEDIA).exists()
