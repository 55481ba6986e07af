"""0002-0003: an instance upgraded with unkeyed entries keeps a verifiable chain (S25)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from flagdesk.audit.models import AuditEntry
from flagdesk.audit.services import record, take_checkpoint, verify_chain

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("audit", "0001_initial")]
AFTER = [("audit", "0003_seal_legacy_entries")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Whatever a test migrated back to, the next tests get every migration again (a later
    migration of this app, such as a new table, must not stay unapplied)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def legacy_hash(fields: dict[str, object]) -> str:
    """The hash as the code before keyed chains computed it."""
    content = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def write_legacy_chain(apps, count: int) -> None:
    Entry = apps.get_model("audit", "AuditEntry")
    previous = "0" * 64
    start = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    for i in range(count):
        fields = {
            "created_at": (start + dt.timedelta(minutes=i)).isoformat(),
            "actor": None,
            "action": "bank.create",
            "target": f"bank:b{i}",
            "reason": "",
            "data": {"n": i},
            "prev": previous,
        }
        entry_hash = legacy_hash(fields)
        Entry.objects.create(
            created_at=start + dt.timedelta(minutes=i),
            action="bank.create",
            target=f"bank:b{i}",
            data={"n": i},
            prev_hash=previous,
            entry_hash=entry_hash,
        )
        previous = entry_hash


@pytest.fixture
def upgraded(db):
    old = migrate(BEFORE)
    write_legacy_chain(old, 3)
    migrate(AFTER)
    yield
    migrate(AFTER)


def test_legacy_entries_stay_verifiable_and_are_sealed(upgraded, users):
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [(e.seq, e.scheme, e.action) for e in entries] == [
        (1, 1, "bank.create"),
        (2, 1, "bank.create"),
        (3, 1, "bank.create"),
        (4, 2, "audit.keyed"),
    ]
    assert entries[3].prev_hash == entries[2].entry_hash
    assert verify_chain().is_intact
    record("login", actor=users["auditor"])
    take_checkpoint()
    check = verify_chain()
    assert check.is_intact and check.checked == 5 and check.checkpoint.legacy_until == 3


def test_editing_a_legacy_entry_is_still_caught(upgraded):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET target = 'x' WHERE seq = 2")
    check = verify_chain()
    assert not check.is_intact and check.first_bad_seq == 2


def test_cutting_off_the_seal_is_caught(upgraded):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = 4")
    check = verify_chain()
    assert not check.is_intact and "ends with an unkeyed entry" in check.problem


def test_a_fresh_instance_gets_no_seal(db):
    migrate(BEFORE)
    migrate(AFTER)
    assert not AuditEntry.objects.exists()
