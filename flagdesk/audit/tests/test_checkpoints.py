"""Signed checkpoints outside the database, the keys outside var/, and the worker's job."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from flagdesk.audit import tasks
from flagdesk.audit.checkpoints import CheckpointError, latest_checkpoint, write_once
from flagdesk.audit.keys import AUDIT_KEY_FILE, SIGNING_KEY_FILE
from flagdesk.audit.models import AuditEntry
from flagdesk.audit.services import ChainBroken, record, take_checkpoint, verify_chain

pytestmark = pytest.mark.django_db

TABLE = AuditEntry._meta.db_table


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def files(directory: Path, prefix: str = "checkpoint-") -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.startswith(prefix))


def trail(users, count: int = 3) -> None:
    for i in range(count):
        record("bank.export", actor=users["coordinator"], target=f"bank:b{i}")


def test_a_checkpoint_is_a_signed_file_outside_the_database(users, settings, capsys, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit" / "checkpoints"  # created when needed
    trail(users)
    call_command("audit_checkpoint")
    assert "entry #3, 3 entries" in capsys.readouterr().out
    directory = Path(settings.AUDIT_CHECKPOINT_DIR)
    [path] = files(directory)
    [public] = files(directory, "audit-signing-key-")
    assert mode(directory) == 0o700 and mode(path) == 0o600 and mode(public) == 0o600
    document = json.loads(path.read_text())
    payload = json.loads(document["payload"])
    head = AuditEntry.objects.get(seq=3)
    assert (payload["seq"], payload["count"], payload["head_hash"]) == (3, 3, head.entry_hash)
    assert document["public_key"] == public.name
    # The keys live in KEY_DIR, not in var/ and not next to the checkpoints.
    key_dir = Path(settings.KEY_DIR)
    assert mode(key_dir / AUDIT_KEY_FILE) == 0o600 and mode(key_dir / SIGNING_KEY_FILE) == 0o600
    assert not (directory / SIGNING_KEY_FILE).exists()


def test_anyone_can_check_a_checkpoint_with_openssl(users, settings, tmp_path):
    """As docs/operations.md shows: the public key next to the checkpoints is enough."""
    trail(users)
    checkpoint = take_checkpoint()
    directory = Path(settings.AUDIT_CHECKPOINT_DIR)
    document = json.loads((directory / checkpoint.name).read_text())
    (tmp_path / "payload").write_text(document["payload"])
    (tmp_path / "signature").write_bytes(base64.b64decode(document["signature"]))
    public = directory / document["public_key"]
    command = [
        "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(public), "-rawin",
        "-in", str(tmp_path / "payload"), "-sigfile", str(tmp_path / "signature"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout
    (tmp_path / "payload").write_text(document["payload"].replace('"count":3', '"count":9'))
    assert subprocess.run(command, capture_output=True, check=False).returncode != 0


def test_checkpoint_files_are_never_rewritten(users, settings):
    trail(users)
    first = take_checkpoint()
    path = Path(settings.AUDIT_CHECKPOINT_DIR) / first.name
    before = path.read_bytes()
    with pytest.raises(CheckpointError):
        write_once(path, b"something else")
    assert path.read_bytes() == before
    record("login", actor=users["auditor"])
    second = take_checkpoint()
    assert second.seq == 4 and second.name != first.name
    assert len(files(Path(settings.AUDIT_CHECKPOINT_DIR))) == 2
    assert path.read_bytes() == before


def test_an_altered_checkpoint_is_refused(users, settings):
    trail(users)
    checkpoint = take_checkpoint()
    path = Path(settings.AUDIT_CHECKPOINT_DIR) / checkpoint.name
    document = json.loads(path.read_text())
    forged = document["payload"].replace('"count":3', '"count":2')
    path.chmod(0o600)  # the attacker got at the directory too, in this test
    path.write_text(json.dumps({**document, "payload": forged}))
    check = verify_chain()
    assert not check.is_intact and "is not signed by this instance's signing key" in check.problem
    with pytest.raises(CommandError, match="audit chain broken: The checkpoint"):
        call_command("audit_verify")


def test_a_checkpoint_signed_by_another_key_is_refused(users, settings, tmp_path):
    trail(users)
    take_checkpoint()
    settings.KEY_DIR = tmp_path / "other-keys"  # same audit key, another signing key
    settings.AUDIT_KEY = "k" * 40
    check = verify_chain()
    assert not check.is_intact and "not signed by this instance's signing key" in check.problem


def test_another_audit_key_is_named_as_such(users, settings):
    trail(users)
    take_checkpoint()
    settings.AUDIT_KEY = "a different audit key, at least 32 characters"
    check = verify_chain()
    assert not check.is_intact and "audit key is not the one the chain was written with" in (
        check.problem
    )


def test_no_checkpoint_of_a_shortened_chain(users, settings):
    """A checkpoint never vouches for damage: after the tail was cut, none is written, and
    the worker's job logs why instead."""
    trail(users, 5)
    take_checkpoint()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq > 3")
    record("login", actor=users["auditor"])  # #4 again, validly keyed
    with pytest.raises(ChainBroken, match="entry #5 was removed"):
        take_checkpoint()
    assert len(files(Path(settings.AUDIT_CHECKPOINT_DIR))) == 1
    assert latest_checkpoint().seq == 5


