"""Key rotation: stage, promote and re-encrypt, retire; every value and file stays readable.

The test process plays every web process: ``reload()`` is what restarting one does (read the
ring file again). Data is made through the real services: a report through intake, a kept
file and a thumbnail through matching.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from flagdesk.audit.models import AuditEntry
from flagdesk.core.crypto import stored_token
from flagdesk.core.keys import ring
from flagdesk.core.keys.reencrypt import reencrypt_files
from flagdesk.core.keys.stores import FileStore, encrypted_columns
from flagdesk.intake.models import Report
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.matching.demo import picture_bytes
from flagdesk.matching.models import ItemSignal, MediaFile
from flagdesk.matching.services.evidence import evidence_dir, read_file
from flagdesk.matching.services.media import hash_item_media
from flagdesk.site import keys

pytestmark = pytest.mark.django_db

CONTACT = {
    "reporter_name": "Jeanne Fictive",
    "reporter_email": "jeanne@fictive.test",
    "reporter_phone": "+32 470 00 00 00",
    "description": "A fictional description of what happened to me.",
}


@pytest.fixture
def ring_file(settings, tmp_path) -> Path:
    """A ring file in the test's KEY_DIR holding the one key the test process uses."""
    settings.FIELD_KEYS_FROM_ENV = False
    settings.MATCHING_EVIDENCE_DIR = tmp_path / "evidence"
    key = ring.new_key()
    settings.FLAGDESK_FIELD_KEYS = [key]
    path = Path(settings.KEY_DIR) / ring.RING_FILE
    path.write_text(ring.format_ring(ring.KeyRing(active=key)))
    return path


def reload(settings, path: Path) -> None:
    """What restarting a process does: it reads the ring file again."""
    settings.FLAGDESK_FIELD_KEYS = list(ring.read_ring(path).keys)


@pytest.fixture
def data(ring_file, users):
    """A report with contact details and a description, and an item with a kept picture and
    a thumbnail: four encrypted columns and one encrypted file."""
    with override_settings(URL_RESOLVER="flagdesk.core.testing.test_resolver"):
        submitted = submit_report(
            ReportSubmission(
                urls=["https://social.test/p/keys"],
                role="victim",
                phenomenon="ncii",
                is_anonymous=False,
                has_consented=True,
                **CONTACT,
            )
        )
    item = submitted.items[0]
    picture = picture_bytes()
    upload = SimpleUploadedFile("me.jpg", picture, content_type="image/jpeg")
    kept = hash_item_media(
        item,
        upload,
        actor=users["analyst"],
        source="analyst",
        keep_file=True,
        keep_thumbnail=True,
    ).kept.media_file
    assert kept is not None
    thumbnails = {s.pk: s.thumbnail for s in ItemSignal.objects.exclude(thumbnail="")}
    assert thumbnails
    return {"report": submitted.report, "file": kept, "picture": picture, "thumbs": thumbnails}


def stored(model, pk, field: str) -> bytes:
    """A column's token as stored, not decrypted."""
    column = next(c for c in encrypted_columns() if c.model is model and c.field_name == field)
    value = model.objects.filter(pk=pk).values_list(column.stored(), flat=True).get()
    token = stored_token(value)
    assert token is not None
    return token


def under(key: str, token: bytes) -> bool:
    try:
        Fernet(key.encode()).extract_timestamp(token)
    except InvalidToken:
        return False
    return True


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_every_encrypted_column_is_found_through_the_app_registry():
    labels = {c.label for c in encrypted_columns()}
    assert {
        "intake.Report.reporter_name",
        "intake.Report.reporter_email",
        "intake.Report.reporter_phone",
        "intake.Report.description",
        "matching.ItemSignal.thumbnail",
        "platforms.Platform.inbound_secret",
    } <= labels


