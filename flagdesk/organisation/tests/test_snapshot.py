"""designation_snapshot: what a notice freezes about the designations it relied on."""

from __future__ import annotations

import datetime as dt

import pytest

from flagdesk.organisation.queries import designation_snapshot
from flagdesk.organisation.services import DesignationInput

from .test_history import bipt, save

pytestmark = pytest.mark.django_db


def test_snapshot_lists_the_active_designations_covering_the_phenomena(users):
    entries = [
        bipt(phenomena=["ncii", "cyber_harassment"], valid_until=dt.date(2027, 7, 2)),
        DesignationInput("CSA", dt.date(2026, 8, 1), ["grooming"]),
        DesignationInput(
            "Old",
            dt.date(2026, 1, 1),
            ["ncii"],
            is_suspended=True,
            suspended_from=dt.date(2026, 8, 15),
        ),
    ]
    org = save(users, *entries)
    org = save(users, *entries)  # the same list again changes nothing
    bipt_row = org.designations.get(authority="BIPT")
    snapshot = designation_snapshot(org, on=dt.date(2026, 9, 1), phenomena={"ncii", "hate"})
    assert snapshot == [
        {
            "id": str(bipt_row.id),
            "version": 1,
            "authority": "BIPT",
            "designated_on": "2026-07-03",
            "valid_until": "2027-07-02",
            "areas": ["ncii", "cyber_harassment"],
            "suspended_from": None,
            "suspended_until": None,
        }
    ]
    before = designation_snapshot(org, on=dt.date(2026, 8, 14), phenomena={"ncii"})
    assert [d["authority"] for d in before] == ["Old", "BIPT"]
    assert before[0]["suspended_from"] == "2026-08-15"
    assert designation_snapshot(org, on=dt.date(2026, 9, 1), phenomena={"csam"}) == []


def test_snapshot_names_the_version_relied_on(users):
    save(users, bipt())
    org = save(users, bipt(phenomena=["ncii", "grooming"]))
    [entry] = designation_snapshot(org, on=dt.date(2026, 9, 1), phenomena={"grooming"})
    assert entry["version"] == 2 and entry["areas"] == ["ncii", "grooming"]