def test_the_worker_checkpoints_when_the_head_moved(users, settings, caplog):
    directory = Path(settings.AUDIT_CHECKPOINT_DIR)
    assert tasks.checkpoint_if_moved() == 0 and not files(directory)  # nothing to record
    trail(users)
    call_command("worker", burst=True)
    assert len(files(directory)) == 1 and latest_checkpoint().seq >= 3
    tasks.checkpoint_if_moved()
    written = len(files(directory))
    tasks.checkpoint_if_moved()  # the head did not move
    assert len(files(directory)) == written
    record("login", actor=users["auditor"])
    tasks.checkpoint_if_moved()
    assert len(files(directory)) == written + 1
    head = AuditEntry.objects.order_by("-seq").first()
    assert latest_checkpoint().seq == head.seq
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET reason = 'x' WHERE seq = %s", [head.seq])
    record("login", actor=users["auditor"])
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="flagdesk.audit.tasks"):
        assert tasks.checkpoint_if_moved() == 0
    assert len(files(directory)) == written + 1
    [refusal] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert refusal.msg == "audit.checkpoint_refused"
    assert f"#{head.seq}: content was changed" in refusal.problem


def test_an_empty_trail_needs_no_checkpoint(db, settings, capsys):
    call_command("audit_checkpoint")
    assert "empty" in capsys.readouterr().out
    call_command("audit_verify")
    assert capsys.readouterr().out.strip() == "audit chain intact: 0 entries"
    assert not list(Path(settings.AUDIT_CHECKPOINT_DIR).iterdir())


def test_without_a_checkpoint_verify_says_what_it_cannot_see(users, capsys):
    trail(users, 1)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert out.startswith("audit chain intact: 1 entry\n")
    assert "No signed checkpoint yet" in out


def test_an_audit_key_from_the_environment(users, settings):
    settings.AUDIT_KEY = "x" * 48
    trail(users, 2)
    assert not (Path(settings.KEY_DIR) / AUDIT_KEY_FILE).exists()
    assert verify_chain().is_intact
    settings.AUDIT_KEY = "y" * 48
    check = verify_chain()
    assert not check.is_intact and check.first_bad_seq == 1


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"FLAGDESK_AUDIT_KEY": "too short"}, "FLAGDESK_AUDIT_KEY must be at least 32"),
        ({"FLAGDESK_AUDIT_TSA_URL": "http://127.0.0.1:9/tsr"}, "needs FLAGDESK_AUDIT_TSA_CA_FILE"),
        ({"FLAGDESK_AUDIT_TSA_URL": "ftp://tsa.example/"}, "FLAGDESK_AUDIT_TSA_URL must be a URL"),
    ],
)
def test_bad_settings_stop_start_up(tmp_path, variables, message):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
    env |= {"FLAGDESK_VAR_DIR": str(tmp_path / "var"), "FLAGDESK_KEY_DIR": str(tmp_path / "k")}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("flagdesk")), "check"],
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and message in done.stderr


def test_a_backup_is_checked_against_the_checkpoint_of_its_time(users, settings, capsys):
    """The live trail went on after the backup; the backup still verifies against the
    checkpoint taken with it, and only against that one or older."""
    trail(users)
    at_backup = take_checkpoint()
    trail(users, 2)
    take_checkpoint()
    with connection.cursor() as cursor:  # the database as the backup holds it
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq > 3")
    assert not verify_chain().is_intact
    path = Path(settings.AUDIT_CHECKPOINT_DIR) / at_backup.name
    call_command("audit_verify", checkpoint=str(path))
    assert f"signed checkpoint {at_backup.name}: #3, 3 entries, matches" in capsys.readouterr().out