def test_rotation_moves_every_value_and_file_to_the_new_key(settings, ring_file, data, users):
    report, kept = data["report"], data["file"]
    old = settings.FLAGDESK_FIELD_KEYS[0]

    staged = keys.stage_key().staged
    assert staged and ring.read_ring(ring_file).keys == (old, staged)
    # Staged: decrypts, encrypts nothing yet; nothing was re-encrypted.
    assert under(old, stored(Report, report.pk, "reporter_email"))
    reload(settings, ring_file)
    assert settings.FLAGDESK_FIELD_KEYS == [old, staged]

    promoted = run("keys_rotate", "--promote", "--batch-size", "1")
    assert ring.read_ring(ring_file).keys == (staged, old)
    assert "intake.Report.reporter_email: 1/1" in promoted
    assert "matching.MediaFile: 1/1" in promoted
    assert "Values still under older keys: 0; files: 0." in promoted
    assert old not in promoted and staged not in promoted  # fingerprints only

    # Every value and the file are under the new key, and decrypt to what was stored.
    for field in CONTACT:
        assert under(staged, stored(Report, report.pk, field))
        assert not under(old, stored(Report, report.pk, field))
    for pk, thumbnail in data["thumbs"].items():
        assert under(staged, stored(ItemSignal, pk, "thumbnail"))
        assert ItemSignal.objects.get(pk=pk).thumbnail == thumbnail
    token = (evidence_dir() / kept.storage_name).read_bytes()
    assert under(staged, token) and not under(old, token)
    reload(settings, ring_file)
    fresh = Report.objects.get(pk=report.pk)
    assert {f: getattr(fresh, f) for f in CONTACT} == CONTACT
    assert (
        read_file(kept, actor=users["reviewer"], reason="court bundle for the victim")
        == data["picture"]
    )
    assert not list(evidence_dir().glob(".tmp-*"))

    # A second run finds nothing to do and changes nothing.
    before = stored(Report, report.pk, "description"), token
    again = run("keys_rotate", "--reencrypt-only")
    assert "Re-encrypted: 0;" in again
    assert before == (
        stored(Report, report.pk, "description"),
        (evidence_dir() / kept.storage_name).read_bytes(),
    )

    retired = run("keys_retire")
    assert f"Retired key {ring.fingerprint(old)}." in retired
    assert ring.read_ring(ring_file).keys == (staged,)
    assert old in (ring_file.with_name(ring.RETIRED_FILE)).read_text()  # for older backups
    reload(settings, ring_file)
    assert Report.objects.get(pk=report.pk).reporter_phone == CONTACT["reporter_phone"]
    assert (
        read_file(kept, actor=users["reviewer"], reason="court bundle for the victim")
        == data["picture"]
    )

    actions = list(AuditEntry.objects.filter(action__startswith="keys.").values("action", "data"))
    assert [a["action"] for a in actions] == [
        "keys.stage",
        "keys.promote",
        "keys.reencrypt",
        "keys.reencrypt",
        "keys.retire",
    ]
    assert old not in str(actions) and staged not in str(actions)


def test_status_counts_by_fingerprint_and_names_what_no_key_opens(settings, ring_file, data):
    status = run("keys_status")
    key = settings.FLAGDESK_FIELD_KEYS[0]
    # Values made here, plus those of other tables (the personas' authenticator keys).
    others = sum(
        c.rows().count() for c in encrypted_columns() if c.model not in (Report, ItemSignal)
    )
    values = len(CONTACT) + len(data["thumbs"]) + others
    assert re.search(rf"^{ring.fingerprint(key)} +{values} +1  encrypts new values$", status, re.M)
    assert key not in status

    # The key is lost: status says what cannot be decrypted instead of crashing.
    ring_file.write_text(ring.format_ring(ring.KeyRing(active=ring.new_key())))
    out = StringIO()
    with pytest.raises(CommandError, match=f"no configured key opens: {values}; files: 1"):
        call_command("keys_status", stdout=out)
    assert "intake.Report.reporter_email: 1" in out.getvalue()
    assert "matching.MediaFile: 1" in out.getvalue()
    assert "matching.ItemSignal.thumbnail" in out.getvalue()


