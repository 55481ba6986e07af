"""0002-0004: designations saved before history was kept become version 1 (S25)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("organisation", "0001_initial")]
AFTER = [("organisation", "0004_remove_designation_is_suspended")]


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


def test_existing_designations_become_version_one_and_back():
    old = migrate(BEFORE)
    org = old.get_model("organisation", "Organisation").objects.create(
        name="Safe Online asbl", email="notices@safe.test"
    )
    Designation = old.get_model("organisation", "Designation")
    Designation.objects.create(
        organisation=org, authority="BIPT", designated_on=dt.date(2026, 7, 3), phenomena=["ncii"]
    )
    Designation.objects.create(
        organisation=org,
        authority="CSA",
        designated_on=dt.date(2026, 8, 1),
        phenomena=["grooming"],
        is_suspended=True,
    )
    new = migrate(AFTER)
    versions = new.get_model("organisation", "DesignationVersion").objects.order_by("state")
    assert [(v.number, v.kind, v.state["authority"]) for v in versions] == [
        (1, "migrated", "BIPT"),
        (1, "migrated", "CSA"),
    ]
    suspension = new.get_model("organisation", "DesignationSuspension").objects.get()
    assert suspension.designation.authority == "CSA"
    assert suspension.suspended_from == dt.date(2026, 8, 1) and suspension.suspended_until is None
    old = migrate(BEFORE)
    rows = old.get_model("organisation", "Designation").objects.order_by("authority")
    assert [(d.authority, d.is_suspended) for d in rows] == [("BIPT", False), ("CSA", True)]
    migrate(AFTER)
