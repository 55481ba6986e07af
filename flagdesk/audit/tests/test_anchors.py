"""RFC 3161 timestamps of the chain's head, from a real local TSA (``openssl ts``, tests/tsa.py)."""

from __future__ import annotations

import logging
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from flagdesk.audit import tasks
from flagdesk.audit.anchoring import AnchorFailed, statement
from flagdesk.audit.models import AuditAnchor, AuditEntry
from flagdesk.audit.services import anchor_head, record, verify_chain

pytestmark = pytest.mark.django_db

ENTRIES = AuditEntry._meta.db_table
ANCHORS = AuditAnchor._meta.db_table


def trail(users, count: int = 3) -> None:
    for i in range(count):
        record("report.revealed", actor=users["analyst"], target=f"report:{i}", reason="case")


def test_the_head_is_timestamped_and_verified(users, tsa, settings, capsys):
    trail(users)
    call_command("audit_anchor")
    assert "Entry #3 timestamped by http://127.0.0.1:" in capsys.readouterr().out
    anchor = AuditAnchor.objects.get()
    head = AuditEntry.objects.get(seq=3)
    assert (anchor.seq, anchor.head_hash) == (3, head.entry_hash)
    assert abs(anchor.timestamped_at - timezone.now()) < timedelta(minutes=5)
    assert len(tsa.queries) == 1
    [copy] = Path(settings.AUDIT_CHECKPOINT_DIR).glob("anchor-*.tsr")
    assert copy.read_bytes() == bytes(anchor.token)
    check = verify_chain()
    assert check.is_intact and check.anchors == 1
    assert check.checkpoint and check.checkpoint.seq == 3  # anchoring took a checkpoint first
    call_command("audit_verify")
    assert "1 timestamp checked" in capsys.readouterr().out


def test_anyone_can_check_a_timestamp_with_openssl(users, tsa, settings, tmp_path):
    trail(users)
    anchor = anchor_head()
    (tmp_path / "statement").write_bytes(statement(anchor.seq, anchor.head_hash))
    [copy] = Path(settings.AUDIT_CHECKPOINT_DIR).glob("anchor-*.tsr")
    command = [
        "openssl", "ts", "-verify", "-in", str(copy), "-data", str(tmp_path / "statement"),
        "-CAfile", str(tsa.ca_file),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Verification: OK" in done.stdout
    (tmp_path / "statement").write_bytes(statement(anchor.seq, "0" * 64))
    assert subprocess.run(command, capture_output=True, check=False).returncode != 0


def test_a_timestamp_for_another_hash_is_refused_when_anchoring(users, tsa):
    trail(users)
    tsa.answer_for_other_data = True
    with pytest.raises(AnchorFailed, match="another hash"):
        anchor_head()
    assert not AuditAnchor.objects.exists()


def test_a_stored_timestamp_for_another_hash_fails_verify(users, tsa):
    """An attacker swaps the stored timestamp of #3 for a valid one of other data."""
    trail(users)
    anchor_head()
    other = tsa.authority.reply(tsa.authority.query_for(b"unrelated"))  # validly signed
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ANCHORS} SET token = %s", [other])
    check = verify_chain()
    assert not check.is_intact and check.first_bad_seq == 3
    assert "The timestamp is for another hash" in check.problem
    with pytest.raises(CommandError, match="#3"):
        call_command("audit_verify")


def test_a_timestamp_from_another_authority_fails_verify(users, tsa, settings, tmp_path):
    trail(users)
    anchor_head()
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", str(tmp_path / "other.key"), "-out", str(tmp_path / "other.crt"),
            "-days", "1", "-subj", "/CN=another CA",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    settings.AUDIT_TSA_CA_FILE = str(tmp_path / "other.crt")
    check = verify_chain()
    assert not check.is_intact and check.first_bad_seq == 3
    assert "signature is not valid" in check.problem


def test_timestamps_outlive_an_emptied_database(users, tsa, settings):
    """Entries, timestamps and checkpoints gone from the database: the copies next to the
    checkpoints still say how far the chain reached."""
    trail(users)
    anchor_head()
    for checkpoint in Path(settings.AUDIT_CHECKPOINT_DIR).glob("checkpoint-*"):
        checkpoint.unlink()  # even if the checkpoints themselves were lost
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ANCHORS}")
        cursor.execute(f"DELETE FROM {ENTRIES}")
    check = verify_chain()
    assert not check.is_intact and check.first_bad_seq == 1
    assert "a timestamp saw the chain reach #3" in check.problem


def test_anchoring_off_without_a_tsa(users, settings):
    trail(users)
    settings.AUDIT_TSA_URL = ""
    with pytest.raises(CommandError, match="Anchoring is off: FLAGDESK_AUDIT_TSA_URL"):
        call_command("audit_anchor")
    assert tasks.anchor_daily() == 0
    assert not AuditAnchor.objects.exists()


def test_an_unreachable_tsa_is_reported(users, settings, tsa, caplog):
    trail(users)
    settings.AUDIT_TSA_URL = "http://127.0.0.1:9/tsr"  # nothing listens there
    with pytest.raises(CommandError, match="could not be reached"):
        call_command("audit_anchor")
    with caplog.at_level(logging.WARNING, logger="flagdesk.audit.tasks"):
        assert tasks.anchor_daily() == 0
    assert "audit.anchor_failed" in [r.msg for r in caplog.records]
    assert not AuditAnchor.objects.exists()


def test_the_worker_anchors_once_a_day(users, tsa):
    trail(users)
    tasks.anchor_daily()
    tasks.anchor_daily()  # the same day: nothing new
    assert AuditAnchor.objects.count() == 1 and len(tsa.queries) == 1
    record("login", actor=users["auditor"])
    tasks.anchor_daily()  # the head moved, but within the day
    assert AuditAnchor.objects.count() == 1
    day_old = timezone.now() - timedelta(hours=24)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {ANCHORS} SET created_at = %s", [day_old])
    tasks.anchor_daily()
    assert list(AuditAnchor.objects.values_list("seq", flat=True)) == [3, 4]
    assert verify_chain().anchors == 2


def test_anchors_are_append_only(users, tsa):
    trail(users)
    anchor = anchor_head()
    with pytest.raises(TypeError):
        anchor.delete()
    with pytest.raises(TypeError):
        AuditAnchor.objects.update(seq=1)


def test_without_the_ca_file_only_the_digest_is_checked(users, tsa, settings, capsys):
    trail(users)
    anchor_head()
    settings.AUDIT_TSA_URL, settings.AUDIT_TSA_CA_FILE = "", ""
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "1 timestamp checked" in out and "signatures were not checked" in out
