"""Issue 11, point 5: the audit trail tried as an attacker with database access would.

Every attack is raw SQL through ``connection.cursor()``, as someone holding the database's
password would do it, bypassing the model (which refuses updates and deletes). The attacker
has the project's code, so its own hash function too, but not the audit key (it is not in
the database) nor the signing key of the checkpoints.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from flagdesk.audit.models import LEGACY_SCHEME, AuditEntry
from flagdesk.audit.services import record, take_checkpoint, verify_chain

pytestmark = pytest.mark.django_db

TABLE = AuditEntry._meta.db_table


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def trail(users, count: int = 6) -> list[AuditEntry]:
    return [
        record("report.revealed", actor=users["analyst"], target=f"report:{i}", reason="case")
        for i in range(1, count + 1)
    ]


def refused(first_bad_seq: int | None, *words: str) -> None:
    check = verify_chain()
    assert not check.is_intact
    assert check.first_bad_seq == first_bad_seq, check
    for word in words:
        assert word in check.problem, check.problem
    expected = f"#{first_bad_seq}" if first_bad_seq else "audit chain broken"
    with pytest.raises(CommandError, match=expected):
        call_command("audit_verify")


def test_an_untouched_trail_is_intact(users, capsys):
    trail(users)
    take_checkpoint()
    record("login", actor=users["auditor"])  # after the checkpoint, as the trail goes on
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "audit chain intact: 7 entries" in out
    assert "signed checkpoint checkpoint-000000000000006-" in out


def test_tail_deleted_after_a_checkpoint(users):
    trail(users)
    take_checkpoint()
    sql(f"DELETE FROM {TABLE} WHERE seq > 2")
    refused(3, "entries #3 to #6 were removed")


def test_tail_deleted_then_the_trail_goes_on(users):
    """New entries take the removed entries' numbers; the checkpoint still knows better."""
    trail(users)
    take_checkpoint()
    sql(f"DELETE FROM {TABLE} WHERE seq > 2")
    trail(users, 4)  # #3 to #6 again, with valid HMACs: record() has the key
    refused(6, "differs from the signed checkpoint")


def test_table_emptied(users):
    trail(users)
    take_checkpoint()
    sql(f"DELETE FROM {TABLE}")
    refused(1, "entries #1 to #6 were removed")


def test_rows_deleted_and_rehashed_with_the_projects_function(users):
    """Remove #3, renumber the rest and recompute every hash with the model's own function,
    under the only key the attacker has: one of its own."""
    trail(users)
    sql(f"DELETE FROM {TABLE} WHERE seq = 3")
    previous = "0" * 64
    for entry in AuditEntry.objects.order_by("seq"):
        new_seq = entry.seq if entry.seq < 3 else entry.seq - 1
        entry.prev_hash = previous
        rehashed = entry.compute_hash(key=b"the attacker's guess" * 2, seq=new_seq)
        sql(
            f"UPDATE {TABLE} SET seq = %s, prev_hash = %s, entry_hash = %s WHERE seq = %s",
            [new_seq, previous, rehashed, entry.seq],
        )
        previous = rehashed
    refused(1, "content was changed")


def test_rows_deleted_and_rehashed_as_unkeyed_entries(users):
    """Without the key, the attacker rewrites the chain in the old unkeyed scheme (plain
    SHA-256, as legacy entries are checked). No checkpoint is needed to catch it."""
    trail(users)
    sql(f"DELETE FROM {TABLE} WHERE seq = 3")
    previous = "0" * 64
    for entry in AuditEntry.objects.order_by("seq"):
        entry.scheme, entry.prev_hash = LEGACY_SCHEME, previous
        rehashed = hashlib.sha256(entry.content()).hexdigest()
        sql(
            f"UPDATE {TABLE} SET scheme = 1, prev_hash = %s, entry_hash = %s WHERE seq = %s",
            [previous, rehashed, entry.seq],
        )
        previous = rehashed
    refused(6, "ends with an unkeyed entry")


def test_downgrade_caught_at_the_first_rewritten_entry_after_a_checkpoint(users):
    trail(users)
    take_checkpoint()
    entry = AuditEntry.objects.get(seq=1)
    entry.scheme = LEGACY_SCHEME
    sql(
        f"UPDATE {TABLE} SET scheme = 1, entry_hash = %s WHERE seq = 1",
        [hashlib.sha256(entry.content()).hexdigest()],
    )
    refused(1, "unkeyed entry where only keyed ones may be")


def test_a_row_removed_in_the_middle(users):
    trail(users)
    sql(f"DELETE FROM {TABLE} WHERE seq = 4")
    refused(4, "entry #4 was removed")


def test_rows_removed_before_the_checkpoint_are_named_from_the_first(users):
    trail(users)
    take_checkpoint()
    sql(f"DELETE FROM {TABLE} WHERE seq IN (3, 4, 6)")
    refused(3, "entries #3 to #4 were removed")


def test_one_rows_data_edited(users):
    trail(users)
    sql(f"UPDATE {TABLE} SET data = %s WHERE seq = 2", [json.dumps({"fields": ["phone"]})])
    refused(2, "content was changed")


def test_one_rows_reason_edited(users):
    trail(users)
    sql(f"UPDATE {TABLE} SET reason = 'other' WHERE seq = 5")
    refused(5, "content was changed")


def test_two_rows_swapped(users):
    """#2 and #3 trade places (numbers swapped), each keeping its own valid HMAC."""
    trail(users)
    sql(f"UPDATE {TABLE} SET seq = -3 WHERE seq = 3")
    sql(f"UPDATE {TABLE} SET seq = 3 WHERE seq = 2")
    sql(f"UPDATE {TABLE} SET seq = 2 WHERE seq = -3")
    refused(2, "reordered: this is the entry written as #3")


def test_two_rows_contents_swapped(users):
    """The same by copying every column but the number across."""
    trail(users)
    columns = ["created_at", "actor_id", "action", "target", "reason", "data", "prev_hash"]
    rows = {
        e.seq: [getattr(e, c) if c != "data" else json.dumps(e.data) for c in columns]
        for e in AuditEntry.objects.filter(seq__in=[2, 5])
    }
    hashes = dict(AuditEntry.objects.filter(seq__in=[2, 5]).values_list("seq", "entry_hash"))
    assignments = ", ".join(f"{c} = %s" for c in columns)
    sql(f"UPDATE {TABLE} SET entry_hash = 'x' WHERE seq = 2")
    for target, source in ((5, 2), (2, 5)):
        sql(
            f"UPDATE {TABLE} SET {assignments}, entry_hash = %s WHERE seq = %s",
            [*rows[source], hashes[source], target],
        )
    refused(2, "reordered: this is the entry written as #5")


def test_the_model_refuses_updates_and_deletes(users):
    entries = trail(users, 2)
    entry = AuditEntry.objects.get(seq=entries[0].seq)
    entry.reason = "other"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(seq=1).update(reason="other")
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(seq=1).delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(seq=1).reason == "case" and AuditEntry.objects.count() == 2
    assert verify_chain().is_intact
