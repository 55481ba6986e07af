"""Designations are versioned and never deleted; suspensions are dated (art. 22(6)-(7) DSA)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from flagdesk.audit.models import AuditEntry
from flagdesk.organisation.models import Designation, DesignationVersion
from flagdesk.organisation.services import DesignationInput, update_organisation

pytestmark = pytest.mark.django_db

DESIGNATED = dt.date(2026, 7, 3)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def save(users, *designations: DesignationInput, on: dt.date = dt.date(2026, 9, 1)):
    return update_organisation(
        actor=users["coordinator"],
        name="Safe Online asbl",
        email="notices@safe.test",
        designations=list(designations),
        now=at(on),
    )


def bipt(**changes) -> DesignationInput:
    fields = {"authority": "BIPT", "designated_on": DESIGNATED, "phenomena": ["ncii"]}
    return DesignationInput(**{**fields, **changes})


def test_edits_keep_the_identity_and_add_versions(users):
    org = save(users, bipt())
    [first] = org.designations.all()
    org = save(users, bipt(phenomena=["ncii", "grooming"]))
    org = save(users, bipt(phenomena=["ncii", "grooming"]))  # no change, no version
    org = save(users, bipt(id=first.id, authority="BIPT/IBPT", phenomena=["ncii", "grooming"]))
    [designation] = org.designations.all()
    assert designation.id == first.id and designation.version == 3
    versions = list(designation.versions.all())
    assert [(v.number, v.kind, v.changed) for v in versions] == [
        (1, "created", ["authority", "designated_on", "valid_until", "phenomena"]),
        (2, "changed", ["phenomena"]),
        (3, "changed", ["authority"]),
    ]
    assert versions[0].state["phenomena"] == ["ncii"]  # as it was then
    assert versions[2].state["authority"] == "BIPT/IBPT"
    assert {v.recorded_by for v in versions} == {users["coordinator"]}
    assert AuditEntry.objects.filter(action="designation.changed").count() == 2


def test_a_designation_left_out_is_ended_not_deleted(users):
    org = save(users, bipt(), DesignationInput("CSA", dt.date(2026, 8, 1), ["grooming"]))
    org = save(users, bipt(), on=dt.date(2026, 10, 1))
    ended = Designation.objects.get(authority="CSA")
    assert ended.ended_on == dt.date(2026, 10, 1)
    assert [v.kind for v in ended.versions.all()] == ["created", "ended"]
    assert org.designations.count() == 2
    assert org.designated_phenomena(dt.date(2026, 9, 30)) == {"ncii", "grooming"}
    assert org.designated_phenomena(dt.date(2026, 10, 1)) == {"ncii"}
    # Listing it again is a new designation; the ended one stays ended.
    org = save(users, bipt(), DesignationInput("CSA", dt.date(2026, 8, 1), ["grooming"]))
    assert org.designations.count() == 3
    assert Designation.objects.get(pk=ended.pk).ended_on == dt.date(2026, 10, 1)


def test_history_cannot_be_edited_or_deleted(users):
    save(users, bipt())
    version = DesignationVersion.objects.get()
    with pytest.raises(TypeError):
        version.save()
    with pytest.raises(TypeError):
        version.delete()
    with pytest.raises(TypeError):
        DesignationVersion.objects.all().delete()
    with pytest.raises(TypeError):
        DesignationVersion.objects.update(note="x")


def test_suspension_from_a_date_stops_marking_from_that_date_not_before(users):
    save(users, bipt())
    org = save(
        users,
        bipt(
            is_suspended=True,
            suspended_from=dt.date(2026, 9, 10),
            note="BIPT investigation, art. 22(6)",
        ),
    )
    [d] = org.designations.all()
    assert d.is_active_on(dt.date(2026, 9, 9))
    assert not d.is_active_on(dt.date(2026, 9, 10))
    assert org.designated_phenomena(dt.date(2026, 9, 9)) == {"ncii"}
    assert org.designated_phenomena(dt.date(2026, 12, 1)) == set()
    [v] = [v for v in d.versions.all() if v.kind == "suspended"]
    assert v.note == "BIPT investigation, art. 22(6)"
    assert v.state["suspended_from"] == "2026-09-10"


def test_a_suspension_with_an_end_date_ends(users):
    org = save(
        users,
        bipt(suspended_from=dt.date(2026, 9, 10), suspended_until=dt.date(2026, 9, 20)),
    )
    [d] = org.designations.all()
    assert [d.is_active_on(dt.date(2026, 9, day)) for day in (9, 10, 20, 21)] == [
        True,
        False,
        False,
        True,
    ]


def test_suspended_without_dates_is_from_today_and_lifting_ends_it_yesterday(users):
    save(users, bipt())
    org = save(users, bipt(is_suspended=True, note="Investigation"), on=dt.date(2026, 9, 10))
    [d] = org.designations.all()
    assert d.latest_suspension.suspended_from == dt.date(2026, 9, 10)
    assert d.is_active_on(dt.date(2026, 9, 9)) and not d.is_active_on(dt.date(2026, 9, 10))
    # Sending the same list again on a later day keeps the suspension as it is.
    save(users, bipt(is_suspended=True), on=dt.date(2026, 9, 12))
    org = save(users, bipt(is_suspended=False), on=dt.date(2026, 9, 15))
    [d] = org.designations.all()
    suspension = d.latest_suspension
    assert (suspension.suspended_from, suspension.suspended_until) == (
        dt.date(2026, 9, 10),
        dt.date(2026, 9, 14),
    )
    assert suspension.note == "Investigation"
    assert not d.is_active_on(dt.date(2026, 9, 14)) and d.is_active_on(dt.date(2026, 9, 15))
    assert [v.kind for v in d.versions.all()] == ["created", "suspended", "lifted"]


def test_lifting_a_suspension_on_its_first_day_withdraws_it(users):
    save(users, bipt())
    save(users, bipt(is_suspended=True), on=dt.date(2026, 9, 10))
    org = save(users, bipt(is_suspended=False), on=dt.date(2026, 9, 10))
    [d] = org.designations.all()
    assert d.is_active_on(dt.date(2026, 9, 10))
    assert d.latest_suspension is None
    assert d.suspensions.get().is_withdrawn  # kept, marked as never in force
    assert [v.kind for v in d.versions.all()] == ["created", "suspended", "lifted"]


def test_lifting_through_the_dates_of_the_suspension_in_force(users):
    """What a client does after GET: same dates, ``suspended`` turned off."""
    save(users, bipt(is_suspended=True, suspended_from=dt.date(2026, 8, 20)))
    org = save(users, bipt(suspended_from=dt.date(2026, 8, 20)), on=dt.date(2026, 9, 5))
    [d] = org.designations.all()
    assert d.latest_suspension.suspended_until == dt.date(2026, 9, 4)
    assert d.is_active_on(dt.date(2026, 9, 5))


def test_dates_in_force_today_without_suspended_are_refused(users):
    from flagdesk.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as e:
        save(users, bipt(), bipt(authority="CSA", suspended_from=dt.date(2026, 8, 20)))
    assert list(e.value.fields) == ["designations.1.suspended"]
    assert not Designation.objects.exists()


def test_a_new_suspension_after_a_lifted_one_keeps_both(users):
    save(users, bipt(suspended_from=dt.date(2026, 8, 1), suspended_until=dt.date(2026, 8, 5)))
    org = save(users, bipt(is_suspended=True, suspended_from=dt.date(2026, 8, 20)))
    [d] = org.designations.all()
    assert d.suspensions.count() == 2
    assert not d.is_active_on(dt.date(2026, 8, 3))
    assert d.is_active_on(dt.date(2026, 8, 10))
    assert not d.is_active_on(dt.date(2026, 8, 21))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"suspended_from": dt.date(2026, 9, 10), "suspended_until": dt.date(2026, 9, 1)},
            "designations.0.suspended_until",
        ),
        ({"suspended_until": dt.date(2026, 9, 1)}, "designations.0.suspended_from"),
        ({"note": "x" * 501}, "designations.0.note"),
    ],
)
def test_invalid_suspensions_name_the_field(users, change, field):
    from flagdesk.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as e:
        save(users, bipt(**change))
    assert list(e.value.fields) == [field]


def test_an_unknown_id_is_refused(users):
    import uuid

    from flagdesk.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as e:
        save(users, bipt(id=uuid.uuid4()))
    assert list(e.value.fields) == ["designations.0.id"]