def test_a_key_still_in_use_is_not_retired(settings, ring_file, data):
    old = settings.FLAGDESK_FIELD_KEYS[0]
    keys.stage_key()
    keys.promote_key()  # promoted, but nothing re-encrypted yet
    retired = run("keys_retire")
    assert "Retired" not in retired
    assert re.search(
        rf"Key {ring.fingerprint(old)} is still in use \(values: \d+, files: 1\)", retired
    )
    assert old in ring.read_ring(ring_file).keys


def test_the_steps_come_in_order(ring_file):
    with pytest.raises(CommandError, match="No key is staged"):
        run("keys_rotate", "--promote")
    run("keys_rotate")
    with pytest.raises(CommandError, match="already staged"):
        run("keys_rotate")
    assert len(ring.read_ring(ring_file).keys) == 2


def test_keys_from_the_environment_are_not_edited(settings, ring_file, data):
    settings.FIELD_KEYS_FROM_ENV = True
    new = ring.new_key()
    settings.FLAGDESK_FIELD_KEYS = [new, *settings.FLAGDESK_FIELD_KEYS]
    before = ring_file.read_text()
    for command in (["keys_rotate"], ["keys_rotate", "--promote"], ["keys_retire"]):
        with pytest.raises(CommandError, match="FLAGDESK_FIELD_KEYS"):
            run(*command)
    assert ring_file.read_text() == before
    # The operator put a new key first: re-encryption alone moves everything to it.
    out = run("keys_rotate", "--reencrypt-only")
    assert "Values still under older keys: 0; files: 0." in out
    assert under(new, stored(Report, data["report"].pk, "reporter_name"))


def test_a_value_changed_during_re_encryption_keeps_its_new_content(settings, ring_file, data):
    """The write-back is conditional: an erasure made between read and write wins."""
    report = data["report"]
    column = next(c for c in encrypted_columns() if c.label == "intake.Report.reporter_email")
    read = Report.objects.filter(pk=report.pk).values_list(column.stored(), flat=True).get()
    Report.objects.filter(pk=report.pk).update(reporter_email="")  # erased meanwhile
    assert not column.swap(report.pk, read, "fernet:something-else")
    assert Report.objects.get(pk=report.pk).reporter_email == ""


def test_a_file_erased_during_re_encryption_is_not_brought_back(settings, ring_file, data):
    """Each file is re-read under a lock on its row: one erased (row and file) after the run
    listed it is skipped, not rewritten from what was listed."""
    kept = data["file"]
    path = evidence_dir() / kept.storage_name
    calls = []

    def rows():
        calls.append(1)
        if len(calls) == 2:  # the run listed the file; now an erasure commits
            path.unlink()
            MediaFile.objects.filter(pk=kept.pk).delete()
        return MediaFile.objects.all()

    store = FileStore("matching.MediaFile", rows, "storage_name", evidence_dir)
    new = ring.new_key()
    tally = reencrypt_files(
        store, [new, *settings.FLAGDESK_FIELD_KEYS], batch_size=10, progress=lambda *a: None
    )
    assert len(calls) == 2 and tally.rewritten == 0
    assert not path.exists() and not list(evidence_dir().iterdir())


def test_rotation_moves_evidence_captures_too(settings, ring_file, data, users):
    from django.utils import timezone

    from flagdesk.monitoring.models import Capture, CaptureFile
    from flagdesk.monitoring.storage import store

    item = data["report"].items.first()
    capture = Capture.objects.create(
        item=item, trigger="request", requested_at=timezone.now(), status="done", url=item.url
    )
    page = b"<p>fictional captured page</p>"
    file = CaptureFile.objects.create(
        capture=capture,
        kind="dom",
        name="page.html",
        content_type="text/html",
        size=len(page),
        sha256="0" * 64,
        storage_key=store().put(page),
    )
    old = settings.FLAGDESK_FIELD_KEYS[0]
    staged = keys.stage_key().staged
    reload(settings, ring_file)
    promoted = run("keys_rotate", "--promote")
    assert "monitoring.CaptureFile: 1/1" in promoted
    token = store().read_token(file.storage_key)
    assert under(staged, token) and not under(old, token)
    reload(settings, ring_file)
    assert store().get(file.storage_key) == page
    assert run("keys_status").splitlines()[2].split()[2] == "2"  # the kept file and the capture
